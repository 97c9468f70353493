"""Download, check and cache the two corpora the project trains on: text8 and *Alice*.

Cache layout
------------
Everything lives in one flat data directory, :func:`default_data_dir` unless the caller
passes another one (``$WORD2VEC_NUMPY_DATA`` overrides the platform cache directory)::

    <data_dir>/text8             the extracted text8 corpus (100,000,000 bytes of a-z and spaces)
    <data_dir>/text8.sha256      its SHA-256, written when the file was checked
    <data_dir>/alice.txt         Project Gutenberg book 11, header and licence stripped (UTF-8)
    <data_dir>/alice.txt.sha256  its SHA-256

While a download is running it is streamed to ``NAME.part`` (``text8.zip.part``,
``pg11.txt.part``) and the checked result to ``text8.part`` / ``alice.txt.part``; only when
every check passes is the result moved into place with :func:`os.replace`, so a file without
the ``.part`` suffix is always complete. Any failure deletes the ``.part`` files.

Checks
------
text8 comes over plain http, so its content is checked as far as it can be:

* the zip archive opens and holds exactly one member, named ``text8``;
* the member is exactly :data:`TEXT8_SIZE` bytes (both as declared and as extracted, and the
  zip's CRC-32 must match);
* it holds only the bytes ``a``-``z`` and space (checked while streaming, chunk by chunk).

The Gutenberg book must have a ``*** START OF`` line, a later ``*** END OF`` line and the
title "Alice's Adventures in Wonderland" (straight or typographic apostrophe); only the lines
strictly between the two markers are kept.

After a successful check the SHA-256 of the result is recorded next to it. Every later call
re-hashes the cached file and compares: a match is a cache hit (no network at all), a mismatch
is an error, never silently trusted or re-downloaded.

Files placed by hand
--------------------
Without network, put the file in the data directory yourself: ``text8.zip`` (or the extracted
``text8``) or the raw Gutenberg text saved as ``alice.txt``. A file without a ``.sha256`` is
validated exactly like a download and then adopted (its ``.sha256`` is written). A hand-placed
file that fails the checks is reported and left alone, never deleted.

Networking
----------
Standard library only (:mod:`urllib.request`). https uses :func:`ssl.create_default_context`,
so certificates are always verified. Each attempt has a socket timeout; transient failures
(connection errors, timeouts, truncated transfers, HTTP 5xx/408/429) are retried with
exponential back-off (1 s, 2 s, ... by default), other HTTP errors (4xx) are not. A progress
bar (bytes done/total and speed) goes to stderr when it is a terminal; otherwise a line at most
every few seconds, and nothing at all with ``quiet=True``. All user-facing failures raise
:class:`~word2vec_numpy.errors.Word2VecError` with a one-line message.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from ..errors import Word2VecError
from ..files import atomic_write
from ..progress import StatusLine, bar

__all__ = [
    "ALICE_URL",
    "TEXT8_SIZE",
    "TEXT8_URL",
    "check_data_dir",
    "default_data_dir",
    "fetch_alice",
    "fetch_text8",
]

TEXT8_URL = "http://mattmahoney.net/dc/text8.zip"
"""Where text8 is published (plain http; about 31 MB zipped)."""

TEXT8_SIZE = 100_000_000
"""Exact size in bytes of the ``text8`` member (17,005,207 tokens)."""

ALICE_URL = "https://www.gutenberg.org/cache/epub/11/pg11.txt"
"""Project Gutenberg book 11, *Alice's Adventures in Wonderland*, plain-text UTF-8."""

DATA_ENV = "WORD2VEC_NUMPY_DATA"
TEXT8_URL_ENV = "WORD2VEC_NUMPY_TEXT8_URL"
ALICE_URL_ENV = "WORD2VEC_NUMPY_ALICE_URL"

ATTEMPTS = 3
"""Default number of download attempts for transient failures."""

BACKOFF = 1.0
"""Default first back-off delay in seconds; it doubles after every failed attempt."""

ALICE_MAX_BYTES = 20_000_000
"""Refuse an Alice download larger than this (the real file is about 170 KB)."""

_ZIP_OVERHEAD = 1_000_000  # a zip is never much larger than its (incompressible) content
_CHUNK = 1 << 20
_TEXT8_ALPHABET = b"abcdefghijklmnopqrstuvwxyz "
_TEXT8_BAD_BYTE = re.compile(rb"[^a-z ]")
_ALICE_TITLES = ("Alice's Adventures in Wonderland", "Alice\u2019s Adventures in Wonderland")
_START_MARKER = "*** START OF"
_END_MARKER = "*** END OF"
_USER_AGENT = "word2vec-numpy (+https://pypi.org/project/word2vec-numpy/) Python-urllib"
_TRANSIENT_HTTP = (408, 429)

Sleep = Callable[[float], None]


# --------------------------------------------------------------------------- data directory


def default_data_dir() -> Path:
    """Return the directory where corpora are cached (it is not created here).

    ``$WORD2VEC_NUMPY_DATA`` if set, else the platform cache directory:
    ``$XDG_CACHE_HOME/word2vec-numpy`` or ``~/.cache/word2vec-numpy`` on Linux and other
    Unix systems, ``~/Library/Caches/word2vec-numpy`` on macOS and
    ``%LOCALAPPDATA%\\word2vec-numpy`` on Windows.
    """
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        # The XDG spec says to ignore a relative path.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "word2vec-numpy"


# --------------------------------------------------------------------------- public API


def fetch_text8(
    data_dir: Path | str | None = None,
    url: str | None = None,
    timeout: float = 30.0,
    quiet: bool = False,
    *,
    expected_size: int | None = None,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF,
    sleep: Sleep | None = None,
) -> Path:
    """Return the path of the checked text8 corpus, downloading it the first time.

    Args:
        data_dir: cache directory; :func:`default_data_dir` if ``None``. Created if missing.
        url: where to get ``text8.zip``; ``$WORD2VEC_NUMPY_TEXT8_URL`` or :data:`TEXT8_URL`
            if ``None``.
        timeout: socket timeout in seconds for each network operation.
        quiet: print nothing (no progress, no retry notices).
        expected_size: exact size of the ``text8`` member; :data:`TEXT8_SIZE` if ``None``
            (tests use small fakes).
        attempts: how many times to try when a failure is transient.
        backoff: seconds to wait after the first failed attempt; doubled after each one.
        sleep: function used to wait between attempts (:func:`time.sleep` if ``None``).

    Returns:
        ``data_dir / "text8"``.

    Raises:
        Word2VecError: the download failed, its content failed a check, or the cached file
            no longer matches its recorded SHA-256.
    """
    folder = _prepare_dir(data_dir)
    url = _resolve_url(url, TEXT8_URL_ENV, TEXT8_URL)
    size = TEXT8_SIZE if expected_size is None else expected_size
    target = folder / "text8"
    zip_path = folder / "text8.zip"
    hint = (
        f"download {url} by hand and save it as {zip_path} (or its extracted text8 as "
        f"{target}) so the next run uses it offline"
    )
    fix_local = f"delete it or replace it with {url}"
    try:
        if target.exists():
            if _sha_path(target).exists():
                _verify_cached(target)
                return target
            _adopt_text8(
                target, size, fix=f"delete it or replace it with the text8 file from {url}"
            )
            return target
        if zip_path.exists():
            _install_text8_from_zip(zip_path, target, size, source=f"{zip_path}", fix=fix_local)
            return target
        part = folder / "text8.zip.part"
        try:
            _download(
                url,
                part,
                hint=hint,
                timeout=timeout,
                quiet=quiet,
                attempts=attempts,
                backoff=backoff,
                sleep=sleep,
                max_bytes=size + _ZIP_OVERHEAD,
            )
            _install_text8_from_zip(
                part,
                target,
                size,
                source=f"downloaded {url}",
                fix=f"partial file deleted; check the URL (${TEXT8_URL_ENV}) or {hint}",
            )
        finally:
            _unlink(part)
        return target
    except OSError as exc:
        raise _io_error(exc, folder) from exc


def fetch_alice(
    data_dir: Path | str | None = None,
    url: str | None = None,
    timeout: float = 30.0,
    quiet: bool = False,
    *,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF,
    sleep: Sleep | None = None,
) -> Path:
    """Return the path of *Alice's Adventures in Wonderland* (Gutenberg #11), text only.

    The Project Gutenberg header and licence are stripped: only the lines strictly between
    the ``*** START OF`` line and the ``*** END OF`` line are kept (newlines normalised to
    ``\\n``, saved as UTF-8).

    Args:
        data_dir: cache directory; :func:`default_data_dir` if ``None``. Created if missing.
        url: where to get the book; ``$WORD2VEC_NUMPY_ALICE_URL`` or :data:`ALICE_URL` if
            ``None``.
        timeout: socket timeout in seconds for each network operation.
        quiet: print nothing (no progress, no retry notices).
        attempts: how many times to try when a failure is transient.
        backoff: seconds to wait after the first failed attempt; doubled after each one.
        sleep: function used to wait between attempts (:func:`time.sleep` if ``None``).

    Returns:
        ``data_dir / "alice.txt"``.

    Raises:
        Word2VecError: the download failed, its content failed a check, or the cached file
            no longer matches its recorded SHA-256.
    """
    folder = _prepare_dir(data_dir)
    url = _resolve_url(url, ALICE_URL_ENV, ALICE_URL)
    target = folder / "alice.txt"
    hint = f"download {url} by hand and save it as {target} so the next run uses it offline"
    try:
        if target.exists():
            if _sha_path(target).exists():
                _verify_cached(target)
                return target
            # Placed by hand: it must be the raw Gutenberg text, checked like a download.
            _install_alice(
                target.read_bytes(),
                target,
                source=f"{target}",
                fix=f"delete it or replace it with {url}",
            )
            return target
        part = folder / "pg11.txt.part"
        try:
            _download(
                url,
                part,
                hint=hint,
                timeout=timeout,
                quiet=quiet,
                attempts=attempts,
                backoff=backoff,
                sleep=sleep,
                max_bytes=ALICE_MAX_BYTES,
            )
            _install_alice(
                part.read_bytes(),
                target,
                source=f"downloaded {url}",
                fix=f"partial file deleted; check the URL (${ALICE_URL_ENV}) or {hint}",
            )
        finally:
            _unlink(part)
        return target
    except OSError as exc:
        raise _io_error(exc, folder) from exc


# --------------------------------------------------------------------------- text8 content


class _BadContent(Exception):
    """A content check failed; the message is a short description of the problem."""


class _Text8Checker:
    """Check text8 bytes chunk by chunk (alphabet, size) while hashing them."""

    def __init__(self, expected_size: int) -> None:
        self.expected_size = expected_size
        self.count = 0
        self._sha = hashlib.sha256()

    def feed(self, chunk: bytes) -> None:
        """Check and hash the next chunk; raise :class:`_BadContent` on a problem."""
        if chunk.translate(None, _TEXT8_ALPHABET):
            match = _TEXT8_BAD_BYTE.search(chunk)
            assert match is not None
            offset = self.count + match.start()
            raise _BadContent(
                f"byte {match.group()!r} at offset {offset:,}; text8 holds only a-z and spaces"
            )
        self.count += len(chunk)
        if self.count > self.expected_size:
            raise _BadContent(f"text8 is larger than the expected {self.expected_size:,} bytes")
        self._sha.update(chunk)

    def finish(self) -> str:
        """Check the final size and return the SHA-256 hex digest."""
        if self.count != self.expected_size:
            raise _BadContent(f"text8 is {self.count:,} bytes, expected {self.expected_size:,}")
        return self._sha.hexdigest()


def _extract_text8(zip_path: Path, out_part: Path, expected_size: int) -> str:
    """Check ``zip_path`` and extract its ``text8`` member to ``out_part``; return its sha256.

    Raises :class:`_BadContent` (``out_part`` may then be left for the caller to delete).
    """
    try:
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if names != ["text8"]:
                shown = ", ".join(repr(name) for name in names[:3])
                more = f" and {len(names) - 3} more" if len(names) > 3 else ""
                raise _BadContent(
                    f"it holds {len(names)} member(s) ({shown}{more}), expected exactly one "
                    "named 'text8'"
                )
            info = infos[0]
            if info.file_size != expected_size:
                raise _BadContent(
                    f"member text8 is {info.file_size:,} bytes, expected {expected_size:,}"
                )
            checker = _Text8Checker(expected_size)
            with archive.open(info) as src, open(out_part, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    checker.feed(chunk)
                    dst.write(chunk)
            return checker.finish()
    except zipfile.BadZipFile as exc:
        raise _BadContent(f"not a valid zip archive ({_one_line(exc)})") from exc
    except (zlib.error, EOFError, NotImplementedError) as exc:
        raise _BadContent(f"corrupt zip archive ({_one_line(exc)})") from exc


def _install_text8_from_zip(
    zip_path: Path, target: Path, expected_size: int, *, source: str, fix: str
) -> None:
    """Extract and check text8 from ``zip_path``, move it to ``target``, record its sha256.

    ``source`` names the zip in the error message and ``fix`` says what to do about it.
    """
    out_part = target.with_name(target.name + ".part")
    try:
        digest = _extract_text8(zip_path, out_part, expected_size)
        os.replace(out_part, target)
    except _BadContent as exc:
        _unlink(out_part)
        raise Word2VecError(f"{source} is not a valid text8.zip: {exc}; {fix}") from exc
    except BaseException:
        _unlink(out_part)
        raise
    _write_sha(target, digest)


def _adopt_text8(target: Path, expected_size: int, *, fix: str) -> None:
    """Validate a hand-placed extracted ``text8`` (no .sha256 yet) and record its sha256."""
    size = target.stat().st_size
    try:
        if size != expected_size:
            raise _BadContent(f"it is {size:,} bytes, expected {expected_size:,}")
        checker = _Text8Checker(expected_size)
        for chunk in _read_chunks(target):
            checker.feed(chunk)
        digest = checker.finish()
    except _BadContent as exc:
        raise Word2VecError(f"{target} is not the text8 corpus: {exc}; {fix}") from exc
    _write_sha(target, digest)


# --------------------------------------------------------------------------- Alice content


def _strip_gutenberg(raw: bytes) -> str:
    """Check a Gutenberg text of Alice and return the part between START and END lines."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _BadContent(f"not UTF-8 text ({exc.reason} at byte {exc.start:,})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    start = next(
        (i for i, line in enumerate(lines) if line.lstrip().startswith(_START_MARKER)), None
    )
    if start is None:
        raise _BadContent(f"no '{_START_MARKER}' line")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith(_END_MARKER)),
        None,
    )
    if end is None:
        raise _BadContent(f"no '{_END_MARKER}' line after the '{_START_MARKER}' line")
    if not any(title in text for title in _ALICE_TITLES):
        raise _BadContent(f'the title "{_ALICE_TITLES[0]}" does not appear')
    body = "\n".join(lines[start + 1 : end]).strip("\n")
    if not body.strip():
        raise _BadContent("there is no text between the markers")
    return body + "\n"


def _install_alice(raw: bytes, target: Path, *, source: str, fix: str) -> None:
    """Check and strip ``raw``, write it to ``target`` via a .part file, record its sha256.

    ``source`` names the raw text in the error message and ``fix`` says what to do about it.
    """
    try:
        body = _strip_gutenberg(raw)
    except _BadContent as exc:
        raise Word2VecError(
            f"{source} is not the Project Gutenberg text of Alice's Adventures in "
            f"Wonderland: {exc}; {fix}"
        ) from exc
    data = body.encode("utf-8")
    atomic_write(target, lambda f: f.write(data))
    _write_sha(target, hashlib.sha256(data).hexdigest())


# --------------------------------------------------------------------------- checksums


def _sha_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _read_chunks(path: Path) -> Iterable[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    for chunk in _read_chunks(path):
        sha.update(chunk)
    return sha.hexdigest()


def _write_sha(path: Path, digest: str) -> None:
    """Write ``digest`` in ``sha256sum`` format to ``path.sha256`` (atomically)."""
    line = f"{digest}  {path.name}\n".encode("ascii")
    atomic_write(_sha_path(path), lambda f: f.write(line))


def _verify_cached(path: Path) -> None:
    """Raise :class:`Word2VecError` unless ``path`` still matches its recorded sha256."""
    sha_file = _sha_path(path)
    fields = sha_file.read_text(encoding="ascii", errors="replace").split()
    recorded = fields[0].lower() if fields else ""
    if not re.fullmatch(r"[0-9a-f]{64}", recorded):
        raise Word2VecError(
            f"checksum file {sha_file} is unreadable; delete it and {path} to re-download"
        )
    if _file_sha256(path) != recorded:
        raise Word2VecError(
            f"cached file {path} changed since download (sha256 mismatch); delete it to re-download"
        )


# --------------------------------------------------------------------------- networking


class _Transient(Exception):
    """A failure worth retrying; the message says what went wrong."""


def _download(
    url: str,
    part: Path,
    *,
    hint: str,
    timeout: float,
    quiet: bool,
    attempts: int,
    backoff: float,
    sleep: Sleep | None,
    max_bytes: int,
) -> None:
    """Stream ``url`` into ``part``, retrying transient failures with exponential back-off.

    On failure ``part`` is deleted and :class:`Word2VecError` raised; ``hint`` (what to
    download and where to save it) ends the message of network failures.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise Word2VecError(f"cannot download {url!r}: not an http(s) URL; {hint}")
    wait = time.sleep if sleep is None else sleep
    context = ssl.create_default_context()
    attempts = max(1, attempts)
    reason = ""
    for attempt in range(1, attempts + 1):
        try:
            _download_once(url, part, context, timeout, quiet, max_bytes, hint)
            return
        except _Transient as exc:
            _unlink(part)
            reason = str(exc)
            if attempt < attempts:
                delay = backoff * 2 ** (attempt - 1)
                if not quiet:
                    print(
                        f"download of {url} failed: {reason}; retrying in {delay:g} s "
                        f"(attempt {attempt + 1} of {attempts})",
                        file=sys.stderr,
                    )
                wait(delay)
        except BaseException:
            _unlink(part)
            raise
    plural = "attempt" if attempts == 1 else "attempts"
    raise Word2VecError(f"cannot download {url} ({reason}; {attempts} {plural}); {hint}")


def _download_once(
    url: str,
    part: Path,
    context: ssl.SSLContext,
    timeout: float,
    quiet: bool,
    max_bytes: int,
    hint: str,
) -> None:
    """One attempt: stream ``url`` to ``part``; raise :class:`_Transient` or Word2VecError."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout, context=context)
    except urllib.error.HTTPError as exc:
        exc.close()
        status = f"HTTP {exc.code} {_one_line(exc.reason)}".rstrip()
        if exc.code >= 500 or exc.code in _TRANSIENT_HTTP:
            raise _Transient(f"server error {status}") from exc
        raise Word2VecError(
            f"cannot download {url}: the server answered {status}; check the URL or {hint}"
        ) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLError):
            raise Word2VecError(
                f"cannot download {url}: TLS certificate verification failed "
                f"({_one_line(exc.reason)}); fix the system CA certificates (verification is "
                f"never disabled) or {hint}"
            ) from exc
        if isinstance(exc.reason, TimeoutError):
            raise _Transient(f"timed out after {timeout:g} s") from exc
        raise _Transient(
            f"no network connection or server unreachable: {_one_line(exc.reason)}"
        ) from exc
    except TimeoutError as exc:
        raise _Transient(f"timed out after {timeout:g} s") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise _Transient(f"connection failed: {_one_line(exc)}") from exc

    with response:
        total = _content_length(response)
        if total is not None and total > max_bytes:
            raise Word2VecError(
                f"cannot download {url}: it is {total:,} bytes, more than the {max_bytes:,} "
                f"expected; check the URL"
            )
        progress = _Progress(part.name.removesuffix(".part"), url, total, quiet)
        done = 0
        finished = False
        try:
            with open(part, "wb") as out:
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except TimeoutError as exc:
                        raise _Transient(f"timed out after {timeout:g} s") from exc
                    except (OSError, http.client.HTTPException) as exc:
                        raise _Transient(f"connection lost: {_one_line(exc)}") from exc
                    if not chunk:
                        break
                    done += len(chunk)
                    if done > max_bytes:
                        raise Word2VecError(
                            f"cannot download {url}: it is larger than the {max_bytes:,} bytes "
                            "expected; partial file deleted; check the URL"
                        )
                    out.write(chunk)
                    progress.update(done)
            finished = True
        finally:
            progress.close(done, finished)
    if total is not None and done != total:
        raise _Transient(f"transfer truncated: received {done:,} of {total:,} bytes")


def _content_length(response: http.client.HTTPResponse) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is not None and length >= 0 else None


# --------------------------------------------------------------------------- progress


def _fmt_bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


class _Progress(StatusLine):
    """Progress of one download: a live bar on a terminal, else sparse lines."""

    def __init__(
        self,
        label: str,
        url: str,
        total: int | None,
        quiet: bool,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(quiet, stream, tty_interval=0.1, clock=clock)
        self.label = label
        self.total = total
        self.last = self.start
        self._closed = False
        if not self.tty:
            size = f" ({_fmt_bytes(total)})" if total is not None else ""
            self.emit(f"downloading {url}{size}\n")

    def _status(self, done: int, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        speed = f"{_fmt_bytes(done / elapsed)}/s"
        if self.total:
            frac = min(done / self.total, 1.0)
            return (
                f"{self.label} {bar(frac)} {_fmt_bytes(done)}/{_fmt_bytes(self.total)} "
                f"{frac:4.0%} {speed}"
            )
        return f"{self.label} {_fmt_bytes(done)} {speed}"

    def update(self, done: int) -> None:
        """Report ``done`` bytes so far (rate-limited)."""
        if self.due():
            self.show(self._status(done, self.last))

    def close(self, done: int, finished: bool = True) -> None:
        """Finish the display (idempotent); a summary line only if the transfer ``finished``."""
        if not self.enabled or self._closed:
            return
        self._closed = True
        now = self.clock()
        if self.tty:
            if finished:
                self.show(self._status(done, now))
            self.end_line()
        elif finished:
            self.emit(f"{self.label}: {_fmt_bytes(done)} in {now - self.start:.1f} s\n")


# --------------------------------------------------------------------------- helpers


def _resolve_url(url: str | None, env: str, default: str) -> str:
    if url:
        return url
    return os.environ.get(env) or default


def check_data_dir(data_dir: Path | str | None = None) -> Path:
    """The cache folder (``data_dir``, or :func:`default_data_dir`), not created; a one-line
    error if that path is an existing file, naming where it came from."""
    folder = default_data_dir() if data_dir is None else Path(data_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        where = f"${DATA_ENV}" if data_dir is None and os.environ.get(DATA_ENV) else "--data-dir"
        raise Word2VecError(
            f"the data folder {folder} ({where}) is a file, not a folder: point {where} to a folder"
        )
    return folder


def _prepare_dir(data_dir: Path | str | None) -> Path:
    folder = check_data_dir(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Word2VecError(
            f"cannot create data directory {folder}: {_one_line(exc.strerror or exc)}; set "
            f"${DATA_ENV} to a writable directory"
        ) from exc
    return folder


def _io_error(exc: OSError, folder: Path) -> Word2VecError:
    where = exc.filename if exc.filename else folder
    what = exc.strerror or _one_line(exc)
    return Word2VecError(
        f"cannot read or write {where}: {what}; check free space and permissions in {folder} "
        f"or set ${DATA_ENV} to another directory"
    )


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:  # best effort: never hide the real error behind a cleanup failure
        pass


def _one_line(value: object) -> str:
    return " ".join(str(value).split())

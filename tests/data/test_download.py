"""Tests for word2vec_numpy.download, against a local HTTP server (no network needed).

The ``server`` fixture runs ``http.server.ThreadingHTTPServer`` on 127.0.0.1 in a background
thread. Each test registers the files it serves as :class:`Route` objects, which can also make
the server misbehave (HTTP errors, fail the first N requests, lie about Content-Length and
hang up, stall longer than the client's timeout). Requests are counted per path so tests can
check retries and cache hits.
"""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from word2vec_numpy.data import download
from word2vec_numpy.data.download import default_data_dir, fetch_alice, fetch_text8
from word2vec_numpy.errors import Word2VecError

# --------------------------------------------------------------------------- fake content

TEXT8_BODY = (b" anarchism originated as a term of abuse first used against early " * 80)[:4096]
TITLE = "Alice's Adventures in Wonderland"
HEADER = (
    "\ufeffThe Project Gutenberg eBook of {title}\r\n"
    "\r\n"
    "This ebook is for the use of anyone anywhere in the United States\r\n"
    "Title: {title}\r\n"
    "\r\n"
    "*** START OF THE PROJECT GUTENBERG EBOOK {upper} ***\r\n"
)
BODY = (
    "\r\n"
    "{title}\r\n"
    "\r\n"
    "by Lewis Carroll\r\n"
    "\r\n"
    "CHAPTER I.\r\n"
    "Down the Rabbit-Hole\r\n"
    "\r\n"
    "Alice was beginning to get very tired of sitting by her sister on the bank.\r\n"
    "\r\n"
)
FOOTER = (
    "*** END OF THE PROJECT GUTENBERG EBOOK {upper} ***\r\n"
    "\r\n"
    "Section 1. General Terms of Use and Redistributing Project Gutenberg-tm\r\n"
    "LICENSE TEXT THAT MUST NOT SURVIVE\r\n"
)


def make_book(
    title: str = TITLE, header: bool = True, body: bool = True, footer: bool = True
) -> bytes:
    """A tiny Project Gutenberg style book (CRLF line ends and a BOM, like the real one)."""
    parts = [HEADER if header else "", BODY if body else "", FOOTER if footer else ""]
    upper = title.upper()
    return "".join(p.format(title=title, upper=upper) for p in parts).encode("utf-8")


def expected_alice(title: str = TITLE) -> str:
    """What fetch_alice must keep of make_book(title): the lines between the markers."""
    return (
        f"{title}\n\nby Lewis Carroll\n\nCHAPTER I.\nDown the Rabbit-Hole\n\n"
        "Alice was beginning to get very tired of sitting by her sister on the bank.\n"
    )


def make_zip(members: dict[str, bytes]) -> bytes:
    """A zip archive in memory holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


TEXT8_ZIP = make_zip({"text8": TEXT8_BODY})
SIZE = len(TEXT8_BODY)


# --------------------------------------------------------------------------- local server


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    fail_first: int = 0  # answer the first N requests with HTTP 503
    truncate: bool = False  # announce more bytes than sent, then close the connection
    delay: float = 0.0  # stall this long before answering


@dataclass
class Server:
    """Handle on the running test server."""

    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    release: threading.Event = field(default_factory=threading.Event)

    def serve(self, path: str, body: bytes = b"", **kwargs: object) -> str:
        """Serve ``body`` at ``path`` (see :class:`Route` for misbehaviours); return its URL."""
        self.routes[path] = Route(body=body, **kwargs)  # type: ignore[arg-type]
        return self.base_url + path


class _Handler(BaseHTTPRequestHandler):
    server: _QuietServer

    def do_GET(self) -> None:  # name fixed by BaseHTTPRequestHandler
        state = self.server.state
        state.counts[self.path] += 1
        route = state.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        if route.delay:
            state.release.wait(route.delay)
        if state.counts[self.path] <= route.fail_first:
            self.send_error(503)
            return
        if route.status != 200:
            self.send_error(route.status)
            return
        self.send_response(200)
        extra = 1000 if route.truncate else 0
        self.send_header("Content-Length", str(len(route.body) + extra))
        self.end_headers()
        self.wfile.write(route.body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    state: Server

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out make the handler's writes fail; that is expected


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    host, port = httpd.server_address[:2]
    httpd.state = Server(base_url=f"http://{host}:{port}")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield httpd.state
    finally:
        httpd.state.release.set()  # wake stalled handlers
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxies (requests to 127.0.0.1 must go direct) and no URL/data overrides."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("no_proxy", "*")
    for name in (download.DATA_ENV, download.TEXT8_URL_ENV, download.ALICE_URL_ENV):
        monkeypatch.delenv(name, raising=False)


def closed_port_url(path: str) -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class Sleeps(list[float]):
    """Records the back-off delays instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def text8(data_dir: Path, url: str, **kwargs: object) -> Path:
    """fetch_text8 with the small fake size and no real sleeping."""
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("quiet", True)
    return fetch_text8(data_dir, url, expected_size=SIZE, **kwargs)  # type: ignore[arg-type]


def alice(data_dir: Path, url: str, **kwargs: object) -> Path:
    """fetch_alice with no real sleeping."""
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("quiet", True)
    return fetch_alice(data_dir, url, **kwargs)  # type: ignore[arg-type]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line(exc: pytest.ExceptionInfo[Word2VecError]) -> str:
    message = str(exc.value)
    assert message and "\n" not in message and "\r" not in message
    return message


def assert_no_part_files(data_dir: Path) -> None:
    assert list(data_dir.glob("*.part")) == []


def names(data_dir: Path) -> set[str]:
    return {p.name for p in data_dir.iterdir()}


# --------------------------------------------------------------------------- default_data_dir


def test_default_data_dir_env_var_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORD2VEC_NUMPY_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "data"


def test_default_data_dir_linux(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(download.sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "word2vec-numpy"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_data_dir() == tmp_path / ".cache" / "word2vec-numpy"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert default_data_dir() == tmp_path / ".cache" / "word2vec-numpy"


def test_default_data_dir_macos(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(download.sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "Library" / "Caches" / "word2vec-numpy"


def test_default_data_dir_windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(download.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert default_data_dir() == tmp_path / "Local" / "word2vec-numpy"


# --------------------------------------------------------------------------- text8


def test_text8_success(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP)
    path = text8(tmp_path, url)
    assert path == tmp_path / "text8"
    assert path.read_bytes() == TEXT8_BODY
    sha_line = (tmp_path / "text8.sha256").read_text()
    assert sha_line == f"{sha256(path)}  text8\n"
    assert names(tmp_path) == {"text8", "text8.sha256"}  # no zip, no .part left behind
    assert server.counts["/text8.zip"] == 1


def test_text8_cache_hit_makes_no_request(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP)
    first = text8(tmp_path, url)
    second = text8(tmp_path, url)
    assert first == second
    assert server.counts["/text8.zip"] == 1
    # Works offline too.
    assert text8(tmp_path, closed_port_url("/text8.zip")) == first


def test_text8_url_and_data_dir_from_env(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.serve("/mirror/text8.zip", TEXT8_ZIP)
    monkeypatch.setenv("WORD2VEC_NUMPY_TEXT8_URL", url)
    monkeypatch.setenv("WORD2VEC_NUMPY_DATA", str(tmp_path / "cache"))
    path = fetch_text8(quiet=True, expected_size=SIZE)
    assert path == tmp_path / "cache" / "text8"
    assert server.counts["/mirror/text8.zip"] == 1


def test_text8_checksum_mismatch_is_an_error(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP)
    path = text8(tmp_path, url)
    path.write_bytes(TEXT8_BODY.replace(b"a", b"b", 1))
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url)
    message = assert_one_line(exc)
    assert f"cached file {path} changed since download (sha256 mismatch)" in message
    assert "delete it to re-download" in message
    assert server.counts["/text8.zip"] == 1  # not silently re-downloaded


def test_text8_truncated_transfer_fails(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP, truncate=True)
    sleeps = Sleeps()
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url, sleep=sleeps)
    message = assert_one_line(exc)
    assert "truncated" in message
    assert f"received {len(TEXT8_ZIP):,} of {len(TEXT8_ZIP) + 1000:,} bytes" in message
    assert server.counts["/text8.zip"] == 3  # a dropped connection is worth retrying
    assert sleeps == [1.0, 2.0]
    assert names(tmp_path) == set()


@pytest.mark.parametrize(
    ("archive", "problem"),
    [
        (make_zip({"text9": TEXT8_BODY}), "expected exactly one named 'text8'"),
        (make_zip({"text8": TEXT8_BODY, "extra": b"x"}), "2 member(s)"),
        (make_zip({"text8": TEXT8_BODY[:-1]}), f"is {SIZE - 1:,} bytes, expected {SIZE:,}"),
        (make_zip({"text8": TEXT8_BODY[:100] + b"A" + TEXT8_BODY[101:]}), "b'A' at offset 100"),
        (make_zip({"text8": TEXT8_BODY[:-1] + b"\n"}), f"b'\\n' at offset {SIZE - 1:,}"),
        (b"<html>not a zip</html>", "not a valid zip archive"),
        (TEXT8_ZIP[: len(TEXT8_ZIP) // 2], "not a valid zip archive"),
    ],
    ids=["wrong-name", "two-members", "wrong-size", "uppercase", "newline", "html", "cut"],
)
def test_text8_bad_content_is_rejected(
    server: Server, tmp_path: Path, archive: bytes, problem: str
) -> None:
    url = server.serve("/text8.zip", archive)
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url)
    message = assert_one_line(exc)
    assert f"downloaded {url} is not a valid text8.zip" in message
    assert problem in message
    assert "partial file deleted" in message
    assert server.counts["/text8.zip"] == 1  # bad content is not retried
    assert names(tmp_path) == set()


def test_text8_corrupt_member_fails_crc(server: Server, tmp_path: Path) -> None:
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("text8", TEXT8_BODY)
    data = stored.getvalue()
    flipped = data.replace(TEXT8_BODY[200:240], TEXT8_BODY[200:240].replace(b"a", b"e"), 1)
    assert flipped != data
    url = server.serve("/text8.zip", flipped)
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url)
    assert "CRC" in assert_one_line(exc)
    assert names(tmp_path) == set()


def test_text8_too_large_content_length(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", b"a" * (SIZE + 1_000_001))
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url)
    assert "more than the" in assert_one_line(exc)
    assert names(tmp_path) == set()


def test_server_error_is_retried_then_fails(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP, status=500)
    sleeps = Sleeps()
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url, sleep=sleeps)
    message = assert_one_line(exc)
    assert "HTTP 500" in message and "3 attempts" in message
    assert url in message and str(tmp_path / "text8.zip") in message
    assert server.counts["/text8.zip"] == 3
    assert sleeps == [1.0, 2.0]  # exponential back-off
    assert names(tmp_path) == set()


def test_transient_error_then_success(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP, fail_first=2)
    sleeps = Sleeps()
    path = text8(tmp_path, url, sleep=sleeps, backoff=0.25)
    assert path.read_bytes() == TEXT8_BODY
    assert server.counts["/text8.zip"] == 3
    assert sleeps == [0.25, 0.5]


def test_not_found_is_not_retried(server: Server, tmp_path: Path) -> None:
    url = server.base_url + "/missing.zip"
    sleeps = Sleeps()
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url, sleep=sleeps)
    message = assert_one_line(exc)
    assert "HTTP 404" in message and url in message
    assert server.counts["/missing.zip"] == 1
    assert sleeps == []
    assert names(tmp_path) == set()


def test_timeout_is_retried_then_fails(server: Server, tmp_path: Path) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP, delay=10.0)
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url, timeout=0.3, attempts=2)
    message = assert_one_line(exc)
    assert "timed out after 0.3 s" in message and "2 attempts" in message
    assert server.counts["/text8.zip"] == 2
    assert_no_part_files(tmp_path)
    assert not (tmp_path / "text8").exists()


def test_no_network_says_what_to_download_and_where(tmp_path: Path) -> None:
    url = closed_port_url("/dc/text8.zip")
    sleeps = Sleeps()
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, url, sleep=sleeps)
    message = assert_one_line(exc)
    assert "no network connection or server unreachable" in message
    assert f"download {url} by hand and save it as {tmp_path / 'text8.zip'}" in message
    assert sleeps == [1.0, 2.0]
    assert names(tmp_path) == set()


def test_unsupported_url_scheme(tmp_path: Path) -> None:
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, "ftp://example.org/text8.zip")
    assert "not an http(s) URL" in assert_one_line(exc)


def test_hand_placed_zip_is_validated_and_adopted(tmp_path: Path) -> None:
    (tmp_path / "text8.zip").write_bytes(TEXT8_ZIP)
    path = text8(tmp_path, closed_port_url("/text8.zip"))  # no network needed
    assert path.read_bytes() == TEXT8_BODY
    assert (tmp_path / "text8.sha256").read_text().split()[0] == sha256(path)
    assert text8(tmp_path, closed_port_url("/text8.zip")) == path


def test_hand_placed_text8_is_validated_and_adopted(tmp_path: Path) -> None:
    (tmp_path / "text8").write_bytes(TEXT8_BODY)
    path = text8(tmp_path, closed_port_url("/text8.zip"))
    assert (tmp_path / "text8.sha256").read_text().split()[0] == sha256(path)


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("text8", TEXT8_BODY + b" ", f"{SIZE + 1:,} bytes, expected {SIZE:,}"),
        ("text8", TEXT8_BODY[:-1] + b"\n", "b'\\n' at offset"),
        ("text8.zip", make_zip({"text8.txt": TEXT8_BODY}), "exactly one named 'text8'"),
    ],
)
def test_bad_hand_placed_file_is_reported_and_kept(
    tmp_path: Path, name: str, data: bytes, problem: str
) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, closed_port_url("/text8.zip"))
    message = assert_one_line(exc)
    assert str(tmp_path / name) in message and problem in message
    assert "delete it or replace it" in message
    assert names(tmp_path) == {name}  # the user's file is not deleted, nothing else is left


def test_unreadable_checksum_file(tmp_path: Path) -> None:
    (tmp_path / "text8").write_bytes(TEXT8_BODY)
    (tmp_path / "text8.sha256").write_text("garbage\n")
    with pytest.raises(Word2VecError) as exc:
        text8(tmp_path, closed_port_url("/text8.zip"))
    assert "unreadable" in assert_one_line(exc)


# --------------------------------------------------------------------------- Alice


@pytest.mark.parametrize("title", [TITLE, "Alice\u2019s Adventures in Wonderland"])
def test_alice_success_strips_header_and_licence(
    server: Server, tmp_path: Path, title: str
) -> None:
    url = server.serve("/pg11.txt", make_book(title))
    path = alice(tmp_path, url)
    assert path == tmp_path / "alice.txt"
    text = path.read_text(encoding="utf-8")
    assert text == expected_alice(title)
    assert "Gutenberg" not in text and "LICENSE" not in text and "\r" not in text
    assert (tmp_path / "alice.txt.sha256").read_text() == f"{sha256(path)}  alice.txt\n"
    assert names(tmp_path) == {"alice.txt", "alice.txt.sha256"}


def test_alice_cache_hit_and_mismatch(server: Server, tmp_path: Path) -> None:
    url = server.serve("/pg11.txt", make_book())
    path = alice(tmp_path, url)
    assert alice(tmp_path, url) == path
    assert server.counts["/pg11.txt"] == 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write("tampered\n")
    with pytest.raises(Word2VecError) as exc:
        alice(tmp_path, url)
    message = assert_one_line(exc)
    assert f"cached file {path} changed since download (sha256 mismatch)" in message
    assert server.counts["/pg11.txt"] == 1


def test_alice_url_from_env(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.serve("/books/11.txt", make_book())
    monkeypatch.setenv("WORD2VEC_NUMPY_ALICE_URL", url)
    path = fetch_alice(tmp_path, quiet=True)
    assert path.read_text(encoding="utf-8") == expected_alice()


@pytest.mark.parametrize(
    ("book", "problem"),
    [
        (make_book(header=False), "no '*** START OF' line"),
        (make_book(footer=False), "no '*** END OF' line"),
        (make_book(title="Through the Looking-Glass"), "does not appear"),
        (make_book(body=False), "no text between the markers"),
        (make_book() + b"\xff\xfe", "not UTF-8"),
    ],
    ids=["no-start", "no-end", "wrong-title", "empty", "not-utf8"],
)
def test_alice_bad_content_is_rejected(
    server: Server, tmp_path: Path, book: bytes, problem: str
) -> None:
    url = server.serve("/pg11.txt", book)
    with pytest.raises(Word2VecError) as exc:
        alice(tmp_path, url)
    message = assert_one_line(exc)
    assert problem in message and "partial file deleted" in message
    assert server.counts["/pg11.txt"] == 1
    assert names(tmp_path) == set()


def test_alice_truncated_transfer_fails(server: Server, tmp_path: Path) -> None:
    url = server.serve("/pg11.txt", make_book(), truncate=True)
    with pytest.raises(Word2VecError) as exc:
        alice(tmp_path, url, attempts=2)
    assert "truncated" in assert_one_line(exc)
    assert server.counts["/pg11.txt"] == 2
    assert names(tmp_path) == set()


def test_alice_no_network_message(tmp_path: Path) -> None:
    url = closed_port_url("/cache/epub/11/pg11.txt")
    with pytest.raises(Word2VecError) as exc:
        alice(tmp_path, url, attempts=1)
    message = assert_one_line(exc)
    assert f"download {url} by hand and save it as {tmp_path / 'alice.txt'}" in message
    assert names(tmp_path) == set()


def test_alice_hand_placed_raw_book_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "alice.txt").write_bytes(make_book())
    path = alice(tmp_path, closed_port_url("/pg11.txt"))
    assert path.read_text(encoding="utf-8") == expected_alice()
    assert (tmp_path / "alice.txt.sha256").read_text().split()[0] == sha256(path)


# --------------------------------------------------------------------------- progress output


def test_quiet_prints_nothing(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP, fail_first=1)
    text8(tmp_path, url, quiet=True)
    assert capsys.readouterr().err == ""


def test_not_a_tty_prints_plain_lines(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/text8.zip", TEXT8_ZIP, fail_first=1)
    text8(tmp_path, url, quiet=False)
    err = capsys.readouterr().err
    assert "\r" not in err
    assert f"downloading {url}" in err
    assert "retrying in 1 s (attempt 2 of 3)" in err
    assert len(err.splitlines()) <= 4


class _FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_tty_progress_bar_shows_bytes_and_speed() -> None:
    ticks = iter([0.0, 1.0, 1.05, 2.0, 2.0])
    stream = _FakeTTY()
    progress = download._Progress(
        "text8.zip", "http://x/text8.zip", 2_000_000, False, stream, lambda: next(ticks)
    )
    progress.update(1_000_000)  # t=1.0: shown
    progress.update(1_100_000)  # t=1.05: rate-limited
    progress.update(2_000_000)  # t=2.0: shown
    progress.close(2_000_000)
    out = stream.getvalue()
    assert out.count("\r") == 3 and out.endswith("\n")
    assert "1.0 MB/2.0 MB" in out and "1.0 MB/s" in out and "100%" in out
    assert "1.1 MB" not in out

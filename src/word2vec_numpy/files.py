"""Small file helpers shared by every layer: the one atomic write, JSON files, and the lock
that keeps two runs from writing the same output."""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import math
import os
import signal
import stat
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .errors import Word2VecError

__all__ = [
    "DEFERRED_SIGNALS",
    "OutputLock",
    "atomic_write",
    "json_text",
    "remove_unfinished",
    "same_file",
    "signals_deferred",
    "why",
    "write_json",
]

try:  # POSIX; elsewhere two runs on one output are not detected
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

# Signals that would end the process in the middle of a write: held back until it is done.
DEFERRED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back SIGINT, SIGTERM and SIGHUP until the block is done, then deliver them to the
    handlers in place before it: a write, once started, completes. (Only the main thread can
    handle signals; elsewhere this does nothing.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {}
    for sig in DEFERRED_SIGNALS:
        handler = signal.getsignal(sig)
        if handler is None or handler is signal.SIG_IGN:  # not ours to touch, or ignored
            continue
        previous[sig] = handler
        signal.signal(sig, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(pending):
            signal.raise_signal(sig)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> None:
    """Write the output ``path`` by calling ``write(file)``; never destroy a file doing so.

    What ``path`` names decides how:

    * **A regular file, or a new name**: written atomically. ``write`` gets a temporary
      file next to the target, renamed over it only once ``write`` has returned; on any
      failure (a crash, a full disk, Ctrl-C) the temporary file is removed and an existing
      file is left untouched. An existing file keeps its permission bits. (A file with other
      hard links is replaced by a new file: the other names keep the old content.)
    * **A symbolic link is followed**: the file it finally points to is the one replaced,
      atomically as above, and the link stays a link. A dangling link's target is created;
      a loop of links is refused.
    * **``-`` and this process's open descriptors** (``/dev/stdout``, ``/dev/stderr``,
      ``/dev/fd/N``, ``/proc/self/fd/N``) are written through: ``-`` is standard output, the
      others a duplicate of that descriptor, so the bytes go wherever it goes (a pipe, a
      terminal, a file it was redirected to, after what is already there).
    * **A character device** (``/dev/null``, a terminal) **or a FIFO** is opened and written
      through, with no temporary file and no rename (a FIFO waits for a reader).
    * Anything else (a folder, a block device, a socket) is refused.

    Written-through outputs cannot be atomic: a failure may leave part of the output
    written. OS errors become a one-line :class:`Word2VecError`; a closed pipe
    (``BrokenPipeError``) is raised as it is, for the command line to end quietly.

    Atomic writes are on disk (fsync) before the rename, so a write error cannot show only
    later; signals that would stop the process (Ctrl-C, SIGTERM, SIGHUP) wait until the
    write is done.
    """
    name = os.fspath(path)
    if name == "-":
        return _write_stdout(write)
    number = _own_descriptor(name)
    if number is not None:
        return _write_descriptor(name, number, write)
    try:
        info: os.stat_result | None = os.stat(name)  # through links
    except FileNotFoundError:
        info = None  # a new file, or a dangling link
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Word2VecError(f"cannot write {name}: a loop of symbolic links") from None
        raise Word2VecError(f"cannot write {name}: {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
            return _write_through(name, write)
        raise Word2VecError(f"cannot write {name}: it is {_kind(info.st_mode)}, not a file")
    _write_atomically(Path(os.path.realpath(name)), name, info, write)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def remove_unfinished(target: str | os.PathLike) -> None:
    """Remove the temporary files of writes of ``target`` that never finished (a process
    killed with ``kill -9`` while it wrote): ``.NAME.XXXXXXXX.tmp`` beside it. Only for a
    caller that knows nobody else is writing ``target`` now (it holds its ``OutputLock``)."""
    target = Path(target)
    pattern = f".{glob.escape(target.name)}.{'[0-9a-f]' * 8}.tmp"
    for leftover in target.parent.glob(pattern):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _write_atomically(
    target: Path, name: str, info: os.stat_result | None, write: Callable[[BinaryIO], object]
) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise Word2VecError(f"cannot write {name}: folder {folder} does not exist")
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    # Signals that would end the process wait until the write is done (or undone): a save,
    # once started, completes or leaves the previous file.
    with signals_deferred():
        try:
            new = _create(tmp)
        except OSError as exc:
            raise Word2VecError(f"cannot write {name}: {why(exc)}") from None
        try:
            with new as f:
                if info is not None and hasattr(os, "fchmod"):
                    os.fchmod(f.fileno(), stat.S_IMODE(info.st_mode))
                write(f)
                f.flush()
                os.fsync(f.fileno())  # a write error shows now, not after the rename
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
                raise Word2VecError(f"cannot write {name}: {why(exc)}") from None
            raise


def _create(path: Path) -> BinaryIO:
    """A new file, open for writing. O_EXCL: never clobber another file; mode 0o666 so that
    the umask applies as usual."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, 0o666), "wb")


def why(exc: OSError) -> str:
    """An OS error in words: its strerror, or, for a short write that gives none (NumPy's
    ``tofile``), the likely cause."""
    if exc.strerror:
        return exc.strerror
    return f"the disk is full or a file-size limit was reached ({exc})"


def _own_descriptor(name: str) -> int | None:
    """The number of this process's open descriptor that ``name`` stands for, if any.

    Linux's ``/dev/stdout``, ``/dev/fd/N`` and ``/proc/self/fd/N`` are symbolic links into
    ``/proc/<pid>/fd``; the chain of links is followed one at a time, since resolving it all
    at once would name the file behind the descriptor instead.
    """
    own = os.path.realpath("/proc/self/fd")
    if not own.startswith("/proc/") or not os.path.isdir(own):
        return None
    current = os.path.abspath(name)
    for _ in range(40):  # the kernel's own limit on links in a path
        folder, base = os.path.split(current)
        if base.isdigit() and os.path.realpath(folder) == own:
            return int(base)
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(folder, os.readlink(current)))
    return None


def _write_stdout(write: Callable[[BinaryIO], object]) -> None:
    stream = sys.stdout
    if stream is None:
        raise Word2VecError("cannot write -: standard output is closed")
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is None:  # e.g. redirected to a StringIO: write to the descriptor
            return _write_descriptor("-", 1, write)
        write(buffer)
        buffer.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:
        raise Word2VecError(f"cannot write -: {getattr(exc, 'strerror', None) or exc}") from None


def _write_descriptor(name: str, number: int, write: Callable[[BinaryIO], object]) -> None:
    for stream in (sys.stdout, sys.stderr):  # what Python buffered for it goes first
        try:
            if stream is not None and stream.fileno() == number:
                stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    try:
        fd = os.dup(number)
    except OSError as exc:
        raise Word2VecError(f"cannot write {name}: {why(exc)}") from None
    _write_to(fd, name, write)


def _write_through(name: str, write: Callable[[BinaryIO], object]) -> None:
    try:
        fd = os.open(name, os.O_WRONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise Word2VecError(f"cannot write {name}: {why(exc)}") from None
    _write_to(fd, name, write)


def _write_to(fd: int, name: str, write: Callable[[BinaryIO], object]) -> None:
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise Word2VecError(f"cannot write {name}: {why(exc)}") from None


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether writing one of ``a`` and ``b`` would replace the file the other names: for
    checks such as "an output that is also an input is refused".

    True when both exist and are the same regular file (through symbolic links, hard links,
    ``..``), or when at least one does not exist yet and both resolve to the same path (two
    outputs to one new file). ``-``, devices and FIFOs are never "the same file": an output
    there is written through (see :func:`atomic_write`), so reading them is not disturbed;
    and ``-`` as an input is standard input, as an output standard output.
    """
    name_a, name_b = os.fspath(a), os.fspath(b)
    if "-" in (name_a, name_b) or "" in (name_a, name_b):
        return False
    try:
        info_a, info_b = os.stat(name_a), os.stat(name_b)
    except OSError:
        return os.path.realpath(name_a) == os.path.realpath(name_b)
    if not (stat.S_ISREG(info_a.st_mode) and stat.S_ISREG(info_b.st_mode)):
        return False
    return os.path.samestat(info_a, info_b)


def json_text(obj: Any, indent: int | None = 2) -> str:
    """``obj`` as JSON that any parser accepts: NumPy scalars and arrays become numbers and
    lists, and a NaN or infinity (which ``json.dumps`` would write as the non-JSON ``NaN``)
    becomes ``null``."""
    return json.dumps(_finite(obj), indent=indent, default=_jsonable, allow_nan=False)


def write_json(path: str | os.PathLike, obj: dict) -> None:
    """Write ``obj`` as indented JSON (:func:`json_text`), atomically."""
    text = json_text(obj).encode("utf-8") + b"\n"
    atomic_write(path, lambda f: f.write(text))


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _finite(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return _finite(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class OutputLock:
    """An exclusive lock on the file ``path`` (e.g. ``OUT.lock``) while a run writes OUT.

    ``acquire`` refuses, with a one-line ``Word2VecError``, when another living process holds
    it. The lock is the kernel's (``flock``), so it goes with the process that held it: a
    lock file left by a process that died is simply taken over (``stale_pid`` says whose it
    was). ``release`` removes the file."""

    def __init__(self, path: str | os.PathLike, what: str = "") -> None:
        self.path = Path(path)
        self.what = what or str(self.path)
        self.stale_pid: int | None = None
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        if fcntl is None:  # pragma: no cover
            return self
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise Word2VecError(f"cannot write {self.path}: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_pid(fd)
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise Word2VecError(f"cannot lock {self.path}: {exc.strerror}") from None
                who = f" (pid {holder})" if holder else ""
                raise Word2VecError(
                    f"another run{who} is writing {self.what} (lock {self.path}): wait for it "
                    "to end or choose another --out"
                ) from None
            # The holder before us may have removed the file between our open and our lock:
            # then we hold a lock on a file nobody else sees; try again.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except OSError:
                same = False
            if same:
                break
            os.close(fd)
        self.stale_pid = _read_pid(fd)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is only for the message; the lock holds without it
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # still locked: a newcomer's samestat check sees it go
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None

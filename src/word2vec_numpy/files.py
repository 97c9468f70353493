"""Small file helpers shared by every layer: the one atomic write, JSON files, and the lock
that keeps two runs from writing the same output."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import Word2VecError

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


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to ``path``.

    Readers never see a half-written file; on any failure (a full disk, a file-size limit)
    the temporary file is removed and an existing ``path`` is left untouched. The data is on
    disk (fsync) before the rename, so a write error cannot show only later. Signals that
    would stop the process (Ctrl-C, SIGTERM, SIGHUP) wait until the write is done. OS errors
    become a one-line ``Word2VecError``.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise Word2VecError(f"cannot write {target}: folder {folder} does not exist")
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    with signals_deferred():
        try:
            # "x": never clobber another file; created with mode 0o666 minus the umask.
            f = open(tmp, "xb")
        except OSError as exc:
            raise Word2VecError(f"cannot write {target}: {why(exc)}") from None
        try:
            with f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise Word2VecError(f"cannot write {target}: {why(exc)}") from None
            raise


def why(exc: OSError) -> str:
    """An OS error in words: its strerror, or, for a short write that gives none (NumPy's
    ``tofile``), the likely cause."""
    if exc.strerror:
        return exc.strerror
    return f"the disk is full or a file-size limit was reached ({exc})"


def write_json(path: str | os.PathLike, obj: dict) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    text = json.dumps(obj, indent=2, default=_jsonable).encode("utf-8") + b"\n"
    atomic_write(path, lambda f: f.write(text))


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

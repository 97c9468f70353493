"""Small file helpers shared by every layer: the one way outputs are written, the test for
"an output that is also an input", and JSON files that are always valid JSON."""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .errors import Word2VecError

__all__ = ["atomic_write", "json_text", "same_file", "write_json"]


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


def _write_atomically(
    target: Path, name: str, info: os.stat_result | None, write: Callable[[BinaryIO], object]
) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise Word2VecError(f"cannot write {name}: folder {folder} does not exist")
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # O_EXCL: never clobber another file; mode 0o666 so the umask applies as usual.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o666)
    except OSError as exc:
        raise Word2VecError(f"cannot write {name}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if info is not None and hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), stat.S_IMODE(info.st_mode))
            write(f)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise Word2VecError(f"cannot write {name}: {exc.strerror or exc}") from None
        raise


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
        raise Word2VecError(f"cannot write {name}: {exc.strerror or exc}") from None
    _write_to(fd, name, write)


def _write_through(name: str, write: Callable[[BinaryIO], object]) -> None:
    try:
        fd = os.open(name, os.O_WRONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise Word2VecError(f"cannot write {name}: {exc.strerror or exc}") from None
    _write_to(fd, name, write)


def _write_to(fd: int, name: str, write: Callable[[BinaryIO], object]) -> None:
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise Word2VecError(f"cannot write {name}: {exc.strerror or exc}") from None


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

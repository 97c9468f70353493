"""Small file helpers shared by every layer: the one atomic write, and JSON files."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import Word2VecError


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to ``path``.

    Readers never see a half-written file; on any failure (a crash, a full disk, Ctrl-C) the
    temporary file is removed and an existing ``path`` is left untouched. OS errors become a
    one-line ``Word2VecError``.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise Word2VecError(f"cannot write {target}: folder {folder} does not exist")
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # O_EXCL: never clobber another file; mode 0o666 so the umask applies as usual.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o666)
    except OSError as exc:
        raise Word2VecError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise Word2VecError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise


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

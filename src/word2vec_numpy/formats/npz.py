"""Our own files: one ``.npz`` of plain arrays plus a JSON ``meta`` member, read without pickle.

A file holds named arrays (matrices, the vocabulary as UTF-8 bytes + offsets, counts, loss
history) and a JSON object ``meta``. ``np.load(..., allow_pickle=False)`` can never run code
from such a file; what the arrays must look like is checked by whoever reads them
(``Word2Vec.load``, ``KeyedVectors.load``). Writes are atomic (``files.atomic_write``).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write

FORMAT_VERSION = 1


def model_path(path: str | os.PathLike) -> Path:
    """``path`` with ``.npz`` appended unless it already ends so."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def encode_words(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Words as one UTF-8 byte array plus V+1 offsets (no pickled object arrays)."""
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def decode_words(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    """The inverse of :func:`encode_words`."""
    data = blob.tobytes()
    return [data[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def write_arrays(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> str:
    """Write ``arrays`` and ``meta`` to ``path`` (``.npz`` added if missing), atomically;
    returns the file name."""
    path = model_path(path)
    members = dict(arrays)
    members["format_version"] = np.array(FORMAT_VERSION, dtype=np.int64)
    members["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    atomic_write(path, lambda f: np.savez(f, **members))
    return str(path)


def read_arrays(
    path: str | os.PathLike, required: tuple[str, ...] = ()
) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and the meta object of a file written by :func:`write_arrays`; any problem
    (missing file, not a zip, missing ``required`` member, bad JSON) is a one-line error."""
    path = Path(path)
    if not path.exists() and model_path(path).exists():
        path = model_path(path)
    if not path.is_file():
        raise Word2VecError(f"model file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("format_version", "meta", *required) if k not in data.files]
            if missing:
                raise Word2VecError(f"{path} is not a word2vec-numpy model (missing {missing[0]})")
            arrays = {k: data[k] for k in data.files}
    except Word2VecError:
        raise
    except (
        OSError,
        ValueError,
        TypeError,
        zipfile.BadZipFile,
        EOFError,
        KeyError,
        NotImplementedError,
    ) as exc:  # NotImplementedError: zipfile on a damaged "version needed" field
        raise Word2VecError(f"{path} is not a readable word2vec-numpy model ({exc})") from None
    try:
        version = int(arrays.pop("format_version"))
        if version != FORMAT_VERSION:
            raise Word2VecError(f"{path}: model format {version} is not supported")
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("meta is not a JSON object")
    except Word2VecError:
        raise
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise Word2VecError(f"{path} is corrupted ({type(exc).__name__}: {exc})") from None
    return arrays, meta

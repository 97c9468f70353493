"""Our own files: named arrays plus a JSON ``meta`` dict in one uncompressed ``.npz``, written
atomically, read without pickle.

A model file holds plain arrays only: the matrices, the vocabulary (UTF-8 bytes + offsets, and
counts) and the loss history, with the options and training state in ``meta``.
``np.load(..., allow_pickle=False)`` can never run code from such a file; what the arrays must
look like is checked by whoever reads them (``Word2Vec.load``, ``KeyedVectors.load``).

:func:`write_arrays` and :func:`read_arrays` put named arrays plus a JSON ``meta`` dict in one
uncompressed ``.npz`` whose array data start at multiples of 64 bytes, so
that the file can also be opened memory-mapped (``read_arrays(path, mmap_mode="r")``): the
arrays are then views of the file's pages, read from disk only when used.

On-disk layout (any ``np.load(path, allow_pickle=False)`` reads it; so does any zip tool):

* a zip archive, every member ``ZIP_STORED`` (not compressed) with a ZIP64 extra field (as
  ``np.savez`` writes them), named ``<name>.npy`` and holding a ``.npy`` file (format 1.0 or
  2.0, never pickled objects);
* each member's local header carries one more extra field, id ``0xD935`` (the one Android's
  ``zipalign`` uses), of zero bytes that pad the header so the member's data begin at a file
  offset that is a multiple of 64; the ``.npy`` header is itself padded to 64 bytes, so every
  array's data are 64-byte aligned in the file (and in memory when mapped);
* a last member ``meta.npy``: a 1-D uint8 array holding UTF-8 JSON (a dict).

Reading maps each member by offset: the central directory gives the local header's position,
the local header the data's, the ``.npy`` header the dtype, shape and order. CRC-32 checks
are skipped in that mode (they would read the whole file); ``mmap_mode=None`` checks them.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write

FORMAT_VERSION = 1


def model_path(path: str | os.PathLike) -> Path:
    """``path`` with ``.npz`` appended unless it already ends so, in any case (``m.NPZ``
    stays ``m.NPZ``: on a case-insensitive file system it is ``m.npz``)."""
    path = Path(path)
    return path if path.suffix.lower() == ".npz" else path.with_name(path.name + ".npz")


def sidecar_path(path: str | os.PathLike, suffix: str) -> Path:
    """A file that belongs beside a model: ``results/model.npz`` -> ``results/model`` +
    ``suffix`` (``.metrics.json`` from ``train``, ``.eval.json`` from ``evaluate --save``);
    a vectors file other than ``.npz`` loses its last extension (``vec.txt`` -> ``vec``)."""
    path = Path(path)
    stem = path.name[: -len(".npz")] if path.name.endswith(".npz") else path.stem
    return path.with_name(stem + suffix)


def encode_words(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Words as one UTF-8 byte array plus V+1 offsets (no pickled object arrays)."""
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def decode_words(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = blob.tobytes()
    bounds = offsets.tolist()  # Python ints: slicing with them is several times faster
    return [data[a:b].decode("utf-8") for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


META = "meta"  # the member holding the JSON metadata
_ALIGN = 64  # array data start at multiples of this (numpy.lib.format pads .npy headers to it)
_PAD_ID = 0xD935  # extra field id of the padding (Android's zipalign uses the same)
_ZIP64_EXTRA = 20  # bytes zipfile adds to a local header written with force_zip64=True
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip local file header, before name + extra
_LOCAL_MAGIC = b"PK\x03\x04"
_MMAP_MODES = (None, "r", "c")
_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member dates: the same arrays give the same bytes
# What reading a damaged or foreign file can raise.
_READ_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    TypeError,
    EOFError,
    KeyError,
    struct.error,
    zlib.error,
    NotImplementedError,
    OverflowError,
)


def _padding(offset: int, name: bytes) -> bytes:
    """An extra field that makes the data of a member whose local header starts at
    ``offset`` begin at a multiple of ``_ALIGN``."""
    fixed = _LOCAL_HEADER.size + len(name) + _ZIP64_EXTRA + 6  # 6: the field's id, size, align
    pad = -(offset + fixed) % _ALIGN
    return struct.pack("<HHH", _PAD_ID, 2 + pad, _ALIGN) + bytes(pad)


def write_arrays(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> str:
    """Write ``arrays`` and ``meta`` (a JSON-serialisable dict) to one uncompressed ``.npz``
    at ``path`` (``.npz`` added if missing), atomically; returns the file name.

    Plain ``np.load(path, allow_pickle=False)`` reads the file (``meta`` comes back as the
    uint8 array ``data["meta"]``); :func:`read_arrays` reads it, memory-mapped if asked.
    Object arrays, names that are not plain file names, and the name ``meta`` are refused
    (ValueError) before anything is written.
    """
    path = model_path(path)
    members = {"format_version": np.array(FORMAT_VERSION, dtype=np.int64)}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name or name == META or set(name) & set("/\\\0"):
            raise ValueError(f"cannot store an array named {name!r}")
        value = np.asanyarray(value)
        if value.dtype.hasobject:
            raise ValueError(f"array {name!r} holds Python objects; only plain dtypes are stored")
        members[name] = value
    try:
        text = json.dumps(meta, allow_nan=False, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta is not JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise ValueError(f"meta must be a dict, not {type(meta).__name__}")
    members[META] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)

    def write(f) -> None:
        with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED) as zf:
            for name, value in members.items():
                info = zipfile.ZipInfo(name + ".npy", date_time=_DATE)
                info.compress_type = zipfile.ZIP_STORED
                info.external_attr = 0o644 << 16
                info.extra = _padding(f.tell(), info.filename.encode("utf-8"))
                with zf.open(info, mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, value, allow_pickle=False)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Word2VecError(f"cannot create folder {path.parent}: {exc.strerror}") from None
    atomic_write(path, write)
    return str(path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _decode_meta(path: Path, arrays: dict[str, np.ndarray]) -> dict:
    raw = arrays.pop(META, None)
    if raw is None:
        raise Word2VecError(f"{path} is not a word2vec-numpy file (it has no {META!r} member)")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise Word2VecError(f"{path}: the {META!r} member is not UTF-8 JSON bytes")
    try:
        meta = json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Word2VecError(f"{path}: the {META!r} member is not UTF-8 JSON") from None
    if not isinstance(meta, dict):
        raise Word2VecError(f"{path}: the {META!r} member is not a JSON object")
    return meta


def _read_in_memory(path: Path) -> dict[str, np.ndarray]:
    data = np.load(path, allow_pickle=False)
    if not isinstance(data, np.lib.npyio.NpzFile):  # (not expected after read_arrays' checks)
        raise Word2VecError(f"{path} is not a .npz file")
    with data:
        arrays = {name: data[name] for name in data.files}
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise Word2VecError(f"{path}: member {name!r} is not a .npy array")
    return arrays


def _map_member(path: Path, f, info: zipfile.ZipInfo, size: int, mode: str) -> np.ndarray:
    name = info.filename
    if info.compress_type != zipfile.ZIP_STORED:
        raise Word2VecError(
            f"{path}: member {name!r} is compressed, so it cannot be memory-mapped; "
            "load the file without memory-mapping and save it again"
        )
    if info.flag_bits & 0x1:
        raise Word2VecError(f"{path}: member {name!r} is encrypted")
    f.seek(info.header_offset)
    header = f.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise Word2VecError(f"{path} is truncated (member {name!r})")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_MAGIC:
        raise Word2VecError(f"{path} is damaged: no local header for member {name!r}")
    start = info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]
    end = start + info.file_size
    if info.compress_size != info.file_size or end > size:
        raise Word2VecError(f"{path} is truncated or damaged (member {name!r})")
    f.seek(start)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise Word2VecError(
            f"{path}: member {name!r} uses .npy format {version[0]}.{version[1]}, which "
            "cannot be memory-mapped here; load the file without memory-mapping and save it again"
        )
    if dtype.hasobject:
        raise Word2VecError(
            f"{path}: member {name!r} holds Python objects (pickled data); refusing to load it"
        )
    offset = f.tell()
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if offset + nbytes > end:
        raise Word2VecError(f"{path} is truncated or damaged (member {name!r})")
    if nbytes == 0:
        return np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    return np.memmap(
        f, dtype=dtype, mode=mode, offset=offset, shape=shape, order="F" if fortran else "C"
    )


def _read_mapped(path: Path, mode: str) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise Word2VecError(f"{path}: member {info.filename!r} is not a .npy array")
            name = info.filename[: -len(".npy")]
            if name in arrays:
                raise Word2VecError(f"{path}: member {info.filename!r} appears twice")
            arrays[name] = _map_member(path, f, info, size, mode)
    return arrays


def read_arrays(
    path: str | os.PathLike, required: tuple[str, ...] = (), mmap_mode: str | None = None
) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by :func:`write_arrays`: returns ``(arrays, meta)``, the arrays by
    name (the ``required`` ones must be there) and the decoded ``meta`` dict.

    ``mmap_mode=None`` reads every array into memory (``np.load(allow_pickle=False)``,
    CRC-checked). ``"r"`` (read-only) or ``"c"`` (copy-on-write: changes stay in memory) maps
    every array from the file instead: opening costs almost no memory and no reading, and
    pages are read when used. Only uncompressed members can be mapped. Any problem (no such
    file, not a zip, truncated, compressed or object members, no ``meta``) is a one-line
    ``Word2VecError``.
    """
    if mmap_mode not in _MMAP_MODES:
        raise ValueError(f"mmap_mode must be None, 'r' or 'c', not {mmap_mode!r}")
    path = Path(path)
    if not path.exists() and model_path(path).exists():
        path = model_path(path)
    if not path.is_file():
        raise Word2VecError(f"model file not found: {path}")
    try:
        with open(path, "rb") as f:
            magic = f.read(len(np.lib.format.MAGIC_PREFIX))
        if magic == np.lib.format.MAGIC_PREFIX:
            raise Word2VecError(f"{path} is a single .npy array, not a .npz file")
        if not zipfile.is_zipfile(path):  # else np.load would talk of pickles
            raise zipfile.BadZipFile("not a zip archive")
        arrays = _read_mapped(path, mmap_mode) if mmap_mode else _read_in_memory(path)
    except Word2VecError:
        raise
    except _READ_ERRORS as exc:
        raise Word2VecError(f"{path} is not a readable .npz file ({_one_line(exc)})") from None
    meta = _decode_meta(path, arrays)
    missing = [name for name in required if name not in arrays]
    if missing:
        raise Word2VecError(f"{path} is not a word2vec-numpy model (missing {missing[0]})")
    version = arrays.pop("format_version", None)
    if version is not None and (version.shape != () or int(version) != FORMAT_VERSION):
        raise Word2VecError(f"{path}: model format {version} is not supported")
    return arrays, meta

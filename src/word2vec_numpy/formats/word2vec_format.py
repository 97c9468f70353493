"""The original word2vec C tool's vector file formats (also read and written by gensim).

Both start with a header line ``"<vocab size> <dimensions>\\n"``. Then, per word:

* text: ``word x1 x2 ... xd\\n`` (single spaces; we write ``%.9g``, which round-trips float32
  exactly);
* binary: ``word``, one space, ``d`` little-endian float32 (``4 d`` bytes), then ``\\n`` as the
  C tool writes it. gensim leaves the newline out, so the reader accepts records with or
  without it (like both readers, it strips newlines in front of a word).

Words are UTF-8 and cannot contain whitespace (it separates the fields), so the writer
refuses such words before creating anything. Files are written atomically: to a temporary
file in the same directory, then moved into place with :func:`os.replace`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write

__all__ = ["atomic_write", "load_word2vec_format", "save_word2vec_format"]

_CHUNK_ROWS = 4096  # rows formatted per write() call


def _check_words(words: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise Word2VecError(f"vectors must be a 2-D array, got shape {vectors.shape}")
    if vectors.shape[0] != len(words):
        raise Word2VecError(f"{len(words)} words but {vectors.shape[0]} vectors")
    for word in words:
        # str.split() is how every reader splits the fields, so a word must be one field.
        if not isinstance(word, str) or word.split() != [word]:
            raise Word2VecError(
                f"cannot save the word {word!r} in word2vec format: "
                "words must be non-empty and contain no whitespace"
            )
    return vectors.astype("<f4", copy=False)


def save_word2vec_format(
    path: str | os.PathLike[str],
    words: Sequence[str],
    vectors: np.ndarray,
    binary: bool = False,
) -> None:
    """Write ``words`` and their ``vectors`` (V x d) in the word2vec C tool's text or binary
    format. Checks every word first: nothing is written if one is empty or has whitespace."""
    vectors = _check_words(words, vectors)
    n_words, dim = vectors.shape
    header = f"{n_words} {dim}\n".encode()

    def write_text(f: BinaryIO) -> None:
        f.write(header)
        line = "%s " + " ".join(["%.9g"] * dim) + "\n"  # 9 significant digits: exact for float32
        for start in range(0, n_words, _CHUNK_ROWS):
            rows = vectors[start : start + _CHUNK_ROWS].tolist()
            block = "".join(line % (w, *row) for w, row in zip(words[start:], rows, strict=False))
            f.write(block.encode("utf-8"))

    def write_binary(f: BinaryIO) -> None:
        f.write(header)
        for start in range(0, n_words, _CHUNK_ROWS):
            rows = vectors[start : start + _CHUNK_ROWS]
            parts = []
            for w, row in zip(words[start:], rows, strict=False):
                parts += [w.encode("utf-8"), b" ", row.tobytes(), b"\n"]
            f.write(b"".join(parts))

    atomic_write(path, write_binary if binary else write_text)


# --------------------------------------------------------------------------------- reading


def _fail(path: str | os.PathLike[str], line: int, what: str) -> Word2VecError:
    return Word2VecError(f"{path}, line {line}: {what}")


def _parse_header(path: str | os.PathLike[str], data: bytes) -> tuple[int, int, int]:
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)]
    try:
        fields = first.decode("utf-8").split()
        n_words, dim = (int(x) for x in fields)
    except (UnicodeDecodeError, ValueError):
        snippet = first[:40].decode("utf-8", "replace")
        raise _fail(
            path,
            1,
            f"not a word2vec file: expected a header 'VOCAB_SIZE DIMENSIONS', got {snippet!r}",
        ) from None
    if n_words < 0 or dim < 1:
        raise _fail(path, 1, f"bad header: {n_words} words of {dim} dimensions")
    if end < 0 and n_words > 0:
        raise _fail(path, 1, f"the header announces {n_words} vectors but the file ends there")
    return n_words, dim, (end + 1 if end >= 0 else len(data))


def _looks_like_text(data: bytes, start: int, dim: int) -> bool:
    """True if the first record after the header is a text line ``word x1 .. xd``."""
    end = data.find(b"\n", start)
    line = data[start : end if end >= 0 else len(data)]
    try:
        fields = line.decode("utf-8").split()
        if len(fields) != dim + 1:
            return False
        [float(x) for x in fields[1:]]
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def _read_text(
    path: str | os.PathLike[str], data: bytes, start: int, n_words: int, dim: int
) -> tuple[list[str], np.ndarray]:
    lines = data[start:].split(b"\n")
    while lines and not lines[-1].strip():  # trailing newline(s) / blank lines at the end
        lines.pop()
    if len(lines) != n_words:
        raise _fail(
            path,
            2 + min(len(lines), n_words),  # the first missing or extra line
            f"the header announces {n_words} vectors but the file has {len(lines)}",
        )
    words: list[str] = []
    numbers: list[list[str]] = []
    for no, raw in enumerate(lines, 2):
        try:
            fields = raw.decode("utf-8").split()
        except UnicodeDecodeError:
            raise _fail(path, no, "not valid UTF-8") from None
        if len(fields) != dim + 1:
            raise _fail(path, no, f"expected a word and {dim} numbers, found {len(fields)} fields")
        words.append(fields[0])
        numbers.append(fields[1:])
    try:
        vectors = np.array(numbers, dtype=np.float32).reshape(n_words, dim)
    except ValueError:
        # Slow path, only to say where the bad number is.
        for no, row in enumerate(numbers, 2):
            for x in row:
                try:
                    float(x)
                except ValueError:
                    raise _fail(path, no, f"{x[:30]!r} is not a number") from None
        raise
    return words, vectors


def _read_binary(
    path: str | os.PathLike[str], data: bytes, start: int, n_words: int, dim: int
) -> tuple[list[str], np.ndarray]:
    width = 4 * dim
    words: list[str] = []
    vectors = np.empty((n_words, dim), dtype=np.float32)
    pos = start
    for i in range(n_words):
        record = i + 2  # "line" numbers as if each record were a line after the header
        while pos < len(data) and data[pos] in b"\n\r":
            pos += 1  # the newline after the previous vector (C tool) or none (gensim)
        space = data.find(b" ", pos)
        if space < 0:
            raise _fail(path, record, f"file ends early: expected {n_words} vectors, found {i}")
        raw_word = data[pos:space]
        if not raw_word or b"\n" in raw_word:
            raise _fail(path, record, "damaged record: no word before the vector")
        try:
            word = raw_word.decode("utf-8")
        except UnicodeDecodeError:
            raise _fail(path, record, "word is not valid UTF-8") from None
        if space + 1 + width > len(data):
            raise _fail(path, record, f"file ends inside the vector of {word!r}")
        vectors[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        words.append(word)
        pos = space + 1 + width
    if data[pos:].strip():
        raise _fail(
            path, n_words + 2, f"more data after the {n_words} vectors the header announces"
        )
    return words, vectors


def _drop_duplicates(
    path: str | os.PathLike[str], words: list[str], vectors: np.ndarray
) -> tuple[list[str], np.ndarray]:
    seen: dict[str, int] = {}
    keep = [seen.setdefault(w, i) == i for i, w in enumerate(words)]
    if all(keep):
        return words, vectors
    # gensim does the same: keep the first vector of a repeated word, with a warning.
    dup = next(w for w, k in zip(words, keep, strict=True) if not k)
    warnings.warn(
        f"{path}: {len(keep) - sum(keep)} repeated word(s) (e.g. {dup!r}); keeping the first",
        stacklevel=3,
    )
    mask = np.array(keep)
    return [w for w, k in zip(words, keep, strict=True) if k], vectors[mask]


def load_word2vec_format(
    path: str | os.PathLike[str], binary: bool | None = None
) -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file; returns ``(words, vectors)`` (V x d float32).

    ``binary=None`` detects the format from the first record. The header and every record are
    checked; a malformed file raises a one-line Word2VecError naming the file and line.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise Word2VecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise Word2VecError(f"{path}: is a directory, not a word2vec file") from None
    except OSError as exc:
        raise Word2VecError(f"{path}: cannot read ({exc.strerror})") from None
    n_words, dim, start = _parse_header(path, data)
    if binary is None:
        binary = n_words > 0 and not _looks_like_text(data, start, dim)
    reader = _read_binary if binary else _read_text
    words, vectors = reader(path, data, start, n_words, dim)
    return _drop_duplicates(path, words, vectors)

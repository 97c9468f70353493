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

The reader streams: text line by line, binary in 1 MiB blocks, every vector straight into one
preallocated float32 matrix, so loading a file takes about the matrix plus the words (gensim's
GoogleNews file: 3 M x 300, 3.6 GB), and ``limit=`` reads only the first records.
"""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write

__all__ = ["LoadedVectors", "atomic_write", "load_word2vec_format", "save_word2vec_format"]

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
    with np.errstate(over="ignore"):  # too large for float32: an infinity, refused below
        vectors = vectors.astype("<f4", copy=False)
    bad = np.concatenate(  # (by chunks of rows: no V x d mask for millions of words)
        [np.zeros(0, np.intp)]
        + [
            start + np.flatnonzero(~np.isfinite(vectors[start : start + _CHUNK_ROWS]).all(axis=1))
            for start in range(0, len(vectors), _CHUNK_ROWS)
        ]
    )
    if len(bad):  # the reader refuses them: a file that could not be read back
        raise Word2VecError(
            f"cannot save {len(bad):,} vector(s) with NaN or infinite values in word2vec "
            f"format (e.g. {words[int(bad[0])]!r}); nothing was written"
        )
    return vectors


def save_word2vec_format(
    path: str | os.PathLike[str],
    words: Sequence[str],
    vectors: np.ndarray,
    binary: bool = False,
) -> None:
    """Write ``words`` and their ``vectors`` (V x d) in the word2vec C tool's text or binary
    format. Checks every word and vector first: nothing is written if a word is empty or has
    whitespace, or a vector holds a NaN or an infinity (which the reader refuses; in float32
    a large float64 becomes one)."""
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
#
# Both readers stream: the file is read in blocks of ``_BLOCK`` bytes (text: line by line
# through a buffered file) and every vector goes straight into one preallocated float32
# matrix, so the peak memory is that matrix plus the words and one block.

_BLOCK = 1 << 20  # bytes read at a time (binary)
_HEAD = 1 << 20  # bytes read to find the header and sniff the format from the first record
_BUFFER = 1 << 16  # the file object's buffer (text is read line by line through it)
_MAX_WORD = 1 << 20  # a binary record with no space in this many bytes is damaged
_UNICODE_ERRORS = ("strict", "replace", "ignore")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\t"


class LoadedVectors(tuple):
    """What :func:`load_word2vec_format` returns: the pair ``(words, vectors)`` (it unpacks
    like one), plus ``duplicates``, the number of records dropped because their word had
    already been read (the first occurrence is kept, as gensim does)."""

    duplicates: int

    def __new__(cls, words: list[str], vectors: np.ndarray, duplicates: int = 0):
        self = super().__new__(cls, (words, vectors))
        self.duplicates = duplicates
        return self

    @property
    def words(self) -> list[str]:
        return self[0]

    @property
    def vectors(self) -> np.ndarray:
        return self[1]


# The C tool cuts words at 100 bytes, which may fall inside a character (gensim's reason for
# its ``unicode_errors``)
_UTF8_HINT = (
    " (a word cut inside a character, as the C tool cuts long words: unicode_errors='replace'"
    " or 'ignore' reads it; on the command line, --unicode-errors replace)"
)


def _fail(path: str | os.PathLike[str], line: int, what: str) -> Word2VecError:
    return Word2VecError(f"{path}, line {line}: {what}")


_COMPRESSED = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
)


def _parse_header(path: str | os.PathLike[str], data: bytes) -> tuple[int, int, int]:
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)]
    try:
        fields = first.decode("utf-8").split()
        n_words, dim = (int(x) for x in fields)
    except (UnicodeDecodeError, ValueError):
        packed = next((kind for magic, kind in _COMPRESSED if data.startswith(magic)), None)
        if packed:  # its bytes would mean nothing to the reader
            raise _fail(
                path, 1, f"not a word2vec file: a {packed} file (decompress a vectors file first)"
            ) from None
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


def _count_records(path: str | os.PathLike[str], f: BinaryIO, head: bytes) -> tuple[int, int]:
    """(records, dimension) of a text file without a header (``no_header``): its lines up
    to the last non-blank one, and the fields of the first line less the word."""
    fields = head.split(b"\n", 1)[0].split()
    if len(fields) < 2:
        raise _fail(path, 1, "expected a word and its numbers (no_header=True: no header line)")
    dim = len(fields) - 1
    f.seek(0)
    return _remaining_lines(f, dim), dim


def _fromstring_raises() -> bool:
    """True if ``np.fromstring(..., sep=" ")`` raises on a token that is not a number (newer
    NumPy); older NumPy only warns (DeprecationWarning) and returns the numbers before it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            np.fromstring(b"1 x", dtype=np.float32, sep=" ")
        except ValueError:
            return True
    return False


_FROMSTRING_RAISES = _fromstring_raises()


def _parse_numbers(text: bytes) -> np.ndarray | None:
    """The whitespace-separated numbers in ``text`` as float32, or None if one is not a
    number."""
    try:
        if _FROMSTRING_RAISES:  # no warnings machinery on the hot path (one call per line)
            return np.fromstring(text, dtype=np.float32, sep=" ")
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            return np.fromstring(text, dtype=np.float32, sep=" ")
    except (ValueError, DeprecationWarning):
        return None


def _looks_like_text(data: bytes, start: int, dim: int) -> bool:
    """True if the first record after the header is a text line ``word x1 .. xd``: its d
    numbers parse; or it is a word and d fields of printable ASCII, and so is the next line
    when d < 4 (so that a bad number is reported as one, by the text reader, rather than as a
    damaged binary record: d float32 in binary are 4d bytes of any value, and d - 1 spaces
    between printable ones up to a newline, twice over for small d, do not happen by
    chance)."""
    lines = data[start:].split(b"\n", 2)[:2]
    fields = lines[0].split(None, 1)
    if len(fields) != 2:
        return False  # (the word is not looked at: its bytes may be invalid UTF-8)
    numbers = _parse_numbers(fields[1])
    if numbers is not None and numbers.size == dim:
        return True

    def plain(line: bytes) -> bool:  # a word, then d fields of printable ASCII
        parts = line.rstrip(b"\r").split(None, 1)
        return (
            len(parts) == 2
            and not parts[1].translate(None, _PRINTABLE_ASCII)
            and len(parts[1].split()) == dim
        )

    return plain(lines[0]) and (dim >= 4 or (len(lines) == 2 and plain(lines[1])))


class _Collector:
    """Keeps the first occurrence of every word: its string in ``words``, its vector in the
    next free row of ``matrix``; counts the repeats."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix
        self.words: list[str] = []
        self.seen: dict[str, None] = {}  # a set, but smaller for millions of words
        self.duplicates = 0
        self.first_duplicate = ""

    def is_new(self, word: str) -> bool:
        if word in self.seen:
            if not self.duplicates:
                self.first_duplicate = word
            self.duplicates += 1
            return False
        self.seen[word] = None
        self.words.append(word)
        return True


def _bad_number(token: bytes) -> str | None:
    """Why ``token`` is not a usable float32, or None if it is one."""
    shown = token[:30].decode("utf-8", "replace")
    try:
        value = float(token)
    except ValueError:
        return f"{shown!r} is not a number"
    with np.errstate(over="ignore"):
        if not np.isfinite(np.float32(value)):
            return f"{shown!r} is not a finite float32 number"
    return None


def _text_line_error(line: bytes, dim: int) -> str:
    """Why a non-blank text line is not ``word x1 .. xd`` (the slow, exact diagnosis)."""
    fields = line.split()
    try:
        fields[0].decode("utf-8")
    except UnicodeDecodeError:
        return "not valid UTF-8"
    if len(fields) != dim + 1:
        return f"expected a word and {dim} numbers, found {len(fields)} fields"
    for token in fields[1:]:
        why = _bad_number(token)
        if why:
            return why
    return f"cannot read the {dim} numbers"  # not expected: float() accepts what NumPy doesn't


def _lines(f: BinaryIO, max_len: int) -> Iterator[bytes]:
    """The lines of ``f`` (with their ``\\n``), none longer than ``max_len`` bytes: a longer
    one comes in pieces, so a binary file read as text cannot fill the memory."""
    return iter(lambda: f.readline(max_len), b"")


def _max_line(dim: int) -> int:
    return _MAX_WORD + 64 * dim  # a word, and d numbers of at most 63 characters and a space


def _remaining_lines(f: BinaryIO, dim: int) -> int:
    """How many lines are left in ``f``, not counting blank lines at the very end."""
    count = last = 0
    for line in _lines(f, _max_line(dim)):
        count += 1
        if line.strip():
            last = count
    return last


def _read_text(
    path: str | os.PathLike[str],
    f: BinaryIO,
    out: _Collector,
    n_words: int,
    n_rows: int,
    dim: int,
    unicode_errors: str,
    first_line: int = 2,
) -> None:
    matrix, is_new = out.matrix, out.is_new
    row = recno = 0
    max_len = _max_line(dim)
    for line in _lines(f, max_len):
        if recno == n_rows:
            break
        line_no = recno + first_line
        if len(line) == max_len and not line.endswith(b"\n"):
            raise _fail(path, line_no, f"longer than {max_len:,} bytes: not a word2vec text file")
        parts = line.split(None, 1)
        numbers = _parse_numbers(parts[1]) if len(parts) == 2 else None
        if numbers is None or numbers.size != dim or not np.isfinite(numbers).all():
            if not parts:  # a blank line: fine at the end of the file, else an error
                if _remaining_lines(f, dim) == 0:
                    break
                raise _fail(path, line_no, f"expected a word and {dim} numbers, found 0 fields")
            raise _fail(path, line_no, _text_line_error(line, dim))
        try:
            word = parts[0].decode("utf-8", unicode_errors)
        except UnicodeDecodeError:
            raise _fail(path, line_no, "word is not valid UTF-8" + _UTF8_HINT) from None
        if is_new(word):
            matrix[row] = numbers
            row += 1
        recno += 1
    else:
        line = b""
    if recno < n_rows:
        raise _fail(
            path,
            recno + first_line,
            f"the header announces {n_words} vectors but the file has {recno}",
        )
    if n_rows == n_words:  # no limit cut the file short: nothing may follow
        extra = (1 if line.strip() else 0) + _remaining_lines(f, dim)
        if extra:
            raise _fail(
                path,
                n_words + first_line,
                f"the header announces {n_words} vectors but the file has {n_words + extra}",
            )


def _read_binary(
    path: str | os.PathLike[str],
    f: BinaryIO,
    out: _Collector,
    n_words: int,
    n_rows: int,
    dim: int,
    unicode_errors: str,
) -> None:
    width = 4 * dim
    target = memoryview(out.matrix).cast("B")  # the matrix's bytes, filled row by row
    is_new = out.is_new
    buf = bytearray(max(_BLOCK, 1))  # one reused buffer; grows only for a longer record
    pos = end = row = recno = 0  # buf[pos:end] is read but not yet used
    eof = False
    while recno < n_rows:
        if not eof:  # move the unused tail to the front and fill the rest from the file
            buf[: end - pos] = buf[pos:end]
            end -= pos
            pos = 0
            if end == len(buf):
                buf.extend(bytes(len(buf)))
            with memoryview(buf) as free:
                got = f.readinto(free[end:])
            eof = not got
            end += got
        first_row = row
        view = memoryview(buf)
        while recno < n_rows:
            line_no = recno + 2  # "line" numbers as if each record were a line
            while pos < end and buf[pos] in b"\n\r":
                pos += 1  # the newline after the previous vector (C tool) or none (gensim)
            space = buf.find(b" ", pos, end)
            if space < 0:
                if buf.find(b"\n", pos, end) >= 0 or end - pos > _MAX_WORD:
                    raise _fail(path, line_no, "damaged record: no word before the vector")
                if eof:
                    raise _fail(
                        path, line_no, f"file ends early: expected {n_words} vectors, found {recno}"
                    )
                break
            raw_word = buf[pos:space]
            if not raw_word or b"\n" in raw_word:
                raise _fail(path, line_no, "damaged record: no word before the vector")
            try:
                word = raw_word.decode("utf-8", unicode_errors)
            except UnicodeDecodeError:
                raise _fail(path, line_no, "word is not valid UTF-8" + _UTF8_HINT) from None
            if space + 1 + width > end:
                if eof:
                    raise _fail(path, line_no, f"file ends inside the vector of {word!r}")
                break
            if is_new(word):
                target[row * width : (row + 1) * width] = view[space + 1 : space + 1 + width]
                row += 1
            recno += 1
            pos = space + 1 + width
        view.release()
        finite = np.isfinite(out.matrix[first_row:row]).all(axis=1)
        if not finite.all():
            word = out.words[first_row + int(np.flatnonzero(~finite)[0])]
            raise Word2VecError(f"{path}: the vector of {word!r} holds NaN or infinite values")
    if n_rows == n_words:  # no limit cut the file short: nothing but newlines may follow
        rest = bytes(buf[pos:end])
        while not rest.strip():
            rest = f.read(_BLOCK)
            if not rest:
                return
        raise _fail(
            path, n_words + 2, f"more data after the {n_words} vectors the header announces"
        )


def load_word2vec_format(
    path: str | os.PathLike[str],
    binary: bool | None = None,
    limit: int | None = None,
    *,
    unicode_errors: str = "strict",
    warn: Callable[[str], None] | None = None,
    no_header: bool = False,
) -> LoadedVectors:
    """Read a word2vec text or binary file; returns ``(words, vectors)`` (V x d float32) as a
    :class:`LoadedVectors`, which also says how many repeated words were dropped.

    ``binary=None`` detects the format from the first record. ``limit`` reads only the first
    ``limit`` records (like gensim's ``limit``; the rest of the file is not looked at). The
    file is streamed into a preallocated matrix: the peak memory is about the matrix, the
    words and one 4 MB block. The header and every record read are checked; a malformed file
    raises a one-line Word2VecError naming the file and line, and so does a number that is
    not finite as a float32 (NaN, inf, 1e39).

    Words are UTF-8. ``unicode_errors="strict"`` (the default, like gensim's) refuses a word
    with invalid bytes; ``"replace"`` reads it with U+FFFD in their place, ``"ignore"``
    without them (as gensim's ``unicode_errors``). Fields are
    separated by ASCII whitespace. A word repeated in the file keeps its first vector; the
    later records are counted in ``.duplicates`` and, if ``warn`` is given, reported by one
    call ``warn(message)`` with a one-line message (nothing is printed or logged otherwise).

    ``no_header=True`` reads a text file without the ``VOCAB_SIZE DIMENSIONS`` line, such as
    GloVe's (gensim's ``no_header``): the file is read once more to count its records, and
    the dimension is the number of fields of the first one, less the word.
    """
    if no_header and binary:
        raise Word2VecError("no_header=True reads text files (GloVe's format), not binary ones")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise Word2VecError(f"limit must be a positive whole number, got {limit!r}")
    if unicode_errors not in _UNICODE_ERRORS:
        raise Word2VecError(
            f"unicode_errors must be 'strict', 'replace' or 'ignore', not {unicode_errors!r}"
        )
    n_rows = dim = 0
    try:
        f = open(path, "rb", buffering=_BUFFER)  # closed by the with below
    except FileNotFoundError:
        raise Word2VecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise Word2VecError(f"{path}: is a directory, not a word2vec file") from None
    except OSError as exc:
        raise Word2VecError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        with f:
            head = f.read(_HEAD)
            if no_header:
                n_words, dim, start, binary = *_count_records(path, f, head), 0, False
            else:
                n_words, dim, start = _parse_header(path, head)
            if binary is None:
                binary = n_words > 0 and not _looks_like_text(head, start, dim)
            n_rows = n_words if limit is None else min(n_words, limit)
            if stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                # A corrupt header must not allocate more rows than the file can hold.
                room = os.fstat(f.fileno()).st_size - start
                shortest = 4 * dim + 2 if binary else 2 * dim + 2  # "w" + vector + separators
                n_rows_max = (room + 1) // shortest + 1
            else:
                n_rows_max = n_rows
            del head
            f.seek(start)
            out = _Collector(np.empty((min(n_rows, n_rows_max), dim), dtype=np.float32))
            if binary:
                _read_binary(path, f, out, n_words, n_rows, dim, unicode_errors)
            else:
                first_line = 1 if no_header else 2
                _read_text(path, f, out, n_words, n_rows, dim, unicode_errors, first_line)
    except OSError as exc:
        raise Word2VecError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except MemoryError:
        raise Word2VecError(
            f"{path}: not enough memory for {n_rows:,} vectors of {dim} dimensions "
            "(limit= reads only the first ones)"
        ) from None
    if out.duplicates and warn is not None:
        warn(
            f"{path}: {out.duplicates} repeated word(s) (e.g. {out.first_duplicate!r}); "
            "kept the first vector of each"
        )
    vectors = out.matrix[: len(out.words)]  # a view: no copy when words were dropped
    return LoadedVectors(out.words, vectors, out.duplicates)

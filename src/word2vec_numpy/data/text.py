"""Reading text: tokenisation and streaming readers of plain and compressed files and folders.

Tokenisation
------------
Text is lower-cased (each word on its own); a word is a run of letters and digits (any
script, with the combining marks that follow them), possibly joined by apostrophes inside it
("don't", "o'clock") or underscores ("united_states", as ``word2vec-numpy phrases``
writes phrases). The typographic apostrophes ’ (U+2019) and ʼ (U+02BC) count as
``'``, so "don’t" and "don't" are the same word. Everything else separates words: every
Unicode space (no-break spaces too), punctuation, underscores and apostrophes at the edges
of a word, and symbols and emoji ("😀", "→", "©" and "+" are never part of a word). A text8
file (only a-z and spaces) therefore comes through unchanged.

* **Long tokens are dropped.** A word longer than ``MAX_TOKEN_CHARS`` (100) characters is
  not a word but a URL, base64, a DNA string or a table without spaces; it is skipped (and
  counted in ``ReadStats.long_tokens``), not cut. (The C tool cuts words at 100 bytes
  instead; a cut word is a different word, so we drop it.)
* **Scripts written without spaces are not segmented.** Chinese, Japanese or Thai text
  becomes one token per run of letters ("東京に行きます" is a single token, and a run longer
  than 100 characters is dropped like any long token). Segment such text first (jieba,
  MeCab, PyThaiNLP, ...) and separate its words with spaces.

Each line is a sentence: training windows never cross a line break, and a line longer than
``MAX_SENTENCE_LENGTH`` (10,000) tokens is cut into sentences of that many tokens, as gensim
does. ``\\n``, ``\\r\\n`` and a lone ``\\r`` all end a line.

Reading
-------
* **Encodings.** Text is UTF-8; bytes that are not valid UTF-8 become U+FFFD, which
  separates words, and are counted (``ReadStats.replaced``) instead of stopping the run. A
  UTF-8 byte-order mark at the start of a file is skipped; a file that starts with a UTF-16
  or UTF-32 byte-order mark (``FF FE``, ``FE FF``, ...) is decoded as such.
* **Binary files are refused**, never trained on: a file (or zip member) with a NUL
  character in its first 8,192 characters is an error naming it.
* **Compressed files**: ``.gz``, ``.bz2`` and ``.xz`` by their suffix; a ``.zip`` archive
  is read member by member in name order, every member that is a file (folders and hidden
  members, e.g. ``__MACOSX/._x``, skipped). Encrypted members and compression methods
  Python cannot read are errors, as is corrupt or truncated compressed data.
* **A folder** (:func:`corpus_files`): every file below it, recursively, whose suffix is
  one of ``TEXT_SUFFIXES`` (none, ``.txt``, ``.text``, ``.gz``, ``.bz2``, ``.xz``,
  ``.zip``), in path order. Hidden files and folders (a name starting with ``.``: ``.git/``,
  ``.DS_Store``, editor backups) are skipped; symbolic links are followed, each folder read
  once. *Every* file is opened and its start checked before reading begins; a file or folder
  that cannot be read is an error, never skipped.
* ``-`` is standard input; an empty path is refused (it does not mean the current folder).
* **Memory is bounded** whatever the line lengths: a file is read in 1 MB pieces, and at
  most one piece, one unfinished word (at most 101 characters) and one sentence are held.
  Every character that cannot be inside a word is a place where a long line is cut.

Every problem is a :class:`~word2vec_numpy.errors.Word2VecError` with a one-line message
naming the file.
"""

from __future__ import annotations

import bz2
import codecs
import functools
import gzip
import lzma
import os
import re
import stat
import sys
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np

from ..errors import Word2VecError

MAX_SENTENCE_LENGTH = 10_000
MAX_TOKEN_CHARS = 100
"""Longer tokens are dropped (see the module docstring)."""

TEXT_SUFFIXES = frozenset({"", ".txt", ".text", ".gz", ".bz2", ".xz", ".zip"})
"""The files of a folder corpus that are read (compared lower-cased)."""

BINARY_PROBE_CHARS = 8192
"""A NUL character among a file's first this many characters marks it as binary."""

_CHUNK_BYTES = 1 << 20  # bytes read at a time

_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}

# What reading a (compressed) stream can raise: OSError (also gzip.BadGzipFile, and bz2's
# "Invalid data stream"), EOFError (truncated), zlib.error (a corrupt deflate block),
# lzma.LZMAError, zipfile.BadZipFile (a bad CRC), ValueError (a closed stream),
# RuntimeError / NotImplementedError (zipfile: encryption, unknown compression).
_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
)


def _mark_ranges() -> str:
    """The combining marks (Unicode category M) of the Basic Multilingual Plane, as the inside
    of a regex class: accents written as separate code points, Indic vowel signs, ... They
    are not word characters for ``re``, but they belong to the word they follow."""
    ranges, start = [], None
    for code in range(0x10000 + 1):
        is_mark = code < 0x10000 and unicodedata.category(chr(code)).startswith("M")
        if is_mark and start is None:
            start = code
        elif not is_mark and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return "".join(ranges)


@functools.cache
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    """``TOKEN_RE`` and the pattern of text up to its last cut point, built on first use.

    A token is a letter or digit, then letters, digits and combining marks, possibly joined
    to more such parts by single apostrophes or underscores (``united_states``: the phrases
    that ``word2vec-numpy phrases`` writes, and words as the C tool and gensim's
    ``LineSentence`` see them). Written as letters followed by groups of
    (marks, letters), a word of letters is one repeat, which ``re`` matches without keeping
    state per character (``(?:letter|mark)*`` keeps some 150 bytes per character: 150 MB
    for a 1 MB word). A cut point is a character that no token contains (not a letter,
    digit, mark or apostrophe): text can be cut after it without changing its tokens. The
    greedy ``.*`` backtracks from the end, so finding the last cut point costs the distance
    from the end of the text to it.
    """
    marks = _mark_ranges()
    part = f"[^\\W_]+(?:[{marks}]+[^\\W_]*)*"
    return re.compile(f"{part}(?:['_]{part})*"), re.compile(f"(?s).*[^\\w'{marks}]")


def __getattr__(name: str) -> re.Pattern:
    if name == "TOKEN_RE":  # the token pattern, for those who want it
        return _patterns()[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_APOSTROPHES = ("\u2019", "\u02bc")  # ’ and ʼ, read as '
_MAX_PENDING = MAX_TOKEN_CHARS + 2


def _normalise(text: str) -> str:
    for mark in _APOSTROPHES:
        if mark in text:
            text = text.replace(mark, "'")
    return text


@dataclass
class ReadStats:
    """What reading found: characters read, invalid UTF-8 sequences replaced, tokens longer
    than ``MAX_TOKEN_CHARS`` dropped; ``source`` describes the corpus (set by
    :func:`iter_corpus`)."""

    chars: int = 0
    replaced: int = 0
    long_tokens: int = 0
    source: str = ""


def tokenize(text: str) -> list[str]:
    """Words of ``text`` by the rule in the module docstring.

    Parameters
    ----------
    text : str
        The text.

    Returns
    -------
    list of str
        Its words, lower-cased.

    Examples
    --------
    >>> tokenize("Don’t panic: it's 42!")
    ["don't", 'panic', "it's", '42']
    """
    return _tokens(_normalise(text), ReadStats())


# Text of ASCII letters, digits, spaces and tabs (text8, phrased text8) has the runs between
# its spaces as its tokens: they are found by ``str.split``, five times faster than the token
# pattern, once ``_plain`` has checked that no other character is there. An underscore is
# inside a token only between two letters or digits (else it separates, as in the pattern).
_PLAIN_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\x0b\x0c_"
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _plain(text: str) -> bytes | None:
    """The ASCII bytes of ``text`` if its tokens are ``text.lower().split()``, else None.
    (``isascii`` costs nothing, Python strings know it; deleting the plain bytes with
    ``bytes.translate`` is ten times faster than searching for another character with a
    regex.)"""
    if not text.isascii():
        return None
    plain = text.encode("ascii")
    if plain.translate(None, _PLAIN_BYTES):
        return None
    if "_" in text and _LONE_UNDERSCORE.search(text) is not None:
        return None
    return plain


def _longest_run(plain: bytes) -> int:
    """The length of the longest token of plain text: its longest run of bytes above the
    space (the blanks of plain text are space, tab, vertical tab and form feed). Found with
    NumPy in a few calls, where ``max(map(len, tokens))`` takes one step per token."""
    blanks = np.flatnonzero(np.frombuffer(plain, dtype=np.uint8) <= 32)
    return int(np.diff(blanks, prepend=-1, append=len(plain)).max()) - 1


def _tokens(text: str, stats: ReadStats) -> list[str]:
    """Tokens of text whose ends are word boundaries (curly apostrophes already replaced).

    Lower-casing changes no character's class (letter, mark, separator), so words can be
    found before or after it; only a capital sigma lower-cases by context (word-final ς),
    and that context is the word alone, whatever surrounds it.
    """
    token_re = _patterns()[0]
    plain = _plain(text)
    if plain is not None:
        tokens = text.lower().split()
        if _longest_run(plain) <= MAX_TOKEN_CHARS:  # ASCII: lower() keeps the lengths
            return tokens
    elif "\u03a3" in text:
        tokens = token_re.findall(text)
        tokens = " ".join(tokens).lower().split(" ") if tokens else []
    else:
        tokens = token_re.findall(text.lower())
    if tokens and max(map(len, tokens)) > MAX_TOKEN_CHARS:  # lower() can lengthen: İ -> i̇
        kept = [t for t in tokens if len(t) <= MAX_TOKEN_CHARS]
        stats.long_tokens += len(tokens) - len(kept)
        tokens = kept
    return tokens


# ------------------------------------------------------------------------------ opening


def _reason(exc: BaseException) -> str:
    """A one-line explanation of an exception raised while opening or reading a file."""
    if isinstance(exc, zlib.error):
        text = f"corrupt compressed data ({exc})"
    elif isinstance(exc, EOFError):
        text = "the compressed data ends too early (a truncated file?)"
    elif isinstance(exc, lzma.LZMAError):
        text = f"corrupt xz data ({exc})"
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _match_end(pattern: re.Pattern[str], text: str) -> int:
    """Where ``pattern``'s match at the start of ``text`` ends (0 if it does not match)."""
    match = pattern.match(text)
    return match.end() if match else 0


def _hidden(parts: Iterable[str]) -> bool:
    return any(part.startswith(".") for part in parts)


def _stdin() -> BinaryIO:
    stream: Any = sys.stdin
    if stream is None or stream.closed:
        raise Word2VecError("cannot read standard input: it is closed")
    return cast(BinaryIO, getattr(stream, "buffer", stream))


def _sources(path: str | os.PathLike) -> Iterator[tuple[str, BinaryIO]]:
    """The byte streams ``path`` holds, each with its name for messages: standard input for
    ``-``, the (decompressed) file, or each member of a zip archive in turn."""
    if os.fspath(path) == "-":
        yield "standard input", _stdin()
        return
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        yield from _zip_members(path)
        return
    opener: Any = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(suffix, open)
    try:
        stream = opener(path, "rb")
    except _READ_ERRORS as exc:
        raise Word2VecError(f"cannot read {path}: {_reason(exc)}") from None
    with stream:
        yield str(path), stream


def _zip_members(path: Path) -> Iterator[tuple[str, BinaryIO]]:
    try:
        archive = zipfile.ZipFile(path)
    except _READ_ERRORS as exc:
        raise Word2VecError(f"cannot read {path}: {_reason(exc)}") from None
    with archive:
        files = [m for m in archive.infolist() if not m.is_dir()]
        members = sorted(
            (m for m in files if not _hidden(m.filename.split("/"))), key=lambda m: m.filename
        )
        if not members:
            raise Word2VecError(f"{path}: the zip archive holds no file")
        for info in members:
            name = f"{path} (member {info.filename})"
            if info.flag_bits & 0x1:
                raise Word2VecError(
                    f"cannot read {name}: it is encrypted (password-protected zip archives "
                    "are not supported; extract it first)"
                )
            if info.compress_type not in _ZIP_METHODS:
                raise Word2VecError(
                    f"cannot read {name}: compression method {info.compress_type} is not "
                    "supported (only stored, deflate, bzip2 and lzma; extract it first)"
                )
            try:
                stream = archive.open(info)
            except _READ_ERRORS as exc:
                raise Word2VecError(f"cannot read {name}: {_reason(exc)}") from None
            with stream:
                yield name, cast(BinaryIO, stream)


def _read(stream: BinaryIO, name: str, size: int) -> bytes:
    try:
        return stream.read(size)
    except _READ_ERRORS as exc:
        raise Word2VecError(f"cannot read {name}: {_reason(exc)}") from None


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a text that starts with ``head`` (its first 4 bytes or more) and the
    length of its byte-order mark: UTF-8 unless a UTF-16/UTF-32 mark says otherwise."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def _text_pieces(name: str, stream: BinaryIO, stats: ReadStats) -> Iterator[str]:
    """The decoded text of one stream in pieces of about ``_CHUNK_BYTES`` bytes, with every
    line end turned into ``\\n``; a NUL character near the start means a binary file."""
    block = _read(stream, name, max(_CHUNK_BYTES, 4))
    while 0 < len(block) < 4:  # a byte-order mark needs the first 4 bytes
        more = _read(stream, name, 4)
        if not more:
            break
        block += more
    encoding, bom = sniff_encoding(block)
    block = block[bom:]
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    probed = 0
    carriage_return = False  # a piece ended in \r: it may be the first half of \r\n
    while True:
        final = not block
        text = decoder.decode(block, final=final)
        if carriage_return:
            text = "\r" + text
            carriage_return = False
        if not final and text.endswith("\r"):
            text = text[:-1]
            carriage_return = True
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if probed < BINARY_PROBE_CHARS:
            if "\x00" in text[: BINARY_PROBE_CHARS - probed]:
                raise Word2VecError(f"{name} looks like a binary file, not text")
            probed += len(text)
        if text:
            stats.chars += len(text)
            stats.replaced += text.count("\ufffd")
            yield text
        if final:
            return
        block = _read(stream, name, _CHUNK_BYTES)


# ---------------------------------------------------------------------------- sentences


def iter_sentences(
    path: str | os.PathLike,
    max_sentence_length: int = MAX_SENTENCE_LENGTH,
    stats: ReadStats | None = None,
    keep_empty: bool = False,
) -> Iterator[list[str]]:
    """Stream the sentences (lists of tokens) of one file or of standard input.

    The file may be plain, compressed, or a zip archive (its members in turn). It is read in
    1 MB pieces, so that even a file that is one 100 MB line (text8), or one 100 MB word, is
    never held as one string.

    Parameters
    ----------
    path : str or os.PathLike
        The file, or ``-`` for standard input.
    max_sentence_length : int, default 10000
        Lines longer than this many tokens are cut into sentences of this many tokens.
    stats : ReadStats, optional
        Counts what was read, replaced and dropped.
    keep_empty : bool, default False
        Also yield an empty sentence for a line with no token (a blank line): one sentence
        per line, for a tool that writes the text back line for line (``phrases``).

    Yields
    ------
    list of str
        The tokens of each sentence.

    Raises
    ------
    Word2VecError
        If the file cannot be read, is binary, or its compressed data is corrupt (a one-line
        message naming the file).
    """
    stats = stats if stats is not None else ReadStats()
    for name, stream in _sources(path):
        pieces = _text_pieces(name, stream, stats)
        yield from _sentences(pieces, max_sentence_length, stats, keep_empty)


def _sentences(
    pieces: Iterable[str], size: int, stats: ReadStats, keep_empty: bool = False
) -> Iterator[list[str]]:
    """Sentences of a text given in pieces cut anywhere.

    Complete lines are tokenised at once. Of the unfinished last line, everything up to its
    last character that cannot be inside a word is tokenised too; the rest (``pending``,
    the start of a word) waits for the next piece. A rest longer than any kept token is a
    run of letters and apostrophes: its finished tokens are taken, and a word in progress
    that is already too long is dropped, remembered only by its last characters
    (``long_word``) so that its continuation in the next piece is dropped as well.
    """
    token_re, up_to_last_cut = _patterns()
    sentence: list[str] = []
    pending = ""
    long_word = False
    for piece in pieces:
        text = pending + _normalise(piece)
        pending = ""
        if long_word:
            end = _match_end(token_re, text)  # text starts with a letter: the dropped word
            if end >= len(text) - 1:  # it may go on in the next piece
                pending = "x" + text[end - 1 :]
                continue
            text, long_word = text[end:], False
        lines = text.split("\n")
        tail = lines.pop()
        for line in lines:
            sentence.extend(_tokens(line, stats))
            if keep_empty and not sentence:
                yield []
            yield from _cut(sentence, size, final=True)
            sentence = []
        cut = up_to_last_cut.match(tail)
        if cut:
            sentence.extend(_tokens(tail[: cut.end()], stats))
            tail = tail[cut.end() :]
        if len(tail) > _MAX_PENDING:
            tokens, tail, long_word = _split_run(tail, stats)
            sentence.extend(tokens)
        pending = tail
        kept = list(_cut(sentence, size, final=False))
        yield from kept
        if kept:
            sentence = sentence[len(kept) * size :]
    if long_word:
        pending = pending[_match_end(token_re, pending) :]
    sentence.extend(_tokens(pending, stats))
    yield from _cut(sentence, size, final=True)


def _split_run(run: str, stats: ReadStats) -> tuple[list[str], str, bool]:
    """Finished tokens of ``run`` (text without a cut character, the end of an unfinished
    line), the start of the token that may go on in the next piece, and whether that one is
    already too long (then only a stand-in for its last characters is returned)."""
    tokens: list[str] = []
    for match in _patterns()[0].finditer(run):
        if match.end() >= len(run) - 1:  # "...ab" or "...ab'" may go on
            if match.end() - match.start() > MAX_TOKEN_CHARS:
                stats.long_tokens += 1
                return tokens, "x" + run[match.end() - 1 :], True
            return tokens, run[match.start() :], False
        token = match.group().lower()
        if len(token) > MAX_TOKEN_CHARS:
            stats.long_tokens += 1
        else:
            tokens.append(token)
    return tokens, "", False


def _cut(tokens: list[str], size: int, final: bool) -> Iterator[list[str]]:
    """Full ``size``-token pieces of ``tokens`` (and the rest too when ``final``)."""
    n_full = len(tokens) // size
    for k in range(n_full):
        yield tokens[k * size : (k + 1) * size]
    if final and len(tokens) > n_full * size:
        yield tokens[n_full * size :]


# ------------------------------------------------------------------------------ corpora


def corpus_files(folder: str | os.PathLike) -> list[Path]:
    """The files of a folder corpus, in path order, each checked before any is read.

    Every file below ``folder`` (recursively; symbolic links followed, each folder once)
    whose suffix is in ``TEXT_SUFFIXES``, except hidden ones (a file or folder name starting
    with ``.``). Each is opened and the start of its text (of every member, for a zip
    archive) read, so that a binary, encrypted, corrupt or unreadable file is reported
    before reading begins, as is a folder that cannot be listed. Raises when the folder
    holds no text file.
    """
    folder = Path(folder)
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            info = current.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue  # a link back up the tree, or a folder linked twice
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            raise Word2VecError(f"cannot read folder {current}: {_reason(exc)}") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                if path.suffix.lower() not in TEXT_SUFFIXES and not entry.is_dir():
                    continue
                raise Word2VecError(f"cannot read {path}: {_reason(exc)}") from None
            if stat.S_ISDIR(mode):
                stack.append(path)
            elif stat.S_ISREG(mode) and path.suffix.lower() in TEXT_SUFFIXES:
                found.append(path)
    if not found:
        raise Word2VecError(
            f"corpus folder {folder} holds no text files (.txt, .text, .gz, .bz2, .xz, .zip "
            "or no suffix; hidden files are skipped)"
        )
    found.sort()
    for path in found:
        check_text_file(path)
    return found


def check_text_file(path: str | os.PathLike) -> None:
    """Open ``path`` and decode the start of its text (of every member of a zip archive):
    a file that cannot be read, is binary, encrypted or not what its suffix says raises."""
    for name, stream in _sources(path):
        for _ in _text_pieces(name, stream, ReadStats()):
            break


def iter_corpus(
    path: str | os.PathLike,
    stats: ReadStats | None = None,
    max_sentence_length: int = MAX_SENTENCE_LENGTH,
    keep_empty: bool = False,
) -> Iterator[list[str]]:
    """The sentences of a corpus: a file, a folder (:func:`corpus_files`) or ``-``.

    The checks come first, before this returns: an empty or missing path, an unreadable,
    binary or corrupt file (any file of a folder) raise :class:`Word2VecError` here rather
    than once reading is under way. ``stats.source`` is set to a short description
    ("standard input", "12 files in books", the path). ``keep_empty``: as for
    :func:`iter_sentences`.
    """
    stats = stats if stats is not None else ReadStats()
    name = os.fspath(path)
    if name == "":
        raise Word2VecError("the corpus path is empty (give a file, a folder or -)")
    if name == "-":
        _stdin()
        stats.source = "standard input"
        return _chain(["-"], stats, max_sentence_length, keep_empty)
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise Word2VecError(f"corpus file not found: {path}") from None
    except OSError as exc:
        raise Word2VecError(f"cannot read {path}: {_reason(exc)}") from None
    if stat.S_ISDIR(mode):
        files = corpus_files(path)
        stats.source = f"{len(files)} files in {path}"
        return _chain(files, stats, max_sentence_length, keep_empty)
    if stat.S_ISREG(mode):
        check_text_file(path)  # a pipe (<(zcat ...)) is read once, not checked first
    stats.source = str(path)
    return _chain([path], stats, max_sentence_length, keep_empty)


def _chain(
    files: list, stats: ReadStats, max_sentence_length: int, keep_empty: bool = False
) -> Iterator[list[str]]:
    for path in files:
        yield from iter_sentences(path, max_sentence_length, stats, keep_empty)


def cut_sentences(
    sentences: Iterable[Sequence[str]], max_sentence_length: int = MAX_SENTENCE_LENGTH
) -> Iterator[Sequence[str]]:
    """The sentences with every one longer than ``max_sentence_length`` tokens cut into
    pieces of that many (what ``iter_sentences`` does to the lines of a file)."""
    for sentence in sentences:
        if len(sentence) <= max_sentence_length:
            yield sentence
        else:
            yield from _cut(list(sentence), max_sentence_length, final=True)

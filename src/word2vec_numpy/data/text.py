"""Reading text: tokenisation and streaming readers of plain and compressed files.

Tokenisation rule: text is lower-cased; a word is a run of letters and digits (any script,
with the combining marks that follow them), possibly joined by apostrophes inside it
("don't", "o'clock"); everything else (spaces, punctuation, underscores, apostrophes at the
edges of a word) separates words. A text8
file (only a-z and spaces) therefore comes through unchanged. Each line is a sentence:
training windows never cross a line break, and a line longer than ``MAX_SENTENCE_LENGTH``
tokens is cut into sentences of that many tokens, as gensim does.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import Word2VecError

MAX_SENTENCE_LENGTH = 10_000


def _mark_class() -> str:
    """A regex class of the combining marks (Unicode category M) of the Basic Multilingual
    Plane: accents written as separate code points, Indic vowel signs, ... They are not
    word characters for ``re``, but they belong to the word they follow."""
    ranges, start = [], None
    for code in range(0x10000 + 1):
        is_mark = code < 0x10000 and unicodedata.category(chr(code)).startswith("M")
        if is_mark and start is None:
            start = code
        elif not is_mark and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return "[" + "".join(ranges) + "]"


_LETTER = r"[^\W_]"  # a letter or digit of any script
_PART = f"{_LETTER}(?:{_LETTER}|{_mark_class()})*"
TOKEN_RE = re.compile(f"{_PART}(?:'{_PART})*")
_CHUNK_CHARS = 1 << 20


def tokenize(text: str) -> list[str]:
    """Words of ``text`` by the rule in the module docstring."""
    return TOKEN_RE.findall(text.lower())


def open_text(path: str | os.PathLike) -> io.TextIOBase:
    """Open a plain, ``.gz``, ``.bz2``, ``.xz`` or ``.zip`` (first member) file, or ``-`` for
    standard input, as UTF-8 text; invalid bytes become U+FFFD instead of stopping the run."""
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gz":
        raw = gzip.open(path, "rb")
    elif suffix == ".bz2":
        raw = bz2.open(path, "rb")
    elif suffix == ".xz":
        raw = lzma.open(path, "rb")
    elif suffix == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Word2VecError(f"cannot read {path}: {exc}") from None
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members:
            raise Word2VecError(f"{path}: the zip archive holds no file")
        raw = archive.open(members[0])
    else:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - returned to the caller
        except OSError as exc:
            raise Word2VecError(f"cannot read {path}: {exc.strerror}") from None
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=None)


@dataclass
class ReadStats:
    """What reading a file found: characters read and invalid UTF-8 sequences replaced."""

    chars: int = 0
    replaced: int = 0


def iter_sentences(
    path: str | os.PathLike,
    max_sentence_length: int = MAX_SENTENCE_LENGTH,
    stats: ReadStats | None = None,
) -> Iterator[list[str]]:
    """Stream the sentences (lists of tokens) of a text file, reading it in 1 MB pieces so
    that even a file that is one 100 MB line (text8) is never held as one string. A file
    with NUL bytes at its start is refused as binary; ``stats`` counts replaced bytes."""
    stats = stats if stats is not None else ReadStats()
    sentence: list[str] = []
    pending = ""  # text after the last newline, not yet tokenised
    with open_text(path) as f:
        while True:
            try:
                chunk = f.read(_CHUNK_CHARS)
            except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
                raise Word2VecError(f"cannot read {path}: {exc}") from None
            if not chunk:
                break
            if stats.chars == 0 and "\x00" in chunk[:8192]:
                raise Word2VecError(f"{path} looks like a binary file, not text")
            stats.chars += len(chunk)
            stats.replaced += chunk.count("\ufffd")
            lines = (pending + chunk).split("\n")
            pending = lines.pop()
            for line in lines:
                sentence.extend(tokenize(line))
                yield from _cut(sentence, max_sentence_length, final=True)
                sentence = []
            # A very long line: tokenise all but its last partial word now.
            cut = max(pending.rfind(" "), pending.rfind("\t"))
            if cut > 0:
                sentence.extend(tokenize(pending[:cut]))
                pending = pending[cut:]
                kept = list(_cut(sentence, max_sentence_length, final=False))
                yield from kept
                if kept:
                    sentence = sentence[len(kept) * max_sentence_length :]
    sentence.extend(tokenize(pending))
    yield from _cut(sentence, max_sentence_length, final=True)


def _cut(tokens: list[str], size: int, final: bool) -> Iterator[list[str]]:
    """Full ``size``-token pieces of ``tokens`` (and the rest too when ``final``)."""
    n_full = len(tokens) // size
    for k in range(n_full):
        yield tokens[k * size : (k + 1) * size]
    if final and len(tokens) > n_full * size:
        yield tokens[n_full * size :]


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

"""Reading text: tokenisation, streaming readers, and encoding a corpus to a file of word ids.

Tokenisation rule: text is lower-cased; a word is a run of letters and digits (any script,
with the combining marks that follow them), possibly joined by apostrophes inside it
("don't", "o'clock"); everything else (spaces, punctuation, underscores, apostrophes at the
edges of a word) separates words. A text8
file (only a-z and spaces) therefore comes through unchanged. Each line is a sentence:
training windows never cross a line break, and a line longer than ``MAX_SENTENCE_LENGTH``
tokens is cut into sentences of that many tokens, as gensim does.

Encoding: the corpus is read once; every token gets an id in a single pass, the ids are
written to a ``uint32`` file, and training reads that file through a memory map, so memory
does not grow with the corpus.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import Word2VecError
from .vocab import Vocabulary

MAX_SENTENCE_LENGTH = 10_000
SEPARATOR = np.uint32(0xFFFFFFFF)  # sentence end in the uint32 id file


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


@dataclass
class EncodedCorpus:
    """A corpus as a file of uint32 word ids with ``SEPARATOR`` between sentences.

    ``ids`` is a read-only memory map of the file; ``n_words`` counts real words (not
    separators). The vocabulary that gave the ids travels with it. The ids file leads with no
    separator and ends with one.
    """

    path: Path
    vocab: Vocabulary
    n_words: int
    source: str = ""
    total_tokens: int = 0  # tokens read, before min_count dropped any

    @property
    def ids(self) -> np.ndarray:
        if os.path.getsize(self.path) == 0:
            return np.zeros(0, dtype=np.uint32)
        return np.memmap(self.path, dtype=np.uint32, mode="r")


def encode_corpus(
    sentences: Iterable[Sequence[str]],
    out_path: str | os.PathLike,
    min_count: int = 5,
    max_size: int | None = None,
    max_tokens: int | None = None,
    source: str = "",
) -> EncodedCorpus:
    """Read ``sentences`` once, build the vocabulary and write the id file ``out_path``.

    One pass gives every distinct word a provisional id (order of first appearance) and
    writes provisional ids to a temporary file; then the vocabulary is built from their
    counts (``np.bincount``) and the file is rewritten through a lookup table, chunk by
    chunk, dropping the words below ``min_count``. Only the dict of distinct words is
    held in memory.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    first_seen: dict[str, int] = {}
    counts = np.zeros(0, dtype=np.int64)
    n_tokens = 0
    fd, tmp_name = tempfile.mkstemp(prefix=out_path.name + ".", suffix=".prov", dir=out_path.parent)
    tmp_final = str(out_path) + ".tmp"
    try:
        with os.fdopen(fd, "wb") as tmp:
            buffer: list[int] = []

            def flush() -> None:
                nonlocal counts
                chunk = np.asarray(buffer, dtype=np.int64)
                words = chunk[chunk >= 0]
                grown = np.bincount(words, minlength=len(first_seen))
                grown[: len(counts)] += counts
                counts = grown
                chunk.astype(np.uint32).tofile(tmp)  # -1 wraps to SEPARATOR
                buffer.clear()

            for sentence in sentences:
                if max_tokens is not None and n_tokens + len(sentence) > max_tokens:
                    sentence = sentence[: max_tokens - n_tokens]
                if not sentence:
                    if max_tokens is not None and n_tokens >= max_tokens:
                        break
                    continue
                n_tokens += len(sentence)
                buffer.extend(first_seen.setdefault(w, len(first_seen)) for w in sentence)
                buffer.append(-1)
                if len(buffer) >= 1 << 20:
                    flush()
            flush()
        vocab = Vocabulary(min_count=min_count, max_size=max_size)
        vocab.build_from_counts(list(first_seen), counts)
        # provisional id -> final id; SEPARATOR for words below min_count (dropped below)
        lookup = np.full(len(counts) + 1, SEPARATOR, dtype=np.uint32)
        order = np.argsort(-counts, kind="stable")
        order = order[counts[order] >= min_count][: len(vocab)]
        lookup[order] = np.arange(len(vocab), dtype=np.uint32)
        lookup[len(counts)] = SEPARATOR
        n_words = 0
        prev_sep = True  # collapse runs of separators (sentences emptied by min_count)
        with open(tmp_name, "rb") as src, open(tmp_final, "wb") as dst:
            while True:
                prov = np.fromfile(src, dtype=np.uint32, count=1 << 22)
                if len(prov) == 0:
                    break
                sep = prov == SEPARATOR
                final = lookup[np.where(sep, len(counts), prov)]
                dropped = (final == SEPARATOR) & ~sep
                final, sep = final[~dropped], sep[~dropped]
                dup = np.empty(len(sep), dtype=bool)
                if len(sep):
                    dup[0] = sep[0] and prev_sep
                    dup[1:] = sep[1:] & sep[:-1]
                    prev_sep = bool(sep[-1])
                final[~dup].tofile(dst)
                n_words += int(np.count_nonzero(~sep))
        os.replace(tmp_final, out_path)
    finally:
        for leftover in (tmp_name, tmp_final):
            if os.path.exists(leftover):
                os.remove(leftover)
    return EncodedCorpus(
        path=out_path, vocab=vocab, n_words=n_words, source=source, total_tokens=n_tokens
    )


def ids_to_int64(ids: np.ndarray) -> np.ndarray:
    """Ids as int64 with sentence ends as -1, whether they came as uint32 (file) or int32."""
    out = np.asarray(ids).astype(np.int64)
    if ids.dtype == np.uint32:
        out[out == int(SEPARATOR)] = -1
    return out

"""Encoding a corpus to a file of word ids.

The corpus is read once; every token gets an id in a single pass, the ids are written to a
``uint32`` file, and training reads that file through a memory map, so memory does not grow
with the corpus.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Word2VecError
from ..files import why
from .vocab import Vocabulary

SEPARATOR = np.uint32(0xFFFFFFFF)  # sentence end in the uint32 id file


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
    held in memory. A failed write (a full disk) is a one-line ``Word2VecError`` and leaves
    no file behind.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    first_seen: dict[str, int] = {}
    counts = np.zeros(0, dtype=np.int64)
    n_tokens = 0
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=out_path.name + ".", suffix=".prov", dir=out_path.parent
        )
    except OSError as exc:
        raise Word2VecError(f"cannot write {out_path}: {why(exc)}") from None
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
    except OSError as exc:  # reading errors are Word2VecErrors already: this is a write
        raise Word2VecError(f"cannot write {out_path}: {why(exc)}") from None
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

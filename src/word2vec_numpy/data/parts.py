"""A corpus in parts, for training on several machines (``training/dask.py``): byte ranges of
big files and groups of whole files, each read and encoded by the machine that trains it,
with the vocabulary counted per part and merged into the one a one-machine run builds.

Splitting (:func:`split_corpus`). The files, in order, are taken as one stream of bytes and
cut into ``n`` parts of about equal size. A cut inside an uncompressed file moves forward to
the next line break, so a part holds whole lines; a line longer than ``LINE_SEARCH`` bytes
(text8 is one 100 MB line) is cut after the next space or tab instead. Either way no token is
cut (tokens never contain white space, and white space bytes are never inside a UTF-8
sequence), so the tokens and the vocabulary are those of the whole text; only the places
where a very long line is cut into sentences of ``MAX_SENTENCE_LENGTH`` tokens move. A
compressed file cannot be entered in the middle: a cut in it moves to its nearer end.

Counting (:func:`count_part`). Each part is encoded on its own with ``encode_corpus`` and
``min_count=1`` (every token kept, ids in the part's own order) and reports, for each of its
words, the count and the position of its first occurrence. Merged in part order
(:func:`merge_counts`), this gives every word's count over the corpus and the order in which
words first appear in it, which is all ``Vocabulary.build_from_counts`` needs: the same
words, counts and ids as one ``encode_corpus`` over the whole text.

Encoding (:func:`encode_part`). A part's id file is rewritten through a table from its own
ids to the vocabulary's, dropping the words below ``min_count`` and the sentence ends that
this leaves empty, as ``encode_corpus`` does: the parts' id files, one after the other, are
the id file of a one-machine run when every cut is at a line break.

Paths may be fsspec URLs (``s3://bucket/corpus.txt``, ``gcs://...``) where fsspec and the
package of that filesystem are installed; a byte range of a file is first copied to a local
temporary file (deleted after reading), which the ordinary reader then reads.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from ..errors import Word2VecError
from .encode import SEPARATOR, EncodedCorpus, encode_corpus
from .text import ReadStats, corpus_files, iter_sentences
from .vocab import Vocabulary

COMPRESSED = {".gz", ".bz2", ".xz", ".zip"}
LINE_SEARCH = 1 << 20  # look this far for a line break before cutting at a space
_WHITE = b" \t\r\n"
_BLOCK = 1 << 16
_COPY_BLOCK = 1 << 22
_IDS_BLOCK = 1 << 22


# -- files and byte ranges ----------------------------------------------------------------------
def is_url(path: str) -> bool:
    """An fsspec URL such as ``s3://bucket/key`` (``file://`` included), not a local path."""
    return "://" in str(path)


def _open_binary(path: str) -> IO[bytes]:
    if is_url(path):
        try:
            import fsspec
        except ImportError:
            raise Word2VecError(
                f"reading {path} needs fsspec and the package of its filesystem "
                "(pip install fsspec s3fs, for instance)"
            ) from None
        return fsspec.open(path, "rb").open()
    return open(path, "rb")  # noqa: SIM115 - returned to the caller


def file_size(path: str) -> int:
    """The size in bytes of a local file or of an fsspec URL."""
    try:
        if is_url(path):
            import fsspec

            fs, inner = fsspec.core.url_to_fs(path)
            return int(fs.size(inner))
        return os.path.getsize(path)
    except ImportError:
        raise Word2VecError(f"reading {path} needs fsspec (pip install fsspec)") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise Word2VecError(f"cannot read corpus {path}: {reason}") from None


def check_readable(path: str) -> None:
    """Raise a one-line ``Word2VecError`` when ``path`` cannot be opened and read."""
    try:
        with _open_binary(path) as f:
            f.read(1)
    except Word2VecError:
        raise
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise Word2VecError(f"cannot read corpus {path}: {reason}") from None


def text_files(paths: Sequence[str]) -> list[str]:
    """The text files of ``paths``: a folder stands for its text files as ``text.corpus_files``
    finds and checks them (not hidden ones, sorted, at any depth); files and URLs are kept."""
    files: list[str] = []
    for path in paths:
        if is_url(path):
            files.append(str(path))
        elif Path(path).is_dir():
            files.extend(str(p) for p in corpus_files(path))  # each checked, hidden ones skipped
        else:
            files.append(str(path))  # reading it says what is wrong with it
    return files


def _suffix(path: str) -> str:
    return Path(str(path).split("?")[0]).suffix.lower()


def _cut_after(path: str, offset: int, size: int) -> int:
    """The first place at or after ``offset`` where a part may start: just after a line
    break, or after a space or tab when no line break comes within ``LINE_SEARCH`` bytes."""
    first_white = None
    with _open_binary(path) as f:
        f.seek(offset)
        position = offset
        while position < size:
            block = f.read(_BLOCK)
            if not block:
                break
            newline = block.find(b"\n")
            if newline >= 0 and position + newline - offset < LINE_SEARCH:
                return position + newline + 1
            if first_white is None:
                hits = [i for i in (block.find(bytes([b])) for b in _WHITE) if i >= 0]
                if hits:
                    first_white = position + min(hits)
            position += len(block)
            far = newline >= 0 or position - offset >= LINE_SEARCH
            if far and first_white is not None:
                return first_white + 1
    return first_white + 1 if first_white is not None else size


# -- parts --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    """Bytes ``start`` up to ``end`` of a file (``end=None``: to its end)."""

    path: str
    start: int = 0
    end: int | None = None

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.end is None

    def __str__(self) -> str:
        if self.whole:
            return self.path
        return f"{self.path}[{self.start}:{'' if self.end is None else self.end}]"


@dataclass(frozen=True)
class Part:
    """One part of a corpus: pieces of files read one after the other; ``max_tokens`` cuts
    it short (the part where a ``--max-tokens`` limit falls)."""

    index: int
    pieces: tuple[Piece, ...]
    max_tokens: int | None = None

    def __str__(self) -> str:
        return f"part {self.index} (" + ", ".join(map(str, self.pieces)) + ")"


def split_corpus(paths: Sequence[str], n_parts: int) -> list[Part]:
    """Cut the files ``paths`` (in this order) into at most ``n_parts`` parts of about equal
    size, by the rule in the module docstring. Parts that would be empty are left out."""
    files = text_files(paths)
    sizes = [file_size(p) for p in files]
    total = sum(sizes)
    n_parts = max(1, int(n_parts))
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    # cut k falls at byte k * total / n of the stream; each becomes (file index, offset)
    cuts: list[tuple[int, int]] = []
    for k in range(1, n_parts):
        target = k * total // n_parts
        i = int(np.searchsorted(starts, target, side="right") - 1)
        i = min(i, len(files) - 1)
        offset = target - int(starts[i])
        if _suffix(files[i]) in COMPRESSED:  # whole files only: the nearer end
            cut = (i, 0) if offset < sizes[i] - offset else (i + 1, 0)
        elif offset == 0:
            cut = (i, 0)
        else:
            at = _cut_after(files[i], offset, sizes[i])
            cut = (i, at) if at < sizes[i] else (i + 1, 0)
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
    bounds = [(0, 0), *cuts, (len(files), 0)]
    parts: list[Part] = []
    for (f0, o0), (f1, o1) in zip(bounds[:-1], bounds[1:], strict=True):
        pieces = []
        for i in range(f0, min(f1 + 1, len(files))):
            start = o0 if i == f0 else 0
            end = o1 if i == f1 else sizes[i]
            if end > start:
                pieces.append(Piece(files[i], start, None if end == sizes[i] else end))
        if pieces:
            parts.append(Part(len(parts), tuple(pieces)))
    return parts


def iter_part_sentences(
    part: Part, stats: ReadStats | None = None, tmp_dir: str | None = None
) -> Iterator[list[str]]:
    """The sentences of ``part``, read with ``iter_sentences`` (a byte range, or a file
    behind a URL, is first copied to a temporary file in ``tmp_dir``)."""
    for piece in part.pieces:
        if piece.whole and not is_url(piece.path):
            yield from iter_sentences(piece.path, stats=stats)
            continue
        fd, local = tempfile.mkstemp(suffix=_suffix(piece.path), dir=tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out, _open_binary(piece.path) as src:
                src.seek(piece.start)
                left = None if piece.end is None else piece.end - piece.start
                while left is None or left > 0:
                    block = src.read(_COPY_BLOCK if left is None else min(left, _COPY_BLOCK))
                    if not block:
                        break
                    out.write(block)
                    if left is not None:
                        left -= len(block)
            try:
                yield from iter_sentences(local, stats=stats)
            except Word2VecError as exc:  # name the piece, not the temporary copy
                raise Word2VecError(str(exc).replace(local, str(piece))) from None
        except OSError as exc:
            raise Word2VecError(f"cannot read corpus {piece}: {exc.strerror or exc}") from None
        finally:
            os.remove(local)


# -- counting, merging, encoding ----------------------------------------------------------------
@dataclass
class PartCounts:
    """What counting one part found: its words (in the order of the part's own ids), their
    counts, the position of each one's first occurrence in the part, tokens read and
    invalid UTF-8 sequences replaced."""

    index: int
    words: list[str]
    counts: np.ndarray
    first: np.ndarray
    n_tokens: int
    replaced: int = 0


def count_part(part: Part, prov_path: str | os.PathLike, tmp_dir: str | None = None) -> PartCounts:
    """Encode ``part`` to ``prov_path`` with its own ids (``encode_corpus`` with
    ``min_count=1``) and count its words; :func:`encode_part` turns the file into
    vocabulary ids once the parts' counts are merged."""
    stats = ReadStats()
    encoded = encode_corpus(
        iter_part_sentences(part, stats, tmp_dir),
        prov_path,
        min_count=1,
        max_tokens=part.max_tokens,
        source=str(part),
    )
    V = len(encoded.vocab)
    first = np.full(V, -1, dtype=np.int64)
    ids = encoded.ids
    seen = 0
    for at in range(0, len(ids), _IDS_BLOCK):  # first occurrence of every id, block by block
        values, index = np.unique(np.asarray(ids[at : at + _IDS_BLOCK]), return_index=True)
        keep = values != SEPARATOR
        values, index = values[keep], index[keep]
        new = first[values] < 0
        first[values[new]] = at + index[new]
        seen += int(new.sum())
        if seen == V:
            break
    return PartCounts(
        part.index,
        encoded.vocab.words,
        encoded.vocab.counts,
        first,
        encoded.total_tokens,
        stats.replaced,
    )


def merge_counts(
    parts: Sequence[PartCounts], min_count: int = 5, max_size: int | None = None
) -> Vocabulary:
    """The vocabulary of the whole corpus from its parts' counts (given in corpus order):
    counts summed, words in order of first appearance, then ``build_from_counts``."""
    index: dict[str, int] = {}
    totals = np.zeros(0, dtype=np.int64)
    for pc in sorted(parts, key=lambda p: p.index):
        order = np.argsort(pc.first, kind="stable")
        ids = np.fromiter(
            (index.setdefault(pc.words[i], len(index)) for i in order),
            dtype=np.int64,
            count=len(order),
        )
        grown = np.zeros(len(index), dtype=np.int64)
        grown[: len(totals)] = totals
        np.add.at(grown, ids, pc.counts[order])
        totals = grown
    vocab = Vocabulary(min_count=min_count, max_size=max_size)
    return vocab.build_from_counts(list(index), totals)


def encode_part(
    prov_path: str | os.PathLike, counts: PartCounts, vocab: Vocabulary, out_path: str | os.PathLike
) -> tuple[int, int]:
    """Rewrite the part's own ids in ``prov_path`` as ``vocab``'s ids in ``out_path``;
    returns (words, ids including sentence ends) of the result."""
    get = vocab.word_to_id.get
    lookup = np.fromiter(
        (get(w, int(SEPARATOR)) for w in counts.words), dtype=np.uint32, count=len(counts.words)
    )
    lookup = np.append(lookup, SEPARATOR)  # the part's SEPARATOR, looked up as the last entry
    n_words = n_ids = 0
    previous_end = True  # a part starts with no sentence end
    tmp = str(out_path) + ".tmp"
    try:
        with open(prov_path, "rb") as src, open(tmp, "wb") as dst:
            while True:
                prov = np.fromfile(src, dtype=np.uint32, count=_IDS_BLOCK)
                if len(prov) == 0:
                    break
                ids = lookup[np.minimum(prov, len(lookup) - 1)]
                ids = ids[(ids != SEPARATOR) | (prov == SEPARATOR)]  # words below min_count
                is_end = ids == SEPARATOR
                repeated = is_end & np.concatenate([[previous_end], is_end[:-1]])
                ids = ids[~repeated]  # sentences left empty
                if len(ids):
                    previous_end = bool(ids[-1] == SEPARATOR)
                ids.tofile(dst)
                n_ids += len(ids)
                n_words += int(np.count_nonzero(ids != SEPARATOR))
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return n_words, n_ids


# -- the corpus the trainer sees ----------------------------------------------------------------
@dataclass
class PartedCorpus(EncodedCorpus):
    """A corpus whose id files live on the workers of a cluster, one per part.

    ``n_words`` and ``total_tokens`` are those of the whole corpus; ``ids`` is only a
    stand-in with the length of all parts' id files (the trainer identifies a corpus by it),
    so this corpus trains with a cluster backend (``training/dask.py``) only.
    """

    parts: list[Part] = field(default_factory=list)
    part_words: list[int] = field(default_factory=list)
    part_ids: list[int] = field(default_factory=list)
    run: str = ""  # the name the workers keep the parts under
    needs_cluster = True

    @property
    def ids(self) -> np.ndarray:
        return np.broadcast_to(SEPARATOR, (sum(self.part_ids),))

    @property
    def n_parts(self) -> int:
        return len(self.parts)

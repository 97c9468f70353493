"""From a stream of word ids to training batches: subsampling, dynamic windows, blocks.

A chunk of the id stream is subsampled (each occurrence of w kept with P_keep(w), drawn anew
every epoch), then every kept position t gets a reduced window radius r_t drawn uniformly from
1..window, as the C tool does (``shrink_windows=False``: r_t = window); the pairs of t are the
kept positions u of the same sentence with 0 < |u - t| <= r_t (subsampled words are removed
*before* windows are taken, so windows reach further in text full of frequent words, as in the
C tool and gensim).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass
class Batch:
    """One mini-batch of ``nb`` blocks of ``T`` centre positions (see ``word2vec.py``).

    rows:       (nb, T) word ids of the centre positions.
    span:       (nb, T + 2*window) word ids of each block's columns: its centres and the
                ``window`` positions on either side (rows[b] == span[b, window:window+T]).
    pair_mask:  (nb, T, T + 2*window) 1.0 where (row, column) is a (centre, context) pair.
    starts:     chunk position of each block's first row.
    draws:      the random parts each loss drew for this batch (``Loss.draw``), by loss name.
    """

    rows: np.ndarray
    span: np.ndarray
    pair_mask: np.ndarray
    starts: np.ndarray | None = None
    draws: dict[str, Any] = field(default_factory=dict)

    @property
    def window(self) -> int:
        return (self.pair_mask.shape[2] - self.pair_mask.shape[1]) // 2

    @property
    def n_pairs(self) -> int:
        return int(self.pair_mask.sum())


class Draws(Protocol):
    """What a batch maker needs of a loss: it draws its random parts of a batch."""

    def draw(self, batch: Batch, rng: np.random.Generator) -> None: ...


@dataclass
class Chunk:
    """Kept positions of a piece of the corpus: word ids, sentence numbers, window radii, and
    the number of corpus words read up to and including each position (for the lr schedule)."""

    ids: np.ndarray
    sentence: np.ndarray
    radius: np.ndarray
    words_read: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def make_chunk(
    raw: np.ndarray,
    keep_prob: np.ndarray,
    window: int,
    rng: np.random.Generator,
    shrink: bool = True,
) -> Chunk:
    """Subsample ``raw`` (int64 ids, -1 = sentence end) and draw the window radii (all
    ``window``, with no draw, when ``shrink`` is off: gensim's ``shrink_windows=False``)."""
    is_word = raw >= 0
    word_ids = np.where(is_word, raw, 0)
    keep = is_word & (rng.random(len(raw), dtype=np.float32) < keep_prob[word_ids])
    positions = np.flatnonzero(keep)
    sentence = np.cumsum(~is_word)[positions]
    words_read = np.cumsum(is_word)[positions]
    if shrink:
        radius = rng.integers(1, window + 1, size=len(positions), dtype=np.int64)
    else:
        radius = np.full(len(positions), window, dtype=np.int64)
    return Chunk(raw[positions], sentence, radius, words_read)


def window_pairs(chunk: Chunk) -> list[tuple[int, int]]:
    """All (centre position, context position) pairs of a chunk, by the definition in the
    module docstring. A plain loop: the reference that ``make_batch`` is tested against."""
    pairs = []
    n = len(chunk)
    for t in range(n):
        r = int(chunk.radius[t])
        for u in range(max(0, t - r), min(n, t + r + 1)):
            if u != t and chunk.sentence[u] == chunk.sentence[t]:
                pairs.append((t, u))
    return pairs


def batch_shape(window: int, batch_size: int, block: int = 32) -> tuple[int, int]:
    """The block length T and the batch size (centre positions per step) that a
    :class:`BatchMaker` uses: a block is at least 2 * ``window`` rows (its columns reach
    ``window`` positions beyond it on either side), and a batch is a whole number of blocks,
    at least one, so a large window makes the batch larger than ``batch_size``."""
    T = max(block, 2 * window)
    return T, max(T, batch_size // T * T)


class BatchMaker:
    """Cuts chunks into ``Batch``es of ``batch_size`` centre positions (blocks of ``block``);
    each loss in ``losses`` draws its random parts of every batch (``Loss.draw``)."""

    def __init__(
        self,
        window: int,
        batch_size: int = 256,
        block: int = 32,
        losses: Sequence[Draws] = (),
    ) -> None:
        self.window = int(window)
        self.requested_batch_size = int(batch_size)
        self.block, self.batch_size = batch_shape(self.window, int(batch_size), int(block))
        self.losses = list(losses)
        w, T = self.window, self.block
        offset = np.arange(T + 2 * w)[None, :] - w - np.arange(T)[:, None]  # column - row
        self._distance = np.abs(offset)
        self._distance[offset == 0] = np.iinfo(np.int64).max  # a word is not its own context

    def batches(self, chunk: Chunk, rng: np.random.Generator):
        """Yield (batch, corpus words read so far, kept words so far) for the whole chunk,
        one at a time: each batch draws its random parts when it is made, so the generator's
        state after batch j is the same whether or not batch j was trained.

        A batch takes its blocks from places spread evenly over the chunk (batch j holds
        blocks j, j + n_batches, j + 2*n_batches, ...), not from one stretch of text: the
        rows that share negatives and the steps that follow each other then come from
        unrelated contexts, as when several workers interleave (measured: benchmarks/).
        """
        n, w, T = len(chunk), self.window, self.block
        if n == 0:
            return
        n_blocks = -(-n // T)
        n_pad = n_blocks * T - n
        # Pad w columns on the left, the last block's rows and w columns on the right;
        # padding has sentence -1 (never equal to a real one) and radius 0 (no pairs).
        ids = np.concatenate([np.zeros(w, np.int64), chunk.ids, np.zeros(n_pad + w, np.int64)])
        sent = np.concatenate([np.full(w, -1), chunk.sentence, np.full(n_pad + w, -1)])
        radius = np.concatenate([chunk.radius, np.zeros(n_pad, np.int64)])
        n_batches = self.n_batches(n)
        for j in range(n_batches):
            starts = np.arange(j, n_blocks, n_batches) * T
            batch = self.make_batch(ids, sent, radius, starts, rng)
            done = min(n, -(-(j + 1) * n // n_batches))  # share of the chunk done, for the lr
            yield batch, int(chunk.words_read[done - 1]), done

    def n_batches(self, n: int) -> int:
        """How many batches :meth:`batches` cuts a chunk of ``n`` kept positions into."""
        n_blocks = -(-n // self.block)
        return -(-n_blocks // (self.batch_size // self.block))

    def make_batch(
        self,
        ids: np.ndarray,
        sent: np.ndarray,
        radius: np.ndarray,
        starts: np.ndarray,
        rng: np.random.Generator,
    ) -> Batch:
        """The batch of the blocks whose first rows are chunk positions ``starts`` (``ids``
        and ``sent`` are padded with ``window`` entries in front, so a block's columns,
        positions start-w .. start+T+w, are entries start .. start+T+2w of them)."""
        T, w = self.block, self.window
        cols = starts[:, None] + np.arange(T + 2 * w)
        span = ids[cols]
        col_sent = sent[cols]
        rows = span[:, w : w + T]
        row_sent = col_sent[:, w : w + T]
        r = radius[starts[:, None] + np.arange(T)][:, :, None]
        mask = (self._distance[None] <= r) & (row_sent[:, :, None] == col_sent[:, None, :])
        batch = Batch(rows, span, mask.astype(np.float32), starts)
        for loss in self.losses:
            loss.draw(batch, rng)
        return batch

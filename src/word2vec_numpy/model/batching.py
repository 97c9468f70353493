"""From a stream of word ids to training batches: subsampling, dynamic windows, blocks.

A chunk of the id stream is subsampled (each occurrence of w kept with P_keep(w), drawn anew
every epoch), then every kept position t gets a reduced window radius r_t drawn uniformly
from 1..window, as the C tool does; the pairs of t are the kept positions u of the same
sentence with 0 < |u - t| <= r_t (subsampled words are removed *before* windows are taken,
so windows reach further in text full of frequent words, as in the C tool and gensim).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Batch:
    """One mini-batch of ``nb`` blocks of ``T`` centre positions (see the module docstring).

    rows:       (nb, T) word ids of the centre positions.
    span:       (nb, T + 2*window) word ids of each block's columns: its centres and the
                ``window`` positions on either side (rows[b] == span[b, window:window+T]).
    pair_mask:  (nb, T, T + 2*window) 1.0 where (row, column) is a (centre, context) pair.
    neg:        (ng, K) negative word ids shared by each group of G centre rows.
    neg_weight: (ng, G, 1) weight of each negative term of a row (SGNS: n_pairs*k/K;
                CBOW: k/K for rows with a context, else 0), in group order.
    neg_order:  (ng*G,) the rows of the groups: slot s is centre row neg_order[s] of the
                flattened (nb*T) rows. Groups take every ng-th row (see ``BatchMaker``).
    """

    rows: np.ndarray
    span: np.ndarray
    pair_mask: np.ndarray
    neg: np.ndarray
    neg_weight: np.ndarray
    neg_order: np.ndarray
    starts: np.ndarray | None = None  # chunk position of each block's first row

    @property
    def window(self) -> int:
        return (self.pair_mask.shape[2] - self.pair_mask.shape[1]) // 2

    @property
    def n_pairs(self) -> int:
        return int(self.pair_mask.sum())

    def neg_group_of_rows(self) -> np.ndarray:
        """(nb*T,) the negative group of each flattened centre row."""
        group_size = self.neg_weight.shape[1]
        groups = np.empty(len(self.neg_order), dtype=np.int64)
        groups[self.neg_order] = np.arange(len(self.neg_order)) // group_size
        return groups


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
    raw: np.ndarray, keep_prob: np.ndarray, window: int, rng: np.random.Generator
) -> Chunk:
    """Subsample ``raw`` (int64 ids, -1 = sentence end) and draw the window radii."""
    is_word = raw >= 0
    word_ids = np.where(is_word, raw, 0)
    keep = is_word & (rng.random(len(raw), dtype=np.float32) < keep_prob[word_ids])
    positions = np.flatnonzero(keep)
    sentence = np.cumsum(~is_word)[positions]
    words_read = np.cumsum(is_word)[positions]
    radius = rng.integers(1, window + 1, size=len(positions), dtype=np.int64)
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


class BatchMaker:
    """Cuts chunks into ``Batch``es of ``batch_size`` centre positions (blocks of ``block``),
    drawing each block's ``n_shared`` negatives from ``sampler``."""

    def __init__(
        self,
        window: int,
        n_negatives: int,
        sampler,  # a NoiseSampler
        model: str = "skipgram",
        batch_size: int = 256,
        block: int = 32,
        n_shared: int | None = None,
        neg_group: int = 32,
    ) -> None:
        self.window = int(window)
        self.block = max(int(block), 2 * self.window)
        self.batch_size = max(self.block, int(batch_size) // self.block * self.block)
        self.n_negatives = int(n_negatives)
        # A skip-gram centre owes k negatives per pair, about (window+1) pairs: k*(window+1)
        # terms. Sharing twice that many, each weighted 1/2, lowers the variance that shared
        # negatives add; measured on 15 M tokens, 5 epochs: K = 30 lost 9 analogy points to
        # gensim, K = 60 matched it (benchmarks/README.md). A CBOW centre owes only k terms,
        # so k*(window+1) shared ones already weigh 1/(window+1) each.
        factor = 2 if model == "skipgram" else 1
        self.n_shared = int(n_shared or factor * n_negatives * (window + 1))
        # Rows sharing negatives: neg_group rows spread evenly over the batch, not neighbours,
        # so one negative word's summed update comes from unrelated contexts.
        self.neg_group = max(1, min(int(neg_group), self.block))
        while self.block % self.neg_group:
            self.neg_group -= 1
        self.sampler = sampler
        self.model = model
        w, T = self.window, self.block
        offset = np.arange(T + 2 * w)[None, :] - w - np.arange(T)[:, None]  # column - row
        self._distance = np.abs(offset)
        self._distance[offset == 0] = np.iinfo(np.int64).max  # a word is not its own context

    def batches(self, chunk: Chunk, rng: np.random.Generator):
        """Yield (batch, corpus words read so far, kept words so far) for the whole chunk.

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
        n_batches = -(-n_blocks // (self.batch_size // T))
        for j in range(n_batches):
            starts = np.arange(j, n_blocks, n_batches) * T
            batch = self.make_batch(ids, sent, radius, starts, rng)
            done = min(n, -(-(j + 1) * n // n_batches))  # share of the chunk done, for the lr
            yield batch, int(chunk.words_read[done - 1]), done

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
        nb = len(starts)
        cols = starts[:, None] + np.arange(T + 2 * w)
        span = ids[cols]
        col_sent = sent[cols]
        rows = span[:, w : w + T]
        row_sent = col_sent[:, w : w + T]
        r = radius[starts[:, None] + np.arange(T)][:, :, None]
        mask = (self._distance[None] <= r) & (row_sent[:, :, None] == col_sent[:, None, :])
        mask = mask.astype(np.float32)
        G = self.neg_group
        n_groups = nb * T // G
        # group g holds rows g, g + n_groups, g + 2*n_groups, ...
        neg_order = np.arange(nb * T).reshape(G, n_groups).T.ravel()
        neg = self.sampler.sample(rng, (n_groups, self.n_shared)).astype(np.int64)
        n_pairs = mask.sum(axis=2).reshape(-1)[neg_order].reshape(n_groups, G, 1)
        if self.model == "skipgram":
            neg_weight = n_pairs * (self.n_negatives / self.n_shared)
        else:
            neg_weight = (n_pairs > 0) * np.float32(self.n_negatives / self.n_shared)
        return Batch(rows, span, mask, neg, neg_weight.astype(np.float32), neg_order, starts)

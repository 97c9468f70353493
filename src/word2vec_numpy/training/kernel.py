"""One resumable pass of SGD over a slice of the id stream: the loop every backend runs.

The slice is read in chunks of ``chunk_words`` ids; every chunk is subsampled with fresh
random draws, given fresh window radii, and cut into batches (``model/batching.py``); each
batch is one SGD step (``Word2Vec.train_batch``) at the learning rate the caller's schedule
gives for the words read so far.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from ..config import TrainConfig
from ..data.encode import ids_to_int64
from ..errors import Word2VecError
from ..model.batching import BatchMaker, batch_shape, make_chunk
from ..model.word2vec import Word2Vec


class TrainingDiverged(Word2VecError):
    """The loss became NaN or infinite: the weights blew up. The message names the settings
    in use, and the batch really used when ``--window`` made it larger than asked."""

    def __init__(self, lr: float, config: TrainConfig, batch_size: int | None = None) -> None:
        asked, window, neg = config.batch_size, config.window, config.neg
        used = batch_size if batch_size is not None else batch_shape(window, asked)[1]
        what = f"training diverged (loss is not finite at learning rate {lr:.4g})"
        if used > asked:
            why = (
                f": --window {window} makes every step take blocks of 2 x {window} centre "
                f"words, so each step sums the gradients of {used} centre words, each with "
                f"up to {2 * window} context words (--batch-size {asked} was raised to "
                f"{used}); lower --window or --lr"
            )
        elif neg > 50:
            why = (
                f": with --neg {neg} every pair adds the gradients of {neg} negative words "
                f"(--batch-size {asked}, --window {window}); lower --neg or --lr"
            )
        else:
            why = (
                f": the learning rate is too high for --batch-size {asked} (--window {window}, "
                f"--neg {neg}); lower --lr or --batch-size"
            )
        super().__init__(what + why)


def train_slice(
    model: Word2Vec,
    ids: np.ndarray,
    lo: int,
    hi: int,
    keep_prob: np.ndarray,
    maker: BatchMaker,
    rng: np.random.Generator,
    lr_for: Callable[[int], float],
    chunk_words: int,
) -> Iterator[tuple[float, int, int, int, int | None]]:
    """One pass of SGD over ``ids[lo:hi]``, chunk by chunk.

    ``lr_for(words)`` gives the learning rate once ``words`` corpus words of the slice have
    been read. Yields after every batch: (loss, pairs, words of the slice read so far, words
    kept by subsampling in this batch, and at the last batch of a chunk the position where
    the next chunk starts, else None). Stopping between chunks and calling again from that
    position with the same ``rng`` state gives exactly the same training.
    """
    words_read = 0
    for position in range(lo, hi, chunk_words):
        end = min(position + chunk_words, hi)
        raw = ids_to_int64(ids[position:end])
        chunk = make_chunk(raw, keep_prob, maker.window, rng, model.config.shrink_windows)
        chunk_total = words_read + int(np.count_nonzero(raw >= 0))
        # Batches are made one at a time (not listed first): the first step, and the first
        # progress report, come after one batch's draws, not the whole chunk's.
        last = maker.n_batches(len(chunk)) - 1
        kept_before, first_lr = 0, 0.0
        for k, (batch, read, kept) in enumerate(maker.batches(chunk, rng)):
            lr = lr_for(words_read + read)
            if k == 0:
                first_lr = lr
            loss, pairs = model.train_batch(batch, lr)
            if not math.isfinite(loss):  # named by the chunk's first (highest) rate
                raise TrainingDiverged(first_lr, model.config, maker.batch_size)
            if k < last:
                yield loss, pairs, words_read + read, kept - kept_before, None
            else:
                yield loss, pairs, chunk_total, kept - kept_before, end
            kept_before = kept
        if last < 0:
            yield 0.0, 0, chunk_total, 0, end
        elif not _weights_sane(model, chunk.ids[:256]):
            raise TrainingDiverged(first_lr, model.config, maker.batch_size)
        words_read = chunk_total


def _weights_sane(model: Word2Vec, ids: np.ndarray, limit: float = 1e4) -> bool:
    """Blown-up weights do not always show in the loss (scores are clipped to +-6): check
    the rows of some words just trained. Healthy vectors have norms around 1-10."""
    rows = model.W_in[ids]
    return bool(np.isfinite(rows).all() and np.abs(rows).max(initial=0.0) < limit)

"""One resumable pass of SGD over a stretch of the id stream: the loop every backend runs.

The stretch is read in chunks of ``chunk_words`` ids; every chunk is subsampled with fresh
random draws, given fresh window radii, and cut into batches (``model/batching.py``); each
batch is one SGD step (``Word2Vec.train_batch``) at the learning rate the caller's schedule
gives for the words read so far.

Training can stop after any batch. What is left is a ``Piece``: the chunk's start, the number
of its batches already trained and the random generator's state before the chunk was made.
Continuing makes the chunk again from that state (the same subsampling, radii and batches,
with the same negatives: the batches are drawn one by one, in order, and training draws
nothing), skips the trained batches and goes on, so a stopped and continued run does exactly
what an uninterrupted one does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..config import TrainConfig
from ..data.encode import ids_to_int64
from ..errors import Word2VecError
from ..model.batching import BatchMaker, batch_shape, make_chunk
from ..model.word2vec import Word2Vec
from .backend import Piece


class TrainingDiverged(Word2VecError):
    """The loss became NaN or infinite: the weights blew up. The message names the settings
    in use, and the batch really used when ``--window`` made it larger than asked."""

    def __init__(self, lr: float, config: TrainConfig, batch_size: int | None = None) -> None:
        asked, window, neg = config.batch_centres, config.window, config.neg
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


@dataclass
class Step:
    """What one batch did, and where the piece continues after it."""

    loss: float
    pairs: int
    words: int  # corpus words read since the start of the call, this batch included
    kept: int  # words trained by this batch (real centre rows)
    rest: Piece  # what is left of the piece


def train_piece(
    model: Word2Vec,
    ids: np.ndarray,
    piece: Piece,
    keep_prob: np.ndarray,
    maker: BatchMaker,
    rng_for: Callable[[int], np.random.Generator],
    lr_for: Callable[[int], float],
    chunk_words: int,
) -> Iterator[Step]:
    """SGD over ``piece``, one ``Step`` per batch (and one per chunk with no kept word).

    ``rng_for(lo)`` is the random generator of the chunk starting at ``lo`` (one generator
    for the whole run, or one per chunk); ``lr_for(words)`` the learning rate once ``words``
    more corpus words than before the call have been read. Stopping after any step and
    calling again with its ``rest`` (and, with one generator for the run, that generator's
    state then) trains exactly what an uninterrupted call would.
    """
    words = 0  # corpus words reported so far in this call
    lo, skip = piece.lo, piece.done
    while lo < piece.hi:
        end = min(lo + chunk_words, piece.hi)
        rng = rng_for(lo)
        if skip:
            rng.bit_generator.state = piece.rng  # make the started chunk again
        state = rng.bit_generator.state
        raw = ids_to_int64(ids[lo:end])
        chunk = make_chunk(raw, keep_prob, maker.window, rng, model.config.shrink_windows)
        chunk_total = int(np.count_nonzero(raw >= 0))
        n, n_batches = len(chunk), maker.n_batches(len(chunk))
        # base + (words of the chunk read) = words since the call started: the words of the
        # batches trained before a stop were reported then, not again now
        base = words
        first_lr = 0.0
        for j, (batch, read, _) in enumerate(maker.batches(chunk, rng)):
            if j < skip:  # trained before the stop: drawn again, for the generator's state
                base = words - read
                continue
            lr = lr_for(base + read)
            if not first_lr:
                first_lr = lr
            loss, pairs = model.train_batch(batch, lr)
            if not math.isfinite(loss):  # named by the chunk's first (highest) rate
                raise TrainingDiverged(first_lr, model.config, maker.batch_size)
            last = j == n_batches - 1
            step_words = base + (chunk_total if last else read)
            kept = int(np.minimum(maker.block, n - batch.starts).sum())
            rest = Piece(end, piece.hi) if last else Piece(lo, piece.hi, j + 1, state)
            words = step_words
            yield Step(loss, pairs, words, kept, rest)
        if n_batches == 0:
            words = base + chunk_total
            yield Step(0.0, 0, words, 0, Piece(end, piece.hi))
        elif not _weights_sane(model, chunk.ids[:256]):
            raise TrainingDiverged(first_lr, model.config, maker.batch_size)
        lo, skip = end, 0


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
    """``train_piece`` over ``ids[lo:hi]`` with one generator, as 5-tuples (kept for callers
    of the earlier interface): (loss, pairs, words of the slice read so far, words kept in
    this batch, and at the last batch of a chunk the position where the next chunk starts,
    else None)."""
    steps = train_piece(
        model, ids, Piece(lo, hi), keep_prob, maker, lambda _: rng, lr_for, chunk_words
    )
    for step in steps:
        at_boundary = step.rest.done == 0
        yield step.loss, step.pairs, step.words, step.kept, step.rest.lo if at_boundary else None


def _weights_sane(model: Word2Vec, ids: np.ndarray, limit: float = 1e4) -> bool:
    """Blown-up weights do not always show in the loss (scores are clipped to +-6): check
    the rows of some words just trained. Healthy vectors have norms around 1-10."""
    rows = model.W_in[ids]
    return bool(np.isfinite(rows).all() and np.abs(rows).max(initial=0.0) < limit)

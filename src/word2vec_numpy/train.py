"""The training loop: epochs over the id stream, the learning-rate schedule, loss bookkeeping.

Each epoch reads the corpus in chunks of ``chunk_words`` ids; every chunk is subsampled with
fresh random draws, given fresh window radii, and cut into batches (``batching.py``); each
batch is one SGD step (``Word2Vec.train_batch``). The learning rate falls linearly from
``lr`` to ``lr_min`` over all the words of all epochs (words counted before subsampling, as
the C tool and gensim count them), so it depends only on how far training has got.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator

import numpy as np

from .batching import BatchMaker, make_chunk
from .corpus import EncodedCorpus, ids_to_int64
from .errors import Word2VecError
from .model import Word2Vec
from .progress import Progress
from .vocab import NoiseSampler, Vocabulary

DEFAULT_LR = {"skipgram": 0.025, "cbow": 0.05}


class TrainingDiverged(Word2VecError):
    """The loss became NaN or infinite: the weights blew up."""

    def __init__(self, lr: float, batch_size: int) -> None:
        super().__init__(
            f"training diverged (loss is not finite at learning rate {lr:.4g}): the learning "
            f"rate is too high for --batch-size {batch_size}; lower --lr or --batch-size"
        )


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
) -> Iterator[tuple[float, int, int, int, bool]]:
    """One pass of SGD over ``ids[lo:hi]``, chunk by chunk.

    ``lr_for(words)`` gives the learning rate once ``words`` corpus words of the slice have
    been read. Yields after every batch: (loss, pairs, words of the slice read so far, words
    kept by subsampling in this batch, whether the batch ended a chunk).
    """
    words_read = 0
    for position in range(lo, hi, chunk_words):
        raw = ids_to_int64(ids[position : min(position + chunk_words, hi)])
        chunk = make_chunk(raw, keep_prob, maker.window, rng)
        kept_before = 0
        batches = list(maker.batches(chunk, rng)) if len(chunk) else []
        for k, (batch, read, kept) in enumerate(batches):
            lr = lr_for(words_read + read)
            loss, pairs = model.train_batch(batch, lr)
            if not math.isfinite(loss):
                raise TrainingDiverged(lr, maker.batch_size)
            last = k == len(batches) - 1
            yield loss, pairs, words_read + read, kept - kept_before, last
            kept_before = kept
        words_read += int(np.count_nonzero(raw >= 0))
        if not batches:
            yield 0.0, 0, words_read, 0, True


class Trainer:
    """Trains a ``Word2Vec`` on an id stream.

    ``corpus`` is an ``EncodedCorpus`` (a memory-mapped id file) or an array of ids from
    ``Vocabulary.encode`` (-1 between sentences). ``lr`` defaults to 0.025 for skip-gram and
    0.05 for CBOW (the C tool's and gensim's defaults). ``workers`` > 1 trains in that many
    processes on shared matrices (see ``parallel.py``); ``workers=1`` is reproducible bit for
    bit for a given ``seed``.
    """

    def __init__(
        self,
        model: Word2Vec,
        vocab: Vocabulary,
        corpus: EncodedCorpus | np.ndarray,
        n_epochs: int = 5,
        lr: float | None = None,
        lr_min: float = 1e-4,
        window: int = 5,
        sample: float = 1e-3,
        batch_size: int = 256,
        workers: int = 1,
        seed: int = 0,
        log_every: int = 100,
        quiet: bool = False,
        chunk_words: int = 1 << 16,
        progress_stream=None,
    ) -> None:
        if n_epochs < 1 or window < 1 or batch_size < 1 or workers < 1:
            raise ValueError("n_epochs, window, batch_size and workers must be >= 1")
        self.model = model
        self.vocab = vocab
        self.corpus = corpus
        self.ids = corpus.ids if isinstance(corpus, EncodedCorpus) else np.asarray(corpus)
        self.n_words = (
            int(np.count_nonzero(ids_to_int64(self.ids) >= 0))
            if not isinstance(corpus, EncodedCorpus)
            else corpus.n_words
        )
        self.n_epochs = int(n_epochs)
        self.lr = float(lr if lr is not None else DEFAULT_LR[model.model])
        self.lr_min = float(lr_min)
        self.window = int(window)
        self.sample = float(sample)
        self.batch_size = int(batch_size)
        self.workers = int(workers)
        self.seed = int(seed)
        self.log_every = int(log_every)
        self.quiet = quiet
        self.chunk_words = int(chunk_words)
        self.progress_stream = progress_stream
        self.total_words = self.n_epochs * self.n_words
        self.keep_prob = vocab.keep_probabilities(self.sample)
        self.sampler = NoiseSampler(vocab.noise_distribution())
        self.loss_history: list[float] = []  # mean loss per pair, every log_every batches
        self.history_epochs: list[int] = []  # the epoch of each loss_history point
        self.epoch_losses: list[float] = []  # mean loss per pair of each epoch
        self.words_done = 0  # corpus words read, summed over epochs (drives the lr)
        self.pairs_done = 0  # training examples (skip-gram pairs / CBOW centres)
        self.words_trained = 0  # words left after subsampling, summed over epochs
        self.epoch = 0
        self.seconds = 0.0
        self.rng = np.random.default_rng(self.seed)

    def batch_maker(self) -> BatchMaker:
        return BatchMaker(
            window=self.window,
            n_negatives=self.model.n_negatives,
            sampler=self.sampler,
            model=self.model.model,
            batch_size=self.batch_size,
        )

    def lr_at(self, words_done: int) -> float:
        """lr_t = lr - (lr - lr_min) * words_done / total_words: linear decay to the floor."""
        frac = min(words_done / max(self.total_words, 1), 1.0)
        return self.lr - (self.lr - self.lr_min) * frac

    def hyperparameters(self) -> dict:
        return {
            "model": self.model.model,
            "dim": self.model.embed_dim,
            "neg": self.model.n_negatives,
            "window": self.window,
            "min_count": self.vocab.min_count,
            "sample": self.sample,
            "epochs": self.n_epochs,
            "lr": self.lr,
            "lr_min": self.lr_min,
            "batch_size": self.batch_size,
            "workers": self.workers,
            "seed": self.seed,
        }

    # -- training ---------------------------------------------------------------------------
    def train(self, on_chunk: Callable[[Trainer], None] | None = None) -> list[float]:
        """Train for the remaining epochs; returns ``loss_history``."""
        start = time.perf_counter()
        if self.workers > 1:
            from .parallel import train_parallel

            train_parallel(self)
        else:
            self._train_single(on_chunk)
        self.seconds += time.perf_counter() - start
        self.model.loss_history = list(self.loss_history)
        self.model.epoch_losses = list(self.epoch_losses)
        self.model.history_epochs = list(self.history_epochs)
        self.model.training_state = self.state()
        return self.loss_history

    def _train_single(self, on_chunk: Callable[[Trainer], None] | None) -> None:
        maker = self.batch_maker()
        progress = Progress(self.total_words, self.n_epochs, self.quiet, self.progress_stream)
        progress.begin(self.words_done)
        log_loss, log_pairs, log_batches = 0.0, 0, 0
        while self.epoch < self.n_epochs:
            epoch_start = self.epoch * self.n_words
            epoch_loss, epoch_pairs = 0.0, 0
            steps = train_slice(
                self.model,
                self.ids,
                0,
                len(self.ids),
                self.keep_prob,
                maker,
                self.rng,
                lambda read, start=epoch_start: self.lr_at(start + read),
                self.chunk_words,
            )
            for loss, pairs, words_read, kept, chunk_end in steps:
                epoch_loss += loss
                epoch_pairs += pairs
                log_loss += loss
                log_pairs += pairs
                log_batches += 1
                if log_batches == self.log_every:
                    self._log(log_loss, log_pairs)
                    log_loss, log_pairs, log_batches = 0.0, 0, 0
                self.words_done = epoch_start + words_read
                self.words_trained += kept
                if chunk_end:
                    progress.update(self.words_done, self.epoch, epoch_loss / max(epoch_pairs, 1))
                    if on_chunk is not None:
                        on_chunk(self)
            self.pairs_done += epoch_pairs
            self.epoch_losses.append(epoch_loss / max(epoch_pairs, 1))
            self.epoch += 1
            self.words_done = epoch_start + self.n_words
            progress.update(self.words_done, self.epoch - 1, self.epoch_losses[-1], force=True)
        if log_batches:
            self._log(log_loss, log_pairs)
        progress.close()

    def _log(self, loss: float, pairs: int) -> None:
        self.loss_history.append(loss / max(pairs, 1))
        self.history_epochs.append(self.epoch)

    def state(self) -> dict:
        """What is needed to continue: epoch, words done, the RNG state."""
        return {
            "epoch": self.epoch,
            "words_done": self.words_done,
            "pairs_done": self.pairs_done,
            "rng": json.loads(json.dumps(self.rng.bit_generator.state, default=int)),
            "hyperparameters": self.hyperparameters(),
        }

    def metrics(self, corpus_tokens: int | None = None) -> dict:
        """The numbers written to ``<out>.metrics.json``."""
        return {
            "corpus_tokens": int(corpus_tokens if corpus_tokens is not None else self.n_words),
            "corpus_words_in_vocab": self.n_words,
            "vocab_size": len(self.vocab),
            "words_read": self.words_done,
            "words_trained": self.words_trained,
            "training_examples": self.pairs_done,
            "seconds": round(self.seconds, 3),
            "words_per_second": round(self.words_done / max(self.seconds, 1e-9), 1),
            "epoch_losses": self.epoch_losses,
            "final_loss": self.epoch_losses[-1] if self.epoch_losses else None,
            "hyperparameters": self.hyperparameters(),
            "numpy_version": np.__version__,
            "cpu_count": os.cpu_count(),
        }

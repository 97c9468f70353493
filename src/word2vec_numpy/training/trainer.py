"""The training loop: epochs over the id stream, the learning-rate schedule, loss bookkeeping.

Each epoch reads the corpus in chunks of ``chunk_words`` ids; every chunk is subsampled with
fresh random draws, given fresh window radii, and cut into batches (``batching.py``); each
batch is one SGD step (``Word2Vec.train_batch``). The learning rate falls linearly from
``lr`` to ``lr_min`` over all the words of all epochs (words counted before subsampling, as
the C tool and gensim count them), so it depends only on how far training has got.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator

import numpy as np

from ..data.encode import EncodedCorpus, ids_to_int64
from ..data.vocab import Vocabulary
from ..errors import Word2VecError
from ..model.batching import BatchMaker, make_chunk
from ..model.negative_sampling import NoiseSampler
from ..model.word2vec import Word2Vec
from ..progress import Progress

DEFAULT_LR = {"skipgram": 0.025, "cbow": 0.05}
# hyperparameters that a resumed run must share with its checkpoint
RESUME_KEYS = (
    "model",
    "dim",
    "neg",
    "window",
    "sample",
    "epochs",
    "lr",
    "lr_min",
    "batch_size",
    "seed",
)


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
        chunk = make_chunk(raw, keep_prob, maker.window, rng)
        chunk_total = words_read + int(np.count_nonzero(raw >= 0))
        batches = list(maker.batches(chunk, rng))
        kept_before = 0
        for k, (batch, read, kept) in enumerate(batches):
            lr = lr_for(words_read + read)
            loss, pairs = model.train_batch(batch, lr)
            if not math.isfinite(loss):
                raise TrainingDiverged(lr, maker.batch_size)
            if k < len(batches) - 1:
                yield loss, pairs, words_read + read, kept - kept_before, None
            else:
                yield loss, pairs, chunk_total, kept - kept_before, end
            kept_before = kept
        if not batches:
            yield 0.0, 0, chunk_total, 0, end
        elif not _weights_sane(model, chunk.ids[:256]):
            raise TrainingDiverged(lr_for(chunk_total), maker.batch_size)
        words_read = chunk_total


def _weights_sane(model: Word2Vec, ids: np.ndarray, limit: float = 1e4) -> bool:
    """Blown-up weights do not always show in the loss (scores are clipped to +-6): check
    the rows of some words just trained. Healthy vectors have norms around 1-10."""
    rows = model.W_in[ids]
    return bool(np.isfinite(rows).all() and np.abs(rows).max(initial=0.0) < limit)


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
        shared_negatives: int | None = None,
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
        self.shared_negatives = shared_negatives
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
        self.position = 0  # where the next chunk of the current epoch starts (single worker)
        self.epoch_words = 0  # corpus words read in the current epoch
        self.accumulators = [0.0, 0, 0.0, 0, 0]  # epoch loss/pairs, log loss/pairs/batches
        self.worker_positions: list[int] = []  # per worker, when stopped with several
        self.stop_requested = False
        self.seconds = 0.0
        self.rng = np.random.default_rng(self.seed)

    def batch_maker(self) -> BatchMaker:
        return BatchMaker(
            window=self.window,
            n_negatives=self.model.n_negatives,
            sampler=self.sampler,
            model=self.model.model,
            batch_size=self.batch_size,
            n_shared=self.shared_negatives,
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
        if self.workers > 1 and self.n_words > 0:
            from .hogwild import train_parallel

            train_parallel(self, on_chunk)
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
        acc = self.accumulators  # epoch loss, epoch pairs, log loss, log pairs, log batches
        while self.epoch < self.n_epochs:
            base = self.epoch * self.n_words + self.epoch_words  # words before this call
            steps = train_slice(
                self.model,
                self.ids,
                self.position,
                len(self.ids),
                self.keep_prob,
                maker,
                self.rng,
                lambda read, base=base: self.lr_at(base + read),
                self.chunk_words,
            )
            for loss, pairs, words_read, kept, next_position in steps:
                acc[0] += loss
                acc[1] += pairs
                acc[2] += loss
                acc[3] += pairs
                acc[4] += 1
                if acc[4] == self.log_every:
                    self._log(acc[2], acc[3])
                    acc[2:] = [0.0, 0, 0]
                self.words_done = base + words_read
                self.words_trained += kept
                if next_position is not None:  # a chunk ended: a consistent state
                    self.position = next_position
                    self.epoch_words = self.words_done - self.epoch * self.n_words
                    progress.update(self.words_done, self.epoch, acc[0] / max(acc[1], 1))
                    if on_chunk is not None:
                        on_chunk(self)
                    if self.stop_requested:
                        progress.close()
                        return
            if acc[4]:  # the epoch's last, partial, loss point
                self._log(acc[2], acc[3])
                acc[2:] = [0.0, 0, 0]
            self.pairs_done += int(acc[1])
            self.epoch_losses.append(acc[0] / max(acc[1], 1))
            acc[:2] = [0.0, 0]
            self.epoch += 1
            self.position = 0
            self.epoch_words = 0
            self.words_done = self.epoch * self.n_words
            progress.update(self.words_done, self.epoch - 1, self.epoch_losses[-1], force=True)
        progress.close()

    def request_stop(self) -> None:
        """Ask training to stop at the next chunk boundary (safe from a signal handler)."""
        self.stop_requested = True

    @property
    def finished(self) -> bool:
        return self.epoch >= self.n_epochs

    def _log(self, loss: float, pairs: int) -> None:
        self.loss_history.append(loss / max(pairs, 1))
        self.history_epochs.append(self.epoch)

    def fingerprint(self) -> dict:
        """Identifies the corpus and vocabulary, so a checkpoint is not resumed on another."""
        digest = hashlib.sha256("\n".join(self.vocab.words).encode("utf-8"))
        digest.update(np.asarray(self.vocab.counts, dtype=np.int64).tobytes())
        return {"n_words": self.n_words, "n_ids": len(self.ids), "vocab": digest.hexdigest()}

    def state(self) -> dict:
        """Everything needed to continue exactly where training stopped (JSON-able)."""
        return {
            "epoch": self.epoch,
            "position": self.position,
            "epoch_words": self.epoch_words,
            "words_done": self.words_done,
            "pairs_done": self.pairs_done,
            "words_trained": self.words_trained,
            "seconds": self.seconds,
            "accumulators": list(self.accumulators),
            "worker_positions": list(self.worker_positions),
            "loss_history": list(self.loss_history),
            "history_epochs": list(self.history_epochs),
            "epoch_losses": list(self.epoch_losses),
            "rng": json.loads(json.dumps(self.rng.bit_generator.state, default=int)),
            "hyperparameters": self.hyperparameters(),
            "corpus": self.fingerprint(),
        }

    def restore(self, state: dict) -> None:
        """Continue from ``state()`` of an earlier run on the same corpus and settings."""
        if state.get("corpus") != self.fingerprint():
            raise Word2VecError(
                "the checkpoint was made on a different corpus or vocabulary "
                "(use the same --corpus, --max-tokens and --min-count)"
            )
        theirs, ours = state.get("hyperparameters", {}), self.hyperparameters()
        for key in RESUME_KEYS:
            if theirs.get(key) != ours.get(key):
                raise Word2VecError(
                    f"the checkpoint was made with {key}={theirs.get(key)}, not {ours.get(key)}"
                )
        for key in (
            "epoch",
            "position",
            "epoch_words",
            "words_done",
            "pairs_done",
            "words_trained",
            "seconds",
        ):
            setattr(self, key, type(getattr(self, key))(state[key]))
        self.accumulators = list(state["accumulators"])
        self.worker_positions = [int(p) for p in state.get("worker_positions", [])]
        self.loss_history = [float(x) for x in state["loss_history"]]
        self.history_epochs = [int(x) for x in state["history_epochs"]]
        self.epoch_losses = [float(x) for x in state["epoch_losses"]]
        self.rng.bit_generator.state = state["rng"]

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

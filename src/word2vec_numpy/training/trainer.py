"""The trainer: epochs over the id stream and all the bookkeeping of a run.

A backend (``local.py``: this process; ``hogwild.py``: worker processes) runs the slices of
an epoch and reports as it goes; the trainer turns the reports into the learning-rate
position (``schedule.py``: linear in the global count of words read), the loss history, the
epoch losses, the progress display, checkpoints and callbacks, and keeps the state from
which a stopped run continues exactly where it stopped: after any batch with one process,
with any number of workers (``backend.Piece``: what is left of the epoch).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import numpy as np

from ..data.encode import EncodedCorpus, IdFile, ids_to_int64
from ..data.vocab import Vocabulary
from ..errors import Word2VecError
from ..model.word2vec import Word2Vec
from ..progress import Progress
from .backend import Backend, EpochRun, Piece, TrainJob, remaining
from .hogwild import HogwildBackend
from .local import LocalBackend
from .schedule import LinearSchedule

Hook = Callable[["Trainer"], None]


class Trainer:
    """Trains a ``Word2Vec`` on an id stream.

    The backend defaults to one process for ``workers=1`` (reproducible bit for bit for a given
    seed) and to Hogwild worker processes otherwise.

    Parameters
    ----------
    model : Word2Vec
        The model to train (in place).
    vocab : Vocabulary, optional
        The vocabulary of the ids (subsampling, the checkpoint fingerprint); by default
        ``model.vocab``.
    corpus : EncodedCorpus or numpy.ndarray
        An ``EncodedCorpus`` (a memory-mapped id file) or an array of ids from
        ``Vocabulary.encode`` (-1 between sentences). Required.
    backend : Backend, optional
        Who runs the epochs; by default ``LocalBackend`` or, with ``workers > 1``,
        ``HogwildBackend``.
    quiet : bool, default False
        Show no progress display.
    progress_stream : TextIO, optional
        Where the progress display is written.
    checkpoint : callable, optional
        ``checkpoint(trainer)`` is called every ``checkpoint_every`` corpus words (after the
        batch that passes the mark; at epoch ends with several workers) and after every epoch
        with ``checkpoint_every_epoch``.
    checkpoint_every : int, optional
        Corpus words between checkpoints.
    checkpoint_every_epoch : bool, default False
        Also checkpoint after every epoch.
    callbacks : sequence, default ()
        Objects with any of gensim's ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``,
        ``on_train_end`` methods, each called with the trainer.
    **options
        Training options (``epochs``, ``lr``, ``window``, ``workers``, ...; see
        ``TrainConfig``), which update the model's config.

    Raises
    ------
    TypeError
        If no ``corpus`` is given, or an option is unknown.
    Word2VecError
        If the corpus lives on a cluster and no backend is given, an option has a bad value
        (``ConfigError``), ``options`` change an option fixed when the model was made
        (``Word2Vec.set_config``), ``vocab`` is not the model's vocabulary, or an array of
        ids holds one outside the vocabulary (or is not of integers).
    """

    def __init__(
        self,
        model: Word2Vec,
        vocab: Vocabulary | None = None,
        corpus: EncodedCorpus | np.ndarray | None = None,
        *,
        backend: Backend | None = None,
        quiet: bool = False,
        progress_stream: TextIO | None = None,
        checkpoint: Hook | None = None,
        checkpoint_every: int | None = None,
        checkpoint_every_epoch: bool = False,
        callbacks: Sequence[Any] = (),
        **options: Any,
    ) -> None:
        if corpus is None:
            raise TypeError("Trainer needs a corpus (an EncodedCorpus or an array of ids)")
        if backend is None and getattr(corpus, "needs_cluster", False):
            raise Word2VecError("this corpus lives on a cluster: Trainer(..., backend=DaskBackend)")
        if options:
            model.set_config(model.config.replace(**options))
        self.model = model
        self.vocab = vocab if vocab is not None else model.vocab
        if self.vocab is not model.vocab and list(self.vocab.words) != list(model.vocab.words):
            raise Word2VecError(
                f"the vocabulary given ({len(self.vocab):,} words) is not the model's "
                f"({len(model.vocab):,} words): encode the corpus with model.vocab"
            )
        self.config = model.config
        self.corpus = corpus
        self.ids: IdFile | np.ndarray
        if isinstance(corpus, EncodedCorpus):
            self.ids, self.n_words = corpus.ids, corpus.n_words
        else:
            self.ids, self.n_words = _checked_ids(corpus, len(model.vocab))
        self.backend = backend or (
            HogwildBackend(self.config.workers) if self.config.workers > 1 else LocalBackend()
        )
        self.quiet = quiet
        self.progress_stream = progress_stream
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.checkpoint_every_epoch = checkpoint_every_epoch
        self.callbacks = list(callbacks)
        self.total_words = self.config.epochs * self.n_words
        self.schedule = LinearSchedule(self.config.start_lr, self.config.lr_min, self.total_words)
        self.keep_prob = self.vocab.keep_probabilities(self.config.sample)
        self.loss_history: list[float] = []  # mean loss per pair, every log_every batches
        self.history_epochs: list[int] = []  # the epoch of each loss_history point
        self.epoch_losses: list[float] = []  # mean loss per pair of each epoch
        self.words_done = 0  # corpus words read, summed over epochs (drives the lr)
        self.pairs_done = 0  # training examples (skip-gram pairs / CBOW centres)
        self.words_trained = 0  # words left after subsampling, summed over epochs
        self.epoch = 0
        self.todo: list[Piece] | None = None  # what is left of the epoch (None: not begun)
        self.epoch_words = 0  # corpus words read in the current epoch
        self.epoch_kept = 0  # words trained in the current epoch
        self.words_per_epoch: list[int] = []  # corpus words read in each finished epoch
        self.kept_per_epoch: list[int] = []  # words trained in each finished epoch
        self.accumulators = [0.0, 0, 0.0, 0, 0]  # epoch loss/pairs, log loss/pairs/batches
        self.stop_requested = False
        self.seconds = 0.0  # training time of the finished train() calls
        self._started: float | None = None  # when the running call started
        self.rng = np.random.default_rng(self.config.seed)
        self._last_checkpoint = 0
        self._progress: Progress | None = None

    # -- compatibility: the options by their old names ----------------------------------------
    @property
    def n_epochs(self) -> int:
        """The number of epochs (``config.epochs``)."""
        return self.config.epochs

    @property
    def lr(self) -> float:
        """The starting learning rate."""
        return self.schedule.lr

    @property
    def lr_min(self) -> float:
        """The final learning rate (``config.lr_min``)."""
        return self.schedule.lr_min

    @property
    def workers(self) -> int:
        """The number of worker processes (``config.workers``)."""
        return self.config.workers

    @property
    def batch_size(self) -> int:
        """The centre words per step (``config.batch_centres``)."""
        return self.config.batch_centres

    def lr_at(self, words_done: int) -> float:
        """The learning rate after ``words_done`` corpus words (``schedule.py``).

        Parameters
        ----------
        words_done : int
            Corpus words read, summed over epochs.

        Returns
        -------
        float
            The learning rate, decayed linearly from ``lr`` to ``lr_min``.
        """
        return self.schedule(words_done)

    def hyperparameters(self) -> dict:
        """The options of the run, as reported in metrics and checkpoints.

        Returns
        -------
        dict
            ``config.in_use()`` (the starting ``lr`` and the batch size in use) with the
            vocabulary's ``min_count``.
        """
        return dict(self.config.in_use(), min_count=self.vocab.min_count)

    # -- training ---------------------------------------------------------------------------
    def train(self, on_chunk: Hook | None = None) -> list[float]:
        """Train for the remaining epochs.

        Parameters
        ----------
        on_chunk : callable, optional
            ``on_chunk(trainer)`` is called wherever training could stop and resume (after every
            batch with one process, at epoch ends with several workers).

        Returns
        -------
        list of float
            ``loss_history``: the mean loss per pair, every ``log_every`` batches.

        Raises
        ------
        BackendFailed
            If the backend lost part of its work; raised after the state was brought up to date,
            so ``state()`` can be checkpointed.
        """
        start = self._started = time.perf_counter()
        self._on_chunk = on_chunk
        self._last_checkpoint = self.words_done
        job = TrainJob(
            self.model,
            self.corpus,
            self.ids,
            self.n_words,
            self.config,
            self.keep_prob,
            self.schedule,
        )
        self._progress = Progress(
            self.total_words, self.config.epochs, self.quiet, self.progress_stream
        )
        self._progress.begin(self.words_done)
        self._callback("on_train_begin")
        # an empty corpus needs no worker processes: its epochs end at once
        backend = self.backend if self.n_words > 0 else LocalBackend()
        opened = False
        try:
            backend.open(job)
            opened = True
            while self.epoch < self.config.epochs and not self.stop_requested:
                if self.todo is None:
                    self._callback("on_epoch_begin")
                    self.todo = [Piece(0, len(self.ids))]
                run = EpochRun(
                    epoch=self.epoch,
                    words_before=self.words_done,
                    positions=self._legacy_positions(backend),
                    rng=self.rng,
                    report=self._report,
                    should_stop=lambda: self.stop_requested,
                    todo=list(self.todo),
                )
                if not backend.run_epoch(job, run) and self.todo:
                    break
                self._end_epoch()
        finally:
            if opened:
                backend.close(job)
            self._progress.close()
            self.seconds += time.perf_counter() - start
            self._started = None
            self.model.vectors_changed()
            # also when a backend failed: its last report left a state to checkpoint
            self.model.loss_history = list(self.loss_history)
            self.model.epoch_losses = list(self.epoch_losses)
            self.model.history_epochs = list(self.history_epochs)
            self.model.training_state = self.state()
        if self.finished:
            self._callback("on_train_end")
        return self.loss_history

    def _report(
        self,
        loss: float,
        pairs: int,
        batches: int,
        words: int,
        kept: int,
        todo: list[Piece] | None = None,
        positions: list[int] | None = None,
    ) -> None:
        """What a backend reports (``backend.EpochRun``)."""
        if positions is not None and todo is None:  # a backend of the earlier interface
            bounds = self.backend.slice_bounds(len(self.ids))
            todo = remaining([Piece(p, hi) for p, hi in zip(positions, bounds[1:], strict=True)])
        acc = self.accumulators  # epoch loss, epoch pairs, log loss, log pairs, log batches
        acc[0] += loss
        acc[1] += pairs
        acc[2] += loss
        acc[3] += pairs
        acc[4] += batches
        if acc[4] >= self.config.log_every:
            self._log(acc[2], acc[3])
            acc[2:] = [0.0, 0, 0]
        self.epoch_words += words - self.words_done
        self.words_done = words
        self.words_trained += kept
        self.epoch_kept += kept
        assert self._progress is not None
        if todo is None:
            self._progress.update(self.words_done, self.epoch, acc[0] / max(acc[1], 1))
            return
        # a consistent state to stop, checkpoint or resume at
        self.todo = list(todo)
        self._progress.update(self.words_done, self.epoch, acc[0] / max(acc[1], 1))
        if self._on_chunk is not None:
            self._on_chunk(self)
        every = self.checkpoint_every
        if self.checkpoint and every and self.words_done - self._last_checkpoint >= every:
            self._write_checkpoint()

    def _end_epoch(self) -> None:
        acc = self.accumulators
        if acc[4]:  # the epoch's last, partial, loss point
            self._log(acc[2], acc[3])
            acc[2:] = [0.0, 0, 0]
        self.pairs_done += int(acc[1])
        self.epoch_losses.append(acc[0] / max(acc[1], 1))
        acc[:2] = [0.0, 0]
        self.epoch += 1
        self.todo = None
        self.words_per_epoch.append(self.epoch_words)
        self.kept_per_epoch.append(self.epoch_kept)
        self.epoch_words = self.epoch_kept = 0
        assert self._progress is not None
        self._progress.update(self.words_done, self.epoch - 1, self.epoch_losses[-1], force=True)
        self._callback("on_epoch_end")
        if self.checkpoint and (
            self.checkpoint_every_epoch
            or (
                self.checkpoint_every
                and self.words_done - self._last_checkpoint >= self.checkpoint_every
            )
        ):
            self._write_checkpoint()

    def _write_checkpoint(self) -> None:
        assert self.checkpoint is not None
        self.checkpoint(self)
        self._last_checkpoint = self.words_done

    def _callback(self, name: str) -> None:
        if self.callbacks:
            self.model.vectors_changed()  # a callback may query model.wv: no stale unit vectors
        for callback in self.callbacks:
            method = getattr(callback, name, None)
            if method is not None:
                method(self)

    def _legacy_positions(self, backend: Backend) -> list[int]:
        """``EpochRun.positions`` for a backend of the earlier interface: where each of its
        equal slices resumes ([] from their starts). What is left must fit that layout."""
        if backend.uses_todo or self.todo == [Piece(0, len(self.ids))]:
            return []
        bounds = backend.slice_bounds(len(self.ids))
        positions = list(bounds[1:])  # a slice not in ``todo`` is finished
        for piece in self.todo or []:
            k = next((k for k, hi in enumerate(bounds[1:]) if hi == piece.hi), None)
            if piece.done or k is None or not bounds[k] <= piece.lo:
                raise Word2VecError(
                    f"this checkpoint's epoch cannot be continued by {type(backend).__name__} "
                    f"with {backend.n_slices} slices: resume with the checkpoint's --workers"
                )
            positions[k] = piece.lo
        return positions

    def request_stop(self) -> None:
        """Ask training to stop after the current batch (safe from a signal handler)."""
        self.stop_requested = True

    @property
    def finished(self) -> bool:
        """Whether every epoch has been trained."""
        return self.epoch >= self.config.epochs

    def _log(self, loss: float, pairs: float) -> None:
        self.loss_history.append(loss / max(pairs, 1))
        self.history_epochs.append(self.epoch)

    # -- state: stop and resume ------------------------------------------------------------------
    def fingerprint(self) -> dict:
        """Identify the corpus and vocabulary, so a checkpoint is not resumed on another.

        Returns
        -------
        dict
            The corpus's word and id counts and a SHA-256 digest of the vocabulary's words and
            counts.
        """
        digest = hashlib.sha256("\n".join(self.vocab.words).encode("utf-8"))
        digest.update(np.asarray(self.vocab.counts, dtype=np.int64).tobytes())
        return {"n_words": self.n_words, "n_ids": len(self.ids), "vocab": digest.hexdigest()}

    def state(self) -> dict:
        """Everything needed to continue exactly where training stopped.

        Returns
        -------
        dict
            A JSON-able state for :meth:`restore`.
        """
        return {
            "epoch": self.epoch,
            "todo": None if self.todo is None else [p.to_json() for p in self.todo],
            "epoch_words": self.epoch_words,
            "epoch_kept": self.epoch_kept,
            "words_per_epoch": list(self.words_per_epoch),
            "kept_per_epoch": list(self.kept_per_epoch),
            "words_done": self.words_done,
            "pairs_done": self.pairs_done,
            "words_trained": self.words_trained,
            # a checkpoint taken during training counts the running call's time too
            "seconds": self.seconds
            + (time.perf_counter() - self._started if self._started is not None else 0.0),
            "accumulators": list(self.accumulators),
            "loss_history": list(self.loss_history),
            "history_epochs": list(self.history_epochs),
            "epoch_losses": list(self.epoch_losses),
            "rng": json.loads(json.dumps(self.rng.bit_generator.state, default=int)),
            "hyperparameters": self.hyperparameters(),
            "config": self.config.to_dict(),
            "corpus": self.fingerprint(),
        }

    def restore(self, state: dict) -> None:
        """Continue from ``state()`` of an earlier run on the same corpus and settings.

        Parameters
        ----------
        state : dict
            The state saved by :meth:`state`.

        Raises
        ------
        Word2VecError
            If the state was made on a different corpus or vocabulary, by an older version, or
            with an option a resumed run must share set differently.
        """
        if state.get("corpus") != self.fingerprint():
            raise Word2VecError(
                "the checkpoint was made on a different corpus or vocabulary "
                "(use the same --corpus, --max-tokens and --min-count)"
            )
        if "config" not in state:
            raise Word2VecError("the checkpoint was written by an older version: start again")
        saved = type(self.config).from_dict(state["config"])
        mismatch = self.config.resume_mismatch(saved)
        if mismatch:
            raise Word2VecError(f"the checkpoint was made with {mismatch}")
        try:
            self._restore_counts(state)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            what = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            raise Word2VecError(f"the checkpoint's training state is damaged: {what}") from None

    def _restore_counts(self, state: dict) -> None:
        """The counters, the rest of the epoch and the generator of ``state``; a value of the
        wrong type, or one that cannot come from this run (an epoch past the last, a piece
        outside the corpus), raises (``ValueError`` and the like)."""
        for key in ("epoch", "epoch_words", "words_done", "pairs_done", "words_trained", "seconds"):
            value = type(getattr(self, key))(state[key])
            if value < 0:
                raise ValueError(f"{key} is {value}")
            setattr(self, key, value)
        if self.epoch > self.config.epochs:
            raise ValueError(f"epoch {self.epoch} of a run of {self.config.epochs}")
        self.todo = _saved_todo(state, len(self.ids))
        for piece in self.todo or []:
            if not 0 <= piece.lo <= piece.hi <= len(self.ids):
                raise ValueError(f"ids {piece.lo}..{piece.hi} of a corpus of {len(self.ids):,}")
            # ``done`` counts the batches of a started chunk: fewer than its ids
            if not 0 <= piece.done <= piece.hi - piece.lo:
                raise ValueError(f"{piece.done} batches done of ids {piece.lo}..{piece.hi}")
            if piece.done and not isinstance(piece.rng, dict):  # a started chunk is made again
                raise ValueError("a started piece without its random generator's state")
        self.epoch_kept = int(state.get("epoch_kept", 0))
        self.words_per_epoch = [int(x) for x in state.get("words_per_epoch", [])]
        self.kept_per_epoch = [int(x) for x in state.get("kept_per_epoch", [])]
        accumulators = state["accumulators"]
        if len(accumulators) != len(self.accumulators):
            raise ValueError(f"{len(accumulators)} accumulators, not {len(self.accumulators)}")
        self.accumulators = [
            type(a)(x) for a, x in zip(self.accumulators, accumulators, strict=True)
        ]
        self.loss_history = [float(x) for x in state["loss_history"]]
        self.history_epochs = [int(x) for x in state["history_epochs"]]
        self.epoch_losses = [float(x) for x in state["epoch_losses"]]
        if not isinstance(state["rng"], dict):
            raise TypeError("the random generator's state is not a mapping")
        self.rng.bit_generator.state = state["rng"]

    def metrics(self, corpus_tokens: int | None = None) -> dict:
        """The numbers written to ``<out>.metrics.json``.

        Parameters
        ----------
        corpus_tokens : int, optional
            The corpus's tokens before the vocabulary dropped any; by default the words in the
            vocabulary.

        Returns
        -------
        dict
            Counts of words and examples, timings, the epoch losses, the hyperparameters and the
            NumPy version and CPU count.
        """
        return {
            "corpus_tokens": int(corpus_tokens if corpus_tokens is not None else self.n_words),
            "corpus_words_in_vocab": self.n_words,
            "vocab_size": len(self.vocab),
            "words_read": self.words_done,
            "words_trained": self.words_trained,
            "words_read_per_epoch": list(self.words_per_epoch),
            "words_trained_per_epoch": list(self.kept_per_epoch),
            "training_examples": self.pairs_done,
            "seconds": round(self.seconds, 3),
            "words_per_second": round(self.words_done / max(self.seconds, 1e-9), 1),
            "epoch_losses": self.epoch_losses,
            "final_loss": self.epoch_losses[-1] if self.epoch_losses else None,
            "hyperparameters": self.hyperparameters(),
            "numpy_version": np.__version__,
            "cpu_count": os.cpu_count(),
        }


def _saved_todo(state: dict, n_ids: int) -> list[Piece] | None:
    """What is left of the epoch in a saved ``state``; checkpoints of earlier versions hold
    ``positions`` instead: where each of their equal slices resumed, at chunk boundaries."""
    if "todo" in state:
        todo = state["todo"]
        return None if todo is None else [Piece.from_json(p) for p in todo]
    positions = [int(p) for p in state.get("positions", [])]
    if not positions:
        return None if int(state.get("epoch_words", 0)) == 0 else [Piece(0, n_ids)]
    bounds = np.linspace(0, n_ids, len(positions) + 1).astype(np.int64)
    return remaining([Piece(p, int(hi)) for p, hi in zip(positions, bounds[1:], strict=True)])


def _checked_ids(corpus: Any, vocab_size: int) -> tuple[np.ndarray, int]:
    """An array of word ids as ``Vocabulary.encode`` makes them (-1 between sentences) and
    its number of words, or a one-line error: ids that are not integers, or outside the
    vocabulary, would train other words (a negative id picks a row from the end) or fail
    deep inside a worker."""
    ids = np.asarray(corpus)
    if ids.dtype == object or not np.issubdtype(ids.dtype, np.integer):
        raise Word2VecError(
            f"the corpus must be an array of integer word ids (Vocabulary.encode), not "
            f"{ids.dtype} values"
        )
    if ids.ndim != 1:
        raise Word2VecError(f"the corpus must be a 1-D array of word ids, not {ids.ndim}-D")
    words = ids_to_int64(ids)
    if len(words) and (words.min() < -1 or words.max() >= vocab_size):
        bad = int(words[(words < -1) | (words >= vocab_size)][0])
        raise Word2VecError(
            f"word id {bad} is outside the vocabulary of {vocab_size:,} words (ids are "
            f"0..{vocab_size - 1}, and -1 between sentences)"
        )
    return ids, int(np.count_nonzero(words >= 0))

"""The Backend interface: who runs an epoch's work, and what they report to the trainer.

The trainer owns all bookkeeping: the learning rate from the global word count, the loss
history, epochs, the resumable state, stop requests and checkpoints. A backend only runs
what is left of one epoch and reports as it goes: the loss, pairs and batches since its last
report, the global count of corpus words read, the words kept by subsampling, and, at points
where training can resume, what is left of the epoch.

What is left of an epoch is a list of ``Piece``s: stretches ``ids[lo:hi]`` not trained yet,
the first chunk of which may have been started (``done`` batches of it trained). A fresh
epoch is one piece, the whole id stream. A backend cuts the pieces into as many slices as it
has workers (``split_pieces``), so a run stopped with one worker count continues with another
and every corpus word is still read once per epoch. Backends: ``local.py`` (one process),
``hogwild.py`` (worker processes on shared memory); another (e.g. a cluster) is one more
module with a subclass of ``Backend``.

Older backends that know only ``positions`` (where each of ``n_slices`` equal slices
resumes) still work: the trainer gives them ``run.positions`` when what is left fits that
layout and turns their ``report(positions=...)`` into pieces (``Backend.slice_bounds``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import TrainConfig
from ..data.encode import EncodedCorpus
from ..model.word2vec import Word2Vec
from .schedule import LinearSchedule


@dataclass
class TrainJob:
    """What stays the same over a training run."""

    model: Word2Vec
    corpus: EncodedCorpus | np.ndarray  # an id file, or int32 ids with -1 between sentences
    ids: Any  # the ids: an array, or an IdFile (a file read as it is sliced)
    n_words: int  # corpus words per epoch
    config: TrainConfig
    keep_prob: np.ndarray  # P_keep(w) of subsampling
    schedule: LinearSchedule


@dataclass
class Piece:
    """A stretch ``ids[lo:hi]`` of the current epoch that is not trained yet.

    The stretch is read in chunks of ``chunk_words`` ids from ``lo``. ``done > 0``: its first
    chunk, ``ids[lo:min(lo + chunk_words, hi)]``, was made and ``done`` of its batches were
    trained; ``rng`` is the state of the random generator just before that chunk was made,
    so that it can be made again, identical, and its remaining batches trained (``kernel``).
    """

    lo: int
    hi: int
    done: int = 0
    rng: dict | None = None

    def __len__(self) -> int:
        return max(self.hi - self.lo, 0)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lo": int(self.lo), "hi": int(self.hi)}
        if self.done:
            out.update(done=int(self.done), rng=self.rng)
        return out

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Piece:
        return cls(int(value["lo"]), int(value["hi"]), int(value.get("done", 0)), value.get("rng"))


def split_pieces(pieces: list[Piece], n: int, chunk_words: int) -> list[list[Piece]]:
    """Cut ``pieces`` into ``n`` slices of about equal length (in ids), in order.

    A fresh piece may be cut anywhere; a started piece's first chunk is made again exactly as
    it was, so a cut never falls inside it. The whole epoch, ``[Piece(0, N)]``, is cut at
    ``floor(k * N / n)``. Slices may be empty when there is less left than ``n`` cuts."""
    total = sum(len(p) for p in pieces)
    cuts = [k * total // n for k in range(1, n)] + [total]
    slices: list[list[Piece]] = [[] for _ in range(n)]
    k, offset = 0, 0  # the slice being filled; ids of ``pieces`` before the current one
    for piece in pieces:
        lo = piece.lo
        while lo < piece.hi:
            while k < n - 1 and offset + (lo - piece.lo) >= cuts[k]:
                k += 1
            end = piece.hi if k == n - 1 else min(piece.hi, piece.lo + cuts[k] - offset)
            if lo == piece.lo and piece.done:
                end = max(end, min(piece.lo + chunk_words, piece.hi))  # the started chunk whole
                slices[k].append(Piece(lo, end, piece.done, piece.rng))
            else:
                slices[k].append(Piece(lo, end))
            lo = end
        offset += len(piece)
    return slices


def remaining(pieces: list[Piece]) -> list[Piece]:
    """``pieces`` without the empty ones."""
    return [p for p in pieces if len(p) > 0]


Report = Callable[..., None]


@dataclass
class EpochRun:
    """One call of ``Backend.run_epoch``: the epoch, what is left of it, the trainer's random
    generator (single process), and the trainer's report and stop functions.

    ``report(loss=, pairs=, batches=, words=, kept=, todo=)``: ``words`` is the global count
    of corpus words read (it drives the learning rate), ``todo`` what is left of the epoch
    (given only where training can resume; ``[]`` once it is all trained), the rest are
    increments. Older backends report ``positions=`` instead of ``todo=`` (module docstring).
    """

    epoch: int
    words_before: int  # global corpus words read before this call
    positions: list[int]  # legacy: where each slice resumes; empty: from the slices' starts
    rng: np.random.Generator
    report: Report
    should_stop: Callable[[], bool]
    todo: list[Piece] = field(default_factory=list)  # what is left of the epoch


class BackendFailed(Exception):
    """A backend lost part of its work (e.g. a worker process was killed) after it reported
    where every slice stands: the trainer's state is consistent and can be checkpointed."""


class Backend(ABC):
    """Runs what is left of one epoch and reports to the trainer."""

    n_slices: int = 1  # how many slices an epoch is cut into
    uses_todo: bool = False  # reads ``run.todo`` and reports ``todo=`` (else: positions)

    def open(self, job: TrainJob) -> None:  # noqa: B027
        """Prepare for the run (shared memory, a cluster); called before the first epoch.

        Parameters
        ----------
        job : TrainJob
            What stays the same over the run.
        """

    @abstractmethod
    def run_epoch(self, job: TrainJob, run: EpochRun) -> bool:
        """Train what is left of the epoch, reporting through ``run.report``.

        Parameters
        ----------
        job : TrainJob
            What stays the same over the run.
        run : EpochRun
            The epoch, what is left of it, and the trainer's report and stop functions.

        Returns
        -------
        bool
            True when the epoch is all trained, False when stopped.

        Raises
        ------
        BackendFailed
            After a final report with ``todo=``, when part of the work was lost.
        """

    def close(self, job: TrainJob) -> None:  # noqa: B027
        """Release what ``open`` took; called after the last epoch, also on errors.

        Parameters
        ----------
        job : TrainJob
            What stays the same over the run.
        """

    def slice_bounds(self, n_ids: int) -> list[int]:
        """Legacy backends: the bounds of the equal slices that ``positions`` refer to.

        Parameters
        ----------
        n_ids : int
            The length of the id stream.

        Returns
        -------
        list of int
            The ``n_slices + 1`` bounds, from 0 to ``n_ids``.
        """
        return [int(b) for b in np.linspace(0, n_ids, self.n_slices + 1).astype(np.int64)]

"""The Backend interface: who runs an epoch's slices, and what they report to the trainer.

The trainer owns all bookkeeping: the learning rate from the global word count, the loss
history, epochs, the resumable state, stop requests and checkpoints. A backend only runs one
epoch's slices of the corpus (from where they stopped, if they did) and reports as it goes:
the loss, pairs and batches since its last report, the global count of corpus words read,
the words kept by subsampling, and, at points where training can resume, where each slice
stands. Backends: ``local.py`` (one process), ``hogwild.py`` (worker processes on shared
memory); another (e.g. a cluster) is one more module with a subclass of ``Backend``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

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
    ids: np.ndarray  # the ids (a memory map of the file, or the array)
    n_words: int  # corpus words per epoch
    config: TrainConfig
    keep_prob: np.ndarray  # P_keep(w) of subsampling
    schedule: LinearSchedule


Report = Callable[..., None]


@dataclass
class EpochRun:
    """One call of ``Backend.run_epoch``: the epoch, where its slices stand, the trainer's
    random generator (single process), and the trainer's report and stop functions.

    ``report(loss=, pairs=, batches=, words=, kept=, positions=)``: ``words`` is the global
    count of corpus words read (it drives the learning rate), ``positions`` where each slice
    would resume (given only at chunk boundaries), the rest are increments."""

    epoch: int
    words_before: int  # global corpus words read before this call
    positions: list[int]  # where each slice resumes; empty: from the slices' starts
    rng: np.random.Generator
    report: Report
    should_stop: Callable[[], bool]


class Backend(ABC):
    """Runs the slices of one epoch and reports to the trainer."""

    n_slices: int = 1  # how many slices an epoch is cut into (the resumable positions)

    def open(self, job: TrainJob) -> None:  # noqa: B027
        """Prepare for the run (shared memory, a cluster); called before the first epoch."""

    @abstractmethod
    def run_epoch(self, job: TrainJob, run: EpochRun) -> bool:
        """Train the epoch's slices; True when they all ended, False when stopped."""

    def close(self, job: TrainJob) -> None:  # noqa: B027
        """Release what ``open`` took; called after the last epoch, also on errors."""

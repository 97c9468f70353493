"""The single-process backend: what is left of the epoch, piece after piece, in this process.

With ``workers=1`` a run is reproducible bit for bit for a given seed, also across a stop
after any batch and a resume (the trainer's random generator is part of its saved state, and
a started chunk is made again from the state it was made with: ``kernel.py``)."""

from __future__ import annotations

from ..model.batching import BatchMaker
from .backend import Backend, EpochRun, TrainJob, remaining
from .kernel import train_piece


class LocalBackend(Backend):
    """Trains in the calling process, stopping after any batch when asked."""

    uses_todo = True

    def run_epoch(self, job: TrainJob, run: EpochRun) -> bool:
        config = job.config
        maker = BatchMaker(config.window, config.batch_centres, losses=job.model.losses)
        todo = list(run.todo)
        words = run.words_before
        while todo:
            piece, todo = todo[0], todo[1:]
            before = words
            steps = train_piece(
                job.model,
                job.ids,
                piece,
                job.keep_prob,
                maker,
                lambda _: run.rng,  # one generator for the whole run
                lambda read, before=before: job.schedule(before + read),
                config.chunk_words,
            )
            for step in steps:
                words = before + step.words
                left = remaining([step.rest, *todo])
                run.report(
                    loss=step.loss,
                    pairs=step.pairs,
                    batches=1,
                    words=words,
                    kept=step.kept,
                    todo=left,
                )
                if left and run.should_stop():
                    return False
        return True

"""The single-process backend: one slice, the whole corpus, in this process.

With ``workers=1`` a run is reproducible bit for bit for a given seed, also across a stop
and a resume (the trainer's random generator is part of its saved state)."""

from __future__ import annotations

from ..model.batching import BatchMaker
from .backend import Backend, EpochRun, TrainJob
from .kernel import train_slice


class LocalBackend(Backend):
    """Trains in the calling process, stopping at chunk boundaries when asked."""

    def run_epoch(self, job: TrainJob, run: EpochRun) -> bool:
        config = job.config
        maker = BatchMaker(config.window, config.batch_size, losses=job.model.losses)
        base = run.words_before
        steps = train_slice(
            job.model,
            job.ids,
            run.positions[0] if run.positions else 0,
            len(job.ids),
            job.keep_prob,
            maker,
            run.rng,
            lambda read: job.schedule(base + read),
            config.chunk_words,
        )
        for loss, pairs, words_read, kept, next_position in steps:
            at_boundary = next_position is not None
            run.report(
                loss=loss,
                pairs=pairs,
                batches=1,
                words=base + words_read,
                kept=kept,
                positions=[next_position] if at_boundary else None,
            )
            if at_boundary and run.should_stop():
                return False
        return True

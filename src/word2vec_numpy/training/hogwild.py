"""Training on several cores: Hogwild SGD in worker processes on shared matrices.

Each worker is a process, forked on Linux (NumPy holds the GIL between its calls, so
threads would spend much of their time waiting; processes do not). ``W_in`` and ``W_out`` live in
``multiprocessing.shared_memory`` and every worker updates them in place without locks, as
the C tool's threads do (Hogwild: Recht et al. 2011 - updates are sparse, so collisions are
rare and harmless). Each worker trains on its own contiguous slice of the id file, read
through a memory map. The learning rate follows the words read by all workers together: each
worker publishes its count in a shared array and reads the sum (the trainer's schedule).

Epochs are kept in step: the parent starts the workers for one epoch, waits for all of
them, records the epoch's loss, and starts the next. What varies between runs with several
workers is the interleaving of the workers' updates, so the weights are not bit-for-bit
reproducible (each worker's random draws are: they come from ``seed``, the worker and the
epoch). With ``workers=1`` no process is started at all.

Stopping (Ctrl-C, SIGTERM, ``Trainer.request_stop``): the workers ignore SIGINT; the parent
sets a shared stop flag, each worker finishes its current chunk, publishes where its next
chunk starts and exits; the parent reports each worker's position to the trainer, so a
resumed run with the same number of workers continues each slice where it stopped. At the
end the model gets private copies of the matrices and the shared memory is removed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import tempfile
import time
from multiprocessing import shared_memory

import numpy as np

from ..data.encode import EncodedCorpus
from ..model.batching import BatchMaker
from ..model.word2vec import Word2Vec
from .backend import Backend, EpochRun, TrainJob
from .kernel import TrainingDiverged, train_slice

_POLL_SECONDS = 0.05
_RUN, _STOP, _DIVERGED = 0, 1, 2  # values of the control flag


def _attach(name: str, shape: tuple, dtype: str) -> tuple[shared_memory.SharedMemory, np.ndarray]:
    shm = shared_memory.SharedMemory(name=name)
    return shm, np.ndarray(shape, dtype=dtype, buffer=shm.buf)


def _worker_main(task: dict) -> None:
    """Body of one worker process: one epoch over its slice, from its start position.

    Shared ``control`` layout: [words read by each worker over all epochs (W)],
    [next chunk position of each worker (W)], [flag], and ``stats`` per worker: loss, pairs,
    batches, words kept."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    blas = _one_blas_thread()  # noqa: F841 (kept alive: the limit lasts as long as it does)
    me, n_workers, config = task["index"], task["workers"], task["config"]
    handles = []
    try:
        arrays = {}
        for name, (segment, shape, dtype) in task["segments"].items():
            shm, arrays[name] = _attach(segment, shape, dtype)
            handles.append(shm)
        stats, control = arrays.pop("stats"), arrays.pop("control")
        words, positions = control[:n_workers], control[n_workers : 2 * n_workers]
        W_in = arrays.pop("W_in")
        model = Word2Vec.from_arrays(None, W_in, arrays, config)
        model.losses = task["losses"]
        ids = np.memmap(task["ids_path"], dtype=np.uint32, mode="r")
        maker = BatchMaker(config.window, config.batch_size, losses=model.losses)
        schedule = task["schedule"]
        base = int(words[me])
        rng = np.random.default_rng([config.seed, me, task["epoch"], int(positions[me])])

        def lr_for(read: int) -> float:  # the schedule follows all workers' words together
            words[me] = base + read
            return schedule(int(words.sum()))

        row = stats[me]
        steps = train_slice(
            model,
            ids,
            int(positions[me]),
            task["hi"],
            task["keep_prob"],
            maker,
            rng,
            lr_for,
            config.chunk_words,
        )
        for loss, pairs, _, kept, next_position in steps:
            row += (loss, pairs, 1, kept)
            if next_position is not None:
                positions[me] = next_position
                if control[-1] != _RUN:
                    return
    except TrainingDiverged:
        control[-1] = _DIVERGED  # tells the parent and the other workers to stop
    finally:
        for shm in handles:
            shm.close()


def _one_blas_thread():
    """Limit the BLAS library to one thread in this worker (the workers already use every
    core). ``OPENBLAS_NUM_THREADS`` set before the fork does not reach a library the parent
    has loaded, and hierarchical softmax's products are large enough for OpenBLAS to split
    them over threads; threadpoolctl (installed with scikit-learn) sets the running library's
    count. Without it the worker keeps the default."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=1, user_api="blas")


class HogwildBackend(Backend):
    """``workers`` processes on shared matrices, each training its own slice (module
    docstring)."""

    def __init__(self, workers: int) -> None:
        self.n_slices = int(workers)
        self._segments: list[shared_memory.SharedMemory] = []
        self._shared: dict[str, np.ndarray] = {}

    def _share(self, name: str, array: np.ndarray) -> np.ndarray:
        shm = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
        self._segments.append(shm)
        view = np.ndarray(array.shape, dtype=array.dtype, buffer=shm.buf)
        view[...] = array
        self._shared[name] = view
        self._names[name] = (shm.name, array.shape, array.dtype.str)
        return view

    def open(self, job: TrainJob) -> None:
        model, n = job.model, self.n_slices
        self._names: dict[str, tuple] = {}
        self._ids_path, self._tmp_ids = _ids_file(job.corpus, job.ids)
        self._bounds = np.linspace(0, len(job.ids), n + 1).astype(np.int64)
        # While the workers train, the model *is* the shared matrices (no second copy).
        for name, matrix in model.matrices().items():
            setattr(model, name, self._share(name, matrix))
        self._share("stats", np.zeros((n, 4)))
        self._share("control", np.zeros(2 * n + 1, dtype=np.int64))

    def close(self, job: TrainJob) -> None:
        model = job.model
        for name in model.matrices():  # private copies again before the shared memory goes
            if name in self._shared:
                setattr(model, name, self._shared[name].copy())
        self._shared.clear()
        for shm in self._segments:
            shm.close()
            shm.unlink()
        self._segments.clear()
        if self._tmp_ids is not None:
            os.remove(self._tmp_ids)
            self._tmp_ids = None

    def run_epoch(self, job: TrainJob, run: EpochRun) -> bool:
        n = self.n_slices
        stats, control = self._shared["stats"], self._shared["control"]
        starts = run.positions if len(run.positions) == n else [int(b) for b in self._bounds[:-1]]
        control[:n] = 0  # words read per worker: only their sum matters
        control[0] = run.words_before
        control[n : 2 * n] = starts
        control[-1] = _RUN
        stats[...] = 0
        task = {
            "segments": self._names,
            "workers": n,
            "config": job.config,
            "losses": job.model.losses,
            "schedule": job.schedule,
            "keep_prob": job.keep_prob,
            "ids_path": str(self._ids_path),
            "epoch": run.epoch,
        }
        # one BLAS thread per worker: the workers already use every core
        old_env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        os.environ["OMP_NUM_THREADS"] = "1"
        try:
            # fork where the OS has it: the workers start at once, and a user's script needs
            # no `if __name__ == "__main__":` guard; spawn (macOS, Windows) re-imports __main__.
            methods = mp.get_all_start_methods()
            ctx = mp.get_context("fork" if "fork" in methods else "spawn")
            procs = [
                ctx.Process(
                    target=_worker_main,
                    args=(dict(task, index=k, hi=int(self._bounds[k + 1])),),
                    daemon=True,
                )
                for k in range(n)
            ]
            for proc in procs:
                proc.start()
        finally:
            _restore_env(old_env)
        return self._watch(job, run, procs, stats, control)

    def _watch(self, job: TrainJob, run: EpochRun, procs: list, stats, control) -> bool:
        """Wait for the workers of one epoch, reporting their progress; False when stopped."""
        n = self.n_slices
        reported = np.zeros(4)  # loss, pairs, batches, kept already reported
        try:
            while True:
                if run.should_stop() and control[-1] == _RUN:
                    control[-1] = _STOP
                alive = any(p.is_alive() for p in procs)
                if not alive:
                    break
                reported = _report_since(run, reported, stats, control, n, positions=False)
                time.sleep(_POLL_SECONDS)
        finally:  # also on KeyboardInterrupt: never leave workers behind
            if any(p.is_alive() for p in procs):
                control[-1] = _STOP
            for proc in procs:
                proc.join(timeout=30)
                if proc.is_alive():
                    proc.terminate()
                    proc.join()
        if control[-1] == _DIVERGED:
            raise TrainingDiverged(job.schedule(int(control[:n].sum())), job.config)
        failed = [p.exitcode for p in procs if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"a training worker failed (exit code {failed[0]})")
        _report_since(run, reported, stats, control, n, positions=True)
        return control[-1] != _STOP


def _report_since(
    run: EpochRun,
    reported: np.ndarray,
    stats: np.ndarray,
    control: np.ndarray,
    n: int,
    positions: bool,
) -> np.ndarray:
    """Report the workers' loss, pairs, batches and kept words since ``reported`` (and their
    positions, once they have stopped); returns the new totals."""
    totals = stats.sum(axis=0)
    new = totals - reported
    run.report(
        loss=float(new[0]),
        pairs=int(new[1]),
        batches=int(new[2]),
        words=int(control[:n].sum()),
        kept=int(new[3]),
        positions=[int(p) for p in control[n : 2 * n]] if positions else None,
    )
    return totals


def _ids_file(corpus, ids: np.ndarray) -> tuple[str, str | None]:
    """The uint32 id file the workers map; an in-memory corpus is written to a temp file."""
    if isinstance(corpus, EncodedCorpus):
        return str(corpus.path), None
    fd, path = tempfile.mkstemp(suffix=".ids.u32")
    with os.fdopen(fd, "wb") as f:
        values = np.asarray(ids).astype(np.int64)
        np.where(values < 0, 0xFFFFFFFF, values).astype(np.uint32).tofile(f)
    return path, path


def _restore_env(old: dict) -> None:
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value

"""Training on several cores: Hogwild SGD in worker processes on shared matrices.

Each worker is a process, forked on Linux (NumPy holds the GIL between its calls, so
threads would spend much of their time waiting; processes do not). ``W_in`` and ``W_out`` live in
``multiprocessing.shared_memory`` and every worker updates them in place without locks, as
the C tool's threads do (Hogwild: Recht et al. 2011 - updates are sparse, so collisions are
rare and harmless). Each worker trains on its own contiguous slice of the id file, read
through a memory map. The learning rate follows the words read by all workers together: each
worker publishes its count in a shared array and reads the sum.

Epochs are kept in step: the parent starts the workers for one epoch, waits for all of
them, records the epoch's loss, and starts the next. What varies between runs with several
workers is the interleaving of the workers' updates, so the weights are not bit-for-bit
reproducible (each worker's random draws are: they come from ``seed``, the worker and the
epoch). With ``workers=1`` no process is started at all.

Stopping (Ctrl-C, SIGTERM, ``Trainer.request_stop``): the workers ignore SIGINT; the parent
sets a shared stop flag, each worker finishes its current chunk, publishes where its next
chunk starts and exits; the parent joins them, copies the weights back and removes the
shared memory. The trainer's state then records each worker's position, so a resumed run
with the same number of workers continues each slice where it stopped.
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
from ..model.negative_sampling import NoiseSampler
from ..model.word2vec import Word2Vec
from ..progress import Progress

_POLL_SECONDS = 0.05
_RUN, _STOP, _DIVERGED = 0, 1, 2  # values of the control flag


def _attach(name: str, shape: tuple, dtype: str) -> tuple[shared_memory.SharedMemory, np.ndarray]:
    shm = shared_memory.SharedMemory(name=name)
    return shm, np.ndarray(shape, dtype=dtype, buffer=shm.buf)


def _worker_main(cfg: dict) -> None:
    """Body of one worker process: one epoch over its slice, from its start position.

    Shared ``control`` layout: [words read by each worker over all epochs (W)],
    [next chunk position of each worker (W)], [flag], and ``stats`` per worker: loss, pairs,
    batches, words kept."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    from .trainer import TrainingDiverged, train_slice

    me, n_workers = cfg["index"], cfg["workers"]
    handles = []
    try:
        names = ("w_in", "w_out", "stats", "control")
        shapes = (cfg["shape"], cfg["shape"], (n_workers, 4), (2 * n_workers + 1,))
        dtypes = (cfg["dtype"], cfg["dtype"], "float64", "int64")
        arrays = []
        for name, shape, dtype in zip(names, shapes, dtypes, strict=True):
            shm, array = _attach(cfg[name], shape, dtype)
            handles.append(shm)
            arrays.append(array)
        W_in, W_out, stats, control = arrays
        words, positions = control[:n_workers], control[n_workers : 2 * n_workers]
        model = Word2Vec.from_arrays(
            None, W_in, W_out, cfg["model"], cfg["neg"], cfg["cbow_exact_grad"]
        )
        ids = np.memmap(cfg["ids_path"], dtype=np.uint32, mode="r")
        maker = BatchMaker(
            cfg["window"],
            cfg["neg"],
            NoiseSampler(cfg["noise"]),
            cfg["model"],
            cfg["batch_size"],
            n_shared=cfg["shared_negatives"],
        )
        total, lr0, lr_min = cfg["total_words"], cfg["lr"], cfg["lr_min"]
        base = int(words[me])
        rng = np.random.default_rng([cfg["seed"], me, cfg["epoch"], int(positions[me])])

        def lr_for(read: int) -> float:  # the schedule follows all workers' words together
            words[me] = base + read
            frac = min(float(words.sum()) / max(total, 1), 1.0)
            return lr0 - (lr0 - lr_min) * frac

        row = stats[me]
        steps = train_slice(
            model,
            ids,
            int(positions[me]),
            cfg["hi"],
            cfg["keep_prob"],
            maker,
            rng,
            lr_for,
            cfg["chunk_words"],
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


def train_parallel(trainer, on_epoch=None) -> None:
    """Run ``trainer``'s remaining epochs in ``trainer.workers`` processes; ``on_epoch(trainer)``
    is called after each epoch. During training the model's matrices are the shared ones;
    afterwards they are private copies again."""
    model, n_workers = trainer.model, trainer.workers
    ids_path, tmp_ids = _ids_file(trainer)
    ids = np.memmap(ids_path, dtype=np.uint32, mode="r")
    bounds = np.linspace(0, len(ids), n_workers + 1).astype(np.int64)
    segments: list[shared_memory.SharedMemory] = []

    def shared(array: np.ndarray) -> tuple[str, np.ndarray]:
        shm = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
        segments.append(shm)
        view = np.ndarray(array.shape, dtype=array.dtype, buffer=shm.buf)
        view[...] = array
        return shm.name, view

    W_in = W_out = stats = control = None
    old_env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    try:
        w_in_name, W_in = shared(model.W_in)
        w_out_name, W_out = shared(model.W_out)
        # While the workers train, the model *is* the shared matrices (no second copy).
        model.W_in, model.W_out = W_in, W_out
        stats_name, stats = shared(np.zeros((n_workers, 4)))
        control_name, control = shared(np.zeros(2 * n_workers + 1, dtype=np.int64))
        cfg = {
            "w_in": w_in_name,
            "w_out": w_out_name,
            "stats": stats_name,
            "control": control_name,
            "shape": model.W_in.shape,
            "dtype": model.W_in.dtype.str,
            "model": model.model,
            "neg": model.n_negatives,
            "cbow_exact_grad": model.cbow_exact_grad,
            "ids_path": str(ids_path),
            "noise": trainer.vocab.noise_distribution(),
            "keep_prob": trainer.keep_prob,
            "window": trainer.window,
            "batch_size": trainer.batch_size,
            "workers": n_workers,
            "total_words": trainer.total_words,
            "lr": trainer.lr,
            "lr_min": trainer.lr_min,
            "seed": trainer.seed,
            "chunk_words": trainer.chunk_words,
            "shared_negatives": trainer.shared_negatives,
        }
        # one BLAS thread per worker: the workers already use every core
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        os.environ["OMP_NUM_THREADS"] = "1"
        # fork where the OS has it: the workers start at once, and a user's script needs no
        # `if __name__ == "__main__":` guard; spawn (macOS, Windows) re-imports __main__.
        methods = mp.get_all_start_methods()
        ctx = mp.get_context("fork" if "fork" in methods else "spawn")
        progress = Progress(
            trainer.total_words, trainer.n_epochs, trainer.quiet, trainer.progress_stream
        )
        progress.begin(trainer.words_done)
        resume = list(trainer.worker_positions)
        while trainer.epoch < trainer.n_epochs:
            starts = resume if len(resume) == n_workers else [int(b) for b in bounds[:-1]]
            resume = []
            control[:n_workers] = 0  # words read per worker: only their sum matters
            control[0] = trainer.words_done
            control[n_workers : 2 * n_workers] = starts
            stats[...] = 0
            procs = [
                ctx.Process(
                    target=_worker_main,
                    args=(dict(cfg, index=k, epoch=trainer.epoch, hi=int(bounds[k + 1])),),
                    daemon=True,
                )
                for k in range(n_workers)
            ]
            for proc in procs:
                proc.start()
            _restore_env(old_env)
            if not _run_epoch(trainer, procs, stats, control, progress):
                break
            if on_epoch is not None:
                on_epoch(trainer)
        progress.close()
    finally:
        _restore_env(old_env)
        if W_out is not None:  # private copies again before the shared memory goes away
            model.W_in, model.W_out = W_in.copy(), W_out.copy()
            model.invalidate_cache()
        del W_in, W_out, stats, control
        for shm in segments:
            shm.close()
            shm.unlink()
        if tmp_ids is not None:
            os.remove(tmp_ids)


def _run_epoch(trainer, procs, stats, control, progress) -> bool:
    """Wait for the workers of one epoch, showing progress and logging the loss; returns
    False when training stopped early (the trainer's state says where)."""
    n_workers = len(procs)
    epoch_start_words = trainer.epoch * trainer.n_words
    logged = np.zeros(3)  # loss, pairs, batches of this epoch already in loss_history
    try:
        while True:
            if trainer.stop_requested and control[-1] == _RUN:
                control[-1] = _STOP
            alive = any(p.is_alive() for p in procs)
            totals = stats[:, :3].sum(axis=0)
            if totals[2] - logged[2] >= trainer.log_every or (not alive and totals[2] > logged[2]):
                trainer.loss_history.append((totals[0] - logged[0]) / max(totals[1] - logged[1], 1))
                trainer.history_epochs.append(trainer.epoch)
                logged = totals.copy()
            trainer.words_done = int(control[:n_workers].sum())
            progress.update(trainer.words_done, trainer.epoch, totals[0] / max(totals[1], 1))
            if not alive:
                break
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
        from .trainer import TrainingDiverged

        raise TrainingDiverged(trainer.lr, trainer.batch_size)
    failed = [p.exitcode for p in procs if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"a training worker failed (exit code {failed[0]})")
    totals = stats.sum(axis=0)
    trainer.words_done = int(control[:n_workers].sum())
    trainer.words_trained += int(totals[3])
    trainer.accumulators[0] += float(totals[0])
    trainer.accumulators[1] += int(totals[1])
    if control[-1] == _STOP:
        trainer.worker_positions = [int(p) for p in control[n_workers : 2 * n_workers]]
        trainer.epoch_words = trainer.words_done - epoch_start_words
        return False
    trainer.pairs_done += int(trainer.accumulators[1])
    trainer.epoch_losses.append(trainer.accumulators[0] / max(trainer.accumulators[1], 1))
    trainer.accumulators[:2] = [0.0, 0]
    trainer.worker_positions = []
    trainer.epoch += 1
    trainer.epoch_words = 0
    trainer.words_done = trainer.epoch * trainer.n_words
    return True


def _ids_file(trainer) -> tuple[str, str | None]:
    """The uint32 id file the workers map; an in-memory corpus is written to a temp file."""
    if isinstance(trainer.corpus, EncodedCorpus):
        return str(trainer.corpus.path), None
    fd, path = tempfile.mkstemp(suffix=".ids.u32")
    with os.fdopen(fd, "wb") as f:
        ids = np.asarray(trainer.ids).astype(np.int64)
        np.where(ids < 0, 0xFFFFFFFF, ids).astype(np.uint32).tofile(f)
    return path, path


def _restore_env(old: dict) -> None:
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value

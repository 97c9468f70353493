"""Training on several cores: Hogwild SGD in worker processes on shared matrices.

Each worker is a process, forked on Linux (NumPy holds the GIL between its calls, so
threads would spend much of their time waiting; processes do not). ``W_in`` and ``W_out`` live in
``multiprocessing.shared_memory`` and every worker updates them in place without locks, as
the C tool's threads do (Hogwild: Recht et al. 2011 - updates are sparse, so collisions are
rare and harmless). Each worker trains on its own contiguous slice of the id file, read
through a memory map. The learning rate follows the words read by all workers together: each
worker publishes its count in a shared array and reads the sum.

What varies between runs with several workers: the interleaving of the workers' updates,
so the weights are not bit-for-bit reproducible (each worker's random draws are, from
``seed``, worker and epoch). With ``workers=1`` no process is started at all.

Ctrl-C: the workers ignore SIGINT; the parent sets a shared stop flag, the workers finish
their current batch and exit, the parent joins them, copies the weights back and removes the
shared memory, then re-raises ``KeyboardInterrupt`` so the caller can save a checkpoint.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import tempfile
import time
from multiprocessing import shared_memory

import numpy as np

from .batching import BatchMaker
from .corpus import EncodedCorpus
from .model import Word2Vec
from .progress import Progress
from .vocab import NoiseSampler

# per worker and epoch: loss, pairs, batches, words read, words kept
_STATS = 5
_POLL_SECONDS = 0.2
_STOP, _DIVERGED = 1, 2  # values of the control flag after the per-worker word counts


def _attach(name: str, shape: tuple, dtype: str) -> tuple[shared_memory.SharedMemory, np.ndarray]:
    shm = shared_memory.SharedMemory(name=name)
    return shm, np.ndarray(shape, dtype=dtype, buffer=shm.buf)


def _worker_main(cfg: dict) -> None:
    """Body of one worker process: every remaining epoch over its slice."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    from .train import TrainingDiverged, train_slice

    handles = []
    try:
        shm, W_in = _attach(cfg["w_in"], cfg["shape"], cfg["dtype"])
        handles.append(shm)
        shm, W_out = _attach(cfg["w_out"], cfg["shape"], cfg["dtype"])
        handles.append(shm)
        shm, stats = _attach(cfg["stats"], cfg["stats_shape"], "float64")
        handles.append(shm)
        shm, control = _attach(cfg["control"], (cfg["workers"] + 1,), "int64")
        handles.append(shm)
        model = Word2Vec.from_arrays(
            cfg["vocab"], W_in, W_out, cfg["model"], cfg["neg"], cfg["cbow_exact_grad"]
        )
        ids = np.memmap(cfg["ids_path"], dtype=np.uint32, mode="r")
        sampler = NoiseSampler(cfg["noise"])
        maker = BatchMaker(cfg["window"], cfg["neg"], sampler, cfg["model"], cfg["batch_size"])
        me, workers = cfg["index"], cfg["workers"]
        lo, hi = cfg["slice"]
        total, lr0, lr_min = cfg["total_words"], cfg["lr"], cfg["lr_min"]
        words = control[:workers]  # words read by each worker, over all epochs

        def lr_for(read_in_slice: int) -> float:
            words[me] = base + read_in_slice
            frac = min(float(words.sum()) / max(total, 1), 1.0)
            return lr0 - (lr0 - lr_min) * frac

        for epoch in range(cfg["start_epoch"], cfg["epochs"]):
            base = int(words[me])
            rng = np.random.default_rng([cfg["seed"], me, epoch])
            row = stats[me, epoch]
            for loss, pairs, read, kept, _ in train_slice(
                model, ids, lo, hi, cfg["keep_prob"], maker, rng, lr_for, cfg["chunk_words"]
            ):
                row[0] += loss
                row[1] += pairs
                row[2] += 1
                row[3] = read
                row[4] += kept
                if control[workers]:  # stop flag
                    return
            words[me] = base + cfg["slice_words"]
    except TrainingDiverged:
        control[cfg["workers"]] = _DIVERGED  # tells the parent and the other workers to stop
    finally:
        for shm in handles:
            shm.close()


def train_parallel(trainer) -> None:
    """Run ``trainer``'s remaining epochs in ``trainer.workers`` processes."""
    model, n_workers = trainer.model, trainer.workers
    ids_path, tmp_ids = _ids_file(trainer)
    ids = np.memmap(ids_path, dtype=np.uint32, mode="r")
    bounds = np.linspace(0, len(ids), n_workers + 1).astype(np.int64)
    slice_words = [
        int(np.count_nonzero(ids[a:b] != np.uint32(0xFFFFFFFF)))
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    segments: list[shared_memory.SharedMemory] = []

    def shared(array: np.ndarray) -> tuple[str, np.ndarray]:
        shm = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
        segments.append(shm)
        view = np.ndarray(array.shape, dtype=array.dtype, buffer=shm.buf)
        view[...] = array
        return shm.name, view

    procs: list[mp.Process] = []
    W_in = W_out = stats = control = None
    old_env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    try:
        w_in_name, W_in = shared(model.W_in)
        w_out_name, W_out = shared(model.W_out)
        stats_shape = (n_workers, trainer.n_epochs, _STATS)
        stats_name, stats = shared(np.zeros(stats_shape))
        control0 = np.zeros(n_workers + 1, dtype=np.int64)
        control0[:n_workers] = trainer.epoch * np.asarray(slice_words)
        control_name, control = shared(control0)
        base_cfg = {
            "w_in": w_in_name,
            "w_out": w_out_name,
            "stats": stats_name,
            "control": control_name,
            "shape": model.W_in.shape,
            "dtype": model.W_in.dtype.str,
            "stats_shape": stats_shape,
            "vocab": None,
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
            "start_epoch": trainer.epoch,
            "epochs": trainer.n_epochs,
            "chunk_words": trainer.chunk_words,
        }
        # one BLAS thread per worker: the workers already use every core
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        os.environ["OMP_NUM_THREADS"] = "1"
        # fork where the OS has it: the workers start at once, and a user's script needs no
        # `if __name__ == "__main__":` guard; spawn (macOS, Windows) re-imports __main__.
        methods = mp.get_all_start_methods()
        ctx = mp.get_context("fork" if "fork" in methods else "spawn")
        for k in range(n_workers):
            cfg = dict(base_cfg, index=k, slice=(int(bounds[k]), int(bounds[k + 1])))
            cfg["slice_words"] = slice_words[k]
            proc = ctx.Process(target=_worker_main, args=(cfg,), daemon=True)
            proc.start()
            procs.append(proc)
        _restore_env(old_env)
        _monitor(trainer, procs, stats, control, slice_words)
    except KeyboardInterrupt:
        control[n_workers] = _STOP
        for proc in procs:
            proc.join()
        _collect(trainer, stats, control, slice_words, interrupted=True)
        raise
    finally:
        _restore_env(old_env)
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
                proc.join()
        if W_out is not None:
            model.W_in[...] = W_in
            model.W_out[...] = W_out
            model.invalidate_cache()
        del W_in, W_out, stats, control
        for shm in segments:
            shm.close()
            shm.unlink()
        if tmp_ids is not None:
            os.remove(tmp_ids)


def _monitor(trainer, procs, stats, control, slice_words) -> None:
    """Show progress and record the loss history until every worker is done."""
    n_workers = len(procs)
    progress = Progress(
        trainer.total_words, trainer.n_epochs, trainer.quiet, trainer.progress_stream
    )
    progress.begin(trainer.words_done)
    logged = np.zeros(3)  # loss, pairs, batches already in loss_history
    while True:
        alive = any(p.is_alive() for p in procs)
        totals = stats[:, :, :3].sum(axis=(0, 1))
        if totals[2] - logged[2] >= trainer.log_every or (not alive and totals[2] > logged[2]):
            trainer.loss_history.append((totals[0] - logged[0]) / max(totals[1] - logged[1], 1))
            trainer.history_epochs.append(int(control[:n_workers].sum() // max(trainer.n_words, 1)))
            logged = totals.copy()
        words = int(control[:n_workers].sum())
        epoch = min(words // max(trainer.n_words, 1), trainer.n_epochs - 1)
        progress.update(words, epoch, totals[0] / max(totals[1], 1))
        if not alive:
            break
        time.sleep(_POLL_SECONDS)
    progress.close()
    if control[n_workers] == _DIVERGED:
        from .train import TrainingDiverged

        raise TrainingDiverged(trainer.lr, trainer.batch_size)
    failed = [p.exitcode for p in procs if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"a training worker failed (exit code {failed[0]})")
    _collect(trainer, stats, control, slice_words, interrupted=False)


def _collect(trainer, stats, control, slice_words, interrupted: bool) -> None:
    """Per-epoch losses and counters from the workers' shared statistics."""
    for epoch in range(trainer.epoch, trainer.n_epochs):
        loss, pairs, batches = (
            stats[:, epoch, 0].sum(),
            stats[:, epoch, 1].sum(),
            stats[:, epoch, 2],
        )
        if not batches.any():
            break
        complete = not interrupted or int(control[: len(slice_words)].sum()) >= (epoch + 1) * sum(
            slice_words
        )
        trainer.pairs_done += int(pairs)
        trainer.words_trained += int(stats[:, epoch, 4].sum())
        if complete:
            trainer.epoch_losses.append(float(loss / max(pairs, 1)))
            trainer.epoch = epoch + 1
    trainer.words_done = int(control[: len(slice_words)].sum())


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

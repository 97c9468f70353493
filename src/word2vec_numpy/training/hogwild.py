"""Training on several cores: Hogwild SGD in worker processes on shared matrices.

Each worker is a process, forked on Linux (NumPy holds the GIL between its calls, so
threads would spend much of their time waiting; processes do not). ``W_in`` and ``W_out`` live in
``multiprocessing.shared_memory`` and every worker updates them in place without locks, as
the C tool's threads do (Hogwild: Recht et al. 2011 - updates are sparse, so collisions are
rare and harmless). What is left of the epoch is cut into one slice per worker
(``backend.split_pieces``); each worker trains its slice, reading the id file a chunk at a
time (``data.encode.IdFile``). The learning rate follows the words read by all workers
together: each worker publishes its count in a shared array and reads the sum (the
trainer's schedule).

Epochs are kept in step: the parent starts the workers for one epoch, waits for all of
them, records the epoch's loss, and starts the next. What varies between runs with several
workers is the interleaving of the workers' updates, so the weights are not bit-for-bit
reproducible (the random draws are: each chunk's generator comes from ``seed``, the epoch and
the chunk's position). With ``workers=1`` no process is started at all.

After every batch a worker publishes where it stands (words read, words trained, and its
piece, chunk and batch) in a shared array, written into the spare one of two slots and then
switched to, so the parent always reads a consistent one even if the worker dies while
writing.

Stopping (Ctrl-C, SIGTERM, SIGHUP, ``Trainer.request_stop``): the workers ignore these
signals; the parent sets a shared stop flag, each worker finishes its current batch and
exits; the parent reports what is left of the epoch to the trainer, so a resumed run (with
any number of workers) trains exactly the rest. A worker still in its batch ``_STOP_GRACE``
seconds after the stop (one batch takes seconds with ``--neg 10000``) is killed: what it
published stands, and the batch it was in, perhaps partly applied, is trained again. A
worker that dies (killed by the OOM killer, an error) is noticed within ``_POLL_SECONDS``:
the parent stops the others the same way and raises ``WorkerFailed`` after reporting where
every worker stands; the batch the dead worker was in may be partly applied and is trained
again on resume. A worker whose parent died stops after its batch. At the end the model
gets private copies of the matrices and the shared memory is removed.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import time
import warnings
from multiprocessing import resource_tracker, shared_memory

import numpy as np

from ..data.encode import EncodedCorpus, IdFile
from ..errors import Word2VecError, killed_by
from ..files import why
from ..model.batching import BatchMaker
from ..model.word2vec import Word2Vec
from .backend import Backend, BackendFailed, EpochRun, Piece, TrainJob, remaining, split_pieces
from .kernel import TrainingDiverged, train_piece

_POLL_SECONDS = 0.05
_STOP_GRACE = 1.5  # seconds a worker has to end its batch after a stop; then it is killed
_RUN, _STOP, _DIVERGED = 0, 1, 2  # values of the control flag
# a worker's row of ``control``: [active slot, slot 0, slot 1], each slot
# (words read, words kept, piece index, chunk start, batches done of that chunk)
_SLOT = 5
_ROW = 1 + 2 * _SLOT
_ERROR_BYTES = 240  # a worker's one-line error message
_MEMORY_ERROR = 3  # exit code of a worker that ran out of memory
_ATTACH_FAILED = 4  # exit code of a worker that could not map the shared matrices


class WorkerFailed(BackendFailed):
    """A worker process died or failed; the others were stopped and every worker's progress
    reported, so the trainer's state can be checkpointed and resumed."""


def _attach(name: str, shape: tuple, dtype: str) -> tuple[shared_memory.SharedMemory, np.ndarray]:
    """A spawned worker's view of a segment the parent made (a forked one has the parent's
    mapping). Before Python 3.13, attaching also registers the segment with
    multiprocessing's resource tracker; undone here, so that only the parent, which made the
    segment and unlinks it, is known to the tracker (a tracker started anew by a worker, e.g.
    after it was killed, would otherwise remove the segments as leaked when that worker
    exits, under the running training)."""
    if sys.version_info >= (3, 13):
        shm = shared_memory.SharedMemory(name=name, track=False)
    else:
        shm = shared_memory.SharedMemory(name=name)
        resource_tracker.unregister(shm._name, "shared_memory")  # type: ignore[attr-defined]
    return shm, np.ndarray(shape, dtype=dtype, buffer=shm.buf)


def _chunk_rng(seed: int, epoch: int, lo: int) -> np.random.Generator:
    """The random generator of a worker's chunk starting at ``lo`` (one per chunk, so that
    the parent knows the state a started chunk was made with)."""
    return np.random.default_rng([seed, epoch, lo])


def _slot(row: np.ndarray) -> np.ndarray:
    """The slot a worker published last: (words, kept, piece index, chunk start, done)."""
    active = int(row[0])
    return row[1 + active * _SLOT : 1 + (active + 1) * _SLOT]


def _publish(row: np.ndarray, *values: int) -> None:
    spare = 1 - int(row[0])
    row[1 + spare * _SLOT : 1 + (spare + 1) * _SLOT] = values
    row[0] = spare  # one aligned 8-byte store: the switch is atomic


def _worker_main(task: dict) -> None:
    """One worker process: ``_work``, then its exit code (0, or why it failed)."""
    code = _work(task)
    if code:
        os._exit(code)


def _work(task: dict) -> int:
    """Body of one worker process: its pieces of the epoch, in order. Returns 0, or the exit
    code that tells the parent why it failed (its message is in ``errors``).

    Shared: ``control`` (workers x _ROW, see above), ``flag`` (run / stop / diverged),
    ``stats`` per worker (loss, pairs, batches) and ``errors`` (a message per worker)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # the parent decides when to stop
    blas = _one_blas_thread()  # noqa: F841 (kept alive: the limit lasts as long as it does)
    me, config, parent = task["index"], task["config"], task["parent"]
    handles = []
    code = 0
    try:
        # forked: the parent's shared arrays are mapped here already; spawned: attach them
        arrays = dict(task.get("arrays", {}))
        try:
            for name, (segment, shape, dtype) in task["segments"].items():
                if name not in arrays:
                    shm, arrays[name] = _attach(segment, shape, dtype)
                    handles.append(shm)
        except BaseException:  # no traceback: the parent names the cause by the exit code
            return _ATTACH_FAILED
        stats, control, flag = arrays.pop("stats"), arrays.pop("control"), arrays.pop("flag")
        errors = arrays.pop("errors")
        W_in = arrays.pop("W_in")
        model = Word2Vec.from_arrays(None, W_in, arrays, config)
        model.losses = task["losses"]
        ids = IdFile(task["ids_path"])
        maker = BatchMaker(config.window, config.batch_centres, losses=model.losses)
        schedule, epoch = task["schedule"], task["epoch"]
        row, mine = control[me], stats[me]
        others = [k for k in range(len(control)) if k != me]
        words, kept = (int(v) for v in _slot(row)[:2])
        pieces = [Piece.from_json(p) for p in task["pieces"]]
        try:
            for i, piece in enumerate(pieces):
                before = words

                def lr_for(read: int, before: int = before) -> float:
                    # the schedule follows all workers' words together
                    return schedule(before + read + sum(int(_slot(control[k])[0]) for k in others))

                steps = train_piece(
                    model,
                    ids,
                    piece,
                    task["keep_prob"],
                    maker,
                    lambda lo: _chunk_rng(config.seed, epoch, lo),
                    lr_for,
                    config.chunk_words,
                )
                for step in steps:
                    mine += (step.loss, step.pairs, 1)
                    words, kept = before + step.words, kept + step.kept
                    _publish(row, words, kept, i, step.rest.lo, step.rest.done)
                    if flag[0] != _RUN or os.getppid() != parent:
                        return 0
            _publish(row, words, kept, len(pieces), 0, 0)
        except TrainingDiverged:
            flag[0] = _DIVERGED  # tells the parent and the other workers to stop
        except BaseException as exc:  # a one-line message for the parent, no traceback
            code = _MEMORY_ERROR if isinstance(exc, MemoryError) else 1
            text = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:_ERROR_BYTES]
            errors[me, : len(text)] = np.frombuffer(text, dtype=np.uint8)
            flag[0] = _STOP
    finally:
        for shm in handles:
            shm.close()
    return code


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
    """``workers`` processes on shared matrices, each training its own slice of what is left
    of the epoch (module docstring)."""

    uses_todo = True

    def __init__(self, workers: int) -> None:
        self.n_slices = int(workers)
        self._segments: list[shared_memory.SharedMemory] = []
        self._shared: dict[str, np.ndarray] = {}
        self._tmp_ids: str | None = None

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
        _check_room(sum(m.nbytes for m in model.matrices().values()), n)
        try:
            self._ids_path, self._tmp_ids = _ids_file(job.corpus, job.ids)
            # While the workers train, the model *is* the shared matrices (no second copy).
            for name, matrix in model.matrices().items():
                setattr(model, name, self._share(name, matrix))
            self._share("stats", np.zeros((n, 3)))
            self._share("control", np.zeros((n, _ROW), dtype=np.int64))
            self._share("flag", np.zeros(1, dtype=np.int64))
            self._share("errors", np.zeros((n, _ERROR_BYTES), dtype=np.uint8))
        except BaseException as exc:
            self.close(job)
            if isinstance(exc, OSError):  # /dev/shm full, or a file-size limit
                raise Word2VecError(
                    f"cannot share the model with {n} worker processes: {why(exc)} "
                    "(free /dev/shm or use --workers 1)"
                ) from None
            raise

    def close(self, job: TrainJob) -> None:
        model = job.model
        for name in model.matrices():  # private copies again before the shared memory goes
            if name in self._shared:
                setattr(model, name, self._shared[name].copy())
        self._shared.clear()
        for shm in self._segments:
            shm.close()
            # removed by someone else; or a resource tracker killed and started again (its
            # warning is not the user's business: the segment is removed here)
            with contextlib.suppress(FileNotFoundError), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                shm.unlink()
        self._segments.clear()
        if self._tmp_ids is not None:
            os.remove(self._tmp_ids)
            self._tmp_ids = None

    def run_epoch(self, job: TrainJob, run: EpochRun) -> bool:
        n = self.n_slices
        stats, control = self._shared["stats"], self._shared["control"]
        flag, errors = self._shared["flag"], self._shared["errors"]
        slices = split_pieces(run.todo, n, job.config.chunk_words)
        control[...] = 0
        control[0, 1] = run.words_before  # words read per worker: only their sum matters
        for k, pieces in enumerate(slices):  # slot 0: piece 0 (none: the slice is done)
            if pieces:
                control[k, 4:6] = pieces[0].lo, pieces[0].done
        flag[0] = _RUN
        stats[...] = 0
        errors[...] = 0
        task = {
            "segments": self._names,
            "config": job.config,
            "losses": job.model.losses,
            "schedule": job.schedule,
            "keep_prob": job.keep_prob,
            "ids_path": str(self._ids_path),
            "epoch": run.epoch,
            "parent": os.getpid(),
        }
        # one BLAS thread per worker: the workers already use every core
        old_env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        os.environ["OMP_NUM_THREADS"] = "1"
        procs: list = []
        try:
            # fork where the OS has it: the workers start at once, and a user's script needs
            # no `if __name__ == "__main__":` guard; spawn (macOS, Windows) re-imports __main__.
            methods = mp.get_all_start_methods()
            ctx = mp.get_context("fork" if "fork" in methods else "spawn")
            if ctx.get_start_method() == "fork":  # the child has the parent's mappings
                task["arrays"] = self._shared
                # The workers' garbage collector then leaves the parent's objects alone, so
                # their pages stay shared with the parent instead of being copied.
                gc.freeze()
            for k, pieces in enumerate(slices):
                if not pieces:
                    continue
                piece_list = [p.to_json() for p in pieces]
                proc = ctx.Process(
                    target=_worker_main,
                    args=(dict(task, index=k, pieces=piece_list),),
                    daemon=True,
                )
                proc.start()
                procs.append(proc)
        except BaseException:
            flag[0] = _STOP
            _join(procs)
            raise
        finally:
            _restore_env(old_env)
            gc.unfreeze()  # the parent's own collections go on as before
        return self._watch(job, run, procs, slices)

    def _watch(self, job: TrainJob, run: EpochRun, procs: list, slices: list) -> bool:
        """Wait for the workers of one epoch, reporting their progress; False when stopped.
        A worker that dies stops the others; ``WorkerFailed`` follows the final report."""
        control, flag, errors = (self._shared[k] for k in ("control", "flag", "errors"))
        reported = np.zeros(4)  # loss, pairs, batches, kept already reported
        failed, cut, stopping = None, [], None
        try:
            while True:
                if failed is None:
                    failed = next(
                        (p for p in procs if p.exitcode not in (None, 0) and p not in cut), None
                    )
                    if failed is not None and flag[0] == _RUN:
                        flag[0] = _STOP  # stop the others now, at their next batch
                if not any(p.is_alive() for p in procs):
                    break
                reported = self._report_since(run, reported, todo=None)
                if run.should_stop() and flag[0] == _RUN:  # also one asked for in the report
                    flag[0] = _STOP
                if flag[0] != _RUN:
                    stopping = stopping or time.perf_counter()
                    if time.perf_counter() - stopping > _STOP_GRACE:
                        # a batch can take seconds (--neg 10000, --dim 1000): a stop must
                        # not; what the worker published stands, its batch is done again
                        for proc in procs:
                            if proc.is_alive() and proc not in cut:
                                cut.append(proc)
                                proc.kill()
                time.sleep(_POLL_SECONDS)
        finally:  # also on KeyboardInterrupt: never leave workers behind
            if any(p.is_alive() for p in procs):
                flag[0] = _STOP
            _join(procs)
        if flag[0] == _DIVERGED:
            words = int(sum(_slot(row)[0] for row in control))
            raise TrainingDiverged(job.schedule(words), job.config)
        if failed is None:
            failed = next((p for p in procs if p.exitcode != 0 and p not in cut), None)
        left = []
        for k, pieces in enumerate(slices):
            left += _left_of(pieces, _slot(control[k]), job.config.seed, run.epoch)
        self._report_since(run, reported, todo=remaining(left))
        if failed is not None:
            k = procs.index(failed)
            message = bytes(errors[k]).rstrip(b"\0").decode("utf-8", "replace")
            raise WorkerFailed(_failure(failed.exitcode, message))
        return flag[0] != _STOP or not left

    def _report_since(self, run: EpochRun, reported: np.ndarray, todo: list | None) -> np.ndarray:
        """Report the workers' loss, pairs, batches and kept words since ``reported`` (and
        what is left of the epoch, once they have stopped); returns the new totals."""
        control, stats = self._shared["control"], self._shared["stats"]
        slots = np.array([_slot(row) for row in control])
        totals = np.concatenate([stats.sum(axis=0), [slots[:, 1].sum()]])
        new = totals - reported
        run.report(
            loss=float(new[0]),
            pairs=int(new[1]),
            batches=int(new[2]),
            words=int(slots[:, 0].sum()),
            kept=int(new[3]),
            todo=todo,
        )
        return totals


def _left_of(pieces: list[Piece], slot: np.ndarray, seed: int, epoch: int) -> list[Piece]:
    """What is left of a worker's ``pieces`` from its published ``slot``."""
    i, lo, done = (int(v) for v in slot[2:])
    if i >= len(pieces):
        return []
    piece = pieces[i]
    rng = None
    if done:  # the started chunk is made again from the state it was made with
        started_here = lo == piece.lo and piece.done
        rng = piece.rng if started_here else _chunk_rng(seed, epoch, lo).bit_generator.state
    return [Piece(lo, piece.hi, done, rng), *pieces[i + 1 :]]


def _check_room(nbytes: int, n: int) -> None:
    """Refuse in one line, before any segment is made, when the matrices cannot be shared:
    more than /dev/shm has free (writing into it would kill the process with SIGBUS) or
    than the file-size limit allows (making the segment fails, and the resource tracker
    complains in a traceback)."""
    problem = None
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY and nbytes > limit:
            problem = f"the file-size limit ({limit:,} bytes) is below {nbytes:,} bytes"
    except (ImportError, OSError, ValueError):
        pass
    try:
        stats = os.statvfs("/dev/shm")
        free = stats.f_bavail * stats.f_frsize
        if nbytes > free:
            problem = f"/dev/shm has {free:,} bytes free, {nbytes:,} needed"
    except (AttributeError, OSError):
        pass
    if problem:
        raise Word2VecError(
            f"cannot share the model with {n} worker processes: {problem} "
            "(free /dev/shm or use --workers 1)"
        )


def _failure(exitcode: int | None, message: str) -> str:
    """One line on why a worker stopped."""
    if exitcode is not None and exitcode < 0:
        return f"a training worker was {killed_by(exitcode)}"
    if exitcode == _MEMORY_ERROR:
        return "a training worker ran out of memory"
    if exitcode == _ATTACH_FAILED:
        return "a training worker could not map the shared matrices (was /dev/shm cleaned?)"
    return f"a training worker failed ({message or f'exit code {exitcode}'})"


def _join(procs: list) -> None:
    """Wait for the workers (they stop after their batch); kill any that does not."""
    for proc in procs:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()  # workers ignore SIGTERM
            proc.join()


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

"""Training beyond one machine: a replica of the model on every Dask worker, merged by deltas.

Dask distributed (``pip install 'word2vec-numpy[dask]'``) runs the workers: a local cluster,
or any scheduler (SSH, Kubernetes, Slurm/PBS through dask-jobqueue, YARN). Dask is imported
only inside the functions here, so the rest of the package does not need it.

The corpus (``prepare_corpus``, with ``data/parts.py``): the files are cut into one part per
worker (byte ranges at line breaks, or groups of whole files); each worker reads its part
from a path every worker can see, counts its words, the driver merges the counts into the
vocabulary a one-machine run builds, and each worker encodes its part to an id file in its
local directory, once.

A round (``DaskBackend``). The driver holds the merged weights ``W`` (the trainer's model).
Every worker holds a replica equal to ``W`` and trains the next ``sync_every`` words of its
part with the one-machine kernel (``kernel.train_slice``), at the learning rate of the words
read by all workers together: a worker that has read r of its round's w_k words uses
lr(words before the round + r * sum_j w_j / w_k). It then sends only the rows of each matrix
that changed, as deltas Delta_k = W_k - W, and puts its replica back to ``W``. The driver
merges them row by row (``merge_deltas``), with R_i the replicas whose row i changed:

    sum (default):  W_i += sum_{k in R_i} Delta_k,i              (every update kept, as the
                    Hogwild workers of one machine keep them, but computed from rows up to one
                    round old)
    touched:        W_i += (1/|R_i|) sum_{k in R_i} Delta_k,i    (the mean over the replicas
                    that touched the row, as Spark MLlib merges since SPARK-24666: a row one
                    replica touched keeps its whole update, a frequent word's is divided by n)
    mean:           W_i += (1/n) sum_k Delta_k,i                 (the mean of the n replicas:
                    a rare word's update is divided by n too)

and hands the new values of the changed rows to one worker, from which every worker fetches
them at its next round and writes them into its replica: all replicas equal the new ``W``.
Which rows travel, and how many bytes, is measured in ``benchmarks/distributed.py``.

Each round of part k is a pure function of the merged weights, the part and its position
(its random draws are seeded by the seed, the part, the epoch and the position), and the
merge adds the deltas in part order: a run is reproducible bit for bit for a given seed and
number of parts, whichever worker trains which part, and also when a worker dies.

Faults: a round whose worker dies is run again by Dask on another worker; a worker that does
not hold the merged weights of the round (a new one) answers so and is sent them whole; a
worker keeps no state between rounds but the merged weights and its encoded parts (it
encodes a part again from the shared path when it lacks it). So the round is redone from the
last merged weights, and each part's words are trained once. When no worker is left for
``lost_after`` seconds, or Dask gives a task up (``KilledWorker``), ``ClusterLost`` is raised:
the trainer then stands at the last merged round, where the command line writes a checkpoint.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..config import TrainConfig
from ..data.encode import IdFile
from ..data.parts import (
    Part,
    PartCounts,
    PartedCorpus,
    check_readable,
    count_part,
    encode_part,
    merge_counts,
    split_corpus,
    text_files,
)
from ..data.vocab import Vocabulary
from ..errors import ConfigError, Word2VecError
from ..model.batching import BatchMaker
from ..model.word2vec import Word2Vec
from .backend import Backend, BackendFailed, EpochRun, TrainJob
from .kernel import train_slice
from .schedule import LinearSchedule
from .trainer import Trainer

MERGES = ("touched", "mean", "sum")
DEFAULT_MERGE = "sum"  # measured: benchmarks/README.md
INSTALL_HINT = "pip install 'word2vec-numpy[dask]'"
_POLL_SECONDS = 0.25
_BATCH_KEYS = ("loss", "pairs", "kept")  # per-batch numbers a round returns


class ClusterLost(BackendFailed, Word2VecError):
    """The cluster cannot go on (no worker left, a task given up): training stopped at the
    last merged round, a consistent state to checkpoint and resume from."""


def _distributed() -> Any:
    """The ``distributed`` module, or a one-line error that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise Word2VecError(f"training on Dask needs Dask distributed: {INSTALL_HINT}") from None
    return distributed


def dask_setup(worker: Any) -> None:
    """Run by Dask in every worker of a local cluster when it starts, the first time and
    after a restart (``preload``): SIGINT ignored. The workers are this process's children,
    in its process group, so a Ctrl-C at the terminal reaches them too and killed them
    mid-round; they leave the stop to this process, which asks them."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def quiet_logs() -> None:
    """Keep Dask's own log lines (a worker lost, restarted, data re-sent) in this process off
    the terminal: what matters reaches the user through this package's messages. Importing
    ``distributed`` sets its loggers' levels, so it is imported first."""
    _distributed()
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


def _package_version() -> str:
    # the root package is imported before any of its modules: no import of a layer above
    return sys.modules[__name__.split(".")[0]].__version__


# -- connecting ---------------------------------------------------------------------------------
def parse_address(address: str) -> tuple[str, str | int]:
    """``local:N`` -> ("local", N); a scheduler address (``tcp://HOST:PORT``, ``tls://...``,
    ``HOST:PORT``) -> ("remote", address)."""
    text = str(address).strip()
    if text.startswith("local:"):
        count = text[len("local:") :]
        if not count.isdigit() or int(count) < 1:
            raise Word2VecError(f"--dask local:N needs a number of workers N >= 1, not {text!r}")
        return "local", int(count)
    scheme, _, rest = text.rpartition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("", "tcp", "tls", "ucx", "ws", "wss") or not host or not port.isdigit():
        raise Word2VecError(
            f"--dask must be a scheduler address such as tcp://HOST:8786, or local:N, not {text!r}"
        )
    return "remote", text if scheme else "tcp://" + text


def connect(address: str, timeout: float = 10.0) -> tuple[Any, Any]:
    """A Dask ``Client`` for ``address`` (see ``parse_address``) and the ``LocalCluster`` it
    started (None for a remote scheduler). A local cluster's workers are single-threaded
    processes listening on 127.0.0.1 only. Checks the workers (``check_workers``)."""
    kind, value = parse_address(address)
    distributed = _distributed()
    cluster = None
    try:
        if kind == "local":
            with warnings.catch_warnings():  # "port 8787 is in use": another cluster's
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                cluster = distributed.LocalCluster(
                    host="127.0.0.1",
                    n_workers=int(value),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # every worker start, restarts too: SIGINT ignored (``dask_setup``), and
                    # Dask's logging at critical (a worker that lost a peer logged a traceback
                    # for a round that is redone and changes nothing)
                    preload=[__name__],
                    env={"DASK_LOGGING__DISTRIBUTED": "critical"},
                )
            client = distributed.Client(cluster)
        else:
            _probe(str(value), timeout)
            client = distributed.Client(value, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        reason = getattr(exc, "strerror", None) or f"no answer within {timeout:g} s"
        raise Word2VecError(f"cannot reach the Dask scheduler at {value} ({reason})") from None
    try:
        check_workers(client, timeout)
    except BaseException:
        client.close()
        if cluster is not None:
            cluster.close()
        raise
    return client, cluster


def _probe(address: str, timeout: float) -> None:
    """Connect to a ``tcp://`` scheduler address and read the start of its handshake, so that
    a refused connection is reported at once rather than after Dask's retries, and a server
    that is not a Dask scheduler (the dashboard's port, a web server) is named as such: Dask
    itself waited for ever there, or read an HTTP answer as a frame length of exabytes and
    ran out of memory.

    A Dask server speaks first: its handshake's first 8 bytes are the length of a message in
    bytes (in the server's byte order), a small number."""
    scheme, _, rest = address.rpartition("://")
    if scheme != "tcp":
        return
    host, _, port = rest.rpartition(":")
    said = f"sent no Dask handshake within {timeout:g} s"
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as sock:
        start = b""
        try:
            while len(start) < 8:
                got = sock.recv(8 - len(start))
                if not got:
                    said = "closed the connection"
                    break
                start += got
        except TimeoutError:
            pass
    if len(start) == 8:
        if min(int.from_bytes(start, "little"), int.from_bytes(start, "big")) <= 1 << 20:
            return
        said = "answered in another protocol"
    raise Word2VecError(
        f"{address} does not answer as a Dask scheduler (it {said}; a scheduler's port is "
        "usually 8786, its dashboard's 8787)"
    )


def _versions() -> dict[str, str]:
    """What must agree between the driver and the workers."""
    import dask
    import distributed

    return {
        "word2vec-numpy": _package_version(),
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "numpy": np.__version__.split(".")[0],
        "dask": dask.__version__,
        "distributed": distributed.__version__,
    }


def version_mismatch(local: dict[str, str], workers: dict[str, dict[str, str]]) -> str | None:
    """The first difference between the driver's ``_versions`` and a worker's, in words."""
    for address, theirs in sorted(workers.items()):
        for name, mine in local.items():
            if theirs.get(name) != mine:
                return (
                    f"version mismatch: worker {address} has {name} {theirs.get(name)}, "
                    f"this machine {mine}: install the same versions everywhere"
                )
    return None


def check_workers(client: Any, timeout: float = 10.0) -> None:
    """One-line errors for a scheduler without workers and for workers that cannot run this
    package or run other versions of it, Python, NumPy or Dask."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise Word2VecError(
            f"the Dask scheduler at {client.scheduler.address} has no workers "
            f"(none joined within {timeout:g} s)"
        ) from None
    try:
        found = client.run(_versions)
    except Exception as exc:  # e.g. the package is missing on a worker: unpickling fails
        raise Word2VecError(
            f"a Dask worker cannot run word2vec-numpy ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}): install the same version on "
            "every worker"
        ) from None
    mismatch = version_mismatch(_versions(), found)
    if mismatch:
        raise Word2VecError(mismatch)


# -- what runs on the workers -------------------------------------------------------------------
@dataclass
class _WorkerRun:
    """What one worker process keeps of one run: its parts and its replica."""

    folder: str
    counts: dict[int, PartCounts] = field(default_factory=dict)
    prov: dict[int, str] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)
    sizes: dict[int, tuple[int, int]] = field(default_factory=dict)  # words, ids of a part
    version: int = -1
    replica: dict[str, np.ndarray] | None = None
    base: dict[str, np.ndarray] | None = None  # the merged weights the replica started from
    model: Word2Vec | None = None
    keep_prob: np.ndarray | None = None


_RUNS: dict[tuple[str, str], _WorkerRun] = {}  # (run, worker address) -> its state


def _worker() -> Any:
    return _distributed().get_worker()


def _state(run: str) -> _WorkerRun:
    worker = _worker()
    key = (run, worker.address)
    if key not in _RUNS:
        folder = os.path.join(worker.local_directory, f"word2vec-{run}")
        os.makedirs(folder, exist_ok=True)
        _RUNS[key] = _WorkerRun(folder)
    return _RUNS[key]


def _on_worker(fn: Any, *args: Any) -> Any:
    """``fn(*args)``, with a user error named by the worker it happened on (and picklable)."""
    try:
        return fn(*args)
    except Word2VecError as exc:
        raise Word2VecError(f"worker {_worker().address}: {exc}") from None
    except OSError as exc:
        raise Word2VecError(f"worker {_worker().address}: {exc}") from None


def _check_paths(paths: list[str]) -> str | None:
    """Run on every worker: None, or why it cannot read one of ``paths``."""
    try:
        for path in paths:
            check_readable(path)
    except Word2VecError as exc:
        return str(exc)
    return None


def _count(run: str, part: Part) -> tuple[PartCounts, str]:
    state = _state(run)
    path = os.path.join(state.folder, f"part{part.index}.prov.u32")
    counts = _on_worker(count_part, part, path, state.folder)
    state.counts[part.index], state.prov[part.index] = counts, path
    state.ids.pop(part.index, None)
    return counts, _worker().address


def _encoded(state: _WorkerRun, run: str, part: Part, vocab: Vocabulary) -> str:
    """The local id file of ``part``, counted and encoded here first if it is not yet."""
    k = part.index
    if k not in state.ids:
        if k not in state.prov or not os.path.exists(state.prov[k]):
            _count(run, part)
        out = os.path.join(state.folder, f"part{k}.ids.u32")
        state.sizes[k] = _on_worker(encode_part, state.prov[k], state.counts[k], vocab, out)
        os.remove(state.prov.pop(k))
        state.ids[k] = out
    return state.ids[k]


def _encode(run: str, part: Part, vocab: Vocabulary) -> tuple[int, int]:
    state = _state(run)
    _encoded(state, run, part, vocab)
    return state.sizes[part.index]


@dataclass(frozen=True)
class RoundTask:
    """One part's share of a round: ids ``lo:hi`` of its id file, from merged ``version``."""

    part: Part
    epoch: int
    lo: int
    hi: int
    version: int
    words_before: int  # all workers' corpus words read before the round (the lr)
    scale: float  # all workers' words of the round per word of this part


def _at_version(state: _WorkerRun, update: dict, vocab: Vocabulary, config: TrainConfig) -> bool:
    """Bring the replica to the merged weights of ``update["version"]``; False when this
    worker cannot (it lacks the weights the update starts from)."""
    version = update["version"]
    if update["full"]:
        if state.version != version or state.replica is None:
            state.replica = {name: np.array(M) for name, M in update["arrays"].items()}
            state.base = {name: np.array(M) for name, M in update["arrays"].items()}
            outputs = {name: M for name, M in state.replica.items() if name != "W_in"}
            state.model = Word2Vec.from_arrays(vocab, state.replica["W_in"], outputs, config)
            state.keep_prob = vocab.keep_probabilities(config.sample)
            state.version = version
        return True
    if state.replica is None or state.base is None or state.version not in (version - 1, version):
        return False
    if state.version == version - 1:
        for name, (rows, values) in update["arrays"].items():
            state.replica[name][rows] = values
            state.base[name][rows] = values
        state.version = version
    return True


def changed_rows(M: np.ndarray, base: np.ndarray, block: int = 1 << 14) -> np.ndarray:
    """The rows where ``M`` differs from ``base`` (int32), compared a block of rows at a time."""
    found = [
        start + np.flatnonzero((M[start : start + block] != base[start : start + block]).any(1))
        for start in range(0, len(M), block)
    ]
    return np.concatenate(found).astype(np.int32) if found else np.zeros(0, np.int32)


def _train_round(
    run: str,
    task: RoundTask,
    vocab: Vocabulary,
    config: TrainConfig,
    schedule: LinearSchedule,
    update: dict,
) -> dict:
    """Run on a worker: one part's share of a round; returns its per-batch numbers and the
    deltas of the rows it changed, and puts the replica back to the merged weights."""
    state = _state(run)
    address = _worker().address
    if not _at_version(state, update, vocab, config):
        return {"need_state": True, "worker": address}
    assert state.model is not None and state.replica is not None and state.base is not None
    ids = IdFile(_encoded(state, run, task.part, vocab))
    model = state.model
    maker = BatchMaker(config.window, config.batch_centres, losses=model.losses)
    rng = np.random.default_rng([config.seed, task.part.index, task.epoch, task.lo])
    start = time.perf_counter()
    steps = train_slice(
        model,
        ids,
        task.lo,
        task.hi,
        state.keep_prob,
        maker,
        rng,
        lambda read: schedule(task.words_before + int(task.scale * read)),
        config.chunk_words,
    )
    try:
        numbers = np.array([step[:4] for step in steps], dtype=np.float64).reshape(-1, 4)
    except Word2VecError as exc:  # TrainingDiverged: its message, as a plain (picklable) error
        raise Word2VecError(f"worker {address}: {exc}") from None
    trained = time.perf_counter()
    deltas = {}
    for name, M in state.replica.items():
        B = state.base[name]
        rows = changed_rows(M, B)
        deltas[name] = (rows, M[rows] - B[rows])
        M[rows] = B[rows]  # back to the merged weights: the next task starts from them
    return {
        "part": task.part.index,
        "worker": address,
        "loss": numbers[:, 0],
        "pairs": numbers[:, 1].astype(np.int64),
        "read": numbers[:, 2].astype(np.int64),
        "kept": numbers[:, 3].astype(np.int64),
        "deltas": deltas,
        "train_seconds": trained - start,
        "delta_seconds": time.perf_counter() - trained,
    }


def _drop_replica(run: str, dask_worker: Any = None) -> None:
    for key in [k for k in _RUNS if k[0] == run]:
        state = _RUNS[key]
        state.replica = state.base = state.model = None
        state.version = -1


def _forget(run: str, dask_worker: Any = None) -> None:
    for key in [k for k in _RUNS if k[0] == run]:
        shutil.rmtree(_RUNS.pop(key).folder, ignore_errors=True)


# -- the corpus ---------------------------------------------------------------------------------
def _scatter(
    client: Any,
    payload: Any,
    worker: str | None = None,
    timeout: float = 30.0,
    lost_after: float = 60.0,
) -> Any:
    """Put ``payload`` on one worker (``worker``, or any) and return its future; the workers
    that need it fetch it from there. Not a broadcast: a worker dying meanwhile must not leave
    the driver waiting for it. Retried on another worker before giving up; with no worker
    at all, waited for until ``lost_after`` seconds have passed (``DaskBackend``'s rule)."""
    problem: Exception | None = None
    alone_since: float | None = None
    for attempt in itertools.count():
        tried_at = time.monotonic()
        wait = timeout
        if alone_since is not None:  # no more than what is left of ``lost_after``
            wait = max(1.0, min(timeout, lost_after - (tried_at - alone_since)))
        try:
            target = [worker] if worker is not None and attempt == 0 else None
            [future] = client.scatter([payload], workers=target, hash=False, timeout=wait)
            return future
        except Exception as exc:  # a worker that died under the transfer, a timeout
            problem = exc
        # with no worker now, none was there while this attempt waited either
        since = alone_since if alone_since is not None else tried_at
        alone_since = _alone_since(client, since, lost_after)
        if alone_since is None and attempt >= 2:
            break
        time.sleep(1.0)
    raise ClusterLost(f"cannot send data to the Dask workers: {type(problem).__name__}: {problem}")


def _alone_since(client: Any, since: float | None, lost_after: float) -> float | None:
    """When the cluster was first seen with no worker (``since``, or now), None while it has
    workers; ``ClusterLost`` once none has been there for ``lost_after`` seconds, or the
    scheduler is gone."""
    try:
        n_workers = len(client.nthreads())
    except Exception as exc:
        raise ClusterLost(f"lost the Dask scheduler: {type(exc).__name__}: {exc}") from None
    if n_workers:
        return None
    now = time.monotonic()
    if since is None:
        return now
    if now - since > lost_after:
        raise ClusterLost(f"no Dask worker left for {lost_after:g} s")
    return since


def _gather(futures: list) -> list:
    """The results of ``futures``; a worker's user error as it is, anything else in one line."""
    out = []
    for future in futures:
        try:
            out.append(future.result())
        except Word2VecError:
            raise
        except Exception as exc:
            raise ClusterLost(f"the Dask cluster failed: {type(exc).__name__}: {exc}") from None
    return out


def prepare_corpus(
    client: Any,
    paths: str | Sequence[str],
    *,
    min_count: int = 5,
    max_tokens: int | None = None,
    max_size: int | None = None,
    n_parts: int | None = None,
    source: str = "",
) -> PartedCorpus:
    """Split the files ``paths`` (folders stand for their text files) into ``n_parts`` parts
    (default: one per worker), count each part on a worker, merge the counts into the
    vocabulary, and have each worker encode its part to a local id file. Every worker must
    be able to read the paths (a shared filesystem, or fsspec URLs)."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    paths = [str(p) for p in paths]
    if not paths:
        raise Word2VecError("no corpus given: pass the paths of its files (or folders)")
    workers = sorted(client.nthreads())
    run = uuid.uuid4().hex[:12]
    files = _gather([client.submit(text_files, paths, pure=False)])[0]
    for address, problem in sorted(client.run(_check_paths, files).items()):
        if problem:
            raise Word2VecError(f"worker {address}: {problem}")
    parts = _gather([client.submit(split_corpus, files, n_parts or len(workers), pure=False)])[0]

    def count(part: Part, worker: str) -> Any:
        return client.submit(
            _count, run, part, workers=[worker], allow_other_workers=True, pure=False
        )

    counted = _gather([count(p, workers[p.index % len(workers)]) for p in parts])
    if max_tokens is not None:  # the first max_tokens tokens: cut the part where they end
        total, kept = 0, []
        for part, (pc, where) in zip(parts, counted, strict=True):
            if total >= max_tokens:
                break
            if total + pc.n_tokens > max_tokens:
                part = replace(part, max_tokens=max_tokens - total)
                pc, where = _gather([count(part, where)])[0]
            kept.append((part, (pc, where)))
            total += pc.n_tokens
        parts, counted = [p for p, _ in kept], [c for _, c in kept]
    vocab = merge_counts([pc for pc, _ in counted], min_count=min_count, max_size=max_size)
    if len(vocab):
        shared = _scatter(client, vocab)
        sizes = _gather(
            [
                client.submit(
                    _encode, run, part, shared, workers=[w], allow_other_workers=True, pure=False
                )
                for part, (_, w) in zip(parts, counted, strict=True)
            ]
        )
        del shared
    else:
        sizes = [(0, 0)] * len(parts)
    corpus = PartedCorpus(
        path=Path(""),
        vocab=vocab,
        n_words=sum(w for w, _ in sizes),
        source=source or ", ".join(paths),
        total_tokens=sum(pc.n_tokens for pc, _ in counted),
        parts=parts,
        part_words=[w for w, _ in sizes],
        part_ids=[n for _, n in sizes],
        run=run,
    )
    corpus.replaced = sum(pc.replaced for pc, _ in counted)  # type: ignore[attr-defined]
    return corpus


def forget_corpus(client: Any, corpus: PartedCorpus) -> None:
    """Delete the parts' id files on the workers."""
    try:
        client.run(_forget, corpus.run)
    except Exception:  # noqa: S110 - a worker that is gone has nothing left to delete
        pass


# -- merging ------------------------------------------------------------------------------------
def merge_deltas(
    W: np.ndarray, deltas: Sequence[tuple[np.ndarray, np.ndarray]], rule: str = DEFAULT_MERGE
) -> np.ndarray:
    """Add the replicas' deltas ``(rows, values)`` to ``W`` in place by ``rule`` (module
    docstring); returns the rows that changed. A replica's rows are distinct (``changed_rows``),
    so each is added with one fancy-indexed ``+=``, replica after replica in the order given:
    the sums are the same whichever worker computed what."""
    if rule not in MERGES:
        raise ConfigError(f"merge must be one of {', '.join(MERGES)}, not {rule!r}")
    union = np.unique(np.concatenate([rows for rows, _ in deltas])) if deltas else np.zeros(0, int)
    step = np.zeros((len(union), W.shape[1]), dtype=W.dtype)
    touched = np.zeros(len(union), dtype=np.int64)
    for rows, values in deltas:
        at = np.searchsorted(union, rows)
        step[at] += values
        touched[at] += 1
    if rule == "touched":
        step /= touched.astype(W.dtype)[:, None]
    elif rule == "mean":
        step /= W.dtype.type(max(len(deltas), 1))
    W[union] += step
    return union


# -- the backend --------------------------------------------------------------------------------
class DaskBackend(Backend):
    """Trains a ``PartedCorpus`` (``prepare_corpus``) on the workers of ``client``: one
    replica per worker, merged every ``config.sync_every`` words of each part by ``merge``
    (module docstring). ``rounds`` records each synchronisation: bytes sent up (deltas) and
    down (merged rows), rows merged, and seconds."""

    def __init__(self, client: Any, merge: str = DEFAULT_MERGE, lost_after: float = 60.0) -> None:
        if merge not in MERGES:
            raise ConfigError(f"merge must be one of {', '.join(MERGES)}, not {merge!r}")
        self.client = client
        self.merge = merge
        self.lost_after = float(lost_after)
        self.rounds: list[dict] = []
        self.moved = 0  # rounds of a part that ran on another worker than asked (faults)
        self.full_sent = 0  # whole weights sent to a worker that lacked them

    def summary(self) -> dict:
        """What the synchronisations cost, for metrics: totals and means per round."""
        rounds = self.rounds
        n = max(len(rounds), 1)
        up = sum(r["bytes_up"] for r in rounds)
        down = sum(r["bytes_down"] for r in rounds)
        return {
            "merge": self.merge,
            "parts": self.n_slices,
            "synchronisations": len(rounds),
            "bytes_up": up,
            "bytes_down": down,
            "bytes_per_sync": round((up + down) / n),
            "rows_per_sync": {
                name: round(sum(r["rows"][name] for r in rounds) / n) for name in rounds[0]["rows"]
            }
            if rounds
            else {},
            "train_seconds_per_sync": round(sum(r["train_seconds"] for r in rounds) / n, 4),
            "delta_seconds_per_sync": round(sum(r["delta_seconds"] for r in rounds) / n, 4),
            "merge_seconds_per_sync": round(sum(r["merge_seconds"] for r in rounds) / n, 4),
            "seconds_per_sync": round(sum(r["seconds"] for r in rounds) / n, 4),
            "rounds_moved": self.moved,
            "full_weights_sent": self.full_sent,
        }

    def open(self, job: TrainJob) -> None:
        corpus = job.corpus
        if not isinstance(corpus, PartedCorpus):
            raise Word2VecError(
                "DaskBackend trains a corpus prepared on the cluster: "
                "corpus = prepare_corpus(client, paths, min_count=...)"
            )
        self.n_slices = corpus.n_parts
        self._corpus = corpus
        self._vocab = _scatter(self.client, corpus.vocab, lost_after=self.lost_after)
        self._version = 0
        self._payload = {"version": 0, "full": True, "arrays": job.model.matrices()}
        self._update = _scatter(self.client, self._payload, lost_after=self.lost_after)
        self._pending: dict | None = None
        self._full: dict[str, Any] = {}
        self._full_bytes = 0
        self._where: dict[int, str] = {}
        self._live: list = []

    def close(self, job: TrainJob) -> None:
        for future in self._live:
            future.cancel()
        self._live = []
        self._update = self._vocab = None
        self._full.clear()
        try:
            self.client.run(_drop_replica, self._corpus.run)
        except Exception:  # noqa: S110 - the workers are gone, and their replicas with them
            pass

    # -- one epoch --------------------------------------------------------------------------
    def slice_bounds(self, n_ids: int) -> list[int]:
        """The parts, one after the other, as the trainer's slices of ``n_ids`` ids: a
        position ``p`` in part ``k`` is ``bounds[k] + p`` to the trainer."""
        return [0, *(int(b) for b in np.cumsum(self._corpus.part_ids))]

    def run_epoch(self, job: TrainJob, run: EpochRun) -> bool:
        corpus = self._corpus
        n = self.n_slices
        ends = [int(e) for e in corpus.part_ids]
        offsets = self.slice_bounds(sum(ends))[:-1]
        starts = [0] * n
        if len(run.positions) == n:
            starts = [int(p) - off for p, off in zip(run.positions, offsets, strict=True)]
        # The epoch's rounds cut every part into n_rounds equal spans, the same whether the
        # epoch starts afresh or resumes (a resumed epoch skips what lies before its start).
        n_rounds = max(1, math.ceil(max(ends, default=0) / job.config.sync_every))
        bounds = [np.linspace(0, e, n_rounds + 1).round().astype(np.int64) for e in ends]
        done = run.words_before
        for r in range(n_rounds):
            spans = {}
            for k, b in enumerate(bounds):
                lo, hi = max(int(b[r]), starts[k]), int(b[r + 1])
                if hi > lo:
                    spans[k] = (lo, hi)
            if not spans:
                continue
            total = sum(hi - lo for lo, hi in spans.values())
            tasks = [
                RoundTask(corpus.parts[k], run.epoch, lo, hi, 0, done, total / (hi - lo))
                for k, (lo, hi) in spans.items()
            ]
            positions = [
                off + max(int(b[r + 1]), s)
                for b, s, off in zip(bounds, starts, offsets, strict=True)
            ]
            results = self._round(job, tasks, run) if tasks else []
            done = self._report(run, results, done, positions)
            if run.should_stop():
                return False
        return True

    def _round(self, job: TrainJob, tasks: list[RoundTask], run: EpochRun) -> list[dict]:
        """Train the tasks of one round on the workers, merge their deltas into the model."""
        client = self.client
        started = time.perf_counter()
        down = 0
        if self._pending is not None:  # the merged rows of the last round, to every worker
            self._version += 1
            payload = dict(self._pending, version=self._version)
            self._payload = payload
            self._update = _scatter(client, payload, lost_after=self.lost_after)
            down += _nbytes(payload["arrays"]) * len(client.nthreads())  # each worker fetches it
            self._pending = None
            self._full.clear()
        tasks = [replace(t, version=self._version) for t in tasks]
        pending = {self._submit(job, t, None): t for t in tasks}
        results: dict[int, dict] = {}
        failures: dict[int, int] = {}
        alone_since: float | None = None
        while pending:
            self._live = list(pending)
            finished = _wait_any(list(pending))
            for future in finished:
                task = pending.pop(future)
                k = task.part.index
                try:
                    result = _gather([future])[0]
                except ClusterLost:  # e.g. the one worker that held its inputs died: resend
                    failures[k] = failures.get(k, 0) + 1
                    if failures[k] > 2:
                        raise
                    self._vocab = _scatter(client, self._corpus.vocab, lost_after=self.lost_after)
                    self._update = _scatter(client, self._payload, lost_after=self.lost_after)
                    self._full.clear()
                    pending[self._submit(job, task, None)] = task
                    continue
                if result.get("need_state"):  # a new worker: send it the merged weights
                    pending[self._submit(job, task, result["worker"])] = task
                    continue
                if self._where.get(k, result["worker"]) != result["worker"]:
                    self.moved += 1
                self._where[k] = result["worker"]
                results[k] = result
            if not finished:
                alone_since = self._check_workers(alone_since)
        self._live = []
        down += self._full_bytes
        self._full_bytes = 0
        ordered = [results[k] for k in sorted(results)]
        merged_at = time.perf_counter()
        update = {}
        for name, W in job.model.matrices().items():
            rows = merge_deltas(W, [res["deltas"][name] for res in ordered], self.merge)
            update[name] = (rows, W[rows])
        self._pending = {"full": False, "arrays": update}
        up = sum(_nbytes(res["deltas"]) for res in ordered)
        self.rounds.append(
            {
                "epoch": run.epoch,
                "parts": len(ordered),
                "words": int(sum(res["read"][-1] for res in ordered if len(res["read"]))),
                "bytes_up": up,
                "bytes_down": down,
                "rows": {name: len(rows) for name, (rows, _) in update.items()},
                "train_seconds": max(res["train_seconds"] for res in ordered),
                "delta_seconds": max(res["delta_seconds"] for res in ordered),
                "merge_seconds": time.perf_counter() - merged_at,
                "seconds": time.perf_counter() - started,
            }
        )
        return ordered

    def _submit(self, job: TrainJob, task: RoundTask, full_for: str | None) -> Any:
        """Submit one task, to the worker that trained the part last (its id file is there),
        or to ``full_for`` with the whole merged weights."""
        client = self.client
        k = task.part.index
        update = self._update
        if full_for is not None:
            if full_for not in self._full:
                payload = {"version": self._version, "full": True, "arrays": job.model.matrices()}
                self._full[full_for] = _scatter(
                    client, payload, full_for, lost_after=self.lost_after
                )
                self.full_sent += 1
                self._full_bytes += _nbytes(payload["arrays"])
            update, worker = self._full[full_for], full_for
        else:
            workers = sorted(client.nthreads())
            worker = self._where.get(k) or workers[k % max(len(workers), 1)]
        return client.submit(
            _train_round,
            self._corpus.run,
            task,
            self._vocab,
            job.config,
            job.schedule,
            update,
            workers=[worker],
            allow_other_workers=True,
            pure=False,
        )

    def _check_workers(self, alone_since: float | None) -> float | None:
        """Raise ``ClusterLost`` when no worker has been there for ``lost_after`` seconds."""
        return _alone_since(self.client, alone_since, self.lost_after)

    def _report(self, run: EpochRun, results: list[dict], done: int, positions: list[int]) -> int:
        """Report the round's batches to the trainer, the parts' batches interleaved by how far
        through its share each part was; positions with the last. Returns the words done."""
        if not results or not sum(len(res["read"]) for res in results):
            run.report(loss=0.0, pairs=0, batches=0, words=done, kept=0, positions=positions)
            return done
        fraction = np.concatenate([res["read"] / max(res["read"][-1], 1) for res in results])
        which = np.concatenate([np.full(len(res["read"]), i) for i, res in enumerate(results)])
        words = np.concatenate([np.diff(res["read"], prepend=0) for res in results])
        loss, pairs, kept = (np.concatenate([res[key] for res in results]) for key in _BATCH_KEYS)
        order = np.lexsort((which, fraction))
        total = done + np.cumsum(words[order])
        last = len(order) - 1
        for i, j in enumerate(order):
            run.report(
                loss=float(loss[j]),
                pairs=int(pairs[j]),
                batches=1,
                words=int(total[i]),
                kept=int(kept[j]),
                positions=positions if i == last else None,
            )
        return int(total[-1])


def _nbytes(arrays: dict) -> int:
    """Bytes of the arrays of a dict of arrays or of (rows, values) pairs."""
    total = 0
    for value in arrays.values():
        for array in value if isinstance(value, tuple) else (value,):
            total += array.nbytes
    return total


def _wait_any(futures: list) -> list:
    """The futures that finished within ``_POLL_SECONDS`` (maybe none)."""
    distributed = _distributed()
    try:
        done, _ = distributed.wait(futures, timeout=_POLL_SECONDS, return_when="FIRST_COMPLETED")
    except TimeoutError:
        return []
    except Exception:  # some were cancelled (their inputs were lost): they are done, in error
        return [f for f in futures if f.status != "pending"]
    return list(done)


# -- one call -----------------------------------------------------------------------------------
def train_distributed(
    client: Any,
    config: TrainConfig | None = None,
    corpus: str | Sequence[str] | PartedCorpus = (),
    *,
    merge: str = DEFAULT_MERGE,
    max_tokens: int | None = None,
    quiet: bool = True,
    **options: Any,
) -> Word2Vec:
    """Train a model on the Dask cluster of ``client`` and return it.

    ``corpus``: paths every worker can read (files, folders, fsspec URLs), or a corpus from
    ``prepare_corpus``; ``config`` and ``options`` (``TrainConfig`` fields, gensim's names
    accepted) as for one machine, ``sync_every`` included. The parts' id files are deleted
    from the workers at the end unless ``corpus`` was prepared by the caller."""
    config = TrainConfig.from_options(config, **options)
    prepared = isinstance(corpus, PartedCorpus)
    parted = (
        corpus
        if isinstance(corpus, PartedCorpus)
        else prepare_corpus(client, corpus, min_count=config.min_count, max_tokens=max_tokens)
    )
    try:
        if len(parted.vocab) == 0:
            raise Word2VecError(f"no word occurs min_count={config.min_count} times in the corpus")
        model = Word2Vec(parted.vocab, config)
        Trainer(
            model, parted.vocab, parted, backend=DaskBackend(client, merge), quiet=quiet
        ).train()
    finally:
        if not prepared:
            forget_corpus(client, parted)
    return model

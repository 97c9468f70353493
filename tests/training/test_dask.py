"""Training on a Dask cluster (training/dask.py): a local cluster of two worker processes on
127.0.0.1, started and closed in this module. It trains, learns the planted analogies,
builds the one-machine vocabulary, survives a worker killed in the middle of a round with
exactly the weights of an undisturbed run, and reports bad addresses and unreadable corpora
in one line."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

pytest.importorskip("distributed", reason="Dask is an optional extra: pip install '.[dask]'")

from conftest import run_cli  # noqa: E402

from word2vec_numpy import Trainer, Word2Vec, Word2VecError, encode_corpus  # noqa: E402
from word2vec_numpy.data.sample import sample_questions, write_sample_corpus  # noqa: E402
from word2vec_numpy.data.text import iter_sentences  # noqa: E402
from word2vec_numpy.training import dask as dask_backend  # noqa: E402
from word2vec_numpy.training.dask import (  # noqa: E402
    DaskBackend,
    connect,
    merge_deltas,
    prepare_corpus,
    train_distributed,
    version_mismatch,
)
from word2vec_numpy.vectors.evaluate import evaluate_analogy_text  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """(client, LocalCluster): two single-threaded worker processes on 127.0.0.1."""
    client, local = connect("local:2")
    yield client, local
    client.close()
    local.close()


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory):
    """The built-in sample corpus (1M tokens) as a file every worker can read."""
    path = tmp_path_factory.mktemp("dask") / "sample.txt"
    write_sample_corpus(path, seed=5)
    return path


@pytest.fixture(scope="module")
def small_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "small.txt"
    write_sample_corpus(path, 150_000, seed=6)
    return path


@pytest.fixture(scope="module")
def prepared(cluster, sample_path):
    client, _ = cluster
    return prepare_corpus(client, str(sample_path), min_count=5)


def part_ids(client, corpus) -> np.ndarray:
    """The parts' id files, read on the workers that hold them, in part order."""

    def read(run=corpus.run):
        return {
            k: np.fromfile(path, dtype=np.uint32)
            for (r, _), state in dask_backend._RUNS.items()
            if r == run
            for k, path in state.ids.items()
        }

    found: dict = {}
    for files in client.run(read).values():
        found.update(files)
    return np.concatenate([found[k] for k in sorted(found)])


# ------------------------------------------------------------------------------- no cluster


def test_merge_rules_on_a_hand_worked_example():
    W = np.zeros((3, 2), dtype=np.float32)
    # replica 0 changed rows 0 and 1, replica 1 rows 0 and 2
    deltas = [
        (np.array([0, 1], np.int32), np.array([[2, 2], [4, 4]], np.float32)),
        (np.array([0, 2], np.int32), np.array([[6, 6], [8, 8]], np.float32)),
    ]
    expected = {
        "touched": [[4, 4], [4, 4], [8, 8]],  # a row one replica touched keeps its update
        "mean": [[4, 4], [2, 2], [4, 4]],  # ... which the plain mean halves
        "sum": [[8, 8], [4, 4], [8, 8]],
    }
    for rule, rows in expected.items():
        merged = W.copy()
        changed = merge_deltas(merged, deltas, rule)
        np.testing.assert_array_equal(changed, [0, 1, 2])
        np.testing.assert_array_equal(merged, np.array(rows, np.float32))


def test_version_mismatch_names_the_worker_and_the_package():
    mine = {"word2vec-numpy": "0.1.0", "python": "3.11", "dask": "2026.1.0"}
    assert version_mismatch(mine, {"tcp://a:1": dict(mine)}) is None
    other = dict(mine, dask="2025.1.0")
    message = version_mismatch(mine, {"tcp://a:1": dict(mine), "tcp://b:2": other})
    assert "tcp://b:2" in message and "dask 2025.1.0" in message and "2026.1.0" in message


def test_bad_scheduler_addresses_are_one_line(capsys):
    code, _, err = run_cli(["train", "--dask", "nonsense", "--quiet"], capsys)
    assert code == 2 and "--dask must be a scheduler address" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_cli(["train", "--dask", "local:0", "--quiet"], capsys)
    assert code == 2 and err.count("\n") == 1
    # nothing listens on port 1 of this machine: refused at once, not after Dask's retries
    with pytest.raises(Word2VecError, match=r"cannot reach the Dask scheduler at tcp://127\.0"):
        connect("tcp://127.0.0.1:1", timeout=5)
    code, _, err = run_cli(["train", "--dask", "", "--quiet"], capsys)  # an empty $ADDRESS
    assert code == 2 and "--dask must be a scheduler address" in err and err.count("\n") == 1


@pytest.mark.parametrize("answer", [None, b"HTTP/1.1 400 Bad Request\r\n\r\n", b""])
def test_a_server_that_is_not_a_dask_scheduler_is_named(answer):
    """A web server (the dashboard's port 8787 for the scheduler's 8786): Dask waited for ever
    on one that stays silent and ran out of memory on an HTTP answer (read as a length)."""
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        with conn:
            if answer is None:
                conn.recv(1)  # silent until it is spoken to: returns when the client leaves
            elif answer:
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with pytest.raises(Word2VecError, match="does not answer as a Dask scheduler") as info:
            connect(f"tcp://127.0.0.1:{port}", timeout=1)
        said = {None: "sent no Dask handshake within 1 s", b"": "closed the connection"}
        assert said.get(answer, "answered in another protocol") in str(info.value)
    finally:
        thread.join(5)
        server.close()


# ------------------------------------------------------------------------------ the cluster


def test_vocabulary_and_ids_are_those_of_one_machine(cluster, prepared, sample_path, tmp_path):
    client, _ = cluster
    one = encode_corpus(iter_sentences(sample_path), tmp_path / "one.ids", min_count=5)
    assert prepared.n_parts == 2
    assert prepared.vocab.words == one.vocab.words
    np.testing.assert_array_equal(prepared.vocab.counts, one.vocab.counts)
    assert (prepared.n_words, prepared.total_tokens) == (one.n_words, one.total_tokens)
    np.testing.assert_array_equal(part_ids(client, prepared), np.asarray(one.ids))


def test_max_tokens_reads_what_one_machine_reads(cluster, small_path, tmp_path):
    client, _ = cluster
    cut = prepare_corpus(client, str(small_path), min_count=3, max_tokens=100_000)
    one = encode_corpus(
        iter_sentences(small_path), tmp_path / "cut.ids", min_count=3, max_tokens=100_000
    )
    assert cut.vocab.words == one.vocab.words and cut.total_tokens == 100_000
    np.testing.assert_array_equal(part_ids(client, cut), np.asarray(one.ids))


def test_no_corpus_is_said_so(cluster):
    client, _ = cluster
    for corpus in ((), []):  # blamed the cluster: "IndexError: list index out of range"
        with pytest.raises(Word2VecError, match="no corpus given"):
            train_distributed(client, corpus=corpus)


def test_a_worker_that_cannot_read_the_corpus_is_one_line(cluster, tmp_path):
    client, _ = cluster
    missing = str(tmp_path / "not-there.txt")
    with pytest.raises(Word2VecError, match=r"^worker tcp://127\.0\.0\.1:\d+: cannot read corpus"):
        prepare_corpus(client, missing)


def test_trains_the_planted_analogies(cluster, prepared):
    client, _ = cluster
    model = train_distributed(client, corpus=prepared, dim=30, epochs=2, sync_every=100_000)
    result = evaluate_analogy_text(model.vocab.words, model.W_in, sample_questions())
    print(f"dask, 2 workers: accuracy {result['accuracy']:.4f} on {result['total']} questions")
    assert result["skipped"] == 0
    assert result["accuracy"] >= 0.90
    assert model.analogy("king", "man", "woman")[0][0] == "queen"
    assert len(model.epoch_losses) == 2 and model.epoch_losses[-1] < model.epoch_losses[0]


def test_a_corpus_on_the_cluster_needs_the_backend(prepared):
    with pytest.raises(Word2VecError, match="DaskBackend"):
        Trainer(Word2Vec(prepared.vocab, dim=8), prepared.vocab, prepared)


def _worker_starts(client) -> dict:
    """Each worker's pid, whether it ignores SIGINT, and its Dask logging setting (a worker
    that is going away is left out)."""

    def look():
        with open("/proc/self/status") as status:
            ignored = next(int(line.split()[1], 16) for line in status if line.startswith("SigIgn"))
        return (
            os.getpid(),
            bool(ignored & (1 << (signal.SIGINT - 1))),
            os.environ.get("DASK_LOGGING__DISTRIBUTED"),
        )

    return client.run(look, on_error="ignore")


def test_the_local_workers_leave_ctrl_c_to_the_driver(cluster):
    """A terminal's Ctrl-C goes to the whole process group; the local cluster's workers, the
    first ones and those Dask starts after one died, ignore SIGINT and keep training until
    the driver stops them (they died mid-round, and the driver waited for them 95 s), and
    log only critical errors."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        pytest.skip("SIGINT is ignored here already: every child would inherit that")
    client, _ = cluster
    first = _worker_starts(client)
    assert [(ign, level) for _, ign, level in first.values()] == [(True, "critical")] * 2
    os.kill(next(iter(first.values()))[0], signal.SIGKILL)  # the nanny starts another
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = _worker_starts(client) if len(client.nthreads()) == 2 else {}
        if len(now) == 2 and {pid for pid, _, _ in now.values()} != {
            pid for pid, _, _ in first.values()
        }:
            break
        time.sleep(0.2)
    else:
        pytest.fail("no worker was started in place of the killed one")
    assert [(ign, level) for _, ign, level in now.values()] == [(True, "critical")] * 2


def test_command_line_on_a_running_scheduler(cluster, small_path, tmp_path, capsys):
    client, _ = cluster
    out = tmp_path / "model"
    argv = ["train", "--dask", client.scheduler.address, "--corpus", str(small_path)]
    argv += ["--max-tokens", "100000", "--dim", "8"]
    argv += ["--epochs", "2", "--sync-every", "10000", "--quiet", "--out", str(out)]
    argv += ["--checkpoint-every-epoch"]
    code, stdout, err = run_cli(argv, capsys)
    assert code == 0, err
    assert "trained skipgram on" in stdout
    import json

    metrics = json.loads((tmp_path / "model.metrics.json").read_text())
    assert metrics["dask"]["parts"] == 2 and metrics["dask"]["synchronisations"] >= 4
    assert metrics["dask"]["bytes_up"] > 0
    assert not list(tmp_path.glob("*.ckpt.npz"))  # superseded by the finished model


def test_resume_on_the_command_line_keeps_the_synchronisations(
    cluster, small_path, tmp_path, capsys, monkeypatch
):
    """``--resume`` without ``--sync-every`` took the default (100,000 words), so the resumed
    run merged at other points than the stopped one: other weights. It keeps the
    checkpoint's, and ends with the undisturbed run's weights."""
    client, _ = cluster
    argv = ["train", "--dask", client.scheduler.address, "--corpus", str(small_path)]
    argv += ["--max-tokens", "60000", "--dim", "8", "--epochs", "2", "--sync-every", "8000"]
    argv += ["--quiet"]
    assert run_cli([*argv, "--out", str(tmp_path / "whole")], capsys)[0] == 0
    train = Trainer.train

    def stop_soon(self, on_chunk=None):
        return train(self, on_chunk=lambda t: t.request_stop() if t.words_done > 20_000 else None)

    monkeypatch.setattr(Trainer, "train", stop_soon)
    assert run_cli([*argv, "--out", str(tmp_path / "cut")], capsys)[0] == 130
    monkeypatch.setattr(Trainer, "train", train)
    resume = ["train", "--resume", str(tmp_path / "cut.ckpt.npz"), "--out", str(tmp_path / "cut")]
    code, _, err = run_cli([*resume, "--dask", client.scheduler.address, "--quiet"], capsys)
    assert code == 0, err
    import json

    metrics = json.loads((tmp_path / "cut.metrics.json").read_text())
    assert metrics["hyperparameters"]["sync_every"] == 8000
    whole, cut = Word2Vec.load(tmp_path / "whole.npz"), Word2Vec.load(tmp_path / "cut.npz")
    np.testing.assert_array_equal(cut.W_in, whole.W_in)


SETTINGS = dict(epochs=2, sync_every=15_000, quiet=True)


def _train(client, corpus, on_chunk=None, model=None, state=None):
    model = model if model is not None else Word2Vec(corpus.vocab, dim=16, seed=3)
    backend = DaskBackend(client)
    trainer = Trainer(model, corpus.vocab, corpus, backend=backend, **SETTINGS)
    if state is not None:
        trainer.restore(state)
    trainer.train(on_chunk=on_chunk)
    return model, trainer, backend


@pytest.fixture(scope="module")
def reference(cluster, small_path):
    """A small corpus on the cluster and an undisturbed run on it (model, trainer)."""
    client, _ = cluster
    corpus = prepare_corpus(client, str(small_path), min_count=5)
    model, trainer, backend = _train(client, corpus)
    per_epoch = -(-max(corpus.part_ids) // SETTINGS["sync_every"])
    assert per_epoch >= 4 and len(backend.rounds) == 2 * per_epoch
    return corpus, model, trainer


def test_stop_and_resume_give_the_undisturbed_weights(cluster, reference, tmp_path):
    client, _ = cluster
    corpus, expected, undisturbed = reference
    per_epoch = -(-max(corpus.part_ids) // SETTINGS["sync_every"])
    rounds = [0]

    def stop_in_the_second_epoch(trainer):
        rounds[0] += 1
        if rounds[0] == per_epoch + 2:
            trainer.request_stop()

    model, trainer, _ = _train(client, corpus, stop_in_the_second_epoch)
    assert not trainer.finished and trainer.epoch == 1 and len(trainer.todo) == 2, trainer.todo
    path = model.save(tmp_path / "ckpt", extra_state=trainer.state())
    loaded = Word2Vec.load(path)
    resumed, again, _ = _train(client, corpus, model=loaded, state=loaded.training_state)
    assert again.finished and again.words_done == again.total_words
    np.testing.assert_array_equal(resumed.W_in, expected.W_in)
    np.testing.assert_array_equal(resumed.W_out, expected.W_out)
    assert again.epoch_losses == undisturbed.epoch_losses


def test_a_worker_killed_mid_round_changes_nothing(cluster, reference):
    """The round is redone from the last merged weights on another worker: every word of
    the epoch is trained once, and the weights are those of an undisturbed run."""
    client, _ = cluster
    corpus, expected, undisturbed = reference
    victim = sorted(client.run(os.getpid).items())[1][1]
    rounds = [0]

    def kill_during_the_next_round(trainer):
        rounds[0] += 1
        if rounds[0] == 2:  # the next round starts when this returns and lasts ~1 s
            threading.Timer(0.2, os.kill, (victim, signal.SIGKILL)).start()

    model, trainer, backend = _train(client, corpus, kill_during_the_next_round)
    assert trainer.finished and trainer.words_done == trainer.total_words
    assert victim not in client.run(os.getpid).values()  # the worker really died
    assert backend.moved + backend.full_sent >= 1  # and its round ran elsewhere
    np.testing.assert_array_equal(model.W_in, expected.W_in)
    np.testing.assert_array_equal(model.W_out, expected.W_out)
    assert trainer.epoch_losses == undisturbed.epoch_losses


class _NoWorkers:
    """A client whose workers are all gone: a scatter waits its timeout, then fails."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def nthreads(self) -> dict:
        return {}

    def scatter(self, data, workers=None, hash=False, timeout=None):
        self.waits.append(timeout)
        raise TimeoutError("No valid workers found")


def test_with_no_worker_left_a_send_gives_up_after_lost_after(monkeypatch):
    """All workers lost: the run stopped after 3 sends of 30 s each (93 s, "cannot send
    data"); it stops as documented, after ``lost_after`` seconds with no worker."""
    import types

    clock = [0.0]
    client = _NoWorkers()

    def monotonic():
        return clock[0]

    def scatter(data, workers=None, hash=False, timeout=None):
        clock[0] += timeout  # it waits its whole timeout for a worker
        return _NoWorkers.scatter(client, data, workers, hash, timeout)

    def sleep(seconds):
        clock[0] += seconds

    client.scatter = scatter
    # this module's clock only (the cluster's event loop, in another thread, keeps the real one)
    fake = types.SimpleNamespace(monotonic=monotonic, sleep=sleep, perf_counter=monotonic)
    monkeypatch.setattr(dask_backend, "time", fake)
    with pytest.raises(dask_backend.ClusterLost, match="no Dask worker left for 60 s"):
        dask_backend._scatter(client, {"x": 1}, lost_after=60.0)
    assert 60 < clock[0] <= 65, clock  # not 3 x 30 s and the sleeps: 93 s
    assert all(wait <= 30.0 for wait in client.waits)

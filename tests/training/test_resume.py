"""Checkpoints: a run stopped and resumed ends with exactly the weights of an uninterrupted
one (one worker), through the API and through the command line with a real SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import shm_segments_of, workers_of

from word2vec_numpy import Trainer, Word2Vec, Word2VecError, encode_corpus
from word2vec_numpy.data.sample import generate_sample_sentences, write_sample_corpus

SETTINGS = dict(n_epochs=2, workers=1, seed=7, quiet=True, chunk_words=20_000)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resume")
    return encode_corpus(generate_sample_sentences(120_000, seed=3), folder / "ids.u32")


def _fresh(corpus) -> tuple[Word2Vec, Trainer]:
    model = Word2Vec(corpus.vocab, embed_dim=16, seed=7)
    return model, Trainer(model, corpus.vocab, corpus, **SETTINGS)


@pytest.mark.parametrize("stop_after", [1, 4, 7])  # mid first epoch, mid second, ...
def test_stop_and_resume_equals_uninterrupted(corpus, tmp_path, stop_after):
    model, trainer = _fresh(corpus)
    trainer.train()

    part_model, part = _fresh(corpus)
    chunks = [0]
    clock = []

    def stop(t: Trainer) -> None:
        chunks[0] += 1
        clock.append(t.state()["seconds"])  # a periodic checkpoint's: the time so far
        if chunks[0] == stop_after:
            t.request_stop()

    part.train(on_chunk=stop)
    assert 0 < clock[0] and clock == sorted(clock) and part.seconds >= clock[-1]
    assert not part.finished
    path = part_model.save(tmp_path / "ckpt", extra_state=part.state())

    resumed_model = Word2Vec.load(path)
    resumed = Trainer(resumed_model, corpus.vocab, corpus, **SETTINGS)
    resumed.restore(resumed_model.training_state)
    resumed.train()

    assert resumed.finished
    np.testing.assert_array_equal(resumed_model.W_in, model.W_in)
    np.testing.assert_array_equal(resumed_model.W_out, model.W_out)
    assert resumed.loss_history == trainer.loss_history
    assert resumed.epoch_losses == trainer.epoch_losses


def test_restore_refuses_another_corpus_or_settings(corpus, tmp_path):
    model, trainer = _fresh(corpus)
    trainer.request_stop()
    trainer.train()
    state = trainer.state()
    other = encode_corpus(generate_sample_sentences(60_000, seed=4), tmp_path / "other.u32")
    with pytest.raises(Word2VecError, match="different corpus"):
        Trainer(Word2Vec(other.vocab, 16), other.vocab, other, **SETTINGS).restore(state)
    changed = dict(SETTINGS, window=3)
    with pytest.raises(Word2VecError, match="window"):
        Trainer(Word2Vec(corpus.vocab, 16), corpus.vocab, corpus, **changed).restore(state)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rng": "x"}, "the random generator's state is not a mapping"),
        ({"rng": {}}, "damaged"),
        ({"epoch": 7}, "epoch 7 of a run of 2"),
        ({"epoch": -1}, "epoch is -1"),
        ({"todo": [{"lo": 10**9, "hi": 2 * 10**9}]}, "ids 1000000000..2000000000 of a corpus"),
        ({"todo": {"lo": 0}}, "damaged"),
        ({"accumulators": None}, "no 'accumulators'"),
        ({"accumulators": [1.0]}, "1 accumulators, not 5"),
        ({"loss_history": ["a"]}, "damaged"),
        ({"words_done": "many"}, "damaged"),
        ({"words_done": float("inf")}, "damaged"),  # JSON's 1e999
        ({"todo": [{"lo": 0, "hi": 10, "done": 50, "rng": {}}]}, "50 batches done of ids 0..10"),
        ({"todo": [{"lo": 0, "hi": 10, "done": 1, "rng": None}]}, "without its random"),
    ],
)
def test_restore_refuses_a_damaged_state_in_one_line(corpus, change, message):
    """A checkpoint whose checksum is right but whose state cannot come from this run (edited,
    or written by a bug) is refused, never trained from nor a traceback."""
    model, trainer = _fresh(corpus)
    trainer.request_stop()
    trainer.train()
    state = dict(trainer.state(), **change)
    if change == {"accumulators": None}:
        del state["accumulators"]
    with pytest.raises(Word2VecError) as info:
        _fresh(corpus)[1].restore(state)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("the checkpoint")


def _train(args, cwd, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "word2vec_numpy", "train", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_sigint_then_resume_through_the_cli(tmp_path):
    text = tmp_path / "corpus.txt"
    write_sample_corpus(text, n_tokens=300_000, seed=5)
    common = [
        "--corpus",
        str(text),
        "--workers",
        "1",
        "--epochs",
        "2",
        "--dim",
        "16",
        "--seed",
        "3",
        "--quiet",
    ]
    full = _train([*common, "--out", "full"], tmp_path)
    assert full.wait(timeout=300) == 0, full.stderr.read()

    part = _train([*common, "--out", "part", "--checkpoint-every", "20000"], tmp_path)
    ckpt = tmp_path / "part.ckpt.npz"
    deadline = time.time() + 120
    while not ckpt.exists() and part.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    if part.poll() is not None:
        pytest.skip("training finished before it could be interrupted")
    part.send_signal(signal.SIGINT)
    assert part.wait(timeout=120) == 130
    err = part.stderr.read()
    assert "resume with" in err and "Traceback" not in err
    assert not (tmp_path / "part.npz").exists()  # no finished model from a stopped run
    leftovers = [p for p in os.listdir(tmp_path) if p.endswith(".tmp") or p.endswith(".u32")]
    assert leftovers == []

    again = _train(["--resume", str(ckpt), "--out", "part", "--workers", "1", "--quiet"], tmp_path)
    assert again.wait(timeout=300) == 0, again.stderr.read()
    a, b = np.load(tmp_path / "full.npz"), np.load(tmp_path / "part.npz")
    np.testing.assert_array_equal(a["W_in"], b["W_in"])
    np.testing.assert_array_equal(a["W_out"], b["W_out"])
    assert not ckpt.exists()  # superseded by the finished model

    # a different option on resume is refused in one line
    bad = _train(["--resume", str(tmp_path / "full.npz"), "--out", "x"], tmp_path)
    assert bad.wait(timeout=120) == 2
    assert len(bad.stderr.read().strip().splitlines()) == 1


def test_sigint_with_two_workers_leaves_no_process_or_shared_memory(tmp_path):
    """Ctrl-C with workers: exit 130, a checkpoint, no orphan worker, no leaked segment."""
    shm = "/dev/shm"
    if not os.path.isdir(shm):
        pytest.skip("no /dev/shm")
    text = tmp_path / "corpus.txt"
    write_sample_corpus(text, n_tokens=1_000_000, seed=6)
    run = _train(
        [
            "--corpus",
            str(text),
            "--workers",
            "2",
            "--epochs",
            "20",
            "--dim",
            "32",
            "--out",
            "m",
            "--quiet",
        ],
        tmp_path,
    )
    deadline = time.time() + 60
    while time.time() < deadline and run.poll() is None:
        if len(workers_of(run.pid)) >= 2:  # training (reading has one child, training two)
            break
        time.sleep(0.05)
    if run.poll() is not None:
        pytest.skip("training ended before it could be interrupted")
    time.sleep(0.5)
    ours = shm_segments_of(run.pid)  # this run's shared memory (other runs may have theirs)
    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=120) == 130
    assert "resume with" in run.stderr.read()
    assert (tmp_path / "m.ckpt.npz").exists()
    time.sleep(0.5)
    assert ours and {p for p in os.listdir(shm) if p.startswith("psm_")} & ours == set()
    orphans = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if str(text).encode() in f.read():
                    orphans.append(pid)
        except OSError:
            pass
    assert orphans == []

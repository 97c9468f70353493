"""Tests of the ``train`` command: outputs, option spellings, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli as run

from word2vec_numpy import Word2Vec
from word2vec_numpy.data.sample import generate_sample_sentences


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    sentences = generate_sample_sentences(30_000, seed=2)
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    return path


def train_args(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [
        "train",
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--epochs",
        "1",
        "--dim",
        "16",
        "--quiet",
        "--workers",
        "1",
        *extra,
    ]


METRIC_KEYS = {
    "corpus_tokens",
    "words_read",
    "words_trained",
    "seconds",
    "words_per_second",
    "epoch_losses",
    "hyperparameters",
    "numpy_version",
}


def test_train_writes_model_and_metrics(corpus_file, tmp_path, capsys):
    out = tmp_path / "model"
    code, stdout, stderr = run(train_args(corpus_file, out), capsys)
    assert code == 0, stderr
    assert stderr == ""  # --quiet
    assert "saved" in stdout
    assert sorted(os.listdir(tmp_path)) == ["model.metrics.json", "model.npz"]

    model = Word2Vec.load(tmp_path / "model.npz")
    assert model.W_in.shape[1] == 16 and model.W_in.dtype == np.float32
    assert model.model == "skipgram" and len(model.vocab) > 100
    assert np.all(np.isfinite(model.W_in))

    metrics = json.loads((tmp_path / "model.metrics.json").read_text())
    assert METRIC_KEYS <= set(metrics)
    assert metrics["corpus_tokens"] == sum(
        len(line.split()) for line in corpus_file.read_text().splitlines()
    )
    assert 0 < metrics["words_trained"] <= metrics["words_read"] <= metrics["corpus_tokens"]
    assert metrics["seconds"] > 0 and metrics["words_per_second"] > 0
    assert len(metrics["epoch_losses"]) == 1 and metrics["epoch_losses"][0] > 0
    hp = metrics["hyperparameters"]
    assert hp["epochs"] == 1 and hp["dim"] == 16 and hp["model"] == "skipgram"
    assert hp["workers"] == 1 and hp["min_count"] == 5
    assert metrics["numpy_version"] == np.__version__
    assert model.epoch_losses == metrics["epoch_losses"]


def test_underscore_spellings_are_accepted(corpus_file, tmp_path, capsys):
    out = tmp_path / "m.npz"
    extra = ["--min_count", "3", "--lr_min", "0.0002", "--batch_size", "64", "--model", "cbow"]
    code, _, stderr = run(train_args(corpus_file, out, *extra), capsys)
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "m.metrics.json").read_text())
    hp = metrics["hyperparameters"]
    assert (hp["min_count"], hp["lr_min"], hp["batch_size"], hp["model"]) == (
        3,
        0.0002,
        64,
        "cbow",
    )
    assert Word2Vec.load(out).model == "cbow"


def test_same_seed_same_model(corpus_file, tmp_path, capsys):
    for name in ("a", "b"):
        code, _, stderr = run(train_args(corpus_file, tmp_path / name, "--seed", "7"), capsys)
        assert code == 0, stderr
    a, b = Word2Vec.load(tmp_path / "a.npz"), Word2Vec.load(tmp_path / "b.npz")
    np.testing.assert_array_equal(a.W_in, b.W_in)
    np.testing.assert_array_equal(a.W_out, b.W_out)


@pytest.mark.parametrize(
    "bad",
    [
        ["--dim", "0"],
        ["--dim", "ten"],
        ["--model", "foo"],
        ["--epochs", "-1"],
        ["--lr", "0"],
        ["--sample", "nan"],
        ["--no-such-option"],
        ["--min-count", "1000000"],
        ["--min_count", "1000000"],
        ["--corpus", "MISSING"],
        ["--out", "A_FILE_IN_THE_WAY"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(corpus_file, tmp_path, capsys, bad):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = train_args(corpus_file, out_dir / "model")
    if bad[0] == "--corpus":
        args[args.index("--corpus") + 1] = str(tmp_path / "missing.txt")
    elif bad[0] == "--out":  # a file where the output folder should be (a missing one is made)
        (tmp_path / "taken").write_text("a file\n")
        args[args.index("--out") + 1] = str(tmp_path / "taken" / "sub" / "model")
    else:
        args += bad
    code, stdout, stderr = run(args, capsys)
    assert code == 2
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and lines[0].startswith("word2vec-numpy")
    assert stdout == ""
    assert os.listdir(out_dir) == []
    assert sorted(os.listdir(tmp_path)) == ["out"] + (["taken"] if bad[0] == "--out" else [])


def test_empty_corpus_is_one_line_exit_2(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("... !!! ---\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _, stderr = run(train_args(empty, out_dir / "m"), capsys)
    assert code == 2 and len(stderr.splitlines()) == 1
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize("name", ["fake.gz", "fake.bz2", "fake.xz", "fake.zip"])
def test_a_corpus_that_is_not_what_its_suffix_says(tmp_path, capsys, name):
    fake = tmp_path / name
    fake.write_text("hello world " * 100)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _, stderr = run(train_args(fake, out_dir / "m", "--min-count", "1"), capsys)
    assert code == 2 and len(stderr.splitlines()) == 1
    assert "Traceback" not in stderr
    assert os.listdir(out_dir) == []


def test_python_dash_m(corpus_file, tmp_path):
    out = tmp_path / "model"
    proc = subprocess.run(
        [sys.executable, "-m", "word2vec_numpy", *train_args(corpus_file, out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "saved" in proc.stdout
    assert Word2Vec.load(tmp_path / "model.npz").W_in.shape[1] == 16
    assert json.loads((tmp_path / "model.metrics.json").read_text())["words_read"] > 0

    bad = subprocess.run(
        [sys.executable, "-m", "word2vec_numpy", *train_args(corpus_file, out, "--dim", "0")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert len(bad.stderr.splitlines()) == 1 and "Traceback" not in bad.stderr

"""``train --save-vocab FILE`` / ``--read-vocab FILE``: the C tool's ``word count`` lines in
frequency order, so that a vocabulary is built once and reused."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from word2vec_numpy import Word2Vec
from word2vec_numpy.data.sample import generate_sample_sentences


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "c.txt"
    sentences = generate_sample_sentences(30_000, seed=6)
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    return path


def train(corpus: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--corpus", str(corpus), "--out", str(out), "--epochs", "1", "--dim",
            "12", "--workers", "1", "--quiet", *extra]  # fmt: skip


def test_save_vocab_writes_the_models_vocabulary(corpus, tmp_path, capsys):
    vocab_file = tmp_path / "v.txt"
    code, _, err = run_cli(train(corpus, tmp_path / "m", "--save-vocab", str(vocab_file)), capsys)
    assert code == 0, err
    model = Word2Vec.load(tmp_path / "m.npz")
    lines = vocab_file.read_text(encoding="utf-8").splitlines()
    assert [line.split() for line in lines] == [
        [w, str(c)] for w, c in zip(model.vocab.words, model.vocab.counts, strict=True)
    ]
    counts = [int(line.split()[1]) for line in lines]
    assert counts == sorted(counts, reverse=True) and min(counts) >= 5


def test_read_vocab_reuses_it_exactly(corpus, tmp_path, capsys):
    vocab_file = tmp_path / "v.txt"
    code, _, err = run_cli(train(corpus, tmp_path / "a", "--save-vocab", str(vocab_file)), capsys)
    assert code == 0, err
    code, _, err = run_cli(train(corpus, tmp_path / "b", "--read-vocab", str(vocab_file)), capsys)
    assert code == 0, err
    a, b = Word2Vec.load(tmp_path / "a.npz"), Word2Vec.load(tmp_path / "b.npz")
    assert a.vocab.words == b.vocab.words
    np.testing.assert_array_equal(a.vocab.counts, b.vocab.counts)
    # the same words, ids and counts: one worker trains bit for bit the same
    np.testing.assert_array_equal(a.W_in, b.W_in)
    np.testing.assert_array_equal(a.W_out, b.W_out)


def test_read_vocab_takes_the_files_words_and_counts(corpus, tmp_path, capsys):
    """The C tool's format (with its ``</s>`` line); --min-count applies to the file's
    counts; corpus words outside the file are not trained."""
    vocab_file = tmp_path / "c.vocab"
    vocab_file.write_text(
        "</s> 999\nthe 900\nking 80\nqueen 70\ndogs 60\nzebra 3\n", encoding="utf-8"
    )
    code, _, err = run_cli(train(corpus, tmp_path / "m", "--read-vocab", str(vocab_file)), capsys)
    assert code == 0, err
    model = Word2Vec.load(tmp_path / "m.npz")
    assert model.vocab.words == ["the", "king", "queen", "dogs"]  # zebra: 3 < min count 5
    np.testing.assert_array_equal(model.vocab.counts, [900, 80, 70, 60])


def _cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    bad = tmp_path / "bad.vocab"
    bad.write_text("the 12\nking twelve\n", encoding="utf-8")
    high = tmp_path / "high.vocab"
    high.write_text("the 3\n", encoding="utf-8")
    return {
        "bad line": (["--read-vocab", str(bad)], "line 2"),
        "missing file": (["--read-vocab", str(tmp_path / "nope.vocab")], "cannot read"),
        "all below min count": (["--read-vocab", str(high)], "count >= --min-count=5"),
        "save into a missing folder": (
            ["--save-vocab", str(tmp_path / "no" / "v.txt")],
            "does not exist",
        ),
        "with --init": (["--init", str(tmp_path / "x.npz"), "--read-vocab", str(bad)], "--init"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "bad line",
        "missing file",
        "all below min count",
        "save into a missing folder",
        "with --init",
    ],
)
def test_bad_vocab_options_are_one_line_errors(corpus, tmp_path, capsys, case):
    extra, needle = _cases(tmp_path)[case]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = set(os.listdir(tmp_path))
    code, stdout, err = run_cli(train(corpus, out_dir / "m", *extra), capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert needle in lines[0] and "Traceback" not in err and stdout == ""
    assert os.listdir(out_dir) == [] and set(os.listdir(tmp_path)) == before

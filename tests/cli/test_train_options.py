"""The new ``train`` options on the command line: in ``--help``, checked (one-line errors),
effective (exact pair counts) and stored in the model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import test_vocab_files
from conftest import run_cli

from word2vec_numpy import Word2Vec
from word2vec_numpy.data.text import iter_sentences
from word2vec_numpy.data.vocab import Vocabulary

corpus = test_vocab_files.corpus  # the small corpus fixture, and the argv of a short run
train = test_vocab_files.train

NEW_FLAGS = [
    "--max-vocab-size",
    "--max-final-vocab",
    "--max-sentence-length",
    "--ns-exponent",
    "--cbow-mean",
    "--no-shrink-windows",
    "--init",
    "--read-vocab",
    "--save-vocab",
]


def test_every_new_option_is_in_the_help(capsys):
    code, out, _ = run_cli(["train", "--help"], capsys)
    assert code == 0
    for flag in NEW_FLAGS:
        assert flag in out, flag


@pytest.mark.parametrize(
    "bad",
    [
        ["--max-vocab-size", "0"],
        ["--max-final-vocab", "many"],
        ["--max-sentence-length", "0"],
        ["--ns-exponent", "nan"],
        ["--cbow-mean", "2"],
        ["--no-shrink-windows=yes"],
    ],
)
def test_bad_values_are_one_line_errors(corpus, tmp_path, capsys, bad):
    code, stdout, err = run_cli(train(corpus, tmp_path / "m", *bad), capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and stdout == "", err
    assert bad[0].split("=")[0] in lines[0] and "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_options_are_stored_in_the_model(corpus, tmp_path, capsys):
    extra = ["--model", "cbow", "--cbow-mean", "0", "--ns-exponent", "0.5",
             "--no-shrink-windows", "--max-sentence-length", "50", "--max-vocab-size", "5000",
             "--max-final-vocab", "300"]  # fmt: skip
    code, _, err = run_cli(train(corpus, tmp_path / "m", *extra), capsys)
    assert code == 0, err
    config = Word2Vec.load(tmp_path / "m.npz").config
    assert (config.cbow_mean, config.ns_exponent, config.shrink_windows) == (0, 0.5, False)
    assert (config.max_sentence_length, config.max_vocab_size) == (50, 5000)
    assert config.max_final_vocab == 300
    assert len(Word2Vec.load(tmp_path / "m.npz").vocab) <= 300


def test_max_vocab_size_gives_the_apis_pruned_vocabulary(corpus, tmp_path, capsys):
    code, _, err = run_cli(train(corpus, tmp_path / "m", "--max-vocab-size", "800"), capsys)
    assert code == 0, err
    model = Word2Vec.load(tmp_path / "m.npz")
    expected = Vocabulary(5, max_vocab_size=800).build(iter_sentences(corpus))
    full = Vocabulary(5).build(iter_sentences(corpus))
    assert model.vocab.words == expected.words and len(expected) < len(full)


def one_line_corpus(tmp_path: Path, *extra: str) -> list[str]:
    """The arguments to train on one line of 2000 words (200 words, 10 times each), with no
    subsampling and every word kept, so that the pairs can be counted by hand."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.permutation(np.repeat(np.arange(200), 10))]
    text = tmp_path / "line.txt"
    text.write_text(" ".join(words) + "\n")
    return train(text, tmp_path / "m", "--sample", "0", "--min-count", "1", "--lr", "0.01", *extra)


@pytest.mark.parametrize(
    ("extra", "pairs"),
    [
        # 2000 words on one line, a full window of 5: sum_{d=1..5} 2 * (2000 - d)
        (["--no-shrink-windows"], 2 * (5 * 2000 - 15)),
        # cut into sentences of 2 words: one pair each way per sentence
        (["--no-shrink-windows", "--max-sentence-length", "2"], 2 * 1000),
        # cut into sentences of 7 words (285 of them and one of 5)
        (
            ["--no-shrink-windows", "--max-sentence-length", "7"],
            285 * sum(2 * (7 - d) for d in range(1, 6)) + sum(2 * (5 - d) for d in range(1, 5)),
        ),
    ],
)
def test_full_windows_and_sentence_cuts_give_exact_pair_counts(tmp_path, capsys, extra, pairs):
    code, _, err = run_cli(one_line_corpus(tmp_path, *extra), capsys)
    assert code == 0, err
    metrics = json.loads((tmp_path / "m.metrics.json").read_text())
    assert metrics["training_examples"] == pairs
    assert metrics["hyperparameters"]["shrink_windows"] is False


def test_shrunk_windows_give_fewer_pairs(tmp_path, capsys):
    code, _, err = run_cli(one_line_corpus(tmp_path), capsys)
    assert code == 0, err
    pairs = json.loads((tmp_path / "m.metrics.json").read_text())["training_examples"]
    assert 0.5 * 2 * (5 * 2000 - 15) < pairs < 0.7 * 2 * (5 * 2000 - 15)  # E[r] = 3 of 5


def test_the_c_tools_options_are_named_by_ours(capsys):
    """``-hs 1`` read by argparse as ``-h`` with the value ``s`` gave a riddle; the C tool's
    options are named by what they are called here, all in one line."""
    argv = ["train", "-train", "text8", "-size", "50", "-hs", "1", "-cbow", "1"]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("word2vec-numpy train: error: the C tool's options are spelt")
    for part in ("-train is --corpus FILE", "-size is --dim", "-hs is --hs", "-cbow is --model"):
        assert part in err

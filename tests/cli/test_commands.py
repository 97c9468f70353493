"""The similar / analogy / evaluate / export / plot subcommands (commands.py)."""

from __future__ import annotations

import argparse
import io
import json
import struct

import numpy as np
import pytest
from conftest import run_cli as run

from word2vec_numpy import KeyedVectors, Vocabulary, Word2Vec
from word2vec_numpy.cli.common import format_table, load_any
from word2vec_numpy.cli.report import report_after_training
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.formats.word2vec_format import load_word2vec_format, save_word2vec_format

VECTORS = {
    # person p, royal r, male m, female f, two spare axes x, y (see test_query.royal_model)
    "the": [0, 0, 0, 0, 1, 0.1],
    "king": [0, 1, 1, 0, 0, 0],
    "queen": [0, 1, 0, 1, 0, 0],
    "man": [1, 0, 1, 0, 0, 0],
    "woman": [1, 0, 0, 1, 0, 0],
    "prince": [0, 1, 1, 0, 0.3, 0],
    "apple": [0, 0, 0, 0, 0, 1],
    "pear": [0, 0, 0, 0, 0.2, 1],
}
WORDS = list(VECTORS)
MATRIX = np.array(list(VECTORS.values()), dtype=np.float32)


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "vectors.txt"
    save_word2vec_format(path, WORDS, MATRIX)
    return path


@pytest.fixture
def bench_files(tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(
        ": family\nman king woman queen\nking man queen woman\nman king woman unknown\n"
        ": gram1-fruit\napple pear the king\n"
    )
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# comment\nking\tqueen\t8\napple\tpear\t9\nking\tapple\t1\nman\tpear\t0.5\n")
    return questions, pairs


def test_similar_prints_a_table(model_file, capsys):
    code, out, err = run(["similar", str(model_file), "king", "apple", "--top", "3"], capsys)
    assert code == 0 and err == ""
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2
    lines = blocks[0].splitlines()
    assert lines[0] == "king"
    assert lines[1].split() == ["rank", "word", "cosine"]
    model = KeyedVectors(WORDS, MATRIX)
    want = model.most_similar("king", topn=3)
    for line, (word, score) in zip(lines[2:], want, strict=True):
        rank, got_word, got_score = line.split()
        assert got_word == word and float(got_score) == pytest.approx(score, abs=1e-4)
    # columns are aligned: every cosine ends in the same column
    ends = {len(line) for line in lines[1:]}
    assert len(ends) == 1
    code, out, _ = run(["similar", str(model_file), "king", "--top_n", "1"], capsys)
    assert code == 0 and out.count("\n") == 3


def test_unknown_word_is_one_line_exit_2(model_file, capsys):
    code, out, err = run(["similar", str(model_file), "kign"], capsys)
    assert code == 2 and out == ""
    assert err == "word2vec-numpy similar: 'kign' is not in the vocabulary (did you mean 'king'?)\n"
    code, _, err = run(["analogy", str(model_file), "king", "man", "womna"], capsys)
    assert code == 2 and err.count("\n") == 1 and "did you mean 'woman'" in err


def test_analogy(model_file, capsys):
    code, out, _ = run(["analogy", str(model_file), "king", "man", "woman"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "king - man + woman (3cosadd)"
    assert lines[2].split()[:2] == ["1", "queen"]
    code, out, _ = run(
        ["analogy", str(model_file), "king", "man", "woman", "--method", "3cosmul", "--top-n", "2"],
        capsys,
    )
    assert code == 0 and out.splitlines()[2].split()[1] == "queen" and len(out.splitlines()) == 4


def test_evaluate_table_and_json(model_file, bench_files, capsys):
    questions, pairs = bench_files
    argv = ["evaluate", str(model_file), "--analogies", str(questions), "--pairs", str(pairs)]
    code, out, err = run(argv, capsys)
    assert code == 0 and err == ""
    assert "family" in out and "gram1-fruit" in out and "semantic" in out
    assert "skipped 1 of 4 questions" in out
    total = next(line for line in out.splitlines() if line.strip().startswith("total"))
    assert total.split()[1:] == ["2", "3", "66.67%"]
    assert "pairs.tsv" in out and "spearman" in out

    code, out, _ = run(argv + ["--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["analogies"]["correct"] == 2 and report["analogies"]["total"] == 3
    assert [s["section"] for s in report["analogies"]["sections"]] == ["family", "gram1-fruit"]
    assert report["analogies"]["syntactic"]["total"] == 1
    assert len(report["pairs"]) == 1 and report["pairs"][0]["pairs"] == 4

    # aliases and options
    code, out, _ = run(argv + ["--json", "--restrict_vocab", "3", "--case-sensitive"], capsys)
    assert code == 0 and json.loads(out)["analogies"]["total"] == 0


def test_evaluate_save_writes_scores_beside_the_model(model_file, bench_files, capsys):
    questions, pairs = bench_files
    argv = ["evaluate", str(model_file), "--analogies", str(questions), "--pairs", str(pairs)]
    saved = model_file.with_name("vectors.eval.json")
    code, out, _ = run(argv, capsys)
    assert code == 0 and not saved.exists()  # only with --save
    code, out, err = run(argv + ["--save"], capsys)
    assert code == 0 and err == "" and out.rstrip().endswith(f"saved {saved}")
    stored = json.loads(saved.read_text())
    assert stored["analogies"]["correct"] == 2 and stored["pairs"][0]["pairs"] == 4
    # with --json, stdout stays one JSON object, equal to the file
    saved.unlink()
    code, out, _ = run(argv + ["--save", "--json"], capsys)
    assert code == 0 and json.loads(out) == json.loads(saved.read_text())
    assert [p.name for p in saved.parent.iterdir() if p.name.startswith(".")] == []


def test_evaluate_finds_files_in_data_dir(model_file, bench_files, tmp_path, capsys):
    questions, pairs = bench_files
    data = tmp_path / "data"
    data.mkdir()
    code, out, err = run(["evaluate", str(model_file), "--data-dir", str(data)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "questions-words.txt" in err and str(data) in err and "tmikolov" in err

    (data / "questions-words.txt").write_text(questions.read_text())
    (data / "wordsim353.tsv").write_text(pairs.read_text())
    code, out, _ = run(["evaluate", str(model_file), "--data_dir", str(data), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["analogies"]["correct"] == 2
    assert [p["source"].endswith("wordsim353.tsv") for p in report["pairs"]] == [True]


def test_evaluate_missing_files(model_file, tmp_path, capsys):
    code, _, err = run(["evaluate", str(tmp_path / "nope.npz"), "--analogies", __file__], capsys)
    assert code == 2 and "model file not found" in err and err.count("\n") == 1
    argv = ["evaluate", str(model_file), "--analogies", str(tmp_path / "q.txt")]
    code, _, err = run(argv, capsys)
    assert code == 2 and "benchmark file not found" in err


def test_export_formats(model_file, tmp_path, capsys):
    out_bin = tmp_path / "out.bin"
    code, out, _ = run(["export", str(model_file), str(out_bin)], capsys)
    assert code == 0 and "binary" in out
    words, vectors = load_word2vec_format(out_bin, binary=True)
    assert words == WORDS
    np.testing.assert_array_equal(vectors, MATRIX)
    out_txt = tmp_path / "out.vec"
    code, _, _ = run(["export", str(out_bin), str(out_txt), "--format", "text"], capsys)
    assert code == 0 and load_word2vec_format(out_txt, binary=False)[0] == WORDS

    code, _, err = run(
        ["export", str(model_file), str(tmp_path / "o.txt"), "--which", "out"], capsys
    )
    assert code == 2 and "no output vectors" in err and not (tmp_path / "o.txt").exists()


def model_with(words, matrix) -> Word2Vec:
    """A Word2Vec whose word vectors are ``matrix`` (output vectors zero)."""
    vocab = Vocabulary.from_words(words, np.arange(len(words), 0, -1))
    model = Word2Vec(vocab, dim=matrix.shape[1])
    model.W_in = np.asarray(matrix, dtype=np.float32)
    return model


def test_export_output_and_summed_vectors(tmp_path, capsys):
    model = model_with(WORDS, MATRIX)
    model.W_out = np.full_like(MATRIX, 0.5)
    model.save(tmp_path / "model.npz")
    for which, expected in (("out", model.W_out), ("sum", MATRIX + 0.5)):
        path = tmp_path / f"{which}.txt"
        code, _, _ = run(
            ["export", str(tmp_path / "model.npz"), str(path), "--which", which], capsys
        )
        assert code == 0
        np.testing.assert_allclose(load_word2vec_format(path)[1], expected)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_pngs_next_to_the_model(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    model = model_with(words, rng.normal(size=(40, 8)).astype(np.float32))
    model.loss_history = list(np.linspace(4, 2, 50))
    model.history_epochs = [0] * 25 + [1] * 25
    model.save(tmp_path / "m.npz")
    code, out, _ = run(["plot", str(tmp_path / "m.npz"), "--top", "30"], capsys)
    assert code == 0
    assert png_size(tmp_path / "m.tsne.png") == (1200, 900)
    assert png_size(tmp_path / "m.loss.png") == (1000, 600)
    assert "m.tsne.png (30 words" in out
    code, _, err = run(
        ["plot", str(tmp_path / "m.npz"), "--words", "w1", "zz", "w2", "w3", "w4"], capsys
    )
    assert code == 2 and "not in the vocabulary: 'zz'" in err


def test_load_any(model_file, tmp_path):
    vectors, model = load_any(model_file)
    assert vectors.words == WORDS and vectors.most_similar("king", topn=1)[0][0] == "prince"
    assert model is None  # a vectors file holds no model
    binary = tmp_path / "v.bin"
    save_word2vec_format(binary, WORDS, MATRIX, binary=True)
    vectors, model = load_any(binary)
    np.testing.assert_array_equal(vectors.vectors, MATRIX)
    assert model is None
    with pytest.raises(Word2VecError, match="model file not found"):
        load_any(tmp_path / "missing.npz")
    with pytest.raises(Word2VecError, match="directory"):
        load_any(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a model\n")
    with pytest.raises(Word2VecError, match="bad.txt, line 1"):
        load_any(bad)


def test_load_any_npz(tmp_path):
    pytest.importorskip("word2vec_numpy.formats.npz")
    saved = KeyedVectors(WORDS, MATRIX).save(str(tmp_path / "vectors.npz"))
    vectors, model = load_any(saved)
    np.testing.assert_array_equal(vectors.vectors, MATRIX)
    assert vectors.words == WORDS and model is None
    saved = model_with(WORDS, MATRIX).save(tmp_path / "model.npz")
    vectors, model = load_any(saved)
    np.testing.assert_array_equal(vectors.vectors, MATRIX)
    assert model is not None and model.vocab.words == WORDS


def test_format_table_alignment():
    text = format_table(("name", "n", "pct"), [("a", 1, "5.00%"), ("long name", 123, "-")])
    lines = text.splitlines()
    assert lines[1] == "  a            1  5.00%"
    assert lines[2] == "  long name  123      -"


def test_report_after_training(bench_files):
    questions, pairs = bench_files
    rng = np.random.default_rng(0)
    model = model_with(WORDS, MATRIX)
    model.W_out = rng.normal(size=MATRIX.shape).astype(np.float32)
    stream = io.StringIO()
    options = argparse.Namespace(analogies=str(questions), pairs=[str(pairs)], corpus="text8")
    report = report_after_training(model, options, stream)
    text = stream.getvalue()
    assert "nearest neighbours" in text and "row norms" in text and "W_out" in text
    assert set(report["neighbours"]) == set(WORDS[:5])  # small vocabulary: starts at id 0
    norms = np.linalg.norm(MATRIX, axis=1)
    assert report["norms"]["W_in"]["mean"] == pytest.approx(norms.mean())
    assert report["norms"]["W_in"]["max"] == pytest.approx(norms.max())
    assert report["analogies"]["correct"] == 2 and len(report["pairs"]) == 1
    assert report["sample_analogies"] is None
    assert "no benchmark given" not in text
    json.dumps(report)  # plain numbers, serialisable
    # no benchmark file and not the sample corpus: said, not left out unnoticed
    stream = io.StringIO()
    report_after_training(model, argparse.Namespace(corpus="text8"), stream)
    assert "no benchmark given: --analogies questions-words.txt" in stream.getvalue()


def test_report_after_training_on_the_sample_corpus():
    sample = pytest.importorskip("word2vec_numpy.data.sample")
    words = sorted({w for line in sample.sample_questions().splitlines() for w in line.split()})
    words = [w for w in words if w != ":"] + [f"noise{i}" for i in range(30)]
    rng = np.random.default_rng(0)
    model = model_with(words, rng.normal(size=(len(words), 12)).astype(np.float32))
    stream = io.StringIO()
    report = report_after_training(model, {"corpus": "sample"}, stream)
    result = report["sample_analogies"]
    assert result["skipped"] == 0 and result["total"] == result["questions"] > 0
    assert "king" in report["neighbours"]
    assert "king - man + woman" in stream.getvalue()
    assert report["analogies"] is None and report["pairs"] == []

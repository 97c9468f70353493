"""What the commands check and say before any work (``cli/checks.py``), and how the real
program behaves with closed or full standard streams and SIGTERM (``cli/process.py``).
The refusals themselves are rows of the table in ``test_bad_input.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import _child_env
from conftest import run_cli as run

from word2vec_numpy.cli import checks
from word2vec_numpy.cli.main import build_parser
from word2vec_numpy.cli.train import config_from
from word2vec_numpy.data.sample import sample_questions
from word2vec_numpy.vectors.evaluate import evaluate_analogy_text

WORDS = "the cat sat on the mat while the dog ate a bone near the red door of the house\n"


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "c.txt"
    path.write_text(WORDS * 40, encoding="utf-8")
    return path


def quick(corpus: Path, out: str | Path, *extra: str) -> list[str]:
    return [
        "train",
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--min-count",
        "1",
        "--dim",
        "8",
        "--epochs",
        "1",
        "--workers",
        "1",
        *extra,
    ]


def checked(argv: list[str], capsys) -> tuple[list[str], object]:
    """Run ``before_training`` on ``train ARGV``; return the warning lines and the args."""
    args = build_parser().parse_args(["train", *argv])
    checks.before_training(args, config_from(args))
    err = capsys.readouterr().err
    return [line for line in err.splitlines() if line.startswith("warning:")], args


# ----------------------------------------------------------------------------- --out


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("results/model", "results/model"),
        ("results/", "results/model"),
        (".", "./model"),
        ("..", "../model"),
        ("/", "/model"),
        ("x.NPZ", "x.NPZ"),
    ],
)
def test_out_names_a_file_or_a_folder(given, expected):
    assert checks.out_stem(given) == expected


def test_empty_out_is_refused(expect_one_line_error):
    assert "--out is empty" in expect_one_line_error(lambda: checks.out_stem(""))


def test_out_that_is_a_folder_gets_model_files_inside(corpus, tmp_path, capsys):
    folder = tmp_path / "results"
    folder.mkdir()
    code, out, err = run(quick(corpus, folder), capsys)
    assert code == 0, err
    assert sorted(os.listdir(folder)) == ["model.metrics.json", "model.npz"]
    assert f"--out {folder} is a folder: writing {folder / 'model.npz'}" in err
    assert f"saved {folder / 'model.npz'}" in out


def test_upper_case_npz_is_the_model_file(corpus, tmp_path, capsys):
    code, _, err = run(quick(corpus, tmp_path / "x.NPZ", "--quiet"), capsys)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.glob("x*")) == ["x.NPZ", "x.metrics.json"]


# ------------------------------------------------------------------ warnings at the start


def test_more_workers_than_cores_is_one_warning(corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    warnings, _ = checked(["--corpus", str(corpus), "--workers", "1000"], capsys)
    assert len(warnings) == 1
    assert "--workers 1000 is more than the 2 cores" in warnings[0]
    assert checked(["--corpus", str(corpus), "--workers", "2"], capsys)[0] == []


@pytest.mark.parametrize("name", ["sample", "text8", "alice"])
def test_a_file_named_like_a_built_in_corpus(name, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORD2VEC_NUMPY_DATA", str(tmp_path / "cache"))
    (tmp_path / name).write_text(WORDS)
    warnings, _ = checked(["--corpus", name, "--out", "m"], capsys)
    assert len(warnings) == 1, warnings
    assert f"--corpus {name} means {checks.BUILT_IN_CORPORA[name]}" in warnings[0]
    assert f"use --corpus ./{name}" in warnings[0]
    assert checked(["--corpus", f"./{name}", "--out", "m"], capsys)[0] == []


def test_benchmark_files_without_evaluate_are_one_warning(corpus, capsys):
    warnings, _ = checked(["--corpus", str(corpus), "--pairs", "x.tsv"], capsys)
    assert warnings == ["warning: --analogies and --pairs are read only with --evaluate: ignored"]


@pytest.mark.parametrize("name", ["vectors.bin", "vectors.txt", "glove.VEC"])
def test_out_named_like_a_word2vec_file_is_one_warning(name, corpus, tmp_path, capsys):
    """The C tool's ``-output vectors.bin`` writes vectors; ``--out`` writes the model."""
    out = str(tmp_path / name)
    warnings, _ = checked(["--corpus", str(corpus), "--out", out], capsys)
    assert len(warnings) == 1, warnings
    assert f"writes the model {out}.npz (not a word2vec file)" in warnings[0]
    assert f"word2vec-numpy export {out}.npz {out}" in warnings[0]
    assert warnings[0].endswith("--format binary") == name.endswith(".bin")


def test_evaluate_takes_the_benchmark_files_of_the_data_folder(
    corpus, tmp_path, capsys, monkeypatch
):
    """As ``evaluate`` does: with no --analogies or --pairs, those of $WORD2VEC_NUMPY_DATA
    (not for the sample corpus, whose planted analogies are its benchmark)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "questions-words.txt").write_text(": family\nking queen man woman\n")
    (data / "wordsim353.tsv").write_text("king\tqueen\t8.5\n")
    monkeypatch.setenv("WORD2VEC_NUMPY_DATA", str(data))
    _, args = checked(["--corpus", str(corpus), "--evaluate"], capsys)
    assert args.analogies == str(data / "questions-words.txt")
    assert args.pairs == [str(data / "wordsim353.tsv")]
    pairs = str(data / "wordsim353.tsv")
    _, args = checked(["--corpus", str(corpus), "--evaluate", "--pairs", pairs], capsys)
    assert args.analogies is None  # a file named: the folder is not looked at
    _, args = checked(["--corpus", "sample", "--evaluate"], capsys)
    assert args.analogies is None and args.pairs == []


def test_sync_every_without_dask_is_one_warning(corpus, capsys):
    warnings, _ = checked(["--corpus", str(corpus), "--sync-every", "100"], capsys)
    assert warnings == ["warning: --sync-every is read only with --dask: ignored"]
    assert checked(["--corpus", str(corpus)], capsys)[0] == []


def test_good_benchmark_files_pass(corpus, tmp_path, capsys):
    questions = tmp_path / "q.txt"
    questions.write_text("\ufeff: capital-world\nparis france rome italy\n", encoding="utf-8")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("# Word 1\tWord 2\tHuman (mean)\ncat\tdog\t7.5\n", encoding="utf-16")
    argv = ["--corpus", str(corpus), "--evaluate", "--analogies", str(questions)]
    assert checked([*argv, "--pairs", str(pairs)], capsys)[0] == []


# ------------------------------------------------------------------------------ memory


def test_memory_needed_is_counted_before_allocating(monkeypatch, expect_one_line_error):
    monkeypatch.setattr(checks, "available_memory", lambda: 3_000_000_000)
    config = config_from(build_parser().parse_args(["train", "--dim", "1000000"]))
    message = expect_one_line_error(lambda: checks.check_memory(4498, config))
    assert message.startswith("--dim 1000000 needs 36.0 GB for the weight matrices")
    assert "4,498 words x 1,000,000 dimensions x 4 bytes x 2 matrices: W_in and W_out" in message
    assert "more than the 3.0 GB of memory available" in message
    checks.check_memory(300, config)  # 2.4 GB: fits


def test_available_memory_is_known_on_linux():
    if not Path("/proc/meminfo").exists():
        pytest.skip("no /proc/meminfo")
    available = checks.available_memory()
    assert available is not None and 0 < available < 1 << 50


# ----------------------------------------------------------------------------- outputs


def test_a_word2vec_file_with_repeated_words_is_one_warning(tmp_path, capsys):
    path = tmp_path / "v.txt"
    path.write_text("3 2\ncat 1 0\ndog 0 1\ncat 0.5 0.5\n", encoding="utf-8")
    code, out, err = run(["similar", str(path), "dog", "--top", "1"], capsys)
    assert code == 0, err
    assert err.count("\n") == 1 and err.startswith("warning: ")
    assert "1 repeated word(s) (e.g. 'cat')" in err
    assert "cat" in out


def test_sample_questions_are_totalled_by_kind():
    """The plural, past-tense and comparative sections are syntactic, as in Google's file."""
    text = sample_questions()
    words = sorted(
        {w for line in text.splitlines() if not line.startswith(":") for w in line.split()}
    )
    vectors = np.random.default_rng(0).normal(size=(len(words), 8)).astype(np.float32)
    result = evaluate_analogy_text(words, vectors, text, restrict_vocab=None)
    kinds = {s["section"]: s["kind"] for s in result["sections"]}
    assert kinds == {
        "capital-country": "semantic",
        "gender": "semantic",
        "gram8-plural": "syntactic",
        "gram7-past-tense": "syntactic",
        "gram3-comparative": "syntactic",
    }
    total = {
        k: sum(s["total"] for s in result["sections"] if s["kind"] == k) for k in kinds.values()
    }
    assert result["semantic"]["total"] == total["semantic"] > 0
    assert result["syntactic"]["total"] == total["syntactic"] > 0


# ------------------------------------------------------- the real program: streams, SIGTERM


def program(args: list[str], cwd: Path, **streams) -> subprocess.CompletedProcess:
    """``python -m word2vec_numpy ARGS`` with this checkout's package."""
    return subprocess.run(
        [sys.executable, "-m", "word2vec_numpy", *args],
        cwd=cwd,
        env=_child_env(),
        timeout=120,
        stdin=subprocess.DEVNULL,
        text=True,
        **streams,
    )


def _close_stderr() -> None:
    os.close(2)


def _close_stdout_and_stderr() -> None:
    os.close(1)
    os.close(2)


def test_closed_or_full_standard_streams(corpus, tmp_path):
    """Closed stderr: trains and saves (progress is lost, not the model). Full stdout: the
    model is saved first, then one line and exit 1. Full stderr: trains, exit 0."""
    train = quick(corpus, tmp_path / "m")
    with open(os.devnull, "w") as null:
        closed = program(train, tmp_path, stdout=null, preexec_fn=_close_stderr)
    assert closed.returncode == 0
    assert (tmp_path / "m.npz").is_file() and (tmp_path / "m.metrics.json").is_file()
    assert not (tmp_path / "m.ids.u32").exists()

    both = program(quick(corpus, tmp_path / "b"), tmp_path, preexec_fn=_close_stdout_and_stderr)
    assert both.returncode == 0 and (tmp_path / "b.npz").is_file()

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        to_full = program(
            quick(corpus, tmp_path / "f"), tmp_path, stdout=full, stderr=subprocess.PIPE
        )
    assert to_full.returncode == 1
    assert to_full.stderr.splitlines()[-1] == (
        "word2vec-numpy train: cannot write standard output: No space left on device "
        "(the files written so far are complete)"
    )
    assert "Traceback" not in to_full.stderr
    assert (tmp_path / "f.npz").is_file() and (tmp_path / "f.metrics.json").is_file()

    with open("/dev/full", "w") as full:
        err_full = program(
            quick(corpus, tmp_path / "e"), tmp_path, stdout=subprocess.PIPE, stderr=full
        )
    assert err_full.returncode == 0 and "saved" in err_full.stdout
    assert (tmp_path / "e.npz").is_file()


def test_sigterm_while_reading_the_corpus_exits_143_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "word2vec_numpy", "train", "--corpus", "-", "--out", str(out / "m")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    try:
        proc.stdin.write(WORDS * 100)  # then standard input stays open: reading waits
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not list(out.iterdir()) and time.monotonic() < deadline:  # encoding started
            time.sleep(0.05)
        assert list(out.iterdir()), "the word-id file was never started"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, err
    assert err.splitlines()[-1] == "word2vec-numpy: terminated by SIGTERM"
    assert list(out.iterdir()) == []

"""Bad input, tried as a new user would: every case must give exit code 2 (or the documented
one), exactly one line on stderr naming the problem, no traceback, and no file left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy.cli.main import main

WORDS = "the cat sat on the mat while the dog ate a bone near the red door of the house\n"


def _text(path: Path, repeat: int = 40) -> Path:
    path.write_text(WORDS * repeat, encoding="utf-8")
    return path


@pytest.fixture
def model_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    corpus = _text(folder / "c.txt")
    out = folder / "m"
    assert (
        main(
            [
                "train",
                "--corpus",
                str(corpus),
                "--out",
                str(out),
                "--epochs",
                "1",
                "--workers",
                "1",
                "--quiet",
                "--min-count",
                "1",
                "--dim",
                "8",
            ]
        )
        == 0
    )
    return folder / "m.npz"


def _make(kind: str, folder: Path) -> list[str]:
    """Create the bad input of one case in ``folder``; return the CLI arguments."""
    out = ["--out", str(folder / "out" / "m"), "--workers", "1", "--quiet", "--epochs", "1"]
    (folder / "out").mkdir()
    good = str(_text(folder / "good.txt"))
    if kind == "empty file":
        (folder / "empty.txt").write_bytes(b"")
        return ["train", "--corpus", str(folder / "empty.txt"), *out]
    if kind == "binary file":
        (folder / "blob.bin").write_bytes(bytes(range(256)) * 64)
        return ["train", "--corpus", str(folder / "blob.bin"), *out]
    if kind == "only punctuation":
        (folder / "p.txt").write_text("!!! ... ??? --- ;;; ,,,\n" * 50)
        return ["train", "--corpus", str(folder / "p.txt"), *out]
    if kind == "directory with no text":
        (folder / "d").mkdir()
        (folder / "d" / "image.png").write_bytes(b"\x89PNG\r\n")
        return ["train", "--corpus", str(folder / "d"), *out]
    if kind == "missing path":
        return ["train", "--corpus", str(folder / "nope.txt"), *out]
    if kind == "fake gzip":
        (folder / "f.txt.gz").write_text(WORDS)
        return ["train", "--corpus", str(folder / "f.txt.gz"), *out]
    if kind.startswith("--"):  # an option with a bad value, e.g. "--dim 0"
        return ["train", "--corpus", good, *out, *kind.split()]
    if kind == "min-count above every count":
        return ["train", "--corpus", good, *out, "--min-count", "100000"]
    if kind == "corpus shorter than a window":
        (folder / "short.txt").write_text("one two three\n" * 5)
        return [
            "train",
            "--corpus",
            str(folder / "short.txt"),
            *out,
            "--min-count",
            "1",
            "--window",
            "50",
        ]
    if kind == "a file where the output folder should be":
        (folder / "taken").write_text("a file, not a folder\n")
        return ["train", "--corpus", good, "--out", str(folder / "taken" / "sub" / "m"), "--quiet"]
    if kind == "output folder read-only":
        return ["train", "--corpus", good, "--out", "/proc/word2vec-test-model", "--quiet"]
    if kind == "resume missing checkpoint":
        return ["train", "--resume", str(folder / "none.ckpt.npz"), *out]
    if kind == "corrupted model":
        (folder / "bad.npz").write_bytes(b"PK\x03\x04 this is not a zip at all" * 10)
        return ["similar", str(folder / "bad.npz"), "king"]
    if kind == "random bytes as model":
        (folder / "r.npz").write_bytes(np.random.default_rng(0).bytes(4096))
        return ["similar", str(folder / "r.npz"), "king"]
    if kind == "missing model":
        return ["similar", str(folder / "none.npz"), "king"]
    raise AssertionError(kind)


CASES = [
    ("empty file", "no words"),
    ("binary file", "binary"),
    ("only punctuation", "no words"),
    ("directory with no text", "no text files"),
    ("missing path", "not found"),
    ("fake gzip", "cannot read"),
    ("--dim 0", "--dim"),
    ("--dim -3", "--dim"),
    ("--window 0", "--window"),
    ("--neg 0", "--neg"),
    ("--epochs 0", "--epochs"),
    ("--epochs -1", "--epochs"),
    ("--lr 0", "--lr"),
    ("--lr nan", "--lr"),
    ("--max-tokens 0", "--max-tokens"),
    ("--model foo", "--model"),
    ("--sample -1", "--sample"),
    ("--batch-size 0", "--batch-size"),
    ("--dim abc", "--dim"),
    ("min-count above every count", "--min-count"),
    ("corpus shorter than a window", "--window"),
    ("a file where the output folder should be", "cannot create output folder"),
    ("output folder read-only", "cannot write"),
    ("resume missing checkpoint", "checkpoint not found"),
    ("corrupted model", "bad.npz"),
    ("random bytes as model", "r.npz"),
    ("missing model", "not found"),
]


@pytest.mark.parametrize(("kind", "needle"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_line_and_exit_2(kind, needle, tmp_path, capsys):
    if kind == "output folder read-only" and not Path("/proc").is_dir():
        pytest.skip("needs a read-only /proc")
    args = _make(kind, tmp_path)
    before = set(tmp_path.rglob("*"))
    code = main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (kind, code, err)
    assert len(lines) == 1, err
    assert needle in lines[0], lines[0]
    assert "Traceback" not in err
    assert set(tmp_path.rglob("*")) == before, "files left behind"


def test_unknown_words_give_one_line(model_file, capsys):
    for argv in (
        ["similar", str(model_file), "zzzqx"],
        ["analogy", str(model_file), "cat", "dog", "zzzqx"],
    ):
        assert main(argv) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "zzzqx" in lines[0] and "vocabulary" in lines[0]


def test_resume_with_other_options_is_refused(tmp_path, capsys):
    corpus = _text(tmp_path / "c.txt", repeat=400)
    out = tmp_path / "m"
    common = [
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
        "--min-count",
        "1",
        "--dim",
        "8",
        "--epochs",
        "2",
    ]
    # a checkpoint made at the end of the first epoch, then a finished model
    assert main(["train", *common, "--checkpoint-every-epoch"]) == 0
    assert not (tmp_path / "m.ckpt.npz").exists()  # removed once the model is finished
    from word2vec_numpy.cli.main import build_parser
    from word2vec_numpy.cli.train import run as run_train

    args = build_parser().parse_args(["train", *common])
    args.resume = str(out) + ".npz"  # a finished model is not a checkpoint
    with pytest.raises(Exception, match="not a training checkpoint"):
        run_train(args)
    capsys.readouterr()


def test_non_utf8_bytes_are_replaced_and_counted(tmp_path, capsys):
    path = tmp_path / "latin1.txt"
    path.write_bytes((WORDS * 40).encode() + "caf\xe9 na\xefve\n".encode("latin-1") * 3)
    out = tmp_path / "m"
    code = main(
        [
            "train",
            "--corpus",
            str(path),
            "--out",
            str(out),
            "--workers",
            "1",
            "--epochs",
            "1",
            "--min-count",
            "1",
            "--dim",
            "8",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "6 invalid UTF-8" in warnings[0], err


def test_no_traceback_through_the_real_program(tmp_path):
    """The installed entry point, as a user runs it: one line, exit 2."""
    env = dict(os.environ)
    for argv in (
        ["train", "--corpus", str(tmp_path / "missing.txt"), "--quiet"],
        ["train", "--dim", "0"],
        ["evaluate", str(tmp_path / "missing.npz")],
    ):
        run = subprocess.run(
            [sys.executable, "-m", "word2vec_numpy", *argv],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        assert run.returncode == 2, run
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert "Traceback" not in run.stderr

"""Bad input, tried as a new user would: every case must give exit code 2 (or the documented
one), exactly one line on stderr naming the problem, no traceback, no file left behind and no
file changed."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import patch_zip

from word2vec_numpy.cli.main import main
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.model.word2vec import Word2Vec

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


def _model(folder: Path) -> str:
    """A small saved model, ``folder/m.npz``."""
    words = list(dict.fromkeys(WORDS.split()))
    vocab = Vocabulary.from_words(words, np.arange(len(words), 0, -1))
    Word2Vec(vocab, dim=4).save(folder / "m.npz")
    return str(folder / "m.npz")


def _train_onto(folder: Path, corpus_name: str, out_name: str, *extra: str) -> list[str]:
    """``train`` whose corpus (a good text file named ``corpus_name``) is also an output of
    ``--out out_name``."""
    corpus = _text(folder / corpus_name)
    out = ["--out", str(folder / out_name), "--workers", "1", "--quiet", "--epochs", "1"]
    return ["train", "--corpus", str(corpus), *out, "--min-count", "1", *extra]


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
    if kind == "empty corpus path":
        return ["train", "--corpus", "", *out]
    if kind == "binary file after a text file in a folder":
        (folder / "d").mkdir()
        _text(folder / "d" / "a.txt")
        (folder / "d" / "b").write_bytes(np.random.default_rng(0).bytes(4096))
        return ["train", "--corpus", str(folder / "d"), *out]
    if kind in ("corrupt deflate block", "corrupt gzip in a folder"):
        data = bytearray(gzip.compress((WORDS * 40).encode()))
        data[10] = 0xFF  # no such deflate block type
        (folder / "d").mkdir()
        _text(folder / "d" / "a.txt")
        (folder / "d" / "c.gz").write_bytes(bytes(data))
        return [
            "train",
            "--corpus",
            str(folder / "d" / "c.gz" if "block" in kind else folder / "d"),
            *out,
        ]
    if kind in ("encrypted zip", "zip with an unknown compression method", "binary zip member"):
        members = {"a.txt": (WORDS * 40).encode()}
        if kind == "binary zip member":
            members["b.bin"] = bytes(range(256))
        with zipfile.ZipFile(folder / "c.zip", "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        if kind == "encrypted zip":
            patch_zip(folder / "c.zip", flag_bits=0x1)
        elif kind == "zip with an unknown compression method":
            patch_zip(folder / "c.zip", method=99)
        return ["train", "--corpus", str(folder / "c.zip"), *out]
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
    # -- an output that is also an input
    if kind == "export onto its model":
        return ["export", _model(folder), str(folder / "m.npz")]
    if kind == "export onto a link to its model":
        (folder / "link.txt").symlink_to(_model(folder))
        return ["export", str(folder / "m.npz"), str(folder / "link.txt")]
    if kind == "classes onto its model":
        return ["classes", _model(folder), str(folder / "m.npz"), "--k", "2"]
    if kind == "phrases onto its input":
        return ["phrases", good, good]
    if kind == "corpus is OUT.ids.u32":
        return _train_onto(folder, "v.ids.u32", "v")
    if kind == "corpus is OUT.npz":
        return _train_onto(folder, "v2.npz", "v2")
    if kind == "corpus is OUT.metrics.json":
        return _train_onto(folder, "v.metrics.json", "v")
    if kind == "corpus is the checkpoint OUT.ckpt.npz":
        return _train_onto(folder, "v.ckpt.npz", "v")
    if kind == "corpus is the --plot picture":
        return _train_onto(folder, "v.tsne.png", "v", "--plot")
    if kind == "corpus is a link to OUT.npz":
        (folder / "v.npz").symlink_to(_text(folder / "real.txt"))
        return ["train", "--corpus", str(folder / "v.npz"), *out, "--out", str(folder / "v")]
    if kind == "analogies file is OUT.metrics.json":
        _text(folder / "v.metrics.json")
        return ["train", "--corpus", good, *out, "--out", str(folder / "v"), "--evaluate",
                "--analogies", str(folder / "v.metrics.json")]  # fmt: skip
    if kind == "save-vocab file is the corpus":
        return ["train", "--corpus", good, *out, "--save-vocab", good]
    if kind == "save-vocab file is OUT.npz":
        return ["train", "--corpus", good, *out, "--save-vocab", str(folder / "out" / "m.npz")]
    if kind == "save-vocab file is the read-vocab file":
        (folder / "v.txt").write_text("the 40\ncat 20\n", encoding="utf-8")
        vocab = str(folder / "v.txt")
        return ["train", "--corpus", good, *out, "--read-vocab", vocab, "--save-vocab", vocab]
    if kind == "init model is OUT.npz":
        start = _model(folder)
        return ["train", "--corpus", good, *out, "--init", start, "--out", start]
    # -- odd --out values and outputs in the way
    if kind == "empty --out":
        return ["train", "--corpus", good, *out, "--out", ""]
    if kind == "an output is a folder":
        (folder / "out" / "m.metrics.json").mkdir()
        return ["train", "--corpus", good, *out]
    # -- checked before the corpus is read
    if kind == "evaluate: analogies file missing":
        return ["train", "--corpus", good, *out, "--evaluate", "--analogies", "nope.txt"]
    if kind == "evaluate: analogies file of word pairs":
        (folder / "pairs.tsv").write_text("# a comment\ncat\tdog\t7.5\n")
        return ["train", "--corpus", good, *out, "--evaluate", "--analogies",
                str(folder / "pairs.tsv")]  # fmt: skip
    if kind == "evaluate: pairs file is a text":
        return ["train", "--corpus", good, *out, "--evaluate", "--pairs", good]
    if kind == "evaluate: analogies file is a folder":
        return ["evaluate", _model(folder), "--analogies", str(folder / "out")]
    if kind == "evaluate: pairs file missing":
        return ["train", "--corpus", good, *out, "--evaluate", "--pairs", "none.tsv"]
    # -- checked once the vocabulary is known, before training
    if kind == "evaluate: every pair out of vocabulary":
        (folder / "pairs.tsv").write_text("apple\tpear\t7.5\nred\tblue\t3\n")
        return ["train", "--corpus", good, *out, "--min-count", "1", "--evaluate", "--pairs",
                str(folder / "pairs.tsv")]  # fmt: skip
    if kind == "plot with 4 words":
        (folder / "four.txt").write_text("one two three four\n" * 20)
        return ["train", "--corpus", str(folder / "four.txt"), *out, "--min-count", "1",
                "--window", "2", "--plot"]  # fmt: skip
    if kind == "training diverges":
        # many words, none crowding a batch (tiny or repetitive text would have its steps
        # bounded and not diverge, ``model/word2vec.py``)
        rng = np.random.default_rng(0)
        text = " ".join(f"w{i}" for i in rng.integers(0, 400, 30_000))
        (folder / "varied.txt").write_text(text + "\n")
        return [
            "train",
            "--corpus",
            str(folder / "varied.txt"),
            *out,
            "--min-count",
            "1",
            "--sample",
            "0",
            "--lr",
            "1e30",
        ]
    raise AssertionError(kind)


CASES = [
    ("empty file", "no words"),
    ("binary file", "binary"),
    ("only punctuation", "no words"),
    ("directory with no text", "no text files"),
    ("missing path", "not found"),
    ("fake gzip", "cannot read"),
    ("empty corpus path", "empty"),
    ("binary file after a text file in a folder", "binary"),
    ("corrupt deflate block", "corrupt"),
    ("corrupt gzip in a folder", "corrupt"),
    ("encrypted zip", "encrypted"),
    ("zip with an unknown compression method", "compression method 99"),
    ("binary zip member", "b.bin"),
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
    ("--dim 100000000000000000000", "a single word's vectors need 800 EB"),
    ("--lr inf", "--lr"),
    ("--lr-min 100", "--lr-min"),
    ("--lr 0.001 --lr-min 0.01", "lower lr_min"),
    ("min-count above every count", "--min-count"),
    ("corpus shorter than a window", "--window"),
    ("a file where the output folder should be", "cannot create output folder"),
    ("output folder read-only", "cannot write"),
    ("resume missing checkpoint", "checkpoint not found"),
    ("corrupted model", "bad.npz"),
    ("random bytes as model", "r.npz"),
    ("missing model", "not found"),
    ("export onto its model", "is the model file"),
    ("export onto a link to its model", "is the model file"),
    ("classes onto its model", "is the model file"),
    ("phrases onto its input", "is the input file"),
    ("corpus is OUT.ids.u32", "would overwrite the corpus"),
    ("corpus is OUT.npz", "would overwrite the corpus"),
    ("corpus is OUT.metrics.json", "would overwrite the corpus"),
    ("corpus is the checkpoint OUT.ckpt.npz", "with the checkpoint"),
    ("corpus is the --plot picture", "with the t-SNE plot"),
    ("corpus is a link to OUT.npz", "would overwrite the corpus"),
    ("analogies file is OUT.metrics.json", "would overwrite the --analogies file"),
    ("save-vocab file is the corpus", "--save-vocab"),
    ("save-vocab file is OUT.npz", "would overwrite the model"),
    ("save-vocab file is the read-vocab file", "would overwrite the --read-vocab file"),
    ("init model is OUT.npz", "would overwrite the --init model"),
    ("empty --out", "--out is empty"),
    ("an output is a folder", "is a folder"),
    ("evaluate: analogies file missing", "--analogies nope.txt: no such file"),
    ("evaluate: analogies file of word pairs", "--analogies"),
    ("evaluate: pairs file is a text", "--pairs"),
    ("evaluate: pairs file missing", "--pairs none.tsv: no such file"),
    ("evaluate: analogies file is a folder", "is a folder, not a file"),
    ("evaluate: every pair out of vocabulary", "out of vocabulary"),
    ("plot with 4 words", "t-SNE needs at least 5 words"),
    ("training diverges", "too high for --batch-size 256 (--window 5, --neg 5); lower --lr"),
]


@pytest.mark.parametrize(("kind", "needle"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_line_and_exit_2(kind, needle, tmp_path, capsys):
    if kind == "output folder read-only" and not Path("/proc").is_dir():
        pytest.skip("needs a read-only /proc")
    args = _make(kind, tmp_path)
    assert_refused(args, needle, tmp_path, capsys)


def _snapshot(folder: Path) -> dict[Path, bytes | None]:
    """Every path below ``folder`` with the bytes of each file (None for a folder)."""
    return {p: None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


def assert_refused(args: list[str], needle: str, folder: Path, capsys, code: int = 2) -> None:
    """``main(args)`` exits ``code`` with one line on stderr holding ``needle``, no
    traceback, and every file below ``folder`` as it was (none added or removed)."""
    before = _snapshot(folder)
    got = main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert got == code, (args, got, err)
    assert len(lines) == 1, err
    assert needle in lines[0], lines[0]
    assert "Traceback" not in err
    after = _snapshot(folder)
    assert set(after) == set(before), "files left behind or removed"
    assert after == before, "a file was changed"


def test_data_folder_that_is_a_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "cache").write_text("not a folder")
    monkeypatch.setenv("WORD2VEC_NUMPY_DATA", str(tmp_path / "cache"))
    (tmp_path / "out").mkdir()
    args = ["train", "--corpus", "text8", "--out", str(tmp_path / "out" / "m"), "--quiet"]
    assert_refused(args, "$WORD2VEC_NUMPY_DATA", tmp_path, capsys)
    args[2] = "alice"
    assert_refused(args + ["--data-dir", str(tmp_path / "cache")], "--data-dir", tmp_path, capsys)
    model = _model(tmp_path)
    assert_refused(["evaluate", model], "$WORD2VEC_NUMPY_DATA", tmp_path, capsys)


def test_plot_without_matplotlib_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name)
    )
    args = _make("--plot", tmp_path)  # the good corpus with --plot
    assert_refused(args, "pip install 'word2vec-numpy[plot]'", tmp_path, capsys)


def test_matrices_larger_than_memory_are_refused_before_allocating(tmp_path, capsys, monkeypatch):
    from word2vec_numpy.cli import checks

    monkeypatch.setattr(checks, "available_memory", lambda: 10_000_000)
    args = _make("--dim 1000000", tmp_path)  # 15 words: 120 MB of matrices, 10 MB "free"
    needle = "15 words x 1,000,000 dimensions x 4 bytes x 2 matrices: W_in and W_out"
    assert_refused(args + ["--min-count", "1"], needle, tmp_path, capsys)


def test_unknown_words_give_one_line(model_file, capsys):
    for argv in (
        ["similar", str(model_file), "zzzqx"],
        ["analogy", str(model_file), "cat", "dog", "zzzqx"],
    ):
        assert main(argv) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "zzzqx" in lines[0] and "vocabulary" in lines[0]


def test_resume_with_other_options_is_refused(tmp_path, capsys, monkeypatch):
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
    # the checkpoint of the first epoch, kept: an option given now that differs from it
    # names the checkpoint's value, also when that was the default (not "None")
    monkeypatch.setattr(os, "remove", lambda path: None)
    assert main(["train", *common, "--checkpoint-every-epoch", "--out", str(tmp_path / "k")]) == 0
    checkpoint = str(tmp_path / "k.ckpt.npz")
    for given, shown in (("--lr 0.5", "the checkpoint's 0.025 (the default)"),
                         ("--window 3", "the checkpoint's 5"),
                         ("--hs 1", "--hs 1 differs from the checkpoint's 0"),  # not True, False
                         ("--no-shrink-windows",
                          "the checkpoint was made without --no-shrink-windows")):  # fmt: skip
        assert_refused(["train", "--resume", checkpoint, *given.split()], shown, tmp_path, capsys)
    corpus.rename(tmp_path / "moved.txt")  # a moved corpus: the hint is --corpus, not sample
    hint = "corpus file not found: " + str(corpus) + " (if it moved, give --corpus NEW_PATH"
    assert_refused(["train", "--resume", checkpoint], hint, tmp_path, capsys)


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


def test_an_extra_argument_is_named_by_its_subcommand(tmp_path, capsys):
    """Like every other error of a subcommand: "word2vec-numpy analogy: ...", not the
    top-level "word2vec-numpy: ..." that argparse gives by default."""
    model = _model(tmp_path)
    args = ["analogy", model, "cat", "dog", "cat", "queen"]
    assert_refused(args, "word2vec-numpy analogy: error: unrecognized arguments: queen",
                   tmp_path, capsys)  # fmt: skip


def test_evaluate_save_checks_its_folder_before_the_work(tmp_path, capsys, monkeypatch):
    """A model in a folder it cannot write to (root writes anywhere, so the probe is made to
    fail): refused before any benchmark is run, not after."""
    from word2vec_numpy.cli import evaluate

    model = _model(tmp_path)
    (tmp_path / "q.txt").write_text(": family\ncat dog cat dog\n", encoding="utf-8")
    monkeypatch.setattr(evaluate, "folder_writable", lambda folder: False)
    monkeypatch.setattr(evaluate, "evaluate_analogies", lambda *a, **k: pytest.fail("ran"))
    args = ["evaluate", model, "--analogies", str(tmp_path / "q.txt"), "--save"]
    assert_refused(args, "--save: cannot write", tmp_path, capsys)


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

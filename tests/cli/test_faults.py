"""Faults a long training run must survive (issue 9), as a user meets them: a full disk or a
file-size limit at every write, two runs on one output, missing or impossible output
folders, signals at the wrong moment, a worker killed by the OOM killer, and resuming.

Each row says what the program must do: one line on stderr (and which exit code), the
previous file of that name intact, no temporary file left, and, where training had started,
the work kept (a checkpoint, or the model somewhere) and the command that continues it.
File-size limits are real (RLIMIT_FSIZE in a child process, SIGXFSZ ignored, so a write
fails with EFBIG); a full disk for one file only is simulated by failing its writes with
ENOSPC in-process (``full_disk``)."""

from __future__ import annotations

import errno
import json
import os
import resource
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import children_of, run_cli, shm_segments_of, workers_of

from word2vec_numpy import files
from word2vec_numpy.data.sample import write_sample_corpus
from word2vec_numpy.model.word2vec import Word2Vec

SMALL = ["--dim", "16", "--epochs", "2", "--seed", "3", "--quiet"]
# a run long enough to be stopped, with a checkpoint once training has started
LONG = [
    "--dim",
    "16",
    "--epochs",
    "100",
    "--workers",
    "1",
    "--quiet",
    "--checkpoint-every",
    "20000",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "corpus.txt"
    write_sample_corpus(path, n_tokens=40_000, seed=8)
    return path


@pytest.fixture(scope="module")
def long_corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults-long") / "long.txt"
    write_sample_corpus(path, n_tokens=250_000, seed=9)
    return path


@pytest.fixture(scope="module")
def short_corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults-short") / "short.txt"
    write_sample_corpus(path, n_tokens=8_000, seed=8)
    return path


def _child(args: list[str], cwd: Path, limit: int | None = None, ignored=(), **kwargs):
    """The command line in a child process, optionally under a file-size limit, or started
    with the ``ignored`` signals ignored (as ``nohup`` does)."""

    def limited() -> None:
        for sig in ignored:
            signal.signal(sig, signal.SIG_IGN)
        if limit:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, TMPDIR=str(cwd / "tmp"), HOME=str(cwd / "home"))
    env.update(kwargs.pop("env", {}))
    (cwd / "tmp").mkdir(exist_ok=True)
    (cwd / "home").mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "word2vec_numpy", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=limited if limit or ignored else None,
        **kwargs,
    )


def _finish(proc, timeout: float = 240) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def _leftovers(*folders: Path) -> list[str]:
    """Temporary or partial files: atomic writes' .tmp, the encoder's .prov/.tmp, id files."""
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            name = path.name
            if name.endswith((".tmp", ".prov", ".u32", ".lock")) or name.startswith(
                "word2vec-numpy-"
            ):
                found.append(str(path.relative_to(folder)))
    return found


@pytest.fixture
def full_disk(monkeypatch):
    """``full_disk("m.npz")``: every write to a file whose name ends so fails with ENOSPC
    (the atomic write's temporary file, as a full disk would)."""
    real_create = files._create
    full: list[str] = []

    class Full:
        def __init__(self, handle) -> None:
            self._handle = handle

        def write(self, data) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self._handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self._handle.close()

    def fake_create(path):
        handle = real_create(path)
        if os.path.basename(os.fspath(path).rsplit(".", 2)[0]) in {"." + t for t in full}:
            return Full(handle)
        return handle

    monkeypatch.setattr(files, "_create", fake_create)
    return full.append


# -- a full disk or a file-size limit at every write ------------------------------------------
def test_id_file_too_large(corpus, tmp_path):
    (tmp_path / "m.ids.u32").write_bytes(b"stale id file of a crashed run")
    code, _, err = _finish(
        _child(["train", "--corpus", str(corpus), "--out", "m", *SMALL], tmp_path, limit=64 << 10)
    )
    assert code == 2 and len(_lines(err)) == 1, err
    assert "cannot write the word-id file m.ids.u32" in err
    assert "File too large" in err or "file-size limit" in err
    assert _leftovers(tmp_path) == []


def test_model_too_large_and_nowhere_to_keep_it(short_corpus, tmp_path):
    assert (
        _finish(
            _child(
                ["train", "--corpus", str(short_corpus), "--out", "m", *SMALL, "--dim", "64"],
                tmp_path,
            )
        )[0]
        == 0
    )
    before = (tmp_path / "m.npz").read_bytes()
    args = [
        "train",
        "--corpus",
        str(short_corpus),
        "--out",
        "m",
        *SMALL,
        "--dim",
        "64",
        "--seed",
        "4",
        "--workers",
        "1",
    ]
    code, _, err = _finish(_child(args, tmp_path, limit=64 << 10))
    assert code == 1 and len(_lines(err)) == 1, err
    assert "cannot write m.npz" in err and "no copy could be written" in err
    assert (tmp_path / "m.npz").read_bytes() == before  # the previous model intact
    assert _leftovers(tmp_path) == []


def test_model_on_a_full_disk_is_kept_in_the_temp_folder(
    corpus, tmp_path, capsys, full_disk, monkeypatch
):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)
    full_disk("m.npz")
    code, _, err = run_cli(
        [
            "train",
            "--corpus",
            str(corpus),
            "--out",
            str(tmp_path / "out" / "m"),
            *SMALL,
            "--workers",
            "1",
            "--checkpoint-every-epoch",
        ],
        capsys,
    )
    assert code == 1 and len(_lines(err)) == 1, err
    kept = next((tmp_path / "tmp").glob("word2vec-numpy-*-m.npz"))
    assert f"saved to {kept} instead" in err and "No space left" in err
    model = Word2Vec.load(kept)
    assert model.training_state["epoch"] == 2 and np.isfinite(model.W_in).all()
    assert (tmp_path / "out" / "m.ckpt.npz").exists()  # kept too: the temp folder may go
    assert not (tmp_path / "out" / "m.npz").exists()
    assert _leftovers(tmp_path / "out") == []


def test_periodic_checkpoint_on_a_full_disk_warns_and_training_goes_on(
    corpus, tmp_path, capsys, full_disk
):
    full_disk("m.ckpt.npz")
    out = tmp_path / "m"
    code, stdout, err = run_cli(
        [
            "train",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            *SMALL,
            "--workers",
            "1",
            "--checkpoint-every",
            "5000",
        ],
        capsys,
    )
    assert code == 0 and "saved" in stdout
    assert _lines(err) == [
        f"warning: cannot write {out}.ckpt.npz: No space left on device; training goes on, "
        "no checkpoint yet"
    ]
    assert Word2Vec.load(f"{out}.npz").training_state["epoch"] == 2
    assert _leftovers(tmp_path) == []


def test_stop_checkpoint_on_a_full_disk_goes_to_the_temp_folder(
    corpus, tmp_path, capsys, full_disk, monkeypatch
):
    """The stop checkpoint cannot be written next to OUT: the earlier one stays there, the
    new one goes to the temp folder, and the printed command resumes from it."""
    from word2vec_numpy.training.trainer import Trainer

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)
    out = tmp_path / "m"
    (tmp_path / "m.ckpt.npz").write_bytes(b"an earlier checkpoint")
    full_disk("m.ckpt.npz")
    train = Trainer.train

    def stop_soon(self, on_chunk=None):
        return train(self, on_chunk=lambda t: t.request_stop() if t.words_done > 20_000 else None)

    monkeypatch.setattr(Trainer, "train", stop_soon)
    code, _, err = run_cli(
        ["train", "--corpus", str(corpus), "--out", str(out), *SMALL, "--workers", "1"], capsys
    )
    # the earlier checkpoint is named as one this run replaces, then the stop in one line
    assert code == 130 and len(_lines(err)) == 2, err
    assert _lines(err)[0].startswith(f"warning: {out}.ckpt.npz is the checkpoint of an earlier")
    kept = next((tmp_path / "tmp").glob("word2vec-numpy-*-m.ckpt.npz"))
    assert f"checkpoint saved to {kept}: resume with: word2vec-numpy train --resume {kept}" in err
    assert (tmp_path / "m.ckpt.npz").read_bytes() == b"an earlier checkpoint"
    monkeypatch.setattr(Trainer, "train", train)
    command = shlex.split(err.split("resume with: ")[1])
    assert run_cli(command[1:], capsys)[0] == 0
    assert Word2Vec.load(f"{out}.npz").training_state["epoch"] == 2


def test_metrics_on_a_full_disk(corpus, tmp_path, capsys, full_disk):
    (tmp_path / "m.metrics.json").write_text('{"earlier": true}\n')
    full_disk("m.metrics.json")
    out = tmp_path / "m"
    code, _, err = run_cli(
        ["train", "--corpus", str(corpus), "--out", str(out), *SMALL, "--workers", "1"], capsys
    )
    assert code == 1 and len(_lines(err)) == 1, err
    assert f"cannot write {out}.metrics.json" in err and f"the model {out}.npz was saved" in err
    assert json.loads((tmp_path / "m.metrics.json").read_text()) == {"earlier": True}
    assert Word2Vec.load(f"{out}.npz").training_state["epoch"] == 2
    assert _leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def trained(short_corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trained")
    code, _, err = _finish(
        _child(
            ["train", "--corpus", str(short_corpus), "--out", "m", *SMALL, "--dim", "64"], folder
        )
    )
    assert code == 0, err
    return folder / "m.npz"


def test_shared_memory_for_the_workers_too_large(short_corpus, tmp_path):
    args = ["train", "--corpus", str(short_corpus), "--out", "m", *SMALL, "--dim", "64"]
    code, _, err = _finish(_child([*args, "--workers", "2"], tmp_path, limit=64 << 10))
    assert code == 2 and len(_lines(err)) == 1, err
    assert "cannot share the model with 2 worker processes" in err and "--workers 1" in err
    assert _leftovers(tmp_path) == []


def test_export_too_large(trained, tmp_path):
    (tmp_path / "vectors.txt").write_text("an earlier export\n")
    code, _, err = _finish(
        _child(["export", str(trained), "vectors.txt"], tmp_path, limit=16 << 10)
    )
    assert code == 2 and len(_lines(err)) == 1, err
    assert "cannot write vectors.txt" in err
    assert (tmp_path / "vectors.txt").read_text() == "an earlier export\n"
    assert _leftovers(tmp_path) == []


def test_plot_too_large(trained, tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    env = {"MPLCONFIGDIR": str(tmp_path / "mpl")}
    args = ["plot", str(trained), "--out-dir", str(tmp_path), "--top", "40"]
    assert _finish(_child(args, tmp_path, env=env))[0] == 0  # matplotlib's caches, unlimited
    before = (tmp_path / "m.tsne.png").read_bytes()
    code, _, err = _finish(_child(args, tmp_path, limit=8 << 10, env=env))
    assert code == 2 and len(_lines(err)) == 1, err
    assert "cannot write" in err and "m.tsne.png" in err
    assert (tmp_path / "m.tsne.png").read_bytes() == before
    assert _leftovers(tmp_path) == []


# -- two runs on one output; output folders ----------------------------------------------------
def test_a_second_run_on_the_same_output_is_refused(corpus, tmp_path, capsys):
    args = [
        "--dim",
        "16",
        "--epochs",
        "200",
        "--workers",
        "1",
        "--quiet",
        "--checkpoint-every",
        "20000",
    ]
    first = _child(["train", "--corpus", str(corpus), "--out", "m", *args], tmp_path)
    _wait_for(first, tmp_path / "m.ckpt.npz")  # training has started
    code, _, err = run_cli(
        ["train", "--corpus", str(corpus), "--out", str(tmp_path / "m"), *SMALL], capsys
    )
    assert code == 2 and len(_lines(err)) == 1, err
    assert f"another run (pid {first.pid}) is writing" in err and "m.lock" in err
    first.send_signal(signal.SIGTERM)
    assert _finish(first)[0] == 143
    assert not (tmp_path / "m.lock").exists() and (tmp_path / "m.ckpt.npz").exists()


def test_a_lock_left_by_a_dead_run_is_taken_over(corpus, tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
            import sys, time
            from word2vec_numpy.files import OutputLock
            OutputLock(sys.argv[1]).acquire()
            print("locked", flush=True)
            time.sleep(60)
        """),
            str(tmp_path / "m.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()  # SIGKILL: no clean-up, the lock file stays
    holder.wait()
    assert (tmp_path / "m.lock").read_text().strip() == str(holder.pid)
    # the dead run's unfinished writes (kill -9 in the middle), and a file not ours
    unfinished = [".m.npz.0123abcd.tmp", ".m.ckpt.npz.89abcdef.tmp", ".m.metrics.json.00000000.tmp"]
    for name in [*unfinished, ".other.npz.0123abcd.tmp"]:
        (tmp_path / name).write_bytes(b"half")
    code, out, err = _finish(
        _child(
            [
                "train",
                "--corpus",
                str(corpus),
                "--out",
                "m",
                "--dim",
                "16",
                "--epochs",
                "1",
                "--workers",
                "1",
            ],
            tmp_path,
        )
    )
    assert code == 0, err
    assert f"taking over {Path('m.lock')}, left by process {holder.pid}" in err
    assert not (tmp_path / "m.lock").exists()
    assert not any((tmp_path / name).exists() for name in unfinished)
    assert (tmp_path / ".other.npz.0123abcd.tmp").exists()


@pytest.mark.parametrize(
    ("out", "model"), [("runs/a/b/m", "runs/a/b/m.npz"), ("new/", "new/model.npz")]
)
def test_a_missing_output_folder_is_made(corpus, tmp_path, capsys, out, model):
    code, stdout, err = run_cli(
        ["train", "--corpus", str(corpus), "--out", f"{tmp_path}/{out}", *SMALL, "--workers", "1"],
        capsys,
    )
    assert code == 0, err
    assert (tmp_path / model).exists()
    assert sorted(p.name for p in (tmp_path / model).parent.iterdir()) == sorted(
        [Path(model).name, Path(model).name.replace(".npz", ".metrics.json")]
    )  # no lock, id file or checkpoint left


@pytest.mark.parametrize("where", ["a file in the way", "no permission"])
def test_an_output_folder_that_cannot_be_made(corpus, tmp_path, capsys, where):
    if where == "a file in the way":
        (tmp_path / "taken").write_text("a file\n")
        out = tmp_path / "taken" / "sub" / "m"
    else:
        if not Path("/sys/kernel").is_dir():
            pytest.skip("needs Linux /sys")
        out = Path("/sys/kernel/word2vec-numpy-test/m")
    before = sorted(tmp_path.rglob("*"))
    code, _, err = run_cli(["train", "--corpus", str(corpus), "--out", str(out), *SMALL], capsys)
    assert code == 2 and len(_lines(err)) == 1, err
    assert "cannot create output folder" in err
    assert sorted(tmp_path.rglob("*")) == before


# -- signals at the wrong moment ----------------------------------------------------------------
def _wait_for(proc, path: Path, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while not path.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()


def test_sighup_mid_training_writes_a_checkpoint_and_cleans_up(corpus, tmp_path):
    proc = _child(
        [
            "train",
            "--corpus",
            str(corpus),
            "--out",
            "m",
            *LONG,
        ],
        tmp_path,
    )
    _wait_for(proc, tmp_path / "m.ckpt.npz")
    proc.send_signal(signal.SIGHUP)
    code, _, err = _finish(proc)
    assert code == 129 and len(_lines(err)) == 1, err
    assert "stopped by SIGHUP" in err and "resume with" in err
    assert Word2Vec.load(tmp_path / "m.ckpt.npz").training_state["epoch"] < 100
    assert _leftovers(tmp_path) == []  # no id file, no lock


def test_signals_ignored_at_the_start_stay_ignored(corpus, tmp_path):
    """Under ``nohup`` (SIGHUP ignored) closing the terminal must not stop the run, nor a
    Ctrl-C reach a script's background job (SIGINT ignored): neither is turned back on."""
    args = ["train", "--corpus", str(corpus), "--out", "m", *LONG]
    args[args.index("--epochs") + 1] = "4"
    proc = _child(args, tmp_path, ignored=(signal.SIGHUP, signal.SIGINT))
    _wait_for(proc, tmp_path / "m.ckpt.npz")
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGHUP):
        proc.send_signal(sig)
        time.sleep(0.05)
    code, _, err = _finish(proc)
    assert code == 0 and err == "", err
    assert Word2Vec.load(tmp_path / "m.npz").training_state["epoch"] == 4


HOOK = """
import os, signal, sys
import word2vec_numpy.files as files
real = files._create

def create(path):  # a signal once the file's temporary file is made, before it is written
    if {when}(os.path.basename(path)):
        os.kill(os.getpid(), signal.{sig})
    return real(path)

files._create = create
from word2vec_numpy.cli.main import entry
sys.argv = ["word2vec-numpy", *sys.argv[1:]]
entry()
"""


def _hooked(tmp_path: Path, when: str, sig: str, args: list[str]):
    script = tmp_path / "hooked.py"
    script.write_text(HOOK.format(when=when, sig=sig))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )


def test_ctrl_c_while_the_model_is_saved(corpus, tmp_path):
    run = _hooked(
        tmp_path,
        "lambda n: n.startswith('.m.npz')",
        "SIGINT",
        ["train", "--corpus", str(corpus), "--out", "m", *SMALL, "--workers", "1"],
    )
    assert run.returncode == 130 and len(_lines(run.stderr)) == 1, run.stderr
    assert "stopped by SIGINT after the model was saved" in run.stderr
    model = Word2Vec.load(tmp_path / "m.npz")
    assert model.training_state["epoch"] == 2 and (tmp_path / "m.metrics.json").exists()
    assert not (tmp_path / "m.ckpt.npz").exists() and _leftovers(tmp_path) == []


def test_a_second_sigterm_while_the_stop_checkpoint_is_written(corpus, tmp_path):
    """The first SIGTERM comes while a periodic checkpoint is written (it completes, then
    training stops); the second while the stop checkpoint is written (it completes too)."""
    run = _hooked(
        tmp_path,
        "lambda n: 'ckpt' in n",
        "SIGTERM",
        [
            "train",
            "--corpus",
            str(corpus),
            "--out",
            "m",
            *LONG,
        ],
    )
    assert run.returncode == 143 and len(_lines(run.stderr)) == 1, run.stderr
    assert "stopped by SIGTERM" in run.stderr
    state = Word2Vec.load(tmp_path / "m.ckpt.npz").training_state
    assert state["epoch"] == 0 and state["words_done"] > 20_000
    assert _leftovers(tmp_path) == []


# -- a worker killed mid-epoch ---------------------------------------------------------------------
def test_a_worker_killed_by_the_oom_killer(corpus, tmp_path):
    if not Path("/dev/shm").is_dir():
        pytest.skip("needs /dev/shm")
    args = [
        "train",
        "--corpus",
        str(corpus),
        "--out",
        "m",
        "--dim",
        "200",
        "--epochs",
        "3",
        "--workers",
        "2",
        "--quiet",
    ]
    proc = _child(args, tmp_path)
    deadline = time.time() + 120
    while len(workers_of(proc.pid)) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    workers, shm = workers_of(proc.pid), shm_segments_of(proc.pid)
    assert len(workers) == 2 and shm, "training ended before a worker could be killed"
    os.kill(workers[0], signal.SIGKILL)
    killed = time.time()
    code, _, err = _finish(proc)
    assert time.time() - killed < 10
    assert code == 1 and len(_lines(err)) == 1, err
    assert "a training worker was killed by SIGKILL" in err and "checkpoint saved" in err
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)  # no orphan
    assert {p for p in os.listdir("/dev/shm")} & shm == set()  # no leaked segment
    assert _leftovers(tmp_path) == []
    command = shlex.split(err.split("resume with: ")[1])
    assert command[:4] == ["word2vec-numpy", "train", "--resume", "m.ckpt.npz"]
    code, _, err = _finish(_child(command[1:], tmp_path))
    assert code == 0, err
    metrics = json.loads((tmp_path / "m.metrics.json").read_text())
    n = metrics["corpus_words_in_vocab"]
    assert metrics["words_read_per_epoch"] == [n] * 3
    assert metrics["hyperparameters"]["workers"] == 2


def test_the_resource_tracker_killed_mid_run(corpus, tmp_path):
    """multiprocessing's resource tracker (a child of the run, like the workers) killed in
    the middle of training: the workers do not depend on it (forked, they use the parent's
    mappings), so training goes on to the end and the segments are still removed."""
    if not Path("/dev/shm").is_dir():
        pytest.skip("needs /dev/shm")
    args = ["train", "--corpus", str(corpus), "--out", "m", "--dim", "200", "--epochs", "4",
            "--workers", "2", "--quiet"]  # fmt: skip
    proc = _child(args, tmp_path)
    deadline = time.time() + 120
    while len(workers_of(proc.pid)) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    shm = shm_segments_of(proc.pid)
    trackers = [pid for pid in children_of(proc.pid) if pid not in workers_of(proc.pid)]
    assert len(trackers) == 1 and shm, "training ended before the tracker could be killed"
    os.kill(trackers[0], signal.SIGKILL)
    code, _, err = _finish(proc)
    assert code == 0, err
    assert Word2Vec.load(tmp_path / "m.npz").training_state["epoch"] == 4
    assert {p for p in os.listdir("/dev/shm")} & shm == set()
    assert _leftovers(tmp_path) == []


# -- resuming --------------------------------------------------------------------------------------
def test_the_printed_command_resumes_bit_exactly(long_corpus, tmp_path):
    """The issue's run, scaled down: one worker, a checkpoint each epoch, Ctrl-C in the
    second epoch, then the command the program prints (no --workers): the weights and the
    counts of an uninterrupted run."""
    common = [
        "--corpus",
        str(long_corpus),
        "--epochs",
        "2",
        "--workers",
        "1",
        "--seed",
        "5",
        "--dim",
        "100",
        "--checkpoint-every-epoch",
    ]
    assert _finish(_child(["train", *common, "--out", "full", "--quiet"], tmp_path))[0] == 0
    proc = _child(["train", *common, "--out", "run/m", "--quiet"], tmp_path)
    _wait_for(proc, tmp_path / "run" / "m.ckpt.npz")
    proc.send_signal(signal.SIGINT)
    code, _, err = _finish(proc)
    assert code == 130 and "at epoch 2/2" in err, err
    command = err.split("resume with: ")[1].strip()
    assert command == "word2vec-numpy train --resume run/m.ckpt.npz --out run/m"
    code, _, err = _finish(_child(shlex.split(command)[1:], tmp_path))
    assert code == 0, err
    a, b = np.load(tmp_path / "full.npz"), np.load(tmp_path / "run" / "m.npz")
    np.testing.assert_array_equal(a["W_in"], b["W_in"])
    np.testing.assert_array_equal(a["W_out"], b["W_out"])
    full = json.loads((tmp_path / "full.metrics.json").read_text())
    resumed = json.loads((tmp_path / "run" / "m.metrics.json").read_text())
    for key in ("words_read", "words_trained", "words_read_per_epoch", "epoch_losses"):
        assert resumed[key] == full[key], key
    assert resumed["words_read"] == 2 * full["corpus_words_in_vocab"]
    assert resumed["hyperparameters"]["workers"] == 1


def _checkpoint(corpus: Path, tmp_path: Path, capsys, *extra: str) -> Path:
    from word2vec_numpy.training.trainer import Trainer

    train = Trainer.train

    def stop_soon(self, on_chunk=None):
        return train(self, on_chunk=lambda t: t.request_stop() if t.words_done > 15_000 else None)

    Trainer.train = stop_soon
    try:
        args = ["train", "--corpus", str(corpus), "--out", str(tmp_path / "m"), *SMALL, *extra]
        assert run_cli(args, capsys)[0] == 130
    finally:
        Trainer.train = train
    return tmp_path / "m.ckpt.npz"


def test_resume_takes_the_same_corpus_by_another_path(corpus, tmp_path, capsys, monkeypatch):
    ckpt = _checkpoint(corpus, tmp_path, capsys, "--workers", "1")
    monkeypatch.chdir(corpus.parent)
    code, _, err = run_cli(
        ["train", "--resume", str(ckpt), "--out", str(tmp_path / "m"), "--corpus", corpus.name],
        capsys,
    )
    assert code == 0, err


def test_resume_refuses_another_corpus(corpus, short_corpus, tmp_path, capsys):
    ckpt = _checkpoint(corpus, tmp_path, capsys, "--workers", "1")
    code, _, err = run_cli(
        [
            "train",
            "--resume",
            str(ckpt),
            "--out",
            str(tmp_path / "m"),
            "--corpus",
            str(short_corpus),
        ],
        capsys,
    )
    assert code == 2 and len(_lines(err)) == 1
    assert "is not the checkpoint's corpus" in err and str(corpus) in err
    assert ckpt.exists()


def test_a_new_run_over_a_stopped_one_says_it_replaces_its_checkpoint(corpus, tmp_path, capsys):
    ckpt = _checkpoint(corpus, tmp_path, capsys, "--workers", "1")
    args = ["train", "--corpus", str(corpus), "--out", str(tmp_path / "m"), *SMALL]
    code, _, err = run_cli([*args, "--workers", "1"], capsys)
    assert code == 0 and _lines(err) == [
        f"warning: {ckpt} is the checkpoint of an earlier run that was stopped; this run "
        f"starts anew and replaces it (to continue that run instead: word2vec-numpy train "
        f"--resume {ckpt} --out {tmp_path / 'm'})"
    ]
    assert not ckpt.exists()


def test_resume_refuses_a_corpus_changed_in_place(corpus, tmp_path, capsys):
    """The same path is not the same text: the file is compared by size and fingerprint
    whether ``--corpus`` is given again or taken from the checkpoint."""
    text = tmp_path / "c.txt"
    text.write_text(corpus.read_text())
    ckpt = _checkpoint(text, tmp_path, capsys, "--workers", "1")
    text.write_text(corpus.read_text()[::-1])  # the same size, other text
    resume = ["train", "--resume", str(ckpt), "--out", str(tmp_path / "m")]
    code, _, err = run_cli(resume, capsys)
    assert code == 2 and _lines(err) == [
        f"word2vec-numpy train: cannot resume: the corpus {text} has changed since the "
        "checkpoint was written (its size or contents differ)"
    ]
    code, _, err = run_cli([*resume, "--corpus", str(text)], capsys)
    assert code == 2 and "is not the checkpoint's corpus" in err and len(_lines(err)) == 1
    text.write_text(corpus.read_text())  # the text back: resumed
    assert run_cli(resume, capsys)[0] == 0 and not ckpt.exists()


@pytest.mark.parametrize(
    ("given", "every"),
    [([], 5000), (["--checkpoint-every", "7000"], 7000), (["--checkpoint-every", "0"], 0)],
)
def test_resume_keeps_the_checkpoints_unless_given(
    corpus, tmp_path, capsys, monkeypatch, given, every
):
    from word2vec_numpy.training.trainer import Trainer

    ckpt = _checkpoint(corpus, tmp_path, capsys, "--workers", "1", "--checkpoint-every", "5000")
    made = []
    init = Trainer.__init__

    def recording(self, *args, **kwargs):
        made.append(kwargs)
        init(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "__init__", recording)
    resume = ["train", "--resume", str(ckpt), "--out", str(tmp_path / "m"), *given]
    assert run_cli(resume, capsys)[0] == 0
    assert made[0]["checkpoint_every"] == every


@pytest.mark.parametrize(("given", "used"), [([], 1), (["--workers", "2"], 2)])
def test_resume_uses_the_checkpoints_workers_unless_given(corpus, tmp_path, capsys, given, used):
    ckpt = _checkpoint(corpus, tmp_path, capsys, "--workers", "1")
    code, _, err = run_cli(
        ["train", "--resume", str(ckpt), "--out", str(tmp_path / "m"), *given], capsys
    )
    assert code == 0, err
    metrics = json.loads((tmp_path / "m.metrics.json").read_text())
    assert metrics["hyperparameters"]["workers"] == used
    n = metrics["corpus_words_in_vocab"]
    assert metrics["words_read_per_epoch"] == [n, n]


# -- the start ------------------------------------------------------------------------------------
def test_the_entry_point_starts_before_numpy_loads():
    """``word2vec-numpy`` answers a Ctrl-C from its first tenth of a second: the package and
    the entry point load nothing heavy (the commands, and NumPy, load inside ``cli.entry``)."""
    probe = "import sys, word2vec_numpy.cli.start; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    loaded = done.stdout
    assert done.returncode == 0 and "word2vec_numpy.cli.start" in loaded, done.stderr
    assert "'numpy'" not in loaded and "word2vec_numpy.cli.main" not in loaded


def test_ctrl_c_while_the_commands_load_is_one_line(monkeypatch, capsys):
    import types

    from word2vec_numpy.cli.start import entry

    class Loading(types.ModuleType):
        def __getattr__(self, name):
            raise KeyboardInterrupt  # Ctrl-C in the middle of the import

    monkeypatch.setitem(sys.modules, "word2vec_numpy.cli.main", Loading("main"))
    with pytest.raises(SystemExit) as info:
        entry()
    assert info.value.code == 130
    assert capsys.readouterr().err == "word2vec-numpy: interrupted\n"

"""The scripts in benchmarks/ still run against the package's API.

Tiny inputs, and nothing about speed is asserted here: speed is what the scripts measure.
A script that drifts from the API (as ``step_profile.py`` once did, passing a batch size of
None) otherwise breaks unnoticed until someone needs its numbers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from word2vec_numpy.data.sample import write_sample_corpus

ROOT = Path(__file__).resolve().parents[1]


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "benchmarks" / name), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("benchmarks") / "sample.txt"
    write_sample_corpus(path, n_tokens=30_000, seed=1)
    return path


def test_ab_step_finds_a_revision_bit_exact_with_itself(corpus: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("ab_step.py takes its versions from git; this tree is not a git clone")
    out = run_script(
        "ab_step.py", "--base", "HEAD", "--new", "HEAD", "--rounds", "1",
        "--tokens", "20000", "--corpus", str(corpus),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    # one line per model: the same code trains the same weights
    assert out.stdout.count("| bit-exact |") == 2, out.stdout


def test_step_profile_gives_every_phase_of_both_models(corpus: Path) -> None:
    pytest.importorskip("line_profiler")
    out = run_script(
        "step_profile.py", "--tokens", "20000", "--repeats", "1", "--no-wait",
        "--corpus", str(corpus),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    for model in ("skipgram", "cbow"):
        assert f"## {model}: lr" in out.stdout
        assert f"### {model}: phases of the step" in out.stdout
    assert out.stdout.count("**total (plain wall time)**") == 2

"""Helpers shared by the tests of every layer (fixtures; pytest finds them by name)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from word2vec_numpy.config import TrainConfig
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.model.batching import BatchMaker
from word2vec_numpy.model.negative_sampling import NegativeSampling

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def ns_batch_maker(
    vocab: Vocabulary,
    window: int,
    neg: int = 5,
    model: str = "skipgram",
    batch_size: int = 256,
    block: int = 32,
    n_shared: int | None = None,
) -> BatchMaker:
    """A BatchMaker whose batches carry negative-sampling draws."""
    config = TrainConfig(model=model, window=window, neg=neg, shared_negatives=n_shared)
    return BatchMaker(window, batch_size, block, losses=[NegativeSampling(vocab, config)])


@pytest.fixture
def make_maker() -> Callable[..., BatchMaker]:
    """``make_maker(vocab, window, neg, model, batch_size, block, n_shared)``."""
    return ns_batch_maker


def run_cli(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr)."""
    from word2vec_numpy.cli.main import main

    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors exit through SystemExit
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


# -- processes of a run under test (Linux /proc) ------------------------------------------------
def children_of(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid``."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def workers_of(pid: int) -> list[int]:
    """The running training workers of ``pid``: its children but multiprocessing's resource
    tracker."""
    workers = []
    for child in children_of(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                tracker = b"resource_tracker" in f.read()
            with open(f"/proc/{child}/stat", "rb") as f:
                running = f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
        except OSError:
            continue
        if running and not tracker:
            workers.append(child)
    return workers


def shm_segments_of(pid: int) -> set[str]:
    """The /dev/shm segments process ``pid`` has mapped (other runs may have theirs)."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return {line.split("/dev/shm/")[1].strip() for line in f if "/dev/shm/psm_" in line}
    except OSError:
        return set()

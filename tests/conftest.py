"""Helpers shared by the tests of every layer (fixtures; pytest finds them by name)."""

from __future__ import annotations

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

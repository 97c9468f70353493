"""Pins the exact weights of short one-worker runs, skip-gram and CBOW, through the CLI.

Recorded before the package was reorganised into layers (issue 8): a refactoring that changes
a single bit of the trained weights fails here. Change the checksums only together with a
deliberate change of the training math, and say so in the commit."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from word2vec_numpy.cli.main import main
from word2vec_numpy.data.sample import generate_sample_sentences

PINNED = {
    "skipgram": "6322c46da8090a2a1946262c205d938fcac549314159760538030e559911305d",
    "cbow": "4e5ad94fb6357eb61accd9f69db1b6ba4c1cc71156baff9b422fb48db46c25ba",
}


def weights_digest(path) -> str:
    with np.load(path, allow_pickle=False) as data:
        digest = hashlib.sha256()
        for key in ("W_in", "W_out"):
            digest.update(np.ascontiguousarray(data[key]).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_short_run_weights_are_pinned(tmp_path, model):
    corpus = tmp_path / "c.txt"
    sentences = generate_sample_sentences(40_000, seed=3)
    corpus.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    out = tmp_path / "m"
    argv = [
        "train",
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--model",
        model,
        "--epochs",
        "2",
        "--dim",
        "24",
        "--workers",
        "1",
        "--seed",
        "7",
        "--quiet",
    ]
    assert main(argv) == 0
    assert weights_digest(tmp_path / "m.npz") == PINNED[model]

"""Pins the exact weights of short one-worker runs, skip-gram and CBOW, through the CLI.

A refactoring that changes a single bit of the trained weights fails here. Change the checksums
only together with a deliberate change of the training math, and say so in the commit.

The bits also depend on the machine: OpenBLAS picks its matrix-product kernel by CPU (an
AVX-512 kernel sums in another order than the AVX2 one), so the digests are kept per kernel,
as threadpoolctl names it. The first pins were recorded on an AVX-512 machine whose kernel was
not written down (and passed there up to c84f46c); the "Haswell" ones (AVX2; OpenBLAS's "Zen"
target gives the same bits) were recorded on 2026-12-06 from 757bac6, whose training code is
c84f46c's. On a kernel with no digest the test skips and names the kernel to record."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from word2vec_numpy.cli.main import main
from word2vec_numpy.data.sample import generate_sample_sentences

PINNED = {
    "Haswell": {
        "skipgram": "cdda6bfa3f3af2556b3e4d1e49f5d170b648a00c53b6b647c9177ae5eb5c2561",
        "cbow": "ccb44a7fe8f0cc6f050e65dc5bab96dfe8679fda9247202b55bf5921cf4dfdcf",
    },
}
PINNED["Zen"] = PINNED["Haswell"]  # OpenBLAS's Zen target runs the Haswell kernels


def blas_kernel() -> str:
    """The kernel OpenBLAS chose for this CPU (threadpoolctl's "architecture")."""
    from threadpoolctl import threadpool_info

    kernels = {i.get("architecture") for i in threadpool_info() if i["internal_api"] == "openblas"}
    return ", ".join(sorted(str(k) for k in kernels)) or "no OpenBLAS"


def weights_digest(path) -> str:
    with np.load(path, allow_pickle=False) as data:
        digest = hashlib.sha256()
        for key in ("W_in", "W_out"):
            digest.update(np.ascontiguousarray(data[key]).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_short_run_weights_are_pinned(tmp_path, model):
    kernel = blas_kernel()
    if kernel not in PINNED:
        pytest.skip(f"no digest pinned for the BLAS kernel {kernel!r}: record this machine's")
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
    assert weights_digest(tmp_path / "m.npz") == PINNED[kernel][model]

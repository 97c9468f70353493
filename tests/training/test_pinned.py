"""Pins the exact weights of short one-worker runs, skip-gram and CBOW, through the CLI.

A refactoring that changes a single bit of the trained weights fails here. Change the checksums
only together with a deliberate change of the training math, and say so in the commit.

The bits also depend on the machine: NumPy's own loops (sums, ``einsum``, ``add.at``) run the
SIMD code of the CPU's best dispatch target, and OpenBLAS picks its matrix-product kernel by
CPU: the same code gave other digests on the AVX-512 machine of the first pins (they passed
there up to c84f46c) than on an AVX2 one. So the digests are kept per machine kind, both
named; that first kind was not written down, and its pins are gone with it. The AVX2 ones
were recorded on 2026-12-06 from 757bac6, whose training code is c84f46c's. On a machine
kind with no digest the test skips and names the kind to record."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from word2vec_numpy.cli.main import main
from word2vec_numpy.data.sample import generate_sample_sentences

PINNED = {
    "OpenBLAS Haswell, NumPy X86_V3": {
        "skipgram": "cdda6bfa3f3af2556b3e4d1e49f5d170b648a00c53b6b647c9177ae5eb5c2561",
        # CBOW's default batch became 1024 (2026-12-06); at 256 the digest is the earlier one
        "cbow": "ac90e2c5175260059c5efce888d3a07f607f6345898c6f2ac5622262a27b1444",
        "cbow --batch-size 256": "ccb44a7fe8f0cc6f050e65dc5bab96dfe8679fda9247202b55bf5921cf4dfdcf",
    },
}
# OpenBLAS's Zen target runs the Haswell kernels: the same bits (checked with OPENBLAS_CORETYPE)
PINNED["OpenBLAS Zen, NumPy X86_V3"] = PINNED["OpenBLAS Haswell, NumPy X86_V3"]


def machine_kind() -> str:
    """The OpenBLAS kernel (threadpoolctl's "architecture") and NumPy's best SIMD dispatch
    target on this CPU: what decides the order of float sums."""
    from threadpoolctl import threadpool_info

    try:  # NumPy 2; NumPy 1.26 calls the package numpy.core
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    # NumPy's own OpenBLAS: SciPy, once imported by another test, loads another copy
    blas = [i for i in threadpool_info() if i["internal_api"] == "openblas"]
    kernels = sorted(
        {str(i.get("architecture")) for i in blas if "numpy" in str(i.get("filepath"))}
        or {str(i.get("architecture")) for i in blas}
    )
    targets = [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]
    blas = "OpenBLAS " + ", ".join(kernels) if kernels else "no OpenBLAS"
    return f"{blas}, NumPy {targets[-1] if targets else 'baseline'}"


def weights_digest(path) -> str:
    with np.load(path, allow_pickle=False) as data:
        digest = hashlib.sha256()
        for key in ("W_in", "W_out"):
            digest.update(np.ascontiguousarray(data[key]).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("run", ["skipgram", "cbow", "cbow --batch-size 256"])
def test_short_run_weights_are_pinned(tmp_path, run):
    kind = machine_kind()
    if kind not in PINNED:
        pytest.skip(f"no digest pinned for {kind!r}: record this machine kind's")
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
        *run.split(),
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
    assert weights_digest(tmp_path / "m.npz") == PINNED[kind][run]

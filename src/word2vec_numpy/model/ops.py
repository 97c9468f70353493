"""The two array operations every loss needs: a clipped sigmoid and a scatter-add."""

from __future__ import annotations

import numpy as np

MAX_EXP = 6.0  # sigmoid inputs are clipped to [-6, 6], the C tool's MAX_EXP


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) on x clipped to [-MAX_EXP, MAX_EXP]: never overflows, never exactly 0 or 1."""
    out = np.clip(x, -MAX_EXP, MAX_EXP)
    np.negative(out, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def scatter_add(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    """matrix[ids] += grads, summing the rows of repeated ids (``matrix[ids] += grads`` would
    keep only one of them). A 1-D ``np.add.at`` on the flattened matrix: the same result as
    the 2-D form, several times faster (benchmarks/README.md). Ids in strictly increasing
    order (a loss that summed its repeated rows itself) repeat no row, so the plain indexed
    add is exact, and several times faster again."""
    if ids.ndim == 1 and bool(np.all(ids[1:] > ids[:-1])):
        matrix[ids] += grads.reshape(len(ids), matrix.shape[1])
        return
    d = matrix.shape[1]
    flat_index = (ids.reshape(-1, 1).astype(np.intp) * d + np.arange(d)).ravel()
    np.add.at(matrix.reshape(-1), flat_index, grads.reshape(-1))

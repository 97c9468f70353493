"""Cosine similarity over a whole vocabulary, and the top ``n`` of a score vector.

Cosine between rows ``u`` and ``v`` is ``cos(u, v) = u.v / (|u| |v|)``, so after dividing
every row of the matrix by its L2 norm once, a whole vocabulary's worth of cosines is one
matrix-vector (or matrix-matrix) product::

    U = W / ||W||_row              (V x d)
    scores = U @ q_hat             (V,)  cosines with the unit query q_hat

The top ``n`` of ``V`` scores are found with :func:`numpy.argpartition` (O(V)) and only those
``n`` are sorted, so a query costs little more than one pass over the matrix.

Both :mod:`.keyed` (the queries) and :mod:`.evaluate` (the benchmarks) build on these two
functions; they live here so that neither of those modules has to import the other's
internals.
"""

from __future__ import annotations

import numpy as np

__all__ = ["top_n_indices", "unit_rows"]


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows of ``matrix`` divided by their L2 norms (float32); all-zero rows stay zero."""
    m = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    # A zero row has no direction: leave it zero (cosine 0 with everything) instead of NaN.
    norms[norms == 0] = 1.0
    return m / norms


def top_n_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest entries along the last axis, best first.

    Works on a vector or on a matrix (one row per query). Ties are broken by the lower index
    (the more frequent word), also at the cut-off, so the result is exactly the first ``n`` of
    a stable descending sort, at O(V) cost instead of O(V log V). NaN counts as -inf.
    """
    scores = np.asarray(scores)
    size = scores.shape[-1]
    n = min(n, size)
    if n <= 0:
        return np.zeros(scores.shape[:-1] + (0,), dtype=np.int64)
    if np.isnan(scores).any():
        scores = np.where(np.isnan(scores), -np.inf, scores)
    if n < size:
        part = np.argpartition(-scores, n - 1, axis=-1)
        cand = part[..., :n]  # the n best, in arbitrary order
        kth = np.take_along_axis(scores, part[..., n - 1 : n], axis=-1)  # n-th largest value
        if ((scores >= kth).sum(axis=-1) > n).any():
            # A tie at the cut-off: argpartition picked arbitrary ones among the entries equal
            # to the n-th value. Take everything above it, then the lowest tied indices.
            above = scores > kth
            tied = scores == kth
            need = n - above.sum(axis=-1, keepdims=True)
            take = above | (tied & (np.cumsum(tied, axis=-1) <= need))
            # Exactly n per row; nonzero() lists them row by row in increasing index order.
            cand = np.nonzero(take)[-1].reshape(scores.shape[:-1] + (n,))
        else:
            cand = np.sort(cand, axis=-1)  # index order, so the stable sort below breaks ties
    else:
        cand = np.broadcast_to(np.arange(size), scores.shape).copy()
    cand_scores = np.take_along_axis(scores, cand, axis=-1)
    order = np.argsort(-cand_scores, axis=-1, kind="stable")
    return np.take_along_axis(cand, order, axis=-1)

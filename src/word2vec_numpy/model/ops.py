"""The array operations every loss needs: a clipped sigmoid and a scatter-add; and the bound
that keeps a row's summed step in a batch from overshooting (``bound_steps``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MAX_EXP = 6.0  # sigmoid inputs are clipped to [-6, 6], the C tool's MAX_EXP


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) on x clipped to [-MAX_EXP, MAX_EXP]: never overflows, never exactly 0 or 1."""
    out = np.clip(x, -MAX_EXP, MAX_EXP)
    np.negative(out, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def log_one_minus(p: np.ndarray) -> np.ndarray:
    """log(1 - p) of sigmoid outputs, as log of 1 - p rather than ``np.log1p(-p)``: NumPy's
    float32 log is vectorised and log1p is not, 5x slower, the largest single cost of the
    negative terms' loss (benchmarks/README.md). 1 - p is exact for p >= 1/2 and within
    3e-8 below; the inputs were clipped to +-MAX_EXP, so p >= sigma(-6) = 0.0025 and that
    is at most 1.2e-5 of the term, the order of p's own float32 rounding."""
    return np.log(1.0 - p)


# A pair of floats viewed as one complex number: complex addition adds both parts, exactly
# the float additions, so ``scatter_add`` walks half as many indices.
_PAIRED = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def scatter_add(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    """matrix[ids] += grads, summing the rows of repeated ids (``matrix[ids] += grads`` would
    keep only one of them). A 1-D ``np.add.at`` on the flattened matrix: the same result as
    the 2-D form, several times faster (benchmarks/README.md); with an even number of
    columns, on the matrix viewed as complex numbers (``_PAIRED``): the same additions in the
    same order, bit for bit, on half the indices (a third less time). Ids in strictly
    increasing order (a loss that summed its repeated rows itself) repeat no row, so the
    plain indexed add is exact, and several times faster again."""
    if ids.ndim == 1 and bool(np.all(ids[1:] > ids[:-1])):
        matrix[ids] += grads.reshape(len(ids), matrix.shape[1])
        return
    flat = matrix.reshape(-1)
    values = np.ascontiguousarray(grads, dtype=matrix.dtype).reshape(-1)
    d = matrix.shape[1]
    paired = _PAIRED.get(matrix.dtype)
    if paired is not None and d % 2 == 0:
        flat, values, d = flat.view(paired), values.view(paired), d // 2
    flat_index = (ids.reshape(-1, 1).astype(np.intp) * d + np.arange(d)).ravel()
    np.add.at(flat, flat_index, values)


class Curvature:
    """How the rows of a gradient are made, for ``bound_steps``: row i sums examples
    a_j x_j (x_j the vector on the other side of example j, a_j = dL/ds_j of its score);
    ``mass[i]`` = sum_j k_j with k_j = d2L/ds_j^2, ``reach[i]`` = sum_j k_j |x_j|, and
    ``partners(rows)`` = sum_j k_j x_j of the given rows (only for the few rows that need it).

    ``of_parts`` builds one from blocks of examples: in a part (coef, X, rows), row
    rows[g, p] has the examples coef[g, p, q] with partner X[g, q].
    """

    def __init__(
        self,
        mass: np.ndarray,
        reach: np.ndarray,
        partners: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        self.mass, self.reach, self.partners = mass, reach, partners

    @classmethod
    def of_parts(cls, n_rows: int, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
        mass, reach = np.zeros(n_rows), np.zeros(n_rows)
        for coef, X, rows in parts:
            norms = np.sqrt(np.einsum("gqd,gqd->gq", X, X))
            mass += np.bincount(rows.ravel(), coef.sum(axis=2).ravel(), minlength=n_rows)
            reach += np.bincount(rows.ravel(), (coef @ norms[..., None]).ravel(), n_rows)

        def partners(wanted: np.ndarray) -> np.ndarray:
            slot = np.full(n_rows, -1)
            slot[wanted] = np.arange(len(wanted))
            out = np.zeros((len(wanted), parts[0][1].shape[-1]))
            for coef, X, rows in parts:
                at = slot[rows]  # (G, P): where each row goes, -1 if not wanted
                if X.shape[1] == 1:  # one partner per row: gather
                    hit = at.ravel() >= 0
                    values = (
                        coef.reshape(-1, 1)[hit]
                        * X.reshape(len(X), -1)[np.repeat(np.arange(len(X)), rows.shape[1])[hit]]
                    )
                    np.add.at(out, at.ravel()[hit], values)
                    continue
                for g in np.flatnonzero((at >= 0).any(axis=1)):  # few groups: a product each
                    p = np.flatnonzero(at[g] >= 0)
                    np.add.at(out, at[g, p], coef[g, p] @ X[g])
            return out

        return cls(mass, reach, partners)

    def combined(self, weights: np.ndarray, rows_of: np.ndarray) -> Curvature:
        """The curvature of rows made as weighted sums of these rows: new row (b, c) is
        sum_t weights[b, t, c] * row rows_of[b, t] (e.g. CBOW's context words from centres)."""
        wT = weights.transpose(0, 2, 1)  # (B, C, T)
        mass = (wT @ self.mass[rows_of][..., None]).ravel()
        reach = (wT @ self.reach[rows_of][..., None]).ravel()
        n_cols = weights.shape[2]

        def partners(wanted: np.ndarray) -> np.ndarray:
            blocks = np.unique(wanted // n_cols)
            base = self.partners(rows_of[blocks].ravel()).reshape(len(blocks), rows_of.shape[1], -1)
            where = np.searchsorted(blocks, wanted // n_cols)
            return np.einsum("nt,ntd->nd", wT[wanted // n_cols, wanted % n_cols], base[where])

        return Curvature(mass, reach, partners)


def bound_steps(
    ids: np.ndarray, grads: np.ndarray, curvature: Curvature, lr: float, limit: float
) -> np.ndarray:
    """``grads`` (one row per id, summed per id by the step) with the rows of the ids whose
    step ``lr * sum`` would overshoot scaled down.

    An id's gradient sums examples a_j x_j. Along a direction u the loss curves by about
    lambda(u) = sum_j k_j (x_j . u)^2 (Gauss-Newton; ``Curvature``), and a gradient step of
    size lr overshoots the minimum along u once lr * lambda > 1 (and grows without end once
    > 2). P = |sum_j k_j x_j|^2 / sum_j k_j is lambda along the examples' common partner
    direction: n examples with one partner x give exactly lambda = n k |x|^2, unrelated
    partners a small P. Plain SGD takes those n examples one after the other, each seeing
    the last; their sum at once is what blows up when one word fills a batch of a tiny or
    repetitive text. An id with lr * P > limit gets limit / (lr * P) of its step. (Both
    sides of an example move its score: limit 1/2 keeps their sum within one Newton step.)
    Returns ``grads`` itself (not a copy) when no id is scaled.
    """
    flat = ids.reshape(-1)
    if len(flat) == 0 or lr <= 0:
        return grads
    # |sum_j k_j x_j| <= sum_j k_j |x_j|: a bound of P from two scalars per row
    mass = np.bincount(flat, weights=curvature.mass)
    reach = np.bincount(flat, weights=curvature.reach)
    with np.errstate(divide="ignore", invalid="ignore"):
        suspect = lr * reach * reach > limit * mass
    if not suspect.any():
        return grads
    heavy = np.flatnonzero(suspect[flat])
    ids_heavy, inverse = np.unique(flat[heavy], return_inverse=True)
    summed = np.zeros((len(ids_heavy), grads.shape[-1]))
    np.add.at(summed, inverse, curvature.partners(heavy))
    excess = lr * np.einsum("ij,ij->i", summed, summed) / (mass[ids_heavy] * limit)
    if excess.max() <= 1.0:
        return grads
    g = grads.reshape(len(flat), -1)
    scale = (1.0 / np.maximum(excess, 1.0)).astype(g.dtype)
    out = g.copy()
    out[heavy] *= scale[inverse][:, None]
    return out.reshape(grads.shape)

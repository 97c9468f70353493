"""Negative sampling (Mikolov et al. 2013, section 2.2): the noise table and the gradients."""

from __future__ import annotations

import numpy as np

from .batching import Batch
from .ops import sigmoid


class NoiseSampler:
    """Draws negative samples from the unigram^0.75 distribution in O(1) per sample.

    Like the C tool, it fills a table with word ids, each word taking a share of the slots
    proportional to P_n(w); drawing a uniform slot then gives a word with probability
    ~P_n(w). The C tool uses 1e8 slots; 1e6 (4 MB) rounds each word's probability to a
    multiple of 1e-6, far below the sampling noise of any training run. Every word is given at
    least one slot so that no word is never used as a negative.
    """

    def __init__(self, probs: np.ndarray, table_size: int = 1_000_000) -> None:
        probs = np.asarray(probs, dtype=np.float64)
        table_size = max(int(table_size), 2 * len(probs))
        # Largest-remainder rounding of probs * table_size, with a floor of one slot.
        slots = np.maximum(np.floor(probs * table_size).astype(np.int64), 1)
        short = table_size - int(slots.sum())
        if short > 0:
            remainder = probs * table_size - np.floor(probs * table_size)
            slots[np.argsort(-remainder, kind="stable")[:short]] += 1
        self.table = np.repeat(np.arange(len(probs), dtype=np.int32), slots)
        self.probs = slots / slots.sum()  # the distribution actually sampled

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """``size`` word ids drawn independently from the noise distribution."""
        return self.table[rng.integers(0, len(self.table), size=size)]


def positive_grads(
    H: np.ndarray, O: np.ndarray, M: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """SGNS (centre, context) terms of blocks: H (nb,T,d) v_{w_I} of the centres, O (nb,C,d)
    v' of the columns, M (nb,T,C) the pair mask.

    L = sum_{t,c} M_tc * -log sigma(S_tc) with S = H O^T. With E = M (sigma(S) - 1):
    dL/dH = E O,  dL/dO = E^T H.
    """
    p = sigmoid(H @ O.transpose(0, 2, 1))  # sigma(v'_c . v_t) for all (centre, column)
    loss = -float(np.sum(M * np.log(p), dtype=np.float64))
    E = M * (p - 1.0)
    return loss, E @ O, E.transpose(0, 2, 1) @ H


def negative_grads(
    H: np.ndarray, U: np.ndarray, Wn: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Negative-sampling terms of groups: H (ng,G,d) the input vectors (v_{w_I}, or the CBOW
    context mean h) of a group's rows, U (ng,K,d) v' of the group's shared negatives, Wn
    (ng,G,1) the weight of each row's negative terms.

    L = sum_{t,k} Wn_t * -log sigma(-S'_tk) with S' = H U^T. With E' = Wn sigma(S'):
    dL/dH = E' U,  dL/dU = E'^T H.
    """
    q = sigmoid(H @ U.transpose(0, 2, 1))  # sigma(v'_k . v_t) for all (row, negative)
    loss = -float(np.sum(Wn * np.log1p(-q), dtype=np.float64))
    En = Wn * q
    return loss, En @ U, En.transpose(0, 2, 1) @ H


def cbow_positive_grads(
    H: np.ndarray, Uo: np.ndarray, valid: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """CBOW centre terms: H (nb,T,d) h = mean context vector of each centre, Uo (nb,T,d)
    v'_{w_O} of the centres, valid (nb,T) 1.0 for centres with a context.

    L = sum_t valid_t * -log sigma(v'_{w_O}.h_t). With e_t = valid_t (sigma(v'_{w_O}.h_t) - 1):
    dL/dh_t = e_t v'_{w_O},  dL/dv'_{w_O} = e_t h_t.
    """
    p = sigmoid(np.einsum("btd,btd->bt", H, Uo))
    loss = -float(np.sum(valid * np.log(p), dtype=np.float64))
    e = (valid * (p - 1.0))[..., None]
    return loss, e * Uo, e * H


def _negative_step(
    H: np.ndarray, U: np.ndarray, batch: Batch
) -> tuple[float, np.ndarray, np.ndarray]:
    """``negative_grads`` on the batch's negative groups: the centre rows are regrouped by
    ``batch.neg_order`` and the gradient is put back in row order (a permutation)."""
    d = H.shape[-1]
    ng, G = batch.neg_weight.shape[:2]
    Hn = H.reshape(-1, d)[batch.neg_order].reshape(ng, G, d)
    Wn = batch.neg_weight.astype(H.dtype, copy=False)
    loss, gHn, gU = negative_grads(Hn, U, Wn)
    gH = np.empty((len(batch.neg_order), d), dtype=H.dtype)
    gH[batch.neg_order] = gHn.reshape(-1, d)
    return loss, gH.reshape(H.shape), gU

"""Negative sampling (Mikolov et al. 2013, section 2.2): the noise table, the shared
negatives of a batch, and the gradients, for skip-gram and CBOW.

Notation: ``v_w`` is row w of ``W_in``, ``v'_w`` row w of ``W_out``, sigma(x) = 1 / (1 + e^-x),
P_n(w) proportional to count(w)^0.75 (``ns_exponent``). For an input vector h (skip-gram: v_{w_I} of
the centre; CBOW: the context mean), a target word w_O and negatives w_1..w_k drawn from P_n:

    L = -log sigma(v'_{w_O} . h) - sum_i log sigma(-v'_{w_i} . h)

    dL/dh        = (sigma(v'_{w_O}.h) - 1) v'_{w_O} + sum_i sigma(v'_{w_i}.h) v'_{w_i}
    dL/dv'_{w_O} = (sigma(v'_{w_O}.h) - 1) h
    dL/dv'_{w_i} =  sigma(v'_{w_i}.h) h

Shared negatives (HogBatch, Ji et al. 2016): the centre rows of a batch are split into groups
of G rows spread over the batch (group g holds rows g, g + n_groups, ...), and each group is
scored against K negatives with one product S' = H_g U^T. A row with n pairs owes ``n*k``
negative terms; it gets them as the K shared negatives weighted by ``n*k/K``, which has the same
expectation as drawing k negatives per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .loss import Loss, Step
from .ops import Curvature, log_one_minus, sigmoid

if TYPE_CHECKING:
    from ..config import TrainConfig
    from ..data.vocab import Vocabulary
    from .batching import Batch


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


def positive_grads(H: np.ndarray, O: np.ndarray, M: np.ndarray, curvature: bool = False) -> tuple:
    """SGNS (centre, context) terms of blocks: H (nb,T,d) v_{w_I} of the centres, O (nb,C,d)
    v' of the columns, M (nb,T,C) the pair mask.

    L = sum_{t,c} M_tc * -log sigma(S_tc) with S = H O^T. With E = M (sigma(S) - 1):
    dL/dH = E O,  dL/dO = E^T H.

    ``curvature``: also the pairs' curvatures d2L/dS_tc^2 = M_tc sigma(1 - sigma)
    (``ops.bound_steps``).
    """
    p = sigmoid(H @ O.transpose(0, 2, 1))  # sigma(v'_c . v_t) for all (centre, column)
    loss = -float(np.sum(M * np.log(p), dtype=np.float64))
    E = M * (p - 1.0)
    if not curvature:
        return loss, E @ O, E.transpose(0, 2, 1) @ H
    return loss, E @ O, E.transpose(0, 2, 1) @ H, -E * p


def negative_grads(H: np.ndarray, U: np.ndarray, Wn: np.ndarray, curvature: bool = False) -> tuple:
    """Negative-sampling terms of groups: H (ng,G,d) the input vectors (v_{w_I}, or the CBOW
    context mean h) of a group's rows, U (ng,K,d) v' of the group's shared negatives, Wn
    (ng,G,1) the weight of each row's negative terms.

    L = sum_{t,k} Wn_t * -log sigma(-S'_tk) with S' = H U^T. With E' = Wn sigma(S'):
    dL/dH = E' U,  dL/dU = E'^T H.

    ``curvature``: also the terms' curvatures Wn_t sigma(1 - sigma) (``ops.bound_steps``).
    """
    q = sigmoid(H @ U.transpose(0, 2, 1))  # sigma(v'_k . v_t) for all (row, negative)
    loss = -float(np.sum(Wn * log_one_minus(q), dtype=np.float64))
    En = Wn * q
    if not curvature:
        return loss, En @ U, En.transpose(0, 2, 1) @ H
    return loss, En @ U, En.transpose(0, 2, 1) @ H, En * (1.0 - q)


def cbow_positive_grads(
    H: np.ndarray, Uo: np.ndarray, valid: np.ndarray, curvature: bool = False
) -> tuple:
    """CBOW centre terms: H (nb,T,d) h = mean context vector of each centre, Uo (nb,T,d)
    v'_{w_O} of the centres, valid (nb,T) 1.0 for centres with a context.

    L = sum_t valid_t * -log sigma(v'_{w_O}.h_t). With e_t = valid_t (sigma(v'_{w_O}.h_t) - 1):
    dL/dh_t = e_t v'_{w_O},  dL/dv'_{w_O} = e_t h_t.

    ``curvature``: also each centre's curvature valid_t sigma(1 - sigma).
    """
    p = sigmoid(np.einsum("btd,btd->bt", H, Uo))
    loss = -float(np.sum(valid * np.log(p), dtype=np.float64))
    e = (valid * (p - 1.0))[..., None]
    if not curvature:
        return loss, e * Uo, e * H
    return loss, e * Uo, e * H, -e[..., 0] * p


@dataclass
class NegativeDraw:
    """The shared negatives of one batch.

    neg:    (ng, K) negative word ids shared by each group of G centre rows.
    weight: (ng, G, 1) weight of each negative term of a row (skip-gram: n_pairs*k/K;
            CBOW: k/K for rows with a context, else 0), in group order.

    Group g holds the flattened (nb*T) centre rows g, g + ng, g + 2*ng, ...: the rows
    viewed as (G, ng) and transposed (``grouped``), so regrouping them moves no data.
    """

    neg: np.ndarray
    weight: np.ndarray

    @staticmethod
    def grouped(X: np.ndarray, n_groups: int) -> np.ndarray:
        """(ng, G, ...) view of ``X``, whose first axes are the (nb, T) centre rows, by group."""
        rows = X.reshape(-1, n_groups, *X.shape[2:])  # (G, ng, ...): row s*ng + g at [s, g]
        return np.swapaxes(rows, 0, 1)

    @property
    def order(self) -> np.ndarray:
        """(ng*G,) the rows of the groups: slot s is centre row order[s] of the flattened
        (nb*T) rows."""
        ng, G = self.weight.shape[:2]
        return np.arange(ng * G).reshape(G, ng).T.ravel()

    def group_of_rows(self) -> np.ndarray:
        """(nb*T,) the negative group of each flattened centre row."""
        ng, G = self.weight.shape[:2]
        return np.tile(np.arange(ng), G)


class NegativeSampling(Loss):
    """Negative sampling with ``config.neg`` = k negatives per example, shared by groups of
    rows (module docstring). Output matrix: ``W_out``, one row per word."""

    name: ClassVar[str] = "ns"
    matrix: ClassVar[str] = "W_out"
    gives_curvature: ClassVar[bool] = True

    def __init__(self, vocab: Vocabulary, config: TrainConfig, neg_group: int = 32) -> None:
        super().__init__(vocab, config)
        self.n_negatives = config.neg
        self.sampler = NoiseSampler(vocab.noise_distribution(config.ns_exponent))
        # A skip-gram centre owes k negatives per pair, about (window+1) pairs: k*(window+1)
        # terms. Sharing twice that many, each weighted 1/2, lowers the variance that shared
        # negatives add; measured on 15 M tokens, 5 epochs: K = 30 lost 9 analogy points to
        # gensim, K = 60 matched it (benchmarks/README.md). A CBOW centre owes only k terms,
        # so k*(window+1) shared ones already weigh 1/(window+1) each.
        factor = 2 if config.model == "skipgram" else 1
        self.n_shared = int(config.shared_negatives or factor * config.neg * (config.window + 1))
        self.neg_group = int(neg_group)

    @classmethod
    def enabled(cls, config: TrainConfig) -> bool:
        return config.neg > 0

    def group_size(self, block: int) -> int:
        """G, the rows that share negatives: at most ``neg_group``, dividing the block."""
        G = max(1, min(self.neg_group, block))
        while block % G:
            G -= 1
        return G

    def draw(self, batch: Batch, rng: np.random.Generator) -> None:
        nb, T = batch.rows.shape
        # Rows sharing negatives: G rows spread evenly over the batch, not neighbours, so one
        # negative word's summed update comes from unrelated contexts.
        G = self.group_size(T)
        n_groups = nb * T // G
        neg = self.sampler.sample(rng, (n_groups, self.n_shared)).astype(np.int64)
        n_pairs = NegativeDraw.grouped(batch.pair_mask.sum(axis=2), n_groups)[..., None]
        if self.config.model == "skipgram":
            weight = n_pairs * (self.n_negatives / self.n_shared)
        else:
            weight = (n_pairs > 0) * np.float32(self.n_negatives / self.n_shared)
        batch.draws[self.name] = NegativeDraw(neg, weight.astype(np.float32))

    def _negatives(self, W: np.ndarray, H: np.ndarray, batch: Batch, curvature: bool) -> tuple:
        """``negative_grads`` on the batch's groups, H's rows regrouped by a view
        (``NegativeDraw.grouped``): dL/dH comes back in group order, (ng, G, d). With
        ``curvature``, also the curvature parts of the rows of dL/dH and of the negatives
        (``ops.Curvature``)."""
        draw: NegativeDraw = batch.draws[self.name]
        ng = draw.weight.shape[0]
        Hn = draw.grouped(H, ng)
        U = W[draw.neg]
        loss, gHn, gU, *Kn = negative_grads(
            Hn, U, draw.weight.astype(H.dtype, copy=False), curvature=curvature
        )
        if not curvature:
            return loss, gHn, gU, None, None
        rows = draw.order.reshape(ng, -1)
        negatives = np.arange(draw.neg.size).reshape(draw.neg.shape)
        parts = (Kn[0], U, rows), (Kn[0].transpose(0, 2, 1), Hn, negatives)
        return loss, gHn, gU, *parts

    def _with_negatives(
        self,
        W: np.ndarray,
        H: np.ndarray,
        batch: Batch,
        loss_pos: float,
        gH: np.ndarray,
        target_ids: np.ndarray,
        g_targets: np.ndarray,
        parts: tuple | None = None,
    ) -> Step:
        """The positive terms plus the negative ones: summed loss and dL/dH (added into ``gH``,
        the positive terms' array), and the rows of ``W`` (targets, then negatives) with their
        gradients. ``parts``: the positive terms' curvature parts of dL/dH and of the targets;
        then the curvature of both is added (``loss.py``, ``ops.Curvature``)."""
        draw: NegativeDraw = batch.draws[self.name]
        loss_neg, gHn, gU, neg_H, neg_W = self._negatives(W, H, batch, parts is not None)
        d = H.shape[-1]
        # dL/dH = positive + negative terms; the latter are in group order, and adding them
        # through the grouped view puts each where it belongs (in place: gH is the step's own)
        gH = np.ascontiguousarray(gH)  # (no copy) so that its grouped reshape is a view
        rows = draw.grouped(gH, len(gHn))
        np.add(rows, gHn, out=rows)
        ids = np.concatenate([target_ids.ravel(), draw.neg.ravel()])
        grads = np.concatenate([g_targets.reshape(-1, d), gU.reshape(-1, d)])
        step = (loss_pos + loss_neg, gH, ids, grads)
        if parts is None:
            return step
        coef, X, negatives = neg_W
        curv_H = Curvature.of_parts(H.shape[0] * H.shape[1], [parts[0], neg_H])
        curv_W = Curvature.of_parts(len(ids), [parts[1], (coef, X, negatives + target_ids.size)])
        return (*step, curv_H, curv_W)

    def skipgram(self, W: np.ndarray, H: np.ndarray, batch: Batch, curvature: bool = False) -> Step:
        M = batch.pair_mask.astype(H.dtype, copy=False)
        O = W[batch.span]
        loss_pos, gH, gO, *K = positive_grads(H, O, M, curvature=curvature)
        parts = None
        if curvature:
            nb, T, C = M.shape
            parts = (
                (K[0], O, np.arange(nb * T).reshape(nb, T)),  # centre t: partners v'_c
                (K[0].transpose(0, 2, 1), H, np.arange(nb * C).reshape(nb, C)),  # column c: v_t
            )
        return self._with_negatives(W, H, batch, loss_pos, gH, batch.span, gO, parts)

    def cbow(
        self,
        W: np.ndarray,
        H: np.ndarray,
        batch: Batch,
        valid: np.ndarray,
        curvature: bool = False,
    ) -> Step:
        Uo = W[batch.rows]
        loss_pos, gH, gUo, *k = cbow_positive_grads(H, Uo, valid, curvature=curvature)
        parts = None
        if curvature:  # one example per centre: h_t and v'_{w_O} are each other's partner
            n, d = k[0].size, H.shape[-1]
            coef, rows = k[0].reshape(n, 1, 1), np.arange(n).reshape(n, 1)
            parts = (coef, Uo.reshape(n, 1, d), rows), (coef, H.reshape(n, 1, d), rows)
        return self._with_negatives(W, H, batch, loss_pos, gH, batch.rows, gUo, parts)

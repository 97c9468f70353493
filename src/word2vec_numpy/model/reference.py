"""The plain word2vec step, one example at a time: read this file first.

This is the design of the small NumPy implementations word2vec is usually taught with:
gather the vectors of each (input, target) pair, score them, and add the gradients back with
``np.add.at`` (which, unlike ``W[ids] += g``, sums the updates of a row that occurs twice).
It is slow, and it is the oracle: the tests check that the fast block step of
``word2vec.py`` makes the same update on the same examples.

Skip-gram with negative sampling (Mikolov et al. 2013), for the input vector h = v_{w_I}
of a centre word, a context word w_O and negatives w_1..w_k:

    L = -log sigma(v'_{w_O} . h) - sum_i log sigma(-v'_{w_i} . h)

With the label y = 1 for w_O and 0 for the negatives, every target j has the same gradient
form, dL/d(v'_j . h) = sigma(v'_j . h) - y_j, so

    dL/dh = sum_j (sigma(v'_j . h) - y_j) v'_j,     dL/dv'_j = (sigma(v'_j . h) - y_j) h

CBOW uses h = (1/|C|) sum_{c in C} v_c, the mean of the context's input vectors, to predict
the centre word, and (like the C tool) adds the whole of -lr * dL/dh to every context word;
with ``mean=False`` (``cbow_mean=0``) h is the sum, and dL/dh is the exact gradient of each
context word.
``neg_weight`` weighs each negative term (1 for plain negative sampling; the fast step's
shared negatives carry k/K).

Hierarchical softmax (``hierarchical_softmax.py`` has the derivation) replaces the targets
by the inner nodes n(w, j) on the path of the word w to predict, each with the label
y_j = 1 - code_j: dL/d(v'_n . h) = sigma(v'_n . h) - y_j, zero when |v'_n . h| >= MAX_EXP
(the C tool skips such nodes).
"""

from __future__ import annotations

import numpy as np

from .ops import MAX_EXP, sigmoid


def _targets_step(
    h: np.ndarray, W_out: np.ndarray, targets: np.ndarray, neg_weight: float | np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """The loss and gradients of P examples: h (P, d), targets (P, 1+k) = w_O then the
    negatives. Returns (loss, dL/dh (P, d), dL/dv' (P, 1+k, d))."""
    y = np.zeros(targets.shape, dtype=h.dtype)
    y[:, 0] = 1.0  # the first target is the true word, the rest are negatives
    weight = np.ones(targets.shape, dtype=h.dtype)
    weight[:, 1:] = neg_weight
    U = W_out[targets]  # v'_j for every target of every example
    s = sigmoid(np.einsum("pjd,pd->pj", U, h))
    loss = -float(np.sum(weight * (y * np.log(s) + (1 - y) * np.log(1 - s)), dtype=np.float64))
    g = weight * (s - y)  # dL/d(v'_j . h)
    return loss, np.einsum("pj,pjd->pd", g, U), g[:, :, None] * h[:, None, :]


def sgns_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    centres: np.ndarray,
    contexts: np.ndarray,
    negatives: np.ndarray,
    lr: float,
    neg_weight: float | np.ndarray = 1.0,
) -> float:
    """One SGD step on P skip-gram pairs: centres (P,), contexts (P,), negatives (P, k).
    Updates the matrices in place; returns the summed loss."""
    targets = np.concatenate([contexts[:, None], negatives], axis=1)
    loss, g_h, g_targets = _targets_step(W_in[centres], W_out, targets, neg_weight)
    np.add.at(W_in, centres, -lr * g_h)
    np.add.at(W_out, targets, -lr * g_targets)
    return loss


def cbow_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    context: np.ndarray,
    context_mask: np.ndarray,
    centres: np.ndarray,
    negatives: np.ndarray,
    lr: float,
    neg_weight: float | np.ndarray = 1.0,
    mean: bool = True,
) -> float:
    """One SGD step on P CBOW examples: context (P, C) word ids with context_mask (P, C) 1
    for the real ones, centres (P,), negatives (P, k). Returns the summed loss."""
    mask = context_mask.astype(W_in.dtype)
    h = np.einsum("pc,pcd->pd", mask, W_in[context])
    if mean:
        h = h / mask.sum(axis=1, keepdims=True)
    targets = np.concatenate([centres[:, None], negatives], axis=1)
    loss, g_h, g_targets = _targets_step(h, W_out, targets, neg_weight)
    real = context_mask.astype(bool)
    np.add.at(W_in, context[real], -lr * np.repeat(g_h, real.sum(axis=1), axis=0))
    np.add.at(W_out, targets, -lr * g_targets)
    return loss


def _path_step(
    h: np.ndarray,
    W_nodes: np.ndarray,
    words: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    lengths: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Hierarchical softmax terms of P examples, one at a time: h (P, d) predicts words (P,)
    whose paths are ``points[w, :lengths[w]]`` with ``codes``. Returns (loss, dL/dh (P, d),
    the nodes of all paths, their gradients)."""
    loss, g_h, nodes, g_nodes = 0.0, np.zeros_like(h), [], []
    for p, w in enumerate(words):
        n = points[w, : lengths[w]]
        y = 1.0 - codes[w, : lengths[w]].astype(h.dtype)
        x = W_nodes[n] @ h[p]
        s = sigmoid(x)
        loss -= float(np.sum(np.log(np.where(y > 0, s, 1.0 - s)), dtype=np.float64))
        g = (s - y) * (np.abs(x) < MAX_EXP)
        g_h[p] = g @ W_nodes[n]
        nodes.append(n)
        g_nodes.append(g[:, None] * h[p])
    d = h.shape[1]
    if not nodes:
        return loss, g_h, np.zeros(0, np.int64), np.zeros((0, d), h.dtype)
    return loss, g_h, np.concatenate(nodes), np.concatenate(g_nodes)


def hs_skipgram_step(
    W_in: np.ndarray,
    W_nodes: np.ndarray,
    centres: np.ndarray,
    contexts: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    lengths: np.ndarray,
    lr: float,
) -> float:
    """One SGD step on P skip-gram pairs with hierarchical softmax: the centre's vector
    predicts the context word's path. Returns the summed loss."""
    loss, g_h, nodes, g_nodes = _path_step(W_in[centres], W_nodes, contexts, codes, points, lengths)
    np.add.at(W_in, centres, -lr * g_h)
    np.add.at(W_nodes, nodes, -lr * g_nodes)
    return loss


def hs_cbow_step(
    W_in: np.ndarray,
    W_nodes: np.ndarray,
    context: np.ndarray,
    context_mask: np.ndarray,
    centres: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    lengths: np.ndarray,
    lr: float,
) -> float:
    """One SGD step on P CBOW examples with hierarchical softmax (arguments as ``cbow_step``;
    the centre's path instead of negatives). Returns the summed loss."""
    mask = context_mask.astype(W_in.dtype)
    h = np.einsum("pc,pcd->pd", mask, W_in[context]) / mask.sum(axis=1, keepdims=True)
    loss, g_h, nodes, g_nodes = _path_step(h, W_nodes, centres, codes, points, lengths)
    real = context_mask.astype(bool)
    np.add.at(W_in, context[real], -lr * np.repeat(g_h, real.sum(axis=1), axis=0))
    np.add.at(W_nodes, nodes, -lr * g_nodes)
    return loss

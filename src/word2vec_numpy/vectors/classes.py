"""Word classes: spherical k-means on the unit word vectors (the C tool's ``-classes K``).

The math. Let u_i = v_i / ||v_i|| be the unit vector of word i, i = 1..V (a zero vector stays
zero). Spherical k-means looks for an assignment z_i in {0..K-1} and unit centroids
c_0..c_{K-1} that maximise

    J(z, c) = sum_i  u_i . c_{z_i}

the total cosine similarity of the words to their class centroids. For unit vectors
||u - c||^2 = 2 - 2 u.c, so this is ordinary k-means restricted to the unit sphere. Lloyd's
alternation never decreases J, and stops at a fixed point:

    assign:  z_i = argmax_j  u_i . c_j                              (ties: the lowest j)
    update:  c_j = s_j / ||s_j||,   s_j = sum_{i : z_i = j} u_i

(for fixed z, s_j . c is largest over unit c at c = s_j / ||s_j||, by Cauchy-Schwarz; a
class whose members sum to zero keeps a zero centroid).

Relation to word2vec.c. ``./word2vec ... -classes K`` runs the same alternation: it
normalises the vectors, starts from z_i = i mod K (vocabulary order), then 10 times computes
the normalised centroid sums and reassigns each word to the centroid with the largest dot
product, and writes ``word class`` lines in vocabulary order. Here:

* The start is greedy k-means++ seeding drawn from ``numpy.random.Generator(seed)``,
  not i mod K. i mod K gives every class a near-uniform sample of the vocabulary, so all K
  first centroids lie close to the mean direction and the first reassignment is decided
  mostly by noise; k-means++ (Arthur & Vassilvitskii 2007) spreads the initial centroids
  over the data (for Euclidean k-means its expected cost is within O(log K) of the optimum
  before any iteration), which is what lets well-separated groups be found exactly. On the
  sphere its D^2 weight is D_i = 1 - max_j u_i . c_j (half the squared distance to the
  nearest chosen centroid). "Greedy", as in scikit-learn: each step draws 2 + ln K
  candidates and keeps the one that most reduces sum_i D_i, which makes two initial
  centroids in one group much rarer. A uniform random start was rejected for the same
  reason as i mod K: it often puts two centroids in one group and none in another, which
  Lloyd's iterations rarely repair. Each chosen centroid costs a pass over the candidate
  words, so when V exceeds ``max(8192, 32 K)`` the seeding runs on a uniform random sample
  of that many words (also drawn from the generator); the iterations use every word.
  ``seed`` chooses only these initial centroids: everything after is deterministic.
  There is one run, no restarts: if the seeding still puts two centroids in one group,
  Lloyd's iterations keep that group split (and two others merged), so another seed can
  give better classes (compare J).
* An iteration is (update, assign), as in the C tool; ``iterations=10`` is its count.
  ``iterations=0`` returns the assignment to the seeded centroids, and the loop stops
  early once an iteration changes no assignment (further iterations would repeat it).
* A class left empty by an assignment is re-seeded, before its centroid is computed, with
  the word farthest from its own centroid (the lowest u_i . c_{z_i}, taken only from
  classes with at least two members, so no other class empties): that word moves to the
  empty class and becomes its centroid (the C tool has no such step, so its empty classes
  stay empty). A class can end empty only if the vectors have fewer than K distinct
  directions.
* :func:`write_classes` writes the C tool's ``word class`` lines sorted by class, ties in
  vocabulary order.

Cost: each iteration is one (V x d) @ (d x K) product, done in blocks of 8192 rows so the
similarity matrix never exceeds 8192 x K; vectors and centroids are float32, the centroid
sums float64.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Sequence

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write

__all__ = ["word_classes", "write_classes"]

_BLOCK = 8192  # rows per block: bounds the (rows x K) similarity matrix
_SEED_POOL_MIN = 8192  # k-means++ sees max(this, 32 K) words at most
_SEED_POOL_PER_CLASS = 32


def word_classes(
    vectors: np.ndarray,
    k: int,
    iterations: int = 10,
    seed: int | np.random.Generator = 1,
) -> np.ndarray:
    """Spherical k-means on the rows of ``vectors``: the class (0..k-1) of each row, int32.

    ``k`` is the number of classes (1 <= k <= number of rows), ``iterations`` the number of
    (centroid update, reassignment) rounds after seeding (the C tool's 10; stops early at a
    fixed point). ``seed`` (an int or a ``numpy.random.Generator``) chooses the initial
    centroids by greedy k-means++; the same seed gives the same classes. A class left empty
    is re-seeded with the word farthest from its centroid. See the module docstring for the
    algorithm. User errors (no rows, k out of range, NaN) raise ``Word2VecError``.
    """
    k = operator.index(k)
    iterations = operator.index(iterations)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise Word2VecError(
            f"vectors must be a 2-D array (words x dimensions), not {vectors.ndim}-D"
        )
    V = vectors.shape[0]
    if V == 0:
        raise Word2VecError("there are no words to put into classes")
    if k < 1:
        raise Word2VecError(f"the number of classes must be at least 1, not {k}")
    if k > V:
        raise Word2VecError(f"cannot make {k} classes from {V} words (at most one per word)")
    if iterations < 0:
        raise Word2VecError(f"iterations must be >= 0, not {iterations}")
    rng = np.random.default_rng(seed)

    u = _unit_rows(vectors)
    nonzero = np.any(u != 0, axis=1)
    centroids = _seed_centroids(u, k, rng, nonzero)
    labels, sims = _assign(u, centroids)
    for _ in range(iterations):
        centroids, reseeded = _update(u, labels, sims, k, nonzero)
        new_labels, sims = _assign(u, centroids)
        converged = not reseeded and np.array_equal(new_labels, labels)
        labels = new_labels
        if converged:
            break
    return labels


def write_classes(path: str | os.PathLike, words: Sequence[str], labels: np.ndarray) -> None:
    """Write ``word class`` lines (UTF-8, one space), sorted by class, ties in the order of
    ``words``, as the C tool's ``-classes`` output; atomically (temp file + rename)."""
    labels = np.asarray(labels)
    if labels.shape != (len(words),):
        raise ValueError(f"{len(words)} words but labels of shape {labels.shape}")
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order].tolist()
    order = order.tolist()

    def write(f) -> None:
        chunk = 65536
        for start in range(0, len(order), chunk):
            lines = [
                f"{words[i]} {c}\n"
                for i, c in zip(
                    order[start : start + chunk], sorted_labels[start : start + chunk], strict=True
                )
            ]
            f.write("".join(lines).encode("utf-8"))

    atomic_write(path, write)


# ------------------------------------------------------------------------------- internals


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 copy of ``vectors`` with every nonzero row scaled to length 1 (norms in
    float64, so large values cannot overflow)."""
    u = np.array(vectors, dtype=np.float32, order="C", copy=True)
    for start in range(0, u.shape[0], _BLOCK):
        block = u[start : start + _BLOCK]
        if not np.isfinite(block).all():
            raise Word2VecError("the vectors hold NaN or infinite values")
        norms = np.sqrt(np.square(block, dtype=np.float64).sum(axis=1))
        norms[norms == 0] = 1.0
        block /= norms[:, None].astype(np.float32)
    return u


def _seed_centroids(
    u: np.ndarray, k: int, rng: np.random.Generator, nonzero: np.ndarray
) -> np.ndarray:
    """Greedy k-means++ on the sphere. The first centroid is a uniformly drawn word; for each
    next one, ``2 + ln k`` candidate words are drawn with probability proportional to
    D_i = 1 - (largest similarity of word i to the centroids so far), and the candidate that
    leaves the smallest sum of D_i is kept. Zero vectors and chosen words are never drawn,
    unless nothing else is left (then the draw is uniform over the words not yet chosen)."""
    V = u.shape[0]
    pool_size = max(_SEED_POOL_MIN, _SEED_POOL_PER_CLASS * k)
    if V > pool_size:
        pool = np.sort(rng.choice(V, size=pool_size, replace=False))
        cand, cand_nonzero = u[pool], nonzero[pool]
    else:
        cand, cand_nonzero = u, nonzero
    n = cand.shape[0]
    n_trials = 2 + int(np.log(k))
    centroids = np.empty((k, u.shape[1]), dtype=np.float32)
    chosen = np.zeros(n, dtype=bool)
    best = np.full(n, -1.0, dtype=np.float64)  # largest similarity to a chosen centroid
    for j in range(k):
        if j == 0:
            weights = cand_nonzero.astype(np.float64)
        else:
            weights = np.maximum(1.0 - best, 0.0)
            weights[~cand_nonzero] = 0.0
        weights[chosen] = 0.0
        if not weights.sum() > 0:  # all left are zero vectors or copies of centroids
            weights = (~chosen).astype(np.float64)
        trials = _draw(weights, rng, 1 if j == 0 else n_trials)
        new_best = np.maximum(best[:, None], cand @ cand[trials].T)  # n x trials
        pick = int(np.maximum(1.0 - new_best, 0.0).sum(axis=0).argmin())
        i = int(trials[pick])
        chosen[i] = True
        centroids[j] = cand[i]
        best = new_best[:, pick]
    return centroids


def _draw(weights: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` indices drawn (with replacement) with probability proportional to
    ``weights`` (all >= 0, some > 0)."""
    cumulative = np.cumsum(weights)
    picks = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    # rounding can only push a draw past the last positive weight: take that one
    last = int(np.flatnonzero(weights)[-1])
    return np.minimum(picks, last)


def _assign(u: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's most similar centroid (lowest index on ties) and that similarity."""
    V = u.shape[0]
    labels = np.empty(V, dtype=np.int32)
    sims = np.empty(V, dtype=np.float32)
    ct = np.ascontiguousarray(centroids.T)
    for start in range(0, V, _BLOCK):
        scores = u[start : start + _BLOCK] @ ct
        best = scores.argmax(axis=1)
        labels[start : start + _BLOCK] = best
        sims[start : start + _BLOCK] = np.take_along_axis(scores, best[:, None], axis=1)[:, 0]
    return labels, sims


def _update(
    u: np.ndarray, labels: np.ndarray, sims: np.ndarray, k: int, nonzero: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Normalised class sums (float64 sums, float32 result), after re-seeding each empty
    class with the word farthest from its centroid; also whether any class was re-seeded."""
    counts = np.bincount(labels, minlength=k)
    empty = np.flatnonzero(counts == 0)
    reseeded = empty.size > 0
    if reseeded:
        labels = labels.copy()
        farthest_first = iter(np.argsort(sims, kind="stable").tolist())
        for j in empty.tolist():
            for i in farthest_first:
                if nonzero[i] and counts[labels[i]] > 1:
                    counts[labels[i]] -= 1
                    labels[i] = j
                    counts[j] = 1
                    break
            else:  # no word can move without emptying its class
                break

    sums = np.zeros((k, u.shape[1]), dtype=np.float64)
    order = np.argsort(labels, kind="stable")
    for start in range(0, len(order), _BLOCK):
        rows = order[start : start + _BLOCK]
        block_labels = labels[rows]
        starts = np.flatnonzero(np.r_[True, block_labels[1:] != block_labels[:-1]])
        sums[block_labels[starts]] += np.add.reduceat(u[rows].astype(np.float64), starts, axis=0)
    norms = np.linalg.norm(sums, axis=1)
    norms[norms == 0] = 1.0
    return (sums / norms[:, None]).astype(np.float32), reseeded

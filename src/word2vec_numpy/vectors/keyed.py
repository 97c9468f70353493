"""Nearest neighbours and analogies on trained word vectors.

Everything here is cosine similarity. Cosine between rows ``u`` and ``v`` is
``cos(u, v) = u.v / (|u| |v|)``, so after dividing every row of ``W_in`` by its L2 norm once,
a whole vocabulary's worth of cosines is one matrix-vector (or matrix-matrix) product::

    U = W_in / ||W_in||_row        (V x d, cached)
    scores = U @ q_hat             (V,)  cosines with the unit query q_hat

The top ``n`` of ``V`` scores are found with :func:`numpy.argpartition` (O(V)) and only those
``n`` are sorted, so a query costs little more than one pass over the matrix.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np

from ..errors import Word2VecError

__all__ = ["QueryMixin", "UnknownWordError", "top_n_indices", "unit_rows"]

SUGGESTION_POOL = 50_000
"""Only the this many most frequent words are searched for a spelling suggestion
(:func:`difflib.get_close_matches` is pure Python, roughly linear in the pool size)."""

COSMUL_EPS = 1e-3
"""Levy & Goldberg (2014) use epsilon = 0.001 to avoid dividing by zero in 3CosMul."""


class UnknownWordError(KeyError):
    """A word that is not in the vocabulary.

    A :class:`KeyError` (so ``except KeyError`` works) whose ``str()`` is the plain message,
    not the ``repr`` of it that :class:`KeyError` normally prints.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


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


def _check_top_n(top_n: int) -> int:
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)):
        raise Word2VecError(f"top_n must be an integer, got {top_n!r}")
    return int(top_n)


class QueryMixin:
    """Similarity queries for a model with ``self.vocab`` (``words``, ``word_to_id``) and
    ``self.W_in`` (V x d float32 input vectors, the ones users query).

    Unit-normalised rows of ``W_in`` are computed on first use and cached; call
    :meth:`invalidate_cache` whenever ``W_in`` changes (training does).
    """

    _unit_cache: np.ndarray | None = None
    _unit_source: np.ndarray | None = None

    # -- cache -------------------------------------------------------------------------------
    def invalidate_cache(self) -> None:
        """Forget the cached unit vectors (call after ``W_in`` changes in place)."""
        self._unit_cache = None
        self._unit_source = None

    def unit_vectors(self) -> np.ndarray:
        """``W_in`` with every row scaled to unit length (V x d float32, cached; read-only).

        Assigning a new array to ``W_in`` is noticed automatically; changing it in place
        (as training does) needs :meth:`invalidate_cache`."""
        if self._unit_cache is None or self._unit_source is not self.W_in:
            unit = unit_rows(self.W_in)
            unit.flags.writeable = False
            self._unit_cache, self._unit_source = unit, self.W_in
        return self._unit_cache

    # -- lookups -----------------------------------------------------------------------------
    def __contains__(self, word: object) -> bool:
        return word in self.vocab.word_to_id

    def word_id(self, word: str) -> int:
        """The id of ``word``; an unknown word raises :class:`UnknownWordError` (a KeyError)
        whose message suggests the closest spelling in the vocabulary, if any."""
        try:
            return self.vocab.word_to_id[word]
        except (KeyError, TypeError):
            raise UnknownWordError(self._unknown_message(word)) from None

    def _unknown_message(self, word: object) -> str:
        message = f"{word!r} is not in the vocabulary"
        if not isinstance(word, str):
            return message
        suggestion = None
        words = self.vocab.words
        lowered = word.lower()
        if lowered != word and lowered in self.vocab.word_to_id:
            suggestion = lowered  # the commonest mistake: capitals in a lower-cased corpus
        else:
            pool = words[:SUGGESTION_POOL]
            close = difflib.get_close_matches(lowered, pool, n=1, cutoff=0.6)
            suggestion = close[0] if close else None
        if suggestion is not None:
            message += f" (did you mean {suggestion!r}?)"
        return message

    def vector(self, word: str) -> np.ndarray:
        """A copy of the (unnormalised) input vector of ``word``."""
        return np.array(self.W_in[self.word_id(word)], dtype=np.float32)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words' input vectors."""
        unit = self.unit_vectors()
        return float(unit[self.word_id(w1)] @ unit[self.word_id(w2)])

    def _restrict(self, restrict_vocab: int | None) -> int:
        size = len(self.vocab.words)
        if restrict_vocab is None:
            return size
        if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)):
            raise Word2VecError(f"restrict_vocab must be an integer, got {restrict_vocab!r}")
        if restrict_vocab < 1:
            raise Word2VecError(f"restrict_vocab must be at least 1, got {restrict_vocab}")
        return min(int(restrict_vocab), size)

    def _ranked(
        self, scores: np.ndarray, exclude: Sequence[int], top_n: int
    ) -> list[tuple[str, float]]:
        """Top ``top_n`` of a score vector over ids ``0..len(scores)-1``, minus ``exclude``."""
        scores = np.array(scores, dtype=np.float32)  # copy: we overwrite the excluded entries
        excl = [i for i in set(exclude) if i < len(scores)]
        scores[excl] = -np.inf
        n = min(top_n, len(scores) - len(excl))
        words = self.vocab.words
        return [(words[i], float(scores[i])) for i in top_n_indices(scores, n)]

    # -- neighbours --------------------------------------------------------------------------
    def most_similar(
        self,
        word_or_vector: str | Sequence[str] | np.ndarray,
        top_n: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """The ``top_n`` words with the highest cosine similarity to the query.

        ``word_or_vector`` is a word, a list of words (their unit vectors are averaged, like
        gensim's ``most_similar(positive=[...])``) or a raw d-dimensional vector. Query words
        are left out of the result. ``restrict_vocab=N`` searches only the N most frequent
        words (ids < N). Returns ``[(word, cosine), ...]`` best first.
        """
        top_n = _check_top_n(top_n)
        n_search = self._restrict(restrict_vocab)
        unit = self.unit_vectors()
        if isinstance(word_or_vector, str):
            ids = [self.word_id(word_or_vector)]
            query = unit[ids[0]]
        elif isinstance(word_or_vector, np.ndarray):
            ids = []
            query = np.asarray(word_or_vector, dtype=np.float32).reshape(-1)
            if query.shape[0] != unit.shape[1]:
                raise Word2VecError(
                    f"query vector has {query.shape[0]} dimensions, the model has {unit.shape[1]}"
                )
        else:
            words = list(word_or_vector)
            if not words or not all(isinstance(w, str) for w in words):
                raise Word2VecError(
                    "most_similar needs a word, a non-empty list of words or a vector"
                )
            ids = [self.word_id(w) for w in words]
            query = unit[ids].mean(axis=0)
        # cos(row, q) = row_hat . q / |q|; rows are already unit length (and so is a single
        # word's query, which is used as is so that batch and single queries agree exactly).
        norm = float(np.linalg.norm(query))
        q_hat = query / norm if norm > 0 and not isinstance(word_or_vector, str) else query
        if top_n < 1:
            return []
        return self._ranked(unit[:n_search] @ q_hat, ids, top_n)

    def most_similar_batch(
        self, words: Sequence[str], top_n: int = 10, restrict_vocab: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """:meth:`most_similar` for many single words with one matrix product:
        ``S = U[ids] @ U[:N].T`` (queries x N), each query's own id masked out."""
        top_n = _check_top_n(top_n)
        ids = np.array([self.word_id(w) for w in words], dtype=np.int64)
        if top_n < 1 or len(ids) == 0:
            return [[] for _ in ids]
        n_search = self._restrict(restrict_vocab)
        unit = self.unit_vectors()
        vocab_words = self.vocab.words
        results: list[list[tuple[str, float]]] = []
        chunk = max(1, 2**24 // max(n_search, 1))  # keep the score block near 64 MB
        for start in range(0, len(ids), chunk):
            qids = ids[start : start + chunk]
            scores = unit[qids] @ unit[:n_search].T
            inside = qids < n_search
            scores[np.nonzero(inside)[0], qids[inside]] = -np.inf
            best = top_n_indices(scores, min(top_n, n_search))
            for r, qid in enumerate(qids):
                # The masked query word scores -inf, so it can only turn up at the very end
                # (when top_n >= N); drop it there.
                row = [i for i in best[r] if i != qid][:top_n]
                results.append([(vocab_words[i], float(scores[r, i])) for i in row])
        return results

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        top_n: int = 5,
        method: str = "3cosadd",
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words ``d`` nearest to ``a - b + c``, e.g. ``analogy("king", "man", "woman")`` gives
        ``queen`` ("king is to man as queen is to woman"); ``a``, ``b`` and ``c`` are excluded.

        ``method="3cosadd"``: score(d) = cos(d, a_hat - b_hat + c_hat) (Mikolov et al. 2013).
        ``method="3cosmul"`` (Levy & Goldberg 2014): with cosines shifted to [0, 1] by
        ``s(x) = (cos(d, x) + 1) / 2``, score(d) = s(a) * s(c) / (s(b) + 0.001), which keeps
        one large similarity from dominating the sum.
        """
        top_n = _check_top_n(top_n)
        ids = [self.word_id(w) for w in (a, b, c)]  # unknown words fail even with top_n=0
        if top_n < 1:
            return []
        n_search = self._restrict(restrict_vocab)
        unit = self.unit_vectors()
        ua, ub, uc = unit[ids]
        if method == "3cosadd":
            target = ua - ub + uc
            norm = float(np.linalg.norm(target))
            scores = unit[:n_search] @ (target / norm if norm > 0 else target)
        elif method == "3cosmul":
            # One (N x d) @ (d x 3) product gives all three cosine columns.
            cos = (unit[:n_search] @ np.stack([ua, ub, uc], axis=1) + 1.0) / 2.0
            scores = cos[:, 0] * cos[:, 2] / (cos[:, 1] + COSMUL_EPS)
        else:
            raise Word2VecError(f"unknown analogy method {method!r} (use 3cosadd or 3cosmul)")
        return self._ranked(scores, ids, top_n)

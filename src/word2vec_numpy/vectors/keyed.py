"""``KeyedVectors``: words, one matrix of vectors, and the queries on them (like gensim's
``model.wv``). It knows nothing of training: a trained model gives one (``Word2Vec.wv``), and so
does a vectors file (``KeyedVectors.load`` / ``load_word2vec_format``).

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
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import Word2VecError
from ..formats.npz import decode_words, encode_words, read_arrays, write_arrays
from ..formats.word2vec_format import load_word2vec_format, save_word2vec_format

__all__ = ["KeyedVectors", "UnknownWordError", "top_n_indices", "unit_rows"]

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


class KeyedVectors:
    """Words (``index_to_key``, most frequent first), a ``V x d`` matrix ``vectors`` and the
    similarity queries, with gensim's names: ``kv["king"]``, ``"king" in kv``, ``len(kv)``,
    ``most_similar(positive=[...], negative=[...], topn=10)``, ``similarity``, ``analogy``.

    Unit-normalised rows are computed on first use and cached; call :meth:`vectors_changed`
    after changing ``vectors`` in place (a trainer does it when it finishes).
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | Sequence[int] | None = None,
    ) -> None:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise Word2VecError(
                f"{len(keys)} words need a {len(keys)} x d matrix, not {vectors.shape}"
            )
        self.index_to_key: list[str] = list(keys)
        self.key_to_index: dict[str, int] = {w: i for i, w in enumerate(self.index_to_key)}
        self.vectors = vectors
        if counts is None:  # keep the given order: a decreasing sequence
            counts = np.arange(len(keys), 0, -1, dtype=np.int64)
        self.counts = np.asarray(counts, dtype=np.int64)
        self._unit: np.ndarray | None = None
        self._unit_source: np.ndarray | None = None

    # -- the words and their vectors -----------------------------------------------------------
    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def words(self) -> list[str]:
        """The words in id order (``index_to_key``)."""
        return self.index_to_key

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    def __getitem__(self, key: str | Sequence[str]) -> np.ndarray:
        """The vector of a word, or the matrix of a list of words."""
        if isinstance(key, str):
            return self.vectors[self.get_index(key)]
        return self.vectors[[self.get_index(k) for k in key]]

    def get_index(self, word: str) -> int:
        """The id of ``word``; an unknown word raises :class:`UnknownWordError` (a KeyError)
        whose message suggests the closest spelling in the vocabulary, if any."""
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            raise UnknownWordError(self._unknown_message(word)) from None

    word_id = get_index

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """The vector of ``word`` (unit length with ``norm=True``)."""
        index = self.get_index(word)
        return self.unit_vectors()[index] if norm else self.vectors[index]

    def suggest(self, word: str, n: int = 1) -> list[str]:
        """Up to ``n`` words of the vocabulary spelt like ``word``, closest first: its
        lower-case form if that is a word (the commonest mistake: capitals in a lower-cased
        corpus), else the close matches of :func:`difflib.get_close_matches` among the
        ``SUGGESTION_POOL`` most frequent words."""
        if not isinstance(word, str) or n < 1:
            return []
        lowered = word.lower()
        if lowered != word and lowered in self.key_to_index:
            return [lowered]
        pool = self.index_to_key[:SUGGESTION_POOL]
        return difflib.get_close_matches(lowered, pool, n=n, cutoff=0.6)

    def _unknown_message(self, word: object) -> str:
        message = f"{word!r} is not in the vocabulary"
        suggestion = self.suggest(word, 1) if isinstance(word, str) else []
        if suggestion:
            message += f" (did you mean {suggestion[0]!r}?)"
        return message

    # -- cache -------------------------------------------------------------------------------
    def vectors_changed(self) -> None:
        """Forget the cached unit vectors (call after ``vectors`` changes in place)."""
        self._unit = None
        self._unit_source = None

    def unit_vectors(self) -> np.ndarray:
        """``vectors`` with every row scaled to unit length (V x d float32, cached; read-only).

        Assigning a new array to ``vectors`` is noticed automatically; changing it in place
        needs :meth:`vectors_changed`."""
        if self._unit is None or self._unit_source is not self.vectors:
            unit = unit_rows(self.vectors)
            unit.flags.writeable = False
            self._unit, self._unit_source = unit, self.vectors
        return self._unit

    # -- queries -----------------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        unit = self.unit_vectors()
        return float(unit[self.get_index(w1)] @ unit[self.get_index(w2)])

    def _restrict(self, restrict_vocab: int | None) -> int:
        size = len(self.index_to_key)
        if restrict_vocab is None:
            return size
        if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)):
            raise Word2VecError(f"restrict_vocab must be an integer, got {restrict_vocab!r}")
        if restrict_vocab < 1:
            raise Word2VecError(f"restrict_vocab must be at least 1, got {restrict_vocab}")
        return min(int(restrict_vocab), size)

    def _ranked(
        self, scores: np.ndarray, exclude: Sequence[int], topn: int
    ) -> list[tuple[str, float]]:
        """Top ``topn`` of a score vector over ids ``0..len(scores)-1``, minus ``exclude``."""
        scores = np.array(scores, dtype=np.float32)  # copy: we overwrite the excluded entries
        excl = [i for i in set(exclude) if i < len(scores)]
        scores[excl] = -np.inf
        n = min(topn, len(scores) - len(excl))
        words = self.index_to_key
        return [(words[i], float(scores[i])) for i in top_n_indices(scores, n)]

    def _query(self, positive: Any, negative: Any) -> tuple[np.ndarray, list[int]]:
        """The unit query vector of ``positive`` minus ``negative`` words or vectors, as
        gensim's ``get_mean_vector``: the mean of the words' unit vectors and the raw vectors
        given, each weighted +1 or -1, normalised; and the ids of the words."""
        terms = [(p, 1.0) for p in _as_list(positive)] + [(n, -1.0) for n in _as_list(negative)]
        if not terms:
            raise Word2VecError("most_similar needs a word, a non-empty list of words or a vector")
        unit = self.unit_vectors()
        if len(terms) == 1 and isinstance(terms[0][0], str) and terms[0][1] > 0:
            index = self.get_index(terms[0][0])  # a single word's unit vector, used as is, so
            return unit[index], [index]  # that batch and single queries agree exactly
        mean = np.zeros(unit.shape[1], dtype=np.float64)
        ids = []
        for term, weight in terms:
            if isinstance(term, str):
                ids.append(self.get_index(term))
                mean += weight * unit[ids[-1]]
            elif isinstance(term, np.ndarray):
                vector = np.asarray(term, dtype=np.float64).reshape(-1)
                if vector.shape[0] != unit.shape[1]:
                    raise Word2VecError(
                        f"query vector has {vector.shape[0]} dimensions, "
                        f"the vectors have {unit.shape[1]}"
                    )
                mean += weight * vector
            else:
                raise Word2VecError(f"most_similar takes words or vectors, not {term!r}")
        mean /= len(terms)
        norm = float(np.linalg.norm(mean))
        return (mean / norm if norm > 0 else mean).astype(np.float32), ids

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """The ``topn`` words with the highest cosine similarity to the query.

        ``positive`` and ``negative`` are a word, a vector, or lists of them; the query is
        the normalised mean of the positive words' unit vectors minus the negative ones'
        (vectors are taken as given), as gensim's. Query words are left out of the result.
        ``restrict_vocab=N`` searches only the N most frequent words. Returns
        ``[(word, cosine), ...]`` best first.
        """
        topn = _check_topn(topn)
        query, ids = self._query(positive, negative)
        n_search = self._restrict(restrict_vocab)
        if topn < 1:
            return []
        return self._ranked(self.unit_vectors()[:n_search] @ query, ids, topn)

    def most_similar_batch(
        self, words: Sequence[str], topn: int = 10, restrict_vocab: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """:meth:`most_similar` for many single words with one matrix product:
        ``S = U[ids] @ U[:N].T`` (queries x N), each query's own id masked out."""
        topn = _check_topn(topn)
        ids = np.array([self.get_index(w) for w in words], dtype=np.int64)
        if topn < 1 or len(ids) == 0:
            return [[] for _ in ids]
        n_search = self._restrict(restrict_vocab)
        unit = self.unit_vectors()
        vocab_words = self.index_to_key
        results: list[list[tuple[str, float]]] = []
        chunk = max(1, 2**24 // max(n_search, 1))  # keep the score block near 64 MB
        for start in range(0, len(ids), chunk):
            qids = ids[start : start + chunk]
            scores = unit[qids] @ unit[:n_search].T
            inside = qids < n_search
            scores[np.nonzero(inside)[0], qids[inside]] = -np.inf
            best = top_n_indices(scores, min(topn, n_search))
            for r, qid in enumerate(qids):
                # The masked query word scores -inf, so it can only turn up at the very end
                # (when topn >= N); drop it there.
                row = [i for i in best[r] if i != qid][:topn]
                results.append([(vocab_words[i], float(scores[r, i])) for i in row])
        return results

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        topn: int = 5,
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
        topn = _check_topn(topn)
        ids = [self.get_index(w) for w in (a, b, c)]  # unknown words fail even with topn=0
        if topn < 1:
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
        return self._ranked(scores, ids, topn)

    def most_similar_cosmul(
        self,
        positive: Sequence[str] = (),
        negative: Sequence[str] = (),
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """3CosMul over word lists (Levy & Goldberg 2014), the multiplicative form of
        :meth:`most_similar`: with cosines shifted to [0, 1] by ``s(x) = (cos(d, x) + 1) / 2``,
        score(d) = prod_{p in positive} s(p) / (prod_{n in negative} s(n) + 0.001).
        ``most_similar_cosmul([a, c], [b])`` equals ``analogy(a, b, c, method="3cosmul")``;
        the query words are left out of the result."""
        topn = _check_topn(topn)
        pos, neg = _as_list(positive), _as_list(negative)
        if not pos or not all(isinstance(w, str) for w in pos + neg):
            raise Word2VecError("most_similar_cosmul needs at least one positive word")
        pos_ids = [self.get_index(w) for w in pos]
        neg_ids = [self.get_index(w) for w in neg]
        if topn < 1:
            return []
        n_search = self._restrict(restrict_vocab)
        unit = self.unit_vectors()
        # One (N x d) @ (d x k) product gives every query word's cosine column.
        shifted = (unit[:n_search] @ unit[pos_ids + neg_ids].T + 1.0) / 2.0
        numerator = np.prod(shifted[:, : len(pos_ids)], axis=1)
        denominator = np.prod(shifted[:, len(pos_ids) :], axis=1) + COSMUL_EPS
        return self._ranked(numerator / denominator, pos_ids + neg_ids, topn)

    # -- files ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> str:
        """Write the words, counts and vectors to ``path`` (``.npz``); never pickles."""
        blob, offsets = encode_words(self.index_to_key)
        arrays = {
            "vectors": self.vectors,
            "words_utf8": blob,
            "word_offsets": offsets,
            "counts": self.counts,
        }
        return write_arrays(path, arrays, {"kind": "vectors"})

    @classmethod
    def load(cls, path: str | os.PathLike) -> KeyedVectors:
        """Read vectors saved by :meth:`save`, or the word vectors (``W_in``) of a model
        saved by ``Word2Vec.save``; every array is checked before it is used."""
        arrays, _ = read_arrays(path, required=("words_utf8", "word_offsets", "counts"))
        vectors = arrays.get("vectors", arrays.get("W_in"))
        try:
            words = decode_words(arrays["words_utf8"], arrays["word_offsets"])
        except (ValueError, UnicodeDecodeError) as exc:
            raise Word2VecError(f"{path} is corrupted ({type(exc).__name__}: {exc})") from None
        counts = arrays["counts"]
        ok = (
            vectors is not None
            and vectors.ndim == 2
            and vectors.shape[0] == len(words)
            and vectors.dtype.kind == "f"
            and counts.shape == (len(words),)
            and counts.dtype.kind in "iu"
        )
        if not ok:
            raise Word2VecError(f"{path}: arrays have inconsistent shapes or types")
        if not np.isfinite(vectors).all():
            raise Word2VecError(f"{path}: the model holds NaN or infinite values")
        return cls(words, np.ascontiguousarray(vectors), counts)

    @classmethod
    def load_word2vec_format(
        cls, path: str | os.PathLike, binary: bool | None = None
    ) -> KeyedVectors:
        """Vectors from a word2vec C-tool text or binary file (``binary=None`` sniffs it)."""
        words, vectors = load_word2vec_format(path, binary=binary)
        return cls(words, np.ascontiguousarray(vectors, dtype=np.float32))

    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False) -> None:
        """Write the vectors in the word2vec C tool's text or binary format."""
        save_word2vec_format(path, self.index_to_key, self.vectors, binary=binary)


def _as_list(terms: Any) -> list:
    if terms is None:
        return []
    if isinstance(terms, (str, np.ndarray)) and not (
        isinstance(terms, np.ndarray) and terms.ndim == 2
    ):
        return [terms]
    return list(terms)


def _check_topn(topn: int) -> int:
    if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)):
        raise Word2VecError(f"topn must be an integer, got {topn!r}")
    return int(topn)

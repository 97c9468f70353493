"""``KeyedVectors``: words, one matrix of vectors, and the queries on them, with gensim 4's
names and meanings (gensim's ``model.wv``). It knows nothing of training: a trained model
gives one (``Word2Vec.wv``), and so does a vectors file (``KeyedVectors.load`` /
``load_word2vec_format``).

Everything here is cosine similarity on unit rows ``U = W / ||W||_row`` (computed once and
cached; see :mod:`.cosine`), so a query against the whole vocabulary is one product
``U @ q_hat`` and its top ``n`` an O(V) partition.

The same calls give the same results as gensim's ``KeyedVectors`` on the same vectors (to
float32 rounding; ``tests/vectors/test_keyed_gensim.py`` checks every method). Where we
differ, on purpose:

* An unknown word raises :class:`UnknownWordError` (a ``KeyError``) whose message suggests a
  spelling. Where gensim skips unknown words (``doesnt_match``, ``rank_by_centrality``,
  ``n_similarity``) so do we, with a warning that names them (and suggests a spelling), but
  when *no* word of a list is known we raise instead of answering from nothing.
  ``get_mean_vector`` keeps gensim's ``ignore_missing`` switch.
* Keys are words (``str``); gensim also accepts integer positions as keys.
* ``most_similar_cosmul`` honours ``restrict_vocab`` (gensim 4.4 accepts it and ignores it).
* ``restrict_vocab`` is ``None`` (everything) or a positive integer; gensim reads 0 as None.
* Bad arguments raise :class:`Word2VecError` (gensim: ``ValueError``); files are our own
  ``.npz`` (``save``/``load``, never pickled) or the word2vec C format.
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any

import numpy as np

from ..errors import QueryError, Word2VecError
from ..formats.npz import decode_words, encode_words, read_arrays, write_arrays
from ..formats.word2vec_format import load_word2vec_format, save_word2vec_format
from . import evaluate as benchmarks
from .cosine import top_n_indices, unit_rows
from .significance import correlation_pvalue

__all__ = ["KeyedVectors", "UnknownWordError", "top_n_indices", "unit_rows"]

SUGGESTION_POOL = 50_000
"""Only the this many most frequent words are searched for a spelling suggestion
(:func:`difflib.get_close_matches` is pure Python, roughly linear in the pool size)."""

COSMUL_EPS = 1e-6
"""The epsilon of 3CosMul's denominator, as gensim's ``most_similar_cosmul`` (Levy & Goldberg
2014 use 0.001; it only matters when a negative word's shifted cosine is near 0)."""


class UnknownWordError(KeyError):
    """A word that is not in the vocabulary.

    A :class:`KeyError` (so ``except KeyError`` works) whose ``str()`` is the plain message,
    not the ``repr`` of it that :class:`KeyError` normally prints.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class KeyedVectors:
    """Words, a ``V x d`` matrix of their vectors, and the similarity queries on them.

    The words are ``index_to_key`` (most frequent first), the matrix ``vectors``; the queries
    have gensim's names and meanings: ``kv["king"]``, ``kv[["a", "b"]]``, ``"king" in kv``,
    ``len(kv)``, ``most_similar(positive=[...], negative=[...], topn=10,
    restrict_vocab=None)``, ``most_similar_cosmul``, ``similarity``, ``doesnt_match``,
    ``evaluate_word_analogies``, ... (see the module docstring for the few differences).

    Unit-normalised rows are computed on first use and cached; call :meth:`vectors_changed`
    after changing ``vectors`` in place (a trainer does it when it finishes).

    Parameters
    ----------
    keys : sequence of str
        The words, in id order (most frequent first, which ``restrict_vocab`` relies on).
    vectors : numpy.ndarray
        The ``len(keys) x d`` matrix, one row per word; a NumPy array (also a ``numpy.memmap``)
        is used as it is, anything else is converted with ``numpy.asarray``.
    counts : array_like of int, optional
        The words' counts; by default the decreasing sequence ``V, V-1, ..., 1``, which keeps
        the given order.

    Raises
    ------
    Word2VecError
        If ``vectors`` is not a ``len(keys) x d`` matrix.
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | Sequence[int] | None = None,
    ) -> None:
        if not isinstance(vectors, np.ndarray):  # keeps a np.memmap a memmap
            vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise QueryError(
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
        """The dimension d of the vectors."""
        return int(self.vectors.shape[1])

    @property
    def words(self) -> list[str]:
        """The words in id order (``index_to_key``)."""
        return self.index_to_key

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        try:
            return word in self.key_to_index
        except TypeError:  # unhashable: certainly not a word
            return False

    def __getitem__(self, key: str | int | Sequence[str | int]) -> np.ndarray:
        """The vector of a word (or of a position, as gensim's ``wv[0]``), or the matrix (one
        row per word) of a list of them."""
        if isinstance(key, (str, int, np.integer)):
            return self.vectors[self.get_index(key)]
        if isinstance(key, (bytes, bytearray)) or not isinstance(key, Iterable):
            raise TypeError(
                f"a key is a word (str), a position (int) or a list of them, not {key!r}"
            )
        return self.vectors[[self.get_index(k) for k in key]]

    def get_index(self, word: str | int, default: int | None = None) -> int:
        """The id of ``word``.

        Also available as ``word_id``.

        Parameters
        ----------
        word : str or int
            The word, or its position (gensim takes positions too).
        default : int, optional
            Returned for an unknown word instead of raising.

        Returns
        -------
        int
            The word's row in ``vectors``, or ``default``.

        Raises
        ------
        UnknownWordError
            If ``word`` is unknown (or a position outside the words) and no ``default`` is
            given; a ``KeyError`` whose message suggests the closest spelling.
        TypeError
            If ``word`` is neither a str nor an int.
        """
        if isinstance(word, str) and word in self.key_to_index:
            return self.key_to_index[word]
        if isinstance(word, (int, np.integer)) and not isinstance(word, bool):
            if 0 <= word < len(self.index_to_key):  # a position, as gensim takes it
                return int(word)
            if default is not None:
                return default
            raise UnknownWordError(
                f"position {word} is outside the {len(self.index_to_key):,} words"
            )
        if not isinstance(word, str):
            raise TypeError(f"a key is a word (str) or a position (int), not {word!r}")
        if default is not None:
            return default
        raise UnknownWordError(self._unknown_message(word))

    word_id = get_index

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """The vector of ``word``.

        Parameters
        ----------
        word : str
            A word of the vocabulary.
        norm : bool, default False
            The unit-length vector instead of the raw one.

        Returns
        -------
        numpy.ndarray
            The word's row of ``vectors`` (or of :meth:`unit_vectors`), not a copy.

        Raises
        ------
        UnknownWordError
            If ``word`` is not in the vocabulary.
        """
        index = self.get_index(word)
        return self.unit_vectors()[index] if norm else self.vectors[index]

    def suggest(self, word: str, n: int = 1) -> list[str]:
        """Words of the vocabulary spelt like ``word``, closest first.

        Its lower-case form if that is a word (the commonest mistake: capitals in a lower-cased
        corpus), else, as a spelling corrector does (Norvig's), the fewest edits first and the
        more frequent word among equals: close matches (``difflib.get_close_matches``) among
        the ``SUGGESTION_POOL`` most frequent words, ordered by their edit distance (a swap
        of two neighbouring letters is one edit: "kign" -> "king", not the nearer-looking
        "kin", a deletion, only because "king" is more frequent), then by frequency.

        Parameters
        ----------
        word : str
            The (unknown) word.
        n : int, default 1
            At most this many suggestions.

        Returns
        -------
        list of str
            The suggestions; empty if there are none, ``word`` is not a ``str`` or ``n < 1``.
        """
        if not isinstance(word, str) or n < 1:
            return []
        lowered = word.lower()
        if lowered != word and lowered in self.key_to_index:
            return [lowered]
        pool = self.index_to_key[:SUGGESTION_POOL]
        close = difflib.get_close_matches(lowered, pool, n=max(n, 10), cutoff=0.6)
        rank = self.key_to_index  # the vocabulary is in order of frequency
        close.sort(key=lambda w: (_edits(lowered, w), rank[w]))
        return close[:n]

    def _unknown_message(self, word: object) -> str:
        message = f"{word!r} is not in the vocabulary"
        suggestion = self.suggest(word, 1) if isinstance(word, str) else []
        if suggestion:
            message += f" (did you mean {suggestion[0]!r}?)"
        return message

    def _as_vector(self, vector: Any) -> np.ndarray:
        """A query vector as float64, checked to have the vectors' dimension."""
        v = np.asarray(vector, dtype=np.float64)
        if v.ndim != 1 or v.shape[0] != self.vector_size:
            raise QueryError(f"a query vector must have shape ({self.vector_size},), not {v.shape}")
        return v

    def get_mean_vector(
        self,
        keys: Any,
        weights: Sequence[float] | np.ndarray | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """The weighted mean of words' vectors and of vectors given as arrays, as gensim's.

        The mean is ``sum_i w_i v_i / sum_i |w_i|``, with the words' unit vectors if
        ``pre_normalize`` and the arrays used as they are.

        Parameters
        ----------
        keys : str, numpy.ndarray or sequence of str and numpy.ndarray
            The words and vectors: a single word or 1-d vector, a list of them, or a matrix (its
            rows).
        weights : sequence of float or numpy.ndarray, optional
            One weight per key; 1 by default.
        pre_normalize : bool, default True
            Use the words' unit vectors instead of their raw vectors.
        post_normalize : bool, default False
            Scale the mean to unit length.
        ignore_missing : bool, default True
            Leave unknown words out; with False they raise.

        Returns
        -------
        numpy.ndarray
            The mean, a float32 vector of length d.

        Raises
        ------
        Word2VecError
            If there are no keys, ``weights`` does not have one entry per key, a key is neither a
            word nor a vector, or a vector has the wrong length.
        UnknownWordError
            For an unknown word with ``ignore_missing=False``.
        """
        keys = _as_list(keys)
        if not keys:
            raise QueryError("cannot take the mean of no words")
        w = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (len(keys),):
            raise QueryError(f"{len(keys)} keys but weights of shape {w.shape}")
        mean = np.zeros(self.vector_size, dtype=np.float64)
        total = 0.0
        for key, weight in zip(keys, w, strict=True):
            if isinstance(key, np.ndarray):
                vector = self._as_vector(key)
            elif not isinstance(key, str):
                raise QueryError(f"keys are words or vectors, not {key!r}")
            elif key in self.key_to_index or not ignore_missing:
                vector = self.get_vector(key, norm=pre_normalize)  # raises if unknown
            else:
                continue
            mean += weight * vector
            total += abs(weight)
        if total > 0:
            mean /= total
        if post_normalize:
            norm = float(np.linalg.norm(mean))
            mean = mean / norm if norm > 0 else mean
        return mean.astype(np.float32)

    # -- cache -------------------------------------------------------------------------------
    def vectors_changed(self) -> None:
        """Forget the cached unit vectors (call after ``vectors`` changes in place)."""
        self._unit = None
        self._unit_source = None

    def unit_vectors(self) -> np.ndarray:
        """``vectors`` with every row scaled to unit length.

        Also available as ``get_normed_vectors``. Assigning a new array to ``vectors`` is noticed
        automatically; changing it in place needs :meth:`vectors_changed`.

        Returns
        -------
        numpy.ndarray
            The ``V x d`` float32 unit rows (cached; read-only).
        """
        if self._unit is None or self._unit_source is not self.vectors:
            unit = unit_rows(self.vectors)
            unit.flags.writeable = False
            self._unit, self._unit_source = unit, self.vectors
        return self._unit

    get_normed_vectors = unit_vectors

    # -- similarities and distances of given words ------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words.

        Parameters
        ----------
        w1, w2 : str
            The two words.

        Returns
        -------
        float
            The cosine of their vectors.

        Raises
        ------
        UnknownWordError
            If a word is not in the vocabulary.
        """
        unit = self.unit_vectors()
        return float(unit[self.get_index(w1)] @ unit[self.get_index(w2)])

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``.

        Parameters
        ----------
        w1, w2 : str
            The two words.

        Returns
        -------
        float
            One minus the cosine of their vectors.

        Raises
        ------
        UnknownWordError
            If a word is not in the vocabulary.
        """
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the means of two lists of words' (raw) vectors.

        As gensim, unknown words are left out (with a warning); a list with no known word is an
        error.

        Parameters
        ----------
        ws1, ws2 : sequence of str
            The two lists of words.

        Returns
        -------
        float
            The cosine of the two means.

        Raises
        ------
        Word2VecError
            If a list is empty.
        UnknownWordError
            If no word of a list is known.

        Warns
        -----
        UserWarning
            Naming the unknown words left out (with a suggested spelling).
        """
        if not len(ws1) or not len(ws2):
            raise QueryError("n_similarity needs two non-empty lists of words")
        known1, known2 = self._known_words(_as_list(ws1)), self._known_words(_as_list(ws2))
        mean1, mean2 = (
            self.get_mean_vector(known, pre_normalize=False, post_normalize=True)
            for known in (known1, known2)
        )
        return float(mean1 @ mean2)

    def distances(
        self, word_or_vector: str | np.ndarray, other_words: Sequence[str] = ()
    ) -> np.ndarray:
        """Cosine distances ``1 - cos`` from a word or vector to other words.

        Parameters
        ----------
        word_or_vector : str or numpy.ndarray
            A word, or a vector of length d.
        other_words : sequence of str, optional
            The words to measure the distance to; if empty, every word of the vocabulary (itself
            included).

        Returns
        -------
        numpy.ndarray
            One distance per word, in the order of ``other_words`` (or in id order).

        Raises
        ------
        UnknownWordError
            If a word is not in the vocabulary.
        Word2VecError
            If a vector does not have length d.
        """
        if isinstance(word_or_vector, str):
            query = self.get_vector(word_or_vector, norm=True)
        else:
            query = unit_rows(self._as_vector(word_or_vector)[None, :])[0]
        unit = self.unit_vectors()
        others = list(other_words)
        if others:
            unit = unit[[self.get_index(w) for w in others]]
        return 1.0 - unit @ query

    def closer_than(self, w1: str, w2: str) -> list[str]:
        """The words nearer to ``w1`` than ``w2`` is.

        Parameters
        ----------
        w1, w2 : str
            The word whose neighbours are searched, and the word that sets the distance.

        Returns
        -------
        list of str
            The words (in id order) closer to ``w1`` than ``w2``, ``w1`` itself left out.

        Raises
        ------
        UnknownWordError
            If a word is not in the vocabulary.
        """
        i1, i2 = self.get_index(w1), self.get_index(w2)
        dist = self.distances(w1)
        return [self.index_to_key[i] for i in np.flatnonzero(dist < dist[i2]) if i != i1]

    def rank(self, w1: str, w2: str) -> int:
        """The rank of ``w2`` among the neighbours of ``w1``.

        Parameters
        ----------
        w1, w2 : str
            The word whose neighbours are ranked, and the word whose rank is wanted.

        Returns
        -------
        int
            1 + the number of words closer to ``w1`` than ``w2`` is.

        Raises
        ------
        UnknownWordError
            If a word is not in the vocabulary.
        """
        return len(self.closer_than(w1, w2)) + 1

    def rank_by_centrality(self, words: Sequence[str], use_norm: bool = True) -> list:
        """Words by decreasing cosine with the normalised mean of their vectors, as gensim's.

        Unknown words are left out (with a warning) unless none is known.

        Parameters
        ----------
        words : sequence of str
            The words to rank.
        use_norm : bool, default True
            Use the unit vectors (else the raw vectors) for the mean and the cosines.

        Returns
        -------
        list of (float, str)
            ``[(cosine, word), ...]``, most central first.

        Raises
        ------
        Word2VecError
            If ``words`` is empty.
        UnknownWordError
            If no word of ``words`` is known.

        Warns
        -----
        UserWarning
            Naming the unknown words left out (with a suggested spelling).
        """
        return self._by_centrality(words, use_norm)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word of ``words`` farthest (by cosine) from the mean of their unit vectors.

        As gensim, unknown words are left out (with a warning) unless none is known.

        Parameters
        ----------
        words : sequence of str
            The words.

        Returns
        -------
        str
            The odd one out.

        Raises
        ------
        Word2VecError
            If ``words`` is empty.
        UnknownWordError
            If no word of ``words`` is known.

        Warns
        -----
        UserWarning
            Naming the unknown words left out (with a suggested spelling).
        """
        return self._by_centrality(words, True)[-1][1]

    def _by_centrality(self, words: Sequence[str], use_norm: bool) -> list:
        words = self._known_words(_as_list(words), stacklevel=4)
        if not words:
            raise QueryError("cannot rank an empty list of words")
        ids = [self.get_index(w) for w in words]
        vectors = (self.unit_vectors() if use_norm else self.vectors)[ids].astype(np.float32)
        centre = unit_rows(vectors.mean(axis=0, keepdims=True))[0]
        return sorted(zip((vectors @ centre).tolist(), words, strict=True), reverse=True)

    def _known_words(self, words: Sequence[str], stacklevel: int = 3) -> list[str]:
        """``words`` without the unknown ones, which gensim's ``doesnt_match`` and
        ``n_similarity`` leave out: a warning names them (with a suggestion); if no word is
        left, the first unknown one raises :class:`UnknownWordError`."""
        known = [w for w in words if w in self]
        unknown = [w for w in words if w not in self]
        if unknown and not known:
            raise UnknownWordError(self._unknown_message(unknown[0]))
        if unknown:
            left_out = "; ".join(self._unknown_message(w) for w in unknown)
            warnings.warn(f"left out: {left_out}", stacklevel=stacklevel)
        return known

    # -- nearest neighbours --------------------------------------------------------------------
    def _restrict(self, restrict_vocab: int | None) -> int:
        size = len(self.index_to_key)
        if restrict_vocab is None:
            return size
        if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)):
            raise QueryError(f"restrict_vocab must be an integer, got {restrict_vocab!r}")
        if restrict_vocab < 1:
            raise QueryError(f"restrict_vocab must be at least 1, got {restrict_vocab}")
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
        """The unit query of gensim's ``most_similar`` and the ids of its words.

        Every term is a word, a vector, or a ``(word or vector, weight)`` pair; bare terms
        weigh +1 in ``positive`` and -1 in ``negative``, a pair's weight is used as given
        (gensim 4's rule, in either list). The query is the weighted mean of the words' unit
        vectors and the vectors, normalised (:meth:`get_mean_vector`).
        """
        keys: list[Any] = []
        weights: list[float] = []
        for terms, sign in ((positive, 1.0), (negative, -1.0)):
            for term in _as_list(terms):
                if isinstance(term, (str, np.ndarray)):
                    keys.append(term)
                    weights.append(sign)
                elif (
                    isinstance(term, (tuple, list))
                    and len(term) == 2
                    and isinstance(term[0], (str, np.ndarray))
                    and isinstance(term[1], Real)
                ):
                    keys.append(term[0])
                    weights.append(float(term[1]))
                else:
                    raise QueryError(
                        f"most_similar takes words, vectors or (word, weight) pairs, not {term!r}"
                    )
        if not keys:
            raise QueryError("most_similar needs a word, a non-empty list of words or a vector")
        ids = [self.get_index(k) for k in keys if isinstance(k, str)]
        if len(keys) == 1 and isinstance(keys[0], str) and weights[0] > 0:
            # One word's own unit vector, so that batch and single queries agree exactly.
            return self.unit_vectors()[ids[0]], ids
        return self.get_mean_vector(keys, weights, post_normalize=True, ignore_missing=False), ids

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` words with the highest cosine similarity to the query.

        The query is the normalised weighted mean of the words' unit vectors (weight +1 if
        positive, -1 if negative, or the pair's weight as given, as gensim 4) and the vectors as
        given. Query words are left out of the result.

        Parameters
        ----------
        positive, negative : str, numpy.ndarray or sequence, optional
            A word, a vector, or lists of words, vectors and ``(word, weight)`` pairs.
        topn : int or None, default 10
            How many words to return; None returns the cosines of all the searched words (query
            words included) as an array, as gensim.
        restrict_vocab : int, optional
            Search only the ``restrict_vocab`` most frequent words (ids ``0..N-1``); None searches
            all.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``[(word, cosine), ...]`` best first, or the array of cosines with ``topn=None``.

        Raises
        ------
        Word2VecError
            If there is no query term, a term is not a word, vector or pair, or ``topn`` or
            ``restrict_vocab`` is not a valid integer.
        UnknownWordError
            If a query word is not in the vocabulary.
        """
        topn = _check_topn(topn)
        query, ids = self._query(positive, negative)
        n_search = self._restrict(restrict_vocab)
        if topn is not None and topn < 1:
            return []
        scores = self.unit_vectors()[:n_search] @ query
        return scores if topn is None else self._ranked(scores, ids, topn)

    def similar_by_word(
        self, word: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """:meth:`most_similar` of one word.

        Also available as ``similar_by_key``.

        Parameters
        ----------
        word : str
            The query word (left out of the result).
        topn : int or None, default 10
            How many words to return; None returns all the cosines as an array.
        restrict_vocab : int, optional
            Search only the ``restrict_vocab`` most frequent words (ids ``0..N-1``); None searches
            all.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``[(word, cosine), ...]`` best first, or the array of cosines with ``topn=None``.

        Raises
        ------
        Word2VecError
            If ``word`` is not a ``str``.
        UnknownWordError
            If ``word`` is not in the vocabulary.
        """
        if not isinstance(word, str):
            raise QueryError(f"similar_by_word takes a word, not {word!r}")
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """:meth:`most_similar` of a vector (no word is left out).

        Parameters
        ----------
        vector : numpy.ndarray
            The query vector, of length d.
        topn : int or None, default 10
            How many words to return; None returns all the cosines as an array.
        restrict_vocab : int, optional
            Search only the ``restrict_vocab`` most frequent words (ids ``0..N-1``); None searches
            all.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``[(word, cosine), ...]`` best first, or the array of cosines with ``topn=None``.

        Raises
        ------
        Word2VecError
            If ``vector`` does not have length d.
        """
        vector = self._as_vector(vector)
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_batch(
        self, words: Sequence[str], topn: int = 10, restrict_vocab: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """:meth:`most_similar` for many single words with one matrix product.

        ``S = U[ids] @ U[:N].T`` (queries x N), each query's own id masked out.

        Parameters
        ----------
        words : sequence of str
            The query words.
        topn : int, default 10
            How many words to return for each query.
        restrict_vocab : int, optional
            Search only the ``restrict_vocab`` most frequent words (ids ``0..N-1``); None searches
            all.

        Returns
        -------
        list of list of (str, float)
            For each query word, ``[(word, cosine), ...]`` best first, the word itself left out.

        Raises
        ------
        Word2VecError
            If ``topn`` is not an integer, or ``restrict_vocab`` not a valid one.
        UnknownWordError
            If a query word is not in the vocabulary.
        """
        checked = _check_topn(topn)
        if checked is None:
            raise QueryError("most_similar_batch needs an integer topn")
        topn = checked
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

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Nearest words by 3CosMul (Levy & Goldberg 2014, eq. 4), as gensim's.

        With cosines shifted to [0, 1], ``s(d, x) = (1 + cos(d, x)) / 2`` (their footnote 7),

            score(d) = prod_{p in positive} s(d, p) / (prod_{n in negative} s(d, n) + 1e-6)

        so no single large similarity dominates as it can in a sum. Words enter as unit vectors;
        vectors are used as given (not normalised, as gensim). For the analogy ``a : b :: c : ?``
        that is ``positive=[b, c], negative=[a]``. Query words are left out.

        Parameters
        ----------
        positive, negative : str, numpy.ndarray or sequence, optional
            A word or vector, or lists of words and vectors.
        topn : int or None, default 10
            How many words to return; None returns all the scores as an array.
        restrict_vocab : int, optional
            Search only the ``restrict_vocab`` most frequent words (ids ``0..N-1``); None searches
            all.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``[(word, score), ...]`` best first, or the array of scores with ``topn=None``.

        Raises
        ------
        Word2VecError
            If there is no positive term, a term is not a word or vector, or ``topn`` or
            ``restrict_vocab`` is not a valid integer.
        UnknownWordError
            If a query word is not in the vocabulary.
        """
        topn = _check_topn(topn)
        unit = self.unit_vectors()
        columns: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        ids: list[int] = []
        for terms, column in zip((positive, negative), columns, strict=True):
            for term in _as_list(terms):
                if isinstance(term, str):
                    ids.append(self.get_index(term))
                    column.append(unit[ids[-1]])
                elif isinstance(term, np.ndarray):
                    column.append(self._as_vector(term).astype(np.float32))
                else:
                    raise QueryError(f"most_similar_cosmul takes words or vectors, not {term!r}")
        pos, neg = columns
        if not pos:
            raise QueryError("most_similar_cosmul needs at least one positive word or vector")
        n_search = self._restrict(restrict_vocab)
        if topn is not None and topn < 1:
            return []
        # One (N x d) @ (d x terms) product gives every shifted cosine column at once.
        s = (1.0 + unit[:n_search] @ np.stack(pos + neg, axis=1)) / 2.0
        scores = s[:, : len(pos)].prod(axis=1) / (s[:, len(pos) :].prod(axis=1) + COSMUL_EPS)
        return scores if topn is None else self._ranked(scores, ids, topn)

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        topn: int | None = 5,
        method: str = "3cosadd",
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Words ``d`` nearest to ``a - b + c``.

        E.g. ``analogy("king", "man", "woman")`` gives ``queen`` ("king is to man as queen is to
        woman"); ``a``, ``b`` and ``c`` are excluded.

        Parameters
        ----------
        a, b, c : str
            The words of the analogy.
        topn : int or None, default 5
            How many words to return; None returns all the scores as an array.
        method : {"3cosadd", "3cosmul"}, default "3cosadd"
            ``"3cosadd"`` (Mikolov et al. 2013): ``most_similar(positive=[a, c], negative=[b])``,
            the cosine with the normalised ``a_hat - b_hat + c_hat``. ``"3cosmul"`` (Levy &
            Goldberg 2014): ``most_similar_cosmul`` of the same lists,
            ``s(a) s(c) / (s(b) + 1e-6)``.
        restrict_vocab : int, optional
            Search only the ``restrict_vocab`` most frequent words (ids ``0..N-1``); None searches
            all.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``[(word, score), ...]`` best first, or the array of scores with ``topn=None``.

        Raises
        ------
        Word2VecError
            If ``method`` is unknown.
        UnknownWordError
            If a word is not in the vocabulary.
        """
        if method == "3cosadd":
            search = self.most_similar
        elif method == "3cosmul":
            search = self.most_similar_cosmul
        else:
            raise QueryError(f"unknown analogy method {method!r} (use 3cosadd or 3cosmul)")
        return search(positive=[a, c], negative=[b], topn=topn, restrict_vocab=restrict_vocab)

    # -- benchmarks ----------------------------------------------------------------------------
    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike[str],
        restrict_vocab: int | None = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[float, list[dict[str, Any]]]:
        """Accuracy on an analogy file (``questions-words.txt`` format), as gensim returns it.

        The answers are those of :func:`.evaluate.evaluate_analogies` (``d`` predicted from
        ``b - a + c`` over the first ``restrict_vocab`` words).

        Parameters
        ----------
        analogies : str or os.PathLike
            The file of ``: section`` headers and ``a b c d`` lines.
        restrict_vocab : int or None, default 300000
            Answer from (and ask only about) the first ``restrict_vocab`` words.
        case_insensitive : bool, default True
            Compare words upper-cased, as gensim.
        dummy4unknown : bool, default False
            Count questions with a word outside the first ``restrict_vocab`` words as incorrect,
            instead of leaving them out.

        Returns
        -------
        score : float
            The fraction of the questions asked that were answered correctly (0 if none).
        sections : list of dict
            One dict per section in file order plus a last one named ``"Total accuracy"``, each
            with ``"section"``, ``"correct"`` and ``"incorrect"``: lists of the questions'
            ``(a, b, c, d)`` (upper-cased if ``case_insensitive``).
        """
        lines = benchmarks._read_lines(analogies)
        outcome = benchmarks.analogy_outcomes(
            self.index_to_key, self.vectors, lines, restrict_vocab, case_insensitive, str(analogies)
        )
        sections: list[dict[str, Any]] = [
            {"section": name, "correct": [], "incorrect": []} for name in outcome.sections
        ]
        right = iter(outcome.correct)
        for (s, quad), answered in zip(outcome.questions, outcome.answered, strict=True):
            if answered:
                sections[s]["correct" if next(right) else "incorrect"].append(quad)
            elif dummy4unknown:
                sections[s]["incorrect"].append(quad)
        total = {
            "section": "Total accuracy",
            "correct": [q for s in sections for q in s["correct"]],
            "incorrect": [q for s in sections for q in s["incorrect"]],
        }
        sections.append(total)
        asked = len(total["correct"]) + len(total["incorrect"])
        return (len(total["correct"]) / asked if asked else 0.0), sections

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike[str],
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int | None = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[tuple[float, float], tuple[float, float], float]:
        """Correlation of cosine similarities with human scores, as gensim returns it.

        The human scores are those of a word-pair benchmark (WordSim-353, SimLex-999). The
        coefficients come from :func:`.evaluate.evaluate_word_pairs`; the two-sided p-values from
        the t distribution with ``n - 2`` degrees of freedom, as scipy's ``pearsonr`` and
        ``spearmanr`` compute them, but in pure Python/NumPy (:mod:`.significance`).

        Parameters
        ----------
        pairs : str or os.PathLike
            The file of ``word word score`` lines.
        delimiter : str, default "\\t"
            The field separator (a tab).
        encoding : str, default "utf8"
            Must name UTF-8: files are read as UTF-8 (the argument is there for gensim's argument
            order).
        restrict_vocab : int or None, default 300000
            Use only the first ``restrict_vocab`` words.
        case_insensitive : bool, default True
            Compare words case-insensitively.
        dummy4unknown : bool, default False
            Score pairs with a word outside the first ``restrict_vocab`` words 0, instead of
            leaving them out.

        Returns
        -------
        pearson : tuple of (float, float)
            ``(pearson_r, p_value)``; NaN for an undefined correlation, as gensim.
        spearman : tuple of (float, float)
            ``(spearman_rho, p_value)``.
        oov_ratio : float
            The percentage of pairs with a word outside the first ``restrict_vocab`` words.

        Raises
        ------
        Word2VecError
            If ``encoding`` is not UTF-8.
        """
        if encoding.lower().replace("-", "").replace("_", "") != "utf8":
            raise Word2VecError(f"word-pair files are read as UTF-8, not {encoding!r}")
        result = benchmarks.evaluate_word_pairs(
            self.index_to_key,
            self.vectors,
            pairs,
            restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive,
            delimiter=delimiter,
            dummy4unknown=dummy4unknown,
        )
        n = result["pairs"]
        # gensim's value for an undefined correlation is NaN (ours is None, with a reason)
        pearson, spearman = (
            float("nan") if result[key] is None else result[key] for key in ("pearson", "spearman")
        )
        return (
            (pearson, correlation_pvalue(pearson, n)),
            (spearman, correlation_pvalue(spearman, n)),
            result["oov_ratio"],
        )

    # -- files ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> str:
        """Write the words, counts and vectors to an ``.npz`` file; never pickles.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (``.npz`` added if missing).

        Returns
        -------
        str
            The name of the file written.
        """
        blob, offsets = encode_words(self.index_to_key)
        arrays = {
            "vectors": self.vectors,
            "words_utf8": blob,
            "word_offsets": offsets,
            "counts": self.counts,
        }
        return write_arrays(path, arrays, {"kind": "vectors"})

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: str | None = None) -> KeyedVectors:
        """Read vectors saved by :meth:`save`, or the word vectors (``W_in``) of a saved model.

        The model may be one written by ``Word2Vec.save``; every array's shape and type is checked
        before use.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.npz`` file.
        mmap : {None, "r", "c"}, optional
            ``"r"`` maps the matrix from the file instead of reading it (a file of millions of
            words answers ``most_similar`` without being read whole; the unit vectors of a query
            are computed then); ``"c"`` maps it copy-on-write. A mapped matrix is not scanned for
            NaN at load time.

        Returns
        -------
        KeyedVectors
            The words, counts and vectors.

        Raises
        ------
        Word2VecError
            If the file is corrupted, its arrays have inconsistent shapes or types, or (when read)
            it holds NaN or infinite values.
        """
        arrays, _ = read_arrays(
            path,
            required=("format_version", "words_utf8", "word_offsets", "counts"),
            mmap_mode=mmap,
        )
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
        if not ok or vectors is None:
            raise Word2VecError(f"{path}: arrays have inconsistent shapes or types")
        if mmap is None:
            if not np.isfinite(vectors).all():
                raise Word2VecError(f"{path}: the model holds NaN or infinite values")
            vectors = np.ascontiguousarray(vectors)
        return cls(words, vectors, counts)

    @classmethod
    def load_word2vec_format(
        cls,
        path: str | os.PathLike,
        binary: bool | None = None,
        limit: int | None = None,
        warn: Any = None,
        unicode_errors: str = "strict",
        no_header: bool = False,
    ) -> KeyedVectors:
        """Vectors from a word2vec C-tool text or binary file, parsed streaming.

        A repeated word keeps its first vector.

        Parameters
        ----------
        path : str or os.PathLike
            The file.
        binary : bool or None, optional
            The binary format (True) or the text one (False); None sniffs it.
        limit : int, optional
            Read only the first ``limit`` words (gensim's ``limit``).
        warn : callable, optional
            ``warn(message)`` hears of repeated words, in one line.
        unicode_errors : {"strict", "replace", "ignore"}, default "strict"
            A word that is not valid UTF-8: refused, read with U+FFFD for the bad bytes, or
            read without them (gensim's ``unicode_errors``).
        no_header : bool, default False
            A text file without the ``VOCAB_SIZE DIMENSIONS`` line, such as GloVe's
            (gensim's ``no_header``).

        Returns
        -------
        KeyedVectors
            The words in file order and their vectors (float32).

        Raises
        ------
        Word2VecError
            If the file is malformed (a one-line message naming the file and line).
        """
        words, vectors = load_word2vec_format(
            path,
            binary=binary,
            limit=limit,
            warn=warn,
            unicode_errors=unicode_errors,
            no_header=no_header,
        )
        return cls(words, vectors)

    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False) -> None:
        """Write the vectors in the word2vec C tool's text or binary format.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write.
        binary : bool, default False
            The binary format instead of the text one.
        """
        save_word2vec_format(path, self.index_to_key, self.vectors, binary=binary)


def _edits(a: str, b: str) -> int:
    """Edit distance of ``a`` and ``b``: insertions, deletions, substitutions and swaps of two
    neighbouring letters, one each (optimal string alignment, Damerau 1964: a swap is the
    commonest typing error after a single wrong letter)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def _as_list(terms: Any) -> list:
    """A single word or vector as a one-item list, a matrix as a list of its rows (gensim's
    rule for ``positive``/``negative``); None as an empty list."""
    if terms is None:
        return []
    if isinstance(terms, str) or (isinstance(terms, np.ndarray) and terms.ndim == 1):
        return [terms]
    return list(terms)


def _check_topn(topn: int | None) -> int | None:
    if topn is None:
        return None
    if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)):
        raise QueryError(f"topn must be an integer or None, got {topn!r}")
    return int(topn)

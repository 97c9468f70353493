"""What ``serve``'s page asks of a model, free of HTTP: neighbours, analogies, prefix search,
the 2-D map and the training report, each with its limits checked.

Every answer is a JSON-able dict. A question that cannot be answered raises
:class:`QueryError` with the HTTP status it deserves (400 for a malformed request, 404 for
words outside the vocabulary, with spelling suggestions, 501 for t-SNE without
scikit-learn); ``app.py`` only turns requests into calls and dicts into responses. Nothing
here reads or writes a file: the model, its report and the static page are all in memory.
"""

from __future__ import annotations

import importlib.util
import math
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import Word2VecError
from ..model.word2vec import Word2Vec
from ..vectors.keyed import KeyedVectors
from ..vectors.plot import MISSING_EXTRA, pca_2d, tsne_2d

__all__ = ["Explorer", "QueryError"]

MAX_TOPN = 100
"""The most neighbours or analogy answers one request may ask for."""
MAX_QUERY_WORDS = 10
"""The most positive plus negative words in one analogy."""
MAX_WORD_CHARS = 200
"""Longer 'words' are refused before any lookup (no vocabulary holds such tokens)."""
MAX_PREFIX_RESULTS = 50
MAX_MAP_WORDS = 10_000
"""PCA map: the N most frequent words, N at most this."""
MAX_TSNE_WORDS = 3_000
"""t-SNE is O(N log N) per iteration but slow in practice: a few thousand words take a
minute on two cores."""
MAP_CACHE_SIZE = 16
SUGGESTIONS = 5
LOSS_CURVE_POINTS = 400
METHODS = ("3cosadd", "3cosmul")
MAP_METHODS = ("pca", "tsne")


class QueryError(Exception):
    """A request the explorer cannot answer: an HTTP ``status``, a one-line ``message`` and
    extra JSON fields (``unknown`` words with their ``suggestions``)."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


class Explorer:
    """The queries of the page on one set of vectors.

    ``vectors`` answers every word query; ``model`` (a trained ``Word2Vec``, or None for a
    plain vectors file) and ``report`` (``{"metrics": ..., "evaluation": ...}``, the JSON
    written beside the model by ``train`` and ``evaluate --save``, either may be None) only
    feed the report. Safe to call from many threads at once: the queries only read, and the
    map cache is guarded by a lock.
    """

    def __init__(
        self,
        vectors: KeyedVectors,
        model: Word2Vec | None = None,
        report: Mapping[str, Any] | None = None,
        name: str = "model",
    ) -> None:
        if len(vectors) == 0:
            raise Word2VecError("the model holds no words")
        self.kv = vectors
        self.model = model
        self.name = name
        self._report = _build_report(model, report)
        # The unit rows once now, not raced for by the first requests' threads.
        vectors.unit_vectors()
        # Prefix search: the lower-cased words sorted, with their ids, so that the words
        # starting with a prefix are one bisected range (O(log V) for 100,000 words).
        lowered = [w.lower() for w in vectors.index_to_key]
        order = sorted(range(len(lowered)), key=lowered.__getitem__)
        self._sorted = [lowered[i] for i in order]
        self._sorted_ids = np.asarray(order, dtype=np.int64)
        self._maps: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
        self._map_locks: dict[tuple[int, str], threading.Lock] = {}
        self._lock = threading.Lock()

    # -- what the page shows first ---------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "words": len(self.kv),
            "dim": self.kv.vector_size,
            "kind": "model" if self.model is not None else "vectors",
            "has_report": self._report is not None,
            "tsne": _have_sklearn(),
            "limits": {
                "topn": MAX_TOPN,
                "map": MAX_MAP_WORDS,
                "tsne": MAX_TSNE_WORDS,
                "query_words": MAX_QUERY_WORDS,
            },
        }

    def report(self) -> dict[str, Any] | None:
        return self._report

    # -- words -------------------------------------------------------------------------------
    def check_words(self, words: Sequence[str]) -> None:
        """Raise a 404 :class:`QueryError` naming every unknown word with suggestions."""
        unknown = list(dict.fromkeys(w for w in words if w not in self.kv))
        if unknown:
            raise QueryError(
                404,
                "not in the vocabulary: " + ", ".join(unknown),
                unknown=[
                    {"word": w, "suggestions": self.kv.suggest(w, SUGGESTIONS)} for w in unknown
                ],
            )

    def complete(self, prefix: str, limit: int = 10) -> dict[str, Any]:
        """The ``limit`` most frequent words starting with ``prefix`` (ignoring case), most
        frequent first, an exact match first of all."""
        _check_range("limit", limit, 1, MAX_PREFIX_RESULTS)
        _check_word("prefix", prefix, allow_empty=True)
        key = prefix.lower()
        lo = bisect_left(self._sorted, key)
        hi = bisect_left(self._sorted, key + "\U0010ffff", lo)
        ids = self._sorted_ids[lo:hi]
        exact = self.kv.key_to_index.get(prefix)
        if exact is not None:
            ids = ids[ids != exact]
        k = limit - (exact is not None)
        if len(ids) > k:
            ids = np.partition(ids, k - 1)[:k] if k > 0 else ids[:0]  # the lowest ids
        words = [self.kv.index_to_key[i] for i in np.sort(ids)]  # = the most frequent
        if exact is not None:
            words.insert(0, prefix)
        return {"prefix": prefix, "words": words, "matches": int(hi - lo)}

    def neighbours(self, word: str, topn: int = 10) -> dict[str, Any]:
        """The ``topn`` nearest words of ``word`` by cosine."""
        _check_word("word", word)
        _check_range("topn", topn, 1, MAX_TOPN)
        self.check_words([word])
        index = self.kv.get_index(word)
        found = self.kv.most_similar(word, topn=topn)
        return {
            "word": word,
            "rank": index + 1,
            "count": int(self.kv.counts[index]),
            "neighbours": [{"word": w, "score": _finite(s)} for w, s in found],
        }

    def check_fields(self, fields: Mapping[str, str]) -> None:
        """Each field's word, by the field's name (``a is empty``), then the unknown ones in
        the fields' order (404)."""
        for name, word in fields.items():
            _check_word(name, word)
        self.check_words(list(fields.values()))

    def analogy(
        self,
        positive: Sequence[str],
        negative: Sequence[str] = (),
        method: str = "3cosadd",
        topn: int = 10,
    ) -> dict[str, Any]:
        """The words nearest to ``positive`` minus ``negative``: ``a - b + c`` is
        ``positive=[a, c], negative=[b]``. 3CosAdd ranks by the cosine with the normalised
        sum of unit vectors (``most_similar``), 3CosMul by the product of shifted cosines
        (``most_similar_cosmul``); for three words these are ``KeyedVectors.analogy``."""
        if method not in METHODS:
            raise QueryError(400, f"method must be one of {', '.join(METHODS)}, not {method!r}")
        _check_range("topn", topn, 1, MAX_TOPN)
        if not positive:
            raise QueryError(400, "an analogy needs at least one positive word")
        if len(positive) + len(negative) > MAX_QUERY_WORDS:
            raise QueryError(400, f"at most {MAX_QUERY_WORDS} words in one analogy")
        for kind, words in (("positive", positive), ("negative", negative)):
            for w in words:
                _check_word(f"a {kind} word", w)
        self.check_words(list(positive) + list(negative))
        if method == "3cosadd":
            found = self.kv.most_similar(
                positive=list(positive), negative=list(negative), topn=topn
            )
        else:
            found = self.kv.most_similar_cosmul(list(positive), list(negative), topn=topn)
        return {
            "positive": list(positive),
            "negative": list(negative),
            "method": method,
            "results": [{"word": w, "score": _finite(s)} for w, s in found],
        }

    # -- the map -----------------------------------------------------------------------------
    def map(self, n: int = 1000, method: str = "pca") -> dict[str, Any]:
        """2-D coordinates of the ``n`` most frequent words by PCA or t-SNE, cached per
        (n, method): the first request computes, later ones (and ones waiting meanwhile)
        get the same dict."""
        if method not in MAP_METHODS:
            raise QueryError(400, f"method must be one of {', '.join(MAP_METHODS)}, not {method!r}")
        cap = MAX_TSNE_WORDS if method == "tsne" else MAX_MAP_WORDS
        _check_range("n", n, 2, cap)
        if method == "tsne" and not _have_sklearn():
            raise QueryError(501, "t-SNE needs scikit-learn: " + MISSING_EXTRA.split(": ")[-1])
        n = min(n, len(self.kv))
        key = (n, method)
        with self._lock:
            if key in self._maps:
                self._maps.move_to_end(key)
                return self._maps[key]
            key_lock = self._map_locks.setdefault(key, threading.Lock())
        with key_lock:  # one computation per key; the others wait for it
            with self._lock:
                if key in self._maps:
                    return self._maps[key]
            result = self._compute_map(n, method)
            with self._lock:
                self._maps[key] = result
                while len(self._maps) > MAP_CACHE_SIZE:
                    self._maps.popitem(last=False)
                self._map_locks.pop(key, None)
        return result

    def _compute_map(self, n: int, method: str) -> dict[str, Any]:
        start = time.perf_counter()
        vectors = self.kv.vectors[:n]
        extra: dict[str, Any] = {}
        try:
            if method == "pca":
                xy, explained = pca_2d(vectors)
                extra["explained"] = [round(float(e), 6) for e in explained]
            else:
                xy, perplexity = tsne_2d(vectors, seed=0)
                extra["perplexity"] = perplexity
        except Word2VecError as exc:
            raise QueryError(400, str(exc)) from None
        xy = np.nan_to_num(np.asarray(xy, dtype=np.float64))
        return {
            "method": method,
            "n": n,
            "words": self.kv.index_to_key[:n],
            "x": np.round(xy[:, 0], 5).tolist(),
            "y": np.round(xy[:, 1], 5).tolist(),
            "seconds": round(time.perf_counter() - start, 3),
            **extra,
        }


# ------------------------------------------------------------------------------- helpers


def _check_range(name: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise QueryError(400, f"{name} must be an integer, got {value!r}")
    if not lo <= value <= hi:
        raise QueryError(400, f"{name} must be between {lo} and {hi}, got {value}")


def _check_word(name: str, word: object, allow_empty: bool = False) -> None:
    if not isinstance(word, str):
        raise QueryError(400, f"{name} must be a string")
    if not word and not allow_empty:
        raise QueryError(400, f"{name} is empty")
    if len(word) > MAX_WORD_CHARS:
        raise QueryError(400, f"{name} is longer than {MAX_WORD_CHARS} characters")


def _finite(x: Any) -> float | None:
    """A float for JSON, which has no NaN or infinity (those become null)."""
    x = float(x)
    return x if math.isfinite(x) else None


def _jsonable(obj: Any) -> Any:
    """``obj`` with NumPy scalars as Python numbers and non-finite floats as None."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _finite(obj)
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def _downsample(values: Sequence[float], points: int) -> list[float]:
    """At most ``points`` means of consecutive runs of ``values`` (a readable loss curve)."""
    y = np.asarray(values, dtype=np.float64)
    y = y[np.isfinite(y)]
    if len(y) <= points:
        return y.tolist()
    edges = np.linspace(0, len(y), points + 1).astype(np.int64)
    sums = np.add.reduceat(y, edges[:-1])
    return (sums / np.diff(edges)).tolist()


def _build_report(model: Word2Vec | None, report: Mapping[str, Any] | None) -> dict | None:
    """What the Report tab shows: ``training`` (the metrics written by ``train``, or what a
    saved model itself knows), ``loss_curve`` (the model's logged losses, downsampled) and
    ``evaluation`` (``evaluate --save``); None when there is none of them."""
    report = report or {}
    training = report.get("metrics")
    if training is None and model is not None and model.epoch_losses:
        training = {
            "vocab_size": len(model.vocab),
            "epoch_losses": list(model.epoch_losses),
            "final_loss": model.epoch_losses[-1],
            "hyperparameters": model.config.in_use(),
        }
    curve = None
    if model is not None and len(model.loss_history) > 1:
        curve = _downsample(model.loss_history, LOSS_CURVE_POINTS)
    evaluation = report.get("evaluation")
    if training is None and evaluation is None and curve is None:
        return None
    return _jsonable({"training": training, "loss_curve": curve, "evaluation": evaluation})


def _have_sklearn() -> bool:
    """Whether scikit-learn (for t-SNE) is installed; looked up without importing it."""
    return importlib.util.find_spec("sklearn") is not None

"""The model: the input vectors ``W_in``, the output layers, and the block SGD step.

Notation (Mikolov et al. 2013): v_w is row w of ``W_in`` (the "input" vector, the one users
query), v'_w a row of an output layer's matrix (``W_out`` for negative sampling, ``W_nodes``
for the inner nodes of hierarchical softmax),
sigma(x) = 1 / (1 + e^-x). Read ``reference.py`` first: the same updates, one pair at a time.

Skip-gram predicts each context word w_O from the centre's vector h = v_{w_I}; CBOW predicts
the centre word w_O from the mean of the context's input vectors, h = (1/|C|) sum_{c in C} v_c,
so dL/dv_c = (1/|C|) dL/dh. Like the C tool (and gensim with ``cbow_mean=1``) the CBOW update
adds the whole of -lr * dL/dh to every context word, i.e. |C| times the exact gradient
(``cbow_exact_grad=True`` applies the exact one instead). With ``cbow_mean=0``, h is the
sum h = sum_{c in C} v_c, and dL/dv_c = dL/dh is the exact gradient, as in the C tool and
gensim. What is predicted and how is the loss's business: ``negative_sampling.py`` has the
formulas of negative sampling.

Batching ("HogBatch", Ji et al. 2016, arXiv:1604.04661). Positions are taken in blocks of
T consecutive words. For block b, the rows of the score matrix are the T centre words and the
columns are every word within ``window`` of them (T + 2*window columns); all their dot products
are one matrix product S = H @ O^T (H: T x d centre vectors, O: (T+2w) x d output vectors of
the columns), and a 0/1 mask M (the reduced window, same sentence, not the word itself) selects
the (centre, context) pairs. The gradients are matrix products too (dL/dH = E @ O,
dL/dO = E^T @ H, with E the matrix of dL/dS), and they are added back into the rows with a
scatter-add, so a word that occurs several times in a batch gets the sum of all its
gradients: each pair keeps its own learning rate, as in plain SGD.

One exception: when one word fills much of a batch (tiny or repetitive text), the sum of its
many nearly equal updates, applied at once, overshoots where plain SGD, taking them one
after the other, would not; such a word's step is cut to half a Newton step along it
(``ops.bound_steps``). Real text's batches are rarely crowded (``_crowded``: 0.4% of the
shared corpus's, its repetitive stretches); the others run the plain sum, bit for bit.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..config import TrainConfig
from ..data.vocab import Vocabulary
from ..errors import ConfigError, Word2VecError
from ..formats.npz import decode_words, encode_words, read_arrays, write_arrays
from ..formats.word2vec_format import save_word2vec_format
from ..vectors.keyed import KeyedVectors, top_n_indices
from .batching import Batch
from .loss import Loss
from .losses import LOSSES
from .ops import Curvature, bound_steps, scatter_add

# Options fixed when the matrices are made: a trainer may not change them afterwards.
ARCHITECTURE = ("model", "dim", "neg", "hs", "cbow_exact_grad")
STEP_LIMIT = 0.5  # ops.bound_steps: each side of an example at most half a Newton step


class Word2Vec:
    """Word vectors ``W_in`` (V x d) and the output layers' matrices, with the SGD step.

    ``W_in`` starts uniform in [-0.5/d, 0.5/d] and every output matrix at zero, as in the C
    tool. ``train_batch`` does one SGD step on a ``Batch``; ``Trainer`` makes the batches. ``wv``
    is the :class:`KeyedVectors` view of the word vectors, for queries.

    Parameters
    ----------
    vocab : Vocabulary
        The words to learn vectors for (V of them, in id order).
    config : TrainConfig or int, optional
        The options; an ``int`` is the dimension (``Word2Vec(vocab, 100)``). By default
        :class:`TrainConfig`'s defaults, changed by ``options``.
    dtype : type, default numpy.float32
        The dtype of ``W_in`` and of the output matrices.
    rng : numpy.random.Generator, optional
        Draws the initial ``W_in``; by default ``numpy.random.default_rng(seed)``.
    **options
        :class:`TrainConfig` options by keyword, such as ``dim=100, neg=5, model="cbow"``;
        gensim's names are accepted too (``vector_size``, ``negative``, ...). A ``seed`` that
        is a ``numpy.random.Generator`` is used as ``rng``.

    Raises
    ------
    ConfigError
        An option with a bad value (a :class:`Word2VecError` and a ``ValueError``), or a
        ``min_count`` that the vocabulary, already built, does not meet.
    Word2VecError
        An empty vocabulary.
    TypeError
        An unknown option.
    """

    def __init__(
        self,
        vocab: Vocabulary,
        config: TrainConfig | int | None = None,
        *,
        dtype: type = np.float32,
        rng: np.random.Generator | None = None,
        **options: Any,
    ) -> None:
        if isinstance(config, (int, np.integer)):  # Word2Vec(vocab, 100): the dimension, as before
            config, options = None, dict(options, dim=int(config))  # type: ignore[call-overload]
        if isinstance(options.get("seed"), np.random.Generator):
            rng = options.pop("seed")
        self.vocab = vocab
        self.config = TrainConfig.from_options(config, **options)
        if not len(vocab):
            raise Word2VecError("the vocabulary is empty: no word to learn a vector for")
        if "min_count" in options and len(vocab.counts):
            # min_count chooses the words when a vocabulary is built; this one is built
            rare = int(np.count_nonzero(np.asarray(vocab.counts) < self.config.min_count))
            if rare:
                raise ConfigError(
                    f"min_count={self.config.min_count} would drop {rare:,} of the "
                    f"vocabulary's {len(vocab):,} words, but it is already built: build it "
                    f"with min_count={self.config.min_count}"
                )
        if rng is None:
            rng = np.random.default_rng(self.config.seed)
        V, d = len(vocab), self.config.dim
        self.W_in: np.ndarray = ((rng.random((V, d), dtype=np.float32) - 0.5) / d).astype(dtype)
        self.losses = self._make_losses()
        for loss in self.losses:
            setattr(self, loss.matrix, np.zeros((loss.rows(V), d), dtype=dtype))
        self._reset_history()

    def _make_losses(self) -> list[Loss]:
        losses = [
            cls(self.vocab, self.config) for cls in LOSSES.values() if cls.enabled(self.config)
        ]
        if not losses:
            raise Word2VecError(
                "no output layer: ask for negative sampling (--neg) or hierarchical softmax "
                "(--hs 1)"
            )
        return losses

    def _reset_history(self) -> None:
        self.training_state: dict = {}
        self.loss_history: list[float] = []
        self.history_epochs: list[int] = []
        self.epoch_losses: list[float] = []
        self._wv: KeyedVectors | None = None

    @classmethod
    def from_arrays(
        cls,
        vocab: Vocabulary | None,
        W_in: np.ndarray,
        outputs: dict[str, np.ndarray],
        config: TrainConfig,
    ) -> Word2Vec:
        """A model around existing matrices.

        For loading, and for worker processes, whose matrices live in shared memory.

        Parameters
        ----------
        vocab : Vocabulary or None
            The vocabulary; None where no loss needs it (workers get the losses' tables from the
            parent), and the model then has no losses.
        W_in : numpy.ndarray
            The input vectors (V x d), used as they are (not copied).
        outputs : dict of str to numpy.ndarray
            The output matrices by name (``W_out``, ``W_nodes``), set as attributes of the model.
        config : TrainConfig
            The model's options.

        Returns
        -------
        Word2Vec
            The model, with an empty training history.
        """
        self = cls.__new__(cls)
        self.vocab, self.config, self.W_in = vocab, config, W_in  # type: ignore[assignment]
        self.losses = self._make_losses() if vocab is not None else []
        for name, matrix in outputs.items():
            setattr(self, name, matrix)
        self._reset_history()
        return self

    def set_config(self, config: TrainConfig) -> None:
        """Use ``config`` from now on (a trainer's options).

        Parameters
        ----------
        config : TrainConfig
            The new options; the losses are made again from it.

        Raises
        ------
        Word2VecError
            If ``config`` changes an option that shaped the matrices (``ARCHITECTURE``: ``model``,
            ``dim``, ``neg``, ``hs``, ``cbow_exact_grad``).
        """
        for key in ARCHITECTURE:
            if getattr(config, key) != getattr(self.config, key):
                raise Word2VecError(
                    f"{key} is fixed when the model is made ({getattr(self.config, key)}); "
                    "make a new Word2Vec to change it"
                )
        self.config = config
        self.losses = self._make_losses()

    # -- what the model holds ----------------------------------------------------------------
    @property
    def model(self) -> str:
        """The architecture: ``"skipgram"`` or ``"cbow"``."""
        return self.config.model

    @property
    def embed_dim(self) -> int:
        """The dimension d of the vectors (``config.dim``)."""
        return self.config.dim

    @property
    def n_negatives(self) -> int:
        """The negatives per example (``config.neg``; 0 without negative sampling)."""
        return self.config.neg

    def matrices(self) -> dict[str, np.ndarray]:
        """Every trained matrix by name.

        Returns
        -------
        dict of str to numpy.ndarray
            ``W_in`` and each loss's output matrix (the arrays themselves, not copies).
        """
        out = {"W_in": self.W_in}
        for loss in self.losses:
            out[loss.matrix] = getattr(self, loss.matrix)
        return out

    def output_names(self) -> list[str]:
        """The names of the output matrices.

        Returns
        -------
        list of str
            One name per loss: ``W_out`` for negative sampling, ``W_nodes`` for hierarchical
            softmax.
        """
        return [loss.matrix for loss in self.losses]

    # -- one SGD step -----------------------------------------------------------------------
    def train_batch(self, batch: Batch, lr: float) -> tuple[float, int]:
        """One SGD step of size ``lr`` on ``batch``.

        Weights that blow up show as a non-finite loss (the trainer stops on it) rather than as
        warnings.

        Parameters
        ----------
        batch : Batch
            The block of centre words, their columns and pair mask (``batching.py``).
        lr : float
            The learning rate of the step.

        Returns
        -------
        loss : float
            The loss summed over the batch's examples, at the weights before the step.
        pairs : int
            The number of examples: (centre, context) pairs for skip-gram; for CBOW, centre words
            with a non-empty context.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            if self.config.model == "skipgram":
                return self._train_sgns(batch, lr)
            return self._train_cbow(batch, lr)

    def _apply_losses(
        self, H: np.ndarray, call, bound: bool
    ) -> tuple[float, np.ndarray, list, list]:
        """Each loss's terms at the current weights: summed loss, summed dL/dH (with each
        loss's curvature of it when ``bound``), and the (matrix, ids, grads, curvature)
        updates, applied only once every loss has been computed (``loss.py``)."""
        loss, gH, curv_H, updates = 0.0, None, [], []
        for layer in self.losses:
            W = getattr(self, layer.matrix)
            extra = {"curvature": True} if bound and layer.gives_curvature else {}
            part, g, ids, grads, *curvature = call(layer, W, H, extra)
            loss += part
            gH = g if gH is None else gH + g
            curv_H.append(curvature[0] if curvature else None)
            updates.append((W, ids, grads, curvature[1] if curvature else None))
        assert gH is not None  # a model has at least one loss (TrainConfig checks it)
        return loss, gH, curv_H, updates

    def _update(self, W: np.ndarray, ids: np.ndarray, grads, curvature, lr: float) -> None:
        """W[ids] -= lr * grads (repeated ids summed), no row's step overshooting
        (``ops.bound_steps``; not for a loss that does not give its curvature)."""
        if curvature is not None:
            grads = bound_steps(ids, grads, curvature, lr, STEP_LIMIT)
        scatter_add(W, ids, W.dtype.type(-lr) * grads)

    def _train_sgns(self, batch: Batch, lr: float) -> tuple[float, int]:
        H = self.W_in[batch.rows]
        loss, gH, curv_H, updates = self._apply_losses(
            H,
            lambda layer, W, H, extra: layer.skipgram(W, H, batch, **extra),
            self.config.bounds_every_step or _crowded(batch),
        )
        self._update(self.W_in, batch.rows, gH, _one(curv_H), lr)
        for W, ids, grads, curvature in updates:
            self._update(W, ids, grads, curvature, lr)
        return loss, batch.n_pairs

    def _train_cbow(self, batch: Batch, lr: float) -> tuple[float, int]:
        M = batch.pair_mask.astype(self.W_in.dtype, copy=False)
        n_ctx = M.sum(axis=2, keepdims=True)  # |C| of each centre
        valid = (n_ctx[..., 0] > 0).astype(M.dtype)
        # h_t = sum_c A_tc v_c: the context mean (cbow_mean=1) or the sum (cbow_mean=0)
        A = M / np.maximum(n_ctx, 1.0) if self.config.cbow_mean else M
        H = A @ self.W_in[batch.span]
        loss, gH, curv_H, updates = self._apply_losses(
            H,
            lambda layer, W, H, extra: layer.cbow(W, H, batch, valid, **extra),
            _crowded(batch),
        )
        # dL/dv_c = sum_t A_tc dL/dh_t (exact); for the mean the C tool adds dL/dh_t whole
        # (M instead of A; for the sum A is M)
        B = A if self.config.cbow_exact_grad else M
        curv_X = _one(curv_H)
        if curv_X is not None:
            # A step dv of word w's vector moves h_t by alpha_tw dv (alpha_tw: w's share of
            # t's context); w's step adds B_tc dL/dh_t from each column c holding w, so the
            # examples of centre t reach column c weighted by B_tc alpha_tc.
            same = (batch.span[:, :, None] == batch.span[:, None, :]).astype(A.dtype)
            nb, T = batch.rows.shape
            rows = np.arange(nb * T).reshape(nb, T)
            curv_X = curv_X.combined(B * (A @ same), rows)
        self._update(self.W_in, batch.span, B.transpose(0, 2, 1) @ gH, curv_X, lr)
        for W, ids, grads, curvature in updates:
            self._update(W, ids, grads, curvature, lr)
        return loss, int(valid.sum())

    def batch_loss(self, batch: Batch) -> float:
        """The loss of ``batch`` at the current weights (no update).

        It is the function whose gradient ``train_batch`` follows (for CBOW with
        ``cbow_exact_grad`` or ``cbow_mean=0``).

        Parameters
        ----------
        batch : Batch
            The batch to score.

        Returns
        -------
        float
            The loss summed over the batch's examples.
        """
        loss, _ = self.train_batch(batch, 0.0)  # a step of size 0 adds zeros
        return loss

    # -- a larger vocabulary (continued training) -------------------------------------------
    def grow(self, vocab: Vocabulary, rng: np.random.Generator | None = None) -> None:
        """Take a larger vocabulary that holds every word of the current one (continued training).

        Each known word's rows move to its new id unchanged; a new word's ``W_in`` row is drawn as
        at the start (uniform in [-0.5/d, 0.5/d]) and its output rows start at zero
        (``Loss.grown``). The losses are made again from the merged counts (the noise table of
        negative sampling); the trainer that follows rebuilds the subsampling probabilities. The
        training history stays until the next run replaces it.

        Parameters
        ----------
        vocab : Vocabulary
            The new vocabulary, usually from ``Vocabulary.updated`` (merged counts, new words,
            sorted again).
        rng : numpy.random.Generator, optional
            Draws the new words' ``W_in`` rows; by default seeded with ``seed`` and the two
            vocabulary sizes.

        Raises
        ------
        Word2VecError
            If ``vocab`` lacks a word of the model.
        """
        missing = [w for w in self.vocab.words if w not in vocab.word_to_id]
        if missing:
            raise Word2VecError(
                f"the new vocabulary lacks {len(missing)} words of the model (e.g. {missing[0]!r})"
            )
        old_ids = np.fromiter(
            (vocab.word_to_id[w] for w in self.vocab.words), dtype=np.int64, count=len(self.vocab)
        )
        V, d = len(vocab), self.config.dim
        is_new = np.ones(V, dtype=bool)
        is_new[old_ids] = False
        if rng is None:
            rng = np.random.default_rng([self.config.seed, len(self.vocab), V])
        W_in = np.empty((V, d), dtype=self.W_in.dtype)
        W_in[old_ids] = self.W_in
        fresh = (rng.random((int(is_new.sum()), d), dtype=np.float32) - 0.5) / d
        W_in[is_new] = fresh.astype(self.W_in.dtype)
        outputs = {
            loss.matrix: loss.grown(getattr(self, loss.matrix), old_ids, V) for loss in self.losses
        }
        self.vocab, self.W_in = vocab, W_in
        for name, matrix in outputs.items():
            setattr(self, name, matrix)
        self.losses = self._make_losses()
        self._follow_matrices()

    def predict_output_word(
        self, context_words: Sequence[str | int] | str, topn: int = 10
    ) -> list[tuple[str, float]] | None:
        """The most probable centre words given context words, as gensim's ``predict_output_word``.

        h is the mean (``cbow_mean=1``) or the sum of the known context words' input vectors, and
        P(w | context) = softmax_w(v'_w . h) over the whole vocabulary, from negative sampling's
        ``W_out`` (the full softmax that negative sampling approximates).

        Parameters
        ----------
        context_words : str or sequence of str or int
            A word, or the context words; a word may also be given by its id. Unknown words are
            skipped.
        topn : int, default 10
            How many words to return.

        Returns
        -------
        list of (str, float) or None
            ``[(word, probability), ...]``, most probable first; None when no context word is
            known.

        Raises
        ------
        Word2VecError
            If the model has no ``W_out`` (negative sampling was off).
        """
        W_out = getattr(self, "W_out", None)
        if W_out is None:
            raise Word2VecError("predict_output_word needs negative sampling's W_out (--neg)")
        words = [context_words] if isinstance(context_words, str) else list(context_words)
        V, index = len(self.vocab), self.vocab.word_to_id
        ids = [
            int(w) if isinstance(w, (int, np.integer)) else index[w]
            for w in words
            if (isinstance(w, (int, np.integer)) and 0 <= w < V) or w in index
        ]
        if not ids:
            return None
        h = self.W_in[ids].sum(axis=0, dtype=np.float64)
        if self.config.cbow_mean:
            h /= len(ids)
        scores = W_out.astype(np.float64) @ h
        p = np.exp(scores - scores.max())  # softmax, shifted so that no exp overflows
        p /= p.sum()
        top = top_n_indices(p, topn)
        return [(self.vocab.words[i], float(p[i])) for i in top]

    # -- queries: the KeyedVectors of W_in --------------------------------------------------
    @property
    def wv(self) -> KeyedVectors:
        """The word vectors as a :class:`KeyedVectors` (sharing ``W_in``, not a copy).

        Its cached unit vectors are refreshed when a trainer finishes (``vectors_changed``).
        """
        if self._wv is None:
            self._wv = KeyedVectors(self.vocab.words, self.W_in, counts=self.vocab.counts)
        self._follow_matrices()
        return self._wv

    def _follow_matrices(self) -> None:
        """New matrices (a grown vocabulary): the query object, if made, takes them, so that a
        ``wv`` taken before the update sees the new words, as gensim's does."""
        if self._wv is not None and self._wv.vectors is not self.W_in:
            KeyedVectors.__init__(self._wv, self.vocab.words, self.W_in, counts=self.vocab.counts)

    def vectors_changed(self) -> None:
        """Tell the query object that ``W_in`` changed in place (a trainer calls it)."""
        if self._wv is not None:
            self._wv.vectors_changed()

    def __contains__(self, word: object) -> bool:
        return word in self.vocab.word_to_id

    def most_similar(
        self, *args: Any, top_n: int | None = None, **kwargs: Any
    ) -> list[tuple[str, float]] | np.ndarray:
        """``wv.most_similar``: the words nearest to a query (:meth:`KeyedVectors.most_similar`).

        Parameters
        ----------
        *args, **kwargs
            The arguments of :meth:`KeyedVectors.most_similar`.
        top_n : int, optional
            This class's old spelling of ``topn``.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``[(word, cosine), ...]`` best first, or all the cosines with ``topn=None``.
        """
        return self.wv.most_similar(*args, **_topn(top_n, kwargs))

    def most_similar_batch(self, *args: Any, top_n: int | None = None, **kwargs: Any) -> list:
        """``wv.most_similar_batch``: nearest words of many words at once.

        Parameters
        ----------
        *args, **kwargs
            The arguments of :meth:`KeyedVectors.most_similar_batch`.
        top_n : int, optional
            This class's old spelling of ``topn``.

        Returns
        -------
        list of list of (str, float)
            One ``[(word, cosine), ...]`` list per query word.
        """
        return self.wv.most_similar_batch(*args, **_topn(top_n, kwargs))

    def analogy(
        self, *args: Any, top_n: int | None = None, **kwargs: Any
    ) -> list[tuple[str, float]] | np.ndarray:
        """``wv.analogy``: the words nearest to a - b + c.

        Parameters
        ----------
        *args, **kwargs
            The arguments of :meth:`KeyedVectors.analogy`.
        top_n : int, optional
            This class's old spelling of ``topn``.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``[(word, score), ...]`` best first, or all the scores with ``topn=None``.
        """
        return self.wv.analogy(*args, **_topn(top_n, kwargs))

    def similarity(self, w1: str, w2: str) -> float:
        """``wv.similarity``: the cosine of two words.

        Parameters
        ----------
        w1, w2 : str
            The two words.

        Returns
        -------
        float
            Their cosine similarity.
        """
        return self.wv.similarity(w1, w2)

    def vector(self, word: str) -> np.ndarray:
        """A copy of the input vector of ``word``.

        Parameters
        ----------
        word : str
            A word of the vocabulary.

        Returns
        -------
        numpy.ndarray
            Its row of ``W_in``, as a new float32 array of length d.

        Raises
        ------
        UnknownWordError
            If ``word`` is not in the vocabulary (a ``KeyError``).
        """
        return np.array(self.wv[word], dtype=np.float32)

    # -- files --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, extra_state: dict | None = None) -> str:
        """Write the model, its training state and ``extra_state`` to an ``.npz`` file.

        Never pickles.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (``.npz`` added if missing).
        extra_state : dict, optional
            JSON-able entries added to the saved training state.

        Returns
        -------
        str
            The name of the file written.
        """
        blob, offsets = encode_words(self.vocab.words)
        meta = {
            "model": self.config.model,
            "embed_dim": self.config.dim,
            "n_negatives": self.config.neg,
            "cbow_exact_grad": self.config.cbow_exact_grad,
            "min_count": self.vocab.min_count,
            "config": self.config.to_dict(),
            "losses": [loss.name for loss in self.losses],
            "training_state": dict(self.training_state, **(extra_state or {})),
        }
        arrays = dict(self.matrices())
        arrays.update(
            words_utf8=blob,
            word_offsets=offsets,
            counts=self.vocab.counts.astype(np.int64),
            loss_history=np.asarray(self.loss_history, dtype=np.float64),
            history_epochs=np.asarray(self.history_epochs, dtype=np.int64),
            epoch_losses=np.asarray(self.epoch_losses, dtype=np.float64),
        )
        return write_arrays(path, arrays, meta)

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: str | None = None) -> Word2Vec:
        """Read a model written by ``save`` (also by earlier versions).

        Never unpickles, and every array is checked against the vocabulary before it is used.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.npz`` file.
        mmap : {None, "r", "c"}, optional
            ``"r"`` (or ``"c"``: copy on write) maps the matrices from the file instead of reading
            them; they are then not scanned for NaN at load time.

        Returns
        -------
        Word2Vec
            The model, with its training state and history.

        Raises
        ------
        Word2VecError
            If the file is corrupted, its arrays have inconsistent shapes or types, or (when read)
            it holds NaN or infinite values.
        """
        arrays, meta = read_arrays(
            path,
            required=("format_version", "W_in", "words_utf8", "word_offsets", "counts"),
            mmap_mode=mmap,
        )
        try:
            config = _saved_config(meta)
            words = decode_words(arrays["words_utf8"], arrays["word_offsets"])
            W_in, counts = arrays["W_in"], arrays["counts"]
            vocab = Vocabulary.from_words(words, counts, min_count=int(meta.get("min_count", 1)))
            model = cls.from_arrays(vocab, W_in, {}, config)
            V = len(words)
            ok = (
                W_in.ndim == 2
                and W_in.shape == (V, config.dim)
                and counts.shape == (V,)
                and W_in.dtype.kind == "f"
                and counts.dtype.kind in "iu"
            )
            for loss in model.losses:
                W = arrays.get(loss.matrix)
                ok = ok and W is not None and W.shape == (loss.rows(V), config.dim)
                ok = ok and W is not None and W.dtype == W_in.dtype
            if not ok:
                raise Word2VecError(f"{path}: arrays have inconsistent shapes or types")
            matrices = [W_in] + [arrays[loss.matrix] for loss in model.losses]
            if mmap is None and not all(np.isfinite(W).all() for W in matrices):
                raise Word2VecError(f"{path}: the model holds NaN or infinite values")
        except Word2VecError:
            raise
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, AttributeError) as exc:
            raise Word2VecError(f"{path} is corrupted ({type(exc).__name__}: {exc})") from None
        keep = (lambda a: a) if mmap else np.ascontiguousarray
        model.W_in = keep(W_in)
        for loss in model.losses:
            setattr(model, loss.matrix, keep(arrays[loss.matrix]))
        model.training_state = meta.get("training_state", {})
        model.loss_history = arrays.get("loss_history", np.zeros(0)).tolist()
        model.history_epochs = arrays.get("history_epochs", np.zeros(0, np.int64)).tolist()
        model.epoch_losses = arrays.get("epoch_losses", np.zeros(0)).tolist()
        return model

    def save_word2vec_format(self, path: str, binary: bool = False, which: str = "in") -> None:
        """Write the vectors in the word2vec C tool's text or binary format.

        gensim reads them with ``KeyedVectors.load_word2vec_format``.

        Parameters
        ----------
        path : str
            The file to write.
        binary : bool, default False
            The binary format instead of the text one.
        which : {"in", "out", "sum"}, default "in"
            Which vectors: ``W_in``, ``W_out`` or their sum.

        Raises
        ------
        Word2VecError
            If ``which`` is not one of these, or asks for ``W_out`` when the model has none
            (negative sampling was off).
        """
        if which not in ("in", "out", "sum"):
            raise Word2VecError(f"which must be 'in', 'out' or 'sum', not {which!r}")
        W_out = getattr(self, "W_out", None)
        if which != "in" and W_out is None:
            raise Word2VecError(
                "the model has no word output vectors (W_out: negative sampling was off; "
                "hierarchical softmax has vectors of tree nodes, not of words); use which='in'"
            )
        vectors = {"in": self.W_in, "out": W_out}.get(which)
        if which == "sum":
            vectors = self.W_in + W_out
        if vectors is None:
            raise Word2VecError(f"which must be 'in', 'out' or 'sum', not {which!r}")
        save_word2vec_format(path, self.vocab.words, vectors, binary=binary)


def _crowded(batch: Batch) -> bool:
    """Whether one word fills much of the batch: more than 1/16 of its centre rows (and more
    than 16). On real text the most frequent word, after subsampling, fills 1-2%; summing
    its updates is then plain SGD, and steps are not bounded (nor their curvature computed).
    Tiny or repetitive text crowds every batch (``ops.bound_steps``)."""
    rows = np.sort(batch.rows.reshape(-1))  # not a bincount: that spans the vocabulary
    limit = max(16, len(rows) // 16)
    # more than `limit` rows of one word: a sorted row equal to the one `limit` places on
    return len(rows) > limit and bool(np.any(rows[limit:] == rows[:-limit]))


def _one(curvatures: list) -> Curvature | None:
    """The curvature of dL/dH when one loss gives it (with several losses, or one that does
    not, steps are not bounded)."""
    return curvatures[0] if len(curvatures) == 1 else None


def _topn(top_n: int | None, kwargs: dict) -> dict:
    """Keyword arguments for a KeyedVectors query: ``top_n`` (this class's old spelling) as
    gensim's ``topn``."""
    if top_n is not None:
        kwargs["topn"] = top_n
    return kwargs


def _saved_config(meta: dict) -> TrainConfig:
    """The config of a saved model; files written before ``config`` was stored keep their
    options in the meta fields and the training state's ``hyperparameters``."""
    if isinstance(meta.get("config"), dict):
        return TrainConfig.from_dict(meta["config"])
    if meta.get("model") not in ("skipgram", "cbow"):
        raise ValueError(f"unknown model {meta.get('model')!r}")
    hp = dict(meta.get("training_state", {}).get("hyperparameters", {}))
    hp.pop("workers", None)
    hp.update(
        model=meta["model"],
        dim=int(meta["embed_dim"]),
        neg=int(meta["n_negatives"]),
        cbow_exact_grad=bool(meta.get("cbow_exact_grad", False)),
        min_count=int(meta.get("min_count", hp.get("min_count", 5)) or 5),
    )
    return TrainConfig.from_dict(hp)

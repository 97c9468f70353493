"""The model: two embedding matrices and the SGNS / CBOW losses with hand-derived gradients.

Notation (Mikolov et al. 2013): v_w is row w of ``W_in`` (the "input" vector, the one users
query), v'_w is row w of ``W_out`` (the "output" vector), sigma(x) = 1 / (1 + e^-x), and
P_n(w) is the unigram^0.75 noise distribution.

Skip-gram with negative sampling (SGNS), for a centre word w_I and a context word w_O with
negatives w_1..w_k drawn from P_n:

    L = -log sigma(v'_{w_O} . v_{w_I}) - sum_i log sigma(-v'_{w_i} . v_{w_I})

    dL/dv_{w_I}   = (sigma(v'_{w_O}.v_{w_I}) - 1) v'_{w_O} + sum_i sigma(v'_{w_i}.v_{w_I}) v'_{w_i}
    dL/dv'_{w_O}  = (sigma(v'_{w_O}.v_{w_I}) - 1) v_{w_I}
    dL/dv'_{w_i}  =  sigma(v'_{w_i}.v_{w_I}) v_{w_I}

CBOW replaces v_{w_I} by the mean of the context's input vectors,
h = (1/|C|) sum_{c in C} v_c, and predicts the centre word w_O from it with the same loss;
then dL/dv_c = (1/|C|) dL/dh. Like the C tool (and gensim with ``cbow_mean=1``) the update
adds the whole of -lr * dL/dh to every context word, i.e. |C| times the exact gradient
(``cbow_exact_grad=True`` applies the exact one instead).

Batching ("HogBatch", Ji et al. 2016, arXiv:1604.04661). Positions are taken in blocks of
T consecutive words. For block b, the rows of the score matrix are the T centre words and the
columns are every word within ``window`` of them (T + 2*window columns); all their dot products
are one matrix product S = H @ O^T (H: T x d centre vectors, O: (T+2w) x d context vectors),
and a 0/1 mask M (the reduced window, same sentence, not the word itself) selects the
(centre, context) pairs. Negatives are shared too: the centre rows of a batch are split into
groups of G rows spread over the batch, and each group is scored against K negatives with
one product S' = H_g @ U^T. A centre word with n pairs owes n*k negative terms; it gets them
as K shared negatives weighted by n*k/K, which has the same expectation as drawing k
negatives per pair. The gradients are matrix products too (dL/dH = E @ O + E' @ U,
dL/dO = E^T @ H, dL/dU = E'^T @ H_g, with E, E' the matrices of dL/dS, dL/dS'), and they are
added back into the rows with a scatter-add, so a word that occurs several times in a batch
gets the sum of all its gradients: each pair keeps its own learning rate, as in plain SGD.
"""

from __future__ import annotations

import numpy as np

from ..data.vocab import Vocabulary
from ..vectors.keyed import QueryMixin
from .batching import Batch
from .negative_sampling import _negative_step, cbow_positive_grads, positive_grads
from .ops import scatter_add


class Word2Vec(QueryMixin):
    """Word vectors: ``W_in`` (V x d, the embeddings) and ``W_out`` (V x d, the output weights).

    ``W_in`` starts uniform in [-0.5/d, 0.5/d] and ``W_out`` at zero, as in the C tool.
    ``model`` is "skipgram" or "cbow"; ``n_negatives`` is k, the negatives per positive
    example. ``train_batch`` does one SGD step on a ``Batch``; ``Trainer`` makes the batches.
    """

    def __init__(
        self,
        vocab: Vocabulary,
        embed_dim: int = 100,
        n_negatives: int = 5,
        model: str = "skipgram",
        seed: int | np.random.Generator = 0,
        dtype: type = np.float32,
        cbow_exact_grad: bool = False,
    ) -> None:
        if model not in ("skipgram", "cbow"):
            raise ValueError(f"model must be 'skipgram' or 'cbow', not {model!r}")
        if embed_dim < 1 or n_negatives < 1:
            raise ValueError("embed_dim and n_negatives must be >= 1")
        self.vocab = vocab
        self.embed_dim = int(embed_dim)
        self.n_negatives = int(n_negatives)
        self.model = model
        self.cbow_exact_grad = bool(cbow_exact_grad)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        V, d = len(vocab), self.embed_dim
        self.W_in = ((rng.random((V, d), dtype=np.float32) - 0.5) / d).astype(dtype)
        self.W_out = np.zeros((V, d), dtype=dtype)
        self.training_state: dict = {}
        self.loss_history: list[float] = []
        self.history_epochs: list[int] = []
        self.epoch_losses: list[float] = []
        self.invalidate_cache()

    @classmethod
    def from_vectors(
        cls, words: list[str], vectors: np.ndarray, counts: np.ndarray | None = None
    ) -> Word2Vec:
        """A query-only model from words and vectors (e.g. a word2vec-format file); counts
        default to a decreasing sequence that keeps the file's order."""
        if counts is None:
            counts = np.arange(len(words), 0, -1, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return cls.from_arrays(
            Vocabulary.from_words(words, counts), vectors, np.zeros_like(vectors)
        )

    @classmethod
    def from_arrays(
        cls,
        vocab: Vocabulary | None,
        W_in: np.ndarray,
        W_out: np.ndarray,
        model: str = "skipgram",
        n_negatives: int = 5,
        cbow_exact_grad: bool = False,
    ) -> Word2Vec:
        """A model around existing matrices (used when loading, and by worker processes,
        whose matrices live in shared memory)."""
        self = cls.__new__(cls)
        self.vocab = vocab
        self.embed_dim = int(W_in.shape[1])
        self.n_negatives = int(n_negatives)
        self.model = model
        self.cbow_exact_grad = bool(cbow_exact_grad)
        self.W_in, self.W_out = W_in, W_out
        self.training_state = {}
        self.loss_history = []
        self.history_epochs = []
        self.epoch_losses = []
        self.invalidate_cache()
        return self

    # -- one SGD step -----------------------------------------------------------------------
    def train_batch(self, batch: Batch, lr: float) -> tuple[float, int]:
        """One SGD step of size ``lr`` on ``batch``; returns (summed loss, number of pairs).

        For CBOW, "pairs" are centre words with a non-empty context. Weights that blow up
        show as a non-finite loss (the trainer stops on it) rather than as warnings."""
        with np.errstate(over="ignore", invalid="ignore"):
            if self.model == "skipgram":
                return self._train_sgns(batch, lr)
            return self._train_cbow(batch, lr)

    def _train_sgns(self, batch: Batch, lr: float) -> tuple[float, int]:
        H = self.W_in[batch.rows]
        O = self.W_out[batch.span]
        U = self.W_out[batch.neg]
        M = batch.pair_mask.astype(H.dtype, copy=False)
        loss_pos, gH, gO = positive_grads(H, O, M)
        loss_neg, gH_neg, gU = _negative_step(H, U, batch)
        loss, gH = loss_pos + loss_neg, gH + gH_neg
        step = H.dtype.type(-lr)
        scatter_add(self.W_in, batch.rows, step * gH)
        out_ids = np.concatenate([batch.span.ravel(), batch.neg.ravel()])
        out_grads = np.concatenate([gO.reshape(-1, gO.shape[-1]), gU.reshape(-1, gU.shape[-1])])
        scatter_add(self.W_out, out_ids, step * out_grads)
        self.invalidate_cache()
        return loss, batch.n_pairs

    def _train_cbow(self, batch: Batch, lr: float) -> tuple[float, int]:
        M = batch.pair_mask.astype(self.W_in.dtype, copy=False)
        n_ctx = M.sum(axis=2, keepdims=True)  # |C| of each centre
        valid = (n_ctx[..., 0] > 0).astype(M.dtype)
        A = M / np.maximum(n_ctx, 1.0)  # h_t = sum_c A_tc v_c, the context mean
        X = self.W_in[batch.span]
        H = A @ X
        Uo = self.W_out[batch.rows]
        U = self.W_out[batch.neg]
        loss_pos, gH, gUo = cbow_positive_grads(H, Uo, valid)
        loss_neg, gH_neg, gU = _negative_step(H, U, batch)
        loss, gH = loss_pos + loss_neg, gH + gH_neg
        # dL/dv_c = sum_t A_tc dL/dh_t (exact); the C tool adds dL/dh_t whole (M instead of A)
        gX = (A if self.cbow_exact_grad else M).transpose(0, 2, 1) @ gH
        step = H.dtype.type(-lr)
        scatter_add(self.W_in, batch.span, step * gX)
        out_ids = np.concatenate([batch.rows.ravel(), batch.neg.ravel()])
        out_grads = np.concatenate([gUo.reshape(-1, gUo.shape[-1]), gU.reshape(-1, gU.shape[-1])])
        scatter_add(self.W_out, out_ids, step * out_grads)
        self.invalidate_cache()
        return loss, int(valid.sum())

    def batch_loss(self, batch: Batch) -> float:
        """The loss of ``batch`` at the current weights (no update): the function whose
        gradient ``train_batch`` follows (for CBOW with ``cbow_exact_grad``)."""
        loss, _ = self.train_batch(batch, 0.0)  # a step of size 0 adds zeros
        return loss

    # -- persistence (io.py does the work) ------------------------------------------------------
    def save(self, path: str) -> str:
        """Write the model to ``path`` (``.npz`` added if missing); returns the file name."""
        from ..formats.npz import save_model

        return save_model(self, path)

    @classmethod
    def load(cls, path: str) -> Word2Vec:
        """Read a model written by ``save`` (never unpickles)."""
        from ..formats.npz import load_model

        return load_model(path)

    def save_word2vec_format(self, path: str, binary: bool = False, which: str = "in") -> None:
        """Write the vectors in the word2vec C tool's text or binary format (gensim reads
        them with ``KeyedVectors.load_word2vec_format``); ``which`` is "in", "out" or "sum"."""
        from ..formats.word2vec_format import save_word2vec_format

        vectors = {"in": self.W_in, "out": self.W_out}.get(which)
        if vectors is None:
            vectors = self.W_in + self.W_out
        save_word2vec_format(path, self.vocab.words, vectors, binary=binary)

    @classmethod
    def load_word2vec_format(cls, path: str, binary: bool | None = None) -> Word2Vec:
        """A query-only model from a word2vec text or binary file (e.g. written by gensim or
        the C tool); ``binary=None`` detects the format."""
        from ..formats.word2vec_format import load_word2vec_format

        words, vectors = load_word2vec_format(path, binary=binary)
        return cls.from_vectors(words, vectors)

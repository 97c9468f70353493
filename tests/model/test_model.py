"""Tests of the model: gradients (finite differences through the fast path and of the block
functions), repeated ids, scatter-add, dtypes and initialisation, and sigmoid stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import ns_batch_maker

from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.model.batching import Batch, Chunk, make_chunk, window_pairs
from word2vec_numpy.model.negative_sampling import (
    cbow_positive_grads,
    negative_grads,
    positive_grads,
)
from word2vec_numpy.model.ops import MAX_EXP, scatter_add, sigmoid
from word2vec_numpy.model.word2vec import Word2Vec

V = 10
D = 6
K_NEG = 3
WINDOW = 2
BLOCK = 4

# 13 positions (not a multiple of the block), a sentence break, word ids repeated often.
RAW = np.array([1, 2, 1, 3, 1, 4, -1, 4, 4, 2, 5, 1, 6, 2], dtype=np.int64)


def small_vocab(n: int = V) -> Vocabulary:
    return Vocabulary.from_words([f"w{i}" for i in range(n)], np.arange(n, 0, -1) * 10)


def real_chunk(raw: np.ndarray = RAW, window: int = WINDOW, seed: int = 0) -> Chunk:
    vocab_size = int(raw.max()) + 1
    return make_chunk(raw, np.ones(vocab_size, np.float32), window, np.random.default_rng(seed))


def one_batch(
    model_kind: str, chunk: Chunk, vocab: Vocabulary, window: int = WINDOW, seed: int = 1
) -> Batch:
    """The whole chunk as a single ``Batch`` made by ``BatchMaker``."""
    size = -(-len(chunk) // BLOCK) * BLOCK
    maker = ns_batch_maker(vocab, window, K_NEG, model_kind, size, BLOCK, n_shared=7)
    batches = list(maker.batches(chunk, np.random.default_rng(seed)))
    assert len(batches) == 1
    return batches[0][0]


def random_model(model_kind: str, vocab: Vocabulary, seed: int = 2, exact: bool = True):
    model = Word2Vec(
        vocab,
        embed_dim=D,
        n_negatives=K_NEG,
        model=model_kind,
        dtype=np.float64,
        cbow_exact_grad=exact,
    )
    rng = np.random.default_rng(seed)
    model.W_in[...] = rng.normal(scale=0.3, size=model.W_in.shape)
    model.W_out[...] = rng.normal(scale=0.3, size=model.W_out.shape)
    # every score stays far inside the sigmoid's clipping range
    assert np.abs(model.W_in @ model.W_out.T).max() < MAX_EXP / 2
    return model


def analytic_grads(model: Word2Vec, batch: Batch, lr: float = 0.5):
    """(W_before - W_after) / lr of one ``train_batch`` step; the weights are restored."""
    W_in, W_out = model.W_in.copy(), model.W_out.copy()
    model.train_batch(batch, lr)
    g_in = (W_in - model.W_in) / lr
    g_out = (W_out - model.W_out) / lr
    model.W_in[...] = W_in
    model.W_out[...] = W_out
    return g_in, g_out


def numeric_grads(model: Word2Vec, batch: Batch, eps: float = 1e-6):
    """Central differences of ``batch_loss`` over every entry of W_in and W_out."""
    grads = []
    for W in (model.W_in, model.W_out):
        G = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            old = W[idx]
            W[idx] = old + eps
            plus = model.batch_loss(batch)
            W[idx] = old - eps
            minus = model.batch_loss(batch)
            W[idx] = old
            G[idx] = (plus - minus) / (2 * eps)
        grads.append(G)
    return grads


def sgns_block_grads(H, O, U, M, Wn):
    """The whole SGNS loss of blocks whose rows also form the negative groups."""
    loss_pos, gH, gO = positive_grads(H, O, M)
    loss_neg, gH_neg, gU = negative_grads(H, U, Wn)
    return loss_pos + loss_neg, gH + gH_neg, gO, gU


def cbow_block_grads(H, Uo, U, valid, Wn):
    """The whole CBOW loss of blocks whose rows also form the negative groups."""
    loss_pos, gH, gUo = cbow_positive_grads(H, Uo, valid)
    loss_neg, gH_neg, gU = negative_grads(H, U, Wn)
    return loss_pos + loss_neg, gH + gH_neg, gUo, gU


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


def touched_rows(model_kind: str, batch: Batch) -> tuple[set[int], set[int]]:
    """Rows of W_in and W_out that the batch's loss depends on."""
    nb, T = batch.rows.shape
    has_pair = batch.pair_mask.sum(axis=2) > 0  # (nb, T)
    cols = batch.span  # (nb, T+2w)
    ctx = {int(cols[b, c]) for b, t, c in zip(*np.nonzero(batch.pair_mask), strict=True)}
    centres = {int(i) for i in batch.rows[has_pair]}
    groups = batch.draws["ns"].group_of_rows()
    negs = {int(i) for g in set(groups[has_pair.ravel()]) for i in batch.draws["ns"].neg[g]}
    if model_kind == "skipgram":
        return centres, ctx | negs
    return ctx, centres | negs


# --------------------------------------------------------------------------- fast path


@pytest.mark.parametrize("model_kind", ["skipgram", "cbow"])
def test_train_batch_follows_the_gradient_of_batch_loss(model_kind):
    vocab = small_vocab()
    chunk = real_chunk()
    assert len(chunk) == 13 and -1 in RAW
    batch = one_batch(model_kind, chunk, vocab)
    assert batch.rows.shape == (4, BLOCK)
    assert batch.n_pairs > 0
    model = random_model(model_kind, vocab)

    g_in, g_out = analytic_grads(model, batch)
    n_in, n_out = numeric_grads(model, batch)
    assert rel_error(g_in, n_in) < 1e-5
    assert rel_error(g_out, n_out) < 1e-5

    # the gradient lives exactly on the touched rows
    rows_in, rows_out = touched_rows(model_kind, batch)
    assert {int(i) for i in np.flatnonzero(np.abs(n_in).max(axis=1) > 1e-9)} == rows_in
    assert {int(i) for i in np.flatnonzero(np.abs(n_out).max(axis=1) > 1e-9)} == rows_out
    assert {int(i) for i in np.flatnonzero(np.abs(g_in).max(axis=1) > 0)} <= rows_in
    assert {int(i) for i in np.flatnonzero(np.abs(g_out).max(axis=1) > 0)} <= rows_out


@pytest.mark.parametrize("model_kind", ["skipgram", "cbow"])
def test_gradient_check_with_several_blocks_and_batches(model_kind):
    """Random chunks of other sizes; every batch of the chunk is checked."""
    rng = np.random.default_rng(7)
    vocab = small_vocab()
    for n in (9, 22):
        raw = rng.integers(0, 6, size=n).astype(np.int64)
        raw[rng.choice(n, size=2, replace=False)] = -1
        chunk = make_chunk(raw, np.ones(V, np.float32), 3, rng)
        maker = ns_batch_maker(vocab, 3, K_NEG, model_kind, batch_size=12, block=6)
        model = random_model(model_kind, vocab, seed=n)
        for batch, _, _ in maker.batches(chunk, rng):
            g_in, g_out = analytic_grads(model, batch)
            n_in, n_out = numeric_grads(model, batch)
            assert rel_error(g_in, n_in) < 1e-5 or np.abs(n_in).max() == 0
            assert rel_error(g_out, n_out) < 1e-5 or np.abs(n_out).max() == 0


def test_batch_loss_does_not_change_the_weights():
    vocab = small_vocab()
    for kind in ("skipgram", "cbow"):
        model = random_model(kind, vocab)
        batch = one_batch(kind, real_chunk(), vocab)
        W_in, W_out = model.W_in.copy(), model.W_out.copy()
        loss = model.batch_loss(batch)
        assert loss > 0
        np.testing.assert_array_equal(model.W_in, W_in)
        np.testing.assert_array_equal(model.W_out, W_out)


# --------------------------------------------------------------------- block functions


def _fd(f, arrays, eps=1e-6):
    out = []
    for A in arrays:
        G = np.zeros_like(A)
        for idx in np.ndindex(A.shape):
            old = A[idx]
            A[idx] = old + eps
            plus = f()
            A[idx] = old - eps
            minus = f()
            A[idx] = old
            G[idx] = (plus - minus) / (2 * eps)
        out.append(G)
    return out


def test_sgns_block_grads_against_finite_differences():
    rng = np.random.default_rng(3)
    nb, T, w, K, d = 2, 3, 1, 4, 5
    H = rng.normal(scale=0.5, size=(nb, T, d))
    O = rng.normal(scale=0.5, size=(nb, T + 2 * w, d))
    U = rng.normal(scale=0.5, size=(nb, K, d))
    M = (rng.random((nb, T, T + 2 * w)) < 0.6).astype(np.float64)
    Wn = rng.random((nb, T, 1)) * 2
    loss, gH, gO, gU = sgns_block_grads(H, O, U, M, Wn)

    # the documented loss, written out
    s = 1 / (1 + np.exp(-(H @ O.transpose(0, 2, 1))))
    q = 1 / (1 + np.exp(H @ U.transpose(0, 2, 1)))
    assert loss == pytest.approx(-(M * np.log(s)).sum() - (Wn * np.log(q)).sum(), rel=1e-12)

    def f():
        return sgns_block_grads(H, O, U, M, Wn)[0]

    for analytic, numeric in zip((gH, gO, gU), _fd(f, [H, O, U]), strict=True):
        assert rel_error(analytic, numeric) < 1e-6


def test_cbow_block_grads_against_finite_differences():
    rng = np.random.default_rng(4)
    nb, T, K, d = 2, 4, 3, 5
    H = rng.normal(scale=0.5, size=(nb, T, d))
    Uo = rng.normal(scale=0.5, size=(nb, T, d))
    U = rng.normal(scale=0.5, size=(nb, K, d))
    valid = np.array([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0]])
    Wn = valid[..., None] * 0.75
    loss, gH, gUo, gU = cbow_block_grads(H, Uo, U, valid, Wn)

    p = 1 / (1 + np.exp(-np.einsum("btd,btd->bt", H, Uo)))
    q = 1 / (1 + np.exp(H @ U.transpose(0, 2, 1)))
    assert loss == pytest.approx(-(valid * np.log(p)).sum() - (Wn * np.log(q)).sum(), rel=1e-12)

    def f():
        return cbow_block_grads(H, Uo, U, valid, Wn)[0]

    for analytic, numeric in zip((gH, gUo, gU), _fd(f, [H, Uo, U]), strict=True):
        assert rel_error(analytic, numeric) < 1e-6
    # rows without a context contribute nothing
    assert np.all(gH[0, 1] == 0) and np.all(gUo[1, 2] == 0)


# ----------------------------------------------------------- CBOW: the C tool's update


def test_cbow_c_tool_update_is_context_size_times_the_exact_one():
    """One centre with a context (position 1, radius 2 -> three context words); the C tool's
    update adds dL/dh whole to each context row, the exact one dL/dh / |C|."""
    vocab = small_vocab()
    chunk = Chunk(
        ids=np.array([3, 5, 7, 8, 2], dtype=np.int64),
        sentence=np.array([0, 0, 0, 0, 1]),
        radius=np.array([0, 2, 0, 0, 0], dtype=np.int64),
        words_read=np.arange(1, 6),
    )
    assert window_pairs(chunk) == [(1, 0), (1, 2), (1, 3)]
    batch = one_batch("cbow", chunk, vocab)
    lr = 0.1
    deltas = {}
    for exact in (True, False):
        model = random_model("cbow", vocab, exact=exact)
        W_in, W_out = model.W_in.copy(), model.W_out.copy()
        loss, n = model.train_batch(batch, lr)
        assert n == 1
        deltas[exact] = (model.W_in - W_in, model.W_out - W_out)
    ctx = [3, 7, 8]
    assert np.abs(deltas[True][0][ctx]).min() > 0
    np.testing.assert_allclose(deltas[False][0][ctx], 3 * deltas[True][0][ctx], rtol=1e-12)
    others = np.setdiff1d(np.arange(V), ctx)
    assert np.all(deltas[False][0][others] == 0) and np.all(deltas[True][0][others] == 0)
    # W_out gets the same update either way
    np.testing.assert_array_equal(deltas[False][1], deltas[True][1])


# ------------------------------------------------------- a plain per-pair reference step


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference_step(model_kind, chunk, batch, W_in, W_out, lr, k, exact=True):
    """New (W_in, W_out) and loss after one SGD step, computed one pair (or one centre) at a
    time from ``window_pairs`` and the batch's shared negatives, all gradients taken at the
    old weights and summed."""
    K = batch.draws["ns"].neg.shape[1]
    groups = batch.draws["ns"].group_of_rows()
    gin, gout = np.zeros_like(W_in), np.zeros_like(W_out)
    loss = 0.0
    contexts: dict[int, list[int]] = {}
    for t, u in window_pairs(chunk):
        contexts.setdefault(t, []).append(u)
    for t, ctx in contexts.items():
        negs = batch.draws["ns"].neg[groups[t]]
        centre = int(chunk.ids[t])
        if model_kind == "skipgram":
            v = W_in[centre]
            for u in ctx:
                o = int(chunk.ids[u])
                g = _sig(W_out[o] @ v) - 1.0
                loss -= np.log(_sig(W_out[o] @ v))
                gin[centre] += g * W_out[o]
                gout[o] += g * v
            weight = len(ctx) * k / K
            for j in negs:
                q = _sig(W_out[j] @ v)
                loss -= weight * np.log(1.0 - q)
                gin[centre] += weight * q * W_out[j]
                gout[j] += weight * q * v
        else:
            ids = [int(chunk.ids[u]) for u in ctx]
            h = W_in[ids].mean(axis=0)
            p = _sig(W_out[centre] @ h)
            loss -= np.log(p)
            gh = (p - 1.0) * W_out[centre]
            gout[centre] += (p - 1.0) * h
            weight = k / K
            for j in negs:
                q = _sig(W_out[j] @ h)
                loss -= weight * np.log(1.0 - q)
                gh = gh + weight * q * W_out[j]
                gout[j] += weight * q * h
            for i in ids:
                gin[i] += gh / len(ids) if exact else gh
    return W_in - lr * gin, W_out - lr * gout, loss


REPEATED = np.array([0, 1, 0, 0, 1, 2, 0, -1, 0, 0, 1, 0, 3, 0, 0, 1, 1, 0, 0, 2, 0, 0])


@pytest.mark.parametrize(
    ("model_kind", "exact"), [("skipgram", True), ("cbow", True), ("cbow", False)]
)
def test_repeated_ids_sum_their_per_pair_gradients(model_kind, exact):
    vocab = small_vocab(4)
    chunk = make_chunk(REPEATED, np.ones(4, np.float32), 3, np.random.default_rng(11))
    batch = one_batch(model_kind, chunk, vocab, window=3)
    assert np.bincount(batch.rows.ravel())[0] > 10  # word 0 is a centre many times
    model = Word2Vec(
        vocab, embed_dim=D, n_negatives=K_NEG, model=model_kind, dtype=np.float64,
        cbow_exact_grad=exact,
    )  # fmt: skip
    rng = np.random.default_rng(12)
    model.W_in[...] = rng.normal(scale=0.3, size=model.W_in.shape)
    model.W_out[...] = rng.normal(scale=0.3, size=model.W_out.shape)
    W_in, W_out = model.W_in.copy(), model.W_out.copy()
    lr = 0.05

    exp_in, exp_out, exp_loss = reference_step(
        model_kind, chunk, batch, W_in, W_out, lr, K_NEG, exact
    )
    loss, n = model.train_batch(batch, lr)
    # (the batch stores its negative weights n*k/K in float32: agreement to ~1e-7)
    np.testing.assert_allclose(model.W_in, exp_in, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.W_out, exp_out, rtol=1e-6, atol=1e-9)
    assert loss == pytest.approx(exp_loss, rel=1e-6)
    n_expected = len(window_pairs(chunk))
    if model_kind == "cbow":
        n_expected = len({t for t, _ in window_pairs(chunk)})
    assert n == n_expected

    # The buggy `W[idx] += g` form keeps only one update per repeated id.
    nb, T = batch.rows.shape
    M = batch.pair_mask.astype(np.float64)
    if model_kind == "skipgram":
        O = W_out[batch.span]
        _, gH, _ = positive_grads(W_in[batch.rows], O, M)
        buggy = W_in.copy()
        buggy[batch.rows.ravel()] += -lr * gH.reshape(-1, D)
        assert not np.allclose(buggy, model.W_in)
    else:
        buggy = W_out.copy()
        n_ctx = M.sum(axis=2, keepdims=True)
        H = (M / np.maximum(n_ctx, 1)) @ W_in[batch.span]
        valid = (n_ctx[..., 0] > 0).astype(np.float64)
        _, _, gUo = cbow_positive_grads(H, W_out[batch.rows], valid)
        buggy[batch.rows.ravel()] += -lr * gUo.reshape(-1, D)
        assert not np.allclose(buggy[: len(vocab)], exp_out)


def test_scatter_add_matches_np_add_at_2d():
    rng = np.random.default_rng(13)
    for dtype in (np.float32, np.float64):
        matrix = rng.normal(size=(20, 7)).astype(dtype)
        ids = rng.integers(0, 20, size=(5, 30))  # many repeats, 2-D ids
        grads = rng.normal(size=(5, 30, 7)).astype(dtype)
        expected = matrix.copy()
        np.add.at(expected, ids.ravel(), grads.reshape(-1, 7))
        got = matrix.copy()
        scatter_add(got, ids, grads)
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == dtype
        naive = matrix.copy()
        naive[ids.ravel()] += grads.reshape(-1, 7)
        assert not np.allclose(naive, expected)


def test_scatter_add_with_no_ids_is_a_no_op():
    matrix = np.ones((3, 2), np.float32)
    scatter_add(matrix, np.zeros(0, np.int64), np.zeros((0, 2), np.float32))
    np.testing.assert_array_equal(matrix, 1)


# ------------------------------------------------------------------ shapes and dtypes


def test_initialisation_shapes_dtypes_and_range():
    vocab = small_vocab(50)
    d = 16
    model = Word2Vec(vocab, embed_dim=d, seed=3)
    assert model.W_in.shape == model.W_out.shape == (50, d)
    assert model.W_in.dtype == model.W_out.dtype == np.float32
    assert model.W_in.min() >= -0.5 / d and model.W_in.max() <= 0.5 / d
    assert model.W_in.std() > 0.1 / d  # really random, not all zero
    assert np.all(model.W_out == 0)
    np.testing.assert_array_equal(model.W_in, Word2Vec(vocab, embed_dim=d, seed=3).W_in)
    assert not np.array_equal(model.W_in, Word2Vec(vocab, embed_dim=d, seed=4).W_in)


@pytest.mark.parametrize("model_kind", ["skipgram", "cbow"])
def test_float32_stays_float32(model_kind):
    vocab = small_vocab()
    model = Word2Vec(vocab, embed_dim=D, n_negatives=K_NEG, model=model_kind)
    batch = one_batch(model_kind, real_chunk(), vocab)
    W_in, W_out = model.W_in, model.W_out
    for _ in range(3):
        loss, _ = model.train_batch(batch, 0.5)
    assert model.W_in is W_in and model.W_out is W_out  # updated in place
    assert model.W_in.dtype == model.W_out.dtype == np.float32
    assert np.isfinite(loss) and np.all(np.isfinite(model.W_in))
    assert np.any(model.W_out != 0)


def test_invalid_model_arguments():
    vocab = small_vocab()
    with pytest.raises(ValueError):
        Word2Vec(vocab, model="foo")
    with pytest.raises(ValueError):
        Word2Vec(vocab, embed_dim=0)
    with pytest.raises(ValueError):
        Word2Vec(vocab, n_negatives=0)


# ------------------------------------------------------------------- sigmoid stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_huge_scores(dtype):
    x = np.array([1e4, -1e4, np.inf, -np.inf, 0.0, 6.0, -6.0, 50.0, -50.0], dtype=dtype)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sigmoid(x.copy())
    assert out.dtype == dtype
    assert np.all(np.isfinite(out))
    assert np.all(out > 0) and np.all(out < 1)
    assert out[4] == pytest.approx(0.5)
    assert out[0] == out[2] == out[5] == out[7]
    assert out[1] == out[3] == out[6] == out[8]
    assert out[0] == pytest.approx(1 / (1 + np.exp(-6.0)), rel=1e-6)
    # the input is not modified
    assert x[0] == 1e4


def test_block_grads_with_huge_scores_stay_finite():
    rng = np.random.default_rng(0)
    H = rng.normal(size=(1, 2, 3)) * 1e4
    O = rng.normal(size=(1, 4, 3)) * 1e4
    U = rng.normal(size=(1, 3, 3)) * 1e4
    M = np.ones((1, 2, 4))
    Wn = np.ones((1, 2, 1))
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        results = [
            sgns_block_grads(H, O, U, M, Wn),
            cbow_block_grads(H, O[:, :2], U, np.ones((1, 2)), Wn),
        ]
    for loss, *grads in results:
        assert np.isfinite(loss) and loss > 0
        assert all(np.all(np.isfinite(g)) for g in grads)

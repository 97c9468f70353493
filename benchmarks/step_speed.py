#!/usr/bin/env python
"""How fast is one SGD step? Times the candidate NumPy implementations of the skip-gram
negative-sampling (SGNS) training step on one core, on real (centre, context) pairs.

    python benchmarks/step_speed.py            # about 75 s
    python benchmarks/step_speed.py --quick    # about 20 s

Setup (not timed): the corpus (``--corpus``, default ``../shared/data/corpus1m.txt``) is
encoded with ``encode_corpus(iter_sentences(path), tmp, min_count=5)``; its first
``--tokens`` words are subsampled (``sample=1e-3``) and given dynamic windows (``window=5``)
by ``make_chunk``, exactly as one chunk of ``train_slice``; the (centre, context) pairs of
that chunk are listed in the order of ``window_pairs`` (by a vectorised equivalent, checked
against ``window_pairs``), and k negatives per pair are drawn from ``NoiseSampler``. Every
variant then trains on this same pair stream, in steps of B consecutive pairs, with
d=100 float32 vectors and a constant learning rate; weights start as in ``Word2Vec``.

Variants (1-4 compute the same step and differ only in how the gradient rows are added
back into ``W_in`` / ``W_out``; each is checked against variant 1 on one batch):

1. naive: gather ``W_in[c]``, ``W_out[o]``, ``W_out[neg]`` (B x k), scores by ``einsum``,
   gradients, and ``np.add.at(W, ids, grads)`` on the 2-D matrix;
2. the same with a 1-D ``np.add.at`` on ``W.reshape(-1)``: 2a one index per float (the
   package's ``scatter_add`` until 2026-12-06), 2b the package's ``scatter_add``, which views
   each pair of floats as one complex64 (the same additions, half the indices);
3. the same with a sort-based segment sum: ``argsort`` + ``np.add.reduceat`` + one
   fancy-index add of the unique rows;
4. the same with ``np.unique(return_inverse=True)`` and the per-row sums from one flat
   ``np.bincount`` (4a) or from a SciPy CSR-matrix product (4b, skipped without SciPy;
   SciPy is only a comparison here, the package does not use it);
5. HogBatch on pair batches: the B pairs share K = ``--shared-neg`` negatives, each
   weighted k/K (same expected loss), so the negative scores are one (B x d) @ (d x K)
   product; flat ``np.add.at`` scatter. Checked against variant 1's formula with those
   shared, weighted negatives (not against variant 1 itself: it differs by design);
6. the project's block step, ``Word2Vec.train_batch`` on ``BatchMaker`` batches of
   ``--block-batches`` centre positions cut from the same chunk (so exactly the same
   pairs: checked), counting ``batch.n_pairs``. The batches are made before timing, like
   the pairs and negatives of 1-5; one more row times ``BatchMaker`` + step together, as
   ``train_slice`` runs them. The CBOW rows time the CBOW block step on the same chunk.

Each (variant, batch) runs consecutive steps for ``--seconds`` from fresh weights and from
the start of the pair stream, ``--repeats`` times; the best run is reported (the least
disturbed by other processes). Words/s = pairs/s / (pairs per corpus word of the chunk),
the corpus words counted before subsampling and ``min_count`` = the words/s that
``Trainer`` and ``compare_gensim.py`` report. ``OPENBLAS_NUM_THREADS`` (and
``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS``) default to 1: one core.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core; must happen before numpy is imported

import argparse  # noqa: E402
import datetime  # noqa: E402
import functools  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from word2vec_numpy import Word2Vec, encode_corpus, iter_sentences  # noqa: E402
from word2vec_numpy.config import TrainConfig  # noqa: E402
from word2vec_numpy.data.encode import ids_to_int64  # noqa: E402
from word2vec_numpy.model.batching import BatchMaker, Chunk, make_chunk, window_pairs  # noqa: E402
from word2vec_numpy.model.negative_sampling import NegativeSampling, NoiseSampler  # noqa: E402
from word2vec_numpy.model.ops import scatter_add, sigmoid  # noqa: E402

try:  # only for variant 4b
    import scipy
    import scipy.sparse
except ImportError:  # pragma: no cover - depends on the environment
    scipy = None

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus1m.txt"
LR = 0.025

Scatter = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


# ---------------------------------------------------------------------- scatter-adds
# Each does matrix[ids] += grads with repeated ids summed (ids: (n,), grads: (n, d)).


def scatter_2d(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    np.add.at(matrix, ids, grads)


def scatter_flat(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    d = matrix.shape[1]
    flat_index = (ids.reshape(-1, 1).astype(np.intp) * d + np.arange(d)).ravel()
    np.add.at(matrix.reshape(-1), flat_index, grads.reshape(-1))


def scatter_sorted(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    order = np.argsort(ids)  # quicksort: several times faster than a stable sort here
    sorted_ids = ids[order]
    first = np.empty(len(ids), dtype=bool)
    first[:1] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    matrix[sorted_ids[starts]] += np.add.reduceat(grads[order], starts, axis=0)


def scatter_bincount(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    unique, inverse = np.unique(ids, return_inverse=True)
    d = matrix.shape[1]
    flat = (inverse.reshape(-1, 1) * d + np.arange(d)).ravel()
    sums = np.bincount(flat, weights=grads.ravel(), minlength=len(unique) * d)
    matrix[unique] += sums.reshape(len(unique), d).astype(matrix.dtype, copy=False)


def scatter_csr(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    unique, inverse = np.unique(ids, return_inverse=True)
    n = len(ids)
    # row u of S has a 1 in column j for every j with ids[j] == unique[u]: S @ grads sums them
    S = scipy.sparse.csr_matrix(
        (np.ones(n, dtype=grads.dtype), (inverse.ravel(), np.arange(n))), shape=(len(unique), n)
    )
    matrix[unique] += S @ grads


# ---------------------------------------------------------------------- SGNS steps on pairs


def pair_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    c: np.ndarray,
    o: np.ndarray,
    neg: np.ndarray,
    lr: float,
    scatter: Scatter,
    neg_weight: float = 1.0,
) -> float:
    """One SGD step on pairs (c[i], o[i]) with negatives neg[i] (B x k), each negative term
    weighted by ``neg_weight``: the textbook batched step (variants 1-4)."""
    h = W_in[c]  # (B, d)
    vo = W_out[o]  # (B, d)
    vn = W_out[neg]  # (B, k, d)
    p = sigmoid(np.einsum("bd,bd->b", h, vo))
    q = sigmoid(np.einsum("bd,bkd->bk", h, vn))
    loss = -float(np.sum(np.log(p), dtype=np.float64))
    loss -= neg_weight * float(np.sum(np.log1p(-q), dtype=np.float64))
    e = (p - 1.0)[:, None]  # dL/d(score) of the positive pair
    en = q if neg_weight == 1.0 else q * h.dtype.type(neg_weight)  # ... of the negatives
    g_h = e * vo + np.einsum("bk,bkd->bd", en, vn)
    g_o = e * h
    g_n = en[:, :, None] * h[:, None, :]
    step = h.dtype.type(-lr)
    scatter(W_in, c, step * g_h)
    d = h.shape[1]
    out_ids = np.concatenate([o, neg.ravel()])
    out_grads = np.concatenate([g_o, g_n.reshape(-1, d)])
    scatter(W_out, out_ids, step * out_grads)
    return loss


def shared_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    c: np.ndarray,
    o: np.ndarray,
    shared: np.ndarray,
    lr: float,
    k: int,
    scatter: Scatter = scatter_add,
) -> float:
    """HogBatch on a pair batch: all B pairs share the K negatives ``shared``, each weighted
    k/K, so S' = H U^T is one GEMM and dL/dU = E'^T H another (variant 5)."""
    h = W_in[c]
    vo = W_out[o]
    U = W_out[shared]  # (K, d)
    weight = h.dtype.type(k / len(shared))
    p = sigmoid(np.einsum("bd,bd->b", h, vo))
    q = sigmoid(h @ U.T)  # (B, K)
    loss = -float(np.sum(np.log(p), dtype=np.float64))
    loss -= float(weight) * float(np.sum(np.log1p(-q), dtype=np.float64))
    e = (p - 1.0)[:, None]
    en = q * weight
    g_h = e * vo + en @ U
    g_o = e * h
    g_u = en.T @ h  # (K, d)
    step = h.dtype.type(-lr)
    scatter(W_in, c, step * g_h)
    scatter(W_out, np.concatenate([o, shared]), step * np.concatenate([g_o, g_u]))
    return loss


# ---------------------------------------------------------------------- data


def chunk_pairs(chunk: Chunk, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(centre positions, context positions) of all pairs of ``chunk``, in the order of
    ``window_pairs`` (vectorised: one pass per offset 1..window)."""
    n = len(chunk)
    centres, contexts = [], []
    for offset in range(1, window + 1):
        t = np.arange(n - offset)
        u = t + offset
        same = chunk.sentence[t] == chunk.sentence[u]
        forward = same & (chunk.radius[t] >= offset)  # u is in t's window
        backward = same & (chunk.radius[u] >= offset)  # t is in u's window
        centres += [t[forward], u[backward]]
        contexts += [u[forward], t[backward]]
    centre = np.concatenate(centres)
    context = np.concatenate(contexts)
    order = np.lexsort((context, centre))
    return centre[order], context[order]


def load_chunk(args) -> tuple[Chunk, int, NoiseSampler, int, float]:
    """Encode the corpus, cut its first ``--tokens`` words, subsample them into one chunk.
    Returns (chunk, corpus words in it, noise sampler, vocabulary size, encoding seconds)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="step_speed.") as tmp:
        corpus = encode_corpus(iter_sentences(args.corpus), Path(tmp) / "ids.u32", min_count=5)
        raw_all = ids_to_int64(corpus.ids)
    seconds = time.perf_counter() - start
    words_so_far = np.cumsum(raw_all >= 0)
    cut = int(np.searchsorted(words_so_far, args.tokens)) + 1
    raw = raw_all[:cut]
    n_words = int(np.count_nonzero(raw >= 0))
    vocab = corpus.vocab
    rng = np.random.default_rng(args.seed)
    chunk = make_chunk(raw, vocab.keep_probabilities(args.sample), args.window, rng)
    sampler = NoiseSampler(vocab.noise_distribution())
    return chunk, n_words, sampler, vocab, seconds


# ---------------------------------------------------------------------- timing


def fresh_weights(V: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """W_in uniform in [-0.5/d, 0.5/d], W_out zero: ``Word2Vec``'s start."""
    rng = np.random.default_rng(seed)
    W_in = ((rng.random((V, d), dtype=np.float32) - 0.5) / d).astype(np.float32)
    return W_in, np.zeros((V, d), dtype=np.float32)


def time_steps(run_step: Callable[[int], int], n_steps: int, seconds: float) -> float:
    """Call run_step(0), run_step(1), ... (wrapping after n_steps) until ``seconds`` have
    passed; returns the units run_step reported per second."""
    done = 0
    i = 0
    start = time.perf_counter()
    while True:
        done += run_step(i)
        i = (i + 1) % n_steps
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def best_rate(
    make_runner: Callable[[], tuple[Callable[[int], int], int]], args, scale: float = 1.0
) -> float:
    """Best of ``--repeats`` timed runs of ``scale * --seconds``, each from fresh weights
    (make_runner builds them)."""
    rates = []
    for _ in range(args.repeats):
        run_step, n_steps = make_runner()
        with np.errstate(over="ignore", invalid="ignore"):
            rates.append(time_steps(run_step, n_steps, args.seconds * scale))
    return max(rates)


def run_pairs(args, V: int, B: int, n_pairs: int, step, scale: float = 1.0) -> float:
    """Pairs/s of step(W_in, W_out, lo, hi) run on consecutive batches of B pairs."""
    n_steps = n_pairs // B

    def make():
        W_in, W_out = fresh_weights(V, args.dim, args.seed)

        def run(i: int) -> int:
            step(W_in, W_out, i * B, (i + 1) * B)
            return B

        return run, n_steps

    return best_rate(make, args, scale)


def naive_like(W_in, W_out, lo: int, hi: int, C, O, NEG, scatter: Scatter) -> None:
    """Variants 1-4 on pairs lo..hi."""
    pair_step(W_in, W_out, C[lo:hi], O[lo:hi], NEG[lo:hi], LR, scatter)


def shared_like(W_in, W_out, lo: int, hi: int, C, O, shared, k: int) -> None:
    """Variant 5 on pairs lo..hi, with that batch's shared negatives."""
    shared_step(W_in, W_out, C[lo:hi], O[lo:hi], shared[lo // (hi - lo)], LR, k)


def no_scatter(matrix: np.ndarray, ids: np.ndarray, grads: np.ndarray) -> None:
    """Leaves the weights alone: times the rest of the step."""


_GRADS: dict[tuple[int, int, int], np.ndarray] = {}  # constant gradients for scatter_only


def scatter_only(W_in, W_out, lo: int, hi: int, C, O, NEG, scatter: Scatter) -> None:
    """Only the scatter-adds of variants 1-4 (the same ids and shapes; tiny constant
    gradients, made before timing)."""
    d = W_in.shape[1]
    B, k = hi - lo, NEG.shape[1]
    key = (B, k, d)
    if key not in _GRADS:
        _GRADS[key] = np.full((B * (1 + k), d), -1e-6, dtype=np.float32)
    grads = _GRADS[key]
    scatter(W_in, C[lo:hi], grads[:B])
    scatter(W_out, np.concatenate([O[lo:hi], NEG[lo:hi].ravel()]), grads)


def block_model(W_in: np.ndarray, W_out: np.ndarray, maker: BatchMaker) -> Word2Vec:
    """A Word2Vec on these matrices with the maker's losses (negative sampling)."""
    loss = maker.losses[0]
    model = Word2Vec.from_arrays(None, W_in, {"W_out": W_out}, loss.config)
    model.losses = list(maker.losses)
    return model


def run_blocks(args, V: int, maker: BatchMaker, batches: list) -> float:
    """Pairs (CBOW: examples) per second of ``Word2Vec.train_batch`` on ready batches."""

    def make():
        W_in, W_out = fresh_weights(V, args.dim, args.seed)
        model = block_model(W_in, W_out, maker)

        def run(i: int) -> int:
            return model.train_batch(batches[i], LR)[1]

        return run, len(batches)

    return best_rate(make, args)


def run_blocks_with_maker(args, V: int, maker: BatchMaker, chunk: Chunk, n_batches: int) -> float:
    """The same with ``BatchMaker.batches`` (masks, negatives) timed too, pass after pass."""

    def make():
        W_in, W_out = fresh_weights(V, args.dim, args.seed)
        model = block_model(W_in, W_out, maker)

        def endless():
            for epoch in range(1 << 30):
                yield from maker.batches(chunk, np.random.default_rng(args.seed + epoch))

        stream = endless()

        def run(i: int) -> int:
            return model.train_batch(next(stream)[0], LR)[1]

        return run, n_batches

    return best_rate(make, args)


# ---------------------------------------------------------------------- checks


def require(ok: bool, what: str) -> None:
    """Stop with a message if a check fails (not ``assert``: checks must survive ``-O``)."""
    if not ok:
        raise SystemExit(f"step_speed: check failed: {what}")


def check_pairs(chunk: Chunk, window: int, centre: np.ndarray, context: np.ndarray) -> None:
    """The vectorised pairs equal ``window_pairs`` (the package's reference loop)."""
    m = min(len(chunk), 3000)
    head = Chunk(chunk.ids[:m], chunk.sentence[:m], chunk.radius[:m], chunk.words_read[:m])
    c, u = chunk_pairs(head, window)
    same = list(zip(c.tolist(), u.tolist(), strict=True)) == window_pairs(head)
    require(same and len(centre) == len(context), "vectorised pairs differ from window_pairs")


def check_scatters(
    scatters: dict[str, Scatter], C, O, NEG, V: int, d: int, k: int, shared_k: int, seed: int
) -> None:
    """Variants 2-4 give variant 1's update on one real batch; variant 5 gives variant 1's
    formula with its shared, weighted negatives."""
    B = 1024
    c, o, neg = C[:B], O[:B], NEG[:B]
    rng = np.random.default_rng(seed + 1)
    W_in0 = (rng.standard_normal((V, d)) * 0.3).astype(np.float32)
    W_out0 = (rng.standard_normal((V, d)) * 0.3).astype(np.float32)  # non-zero: real grads

    def updated(step) -> tuple[np.ndarray, np.ndarray, float]:
        W_in, W_out = W_in0.copy(), W_out0.copy()
        loss = step(W_in, W_out)
        return W_in, W_out, loss

    def close(a, b, ref_delta) -> bool:
        return np.allclose(a, b, rtol=1e-5, atol=1e-5 * float(np.abs(ref_delta).max()))

    ref_in, ref_out, ref_loss = updated(lambda Wi, Wo: pair_step(Wi, Wo, c, o, neg, LR, scatter_2d))
    for name, scatter in scatters.items():
        W_in, W_out, loss = updated(lambda Wi, Wo, s=scatter: pair_step(Wi, Wo, c, o, neg, LR, s))
        require(close(W_in, ref_in, ref_in - W_in0), f"{name}: W_in differs from variant 1")
        require(close(W_out, ref_out, ref_out - W_out0), f"{name}: W_out differs from variant 1")
        require(loss == ref_loss, f"{name}: the loss differs from variant 1")
    shared = np.random.default_rng(seed + 2).choice(NEG.ravel(), size=shared_k)
    tiled = np.broadcast_to(shared, (B, shared_k))
    ref_in, ref_out, ref_loss = updated(
        lambda Wi, Wo: pair_step(Wi, Wo, c, o, tiled, LR, scatter_2d, neg_weight=k / shared_k)
    )
    W_in, W_out, loss = updated(lambda Wi, Wo: shared_step(Wi, Wo, c, o, shared, LR, k))
    require(close(W_in, ref_in, ref_in - W_in0), "shared negatives: W_in differs")
    require(close(W_out, ref_out, ref_out - W_out0), "shared negatives: W_out differs")
    require(np.isclose(loss, ref_loss, rtol=1e-5), "shared negatives: the loss differs")


# ---------------------------------------------------------------------- main


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="text file")
    ap.add_argument("--tokens", type=int, default=200_000, help="corpus words to use [200000]")
    ap.add_argument("--batch-sizes", default="1024,4096", help="pairs per step [1024,4096]")
    ap.add_argument(
        "--block-batches", default="256,1024", help="centre positions per block step [256,1024]"
    )
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--neg", type=int, default=5, help="k, negatives per pair [5]")
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument(
        "--shared-neg", type=int, default=30, help="K, shared negatives per batch (variant 5) [30]"
    )
    ap.add_argument("--seconds", type=float, default=1.0, help="per timed run [1.0]")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per row, best kept [3]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="100k words, 0.4 s x 2 runs per row")
    args = ap.parse_args(argv)
    if args.quick:
        args.tokens = min(args.tokens, 100_000)
        args.seconds = min(args.seconds, 0.4)
        args.repeats = min(args.repeats, 2)
    args.batch_sizes = [int(x) for x in args.batch_sizes.split(",") if x]
    args.block_batches = [int(x) for x in args.block_batches.split(",") if x]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now().astimezone()
    d, k, w = args.dim, args.neg, args.window
    print(f"# command: {shlex.join(['python', *sys.argv])}")
    threads = ", ".join(
        f"{v}={os.environ.get(v)}"
        for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    )
    print(
        f"# {started:%Y-%m-%d %H:%M %Z}; {platform.platform()}; {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}; NumPy {np.__version__}; "
        f"SciPy {scipy.__version__ if scipy else 'absent'}; {threads}"
    )
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    chunk, n_words, sampler, vocab, encode_s = load_chunk(args)
    V = len(vocab)
    centre, context = chunk_pairs(chunk, w)
    check_pairs(chunk, w, centre, context)
    C, O = chunk.ids[centre], chunk.ids[context]
    rng = np.random.default_rng(args.seed + 3)
    NEG = sampler.sample(rng, (len(C), k)).astype(np.int64)
    n_pairs = len(C)
    per_word = n_pairs / n_words
    print(
        f"# corpus {args.corpus} (encoded in {encode_s:.1f} s), vocabulary {V:,}; first "
        f"{n_words:,} words -> {len(chunk):,} kept by subsampling (sample={args.sample:g}) -> "
        f"{n_pairs:,} pairs (window {w}), {per_word:.3f} pairs per corpus word"
    )
    print(
        f"# d={d}, k={k}, lr={LR}, float32; best of {args.repeats} runs of {args.seconds:g} s "
        f"per row; variant 5 shares K={args.shared_neg} negatives per batch"
    )

    scatters: dict[str, Scatter] = {
        "2a. flat 1-D np.add.at, an index per float": scatter_flat,
        "2b. flat 1-D np.add.at on float pairs as complex64 (`scatter_add`)": scatter_add,
        "3. argsort + np.add.reduceat": scatter_sorted,
        "4a. np.unique + flat np.bincount": scatter_bincount,
    }
    if scipy is not None:
        scatters["4b. np.unique + SciPy CSR product"] = scatter_csr
    else:
        print("# SciPy is not importable: variant 4b (CSR product) skipped")
    check_scatters(scatters, C, O, NEG, V, d, k, args.shared_neg, args.seed)
    print("# checks passed: vectorised pairs == window_pairs; variants 2-4 == variant 1 and")
    print("# variant 5 == variant 1's formula with shared weighted negatives (one 1024-pair batch)")

    rows: list[tuple[str, str, float, float]] = []  # variant, batch, pairs/s, words/s
    parts: list[tuple[str, int, float]] = []  # scatter / compute alone: name, batch, pairs/s

    def report(name: str, batch: str, rate: float, per: float = per_word) -> None:
        rows.append((name, batch, rate, rate / per))
        print(f"  {name}, {batch}: {rate / 1e6:.3f} M/s", file=sys.stderr, flush=True)

    variants = {"1. naive: 2-D np.add.at": scatter_2d, **scatters}
    for B in args.batch_sizes:
        require(n_pairs >= B, f"only {n_pairs} pairs, fewer than a batch of {B}")
        for name, scatter in variants.items():
            step = functools.partial(naive_like, C=C, O=O, NEG=NEG, scatter=scatter)
            report(name, f"{B} pairs", run_pairs(args, V, B, n_pairs, step))
        shared = sampler.sample(rng, (n_pairs // B, args.shared_neg)).astype(np.int64)
        step = functools.partial(shared_like, C=C, O=O, shared=shared, k=k)
        name = f"5. HogBatch on pairs: K={args.shared_neg} negatives shared by the batch"
        report(name, f"{B} pairs", run_pairs(args, V, B, n_pairs, step))
        # the parts of variants 1-4 alone, at half the time per run
        for name, scatter in variants.items():
            step = functools.partial(scatter_only, C=C, O=O, NEG=NEG, scatter=scatter)
            parts.append((name, B, run_pairs(args, V, B, n_pairs, step, scale=0.5)))
        step = functools.partial(naive_like, C=C, O=O, NEG=NEG, scatter=no_scatter)
        rate = run_pairs(args, V, B, n_pairs, step, scale=0.5)
        parts.append(("gathers, scores, gradients (no scatter)", B, rate))

    cbow_rows = []
    for model_name in ("skipgram", "cbow"):
        for size in args.block_batches:
            config = TrainConfig(model=model_name, window=w, neg=k)
            maker = BatchMaker(w, size, losses=[NegativeSampling(vocab, config)])
            batches = [b for b, _, _ in maker.batches(chunk, np.random.default_rng(args.seed))]
            if model_name == "skipgram":
                counts = [b.n_pairs for b in batches]
                require(sum(counts) == n_pairs, "BatchMaker's pairs differ from the pair list")
            else:  # CBOW trains one example per centre with a non-empty context
                counts = [int((b.pair_mask.sum(axis=2) > 0).sum()) for b in batches]
            mean = sum(counts) / len(batches)
            rate = run_blocks(args, V, maker, batches)
            if model_name == "skipgram":
                name = "6. block step (`Word2Vec.train_batch`, HogBatch blocks of 32)"
                report(name, f"{size} centres (~{mean:,.0f} pairs)", rate)
            else:
                name = "CBOW block step (`train_batch`)"
                batch = f"{size} centres (~{mean:,.0f} examples)"
                cbow_rows.append((name, batch, rate, rate / (sum(counts) / n_words)))
            if model_name == "skipgram" and size == max(args.block_batches):
                name = "6. block step + `BatchMaker` (as in `train_slice`)"
                rate = run_blocks_with_maker(args, V, maker, chunk, len(batches))
                report(name, f"{size} centres (~{mean:,.0f} pairs)", rate)

    naive = max(r[3] for r in rows if r[0].startswith("1."))
    print(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| variant | batch | pairs/s | words/s (1 core) | speed-up vs naive |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, batch, rate, words in rows:
        print(
            f"| {name} | {batch} | {rate / 1e6:.3f} M | {words / 1e3:,.0f} k | "
            f"{words / naive:.1f}x |"
        )
    for name, batch, rate, words in cbow_rows:
        print(
            f"| {name} | {batch} | {rate / 1e6:.3f} M examples/s | {words / 1e3:,.0f} k | "
            f"{words / naive:.1f}x (words/s) |"
        )
    print()
    print(
        "speed-up = words/s over the best naive row. Pairs, negatives and (except the "
        "'+ BatchMaker' row) block batches are made before timing."
    )
    print()
    print("Variants 1-4 differ only in the scatter-add; the parts of their step, timed alone:")
    print()
    print("| part of variants 1-4 | batch | ms per step | pairs/s | vs 2-D np.add.at |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, B, rate in parts:
        base = next(r for n, b, r in parts if b == B and n.startswith("1."))
        label = name if name.startswith("gathers") else f"scatter-adds of {name}"
        ratio = f"{rate / base:.1f}x" if label.startswith("scatter") else ""
        print(f"| {label} | {B} pairs | {B / rate * 1e3:.2f} | {rate / 1e6:.3f} M | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

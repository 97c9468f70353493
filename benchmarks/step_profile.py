#!/usr/bin/env python
"""Where does a training step's time go, and how far is it from the machine's limit?

    python benchmarks/step_profile.py                  # both models, 300k words: about 15 s
    python benchmarks/step_profile.py --model cbow --tokens 50000

Setup (not timed): the corpus (``--corpus``, default ``../shared/data/corpus1m.txt``) is
encoded with ``encode_corpus(iter_sentences(path), tmp, min_count=5)``; for each model a
``Word2Vec(vocab, dim=100, neg=5, model=M, seed=1)`` (window 5, sample 1e-3, the model's
default batch size: 256 skip-gram, 1024 CBOW since 2026-12-06, 256 before) is trained on
the corpus's first ``--tokens`` words by the real loop,
``training.kernel.train_piece``, as one worker runs it: one chunk (``chunk_words`` = the
whole stretch), one random generator, ``BatchMaker(window, batch_size, losses=model.losses)``
and a constant learning rate, the model's starting one (0.025 skip-gram, 0.05 CBOW).

1. Plain wall time of that loop, ``--repeats`` times from the same fresh model (the same
   work each time), best kept.
2. The same loop once more under ``line_profiler`` (optional: only this script needs it),
   with the functions of the hot path added (``PROFILED``). A line's time includes the
   profiled functions it calls; each such call is also timed by a thin wrapper (installed
   for this run only, then removed) and charged to the calling line, so every line gets its
   *self* time. Each line is put in a phase by the rules in ``RULES`` (printed). "Python
   overhead outside profiled lines" = wall time of the profiled loop minus the sum of all
   self times (the loop of ``train_piece``, generator switches, calls and returns).
   The profiler slows the loop down; the phases are scaled by (plain wall / profiled wall)
   to add up to the plain wall time. That scaling is proportional: the profiler's cost is
   per line executed, so cheap, often-run lines are inflated most and the Python-ish
   phases are somewhat overstated after scaling, the array phases understated.
3. Limits, one thread (``OPENBLAS_NUM_THREADS=1``, ``OMP_NUM_THREADS=1`` set before NumPy is
   imported; ``OPENBLAS_CORETYPE`` is left as it is): float32 matmul GFLOP/s on the step's
   own batched shapes and on a 2000 x 2000 product; memory bandwidth from a copy of a
   200 MB float32 array ((read + write bytes) / s); and the rate of a NumPy row gather from
   a matrix the size of ``W_in``. From the shapes of the batches that were trained: the
   matrix-product FLOPs per trained word and the bytes of the row gathers and scatter-adds
   (rows x d x 4 bytes; x2 for a scatter-add's read-modify-write), and the floor
   flops / peak + bytes / bandwidth in seconds per million trained words.

"Trained words" are the centre words kept by subsampling (``Step.kept``); corpus words
(before subsampling, what ``Trainer`` reports as words/s) are given too.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core; must happen before numpy is imported

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import functools  # noqa: E402
import inspect  # noqa: E402
import linecache  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from word2vec_numpy import Word2Vec, encode_corpus, iter_sentences  # noqa: E402
from word2vec_numpy.data.encode import ids_to_int64  # noqa: E402
from word2vec_numpy.model import batching, negative_sampling, ops, word2vec  # noqa: E402
from word2vec_numpy.training import kernel  # noqa: E402
from word2vec_numpy.training.backend import Piece  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus1m.txt"
QUIET_LOAD = 1.3

BM, NS = batching.BatchMaker, negative_sampling.NegativeSampling
BATCH_MAKING = "batch making (subsampling, masks, negative draws)"
GATHERS = "gathers (row reads W[ids], row permutations)"
PRODUCTS = "matrix products (@, einsum)"
SIGMOID = "sigmoid & log (scores -> probabilities, loss)"
SCATTERS = "scatter-adds (scatter_add: np.add.at / indexed +=)"
OTHER = "other array work (elementwise, concatenate, masks, sums)"
BOUND = "step bound of crowded batches (bound_steps, Curvature)"
GLUE = "Python glue in profiled lines (calls, unpacking, returns)"
OUTSIDE = "Python overhead outside profiled lines (loop - sum of line times)"
PHASES = [BATCH_MAKING, GATHERS, PRODUCTS, SIGMOID, SCATTERS, OTHER, BOUND, GLUE, OUTSIDE]

# (owner, attribute): the hot path's functions, profiled line by line. ``owner`` is where
# callers look the function up (a class, or the module whose global name they use).
PROFILED = [
    (batching, "make_chunk"),
    (BM, "batches"),
    (BM, "n_batches"),
    (BM, "make_batch"),
    (NS, "draw"),
    (negative_sampling.NoiseSampler, "sample"),
    (Word2Vec, "train_batch"),
    (Word2Vec, "_train_sgns"),
    (Word2Vec, "_train_cbow"),
    (Word2Vec, "_apply_losses"),
    (Word2Vec, "_update"),
    (NS, "skipgram"),
    (NS, "cbow"),
    (NS, "_with_negatives"),
    (NS, "_negatives"),
    (negative_sampling, "positive_grads"),
    (negative_sampling, "negative_grads"),
    (negative_sampling, "cbow_positive_grads"),
    (negative_sampling, "sigmoid"),
    (word2vec, "scatter_add"),
    (word2vec, "bound_steps"),
    (word2vec, "_crowded"),
    (word2vec, "_one"),
    (batching.Batch, "n_pairs"),
    (ops.Curvature, "of_parts"),
    (ops.Curvature, "combined"),
]
BATCH_FUNCS = {"make_chunk", "batches", "n_batches", "make_batch", "draw", "sample"}
BOUND_FUNCS = {"bound_steps", "of_parts", "combined"}

# How a profiled line is put in a phase: the first rule that matches wins. A rule is
# (description, phase, test(function name, source line)).
RULES = [
    (
        "line of make_chunk, BatchMaker.*, NegativeSampling.draw, NoiseSampler.sample",
        BATCH_MAKING,
        lambda f, s: f in BATCH_FUNCS,
    ),
    (
        "line of bound_steps or Curvature.* (only for crowded batches)",
        BOUND,
        lambda f, s: f in BOUND_FUNCS,
    ),
    (
        "line of ops.sigmoid, or a line with np.log / np.log1p",
        SIGMOID,
        lambda f, s: f == "sigmoid" or re.search(r"np\.log(1p)?\(", s) is not None,
    ),
    (
        "line of ops.scatter_add, or a line with np.add.at",
        SCATTERS,
        lambda f, s: f == "scatter_add" or "np.add.at" in s,
    ),
    (
        "a line with @, einsum or matmul (its calls' time taken out, e.g. sigmoid(H @ O.T); "
        "CBOW's H = A @ W_in[span] is one line, its gather counted here)",
        PRODUCTS,
        lambda f, s: re.search(r" @ |einsum|matmul", s) is not None,
    ),
    (
        "a line indexing rows by the batch: x[batch.*], x[draw.*]",
        GATHERS,
        lambda f, s: re.search(r"\[(batch|draw)\.", s) is not None,
    ),
    (
        "a line with np.*, .astype/.sum/.reshape/.transpose, or + - * / between operands",
        OTHER,
        lambda f, s: (
            re.search(r"np\.|\.astype\(|\.sum\(|\.reshape\(|\.transpose\(| [-+*/] ", s) is not None
        ),
    ),
    (
        "anything else (calls to profiled functions, unpacking, returns, control flow)",
        GLUE,
        lambda f, s: True,
    ),
]


def phase_of(qualname: str, source: str) -> str:
    func, code = qualname.rsplit(".", 1)[-1], source.split("#")[0]
    for _, phase, test in RULES:
        if test(func, code):
            return phase
    raise AssertionError("the last rule matches everything")


# ---------------------------------------------------------------------- the loop


def train_chunk(model: Word2Vec, ids: np.ndarray, keep_prob: np.ndarray, seed: int) -> dict:
    """``train_piece`` over all of ``ids`` as one chunk, as one worker runs it."""
    config = model.config
    maker = batching.BatchMaker(config.window, config.batch_centres, losses=model.losses)
    rng = np.random.default_rng(seed)
    lr = config.start_lr
    steps = kernel.train_piece(
        model, ids, Piece(0, len(ids)), keep_prob, maker, lambda _: rng, lambda _: lr, len(ids)
    )
    batches = kept = pairs = 0
    start = time.perf_counter()
    for step in steps:
        batches += 1
        kept += step.kept
        pairs += step.pairs
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "batches": batches, "kept": kept, "pairs": pairs, "lr": lr}


def first_words(corpus: str | Path, tokens: int) -> tuple[np.ndarray, Any]:
    """The ids of the first ``tokens`` words of ``corpus`` (in memory) and the vocabulary of
    the whole file, encoded as ``train`` does with min count 5."""
    with tempfile.TemporaryDirectory(prefix="step_profile.") as tmp:
        encoded = encode_corpus(iter_sentences(str(corpus)), Path(tmp) / "ids.u32", min_count=5)
        words_so_far = np.cumsum(ids_to_int64(encoded.ids) >= 0)
        cut = int(np.searchsorted(words_so_far, tokens)) + 1
        return np.array(encoded.ids[:cut]), encoded.vocab


def fresh_model(vocab, name: str) -> Word2Vec:
    return Word2Vec(vocab, dim=100, neg=5, model=name, seed=1)


# ---------------------------------------------------------------------- the profile


def _target(owner, name):
    """The plain function behind ``owner.name`` (method, classmethod, property)."""
    raw = owner.__dict__[name]
    if isinstance(raw, property):
        return raw.fget
    if isinstance(raw, classmethod):
        return raw.__func__
    return raw


@contextlib.contextmanager
def call_timers(profiled_codes: set, callee_time: dict):
    """Wrap every profiled function where its callers look it up: each call's inclusive
    time is added to ``callee_time[(code, line)]`` of the nearest profiled frame below it
    (the line that called it, perhaps through an unprofiled lambda). Restored on exit."""

    def wrap(fn):
        if inspect.isgeneratorfunction(fn):
            return fn  # generators are only called from train_piece, which is not profiled

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                frame = sys._getframe(1)
                while frame is not None and frame.f_code not in profiled_codes:
                    frame = frame.f_back
                if frame is not None:
                    callee_time[(frame.f_code, frame.f_lineno)] += dt

        return timed

    saved = []
    for owner, name in PROFILED:
        raw = owner.__dict__[name]
        saved.append((owner, name, raw))
        if isinstance(raw, property):
            new = property(wrap(raw.fget))
        elif isinstance(raw, classmethod):
            new = classmethod(wrap(raw.__func__))
        else:
            new = wrap(raw)
        setattr(owner, name, new)
    try:
        yield
    finally:
        for owner, name, raw in reversed(saved):
            setattr(owner, name, raw)


def profile_chunk(model: Word2Vec, ids, keep_prob, seed: int, LineProfiler) -> tuple[dict, list]:
    """The loop under line_profiler; returns its result and the profiled lines as
    (function, line number, hits, self seconds, source)."""
    profiler = LineProfiler()
    funcs = [_target(owner, name) for owner, name in PROFILED]
    for fn in funcs:
        profiler.add_function(fn)
    codes = {_target(owner, name).__code__ for owner, name in PROFILED}
    callee_time: dict = defaultdict(float)
    with call_timers(codes, callee_time):
        profiler.enable_by_count()
        try:
            result = train_chunk(model, ids, keep_prob, seed)
        finally:
            profiler.disable_by_count()
    stats = profiler.get_stats()
    by_code = {(c.co_filename, c.co_firstlineno, c.co_qualname): c for c in codes}
    lines = []
    for (filename, first, name), timings in stats.timings.items():
        code = by_code.get((filename, first, name))
        for lineno, hits, total in timings:
            seconds = total * stats.unit
            if code is not None:
                seconds -= callee_time.get((code, lineno), 0.0)
            source = linecache.getline(filename, lineno).strip()
            lines.append((name, lineno, hits, seconds, source))
    worst = min(seconds for *_, seconds, _ in lines)
    if worst < -1e-4:
        print(f"# WARNING: a line's self time is {worst:.4f} s (< 0): attribution is off")
    return result, lines


# ---------------------------------------------------------------------- shapes and counts


def batch_counts(model: Word2Vec, ids: np.ndarray, keep_prob, seed: int) -> dict:
    """FLOPs of the matrix products and rows gathered / scatter-added, summed over the batches
    ``train_chunk`` trains (made again from the same seed: the same batches)."""
    config = model.config
    maker = batching.BatchMaker(config.window, config.batch_centres, losses=model.losses)
    rng = np.random.default_rng(seed)
    raw = ids_to_int64(ids)
    chunk = batching.make_chunk(raw, keep_prob, maker.window, rng, config.shrink_windows)
    d = config.dim
    out: dict = defaultdict(int)
    for batch, _, _ in maker.batches(chunk, rng):
        draw = batch.draws["ns"]
        nb, T = batch.rows.shape
        C = batch.span.shape[1]
        ng, K = draw.neg.shape
        G = draw.weight.shape[1]
        pos = 2 * nb * T * C * d  # one (T x d) @ (d x C) product per block
        negs = 2 * ng * G * K * d  # one (G x d) @ (d x K) product per group
        out["batches"] += 1
        out["pairs"] += batch.n_pairs
        out["n_ctx_rows"] += int((batch.pair_mask.sum(axis=2) > 0).sum())
        out["cells"] += nb * T * C  # (centre, column) scores computed
        out.setdefault("shape", (nb, T, C, ng, G, K))  # the first batch's: a full one
        if config.model == "skipgram":
            out["flops"] += 3 * pos + 3 * negs  # S, E @ O, E^T @ H; the same for negatives
            gathered = nb * T + nb * C + ng * K  # W_in[rows], W_out[span], W_out[neg]
            scattered = nb * T + nb * C + ng * K
        else:
            out["flops"] += 2 * pos + 3 * negs + 2 * nb * T * d  # A @ X, B^T @ gH; einsum
            gathered = nb * C + nb * T + ng * K  # W_in[span], W_out[rows], W_out[neg]
            scattered = nb * C + nb * T + ng * K
        if config.model == "cbow":  # the gather inside H = A @ W_in[span], timed alone
            t0 = time.perf_counter()
            model.W_in[batch.span]
            out["span_gather_s"] += time.perf_counter() - t0
        out["rows_gathered"] += gathered
        out["rows_scattered"] += scattered
    out["bytes"] = (out["rows_gathered"] + 2 * out["rows_scattered"]) * d * 4
    return dict(out)


# ---------------------------------------------------------------------- machine limits


def best_time(fn, repeats: int = 5, min_seconds: float = 0.2) -> float:
    """Best seconds per call of ``fn`` over ``repeats`` runs of at least ``min_seconds``."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = min(best, elapsed / n)
    return best


def step_products(shape: tuple, d: int, model: str, rng) -> tuple[Callable[[], None], int]:
    """The matrix products of one step, written as the step writes them, on random float32
    arrays of the step's shapes; returns (function, FLOPs)."""
    nb, T, C, ng, G, K = shape
    f32 = np.float32
    H, O = rng.random((nb, T, d), f32), rng.random((nb, C, d), f32)
    E = rng.random((nb, T, C), f32)
    Hn, U, En = (
        rng.random((ng, G, d), f32),
        rng.random((ng, K, d), f32),
        rng.random((ng, G, K), f32),
    )

    def negatives():
        Hn @ U.transpose(0, 2, 1)
        En @ U
        En.transpose(0, 2, 1) @ Hn

    if model == "skipgram":

        def run():
            H @ O.transpose(0, 2, 1)
            E @ O
            E.transpose(0, 2, 1) @ H
            negatives()

        return run, 6 * nb * T * C * d + 6 * ng * G * K * d

    def run_cbow():
        E @ O  # H = A @ X
        negatives()
        E.transpose(0, 2, 1) @ H  # B^T @ gH

    return run_cbow, 4 * nb * T * C * d + 6 * ng * G * K * d


def copy_rate(n: int) -> float:
    """GB/s of np.copyto between two float32 arrays of n elements, counting read + write."""
    src = np.ones(n, np.float32)
    dst = np.empty_like(src)
    return 2 * src.nbytes / best_time(lambda: np.copyto(dst, src), repeats=5) / 1e9


def machine_limits(shapes: dict, d: int, V: int) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    A = rng.random((2000, 2000), np.float32)
    B = rng.random((2000, 2000), np.float32)
    out["gemm"] = 2 * 2000**3 / best_time(lambda: A @ B, repeats=3) / 1e9
    for model, shape in shapes.items():
        run, flops = step_products(shape, d, model, rng)
        out[f"step_{model}"] = flops / best_time(run) / 1e9
    n = 50_000_000  # 200 MB of float32
    out["copy"] = copy_rate(n)
    W = rng.random((V, d), np.float32)
    rows = rng.integers(0, V, 100_000)
    out["gather"] = len(rows) * d * 4 / best_time(lambda: W[rows]) / 1e9
    return out


# ---------------------------------------------------------------------- output


def wait_until_quiet(limit: float, max_wait: float) -> None:
    start = time.monotonic()
    while os.getloadavg()[0] >= limit:
        if time.monotonic() - start > max_wait:
            print(f"# WARNING: load average still {os.getloadavg()[0]:.2f} after {max_wait:.0f} s")
            return
        print(f"  load {os.getloadavg()[0]:.2f} >= {limit}: waiting", file=sys.stderr, flush=True)
        time.sleep(15)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def phase_table(name: str, lines: list, prof: dict, plain: dict) -> dict:
    """Print the phase table of one model; returns seconds by phase (scaled)."""
    raw = defaultdict(float)
    for func, _, _, seconds, source in lines:
        raw[phase_of(func, source)] += seconds
    raw[OUTSIDE] = prof["seconds"] - sum(raw.values())
    scale = plain["seconds"] / prof["seconds"]
    kept = plain["kept"]
    print(f"\n### {name}: phases of the step (scaled to the plain wall time)\n")
    print("| phase | s under profiler | seconds | % of the step | s per 1M trained words |")
    print("|---|---:|---:|---:|---:|")
    scaled = {}
    for phase in PHASES:
        s = raw.get(phase, 0.0) * scale
        scaled[phase] = s
        print(
            f"| {phase} | {raw.get(phase, 0.0):.3f} | {s:.3f} | {100 * s / plain['seconds']:.1f} "
            f"| {s / kept * 1e6:.2f} |"
        )
    print(
        f"| **total (plain wall time)** | {prof['seconds']:.3f} | {plain['seconds']:.3f} | 100.0 "
        f"| {plain['seconds'] / kept * 1e6:.2f} |"
    )
    return scaled


def top_lines(lines: list, n: int) -> None:
    print(f"\nTop {n} profiled lines by self time (under the profiler):\n")
    print("| function:line | hits | self s | phase | source |")
    print("|---|---:|---:|---|---|")
    for func, lineno, hits, seconds, source in sorted(lines, key=lambda x: -x[3])[:n]:
        code = source.replace("|", "\\|")
        if len(code) > 70:
            code = code[:67] + "..."
        print(
            f"| {func}:{lineno} | {hits} | {seconds:.3f} | {phase_of(func, source).split(' (')[0]} "
            f"| `{code}` |"
        )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="text file")
    ap.add_argument("--tokens", type=int, default=300_000, help="corpus words [300000]")
    ap.add_argument("--model", choices=["skipgram", "cbow", "both"], default="both")
    ap.add_argument("--repeats", type=int, default=3, help="plain timed runs, best kept [3]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=12, help="profiled lines listed per model [12]")
    ap.add_argument("--no-wait", action="store_true", help="do not wait for load < 1.3")
    args = ap.parse_args(argv)
    try:
        from line_profiler import LineProfiler
    except ImportError:
        print("step_profile: needs line_profiler (pip install line_profiler)", file=sys.stderr)
        return 2
    import line_profiler

    models = ["skipgram", "cbow"] if args.model == "both" else [args.model]
    print(f"# command: {shlex.join(['python', *sys.argv])}")
    threads = ", ".join(
        f"{v}={os.environ.get(v)}"
        for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE")
    )
    print(
        f"# {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {platform.platform()}; "
        f"{platform.processor() or platform.machine()}; {os.cpu_count()} CPUs; Python "
        f"{platform.python_version()}; NumPy {np.__version__}; line_profiler "
        f"{line_profiler.__version__}; {threads}"
    )

    ids, vocab = first_words(args.corpus, args.tokens)
    n_words = int(np.count_nonzero(ids_to_int64(ids) >= 0))
    keep_prob = vocab.keep_probabilities(fresh_model(vocab, "skipgram").config.sample)
    V = len(vocab)
    print(f"# corpus {args.corpus}: vocabulary {V:,}; first {n_words:,} corpus words, one chunk")

    if not args.no_wait:
        wait_until_quiet(QUIET_LOAD, 3600)
    print(f"# load average before: {load()}")

    results = {}
    for name in models:
        config = fresh_model(vocab, name).config
        plains = [train_chunk(fresh_model(vocab, name), ids, keep_prob, args.seed)]
        for _ in range(args.repeats - 1):
            plains.append(train_chunk(fresh_model(vocab, name), ids, keep_prob, args.seed))
        plain = min(plains, key=lambda r: r["seconds"])
        prof, lines = profile_chunk(
            fresh_model(vocab, name), ids, keep_prob, args.seed, LineProfiler
        )
        counts = batch_counts(fresh_model(vocab, name), ids, keep_prob, args.seed)
        examples = counts["pairs"] if name == "skipgram" else counts["n_ctx_rows"]
        if (counts["batches"], examples) != (plain["batches"], plain["pairs"]):
            raise SystemExit(f"step_profile: counted batches differ: {counts} {plain}")
        results[name] = (config, plain, prof, lines, counts)
        print(
            f"  {name}: plain {plain['seconds']:.2f} s, profiled {prof['seconds']:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    shapes = {name: r[4]["shape"] for name, r in results.items()}
    limits = machine_limits(shapes, 100, V)
    print(f"# load average after: {load()}")

    print(
        "\nPhase rules (first match wins; a line's time excludes the profiled functions "
        "it calls):\n"
    )
    for i, (text, phase, _) in enumerate(RULES, 1):
        print(f"{i}. {text} -> {phase.split(' (')[0]}")
    print(
        "\nPython overhead outside profiled lines = wall time of the profiled loop - sum of "
        "the self times of all profiled lines. Phases are scaled by plain wall / profiled "
        "wall (profiler overhead spread proportionally)."
    )

    floors = {}
    for name, (config, plain, prof, lines, counts) in results.items():
        kept = plain["kept"]
        nb, T, C, ng, G, K = counts["shape"]
        examples = "pairs" if name == "skipgram" else "examples (centres with a context)"
        print(
            f"\n## {name}: lr {plain['lr']:g} (constant), window {config.window}, batch_size "
            f"{config.batch_centres}, sample {config.sample:g}; {plain['batches']} batches (the "
            f"first: {nb} blocks x {T} rows x {C} columns, {ng} groups of {G} rows x K={K} "
            "negatives); "
            f"{kept:,} trained words, {plain['pairs']:,} {examples}; plain "
            f"{plain['seconds']:.3f} s = {n_words / plain['seconds'] / 1e3:.0f}k corpus "
            f"words/s, {kept / plain['seconds'] / 1e3:.0f}k trained words/s (best of "
            f"{args.repeats}); profiled {prof['seconds']:.3f} s "
            f"(x{prof['seconds'] / plain['seconds']:.2f})"
        )
        scaled = phase_table(name, lines, prof, plain)
        raw_products = scaled[PRODUCTS] * prof["seconds"] / plain["seconds"]
        print(
            f"\nMatrix products: {counts['flops'] / 1e9:.2f} GFLOP in {scaled[PRODUCTS]:.3f} s "
            f"scaled ({counts['flops'] / scaled[PRODUCTS] / 1e9:.0f} GFLOP/s) or "
            f"{raw_products:.3f} s unscaled ({counts['flops'] / raw_products / 1e9:.0f} GFLOP/s): "
            "the truth lies between (the profiler's cost falls mostly on cheap lines)."
        )
        if "span_gather_s" in counts:
            print(
                f"Of the matrix-products phase, the gather W_in[batch.span] inside "
                f"H = A @ W_in[span], timed alone on the same batches: "
                f"{counts['span_gather_s']:.3f} s."
            )
        top_lines(lines, args.top)
        if name == "skipgram":
            textbook = 6 * config.dim * (1 + config.neg) * counts["pairs"] / kept
            print(
                f"\nFLOPs: pair by pair (the C tool: 1 + k dot products and 2(1 + k) axpys per "
                f"pair, 6 d (1 + k) FLOPs) {textbook / 1e3:.1f}k per trained word; the blocks "
                f"compute {counts['flops'] / kept / 1e3:.1f}k (dense T x C scores of which "
                f"{100 * counts['pairs'] / counts['cells']:.0f}% are pairs, and K shared "
                "negatives per group of rows)."
            )
        flops_w = counts["flops"] / kept
        bytes_w = counts["bytes"] / kept
        floors[name] = (flops_w, bytes_w, plain["seconds"] / kept * 1e6)

    print("\n## Machine limits (one thread) and the floor per trained word\n")
    print("| measurement | value |")
    print("|---|---:|")
    print(f"| float32 matmul 2000 x 2000 | {limits['gemm']:.1f} GFLOP/s |")
    for name in results:
        print(
            f"| float32 products of one {name} step, its batched shapes | "
            f"{limits['step_' + name]:.1f} GFLOP/s |"
        )
    print(f"| copy of a 200 MB float32 array, (read + write) / s | {limits['copy']:.1f} GB/s |")
    print(
        f"| NumPy row gather W[ids], W {V:,} x 100 float32, random rows | "
        f"{limits['gather']:.1f} GB/s |"
    )
    print(
        "\n| model | matmul FLOPs per trained word | gather + scatter bytes per trained word "
        "| floor: flops/peak + bytes/copy-bw, s per 1M words | floor with the step-shape "
        "GFLOP/s and gather rate | measured s per 1M trained words | measured / floor |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (flops_w, bytes_w, measured) in floors.items():
        floor = flops_w / (limits["gemm"] * 1e9) * 1e6 + bytes_w / (limits["copy"] * 1e9) * 1e6
        real = (
            flops_w / (limits["step_" + name] * 1e9) * 1e6
            + bytes_w / (limits["gather"] * 1e9) * 1e6
        )
        print(
            f"| {name} | {flops_w / 1e6:.2f} M | {bytes_w / 1e3:.1f} kB | {floor:.3f} | "
            f"{real:.3f} | {measured:.2f} | {measured / floor:.0f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

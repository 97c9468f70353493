#!/usr/bin/env python
"""Training on a Dask cluster against one machine: quality, time and bytes sent.

    python benchmarks/distributed.py --corpus ../shared/data/corpus.txt.gz headline
    python benchmarks/distributed.py --corpus ../shared/data/corpus.txt.gz sweep \\
        --runs touched:1000000,sum:1000000,mean:1000000

The corpus is first rewritten once into a plain text file (our tokeniser, one sentence of
at most 10,000 tokens a line: ``compare_gensim.prepare_corpora``), so that it can be split
into byte ranges at line breaks.

``headline``: two whole commands, one after the other, each timed from start to end and
sampled for the peak PSS of its process tree (``compare_gensim.sample_tree``):
``word2vec-numpy train --workers W`` (Hogwild worker processes on one machine) and
``word2vec-numpy train --dask local:W`` (a local Dask cluster of W single-threaded
processes, started and stopped by the command), same options otherwise. Training seconds
and the bytes of the synchronisations come from each command's metrics file.

``sweep``: one local cluster and one prepared corpus, then a training run through the API
for each ``MERGE:SYNC_EVERY`` of ``--runs`` (``DaskBackend.summary`` gives bytes, rows and
seconds per synchronisation). Each result is printed as one JSON line when it is ready.

Quality: analogies of questions-words.txt (restricted to the 30,000 most frequent words),
WS-353 and SimLex-999, by our evaluator. The machine this runs on is shared: times are
only comparable within one run of this script.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# This script's folder would shadow the ``distributed`` package with this very file: take
# it off the path, and load the sibling script's helpers from their file.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("compare_gensim", HERE / "compare_gensim.py")
compare_gensim = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_gensim)
DEFAULT_DATA_DIR = compare_gensim.DEFAULT_DATA_DIR


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=("headline", "sweep", "estimate"))
    p.add_argument("--corpus", type=Path, default=DEFAULT_DATA_DIR / "corpus.txt.gz")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--restrict-vocab", type=int, default=30000)
    p.add_argument("--sync-every", type=int, default=None, help="headline: --sync-every")
    p.add_argument("--runs", default="touched:1000000,sum:1000000,mean:1000000")
    p.add_argument("--json", type=Path, default=None, help="append the results here")
    p.add_argument("--results", type=Path, default=None, help="estimate: a sweep's JSON lines")
    p.add_argument("--merge-rate", type=float, default=None, help="estimate: MB/s, not measured")
    return p.parse_args(argv)


def _emit(result: dict, args: argparse.Namespace) -> None:
    line = json.dumps(result)
    print(line, flush=True)
    if args.json:
        with open(args.json, "a") as f:
            f.write(line + "\n")


def _quality(model_path: Path, args: argparse.Namespace) -> dict:
    from word2vec_numpy import Word2Vec

    model = Word2Vec.load(model_path)
    return compare_gensim._evaluate(model.vocab.words, model.W_in, args)


def _run_command(argv: list[str]) -> dict:
    """Run a command to its end; wall seconds and the peak PSS of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"pss_kb": 0, "processes": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            _, pss, n = compare_gensim.sample_tree(proc.pid)
            if pss is not None and pss > peak["pss_kb"]:
                peak.update(pss_kb=pss, processes=n)
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.strip()[-2000:]}")
    return {
        "wall_seconds": round(time.perf_counter() - start, 2),
        "peak_pss_mb": round(peak["pss_kb"] / 1024, 1),
        "stdout": out.strip().splitlines()[-1:],
    }


def headline(corpus: Path, args: argparse.Namespace, tmp: Path) -> None:
    base = [sys.executable, "-m", "word2vec_numpy", "train", "--corpus", str(corpus)]
    base += ["--epochs", str(args.epochs), "--dim", str(args.dim), "--quiet", "--seed", "1"]
    runs = {
        "one machine": ["--workers", str(args.workers)],
        "dask": ["--dask", f"local:{args.workers}"]
        + (["--sync-every", str(args.sync_every)] if args.sync_every else []),
    }
    for name, extra in runs.items():
        out = tmp / name.replace(" ", "_")
        result = _run_command(base + extra + ["--out", str(out)])
        metrics = json.loads(Path(f"{out}.metrics.json").read_text())
        result.update(
            run=name,
            command=" ".join(["word2vec-numpy train", *base[5:], *extra]),
            train_seconds=metrics["seconds"],
            words_per_second=metrics["words_per_second"],
            dask=metrics.get("dask"),
            epochs=args.epochs,
            corpus_tokens=metrics["corpus_tokens"],
            quality=_quality(Path(f"{out}.npz"), args),
        )
        _emit(result, args)


def sweep(corpus: Path, args: argparse.Namespace) -> None:
    from word2vec_numpy import Trainer, Word2Vec
    from word2vec_numpy.training.dask import DaskBackend, connect, prepare_corpus

    client, cluster = connect(f"local:{args.workers}")
    try:
        start = time.perf_counter()
        parted = prepare_corpus(client, str(corpus), min_count=5)
        prepare_seconds = time.perf_counter() - start
        for spec in args.runs.split(","):
            merge, sync_every = spec.split(":")
            model = Word2Vec(parted.vocab, dim=args.dim, seed=1)
            backend = DaskBackend(client, merge)
            trainer = Trainer(
                model,
                parted.vocab,
                parted,
                backend=backend,
                epochs=args.epochs,
                sync_every=int(sync_every),
                quiet=True,
            )
            trainer.train()
            summary = backend.summary()
            result = {
                "run": f"dask {merge} sync {sync_every}",
                "merge": merge,
                "sync_every": int(sync_every),
                "epochs": args.epochs,
                "prepare_seconds": round(prepare_seconds, 2),
                "train_seconds": round(trainer.seconds, 2),
                "words_per_second": round(trainer.words_done / trainer.seconds, 1),
                "bytes_per_epoch": round(
                    (summary["bytes_up"] + summary["bytes_down"]) / args.epochs
                ),
                "dask": summary,
                "quality": compare_gensim._evaluate(parted.vocab.words, model.W_in, args),
            }
            _emit(result, args)
    finally:
        client.close()
        cluster.close()


# ------------------------------------------------------------------------------ on paper
# The cost of a synchronisation for a larger run, from the measured rates and a model of
# which rows a worker touches: a word's row of W_in when it is trained (kept by subsampling),
# of W_out when it is a context word or one of the shared negatives (480 per 256-word batch:
# 8 groups of 32 rows x 60 negatives, model/negative_sampling.py). For m draws from a
# distribution p the expected number of distinct rows is sum_w 1 - (1 - p_w)^m.
NEGATIVES_PER_WORD = 480 / 256


def touched_rows(counts, words: float, sample: float = 1e-3):
    """Expected distinct rows of W_in and W_out touched by training ``words`` corpus words
    drawn from a unigram distribution with ``counts``."""
    import numpy as np

    p = np.asarray(counts, dtype=np.float64)
    p = p / p.sum()
    keep = np.minimum((np.sqrt(p / sample) + 1) * sample / p, 1.0)  # vocab.keep_probabilities
    kept = words * float((p * keep).sum())
    p_kept = p * keep / (p * keep).sum()
    noise = p**0.75 / (p**0.75).sum()
    miss_in = np.exp(kept * np.log1p(-np.minimum(p_kept, 1 - 1e-16)))
    miss_neg = np.exp(kept * NEGATIVES_PER_WORD * np.log1p(-np.minimum(noise, 1 - 1e-16)))
    return float((1 - miss_in).sum()), float((1 - miss_in * miss_neg).sum())


def _best(fn, repeat: int = 3) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _rates(d: int, V: int = 200_000, replicas: int = 4) -> tuple[float, float]:
    """Bytes per second of merging deltas (``merge_deltas``) and of finding the changed rows
    (``changed_rows``, two matrices compared), at ``d`` dimensions with a fifth of the rows
    changed; best of three, which is what the machine does when nobody else uses it."""
    import numpy as np

    from word2vec_numpy.training.dask import changed_rows, merge_deltas

    rng = np.random.default_rng(0)
    base = rng.random((V, d), dtype=np.float32)
    deltas = []
    for _ in range(replicas):
        rows = np.sort(rng.choice(V, V // 5, replace=False)).astype(np.int32)
        deltas.append((rows, rng.random((len(rows), d), dtype=np.float32)))
    W = base.copy()
    merge = _best(lambda: merge_deltas(W, deltas, "sum"))
    W[deltas[0][0]] += 1.0
    compare = _best(lambda: changed_rows(W, base))
    delta_bytes = sum(r.nbytes + v.nbytes for r, v in deltas)
    return delta_bytes / merge, 2 * base.nbytes / compare


def estimate(args: argparse.Namespace) -> None:
    """Communication against compute per synchronisation for 8, 32 and 128 workers on 1 B
    tokens, a 1 M-word vocabulary and 300 dimensions (Zipf's law, exponent 1), from the rates
    measured by a ``sweep`` (its ``sum`` run at the default ``--sync-every``)."""
    import numpy as np

    runs = [json.loads(line) for line in args.results.read_text().splitlines()]
    runs = [r for r in runs if "dask" in r and r.get("merge") == "sum"]
    ref = min(runs, key=lambda r: abs(r["sync_every"] - 1_000_000))
    summary = ref["dask"]
    n_ref = summary["parts"]
    rows_ref = sum(summary["rows_per_sync"].values())
    if "counts" not in ref:  # the vocabulary of the sweep's corpus, counted again here
        from word2vec_numpy import encode_corpus, iter_sentences

        with tempfile.TemporaryDirectory() as tmp:
            corpus = encode_corpus(
                iter_sentences(args.corpus), Path(tmp) / "ids", max_tokens=args.max_tokens
            )
            ref["counts"] = corpus.vocab.counts.tolist()
    merge_rate, compare_rate = _rates(300)
    if args.merge_rate:
        merge_rate = args.merge_rate * 1e6
    print(
        f"merge {merge_rate / 1e6:,.0f} MB/s of deltas, comparison {compare_rate / 1e6:,.0f} MB/s"
        " of matrices (best of 3 on this machine, unless given)"
    )
    if ref["counts"]:
        rin, rout = touched_rows(ref["counts"], n_ref * ref["sync_every"])
        print(
            f"model on this corpus: {rin + rout:,.0f} rows for {n_ref} x {ref['sync_every']:,}"
            f" words (measured {rows_ref:,})"
        )
    V, d, tokens, bandwidth = 1_000_000, 300, 1e9, 1.25e9  # 10 Gbit/s links
    rate = 364_000 * 100 / d  # words/s of one worker: 364 k at d=100 (README), cost ~ d
    zipf = 1.0 / np.arange(1, V + 1)
    row = 4 * d + 4
    print(
        "\n| workers | words per sync | train s | up MB | down MB | compare s | gather s |"
        " merge s | broadcast s | sync/compute | speed-up |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (8, 32, 128):
        for per_sync in (100_000, 1_000_000, tokens / n):
            up = sum(touched_rows(zipf, per_sync)) * row
            down = sum(touched_rows(zipf, n * per_sync)) * row
            train = per_sync / rate
            compare = 2 * (2 * V * d * 4) / compare_rate  # both matrices, each with its copy
            gather = n * up / bandwidth
            merge = n * up / merge_rate
            broadcast = math.ceil(math.log2(n)) * down / bandwidth
            sync = compare + gather + merge + broadcast
            print(
                f"| {n} | {per_sync:,.0f} | {train:.1f} | {up / 1e6:,.0f} | {down / 1e6:,.0f} | "
                f"{compare:.1f} | {gather:.1f} | {merge:.1f} | {broadcast:.1f} | "
                f"{sync / train:.2f} | {n * train / (train + sync):.1f} |"
            )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    if args.mode == "estimate":
        estimate(args)
        return
    _emit({"machine": compare_gensim.machine_info(), "load_average": os.getloadavg()}, args)
    with tempfile.TemporaryDirectory(prefix="distributed-bench.") as name:
        tmp = Path(name)
        corpus, tokens = compare_gensim.prepare_corpora(args.corpus, [args.max_tokens], tmp)[
            args.max_tokens
        ]
        print(f"corpus: {tokens:,} tokens in {corpus}", file=sys.stderr, flush=True)
        if args.mode == "headline":
            headline(corpus, args, tmp)
        else:
            sweep(corpus, args)


if __name__ == "__main__":
    main()

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
    p.add_argument("mode", choices=("headline", "sweep"))
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


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.data_dir = args.data_dir.resolve()
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

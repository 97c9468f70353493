#!/usr/bin/env python
"""Whole commands, text on disk -> vectors on disk: ``word2vec-numpy train`` against gensim.

    python benchmarks/whole_process.py                                 # full corpus, skip-gram
    python benchmarks/whole_process.py --model cbow
    python benchmarks/whole_process.py --max-tokens 4000000 --model cbow
    python benchmarks/whole_process.py --seeds 1,2,3,4,5 --runs ours,gensim   # steadiness
    python benchmarks/whole_process.py --hs 1 --neg 0                  # hierarchical softmax

What a user feels is the whole command: reading and encoding the text, starting the workers,
training and writing the vectors. Each run is a fresh process, one after the other, on the
same plain text8-format file (``--corpus`` decompressed, and cut at ``--max-tokens``, first;
not timed):

* ``ours``: ``python -m word2vec_numpy train --corpus FILE --out DIR/m --quiet ...``: reads,
  encodes (a memory-mapped id file), trains with ``--workers`` processes, writes ``m.npz``.
* ``gensim``: a Python process that does what a gensim user does with a one-line text8-style
  file: ``Word2Vec(Text8Corpus(FILE), ...)``, then ``wv.save_word2vec_format(binary=True)``.
* ``gensim-file``: gensim's fastest path, ``Word2Vec(corpus_file=LINES, ...)``, on the same
  tokens written as lines of 10,000 (made first, not timed); an anchor.

Same settings for all: dim, window, negatives, hs, sample, min count, epochs, workers, seed;
learning rate 0.025 for skip-gram and 0.05 for CBOW, falling to 1e-4 (ours' defaults, given
to gensim explicitly). Timed: the wall time of the process, from its start (interpreter and
imports included) to its exit. Memory: the peak of the summed PSS of the process and all its
descendants (``compare_gensim.sample_tree``, every 0.1 s). Then, not timed, every vector file
is evaluated by the same code (``word2vec_numpy.vectors.evaluate``): analogies (restrict
30,000), WS-353 and SimLex-999 Spearman.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from compare_gensim import machine_info, sample_tree

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
RUNS = ("ours", "gensim", "gensim-file")
LINE_TOKENS = 10_000

GENSIM = """
import json, sys
from gensim.models import Word2Vec
from gensim.models.word2vec import Text8Corpus
c = json.loads(sys.argv[1])
sg = c["model"] == "skipgram"
settings = dict(
    vector_size=c["dim"], window=c["window"], negative=c["neg"], hs=c["hs"],
    sample=c["sample"], min_count=c["min_count"], sg=int(sg), cbow_mean=1,
    workers=c["workers"], epochs=c["epochs"], seed=c["seed"],
    alpha=0.025 if sg else 0.05, min_alpha=1e-4,
)
if c["reader"] == "text8":
    model = Word2Vec(Text8Corpus(c["path"]), **settings)
else:
    model = Word2Vec(corpus_file=c["path"], **settings)
model.wv.save_word2vec_format(c["out"], binary=True)
"""


def prepare(
    source: Path, max_tokens: int | None, tmp: Path, repeat: int = 1
) -> tuple[Path, Path, int]:
    """The corpus as one line of tokens (text8 format) and as lines of LINE_TOKENS tokens,
    cut at ``max_tokens`` and then written ``repeat`` times one after the other (a large
    corpus for the scaling test, made here, never kept); returns both paths and the number
    of tokens."""
    from word2vec_numpy.data.text import iter_sentences

    one_line, lines = tmp / "corpus.txt", tmp / "corpus.lines.txt"
    # a text8 file as it is (decompressed); anything else, or a slice, rewritten
    rewrite = max_tokens is not None or source.suffix != ".gz"
    if not rewrite:
        with gzip.open(source, "rb") as f, open(one_line, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
    n = 0
    with open(lines, "w") as out_lines, open(one_line, "a") as out_one:
        for sentence in iter_sentences(source if rewrite else one_line, LINE_TOKENS):
            if max_tokens is not None:
                sentence = sentence[: max_tokens - n]
            if not sentence:
                break
            out_lines.write(" ".join(sentence) + "\n")
            if rewrite:
                out_one.write((" " if n else "") + " ".join(sentence))
            n += len(sentence)
    for path, between in ((one_line, b" "), (lines, b"")):
        if repeat > 1:
            size = path.stat().st_size
            with open(path, "r+b") as f:
                for _ in range(repeat - 1):
                    f.seek(0)
                    chunk_at, end = 0, size
                    f.seek(0, 2)
                    f.write(between)
                    while chunk_at < end:  # copy the first copy, in 64 MB pieces
                        f.seek(chunk_at)
                        block = f.read(min(1 << 26, end - chunk_at))
                        f.seek(0, 2)
                        f.write(block)
                        chunk_at += len(block)
    return one_line, lines, n * repeat


def command(run: str, args: argparse.Namespace, seed: int, files: tuple, out: Path) -> list:
    one_line, lines = files
    if run == "ours":
        return [
            sys.executable, "-m", "word2vec_numpy", "train", "--corpus", str(one_line),
            "--out", str(out / "m"), "--model", args.model, "--dim", str(args.dim),
            "--window", str(args.window), "--neg", str(args.neg), "--hs", str(args.hs),
            "--sample", str(args.sample), "--min-count", str(args.min_count),
            "--epochs", str(args.epochs), "--workers", str(args.workers),
            "--seed", str(seed), "--quiet",
        ] + (["--batch-size", str(args.batch_size)] if args.batch_size else [])  # fmt: skip
    settings = {
        key: getattr(args, key)
        for key in ("model", "dim", "window", "neg", "hs", "sample", "min_count", "epochs")
    }
    settings.update(
        workers=args.workers,
        seed=seed,
        reader="text8" if run == "gensim" else "lines",
        path=str(one_line if run == "gensim" else lines),
        out=str(out / "vectors.bin"),
    )
    return [sys.executable, "-c", GENSIM, json.dumps(settings)]


def timed(cmd: list[str], interval: float) -> dict[str, Any]:
    """Run ``cmd``; its wall seconds and the peak summed PSS/RSS of its process tree."""
    peak = {"pss_kb": 0, "rss_kb": 0, "processes": 0}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss, n = sample_tree(proc.pid)
            peak["rss_kb"] = max(peak["rss_kb"], rss)
            peak["pss_kb"] = max(peak["pss_kb"], pss or 0)
            peak["processes"] = max(peak["processes"], n)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd[:6])} ...\n{stderr[-2000:]}")
    return {"seconds": seconds, **peak}


def evaluate(run: str, out: Path, data_dir: Path) -> dict[str, Any]:
    from word2vec_numpy.formats.word2vec_format import load_word2vec_format
    from word2vec_numpy.model.word2vec import Word2Vec
    from word2vec_numpy.vectors.evaluate import evaluate_analogies, evaluate_word_pairs

    if run == "ours":
        model = Word2Vec.load(out / "m.npz")
        words, vectors = list(model.vocab.words), model.W_in
    else:
        words, vectors = load_word2vec_format(out / "vectors.bin", binary=True)
    analogies = evaluate_analogies(words, vectors, data_dir / "questions-words.txt")
    result = {"vocab": len(words), "analogy": analogies["accuracy"]}
    for name, file in (("ws353", "wordsim353.tsv"), ("simlex", "simlex999.txt")):
        result[name] = evaluate_word_pairs(words, vectors, data_dir / file)["spearman"]
    return result


def summary(results: list[dict], runs: list[str]) -> list[str]:
    """Markdown: one row per run and seed, then the mean (and std over seeds) per run, and
    ours against each gensim run."""
    rows = [
        "| run | seed | whole s | peak PSS MB | processes | analogy | WS-353 | SimLex | vocab |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r['run']} | {r['seed']} | {r['seconds']:.1f} | {r['pss_kb'] / 1024:.0f} | "
            f"{r['processes']} | {100 * r['analogy']:.2f}% | {r['ws353']:.3f} | "
            f"{r['simlex']:.3f} | {r['vocab']:,} |"
        )
    mean = {}
    for run in runs:
        mine = [r for r in results if r["run"] == run]
        acc = [100 * r["analogy"] for r in mine]
        mean[run] = {
            "seconds": statistics.mean(r["seconds"] for r in mine),
            "pss": statistics.mean(r["pss_kb"] for r in mine) / 1024,
            "acc": statistics.mean(acc),
            "std": statistics.stdev(acc) if len(acc) > 1 else 0.0,
            "n": len(acc),
        }
    rows += ["", "| run | runs | mean whole s | mean peak PSS MB | analogy mean +- std |"]
    rows.append("|---|---:|---:|---:|---:|")
    for run, m in mean.items():
        rows.append(
            f"| {run} | {m['n']} | {m['seconds']:.1f} | {m['pss']:.0f} | "
            f"{m['acc']:.2f} +- {m['std']:.2f} |"
        )
    if "ours" in mean:
        for other in (run for run in mean if run != "ours"):
            o, g = mean["ours"], mean[other]
            rows.append(
                f"\nours vs {other}: {g['seconds'] / o['seconds']:.2f}x the speed, "
                f"{o['pss'] / g['pss']:.2f}x the peak PSS, analogy {o['acc'] - g['acc']:+.2f} "
                "points"
            )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_DATA_DIR / "corpus.txt.gz")
    p.add_argument("--max-tokens", type=int, default=None, help="the first N tokens only")
    p.add_argument("--repeat", type=int, default=1, help="the corpus written K times over")
    p.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram")
    p.add_argument("--runs", default=",".join(RUNS), help=f"some of {','.join(RUNS)}")
    p.add_argument("--seeds", default="1", help="comma-separated; every run once per seed")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--neg", type=int, default=5)
    p.add_argument("--hs", type=int, choices=(0, 1), default=0)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=None, help="ours only [its default]")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--tmp-dir", type=Path, default=None)
    p.add_argument("--interval", type=float, default=0.1, help="seconds between PSS samples")
    p.add_argument("--json", type=Path, default=None, help="also write every result here")
    args = p.parse_args()
    runs = [r for r in args.runs.split(",") if r]
    if any(r not in RUNS for r in runs):
        p.error(f"--runs: choose from {', '.join(RUNS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="whole.", dir=args.tmp_dir))
    try:
        one_line, lines, n_tokens = prepare(args.corpus, args.max_tokens, tmp, args.repeat)
        info = machine_info()
        print(f"command: `python {' '.join(sys.argv)}`")
        print(
            f"machine: {info['platform']}, {info['cpus_usable']} CPUs, Python {info['python']}, "
            f"NumPy {info['numpy']}, gensim {info['gensim']}; load average before: "
            f"{os.getloadavg()[0]:.2f}"
        )
        print(
            f"corpus: {args.corpus} x {args.repeat} ({n_tokens:,} tokens); {args.model}, "
            f"dim {args.dim}, window {args.window}, neg {args.neg}, hs {args.hs}, "
            f"sample {args.sample:g}, "
            f"min count {args.min_count}, {args.epochs} epochs, {args.workers} workers\n",
            flush=True,
        )
        results = []
        for seed in seeds:
            for run in runs:
                out = tmp / f"{run}.{seed}"
                out.mkdir()
                result = timed(command(run, args, seed, (one_line, lines), out), args.interval)
                result.update(evaluate(run, out, args.data_dir), run=run, seed=seed)
                result["load_after"] = os.getloadavg()[0]
                results.append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
                shutil.rmtree(out)
        print("\n".join(summary(results, runs)))
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        if args.json:
            settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
            report = {"settings": settings, "tokens": n_tokens, "results": results}
            args.json.write_text(json.dumps(report, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

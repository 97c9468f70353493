#!/usr/bin/env python
"""Peak memory of counting a corpus with 20 M distinct tokens, with and without
``max_vocab_size`` pruning: ours (``encode_corpus``, what ``train`` runs) and gensim
(``build_vocab``), in the same run.

    python benchmarks/vocab_memory.py                          # 20 M distinct tokens
    python benchmarks/vocab_memory.py --distinct 2000000       # a quick look

The corpus is generated on the fly in every child (never written to disk), the same for all
runs: sentences of 20 tokens, half of them drawn from a Zipf distribution over ``--common``
words (``c0``, ``c1``, ...), half tail tokens that occur once each (``t0``, ``t1``, ...), so
there are ``--distinct`` distinct tokens and about twice as many tokens. Each run is a child
process (this script with ``--child``), one after the other; the parent samples the child's
process tree every 0.1 s and keeps the largest summed PSS (``/proc/<pid>/smaps_rollup``) and
RSS, as ``compare_gensim.py`` does. The child's own ``ru_maxrss`` is printed as a cross-check.

Runs:

* ``ours``: ``encode_corpus(corpus, ids, vocab=Vocabulary(min_count))``: exact counts in a
  dict of every distinct word, then the id file.
* ``ours --max-vocab-size N``: the same with ``Vocabulary(min_count, max_vocab_size=N)``
  (gensim's pruning rule while counting, ``data/counting.py``).
* ``gensim`` and ``gensim max_vocab_size=N``: ``Word2Vec(vector_size=10, min_count=...,
  max_vocab_size=...).build_vocab(corpus)`` (vector_size 10: the weights it allocates after
  counting stay small).

With pruning the two libraries keep the same vocabulary (the parent compares a digest of the
sorted words); it is smaller than the exact one, because pruning lowers the counts of words
that were dropped and came back (the trade-off gensim documents).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from compare_gensim import machine_info, sample_tree

SENTENCE = 20
CHUNK_SENTENCES = 50_000


class Corpus:
    """The generated corpus, re-iterable: the same sentences on every pass."""

    def __init__(self, distinct: int, common: int, seed: int = 0) -> None:
        self.tail = distinct - common  # tokens that occur once
        self.common = common
        self.seed = seed
        ranks = np.arange(1, common + 1, dtype=np.float64)
        self.p = 1.0 / (ranks + 2.7)  # Zipf-Mandelbrot, as the sample corpus' noise words
        self.p /= self.p.sum()

    def __iter__(self):
        rng = np.random.default_rng(self.seed)
        next_tail = 0
        half = SENTENCE // 2
        while next_tail < self.tail:
            n = min(CHUNK_SENTENCES, -(-(self.tail - next_tail) // half))
            common = rng.choice(self.common, size=(n, half), p=self.p)
            tail = np.arange(next_tail, next_tail + n * half).reshape(n, half)
            tail = np.where(tail < self.tail, tail, -1)
            next_tail += n * half
            for c_row, t_row in zip(common.tolist(), tail.tolist(), strict=True):
                words = [f"c{c}" for c in c_row] + [f"t{t}" for t in t_row if t >= 0]
                order = rng.permutation(len(words)).tolist()
                yield [words[i] for i in order]


def child(args: argparse.Namespace) -> None:
    corpus = Corpus(args.distinct, args.common)
    t0 = time.perf_counter()
    if args.child == "ours":
        from word2vec_numpy.data.encode import encode_corpus
        from word2vec_numpy.data.vocab import Vocabulary

        vocab = Vocabulary(args.min_count, max_vocab_size=args.prune)
        with tempfile.TemporaryDirectory(dir=args.tmp_dir) as tmp:
            encoded = encode_corpus(corpus, Path(tmp) / "ids.u32", vocab=vocab)
        words, tokens = encoded.vocab.words, encoded.total_tokens
    else:
        from gensim.models import Word2Vec

        model = Word2Vec(vector_size=10, min_count=args.min_count, max_vocab_size=args.prune)
        model.build_vocab(corpus)
        words, tokens = model.wv.index_to_key, model.corpus_total_words
    seconds = time.perf_counter() - t0
    digest = hashlib.sha256("\n".join(sorted(words)).encode()).hexdigest()[:12]
    result = {
        "seconds": seconds,
        "tokens": int(tokens),
        "vocab": len(words),
        "digest": digest,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result), flush=True)


def run(kind: str, max_vocab_size: int | None, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--distinct", str(args.distinct)]
    cmd += ["--common", str(args.common), "--min-count", str(args.min_count)]
    if max_vocab_size:
        cmd += ["--prune", str(max_vocab_size)]
    if args.tmp_dir:
        cmd += ["--tmp-dir", args.tmp_dir]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        rss, pss, _ = sample_tree(proc.pid)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss or 0)
        time.sleep(0.1)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"{kind} failed (exit {proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(peak_pss_mb=peak_pss / 1024, peak_rss_mb=peak_rss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distinct", type=int, default=20_000_000, help="distinct tokens")
    parser.add_argument("--common", type=int, default=100_000, help="Zipf-distributed words")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--max-vocab-size", type=int, default=1_000_000, help="N when pruned")
    parser.add_argument("--only", choices=("ours", "gensim"), help="run just one library")
    parser.add_argument("--tmp-dir", default=None, help="where our id file goes")
    parser.add_argument("--child", choices=("ours", "gensim"), help=argparse.SUPPRESS)
    parser.add_argument("--prune", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    kinds = [args.only] if args.only else ["ours", "gensim"]
    rows = []
    for kind in kinds:
        for limit in (None, args.max_vocab_size):
            rows.append((kind, limit, run(kind, limit, args)))
    info = machine_info()
    print(f"command: `{shlex.join([sys.executable, *sys.argv])}`")
    print(
        f"machine: {info['platform']}, {info['cpu_count']} CPUs, Python {info['python']}, "
        f"NumPy {info['numpy']}, gensim {info['gensim']}"
    )
    tokens = rows[0][2]["tokens"]
    print(
        f"corpus: {args.distinct:,} distinct tokens ({args.common:,} Zipf words + "
        f"{args.distinct - args.common:,} that occur once), {tokens:,} tokens; "
        f"min_count {args.min_count}"
    )
    print()
    print("| run | max_vocab_size | peak PSS MB | peak RSS MB | ru_maxrss MB | seconds "
          "| vocabulary | words digest |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for kind, limit, r in rows:
        print(
            f"| {kind} | {limit or '-'} | {r['peak_pss_mb']:,.0f} | {r['peak_rss_mb']:,.0f} "
            f"| {r['ru_maxrss_mb']:,.0f} | {r['seconds']:.1f} | {r['vocab']:,} "
            f"| `{r['digest']}` |"
        )


if __name__ == "__main__":
    main()

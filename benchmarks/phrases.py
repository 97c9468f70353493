#!/usr/bin/env python
"""Time phrase detection: word2vec-numpy's ``Phrases`` vs gensim's, on the same corpus.

    python benchmarks/phrases.py                       # the full shared corpus (14.9M tokens)
    python benchmarks/phrases.py --corpus ../shared/data/corpus1m.txt

The corpus (text8 format: one line of lower-case words) is first decompressed into a temporary
plain file (not timed), which every run reads. Each run is a separate child process (this
script with ``--child``), one after the other, and reports its own peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and its phrases, so the parent can check that
both libraries found the same set. Runs:

* ``gensim``: ``Phrases(Text8Corpus(path), ...)`` ("learn"), ``freeze()`` ("freeze": scores
  every pair), then the frozen model applied to every sentence of ``Text8Corpus`` ("apply").
* ``ours``: ``Phrases(...).learn(iter_sentences(path))``, ``freeze()``, ``apply`` over
  ``iter_sentences``: what ``word2vec-numpy phrases`` does. ``iter_sentences`` runs our
  Unicode tokeniser (a regex), which alone takes most of the time on this corpus.
* ``ours-t8``: the same but reading with gensim's ``Text8Corpus`` (a bytes split), so the
  two libraries differ only in the counting, scoring and applying.

All settings (``--min-count``, ``--threshold``, ``--scoring``, ``--connector-words``) are the
same for all runs; gensim's ``max_vocab_size`` default (40M) is used by both.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus.txt.gz"
RUNS = ("gensim", "ours", "ours-t8")


def child(args: argparse.Namespace) -> None:
    # Imports first: start-up is not timed.
    from gensim.models.phrases import Phrases as GensimPhrases
    from gensim.models.word2vec import Text8Corpus

    from word2vec_numpy.data.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from word2vec_numpy.data.text import iter_sentences

    connectors = ENGLISH_CONNECTOR_WORDS if args.connector_words == "english" else frozenset()
    settings = dict(min_count=args.min_count, threshold=args.threshold)

    def reader():
        return iter_sentences(args.path) if args.child == "ours" else Text8Corpus(args.path)

    t0 = time.perf_counter()
    if args.child == "gensim":
        model = GensimPhrases(
            reader(), scoring=args.scoring, connector_words=connectors, **settings
        )
        t1 = time.perf_counter()
        frozen = model.freeze()
        t2 = time.perf_counter()
        phrases = sorted(frozen.phrasegrams)
        n_out = sum(len(frozen[s]) for s in reader())
    else:
        model = Phrases(scoring=args.scoring, connector_words=connectors, **settings)
        model.learn(reader())
        t1 = time.perf_counter()
        frozen = model.freeze()
        t2 = time.perf_counter()
        phrases = sorted(frozen.export_phrases())
        n_out = sum(len(s) for s in frozen.apply(reader()))
    t3 = time.perf_counter()
    with open(args.phrases_out, "w", encoding="utf-8") as f:
        json.dump(phrases, f)
    result = {
        "learn": t1 - t0,
        "freeze": t2 - t1,
        "apply": t3 - t2,
        "phrases": len(phrases),
        "tokens_out": n_out,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result))


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="text8-format file")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=10.0)
    parser.add_argument("--scoring", choices=("default", "npmi"), default="default")
    parser.add_argument("--connector-words", choices=("none", "english"), default="none")
    parser.add_argument("--only", choices=RUNS, action="append", help="run just these")
    parser.add_argument("--tmp-dir", default=None, help="where the decompressed copy goes")
    parser.add_argument("--child", choices=RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--phrases-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    runs = args.only or list(RUNS)
    with tempfile.TemporaryDirectory(dir=args.tmp_dir) as tmp:
        plain = Path(tmp) / "corpus.txt"
        opener = gzip.open if args.corpus.endswith(".gz") else open
        with opener(args.corpus, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        results, phrase_sets = {}, {}
        for run in runs:
            out = Path(tmp) / f"{run}.json"
            cmd = [sys.executable, __file__, "--child", run, "--path", str(plain)]
            cmd += ["--phrases-out", str(out), "--min-count", str(args.min_count)]
            cmd += ["--threshold", str(args.threshold), "--scoring", args.scoring]
            cmd += ["--connector-words", args.connector_words]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"{run} failed:\n{done.stderr}")
            results[run] = json.loads(done.stdout.strip().splitlines()[-1])
            phrase_sets[run] = set(json.loads(out.read_text(encoding="utf-8")))

    print(f"command: `{shlex.join([sys.executable, *sys.argv])}`")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, NumPy {_version('numpy')}, gensim {_version('gensim')}"
    )
    print(
        f"settings: min_count={args.min_count} threshold={args.threshold} "
        f"scoring={args.scoring} connector_words={args.connector_words}; corpus {args.corpus}"
    )
    print()
    print(
        "| run | reader | learn s | freeze s | learn+freeze s | apply s | phrases "
        "| peak RSS MB | learn+freeze vs gensim |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    readers = {"gensim": "Text8Corpus", "ours": "iter_sentences", "ours-t8": "Text8Corpus"}
    base = results.get("gensim")
    for run in runs:
        r = results[run]
        total = r["learn"] + r["freeze"]
        ratio = f"{(base['learn'] + base['freeze']) / total:.1f}x faster" if base else ""
        if run == "gensim":
            ratio = "1.0x"
        print(
            f"| {run} | {readers[run]} | {r['learn']:.2f} | {r['freeze']:.2f} | {total:.2f} "
            f"| {r['apply']:.2f} | {r['phrases']:,} | {r['peak_rss_mb']:.0f} | {ratio} |"
        )
    if "gensim" in phrase_sets:
        print()
        for run in runs:
            if run == "gensim":
                continue
            ours, theirs = phrase_sets[run], phrase_sets["gensim"]
            same = "the same set" if ours == theirs else "DIFFERENT sets"
            print(
                f"{run} vs gensim: {same} of phrases (only ours {len(ours - theirs)}, "
                f"only gensim {len(theirs - ours)})"
            )
        tokens = {r["tokens_out"] for r in results.values()}
        print(f"tokens after applying: {'equal' if len(tokens) == 1 else tokens}")


if __name__ == "__main__":
    main()

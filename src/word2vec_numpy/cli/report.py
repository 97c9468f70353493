"""What ``train --evaluate`` prints: a quick look at a freshly trained model."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..data.sample import sample_questions
from ..vectors.evaluate import evaluate_analogies, evaluate_analogy_text, evaluate_word_pairs
from .common import analogy_table, format_table, pairs_table

PROBE_FROM = 20  # the first ~20 ids are function words whose neighbours say little
SAMPLE_PROBES = ("king", "paris", "dog", "walk", "big")


def _option(options: Any, name: str, default: Any = None) -> Any:
    if options is None:
        return default
    value = options.get(name) if isinstance(options, Mapping) else getattr(options, name, None)
    return default if value is None else value


def _norm_stats(matrix: np.ndarray) -> dict[str, float]:
    norms = np.linalg.norm(np.asarray(matrix, dtype=np.float32), axis=1)
    if len(norms) == 0:
        return {"mean": 0.0, "std": 0.0, "min": 0.0, "max": 0.0}
    return {
        k: float(f(norms))
        for k, f in (("mean", np.mean), ("std", np.std), ("min", np.min), ("max", np.max))
    }


def _is_sample_corpus(options: Any) -> bool:
    if _option(options, "sample_corpus", False):
        return True
    corpus = _option(options, "corpus", "")
    return str(corpus) in ("sample", "<sample>")


def _probe_words(model: Any, sample: bool) -> list[str]:
    words = model.vocab.words
    if sample:
        probes = [w for w in SAMPLE_PROBES if w in model.vocab.word_to_id]
        if probes:
            return probes
    n = len(words)
    start = PROBE_FROM if n > PROBE_FROM + 5 else 0
    step = max(1, min(20, (n - start) // 5))  # ids 20, 40, ..., 100 in a big vocabulary
    return [words[i] for i in range(start, min(n, start + 5 * step), step)]


def report_after_training(
    model: Any, options: Any = None, out_stream: TextIO | None = None
) -> dict:
    """Print a quick look at a freshly trained model and return the numbers.

    Prints nearest neighbours of a few frequent (non-stop-word) words, the row-norm
    statistics of ``W_in`` and the output matrices, the planted analogies when the corpus is
    the sample corpus, and the benchmarks given in ``options``. ``options`` is an argparse
    Namespace or a dict; read: ``corpus`` (``"sample"`` means the sample corpus) or
    ``sample_corpus`` (bool), ``analogies`` (file), ``pairs`` (list of files),
    ``restrict_vocab`` (default 30000), ``case_insensitive`` (default True).
    """
    out = out_stream if out_stream is not None else sys.stdout
    kv = model.wv
    words, W_in = kv.words, kv.vectors
    report: dict[str, Any] = {}
    sample = _is_sample_corpus(options)

    probes = _probe_words(model, sample)
    neighbours = kv.most_similar_batch(probes, topn=8) if probes else []
    report["neighbours"] = {
        w: [(n, round(s, 4)) for n, s in r] for w, r in zip(probes, neighbours, strict=True)
    }
    print("nearest neighbours:", file=out)
    width = max((len(w) for w in probes), default=0)
    for w, r in zip(probes, neighbours, strict=True):
        print(f"  {w.ljust(width)}  " + ", ".join(f"{n} {s:.2f}" for n, s in r), file=out)

    report["norms"] = {"W_in": _norm_stats(W_in)}
    for name in ("W_out", "W_nodes"):  # negative sampling, hierarchical softmax
        if getattr(model, name, None) is not None:
            report["norms"][name] = _norm_stats(getattr(model, name))
    rows = [
        (name, *(f"{s[k]:.4f}" for k in ("mean", "std", "min", "max")))
        for name, s in report["norms"].items()
    ]
    print("\nrow norms:\n" + format_table(("matrix", "mean", "std", "min", "max"), rows), file=out)

    report["sample_analogies"] = None
    if sample:
        result = evaluate_analogy_text(
            words,
            W_in,
            sample_questions(),
            restrict_vocab=None,
            case_insensitive=False,
            source="sample questions",
        )
        report["sample_analogies"] = result
        print("\n" + analogy_table(result), file=out)
        if all(w in model.vocab.word_to_id for w in ("king", "man", "woman")):
            best = kv.analogy("king", "man", "woman", topn=3)
            print("  king - man + woman = " + ", ".join(f"{w} {s:.2f}" for w, s in best), file=out)

    report["analogies"] = None
    analogies = _option(options, "analogies")
    restrict = _option(options, "restrict_vocab", 30000)
    case_insensitive = _option(options, "case_insensitive", True)
    if analogies:
        report["analogies"] = evaluate_analogies(
            words, W_in, analogies, restrict_vocab=restrict, case_insensitive=case_insensitive
        )
        print("\n" + analogy_table(report["analogies"]), file=out)
    pairs = _option(options, "pairs", [])
    if isinstance(pairs, (str, Path)):
        pairs = [pairs]
    report["pairs"] = [
        evaluate_word_pairs(words, W_in, f, case_insensitive=case_insensitive) for f in pairs
    ]
    if report["pairs"]:
        print("\n" + pairs_table(report["pairs"]), file=out)
    if not (sample or analogies or pairs):  # say so, rather than leave them out unnoticed
        print(
            "\nno benchmark given: --analogies questions-words.txt and --pairs wordsim353.tsv "
            "score the vectors, as those files do in the data folder (--data-dir, "
            "$WORD2VEC_NUMPY_DATA); afterwards: word2vec-numpy evaluate MODEL",
            file=out,
        )
    return report

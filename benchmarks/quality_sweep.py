"""How training settings of ours move quality: one line per setting, on one corpus.

    python benchmarks/quality_sweep.py --corpus ../shared/data/corpus.txt.gz \
        '{"batch_size": 256}' '{"batch_size": 512}' '{"shared_negatives": 30}'

Each JSON object holds ``Trainer`` keyword arguments (plus "model": "skipgram"|"cbow" and
"dim"); everything else is the defaults (5 epochs, window 5, 5 negatives, all cores). The
corpus is encoded once; every setting trains from the same seed and is scored with our
evaluator (analogies restricted to the 30,000 most frequent words, WordSim-353 Spearman).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from word2vec_numpy import Trainer, Word2Vec, encode_corpus, iter_sentences
from word2vec_numpy.vectors.evaluate import evaluate_analogies, evaluate_word_pairs

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--data-dir", default=str(DATA))
    parser.add_argument("settings", nargs="+", help="JSON objects of Trainer arguments")
    args = parser.parse_args()
    data = Path(args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = encode_corpus(
            iter_sentences(args.corpus), Path(tmp) / "ids.u32", max_tokens=args.max_tokens
        )
        print(
            f"# corpus {args.corpus}: {corpus.total_tokens:,} tokens, {len(corpus.vocab):,} words"
        )
        print("| setting | train s | analogy | covered | WS-353 | final loss | max norm in/out |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for text in args.settings:
            options = json.loads(text)
            kind = options.pop("model", "skipgram")
            dim = options.pop("dim", 100)
            options.setdefault("workers", os.cpu_count() or 1)
            model = Word2Vec(corpus.vocab, embed_dim=dim, model=kind, seed=options.get("seed", 1))
            trainer = Trainer(model, corpus.vocab, corpus, quiet=True, **options)
            start = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - start
            analogies = evaluate_analogies(
                model.vocab.words, model.W_in, data / "questions-words.txt", restrict_vocab=30000
            )
            pairs = evaluate_word_pairs(model.vocab.words, model.W_in, data / "wordsim353.tsv")
            loss = trainer.epoch_losses[-1]
            norm_in = float(np.linalg.norm(model.W_in, axis=1).max())
            norm_out = float(np.linalg.norm(model.W_out, axis=1).max())
            print(
                f"| {kind} {text} | {seconds:.1f} | {analogies['accuracy']:.4f} | "
                f"{analogies['total']:,} | {pairs['spearman']:.3f} | {loss:.4f} | "
                f"{norm_in:.1f} / {norm_out:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

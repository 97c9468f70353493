#!/usr/bin/env python
"""Two versions of the training step, interleaved: is a change faster, and is it bit-exact?

    python benchmarks/ab_step.py --base HEAD~1 --new HEAD                 # about 1 minute
    python benchmarks/ab_step.py --base 757bac6 --new HEAD --rounds 8 --tokens 1000000

The machine this project runs on varies by 10-25% from one run to the next, more than most
changes to the step. So the two versions take turns, ``--rounds`` times: each turn is a fresh
process that trains one worker's loop (``training.kernel.train_piece``: batch making and SGD
steps, chunks of 100,000 words, as a Hogwild worker runs it) over the first ``--tokens`` words
of ``--corpus``, one epoch at the starting learning rate, and prints its wall time, the summed
loss and a digest of the weights. The medians and minimums per version are compared; equal
digests mean the change did not alter a bit of the training.

Each version's ``src`` is taken from git (``git archive REV src``) into a temporary folder and
put first on ``PYTHONPATH``; both must have ``training.kernel.train_piece`` (2026-11-22 on).
The corpus is encoded once, by the version in the working tree, and both read the same ids.
OpenBLAS is held to one thread, as in a worker. Both versions train ``--batch-size`` centre
words per step (the default changed for CBOW on 2026-12-06), with ``--neg`` negatives and,
with ``--hs 1``, hierarchical softmax (``--hs 1 --neg 0``: hierarchical softmax alone); the
digest covers every trained matrix.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus1m.txt"
REPO = Path(__file__).resolve().parents[1]


def child(args: argparse.Namespace) -> None:
    """One timed run of the version on PYTHONPATH; prints one JSON line."""
    import numpy as np

    from word2vec_numpy import Word2Vec
    from word2vec_numpy.data.vocab import Vocabulary
    from word2vec_numpy.model import batching
    from word2vec_numpy.training import kernel
    from word2vec_numpy.training.backend import Piece

    with np.load(args.ids_file, allow_pickle=False) as data:
        ids, words, counts = data["ids"], data["words"], data["counts"]
    vocab = Vocabulary.from_words(list(words), counts, min_count=5)
    model = Word2Vec(
        vocab, dim=100, neg=args.neg, hs=args.hs, model=args.model, seed=1,
        batch_size=args.batch_size,
    )  # fmt: skip
    keep = vocab.keep_probabilities(model.config.sample)
    config = model.config
    maker = batching.BatchMaker(config.window, config.batch_centres, losses=model.losses)
    rng = np.random.default_rng(1)
    lr = model.config.start_lr
    steps = kernel.train_piece(
        model, ids, Piece(0, len(ids)), keep, maker, lambda _: rng, lambda _: lr, 100_000
    )
    start = time.perf_counter()
    loss = sum(step.loss for step in steps)
    seconds = time.perf_counter() - start
    weights = b"".join(W.tobytes() for W in model.matrices().values())
    digest = hashlib.sha256(weights).hexdigest()[:16]
    print(json.dumps({"seconds": seconds, "loss": loss, "digest": digest}))


def export_src(rev: str, into: Path) -> Path:
    """The ``src`` folder of git revision ``rev``, written under ``into``."""
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into / "src"


def encode(corpus: Path, tokens: int, out: Path) -> None:
    """The first ``tokens`` words of ``corpus`` as ids (and the vocabulary), in ``out``."""
    import numpy as np
    from step_profile import first_words

    ids, vocab = first_words(corpus, tokens)
    np.savez(out, ids=ids, words=np.array(vocab.words), counts=np.asarray(vocab.counts))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", default="HEAD~1", help="git revision [HEAD~1]")
    p.add_argument("--new", default="HEAD", help="git revision [HEAD]")
    p.add_argument("--models", default="skipgram,cbow")
    p.add_argument("--rounds", type=int, default=6, help="runs of each version [6]")
    p.add_argument("--tokens", type=int, default=600_000, help="corpus words trained [600000]")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument(
        "--batch-size", type=int, default=256, help="centre words per step, both versions [256]"
    )
    p.add_argument("--neg", type=int, default=5, help="negatives per example [5]")
    p.add_argument("--hs", type=int, choices=(0, 1), default=0, help="hierarchical softmax [0]")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--ids-file", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return

    print(f"# command: python benchmarks/ab_step.py {' '.join(sys.argv[1:])}")
    with tempfile.TemporaryDirectory(prefix="ab_step.") as tmp:
        root = Path(tmp)
        srcs = {}
        for name in ("base", "new"):
            rev = getattr(args, name)
            sha = subprocess.run(
                ["git", "-C", str(REPO), "rev-parse", "--short", rev],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            srcs[name] = (f"{rev} ({sha})", export_src(rev, root / name))
        ids_file = root / "ids.npz"
        encode(args.corpus, args.tokens, ids_file)
        print(f"# corpus {args.corpus}, first {args.tokens:,} words; one worker, one epoch")
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        runs: dict[tuple[str, str], list[dict]] = {}
        for r in range(args.rounds):
            for model in args.models.split(","):
                for name, (_, src) in srcs.items():
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--child",
                            "--model",
                            model,
                            "--ids-file",
                            str(ids_file),
                            "--batch-size",
                            str(args.batch_size),
                            "--neg",
                            str(args.neg),
                            "--hs",
                            str(args.hs),
                        ],
                        check=True,
                        capture_output=True,
                        text=True,
                        env=dict(env, PYTHONPATH=str(src)),
                    ).stdout
                    result = json.loads(out.strip().splitlines()[-1])
                    runs.setdefault((model, name), []).append(result)
                    print(
                        f"  round {r + 1} {model} {name}: {result['seconds']:.3f} s",
                        file=sys.stderr,
                        flush=True,
                    )
    print("\n| model | version | median s | min s | runs (s) | final digest | summed loss |")
    print("|---|---|---:|---:|---|---|---:|")
    for model in args.models.split(","):
        for name, (label, _) in srcs.items():
            rs = runs[(model, name)]
            times = [x["seconds"] for x in rs]
            print(
                f"| {model} | {name}: {label} | {statistics.median(times):.3f} | "
                f"{min(times):.3f} | {', '.join(f'{t:.2f}' for t in times)} | "
                f"{rs[-1]['digest']} | {rs[-1]['loss']:.6g} |"
            )
        same = runs[(model, "base")][-1]["digest"] == runs[(model, "new")][-1]["digest"]
        med = [statistics.median(x["seconds"] for x in runs[(model, v)]) for v in ("base", "new")]
        print(
            f"| {model} | new / base | {med[1] / med[0]:.3f} | | | "
            f"{'bit-exact' if same else 'weights differ'} | |"
        )


if __name__ == "__main__":
    main()

"""``word2vec-numpy export MODEL OUT``: vectors in the word2vec C tool's text/binary format."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..errors import Word2VecError
from ..formats.word2vec_format import save_word2vec_format
from .checks import refuse_same_file
from .common import add_model_argument, load_any


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="write vectors in word2vec text/binary format",
        description="Write a model's vectors in the word2vec C tool's format.",
    )
    add_model_argument(p)
    p.add_argument("out", metavar="OUT")
    p.add_argument(
        "--format",
        choices=("text", "binary"),
        default=None,
        help="default: binary if OUT ends with .bin, else text",
    )
    p.add_argument(
        "--which",
        choices=("in", "out", "sum"),
        default="in",
        help="input vectors (default), output vectors, or their sum",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    refuse_same_file(args.out, args.model, "the model file")
    vectors, model = load_any(args.model, args.unicode_errors)
    W_out = getattr(model, "W_out", None) if model is not None else None
    if args.which in ("out", "sum") and W_out is None:
        why = "it holds word vectors only, e.g. a word2vec file"
        if model is not None:  # hierarchical softmax only: vectors of tree nodes, not words
            why = "no W_out: it was trained without negative sampling"
        raise Word2VecError(f"{args.model} has no output vectors of words ({why}); use --which in")
    if args.which == "in":
        matrix = vectors.vectors
    elif args.which == "out":
        matrix = W_out
    else:
        matrix = vectors.vectors + W_out
    fmt = args.format or ("binary" if str(args.out).endswith(".bin") else "text")
    save_word2vec_format(args.out, vectors.words, matrix, binary=(fmt == "binary"))
    n, d = np.shape(matrix)
    print(f"wrote {args.out}: {n} words x {d} dimensions ({fmt}, W_{args.which})", file=sys.stdout)
    return 0

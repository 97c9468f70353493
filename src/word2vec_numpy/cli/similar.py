"""``word2vec-numpy similar MODEL WORD [WORD ...]``: nearest neighbours of each word."""

from __future__ import annotations

import argparse
import sys

from .common import (
    add_model_argument,
    add_restrict,
    add_top,
    load_any,
    neighbour_table,
    unknown_word,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "similar",
        help="nearest neighbours of words",
        description="Print the nearest neighbours (cosine) of each WORD.",
    )
    add_model_argument(p)
    p.add_argument("words", metavar="WORD", nargs="+")
    add_top(p, 10)
    add_restrict(p, None, "search")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    vectors, _ = load_any(args.model)
    try:
        results = vectors.most_similar_batch(
            args.words, topn=args.top, restrict_vocab=args.restrict_vocab
        )
    except KeyError as exc:
        raise unknown_word(exc) from None
    tables = (neighbour_table(w, r) for w, r in zip(args.words, results, strict=True))
    print("\n\n".join(tables), file=sys.stdout)
    return 0

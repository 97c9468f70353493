"""``word2vec-numpy similar MODEL WORD [WORD ...] [--negative W ...]``: nearest neighbours
of each word, or of one query made of several words (gensim's ``most_similar``)."""

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
        description="Print the nearest neighbours (cosine) of each WORD, one table per word. "
        "With --negative (or --combine) the WORDs are instead one query, as gensim's "
        "most_similar(positive=WORDs, negative=...): the normalised mean of the WORDs' unit "
        "vectors minus the negative words', one table. Example: "
        "'similar MODEL king woman --negative man' -> queen.",
    )
    add_model_argument(p)
    p.add_argument("words", metavar="WORD", nargs="+", help="words (positive, if combined)")
    p.add_argument(
        "--negative",
        metavar="W",
        nargs="+",
        action="extend",
        default=[],
        help="words subtracted from the query (implies --combine); put them after the WORDs",
    )
    p.add_argument(
        "--combine",
        action="store_true",
        help="one query from all the WORDs together instead of one table per WORD",
    )
    add_top(p, 10)
    add_restrict(p, None, "search", limit=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    vectors, _ = load_any(args.model, args.unicode_errors)
    try:
        if args.combine or args.negative:
            result = vectors.most_similar(
                positive=args.words,
                negative=args.negative,
                topn=args.top,
                restrict_vocab=args.restrict_vocab,
            )
            title = " + ".join(args.words) + "".join(f" - {w}" for w in args.negative)
            tables = [neighbour_table(title, result)]
        else:
            results = vectors.most_similar_batch(
                args.words, topn=args.top, restrict_vocab=args.restrict_vocab
            )
            tables = [neighbour_table(w, r) for w, r in zip(args.words, results, strict=True)]
    except KeyError as exc:
        raise unknown_word(exc) from None
    print("\n\n".join(tables), file=sys.stdout)
    return 0

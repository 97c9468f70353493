"""``word2vec-numpy analogy MODEL A B C``: the words nearest to A - B + C (more words with
``--positive`` / ``--negative``)."""

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
        "analogy",
        help="solve A - B + C = ?",
        description="Print the words nearest to A - B + C, e.g. "
        "'analogy MODEL king man woman' -> queen. That is gensim's "
        "most_similar(positive=[A, C], negative=[B]) (or most_similar_cosmul with "
        "--method 3cosmul); --positive and --negative add words to those lists.",
    )
    add_model_argument(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    for sign, what in (("positive", "added to"), ("negative", "subtracted from")):
        p.add_argument(
            f"--{sign}",
            metavar="W",
            nargs="+",
            action="extend",
            default=[],
            help=f"more words {what} the query",
        )
    add_top(p, 5)
    p.add_argument(
        "--method",
        choices=("3cosadd", "3cosmul"),
        default="3cosadd",
        help="3cosadd (vector offset, default) or 3cosmul (Levy & Goldberg 2014, "
        "as gensim's most_similar_cosmul)",
    )
    add_restrict(p, None, "search", limit=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    vectors, _ = load_any(args.model, args.unicode_errors)
    search = vectors.most_similar if args.method == "3cosadd" else vectors.most_similar_cosmul
    try:
        result = search(
            positive=[args.a, args.c, *args.positive],
            negative=[args.b, *args.negative],
            topn=args.top,
            restrict_vocab=args.restrict_vocab,
        )
    except KeyError as exc:
        raise unknown_word(exc) from None
    extra = "".join(f" + {w}" for w in args.positive) + "".join(f" - {w}" for w in args.negative)
    title = f"{args.a} - {args.b} + {args.c}{extra} ({args.method})"
    # 3CosMul's score is a ratio of shifted cosines (above 1 for a good answer), not a cosine
    score = "cosine" if args.method == "3cosadd" else "3cosmul"
    print(neighbour_table(title, result, score), file=sys.stdout)
    return 0

"""``word2vec-numpy analogy MODEL A B C``: the words nearest to A - B + C."""

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
        "'analogy MODEL king man woman' -> queen.",
    )
    add_model_argument(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    add_top(p, 5)
    p.add_argument(
        "--method",
        choices=("3cosadd", "3cosmul"),
        default="3cosadd",
        help="3cosadd (vector offset, default) or 3cosmul (Levy & Goldberg 2014)",
    )
    add_restrict(p, None, "search")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    vectors, _ = load_any(args.model)
    try:
        result = vectors.analogy(
            args.a,
            args.b,
            args.c,
            topn=args.top,
            method=args.method,
            restrict_vocab=args.restrict_vocab,
        )
    except KeyError as exc:
        raise unknown_word(exc) from None
    title = f"{args.a} - {args.b} + {args.c} ({args.method})"
    print(neighbour_table(title, result), file=sys.stdout)
    return 0

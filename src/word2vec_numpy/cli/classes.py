"""``word2vec-numpy classes MODEL OUT --k K [--iterations 10] [--seed 1]``: word classes.

Runs spherical k-means on the model's unit word vectors (``W_in``) and writes the C tool's
``-classes`` output: ``word class`` per line, sorted by class (ties in vocabulary order).
See :mod:`word2vec_numpy.vectors.classes` for the algorithm.
"""

from __future__ import annotations

import argparse

from ..vectors.classes import word_classes, write_classes
from .checks import refuse_same_file
from .common import add_model_argument, load_any


def _int_at_least(minimum: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {what}, not {text}")
        return value

    parse.__name__ = what.replace(" ", "_")  # what argparse names in other messages
    return parse


_positive_int = _int_at_least(1, "a positive integer")
_nonnegative_int = _int_at_least(0, "an integer >= 0")


def register(subparsers) -> None:
    """Add the ``classes`` subcommand to an ``argparse`` subparsers object (``func=run``)."""
    p = subparsers.add_parser(
        "classes",
        help="cluster the words into K classes (k-means, like word2vec -classes)",
        description="Group the words into K classes by spherical k-means on the unit word "
        "vectors and write the word2vec C tool's -classes output ('word class' lines), "
        "sorted by class as its demo-classes.sh sorts them (the tool itself writes them in "
        "vocabulary order).",
    )
    add_model_argument(p)
    p.add_argument("out", metavar="OUT", help="the text file to write ('word class' per line)")
    p.add_argument(
        "--k",
        "-k",
        dest="k",
        type=_positive_int,
        required=True,
        metavar="K",
        help="number of classes (1 to the vocabulary size; e.g. 500)",
    )
    p.add_argument(
        "--iterations",
        type=_nonnegative_int,
        default=10,
        metavar="N",
        help="k-means iterations after seeding; stops early when nothing changes (10)",
    )
    p.add_argument(
        "--seed",
        type=_nonnegative_int,
        default=1,
        metavar="S",
        help="random seed choosing the initial centroids (k-means++); same seed, same classes (1)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load MODEL, cluster its words, write OUT; prints ``wrote OUT: V words in K classes``."""

    refuse_same_file(args.out, args.model, "the model file")
    vectors, _ = load_any(args.model, args.unicode_errors)
    words = vectors.words
    labels = word_classes(vectors.vectors, args.k, iterations=args.iterations, seed=args.seed)
    write_classes(args.out, words, labels)
    print(f"wrote {args.out}: {len(words)} words in {args.k} classes")
    return 0

"""Command line: ``word2vec-numpy train|evaluate|similar|analogy|export|plot``.

User errors (bad options, missing files, unknown words) print one line on stderr and exit
with code 2; Ctrl-C during training saves a checkpoint and exits 130 (143 for SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .. import __version__
from ..errors import Word2VecError

CORPUS_NAMES = ("sample", "text8", "alice")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one line (no usage block) and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


def _nonnegative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also rejects nan
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, not {text}")
    return value


def _opt(parser: argparse.ArgumentParser, name: str, **kwargs) -> None:
    """Add ``--name-with-dashes`` and its ``--name_with_underscores`` spelling."""
    spellings = [name]
    if "-" in name[2:]:
        spellings.append("--" + name[2:].replace("-", "_"))
    parser.add_argument(*spellings, **kwargs)


def add_train_command(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train word vectors on a corpus",
        description="Train skip-gram or CBOW word vectors with negative sampling.",
    )
    _opt(p, "--corpus", default="sample", help="sample (built in), text8, alice, or a PATH")
    _opt(p, "--max-tokens", type=_positive_int, default=None, help="read at most N tokens")
    _opt(p, "--data-dir", default=None, help="where downloads are cached")
    _opt(p, "--model", choices=("skipgram", "cbow"), default="skipgram")
    _opt(p, "--dim", type=_positive_int, default=100, help="vector size (100)")
    _opt(p, "--neg", type=_positive_int, default=5, help="negatives per example (5)")
    _opt(p, "--window", type=_positive_int, default=5, help="max window radius (5)")
    _opt(p, "--min-count", type=_positive_int, default=5, help="drop rarer words (5)")
    _opt(p, "--sample", type=_nonnegative_float, default=1e-3, help="subsampling t (1e-3)")
    _opt(p, "--epochs", type=_positive_int, default=5)
    _opt(p, "--lr", type=_positive_float, default=None, help="0.025 skip-gram, 0.05 CBOW")
    _opt(p, "--lr-min", type=_nonnegative_float, default=1e-4)
    _opt(p, "--batch-size", type=_positive_int, default=256, help="centre words per step")
    _opt(p, "--workers", type=_positive_int, default=os.cpu_count() or 1)
    _opt(p, "--seed", type=int, default=1)
    _opt(p, "--out", default="results/model", help="writes OUT.npz and OUT.metrics.json")
    _opt(p, "--evaluate", action="store_true", help="print neighbours and benchmarks after")
    _opt(p, "--analogies", default=None, help="questions-words.txt for --evaluate")
    _opt(p, "--pairs", nargs="+", default=[], help="word-pair files for --evaluate")
    _opt(p, "--restrict-vocab", type=_positive_int, default=30000)
    p.set_defaults(case_insensitive=True)
    _opt(p, "--plot", action="store_true", help="write loss and t-SNE PNGs next to OUT")
    _opt(p, "--log-every", type=_positive_int, default=100, help="batches per loss point")
    _opt(p, "--quiet", action="store_true", help="no progress output")
    _opt(
        p,
        "--checkpoint-every",
        type=_positive_int,
        default=None,
        metavar="WORDS",
        help="write OUT.ckpt.npz every WORDS corpus words (at epoch ends with --workers > 1)",
    )
    _opt(p, "--checkpoint-every-epoch", action="store_true", help="write OUT.ckpt.npz each epoch")
    _opt(p, "--resume", default=None, metavar="CKPT", help="continue from a checkpoint")
    p.set_defaults(func=cmd_train, train_parser=p)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="word2vec-numpy",
        description="word2vec (skip-gram / CBOW with negative sampling) in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    add_train_command(sub)
    from .commands import add_subcommands

    add_subcommands(sub)
    return parser


def cmd_train(args: argparse.Namespace) -> int:
    from .train import run_train

    return run_train(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad option (already printed)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except Word2VecError as exc:
        print(f"word2vec-numpy {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyError as exc:  # an unknown word
        message = exc.args[0] if exc.args else str(exc)
        print(f"word2vec-numpy {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("word2vec-numpy: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        print(f"word2vec-numpy {args.command}: out of memory", file=sys.stderr)
        return 2


def entry() -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()

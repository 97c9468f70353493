"""Command line: ``word2vec-numpy train|evaluate|similar|analogy|export|plot``; each
subcommand is one module of this folder with ``register(subparsers)`` and ``run(args)``.

User errors (bad options, missing files, unknown words) print one line on stderr and exit
with code 2; Ctrl-C during training saves a checkpoint and exits 130 (143 for SIGTERM, 129
for SIGHUP, also before training starts); a run that fails after training started (a worker
killed, a full disk) says in one line what was kept and exits with code 1. Standard output
that cannot be written (a full disk) is one line and exit code 1, once the command's files
are complete; closed standard output or error is not an error (``process.py``).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from .. import __version__
from ..errors import Word2VecError
from . import analogy, classes, evaluate, export, phrases, plot, process, serve, similar, train


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one line (no usage block) and exits 2."""

    commands: dict[str, argparse.ArgumentParser]  # the subcommands' own (build_parser)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


COMMANDS = (
    train,
    similar,
    analogy,
    evaluate,
    export,
    plot,
    phrases,
    classes,
    serve,
)  # one module per subcommand


def build_parser() -> _Parser:
    parser = _Parser(
        prog="word2vec-numpy",
        description="word2vec (skip-gram / CBOW; negative sampling / hierarchical softmax) "
        "in NumPy.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__} (NumPy {np.__version__})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    parser.commands = sub.choices
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == ["train"] and (hint := train.c_tool_options(given[1:])):
        print(f"word2vec-numpy train: error: {hint}", file=sys.stderr)
        return 2
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # reported by the subcommand, as its other errors are
            parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help, --version, or a bad option (already printed)
        return int(exc.code or 0)
    except process.OutputError as exc:  # --help into a full disk
        print(f"word2vec-numpy: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        code = int(args.func(args) or 0)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk behind stdout shows here, not at exit
        return code
    except Word2VecError as exc:
        print(f"word2vec-numpy {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyError as exc:  # an unknown word
        message = exc.args[0] if exc.args else str(exc)
        print(f"word2vec-numpy {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (process.Terminated)
        message, code = process.interrupted(exc)
        print(f"word2vec-numpy: {message}", file=sys.stderr)
        return code
    except BrokenPipeError:  # e.g. piped into `head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        print(f"word2vec-numpy {args.command}: out of memory", file=sys.stderr)
        return 2


def entry() -> None:
    process.guard_standard_streams()
    process.handle_termination()
    code = main()
    try:
        sys.stdout.flush()  # e.g. --help into a full disk: one line here, not at exit
    except process.OutputError as exc:
        print(f"word2vec-numpy: {exc}", file=sys.stderr)
        code = code or exc.exit_code
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()

"""Command line: ``word2vec-numpy train|evaluate|similar|analogy|export|plot``; each
subcommand is one module of this folder with ``register(subparsers)`` and ``run(args)``.

User errors (bad options, missing files, unknown words) print one line on stderr and exit
with code 2; Ctrl-C during training saves a checkpoint and exits 130 (143 for SIGTERM, 129
for SIGHUP); a run that fails after training started (a worker killed, a full disk) says
in one line what was kept and exits with code 1.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .. import __version__
from ..errors import Word2VecError
from . import analogy, classes, evaluate, export, phrases, plot, similar, train


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one line (no usage block) and exits 2."""

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
)  # one module per subcommand


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="word2vec-numpy",
        description="word2vec (skip-gram / CBOW with negative sampling) in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad option (already printed)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except Word2VecError as exc:
        _say(f"word2vec-numpy {args.command}: {exc}")
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


def _say(line: str) -> None:
    """One line on stderr, which may be a terminal that is gone (SIGHUP): the exit code
    still tells."""
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


def entry() -> None:
    # SIGTERM and SIGHUP (a closed terminal) end the program as Ctrl-C does: through
    # KeyboardInterrupt, so files are cleaned up; training turns them into a checkpoint.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.default_int_handler)
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()

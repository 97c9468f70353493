"""The ``word2vec-numpy`` program's entry point: a module that imports nothing at its top, so
that the program starts, and answers a Ctrl-C, before the commands, NumPy and the rest load."""

import sys


def entry() -> None:
    """The ``word2vec-numpy`` program (``main.entry``). Loading the commands, NumPy and the
    rest takes about a second; a Ctrl-C meanwhile is one line too, not a traceback."""
    try:
        from .main import entry as run
    except KeyboardInterrupt:
        print("word2vec-numpy: interrupted", file=sys.stderr)
        sys.exit(130)
    run()

"""The one exception type the CLI turns into a one-line message and exit code 2."""

import signal


class Word2VecError(Exception):
    """A problem caused by the user's input (a bad file, option or word), not a bug.

    The CLI prints ``str(error)`` on one line of stderr and exits with ``exit_code``.

    Parameters
    ----------
    message : str
        The one-line message.
    exit_code : int, default 2
        The exit code of the CLI.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ConfigError(Word2VecError, ValueError):
    """A training option with a bad value (also a ``ValueError``, as scikit-learn raises)."""


class QueryError(Word2VecError, ValueError):
    """A query of the vectors with bad arguments, such as an empty list of words (also a
    ``ValueError``, which gensim raises there)."""


def killed_by(exitcode: int) -> str:
    """Why a child process ended, given multiprocessing's negative exit code ``-signum``:
    ``"killed by SIGKILL (often the out-of-memory killer)"``."""
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        name = f"signal {-exitcode}"
    why = " (often the out-of-memory killer)" if -exitcode == signal.SIGKILL else ""
    return f"killed by {name}{why}"

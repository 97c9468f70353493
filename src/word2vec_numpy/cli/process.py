"""The process around a command: its standard streams and the signals that end it.

What the real program (``cli.main.entry``) sets up before a command runs:

* **Closed standard streams** (``2>&-``, ``>&-``, ``<&-``): descriptors 0, 1 and 2 are
  reopened on the null device, so that no file the command opens gets their number (the
  word-id file would otherwise be descriptor 2, and anything written to "stderr" would go
  into it). Closed standard output or error then discards what is written there; closed
  standard input still reads as closed (``--corpus -`` says so).
* **Standard error that cannot be written** (a full disk, ``2>/dev/full``) is ignored:
  messages are lost, the work is not.
* **Standard output that cannot be written** (``>/dev/full``) is one line on standard error
  and exit code 1 (:class:`OutputError`), raised where the write failed; the files a command
  writes are complete before it prints (train saves the model, then prints its summary).
  A closed pipe (``| head``) is not an error (``BrokenPipeError``, exit 0 in ``main``).
* **SIGTERM and SIGHUP** (a closed terminal) raise :class:`Terminated` (a
  ``KeyboardInterrupt``, so every clean-up that Ctrl-C runs runs), and the exit code is 128 +
  the signal's number: 143 for SIGTERM, 129 for SIGHUP, 130 for Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, TextIO

from ..errors import Word2VecError


class OutputError(Word2VecError):
    """Standard output cannot be written (exit code 1, as the GNU tools' write errors)."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"cannot write standard output: {reason} (the files written so far are complete)",
            exit_code=1,
        )


class Terminated(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) turned into an exception, like Ctrl-C's."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated(signum)


def handle_termination() -> None:
    """SIGTERM and SIGHUP raise :class:`Terminated` in the main thread; a signal that the
    process was started with ignored stays ignored (``nohup``: SIGHUP)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) != signal.SIG_IGN:
            signal.signal(getattr(signal, name), _terminate)


def interrupted(exc: KeyboardInterrupt) -> tuple[str, int]:
    """The one-line message and exit code of a run ended by Ctrl-C or a signal."""
    signum = getattr(exc, "signum", signal.SIGINT)
    name = signal.Signals(signum).name
    return ("interrupted" if signum == signal.SIGINT else f"terminated by {name}"), 128 + signum


class _Stderr:
    """Standard error whose write failures are ignored (there is nowhere to report them)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Stdout:
    """Standard output whose write failures raise :class:`OutputError` once; afterwards the
    descriptor goes to the null device, so that nothing fails again when Python flushes it
    at exit."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._failed = False

    def write(self, text: str) -> int:
        if self._failed:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            self._fail(exc)
        return len(text)

    def flush(self) -> None:
        if self._failed:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self._failed = True
        _to_null(self._stream)
        raise OutputError(exc.strerror or str(exc)) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _to_null(stream: TextIO) -> None:
    try:
        number = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, number)
    os.close(null)


def guard_standard_streams() -> None:
    """Set up the standard streams as the module docstring says (once, in ``entry``)."""
    for number in (0, 1, 2):
        try:
            os.fstat(number)
        except OSError:  # closed: the lowest free number is this one (0, 1, 2 in order)
            os.open(os.devnull, os.O_RDWR)
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the process's own stdout
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    sys.stdout = _Stdout(sys.stdout)  # type: ignore[assignment]
    sys.stderr = _Stderr(sys.stderr)  # type: ignore[assignment]

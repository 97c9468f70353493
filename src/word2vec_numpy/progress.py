"""Progress on stderr, shared by training and downloads: a line rewritten in place on a
terminal, a plain line every few seconds otherwise, nothing when quiet."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 24


def bar(frac: float, width: int = BAR_WIDTH) -> str:
    """``[#####.......]`` for a fraction in [0, 1]."""
    filled = int(width * min(max(frac, 0.0), 1.0))
    return f"[{'#' * filled}{'.' * (width - filled)}]"


def duration(seconds: float) -> str:
    """``mm:ss``, ``h:mm:ss`` or ``Nd hh:mm`` (``--:--`` when unknown)."""
    if seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days}d {hours:02d}:{minutes:02d}"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


class StatusLine:
    """One status line on ``stream`` (stderr by default).

    On a terminal the line is rewritten in place at most every ``tty_interval`` seconds;
    otherwise a new line is written at most every ``interval`` seconds. A closed or broken
    stream turns the display off instead of failing the work it reports on."""

    def __init__(
        self,
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float | None = None,
        tty_interval: float = 0.2,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = not quiet
        self.tty = self.enabled and _isatty(self.stream)
        self.interval = interval if interval is not None else (tty_interval if self.tty else 5.0)
        self.clock = clock
        self.start = clock()
        self.last = -1e18
        self._width = 0

    def due(self, force: bool = False) -> bool:
        """Whether a new status should be shown now (and, if so, the time is noted)."""
        if not self.enabled:
            return False
        now = self.clock()
        if not force and now - self.last < self.interval:
            return False
        self.last = now
        return True

    def show(self, text: str) -> None:
        """Replace the line on a terminal (padding over a longer old one), else write it."""
        if self.tty:
            pad = " " * max(0, self._width - len(text))
            self._width = len(text)
            self.emit(f"\r{text}{pad}")
        else:
            self.emit(text + "\n")

    def emit(self, text: str) -> None:
        if not self.enabled:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError, AttributeError):
            # closed, full or missing stderr (None when the process started without one):
            # progress is optional, the work goes on
            self.enabled = False

    def end_line(self) -> None:
        """Leave the terminal's line (a newline after the last in-place status)."""
        if self.tty:
            self.emit("\n")


class Progress(StatusLine):
    """Shows epoch, % done, words/s, loss and ETA of a training run."""

    def __init__(
        self,
        total_words: int,
        n_epochs: int,
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float | None = None,
    ) -> None:
        super().__init__(quiet, stream, interval)
        self.total = max(int(total_words), 1)
        self.n_epochs = n_epochs
        self.start_done = 0
        self.shown: tuple[int, int] | None = None  # (words, epoch) of the last line shown

    def begin(self, words_done: int = 0) -> None:
        self.start = self.clock()
        self.start_done = words_done

    def update(self, words_done: int, epoch: int, loss: float, force: bool = False) -> None:
        """Show the status if it is due; ``force`` (an epoch end) shows it now. Nothing is
        shown before the first words are done (there is no rate, no ETA yet), nor twice for
        the same point."""
        if words_done <= self.start_done or self.shown == (words_done, epoch):
            return
        if not self.due(force):
            return
        self.shown = (words_done, epoch)
        elapsed = max(self.last - self.start, 1e-9)
        rate = (words_done - self.start_done) / elapsed
        frac = min(words_done / self.total, 1.0)
        eta = (self.total - words_done) / rate if rate > 0 else float("inf")
        text = (
            f"epoch {epoch + 1}/{self.n_epochs} {100 * frac:5.1f}% "
            f"{rate / 1000:7.1f}k words/s loss {loss:.4f} ETA {duration(eta)}"
        )
        self.show(f"{bar(frac)} {text}" if self.tty else text)

    def close(self) -> None:
        self.end_line()


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False

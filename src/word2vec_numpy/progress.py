"""A small progress display on stderr: a bar on a terminal, a plain line every few seconds
otherwise, nothing when quiet."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Shows epoch, % done, words/s, loss and ETA of a training run."""

    def __init__(
        self,
        total_words: int,
        n_epochs: int,
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = max(int(total_words), 1)
        self.n_epochs = n_epochs
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.2 if self.tty else 5.0)
        self.start = time.perf_counter()
        self.last = -1e9
        self.start_done = 0

    def begin(self, words_done: int = 0) -> None:
        self.start = time.perf_counter()
        self.start_done = words_done

    def update(self, words_done: int, epoch: int, loss: float, force: bool = False) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = (words_done - self.start_done) / elapsed
        frac = min(words_done / self.total, 1.0)
        eta = (self.total - words_done) / rate if rate > 0 else float("inf")
        text = (
            f"epoch {epoch + 1}/{self.n_epochs} {100 * frac:5.1f}% "
            f"{rate / 1000:7.1f}k words/s loss {loss:.4f} ETA {_clock(eta)}"
        )
        if self.tty:
            width = 24
            filled = int(width * frac)
            self._write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}\033[K")
        else:
            self._write(text + "\n")

    def close(self) -> None:
        if not self.quiet and self.tty:
            self._write("\n")

    def _write(self, text: str) -> None:
        """Progress is not worth a failed run: a closed terminal (SIGHUP, then EIO) or a
        closed pipe ends the display, not the training."""
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.quiet = True


def _clock(seconds: float) -> str:
    if seconds == float("inf"):
        return "--:--"
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"

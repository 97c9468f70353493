"""The training status line (``progress.py``): readable when stderr is a file or a pipe."""

from __future__ import annotations

import io

from word2vec_numpy.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def progress(stream: io.StringIO, clock: Clock, total: int = 1000, epochs: int = 2) -> Progress:
    p = Progress(total, epochs, stream=stream)
    p.clock = clock
    p.begin(0)
    return p


def test_no_line_before_there_is_a_rate_then_every_interval_and_every_epoch_end():
    stream, clock = io.StringIO(), Clock()
    p = progress(stream, clock)
    p.update(0, 0, 0.0)  # workers just started: nothing read, no rate, no ETA
    assert stream.getvalue() == ""
    clock.now = 1.0
    p.update(100, 0, 4.0)
    clock.now = 2.0
    p.update(200, 0, 3.9)  # within the 5-second interval: not shown
    p.update(500, 0, 3.8, force=True)  # the end of epoch 1: always shown
    clock.now = 3.0
    p.update(1000, 1, 3.5, force=True)  # the end of epoch 2
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("epoch 1/2  10.0%") and "ETA --:--" not in lines[0]
    assert lines[1].startswith("epoch 1/2  50.0%")
    assert lines[2].startswith("epoch 2/2 100.0%") and lines[2].endswith("ETA 00:00")


def test_the_same_point_is_not_shown_twice():
    """A short run's last chunk and its epoch end are the same point: one line."""
    stream, clock = io.StringIO(), Clock()
    p = progress(stream, clock, total=500, epochs=1)
    clock.now = 1.0
    p.update(500, 0, 4.0)
    p.update(500, 0, 4.0, force=True)
    assert len(stream.getvalue().splitlines()) == 1


def test_a_missing_or_broken_stream_turns_progress_off():
    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

    for stream in (Full(), None):
        p = Progress(100, 1)
        p.stream = stream  # None: a process started without stderr
        p.update(50, 0, 1.0, force=True)
        assert not p.enabled

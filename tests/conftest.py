"""Helpers shared by the tests of every layer (fixtures; pytest finds them by name)."""

from __future__ import annotations

import os
import resource
import signal
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import word2vec_numpy
from word2vec_numpy.config import TrainConfig
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.model.batching import BatchMaker
from word2vec_numpy.model.negative_sampling import NegativeSampling

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Tests send signals to the programs they start, which keep a signal ignored if they start
# with it ignored (as under ``nohup``): so this process must not pass on one ignored, as it
# would under a script's ``pytest &`` (SIGINT) or ``nohup pytest`` (SIGHUP).
for _signal, _handler in (
    (signal.SIGINT, signal.default_int_handler),
    (signal.SIGHUP, signal.SIG_DFL),
    (signal.SIGTERM, signal.SIG_DFL),
):
    if signal.getsignal(_signal) == signal.SIG_IGN:
        signal.signal(_signal, _handler)


def ns_batch_maker(
    vocab: Vocabulary,
    window: int,
    neg: int = 5,
    model: str = "skipgram",
    batch_size: int = 256,
    block: int = 32,
    n_shared: int | None = None,
) -> BatchMaker:
    """A BatchMaker whose batches carry negative-sampling draws."""
    config = TrainConfig(model=model, window=window, neg=neg, shared_negatives=n_shared)
    return BatchMaker(window, batch_size, block, losses=[NegativeSampling(vocab, config)])


@pytest.fixture
def make_maker() -> Callable[..., BatchMaker]:
    """``make_maker(vocab, window, neg, model, batch_size, block, n_shared)``."""
    return ns_batch_maker


def run_cli(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr)."""
    from word2vec_numpy.cli.main import main

    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors exit through SystemExit
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


# ------------------------------------------------- child processes, one-line errors, zips

SRC = str(Path(word2vec_numpy.__file__).resolve().parents[1])


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"  # small, fixed address space
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_python(
    args: list[str],
    *,
    address_space: int | None = None,
    file_size: int | None = None,
    close_stdin: bool = False,
    cwd: str | os.PathLike | None = None,
    timeout: float = 120,
    stdout=subprocess.PIPE,
    input: str | None = None,
) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` with this checkout's package, optionally limited: ``address_space``
    (bytes, RLIMIT_AS), ``file_size`` (bytes, RLIMIT_FSIZE, with SIGXFSZ ignored so that a
    write past it fails with EFBIG like a full disk), or with standard input closed.
    Standard output is captured unless ``stdout`` is given (e.g. an open file); standard
    input is ``input`` (text), or empty."""

    def limit() -> None:
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        if file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        if close_stdin:
            os.close(0)

    return subprocess.run(
        [sys.executable, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
        cwd=cwd,
        timeout=timeout,
        preexec_fn=limit,
        input=input,
        stdin=None if close_stdin or input is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def python_child() -> Callable[..., subprocess.CompletedProcess]:
    """:func:`run_python`: a child Python process, optionally under resource limits."""
    return run_python


def one_line_error(call: Callable[[], object]) -> str:
    """Run ``call``, which must raise ``Word2VecError`` with a one-line message; return it."""
    with pytest.raises(Word2VecError) as info:
        call()
    message = str(info.value)
    assert message and "\n" not in message, message
    return message


@pytest.fixture
def expect_one_line_error() -> Callable[[Callable[[], object]], str]:
    """:func:`one_line_error`."""
    return one_line_error


def patch_zip(path: Path, *, flag_bits: int | None = None, method: int | None = None) -> None:
    """Set the general-purpose flags or the compression method of every member of a zip file,
    in its local headers and its central directory (e.g. the "encrypted" bit, or a method
    that Python cannot read), as other tools write them."""
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            if flag_bits is not None:
                (old,) = struct.unpack_from("<H", data, at + flags_at)
                struct.pack_into("<H", data, at + flags_at, old | flag_bits)
            if method is not None:
                struct.pack_into("<H", data, at + flags_at + 2, method)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


@pytest.fixture
def make_zip() -> Callable[..., Path]:
    """``make_zip(path, {name: bytes}, flag_bits=, method=)``: a zip archive (members stored
    in the order given; names ending in / are folders), optionally patched."""

    def make(path: Path, members: dict[str, bytes], **patch: int) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        if patch:
            patch_zip(path, **patch)
        return path

    return make


# -- processes of a run under test (Linux /proc) ------------------------------------------------
def children_of(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid``."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def workers_of(pid: int) -> list[int]:
    """The running training workers of ``pid``: its children but multiprocessing's resource
    tracker."""
    workers = []
    for child in children_of(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                tracker = b"resource_tracker" in f.read()
            with open(f"/proc/{child}/stat", "rb") as f:
                running = f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
        except OSError:
            continue
        if running and not tracker:
            workers.append(child)
    return workers


def shm_segments_of(pid: int) -> set[str]:
    """The /dev/shm segments process ``pid`` has mapped (other runs may have theirs)."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return {line.split("/dev/shm/")[1].strip() for line in f if "/dev/shm/psm_" in line}
    except OSError:
        return set()

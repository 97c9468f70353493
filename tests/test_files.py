"""files.py: outputs never destroy files (devices, FIFOs, descriptors, links), same_file, and
JSON that is always valid."""

from __future__ import annotations

import json
import math
import os
import socket
import stat
import threading
import tty

import numpy as np
import pytest

from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.files import atomic_write, json_text, same_file, write_json


def write(data: bytes):
    return lambda f: f.write(data)


def leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


# ---------------------------------------------------------------------- regular files


def test_a_regular_file_is_replaced_atomically_and_keeps_its_mode(tmp_path):
    path = tmp_path / "out.txt"
    path.write_bytes(b"old")
    path.chmod(0o600)
    atomic_write(path, write(b"new"))
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_bytes(b"old")

    def fail(f):
        f.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(Word2VecError, match="No space left on device"):
        atomic_write(path, fail)
    assert path.read_bytes() == b"old" and leftovers(tmp_path) == []


# --------------------------------------------------------------------- symbolic links


def test_a_symbolic_link_is_followed_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.bin"
    target.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(target)
    chain = tmp_path / "chain.bin"
    chain.symlink_to(link)  # a link to a link
    atomic_write(chain, write(b"new"))
    assert chain.is_symlink() and link.is_symlink()
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "real") == []


def test_a_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "link.bin"
    link.symlink_to(tmp_path / "new.bin")
    atomic_write(link, write(b"data"))
    assert link.is_symlink() and (tmp_path / "new.bin").read_bytes() == b"data"


def test_a_loop_of_links_is_refused(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(Word2VecError, match="loop"):
        atomic_write(tmp_path / "a", write(b"x"))
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


# ------------------------------------------------------- written through, never replaced


def test_a_character_device_is_written_through(tmp_path):
    """A terminal's device (a pseudo-terminal we own) stays a device; the bytes arrive."""
    master, slave = os.openpty()
    try:
        tty.setraw(slave)  # no newline translation
        name = os.ttyname(slave)
        atomic_write(name, write(b"through the device"))
        assert stat.S_ISCHR(os.stat(name).st_mode)
        assert os.read(master, 100) == b"through the device"
    finally:
        os.close(master)
        os.close(slave)


def test_dev_null_is_written_through():
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("needs /dev/null")
    before = os.stat("/dev/null")
    atomic_write("/dev/null", write(b"nothing"))
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, write(b"through the fifo"))
    reader.join(10)
    assert got == [b"through the fifo"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and leftovers(tmp_path) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
@pytest.mark.parametrize("spelling", ["/dev/fd/{}", "/proc/self/fd/{}"])
def test_a_descriptor_name_writes_to_that_descriptor(tmp_path, spelling):
    """Even when the descriptor is a file: written at its position, not replaced by name."""
    path = tmp_path / "redirected.txt"
    with open(path, "wb", buffering=0) as f:
        f.write(b"earlier output\n")
        inode = os.fstat(f.fileno()).st_ino
        atomic_write(spelling.format(f.fileno()), write(b"the vectors\n"))
        f.write(b"later output\n")
    assert path.read_bytes() == b"earlier output\nthe vectors\nlater output\n"
    assert path.stat().st_ino == inode and leftovers(tmp_path) == []
    read, written = os.pipe()
    try:
        atomic_write(spelling.format(written), write(b"into a pipe"))
        assert os.read(read, 100) == b"into a pipe"
    finally:
        os.close(read)
        os.close(written)


def test_dash_is_standard_output(capsysbinary):
    atomic_write("-", write(b"to stdout"))
    assert capsysbinary.readouterr().out == b"to stdout"


def test_dev_stdout_through_the_program(tmp_path, python_child):
    """``/dev/stdout`` in a child whose standard output is a file: appended to that file."""
    out = tmp_path / "stdout.txt"
    code = (
        "import sys\n"
        "from word2vec_numpy.files import atomic_write\n"
        "print('before', flush=True)\n"
        "atomic_write('/dev/stdout', lambda f: f.write(b'vectors\\n'))\n"
        "print('after')\n"
    )
    with open(out, "wb") as f:
        run = python_child(["-c", code], stdout=f)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes() == b"before\nvectors\nafter\n"


@pytest.mark.parametrize("kind", ["folder", "socket"])
def test_other_kinds_of_file_are_refused(tmp_path, kind):
    path = tmp_path / kind
    if kind == "folder":
        path.mkdir()
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    try:
        with pytest.raises(Word2VecError, match=f"it is a {kind}"):
            atomic_write(path, write(b"x"))
        assert path.is_dir() if kind == "folder" else stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        if kind == "socket":
            server.close()


# -------------------------------------------------------------------------- same_file


def test_same_file(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.txt").symlink_to(a)
    os.link(a, tmp_path / "hard.txt")
    assert same_file(a, a)
    assert same_file(a, tmp_path / "link.txt")
    assert same_file(tmp_path / "hard.txt", a)
    assert same_file(a, tmp_path / "sub" / ".." / "a.txt")
    assert same_file(str(a), os.path.relpath(a))
    b = tmp_path / "b.txt"
    b.write_text("x")
    assert not same_file(a, b)
    # not yet existing: the same resolved path, or not
    assert same_file(tmp_path / "new.npz", tmp_path / "sub" / ".." / "new.npz")
    assert not same_file(tmp_path / "new.npz", a)
    # written through, not replaced: never the same file
    assert not same_file("-", "-")
    if os.path.exists("/dev/null"):
        assert not same_file("/dev/null", "/dev/null")


# ------------------------------------------------------------------------------- JSON


def test_json_is_always_valid(tmp_path):
    obj = {
        "nan": float("nan"),
        "inf": -math.inf,
        "np": np.float32("nan"),
        "int": np.int64(3),
        "arr": np.array([1.0, np.inf]),
        "nested": [{"x": (np.nan, 1.5)}],
    }
    path = tmp_path / "m.json"
    write_json(path, obj)
    loaded = json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(c))
    assert loaded == {
        "nan": None,
        "inf": None,
        "np": None,
        "int": 3,
        "arr": [1.0, None],
        "nested": [{"x": [None, 1.5]}],
    }
    assert json.loads(json_text([1, float("nan")], indent=None)) == [1, None]

"""Encoding in a forked child (``encode_in_child``): the same result as in the process, and
every way the child can end leaves one line and no file behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from conftest import workers_of

from word2vec_numpy.data.encode import encode_corpus, encode_in_child
from word2vec_numpy.data.sample import generate_sample_sentences
from word2vec_numpy.data.text import ReadStats, iter_sentences
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.errors import Word2VecError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _files(folder) -> list[str]:
    return sorted(os.listdir(folder))


def test_the_child_encodes_what_this_process_would(tmp_path):
    text = " ".join(" ".join(s) for s in generate_sample_sentences(20_000, seed=3))
    path = tmp_path / "c.txt"
    path.write_text(text + " " + "x" * 101 + " caf\xe9")  # a long token, a replaced byte
    path.write_bytes(path.read_bytes().replace("caf\xe9".encode(), b"caf\xe9"))
    here_stats, child_stats = ReadStats(), ReadStats()
    here = encode_corpus(iter_sentences(path, stats=here_stats), tmp_path / "a" / "ids", 2)
    apart = encode_in_child(
        iter_sentences(path, stats=child_stats), tmp_path / "b" / "ids", child_stats, min_count=2
    )
    assert apart.vocab.words == here.vocab.words
    np.testing.assert_array_equal(apart.vocab.counts, here.vocab.counts)
    np.testing.assert_array_equal(np.asarray(apart.ids), np.asarray(here.ids))
    assert (apart.n_words, apart.total_tokens) == (here.n_words, here.total_tokens)
    assert child_stats == here_stats  # the child's counts came back
    assert (child_stats.long_tokens, child_stats.replaced) == (1, 1)
    assert _files(tmp_path / "b") == ["ids"]


def test_a_built_vocabulary_and_max_tokens_go_to_the_child(tmp_path):
    sentences = [["a", "b", "c", "a"], ["b", "a", "z"], ["c", "c", "a"]]
    vocab = Vocabulary(min_count=1).build([["a", "b", "c"]])
    apart = encode_in_child(sentences, tmp_path / "ids", vocab=vocab, max_tokens=7)
    here = encode_corpus(sentences, tmp_path / "ids2", vocab=vocab, max_tokens=7)
    np.testing.assert_array_equal(np.asarray(apart.ids), np.asarray(here.ids))
    assert apart.total_tokens == 7 and apart.vocab.words == vocab.words


def test_a_reading_error_is_the_same_one_line(tmp_path, expect_one_line_error):
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    message = expect_one_line_error(
        lambda: encode_in_child(iter_sentences(binary), tmp_path / "ids")
    )
    assert "binary" in message
    assert _files(tmp_path) == ["b.bin"]
    with pytest.raises(Word2VecError) as here:
        encode_corpus(iter_sentences(binary), tmp_path / "ids")
    with pytest.raises(Word2VecError) as apart:
        encode_in_child(iter_sentences(binary), tmp_path / "ids")
    assert (str(apart.value), apart.value.exit_code) == (str(here.value), here.value.exit_code)


def _killed_after_a_sentence():
    yield ["some", "words", "here"] * 1000
    os.kill(os.getpid(), signal.SIGKILL)  # in the child: the out-of-memory killer's way
    yield ["never"]


def test_a_child_killed_by_the_oom_killer_is_one_line_and_leaves_nothing(
    tmp_path, expect_one_line_error
):
    message = expect_one_line_error(
        lambda: encode_in_child(_killed_after_a_sentence(), tmp_path / "ids")
    )
    assert message == (
        "reading the corpus failed: its process was killed by SIGKILL "
        "(often the out-of-memory killer)"
    )
    assert _files(tmp_path) == []  # its temporary files were removed for it


def _endless():
    while True:
        yield ["a", "b", "c"] * 100
        time.sleep(0.01)


def test_ctrl_c_stops_the_child_which_removes_its_files(tmp_path):
    """SIGINT reaches this process (the child ignores it); the child is stopped and unwinds
    (its temporary files go), and the interrupt goes on."""
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            encode_in_child(_endless(), tmp_path / "ids")
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
    assert _files(tmp_path) == []
    assert workers_of(os.getpid()) == []  # no child left running


CTRL_C_IN_ANOTHER_THREAD = """
import os, signal, sys, threading, time
from word2vec_numpy.data.encode import encode_in_child

def endless():
    while True:
        yield ["a", "b", "c"] * 100
        time.sleep(0.01)

# the kernel may hand a process's SIGINT to any of its threads: here, surely, to another one
threading.Timer(1.0, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT)).start()
started = time.monotonic()
try:
    encode_in_child(endless(), sys.argv[1])
except KeyboardInterrupt:
    print(f"stopped after {time.monotonic() - started:.1f} s; left: {os.listdir(sys.argv[2])}")
"""


def test_ctrl_c_handled_by_another_thread_stops_the_wait(tmp_path, python_child):
    """A blocking read of the child's answer was not interrupted when a thread other than the
    main one took the SIGINT (a CI run hung there); the parent now waits in short polls."""
    out = tmp_path / "out"
    out.mkdir()
    done = python_child(["-c", CTRL_C_IN_ANOTHER_THREAD, str(out / "ids"), str(out)], timeout=30)
    assert done.returncode == 0, done.stderr
    seconds = float(done.stdout.split()[2])
    assert 1.0 <= seconds < 5, done.stdout
    assert done.stdout.strip().endswith("left: []"), done.stdout


ENCODE_ENDLESSLY = """
import sys, time
from word2vec_numpy.data.encode import encode_in_child

def endless():
    while True:
        yield ["a", "b", "c"] * 100
        time.sleep(0.01)

print("reading", flush=True)
encode_in_child(endless(), sys.argv[1])
"""


def test_a_child_whose_parent_is_killed_stops_and_removes_its_files(tmp_path):
    """``kill -9`` of the parent: the child, which held the output's lock and would have
    blocked for ever on its answer, notices, stops and removes its temporary files."""
    out = tmp_path / "out"
    out.mkdir()
    parent = subprocess.Popen(
        [sys.executable, "-c", ENCODE_ENDLESSLY, str(out / "ids")], stdout=subprocess.PIPE
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == b"reading"
        deadline = time.monotonic() + 20
        while not (children := workers_of(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children, "the encoding child did not start"
        time.sleep(0.5)  # it is reading
        assert _files(out) != []  # its temporary files exist
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in children), "the child outlived its parent"
    assert _files(out) == []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False

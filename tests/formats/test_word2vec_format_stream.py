"""Streaming reads of word2vec text and binary files: limit=, repeated words, non-finite
values, block boundaries and the memory the reader needs."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

from word2vec_numpy import KeyedVectors
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.formats import word2vec_format as w2vf
from word2vec_numpy.formats.word2vec_format import (
    LoadedVectors,
    load_word2vec_format,
    save_word2vec_format,
)


def sample(n: int = 40, dim: int = 5, seed: int = 1) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" + "x" * (i % 7) for i in range(n)] + ["naïve", "東京"]
    return words, rng.normal(size=(len(words), dim)).astype(np.float32)


def binary_records(words: list[bytes], v: np.ndarray, newline: bool = True) -> bytes:
    end = b"\n" if newline else b""
    rows = np.asarray(v, dtype="<f4")
    body = b"".join(w + b" " + row.tobytes() + end for w, row in zip(words, rows, strict=True))
    return f"{len(words)} {v.shape[1]}\n".encode() + body


def one_line_error(path, **kwargs) -> str:
    with pytest.raises(Word2VecError) as info:
        load_word2vec_format(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("binary", [False, True])
def test_limit_reads_the_first_records(tmp_path, binary):
    words, v = sample()
    path = tmp_path / "v"
    save_word2vec_format(path, words, v, binary=binary)
    for limit in (1, 7, len(words), len(words) + 5):
        got_words, got = load_word2vec_format(path, limit=limit)  # format sniffed
        k = min(limit, len(words))
        assert got_words == words[:k] and got.shape == (k, v.shape[1]) and got.dtype == np.float32
        np.testing.assert_allclose(got, v[:k], rtol=1e-6)


def test_limit_does_not_look_past_the_records_it_reads(tmp_path):
    words, v = sample(6, 3)
    text = tmp_path / "v.txt"
    save_word2vec_format(text, words, v)
    lines = text.read_bytes().split(b"\n")
    lines[4] = b"broken line"  # record 4, after the limit
    text.write_bytes(b"\n".join(lines) + b"trailing garbage")
    assert load_word2vec_format(text, limit=3).words == words[:3]
    assert "line 5: expected a word and 3 numbers" in one_line_error(text)

    binary = tmp_path / "v.bin"
    save_word2vec_format(binary, words, v, binary=True)
    data = binary.read_bytes()
    binary.write_bytes(data[: len(data) - 10])  # the last vector is cut
    np.testing.assert_array_equal(load_word2vec_format(binary, limit=5).vectors, v[:5])
    assert "ends inside the vector" in one_line_error(binary)


@pytest.mark.parametrize("limit", [0, -1, 1.5, True, "3"])
def test_bad_limits(tmp_path, limit):
    path = tmp_path / "v.txt"
    save_word2vec_format(path, ["a"], np.ones((1, 2)))
    with pytest.raises(Word2VecError, match="limit must be a positive whole number"):
        load_word2vec_format(path, limit=limit)


@pytest.mark.parametrize("binary", [False, True])
def test_repeated_words_keep_the_first_and_are_counted(tmp_path, binary):
    v = sample(6, 4)[1][:6]
    words = ["a", "b", "a", "c", "b", "a"]
    path = tmp_path / "v"
    if binary:
        path.write_bytes(binary_records([w.encode() for w in words], v, newline=False))
    else:
        save_word2vec_format(path, words, v)
    messages: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_word2vec_format(path, warn=messages.append)
    assert isinstance(loaded, LoadedVectors)
    assert loaded.words == ["a", "b", "c"] and loaded.duplicates == 3
    np.testing.assert_allclose(loaded.vectors, v[[0, 1, 3]], rtol=1e-6)
    assert messages == [f"{path}: 3 repeated word(s) (e.g. 'a'); kept the first vector of each"]
    # limit counts records, as gensim's does: the first 4 hold one repeat
    limited = load_word2vec_format(path, limit=4)
    assert limited.words == ["a", "b", "c"] and limited.duplicates == 1
    # without a callback nothing is printed or warned; the count is still there
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_word2vec_format(path).duplicates == 3


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"nan", "line 3: 'nan' is not a finite float32 number"),
        (b"-inf", "line 3: '-inf' is not a finite float32 number"),
        (b"1e39", "line 3: '1e39' is not a finite float32 number"),
        (b"1.5.2", "line 3: '1.5.2' is not a number"),
        (b"0x10", "line 3: '0x10' is not a number"),
        (b"1-2", "line 3: '1-2' is not a number"),
    ],
)
def test_text_numbers_must_be_finite_float32(tmp_path, bad, message):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 2\na 1 2\nb 3 " + bad + b"\nc 5 6\n")
    assert message in one_line_error(path)


def test_binary_non_finite_vector(tmp_path):
    v = np.ones((3, 2), dtype=np.float32)
    v[1, 0] = np.nan
    path = tmp_path / "v.bin"
    path.write_bytes(binary_records([b"a", b"b", b"c"], v))
    assert "the vector of 'b' holds NaN or infinite values" in one_line_error(path)


def test_text_layout_variants(tmp_path):
    """CRLF, the C tool's trailing space, tabs, leading spaces, blank lines at the end."""
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 2\r\na 1 2 \r\n  b\t3\t4\nc 5  6\n\n \n")
    loaded = load_word2vec_format(path)
    assert loaded.words == ["a", "b", "c"]
    np.testing.assert_array_equal(loaded.vectors, [[1, 2], [3, 4], [5, 6]])
    path.write_bytes(b"3 2\na 1 2\n\nb 3 4\nc 5 6\n")
    assert "line 3: expected a word and 2 numbers, found 0 fields" in one_line_error(path)
    path.write_bytes(b"3 2\na 1 2\n\n\n")
    assert "line 3: the header announces 3 vectors but the file has 1" in one_line_error(path)


def test_empty_vocabulary(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"0 4\n")
    words, v = load_word2vec_format(path)
    assert words == [] and v.shape == (0, 4) and v.dtype == np.float32


def test_unicode_errors(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(binary_records([b"ok", b"caf\xe9"], np.ones((2, 3))))
    assert "line 3: word is not valid UTF-8" in one_line_error(path)
    assert load_word2vec_format(path, unicode_errors="replace").words == ["ok", "caf\ufffd"]
    text = tmp_path / "v.txt"
    text.write_bytes(b"1 2\ncaf\xe9 1 2\n")
    assert "line 2: word is not valid UTF-8 (a word cut inside a character" in one_line_error(text)
    assert load_word2vec_format(text, unicode_errors="replace").words == ["caf\ufffd"]
    assert load_word2vec_format(path, unicode_errors="ignore").words == ["ok", "caf"]
    assert KeyedVectors.load_word2vec_format(text, unicode_errors="ignore").index_to_key == ["caf"]
    with pytest.raises(Word2VecError, match="unicode_errors"):
        load_word2vec_format(text, unicode_errors="surrogateescape")


@pytest.mark.parametrize("newline", [True, False])
def test_binary_records_across_block_boundaries(tmp_path, monkeypatch, newline):
    """Tiny blocks: every record, word and vector is split between reads somewhere."""
    words, v = sample(60, 3)
    path = tmp_path / "v.bin"
    path.write_bytes(binary_records([w.encode() for w in words], v, newline=newline))
    for block in (1, 5, 13, 64):
        monkeypatch.setattr(w2vf, "_BLOCK", block)
        loaded = load_word2vec_format(path)
        assert loaded.words == words
        np.testing.assert_array_equal(loaded.vectors, v)


def test_text_lines_longer_than_the_buffer(tmp_path, monkeypatch):
    monkeypatch.setattr(w2vf, "_BUFFER", 16)
    words, v = sample(20, 30)
    path = tmp_path / "v.txt"
    save_word2vec_format(path, words, v)
    loaded = load_word2vec_format(path)
    assert loaded.words == words
    np.testing.assert_allclose(loaded.vectors, v, rtol=1e-6)


def test_a_huge_header_count_does_not_allocate_it(tmp_path):
    path = tmp_path / "v.bin"
    one = binary_records([b"a"], np.ones((1, 300)))
    path.write_bytes(b"1000000000000 300\n" + one[one.index(b"\n") + 1 :])
    message = one_line_error(path)
    assert "file ends early: expected 1000000000000 vectors, found 1" in message
    text = tmp_path / "v.txt"
    text.write_bytes(b"1000000000000 300\na" + b" 1" * 300 + b"\n")
    assert "the header announces 1000000000000 vectors but the file has 1" in one_line_error(text)


def test_a_binary_file_read_as_text_is_one_line(tmp_path):
    words, v = sample(5, 50)
    path = tmp_path / "v.bin"
    save_word2vec_format(path, words, v, binary=True)
    one_line_error(path, binary=False)


def repeated_text(n: int, dim: int) -> bytes:
    """n lines of dim numbers each, built from a few distinct rows (fast to generate)."""
    rng = np.random.default_rng(0)
    rows = [" ".join(f"{x:.9g}" for x in r) for r in rng.normal(size=(16, dim)).tolist()]
    lines = "".join(f"w{i} {rows[i % 16]}\n" for i in range(n))
    return f"{n} {dim}\n{lines}".encode()


@pytest.mark.parametrize("binary", [False, True])
def test_peak_memory_is_about_the_matrix(tmp_path, binary):
    """Traced allocations (NumPy's included) peak below 1.2x the matrix the reader returns."""
    n, dim = 30_000, 300
    path = tmp_path / "v"
    if binary:
        v = np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)
        save_word2vec_format(path, [f"w{i}" for i in range(n)], v, binary=True)
        del v
    else:
        path.write_bytes(repeated_text(n, dim))
    tracemalloc.start()
    try:
        words, vectors = load_word2vec_format(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert vectors.shape == (n, dim) and len(words) == n
    assert peak < 1.2 * vectors.nbytes, (peak / 2**20, vectors.nbytes / 2**20)

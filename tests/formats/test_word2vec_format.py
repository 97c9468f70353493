"""word2vec C-tool text and binary formats (w2vformat.py)."""

from __future__ import annotations

import bz2
import gzip
import os
import warnings

import numpy as np
import pytest

from word2vec_numpy import KeyedVectors
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.formats.word2vec_format import load_word2vec_format, save_word2vec_format

WORDS = ["the", "naïve", "café", "東京", "word2vec", "ß"]


def vectors(n: int = len(WORDS), dim: int = 7, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(scale=3.0, size=(n, dim)).astype(np.float32)
    v[0, 0] = 1e-30  # tiny and huge magnitudes survive too
    v[1, 1] = -3.4e38
    return v


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip(tmp_path, binary):
    v = vectors()
    path = tmp_path / ("v.bin" if binary else "v.txt")
    save_word2vec_format(path, WORDS, v, binary=binary)
    for mode in (binary, None):  # explicit and sniffed
        words, loaded = load_word2vec_format(path, binary=mode)
        assert words == WORDS
        assert loaded.dtype == np.float32 and loaded.shape == v.shape
        if binary:
            np.testing.assert_array_equal(loaded, v)
        else:
            np.testing.assert_allclose(loaded, v, rtol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_binary_layout_is_the_c_tools(tmp_path):
    v = vectors(2, 3)
    path = tmp_path / "v.bin"
    save_word2vec_format(path, ["a", "é"], v, binary=True)
    data = path.read_bytes()
    expected = (
        b"2 3\n"
        + b"a "
        + v[0].astype("<f4").tobytes()
        + b"\n"
        + "é ".encode()
        + v[1].astype("<f4").tobytes()
        + b"\n"
    )
    assert data == expected


def test_text_layout(tmp_path):
    path = tmp_path / "v.txt"
    save_word2vec_format(path, ["a", "b"], np.array([[0.5, -1], [2, 1e-7]], dtype=np.float32))
    assert path.read_text() == "2 2\na 0.5 -1\nb 2 1.00000001e-07\n"


@pytest.mark.parametrize("bad", ["two words", "", "tab\there", "new\nline", "nbsp\u00a0x"])
def test_whitespace_words_are_refused_before_writing(tmp_path, bad):
    path = tmp_path / "v.txt"
    with pytest.raises(Word2VecError) as info:
        save_word2vec_format(path, ["ok", bad], np.zeros((2, 3), dtype=np.float32))
    message = str(info.value)
    assert repr(bad) in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("value", [np.nan, np.inf, 1e39])
def test_vectors_that_cannot_be_read_back_are_refused_before_writing(tmp_path, binary, value):
    """NaN, an infinity, or a float64 that is one in float32: the reader refuses them, so the
    writer does too, and names a word."""
    path = tmp_path / "v.bin"
    vectors = np.zeros((3, 2))
    vectors[1, 0] = value
    with pytest.raises(Word2VecError, match="1 vector\\(s\\) with NaN or infinite .* 'b'"):
        save_word2vec_format(path, ["a", "b", "c"], vectors, binary=binary)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "v.txt"
    save_word2vec_format(path, ["a"], np.ones((1, 2), dtype=np.float32))
    before = path.read_bytes()

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(Word2VecError, match="cannot write .*No space left"):
        save_word2vec_format(path, ["b"], np.zeros((1, 2), dtype=np.float32))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.txt"]
    with pytest.raises(Word2VecError, match="cannot write"):
        save_word2vec_format(tmp_path / "no" / "dir.txt", ["a"], np.ones((1, 2)))


def test_shape_errors(tmp_path):
    with pytest.raises(Word2VecError, match="2 words but 3 vectors"):
        save_word2vec_format(tmp_path / "x", ["a", "b"], np.zeros((3, 2)))
    with pytest.raises(Word2VecError, match="2-D"):
        save_word2vec_format(tmp_path / "x", ["a"], np.zeros(3))


CORRUPT = [
    (b"", "line 1: not a word2vec file"),
    (b"hello world\n", "line 1: not a word2vec file"),
    (b"2\n", "line 1: not a word2vec file"),
    (b"2 0\n", "line 1: bad header"),
    (b"2 3", "line 1: the header announces 2 vectors"),
    (b"2 2\na 1 2\n", "line 3: the header announces 2 vectors but the file has 1"),
    (b"1 2\na 1 2\nb 3 4\n", "line 3: the header announces 1 vectors but the file has 2"),
    (b"2 2\na 1 2\nb 3\n", "line 3: expected a word and 2 numbers, found 2 fields"),
    (b"2 2\na 1 2\nb 3 x4\n", "line 3: 'x4' is not a number"),
    (b"1 2\n\xff 1 2\n", "line 2: word is not valid UTF-8"),
    (gzip.compress(b"1 2\na 1 2\n"), "line 1: not a word2vec file: a gzip file"),
    (bz2.compress(b"1 2\na 1 2\n"), "line 1: not a word2vec file: a bzip2 file"),
]
CORRUPT_NUMBERS = [  # the first record's numbers do not parse
    (b"2 3\na 1 2 x\nb 4 5 6", "line 2: 'x' is not a number"),
    (b"1 4\na 1 2 nan 4\n", "line 2: 'nan' is not a finite float32 number"),
    (b"2 2\na 1 1e39\nb 1 2\n", "line 2: '1e39' is not a finite float32 number"),
]


@pytest.mark.parametrize("binary", [False, None], ids=["text", "sniffed"])
@pytest.mark.parametrize(("content", "message"), CORRUPT + CORRUPT_NUMBERS)
def test_corrupt_text_files(tmp_path, content, message, binary):
    """The same message whether the format is given or detected: a text file with a bad
    number in its first record is still read as text (``_looks_like_text``)."""
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(Word2VecError) as info:
        load_word2vec_format(path, binary=binary)
    text = str(info.value)
    assert text.startswith(f"{path}, ") and message in text and "\n" not in text


def test_corrupt_binary_files(tmp_path):
    path = tmp_path / "v.bin"
    save_word2vec_format(path, ["a", "b", "c"], vectors(3, 4), binary=True)
    good = path.read_bytes()
    cases = [
        (good[:-10], "line 4: file ends inside the vector of 'c'"),
        (good[: good.index(b"c ")], "line 4: file ends early: expected 3 vectors, found 2"),
        (good + b"extra 1234567890123456\n", "line 5: more data after the 3 vectors"),
        (good.replace(b"b ", b"\xff "), "line 3: word is not valid UTF-8"),
    ]
    for content, message in cases:
        path.write_bytes(content)
        with pytest.raises(Word2VecError) as info:
            load_word2vec_format(path, binary=True)
        assert message in str(info.value), (message, str(info.value))
    with pytest.raises(Word2VecError, match="no such file"):
        load_word2vec_format(tmp_path / "missing.bin")


def test_binary_without_newlines_and_duplicates(tmp_path):
    """gensim writes binary records without the newline; repeated words keep the first."""
    v = vectors(3, 2)
    path = tmp_path / "v.bin"
    path.write_bytes(
        b"3 2\n"
        + b"".join(w + b" " + row.tobytes() for w, row in zip([b"a", b"b", b"a"], v, strict=True))
    )
    messages = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reported through the callback, never as a warning
        loaded_vectors = load_word2vec_format(path, warn=messages.append)
    words, loaded = loaded_vectors
    assert words == ["a", "b"] and loaded_vectors.duplicates == 1
    np.testing.assert_array_equal(loaded, v[:2])
    assert len(messages) == 1 and "\n" not in messages[0]
    assert "1 repeated word(s) (e.g. 'a')" in messages[0]


def test_gensim_reads_ours_and_we_read_gensims(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(3)
    words = WORDS + [f"w{i}" for i in range(60)]
    v = rng.normal(size=(len(words), 10)).astype(np.float32)
    for binary in (False, True):
        ours = tmp_path / f"ours{int(binary)}"
        save_word2vec_format(ours, words, v, binary=binary)
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
        assert list(kv.index_to_key) == words
        np.testing.assert_allclose(kv.vectors, v, rtol=1e-6)

        theirs = tmp_path / f"theirs{int(binary)}"
        kv.save_word2vec_format(str(theirs), binary=binary)
        loaded_words, loaded = load_word2vec_format(theirs)  # format sniffed
        assert loaded_words == words
        np.testing.assert_allclose(loaded, v, rtol=1e-6)

        model = KeyedVectors(loaded_words, loaded)
        mine = model.most_similar("café", topn=5)
        gensims = kv.most_similar("café", topn=5)
        assert [w for w, _ in mine] == [w for w, _ in gensims]
        np.testing.assert_allclose([s for _, s in mine], [s for _, s in gensims], atol=1e-5)


def test_word2vec_methods_round_trip_through_both_formats(tmp_path):
    """``Word2Vec.save_word2vec_format`` / ``load_word2vec_format`` are the API spelling."""

    rng = np.random.default_rng(5)
    words = ["königin", "king", "man", "woman"]
    model = KeyedVectors(words, rng.normal(size=(4, 6)).astype(np.float32))
    for binary, name in ((True, "v.bin"), (False, "v.txt")):
        model.save_word2vec_format(str(tmp_path / name), binary=binary)
        back = KeyedVectors.load_word2vec_format(str(tmp_path / name))
        assert back.words == words
        np.testing.assert_allclose(back.vectors, model.vectors, rtol=0, atol=1e-6)
        assert back.most_similar("king", topn=3) == model.most_similar("king", topn=3)

"""Tests of reading text: tokenisation, streaming readers, and encoding to an id file."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy.data import text as corpus_module
from word2vec_numpy.data.encode import (
    SEPARATOR,
    EncodedCorpus,
    IdFile,
    encode_corpus,
    ids_to_int64,
)
from word2vec_numpy.data.sample import generate_sample_sentences
from word2vec_numpy.data.text import MAX_SENTENCE_LENGTH, iter_sentences, tokenize
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.errors import Word2VecError

# ------------------------------------------------------------------------- tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("Don't STOP at o'clock", ["don't", "stop", "at", "o'clock"]),
        ("rock'n'roll", ["rock'n'roll"]),
        ("'quoted' words' 'tis", ["quoted", "words", "tis"]),
        ("a''b", ["a", "b"]),
        ("snake_case __init__ united_states _x", ["snake_case", "init", "united_states", "x"]),
        ("well-known e-mail", ["well", "known", "e", "mail"]),
        ("abc123 42 3.14 1,000", ["abc123", "42", "3", "14", "1", "000"]),
        (
            "Café naïve ÉCOLE Москва 東京 ภาษาไทย",
            ["café", "naïve", "école", "москва", "東京", "ภาษาไทย"],
        ),
        ("tab\there\r\nnew  line", ["tab", "here", "new", "line"]),
        ("x\ufffdy", ["x", "y"]),
        ("", []),
        ("  ... --- !!! ''' ___", []),
        ("anarchism originated as a term", ["anarchism", "originated", "as", "a", "term"]),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),
        (unicodedata.normalize("NFD", "naïve café"), ["nai\u0308ve", "cafe\u0301"]),
    ],
)
def test_tokenize_keeps_combining_marks_inside_words(text, tokens):
    assert tokenize(text) == tokens


# ------------------------------------------------------------------- iter_sentences

TEXT = (
    "The cat sat on the mat.\n"
    "\n"
    "It's a dog's life, isn't it?\r\n"
    "Numbers 1 2 3 and Ünïcödé\n"
    "last line without newline"
)
SENTENCES = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["it's", "a", "dog's", "life", "isn't", "it"],
    ["numbers", "1", "2", "3", "and", "ünïcödé"],
    ["last", "line", "without", "newline"],
]


def _write(path: Path, data: bytes) -> Path:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif suffix == ".bz2":
        path.write_bytes(bz2.compress(data))
    elif suffix == ".xz":
        path.write_bytes(lzma.compress(data))
    elif suffix == ".zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("folder/", b"")
            z.writestr("folder/corpus.txt", data)
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["c.txt", "c", "c.gz", "c.bz2", "c.xz", "c.zip", "C.GZ"])
def test_iter_sentences_plain_and_compressed(tmp_path, name):
    path = _write(tmp_path / name, TEXT.encode("utf-8"))
    assert list(iter_sentences(path)) == SENTENCES
    assert list(iter_sentences(str(path))) == SENTENCES


def test_zip_without_a_file_is_an_error(tmp_path):
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("folder/", b"")
    with pytest.raises(Word2VecError):
        list(iter_sentences(path))


@pytest.mark.parametrize("name", ["fake.gz", "fake.bz2", "fake.xz", "fake.zip"])
def test_a_file_that_is_not_what_its_suffix_says(tmp_path, name):
    path = tmp_path / name
    path.write_text("plain text, not compressed\n" * 20)
    with pytest.raises(Word2VecError):
        list(iter_sentences(path))


def test_a_truncated_compressed_file(tmp_path):
    data = gzip.compress(("some words here\n" * 5000).encode())
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Word2VecError):
        list(iter_sentences(path))


def test_empty_and_blank_files(tmp_path):
    assert list(iter_sentences(_write(tmp_path / "e.txt", b""))) == []
    assert list(iter_sentences(_write(tmp_path / "b.txt", b"\n\n  ,;\n\n"))) == []


def test_old_mac_line_ends_are_line_breaks(tmp_path):
    path = _write(tmp_path / "mac.txt", b"a b\rc d\r\ne")
    assert list(iter_sentences(path)) == [["a", "b"], ["c", "d"], ["e"]]


def test_invalid_utf8_is_replaced(tmp_path):
    data = b"caf\xc3 ok \xff\xfebad\nsecond \xe9t\xe9 line\n"
    path = _write(tmp_path / "bad.txt", data)
    assert list(iter_sentences(path)) == [["caf", "ok", "bad"], ["second", "t", "line"]]
    corpus = encode_corpus(iter_sentences(path), tmp_path / "ids.u32", min_count=1)
    assert corpus.total_tokens == 6


def test_long_lines_are_cut_into_max_length_sentences(tmp_path):
    words = [f"w{i % 997}" for i in range(25_000)]
    text = " ".join(words) + "\nshort line\n" + " ".join(words[:10_000]) + "\n"
    path = _write(tmp_path / "long.txt", text.encode())
    sentences = list(iter_sentences(path))
    assert [len(s) for s in sentences] == [10_000, 10_000, 5_000, 2, 10_000]
    assert sum(sentences[:3], []) == words
    assert sentences[3] == ["short", "line"]
    assert MAX_SENTENCE_LENGTH == 10_000
    # a smaller limit
    small = list(iter_sentences(path, max_sentence_length=7_000))
    assert [len(s) for s in small] == [7_000, 7_000, 7_000, 4_000, 2, 7_000, 3_000]


def test_a_3mb_line_without_newline_streams_correctly(tmp_path):
    rng = np.random.default_rng(0)
    vocab = np.array(["alpha", "be", "gamma's", "d", "epsilon,", "zeta.", "éta", "théta-x", "42"])
    seps = np.array([" ", " ", " ", "\t", "  "])
    n = 520_000
    words = vocab[rng.integers(0, len(vocab), n)]
    gaps = seps[rng.integers(0, len(seps), n)]
    text = "".join(np.char.add(words, gaps).tolist())
    assert len(text.encode()) > 3_000_000 and "\n" not in text
    path = _write(tmp_path / "one_line.txt", text.encode("utf-8"))
    sentences = list(iter_sentences(path))
    expected = tokenize(text)
    assert sum(sentences, []) == expected
    lengths = [len(s) for s in sentences]
    assert all(n == 10_000 for n in lengths[:-1]) and 0 < lengths[-1] <= 10_000
    assert len(sentences) == -(-len(expected) // 10_000)


@pytest.mark.parametrize("chunk_chars", [1, 2, 3, 5, 7, 11, 64])
def test_reading_in_tiny_pieces_gives_the_same_sentences(tmp_path, monkeypatch, chunk_chars):
    """Piece boundaries anywhere (inside words, at apostrophes, between \\r and \\n)."""
    monkeypatch.setattr(corpus_module, "_CHUNK_BYTES", chunk_chars)
    path = _write(tmp_path / "t.txt", TEXT.encode("utf-8"))
    assert list(iter_sentences(path)) == SENTENCES
    line = " ".join(f"don't{i} x'y" for i in range(30))
    path = _write(tmp_path / "l.txt", (line + "\n" + line).encode())
    got = list(iter_sentences(path, max_sentence_length=7))
    tokens = tokenize(line)
    expected = [tokens[i : i + 7] for i in range(0, len(tokens), 7)] * 2
    assert got == expected


# ---------------------------------------------------------------------- encode_corpus

SENTS = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "sat"],
    ["a", "cat", "and", "a", "dog", "on", "the", "log"],
    ["the", "cat"],
]


def test_encode_corpus_equals_vocab_encode(tmp_path):
    out = tmp_path / "sub" / "ids.u32"
    corpus = encode_corpus(SENTS, out, min_count=2, source="test")
    assert isinstance(corpus, EncodedCorpus)
    vocab = Vocabulary(min_count=2).build(SENTS)
    assert corpus.vocab.words == vocab.words
    np.testing.assert_array_equal(corpus.vocab.counts, vocab.counts)
    ids = corpus.ids
    assert ids.dtype == np.uint32
    expected = vocab.encode(SENTS)
    np.testing.assert_array_equal(ids_to_int64(ids), expected)
    np.testing.assert_array_equal(
        ids, np.where(expected < 0, 0xFFFFFFFF, expected).astype(np.uint32)
    )
    assert ids[-1] == SEPARATOR == np.uint32(0xFFFFFFFF)
    assert corpus.n_words == int(np.count_nonzero(expected >= 0))
    assert corpus.total_tokens == sum(map(len, SENTS))
    assert corpus.source == "test"
    assert sorted(os.listdir(out.parent)) == ["ids.u32"]  # no temporary files left
    assert os.path.getsize(out) == 4 * len(expected)


def test_encode_corpus_collapses_emptied_sentences(tmp_path):
    sents = [["rare1"], ["x", "y"], ["rare2", "rare3"], ["rare4"], ["y", "x", "rare5"], ["q"]]
    corpus = encode_corpus(sents, tmp_path / "ids", min_count=2)
    x, y = corpus.vocab.word_to_id["x"], corpus.vocab.word_to_id["y"]
    np.testing.assert_array_equal(ids_to_int64(corpus.ids), [x, y, -1, y, x, -1])
    assert corpus.n_words == 4
    assert corpus.total_tokens == 10


def test_encode_corpus_max_tokens(tmp_path):
    corpus = encode_corpus(SENTS, tmp_path / "ids", min_count=1, max_tokens=8)
    assert corpus.total_tokens == 8
    cut = [SENTS[0], SENTS[1][:2]]
    vocab = Vocabulary(min_count=1).build(cut)
    assert corpus.vocab.words == vocab.words
    np.testing.assert_array_equal(ids_to_int64(corpus.ids), vocab.encode(cut))
    # exactly at a sentence end, and more than the corpus
    assert encode_corpus(SENTS, tmp_path / "b", min_count=1, max_tokens=9).total_tokens == 9
    assert encode_corpus(SENTS, tmp_path / "c", min_count=1, max_tokens=10**6).total_tokens == 19


def test_encode_corpus_of_nothing(tmp_path):
    corpus = encode_corpus([], tmp_path / "ids", min_count=1)
    assert corpus.n_words == 0 and corpus.total_tokens == 0 and len(corpus.vocab) == 0
    assert len(corpus.ids) == 0 and corpus.ids.dtype == np.uint32
    corpus = encode_corpus([["a"], ["b"]], tmp_path / "ids2", min_count=5)
    assert corpus.n_words == 0 and len(corpus.ids) == 0 and corpus.total_tokens == 2


def test_encode_corpus_of_a_large_stream(tmp_path):
    """More than 2**20 ids: crosses the writer's flush size."""
    sents = generate_sample_sentences(1_200_000, seed=3)
    corpus = encode_corpus(iter(sents), tmp_path / "ids", min_count=5)
    vocab = Vocabulary(min_count=5).build(sents)
    assert corpus.vocab.words == vocab.words
    np.testing.assert_array_equal(corpus.vocab.counts, vocab.counts)
    np.testing.assert_array_equal(ids_to_int64(corpus.ids), vocab.encode(sents))
    assert corpus.total_tokens == sum(map(len, sents)) > 1 << 20


def test_encode_corpus_from_a_file(tmp_path):
    path = _write(tmp_path / "c.txt.gz", TEXT.encode())
    corpus = encode_corpus(iter_sentences(path), tmp_path / "ids", min_count=1)
    vocab = Vocabulary(min_count=1).build(SENTENCES)
    assert corpus.vocab.words == vocab.words
    np.testing.assert_array_equal(ids_to_int64(corpus.ids), vocab.encode(SENTENCES))


def test_ids_to_int64():
    np.testing.assert_array_equal(
        ids_to_int64(np.array([3, 0xFFFFFFFF, 0], np.uint32)), np.array([3, -1, 0])
    )
    np.testing.assert_array_equal(ids_to_int64(np.array([3, -1, 0], np.int32)), [3, -1, 0])
    assert ids_to_int64(np.array([1], np.int32)).dtype == np.int64


def test_the_id_file_reads_what_is_sliced_without_mapping_it(tmp_path):
    """``IdFile`` slices equal the file's contents (any bounds, empty, past the end, a step);
    reading them maps nothing: the pages stay in the page cache, not in the process."""
    path = tmp_path / "ids.u32"
    values = np.random.default_rng(3).integers(0, 2**32, 100_003, dtype=np.uint32)
    values.tofile(path)
    ids = IdFile(path)
    assert len(ids) == ids.size == 100_003 and ids.shape == (100_003,)
    assert ids.dtype == np.uint32
    for lo, hi in [(0, 10), (5, 5), (99_990, 200_000), (-7, None), (40_000, 30_000), (0, None)]:
        got = ids[lo:hi]
        assert got.dtype == np.uint32 and np.array_equal(got, values[lo:hi]), (lo, hi)
    assert np.array_equal(ids[::7], values[::7]) and ids[12] == values[12]
    assert ids[-1] == values[-1] and ids[np.int64(5)] == values[5]
    with pytest.raises(IndexError):
        ids[100_003]
    assert np.array_equal(np.asarray(ids), values)
    assert np.array_equal(np.asarray(ids, dtype=np.int64), values.astype(np.int64))
    with open("/proc/self/maps") as maps:
        assert str(path) not in maps.read()
    (tmp_path / "empty.u32").touch()
    empty = IdFile(tmp_path / "empty.u32")
    assert len(empty) == 0 and empty[0:5].size == 0

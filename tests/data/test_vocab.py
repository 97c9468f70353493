"""Tests of the vocabulary: ids, counts, encode/decode, subsampling and noise distributions."""

from __future__ import annotations

import numpy as np
import pytest

from word2vec_numpy.data.vocab import SENTENCE_END, Vocabulary
from word2vec_numpy.model.negative_sampling import NoiseSampler

TOKENS = "the cat sat on the mat and the dog sat on the log a cat".split()


def test_ids_by_descending_count_ties_by_first_appearance():
    vocab = Vocabulary(min_count=1).build(TOKENS)
    # counts: the 4, cat 2, sat 2, on 2, then singletons in order of first appearance
    assert vocab.words == ["the", "cat", "sat", "on", "mat", "and", "dog", "log", "a"]
    np.testing.assert_array_equal(vocab.counts, [4, 2, 2, 2, 1, 1, 1, 1, 1])
    assert vocab.counts.dtype == np.int64
    assert vocab.word_to_id == {w: i for i, w in enumerate(vocab.words)}
    assert len(vocab) == 9
    assert "cat" in vocab and "bird" not in vocab
    assert vocab.total_words == len(TOKENS)


def test_same_tokens_same_ids_and_sentences_equal_flat():
    a = Vocabulary(min_count=1).build(TOKENS)
    b = Vocabulary(min_count=1).build(list(TOKENS))
    c = Vocabulary(min_count=1).build([TOKENS[:5], TOKENS[5:11], TOKENS[11:]])
    assert a.words == b.words == c.words
    np.testing.assert_array_equal(a.counts, c.counts)


def test_tie_order_follows_first_appearance_not_alphabet():
    vocab = Vocabulary(min_count=1).build(["zebra", "apple", "mango", "apple", "zebra", "mango"])
    assert vocab.words == ["zebra", "apple", "mango"]
    vocab = Vocabulary(min_count=1).build(["mango", "apple", "zebra"] * 2)
    assert vocab.words == ["mango", "apple", "zebra"]


def test_min_count_and_max_size():
    vocab = Vocabulary(min_count=2).build(TOKENS)
    assert vocab.words == ["the", "cat", "sat", "on"]
    assert vocab.total_words == len(TOKENS)  # counts the dropped words too
    vocab = Vocabulary(min_count=1, max_size=3).build(TOKENS)
    assert vocab.words == ["the", "cat", "sat"]
    vocab = Vocabulary(min_count=5).build(TOKENS)
    assert len(vocab) == 0 and vocab.words == []
    with pytest.raises(ValueError):
        Vocabulary(min_count=0)


def test_encode_drops_unknown_words():
    vocab = Vocabulary(min_count=2).build(TOKENS)
    ids = vocab.encode(["the", "zebra", "cat", "mat", "on"])
    assert ids.dtype == np.int32
    np.testing.assert_array_equal(ids, [0, 1, 3])
    assert vocab.encode([]).dtype == np.int32 and len(vocab.encode([])) == 0


def test_encode_sentences_puts_separators():
    vocab = Vocabulary(min_count=2).build(TOKENS)
    ids = vocab.encode([["the", "cat"], ["mat"], ["sat", "on", "dog"]])
    np.testing.assert_array_equal(ids, [0, 1, -1, -1, 2, 3, -1])
    assert SENTENCE_END == -1
    assert vocab.decode(ids) == ["the", "cat", "sat", "on"]
    assert vocab.decode([3, 0]) == ["on", "the"]


def test_from_words_keeps_the_given_order():
    vocab = Vocabulary.from_words(["b", "a", "c"], [1, 5, 2])
    assert vocab.words == ["b", "a", "c"]
    assert vocab.word_to_id["c"] == 2
    assert vocab.total_words == 8


def test_build_from_counts_is_build():
    words = ["x", "y", "z", "w"]
    counts = np.array([3, 7, 3, 1])
    vocab = Vocabulary(min_count=2).build_from_counts(words, counts)
    assert vocab.words == ["y", "x", "z"]
    np.testing.assert_array_equal(vocab.counts, [7, 3, 3])


# ----------------------------------------------------------------------- subsampling


def test_keep_probabilities_formula():
    counts = np.array([10_000, 3_000, 500, 50, 5, 1])
    vocab = Vocabulary.from_words([f"w{i}" for i in range(6)], counts)
    for t in (1e-3, 1e-2, 1e-4):
        f = counts / counts.sum()
        expected = np.minimum((np.sqrt(f / t) + 1) * t / f, 1.0)
        got = vocab.keep_probabilities(t)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-6)
        assert np.all(got[f <= t] == 1.0)  # rare words are always kept
        assert np.all(np.diff(got) >= 0)  # more frequent, more discarded
    assert vocab.keep_probabilities(1e-3)[0] < 0.5
    np.testing.assert_array_equal(vocab.keep_probabilities(0), np.ones(6, np.float32))
    assert len(Vocabulary().keep_probabilities(1e-3)) == 0


# --------------------------------------------------------------------------- noise


def test_noise_distribution_is_unigram_to_the_three_quarters():
    counts = np.array([1000, 300, 20, 1])
    vocab = Vocabulary.from_words(list("abcd"), counts)
    p = vocab.noise_distribution()
    np.testing.assert_allclose(p, counts**0.75 / (counts**0.75).sum(), rtol=1e-12)
    assert p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(vocab.noise_distribution(1.0), counts / counts.sum())


def test_noise_sampler_frequencies():
    rng = np.random.default_rng(0)
    n = 2000
    counts = np.maximum((1e6 / np.arange(1, n + 1) ** 1.1).astype(np.int64), 1)
    vocab = Vocabulary.from_words([f"w{i}" for i in range(n)], counts)
    sampler = NoiseSampler(vocab.noise_distribution())
    draws = sampler.sample(rng, 2_000_000)
    assert draws.min() >= 0 and draws.max() < n
    freq = np.bincount(draws, minlength=n) / len(draws)
    target = counts**0.75 / (counts**0.75).sum()
    rel = np.abs(freq[:20] - target[:20]) / target[:20]
    assert rel.max() < 0.03
    # chi-square over the 100 most frequent words (expected counts >= ~1000 each)
    top = 100
    expected = target[:top] * len(draws)
    chi2 = float((((freq[:top] * len(draws)) - expected) ** 2 / expected).sum())
    assert chi2 < top + 6 * np.sqrt(2 * top)  # df ~ 100: mean 100, sd ~14


def test_noise_table_rounding_and_minimum_slot():
    probs = np.array([0.5, 0.3, 0.2 - 1e-9, 1e-9])
    sampler = NoiseSampler(probs, table_size=1000)
    assert len(sampler.table) == 1000
    assert sampler.table.dtype == np.int32
    slots = np.bincount(sampler.table, minlength=4)
    assert slots[3] >= 1  # every word can be drawn
    np.testing.assert_allclose(sampler.probs, slots / 1000)
    assert np.abs(sampler.probs - probs).max() <= 2 / 1000
    # a tiny table is enlarged to two slots a word
    assert len(NoiseSampler(np.full(10, 0.1), table_size=5).table) == 20


def test_noise_sampler_shape_and_determinism():
    sampler = NoiseSampler(np.array([0.25, 0.25, 0.5]))
    a = sampler.sample(np.random.default_rng(1), (3, 7))
    b = sampler.sample(np.random.default_rng(1), (3, 7))
    assert a.shape == (3, 7)
    np.testing.assert_array_equal(a, b)

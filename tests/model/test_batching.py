"""Tests of batching: chunks and subsampling, window pairs, and the block masks of BatchMaker."""

from __future__ import annotations

import numpy as np
import pytest

from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.model.batching import BatchMaker, Chunk, make_chunk, window_pairs


def zipf_vocab(n: int = 50, total: int = 100_000) -> Vocabulary:
    counts = np.maximum((total / np.arange(1, n + 1) / np.log(n)).astype(np.int64), 1)
    return Vocabulary.from_words([f"w{i}" for i in range(n)], counts)


def random_chunk(rng: np.random.Generator, n: int, vocab_size: int, window: int) -> Chunk:
    raw = rng.integers(0, vocab_size, size=n).astype(np.int64)
    raw[rng.random(n) < 0.08] = -1  # sentence breaks, sometimes several in a row
    return make_chunk(raw, np.ones(vocab_size, np.float32), window, rng)


def mask_pairs(maker: BatchMaker, chunk: Chunk, rng: np.random.Generator):
    """(centre position, context position) of every mask entry == 1, over all batches, with
    the word ids read from the batch checked against the chunk."""
    pairs = []
    w, T = maker.window, maker.block
    rows_seen = []
    previous_kept = 0
    for batch, words_read, kept in maker.batches(chunk, rng):
        nb = batch.rows.shape[0]
        assert batch.pair_mask.shape == (nb, T, T + 2 * w)
        assert batch.span.shape == (nb, T + 2 * w)
        np.testing.assert_array_equal(batch.rows, batch.span[:, w : w + T])
        assert set(np.unique(batch.pair_mask)) <= {0.0, 1.0}
        assert nb * T <= maker.batch_size
        for b, t, c in zip(*np.nonzero(batch.pair_mask), strict=True):
            row_pos = batch.starts[b] + t
            col_pos = batch.starts[b] + c - w
            assert 0 <= row_pos < len(chunk) and 0 <= col_pos < len(chunk)
            assert batch.rows[b, t] == chunk.ids[row_pos]
            assert batch.span[b, c] == chunk.ids[col_pos]
            pairs.append((int(row_pos), int(col_pos)))
        for b, start in enumerate(batch.starts):  # real rows carry the chunk's ids
            real = min(T, len(chunk) - start)
            np.testing.assert_array_equal(batch.rows[b, :real], chunk.ids[start : start + real])
            rows_seen.extend(range(start, start + real))
        # the lr follows the share of the chunk done
        assert previous_kept < kept <= len(chunk)
        assert words_read == chunk.words_read[kept - 1]
        previous_kept = kept
    assert kept == len(chunk)
    assert sorted(rows_seen) == list(range(len(chunk)))  # every position once
    return pairs


# ------------------------------------------------------------------------- make_chunk


def test_make_chunk_by_hand():
    raw = np.array([3, 1, -1, 2, -1, -1, 4, 0], dtype=np.int64)
    chunk = make_chunk(raw, np.ones(5, np.float32), 4, np.random.default_rng(0))
    np.testing.assert_array_equal(chunk.ids, [3, 1, 2, 4, 0])
    np.testing.assert_array_equal(chunk.sentence, [0, 0, 1, 3, 3])
    np.testing.assert_array_equal(chunk.words_read, [1, 2, 3, 4, 5])
    assert len(chunk) == 5
    assert chunk.radius.min() >= 1 and chunk.radius.max() <= 4


def test_make_chunk_radii_are_uniform_on_1_to_window():
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 10, size=100_000).astype(np.int64)
    chunk = make_chunk(raw, np.ones(10, np.float32), 5, rng)
    freq = np.bincount(chunk.radius, minlength=6) / len(chunk)
    assert freq[0] == 0
    np.testing.assert_allclose(freq[1:], 0.2, atol=0.01)


def test_subsampling_counts_read_words_before_subsampling():
    rng = np.random.default_rng(2)
    raw = np.array([0, 1, 0, -1, 1, 0, 0, 1], dtype=np.int64)
    keep = np.array([0.0, 1.0], dtype=np.float32)  # word 0 is never kept
    chunk = make_chunk(raw, keep, 2, rng)
    np.testing.assert_array_equal(chunk.ids, [1, 1, 1])
    np.testing.assert_array_equal(chunk.words_read, [2, 4, 7])
    np.testing.assert_array_equal(chunk.sentence, [0, 1, 1])


def test_empirical_keep_rate_matches_keep_probabilities():
    vocab = zipf_vocab(300)
    for sample in (1e-2, 1e-3):
        keep = vocab.keep_probabilities(sample)
        assert keep.min() < 0.5 and keep.max() == 1.0  # some words are really subsampled
        rng = np.random.default_rng(3)
        probs = vocab.counts / vocab.counts.sum()
        raw = rng.choice(len(vocab), size=1_000_000, p=probs).astype(np.int64)
        chunk = make_chunk(raw, keep, 5, rng)
        seen = np.bincount(raw, minlength=len(vocab))
        kept = np.bincount(chunk.ids, minlength=len(vocab))
        rate = kept / seen
        sigma = np.sqrt(keep * (1 - keep) / seen)
        assert np.all(np.abs(rate - keep) <= 5 * sigma + 1e-12)
        # words always kept are kept every time
        np.testing.assert_array_equal(kept[keep == 1.0], seen[keep == 1.0])


def test_sample_zero_keeps_every_word():
    vocab = zipf_vocab(40)
    keep = vocab.keep_probabilities(0)
    rng = np.random.default_rng(4)
    raw = rng.integers(-1, 40, size=10_000).astype(np.int64)
    chunk = make_chunk(raw, keep, 5, rng)
    np.testing.assert_array_equal(chunk.ids, raw[raw >= 0])


# ------------------------------------------------------------------------ window_pairs


def test_window_pairs_hand_worked_example():
    # 7 positions; a sentence break between positions 2 and 3.
    chunk = Chunk(
        ids=np.array([10, 11, 12, 13, 14, 15, 16]),
        sentence=np.array([0, 0, 0, 1, 1, 1, 1]),
        radius=np.array([1, 2, 1, 3, 1, 2, 2]),
        words_read=np.arange(1, 8),
    )
    expected = [
        (0, 1),  # r=1
        (1, 0), (1, 2),  # r=2, position 3 is in the next sentence
        (2, 1),  # r=1, position 3 is in the next sentence
        (3, 4), (3, 5), (3, 6),  # r=3, positions 0..2 are in the previous sentence
        (4, 3), (4, 5),  # r=1
        (5, 3), (5, 4), (5, 6),  # r=2, position 7 does not exist
        (6, 4), (6, 5),  # r=2
    ]  # fmt: skip
    assert window_pairs(chunk) == expected


def test_window_pairs_of_an_empty_and_a_one_word_chunk():
    empty = Chunk(*(np.zeros(0, np.int64) for _ in range(4)))
    assert window_pairs(empty) == []
    one = Chunk(np.array([3]), np.array([0]), np.array([5]), np.array([1]))
    assert window_pairs(one) == []


# -------------------------------------------------------------------- BatchMaker masks


@pytest.mark.parametrize(
    ("window", "block", "batch_size", "n"),
    [
        (2, 4, 8, 13),  # n not a multiple of the block
        (2, 4, 4, 16),
        (3, 6, 12, 50),
        (5, 32, 64, 203),
        (5, 8, 2048, 97),  # block raised to 2*window = 10
        (1, 3, 7, 31),  # batch_size rounded down to a multiple of the block
        (4, 16, 48, 5),  # a chunk shorter than one block
    ],
)
def test_batch_masks_give_exactly_the_window_pairs(window, block, batch_size, n, make_maker):
    rng = np.random.default_rng(window * 1000 + n)
    vocab = zipf_vocab(30)
    maker = make_maker(vocab, window, 5, batch_size=batch_size, block=block)
    assert maker.block >= 2 * window and maker.batch_size % maker.block == 0
    for _ in range(3):
        chunk = random_chunk(rng, n, len(vocab), window)
        got = mask_pairs(maker, chunk, rng)
        assert len(got) == len(set(got))
        assert sorted(got) == sorted(window_pairs(chunk))


def test_batches_of_an_empty_chunk(make_maker):
    vocab = zipf_vocab(10)
    maker = make_maker(vocab, 2, 5)
    empty = Chunk(*(np.zeros(0, np.int64) for _ in range(4)))
    assert list(maker.batches(empty, np.random.default_rng(0))) == []


@pytest.mark.parametrize("model_kind", ["skipgram", "cbow"])
def test_negatives_and_their_weights(model_kind, make_maker):
    rng = np.random.default_rng(5)
    vocab = zipf_vocab(30)
    k, window = 4, 3
    maker = make_maker(vocab, window, k, model_kind, batch_size=64, block=16)
    assert maker.losses[0].n_shared == (2 if model_kind == "skipgram" else 1) * k * (window + 1)
    chunk = random_chunk(rng, 150, len(vocab), window)
    for batch, _, _ in maker.batches(chunk, rng):
        nb, T = batch.rows.shape
        G = maker.losses[0].group_size(maker.block)
        n_groups = nb * T // G
        assert batch.draws["ns"].neg.shape == (n_groups, maker.losses[0].n_shared)
        assert batch.draws["ns"].neg.min() >= 0 and batch.draws["ns"].neg.max() < len(vocab)
        assert batch.draws["ns"].weight.shape == (n_groups, G, 1)
        assert batch.draws["ns"].weight.dtype == np.float32
        assert batch.window == window
        # neg_order is a permutation of the rows; a group's rows are spread over the batch
        assert sorted(batch.draws["ns"].order) == list(range(nb * T))
        groups = batch.draws["ns"].group_of_rows()
        assert np.bincount(groups).tolist() == [G] * n_groups
        # the grouped view is the gather by `order`, group by group, and group_of_rows agrees
        draw = batch.draws["ns"]
        X = np.arange(nb * T * 3.0).reshape(nb, T, 3)
        by_order = X.reshape(-1, 3)[draw.order].reshape(n_groups, G, 3)
        assert np.array_equal(draw.grouped(X, n_groups), by_order)
        assert np.shares_memory(draw.grouped(X, n_groups), X)
        assert np.array_equal(groups[draw.order], np.repeat(np.arange(n_groups), G))
        n_pairs = (
            batch.pair_mask.sum(axis=2).reshape(-1)[batch.draws["ns"].order].reshape(n_groups, G, 1)
        )
        if model_kind == "skipgram":
            expected = n_pairs * k / maker.losses[0].n_shared
        else:
            expected = (n_pairs > 0) * k / maker.losses[0].n_shared
        np.testing.assert_allclose(batch.draws["ns"].weight, expected, rtol=1e-6)

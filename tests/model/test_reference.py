"""The fast block step against the plain per-pair reference step (model/reference.py): the
same examples, the same negatives and weights, the same update and loss."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ns_batch_maker

from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.model.batching import make_chunk
from word2vec_numpy.model.reference import cbow_step, sgns_step
from word2vec_numpy.model.word2vec import Word2Vec

K = 3  # negatives per example


def batches(model_kind: str, vocab: Vocabulary, seed: int):
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, len(vocab), size=90)
    raw[[17, 50]] = -1  # two sentence ends
    chunk = make_chunk(raw, np.ones(len(vocab), np.float32), 3, rng)
    maker = ns_batch_maker(vocab, 3, K, model_kind, batch_size=24, block=8, n_shared=5)
    return [batch for batch, _, _ in maker.batches(chunk, rng)]


def trained_model(model_kind: str, vocab: Vocabulary, seed: int) -> Word2Vec:
    model = Word2Vec(vocab, dim=7, neg=K, model=model_kind, window=3, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed + 100)
    model.W_out[...] = rng.normal(scale=0.3, size=model.W_out.shape)  # not all zero
    return model


def reference_examples(batch, model_kind: str):
    """The batch as plain examples: per pair (skip-gram) or per centre (CBOW), with the
    row's shared negatives, weighted as the block step weighs them (a row's weight, about
    n_pairs*k/K for skip-gram, spread evenly over its pairs)."""
    draw = batch.draws["ns"]
    groups = draw.group_of_rows()
    nb, T, C = batch.pair_mask.shape
    rows = batch.rows.reshape(-1)
    mask = batch.pair_mask.reshape(nb * T, C) > 0
    span = np.repeat(batch.span, T, axis=0)  # the columns of each flattened row
    row_weight = np.empty(nb * T)
    row_weight[draw.order] = draw.weight.reshape(-1)
    if model_kind == "skipgram":
        t, c = np.nonzero(mask)
        per_pair = row_weight[t] / mask.sum(axis=1)[t]
        return rows[t], span[t, c], draw.neg[groups[t]], per_pair[:, None]
    valid = mask.any(axis=1)
    return span[valid], mask[valid], rows[valid], draw.neg[groups[valid]], row_weight[valid, None]


@pytest.mark.parametrize("model_kind", ["skipgram", "cbow"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_block_step_equals_the_reference_step(model_kind, seed):
    vocab = Vocabulary.from_words([f"w{i}" for i in range(12)], np.arange(12, 0, -1) * 7)
    for batch in batches(model_kind, vocab, seed):
        fast = trained_model(model_kind, vocab, seed)
        slow = trained_model(model_kind, vocab, seed)
        fast_loss, _ = fast.train_batch(batch, lr=0.1)
        examples = reference_examples(batch, model_kind)
        if model_kind == "skipgram":
            centres, contexts, negatives, weight = examples
            slow_loss = sgns_step(slow.W_in, slow.W_out, centres, contexts, negatives, 0.1, weight)
        else:
            context, mask, centres, negatives, weight = examples
            slow_loss = cbow_step(
                slow.W_in, slow.W_out, context, mask, centres, negatives, 0.1, weight
            )
        assert fast_loss == pytest.approx(slow_loss, rel=1e-9)
        np.testing.assert_allclose(fast.W_in, slow.W_in, rtol=0, atol=1e-12)
        np.testing.assert_allclose(fast.W_out, slow.W_out, rtol=0, atol=1e-12)
        assert not np.allclose(fast.W_in, trained_model(model_kind, vocab, seed).W_in)

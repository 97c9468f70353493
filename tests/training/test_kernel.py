"""The SGD pass over a slice (``training/kernel.py``): batches made as they are needed, and
a divergence message that names the settings really in use."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ns_batch_maker

from word2vec_numpy.config import TrainConfig
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.model.batching import batch_shape
from word2vec_numpy.model.word2vec import Word2Vec
from word2vec_numpy.training.kernel import TrainingDiverged, train_slice


def test_the_first_step_comes_after_one_batch_not_the_whole_chunk():
    """A long chunk (say --neg 10000) must report progress after its first batch: the
    batches (and their negatives) are drawn one at a time."""
    rng = np.random.default_rng(0)
    vocab = Vocabulary.from_words([f"w{i}" for i in range(50)], np.arange(50, 0, -1))
    ids = rng.integers(0, 50, size=20_000).astype(np.int32)
    model = Word2Vec(vocab, dim=8, sample=0.0)
    maker = ns_batch_maker(vocab, window=2, batch_size=64)
    made = []
    real = maker.make_batch
    maker.make_batch = lambda *a: made.append(1) or real(*a)
    steps = train_slice(
        model, ids, 0, len(ids), np.ones(50), maker, rng, lambda read: 0.025, len(ids)
    )
    next(steps)
    assert len(made) == 1
    rest = list(steps)
    assert len(made) == 1 + len(rest) == maker.n_batches(len(ids)) > 100
    assert rest[-1][-1] == len(ids)  # the last batch of the chunk says where the next starts


def test_a_large_window_names_the_batch_it_really_made():
    config = TrainConfig(window=1000, batch_size=256)
    assert batch_shape(1000, 256) == (2000, 2000)
    message = str(TrainingDiverged(0.02089, config))
    assert "at learning rate 0.02089" in message
    assert "--window 1000 makes every step take blocks of 2 x 1000 centre words" in message
    assert "--batch-size 256 was raised to 2000" in message
    assert "for --batch-size 2000" not in message
    assert message.endswith("lower --window or --lr")


def test_many_negatives_are_named_as_the_cause():
    message = str(TrainingDiverged(0.0248, TrainConfig(neg=10000)))
    assert "--neg 10000" in message and message.endswith("lower --neg or --lr")


def test_ordinary_settings_name_the_learning_rate_and_batch_size():
    message = str(TrainingDiverged(1e30, TrainConfig()))
    assert "the learning rate is too high for --batch-size 256 (--window 5, --neg 5)" in message


def test_a_divergence_in_training_names_the_raised_batch():
    """The real path: train_slice with a window that raises the batch, at an absurd rate.
    (Window 39: 40 pairs per centre; above that every step is bounded, and a bounded step
    does not diverge, ``TrainConfig.bounds_every_step``.)"""
    rng = np.random.default_rng(1)
    vocab = Vocabulary.from_words([f"w{i}" for i in range(30)], np.arange(30, 0, -1))
    ids = rng.integers(0, 30, size=5_000).astype(np.int32)
    model = Word2Vec(vocab, dim=8, window=39, batch_size=64, sample=0.0)
    assert not model.config.bounds_every_step
    maker = ns_batch_maker(vocab, window=39, batch_size=64)
    steps = train_slice(model, ids, 0, len(ids), np.ones(30), maker, rng, lambda r: 1e30, 5_000)
    with pytest.raises(TrainingDiverged) as info:
        list(steps)
    message = str(info.value)
    assert "at learning rate 1e+30" in message
    assert "--batch-size 64 was raised to 78" in message and "--window 39" in message

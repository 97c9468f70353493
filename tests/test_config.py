"""Checks across ``TrainConfig`` fields."""

from __future__ import annotations

import pytest

from word2vec_numpy.config import ConfigError, TrainConfig


def test_lr_min_above_the_learning_rate_is_refused():
    with pytest.raises(
        ConfigError, match=r"lr_min: 100 is above the starting learning rate lr 0.025"
    ):
        TrainConfig(lr_min=100)
    with pytest.raises(ConfigError, match="lr_min"):
        TrainConfig(lr=0.001, lr_min=0.01)
    with pytest.raises(ConfigError, match="lr 0.05"):
        TrainConfig(model="cbow", lr_min=0.06)  # CBOW's default rate
    assert TrainConfig(lr=0.001, lr_min=0.001).lr_min == 0.001  # a constant rate is fine
    assert TrainConfig().replace(lr=0.5, lr_min=0.1).lr == 0.5


def test_cbow_takes_1024_centres_only_with_subsampling():
    """Without subsampling, or with a weak one, frequent words fill dozens of rows of a
    1024-row step, unbounded (``model.word2vec._crowded``): CBOW then keeps 256."""
    for sample, centres in ((1e-3, 1024), (1e-5, 1024), (0.0, 256), (1e-2, 256)):
        assert TrainConfig(model="cbow", sample=sample).batch_centres == centres, sample
    assert TrainConfig(model="cbow", sample=0.0, batch_size=1024).batch_centres == 1024


def test_cbow_sums_of_the_context_take_256_centres():
    """cbow_mean=0 sums up to 2 * window vectors: at --window 10 a 1024-word step diverged at
    the default rate (one epoch of corpus1m.txt; 256 trained to loss 2.81)."""
    assert TrainConfig(model="cbow", cbow_mean=0).batch_centres == 256
    assert TrainConfig(model="cbow", cbow_mean=0, window=10, batch_size=1024).batch_centres == 1024
    assert TrainConfig(model="skipgram", cbow_mean=0).batch_centres == 256

"""The remaining training options in the model: ``cbow_mean`` (gradient-checked both ways and
against the per-example reference), ``ns_exponent``, ``shrink_windows``, their checks and
storage, ``predict_output_word`` (against gensim) and ``Word2Vec.grow``."""

from __future__ import annotations

import numpy as np
import pytest
from test_model import (
    V,
    analytic_grads,
    numeric_grads,
    one_batch,
    random_model,
    real_chunk,
    rel_error,
    small_vocab,
)
from test_reference import batches, reference_examples, trained_model

from word2vec_numpy.config import TrainConfig
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.errors import ConfigError, Word2VecError
from word2vec_numpy.model.batching import make_chunk, window_pairs
from word2vec_numpy.model.negative_sampling import NegativeSampling
from word2vec_numpy.model.reference import cbow_step
from word2vec_numpy.model.word2vec import Word2Vec

# ------------------------------------------------------------------------------ cbow_mean


@pytest.mark.parametrize(("cbow_mean", "exact"), [(1, True), (0, True), (0, False)])
def test_cbow_mean_and_sum_follow_the_gradient_of_their_loss(cbow_mean, exact):
    """h = mean (cbow_mean=1, with the exact gradient) or sum (cbow_mean=0: dL/dv_c = dL/dh is
    exact whatever cbow_exact_grad says): the step is the finite-difference gradient."""
    vocab = small_vocab()
    batch = one_batch("cbow", real_chunk(), vocab)
    model = random_model("cbow", vocab, exact=exact)
    model.set_config(model.config.replace(cbow_mean=cbow_mean))
    g_in, g_out = analytic_grads(model, batch)
    n_in, n_out = numeric_grads(model, batch)
    assert np.abs(n_in).max() > 1e-3  # a real gradient
    assert rel_error(g_in, n_in) < 1e-5
    assert rel_error(g_out, n_out) < 1e-5


def test_the_sum_and_the_mean_are_different_losses():
    vocab = small_vocab()
    batch = one_batch("cbow", real_chunk(), vocab)
    losses = []
    for cbow_mean in (1, 0):
        model = random_model("cbow", vocab)
        model.set_config(model.config.replace(cbow_mean=cbow_mean))
        losses.append(model.batch_loss(batch))
    assert losses[0] != pytest.approx(losses[1], rel=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_cbow_sum_equals_the_reference_step(seed):
    vocab = Vocabulary.from_words([f"w{i}" for i in range(12)], np.arange(12, 0, -1) * 7)
    for batch in batches("cbow", vocab, seed):
        fast = trained_model("cbow", vocab, seed)
        slow = trained_model("cbow", vocab, seed)
        fast.set_config(fast.config.replace(cbow_mean=0))
        fast_loss, _ = fast.train_batch(batch, lr=0.1)
        context, mask, centres, negatives, weight = reference_examples(batch, "cbow")
        slow_loss = cbow_step(
            slow.W_in, slow.W_out, context, mask, centres, negatives, 0.1, weight, mean=False
        )
        assert fast_loss == pytest.approx(slow_loss, rel=1e-9)
        np.testing.assert_allclose(fast.W_in, slow.W_in, rtol=0, atol=1e-12)
        np.testing.assert_allclose(fast.W_out, slow.W_out, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------- ns_exponent


@pytest.mark.parametrize("power", [0.75, 0.0, 1.0, -0.5])
def test_ns_exponent_sets_the_noise_distribution(power):
    counts = np.array([500, 120, 60, 30, 9, 3, 1])
    vocab = Vocabulary.from_words([f"w{i}" for i in range(len(counts))], counts)
    loss = NegativeSampling(vocab, TrainConfig(ns_exponent=power))
    expected = counts**power / np.sum(counts**power)
    np.testing.assert_allclose(loss.sampler.probs, expected, atol=2e-6)
    drawn = loss.sampler.sample(np.random.default_rng(0), 200_000)
    freq = np.bincount(drawn, minlength=len(counts)) / len(drawn)
    np.testing.assert_allclose(freq, expected, atol=4e-3)


def test_the_model_uses_ns_exponent():
    vocab = small_vocab()
    model = Word2Vec(vocab, dim=4, ns_exponent=0.0)
    np.testing.assert_allclose(model.losses[0].sampler.probs, np.full(V, 1 / V), atol=1e-6)
    model.set_config(model.config.replace(ns_exponent=1.0))  # a new config rebuilds the table
    expected = vocab.counts / vocab.counts.sum()
    np.testing.assert_allclose(model.losses[0].sampler.probs, expected, atol=1e-6)


# ------------------------------------------------------------------------- shrink_windows


def test_no_shrink_windows_takes_the_full_window():
    raw = np.array([1, 2, 3, 4, 5, -1, 6, 7, 8, 9, 1, 2], dtype=np.int64)
    keep = np.ones(10, np.float32)
    full = make_chunk(raw, keep, 3, np.random.default_rng(0), shrink=False)
    assert np.all(full.radius == 3)
    pairs = window_pairs(full)
    # every pair of the same sentence at distance 1..3: 5-word and 6-word sentences
    by_hand = sum(2 * max(0, n - d) for n in (5, 6) for d in (1, 2, 3))
    assert len(pairs) == by_hand
    shrunk = make_chunk(raw, keep, 3, np.random.default_rng(0))
    assert shrunk.radius.min() >= 1 and shrunk.radius.max() <= 3
    assert len(window_pairs(shrunk)) < by_hand


# ------------------------------------------------------------------- checks and storage

NEW_OPTIONS = dict(
    max_vocab_size=1000,
    max_final_vocab=500,
    max_sentence_length=77,
    ns_exponent=0.5,
    cbow_mean=0,
    shrink_windows=False,
)


def test_new_options_are_stored_in_the_model(tmp_path):
    model = Word2Vec(small_vocab(), dim=4, model="cbow", **NEW_OPTIONS)
    loaded = Word2Vec.load(model.save(tmp_path / "m"))
    for key, value in NEW_OPTIONS.items():
        assert getattr(loaded.config, key) == value, key
    np.testing.assert_allclose(loaded.losses[0].sampler.probs, model.losses[0].sampler.probs)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("max_vocab_size", 0),
        ("max_final_vocab", -3),
        ("max_sentence_length", 0),
        ("max_sentence_length", 2.5),
        ("ns_exponent", float("nan")),
        ("ns_exponent", "big"),
        ("cbow_mean", 2),
        ("cbow_mean", "mean"),
        ("shrink_windows", "maybe"),
    ],
)
def test_bad_values_are_one_line_config_errors(key, value):
    with pytest.raises(ConfigError, match=key) as info:
        TrainConfig(**{key: value})
    assert "\n" not in str(info.value)


def test_gensim_spellings_of_the_switches():
    config = TrainConfig(cbow_mean=True, shrink_windows=0)
    assert config.cbow_mean == 1 and config.shrink_windows is False
    assert TrainConfig(shrink_windows="false").shrink_windows is False


# ------------------------------------------------------------------- predict_output_word


@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_predict_output_word_equals_gensim(cbow_mean):
    gensim = pytest.importorskip("gensim.models")
    from word2vec_numpy.data.sample import generate_sample_sentences

    sentences = generate_sample_sentences(30_000, seed=5)
    theirs = gensim.Word2Vec(
        sentences, vector_size=16, min_count=5, sg=0, cbow_mean=cbow_mean, negative=5,
        epochs=1, workers=1, seed=3,
    )  # fmt: skip
    words = theirs.wv.index_to_key
    counts = [theirs.wv.get_vecattr(w, "count") for w in words]
    ours = Word2Vec(Vocabulary.from_words(words, counts), dim=16, model="cbow", cbow_mean=cbow_mean)
    ours.W_in[...] = theirs.wv.vectors
    ours.W_out[...] = theirs.syn1neg
    for context in (["king", "throne"], ["the", "dogs", "sleep"], ["paris", "zzz-unknown"]):
        got = ours.predict_output_word(context, topn=8)
        expected = theirs.predict_output_word(context, topn=8)
        assert [w for w, _ in got] == [w for w, _ in expected]
        np.testing.assert_allclose([p for _, p in got], [p for _, p in expected], rtol=1e-4)
    assert ours.predict_output_word(["zzz-unknown"]) is None
    by_id = ours.predict_output_word([ours.vocab.word_to_id["king"], "throne"], topn=3)
    assert by_id == ours.predict_output_word(["king", "throne"], topn=3)


def test_predict_output_word_is_a_softmax_over_the_vocabulary():
    model = random_model("cbow", small_vocab())
    ranked = model.predict_output_word(["w1", "w2"], topn=V)
    assert len(ranked) == V and sum(p for _, p in ranked) == pytest.approx(1.0)
    h = (model.W_in[1] + model.W_in[2]) / 2
    scores = model.W_out @ h
    best = int(np.argmax(scores))
    assert ranked[0] == (f"w{best}", pytest.approx(np.exp(scores[best]) / np.exp(scores).sum()))


# ------------------------------------------------------------------------------ grow


def test_grow_moves_known_rows_and_adds_new_ones():
    vocab = small_vocab()
    model = random_model("skipgram", vocab)
    old_in, old_out = model.W_in.copy(), model.W_out.copy()
    words = ["w3", "new1", "w0", "new2"]
    grown, _ = vocab.updated(words, np.array([500, 70, 5, 1]))
    assert grown.words[0] == "w3" and "new1" in grown and "new2" in grown  # re-sorted
    model.grow(grown)
    assert model.vocab is grown and model.W_in.shape == (V + 2, model.config.dim)
    for i, word in enumerate(vocab.words):
        j = grown.word_to_id[word]
        np.testing.assert_array_equal(model.W_in[j], old_in[i])
        np.testing.assert_array_equal(model.W_out[j], old_out[i])
    d = model.config.dim
    for word in ("new1", "new2"):
        j = grown.word_to_id[word]
        assert np.all(np.abs(model.W_in[j]) <= 0.5 / d) and np.any(model.W_in[j] != 0)
        assert np.all(model.W_out[j] == 0)
    expected = grown.counts**0.75 / np.sum(grown.counts**0.75)  # the noise table is rebuilt
    np.testing.assert_allclose(model.losses[0].sampler.probs, expected, atol=1e-6)
    assert model.wv.index_to_key == grown.words


def test_grow_refuses_a_vocabulary_without_the_models_words():
    model = random_model("skipgram", small_vocab())
    with pytest.raises(Word2VecError, match="lacks"):
        model.grow(Vocabulary.from_words(["w0", "w1"], [5, 4]))

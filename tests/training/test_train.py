"""Tests of the training loop: lr schedule, reproducibility, learning, parallel workers, and
the planted analogies of the sample corpus."""

from __future__ import annotations

import glob
import os
import tempfile
from multiprocessing import shared_memory

import numpy as np
import pytest

from word2vec_numpy import (
    TrainConfig,
    Trainer,
    Vocabulary,
    Word2Vec,
    encode_corpus,
    load_sample_corpus,
    sample_questions,
)
from word2vec_numpy.data.sample import generate_sample_sentences
from word2vec_numpy.vectors.evaluate import evaluate_analogy_text


@pytest.fixture(scope="module")
def small():
    """(vocab, int32 ids) of 200k tokens of the sample corpus, as one flat stream."""
    tokens = load_sample_corpus(n_tokens=200_000)
    vocab = Vocabulary(min_count=5).build(tokens)
    return vocab, vocab.encode(tokens)


@pytest.fixture(scope="module")
def sentences():
    return generate_sample_sentences(200_000, seed=1)


def make_trainer(vocab, ids, seed=0, model_kind="skipgram", dim=20, **kwargs):
    model = Word2Vec(vocab, embed_dim=dim, model=model_kind, seed=seed)
    kwargs.setdefault("n_epochs", 1)
    kwargs.setdefault("quiet", True)
    return Trainer(model, vocab, ids, seed=seed, **kwargs)


def shm_segments() -> set[str]:
    return set(glob.glob("/dev/shm/psm_*"))


@pytest.fixture
def created_segments(monkeypatch) -> list[str]:
    """Names of the shared-memory segments created while the test runs (other processes on
    the machine may create and remove their own, so /dev/shm as a whole is not compared)."""
    names: list[str] = []
    real = shared_memory.SharedMemory

    class Recording(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if kwargs.get("create") or (len(args) > 1 and args[1]):
                names.append(self.name)

    monkeypatch.setattr(shared_memory, "SharedMemory", Recording)
    return names


def assert_no_segment_left(created: list[str]) -> None:
    assert len(created) >= 2  # the workers really shared the two matrices
    paths = {f"/dev/shm/{name.lstrip('/')}" for name in created}
    assert not paths & shm_segments()


# ------------------------------------------------------------------------- lr schedule


def test_lr_schedule_endpoints_and_linearity(small):
    vocab, ids = small
    trainer = make_trainer(vocab, ids, n_epochs=3, lr=0.04, lr_min=0.001)
    total = trainer.total_words
    assert total == 3 * int(np.count_nonzero(ids >= 0))
    assert trainer.lr_at(0) == 0.04
    assert trainer.lr_at(total) == pytest.approx(0.001, rel=1e-12, abs=1e-15)
    assert trainer.lr_at(10 * total) == pytest.approx(0.001, rel=1e-12, abs=1e-15)
    for frac in (0.1, 0.25, 0.5, 0.9):
        assert trainer.lr_at(int(frac * total)) == pytest.approx(
            0.04 - 0.039 * int(frac * total) / total, rel=1e-12
        )
    lrs = [trainer.lr_at(w) for w in np.linspace(0, total, 11).astype(int)]
    steps = np.diff(lrs)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-3)


def test_default_learning_rates(small):
    vocab, ids = small
    assert make_trainer(vocab, ids).lr == 0.025
    assert make_trainer(vocab, ids, model_kind="cbow").lr == 0.05


def test_lr_used_falls_from_lr_to_lr_min(small):
    vocab, ids = small
    trainer = make_trainer(vocab, ids, n_epochs=2, lr=0.03, lr_min=0.0005)
    model = trainer.model
    seen = []
    real = model.train_batch

    def spy(batch, lr):
        seen.append(lr)
        return real(batch, lr)

    model.train_batch = spy
    trainer.train()
    assert len(seen) > 100
    assert np.all(np.diff(seen) <= 0)  # never goes up, not even between epochs
    assert 0.03 - seen[0] < 0.03 * 0.01
    assert 0.0005 <= seen[-1] < 0.0005 + (0.03 - 0.0005) * 1e-3
    assert trainer.words_done == trainer.total_words


# ------------------------------------------------------------------- reproducibility


def test_one_worker_is_bit_for_bit_reproducible(small):
    vocab, ids = small
    runs = []
    for seed in (5, 5, 6):
        trainer = make_trainer(vocab, ids, seed=seed, n_epochs=2, workers=1)
        trainer.train()
        runs.append((trainer.model, trainer.epoch_losses))
    (a, la), (b, lb), (c, lc) = runs
    np.testing.assert_array_equal(a.W_in, b.W_in)
    np.testing.assert_array_equal(a.W_out, b.W_out)
    assert la == lb
    assert not np.array_equal(a.W_in, c.W_in)
    assert not np.array_equal(a.W_out, c.W_out)
    assert la != lc


def test_same_init_different_training_seed_differs(small):
    vocab, ids = small
    models = []
    for seed in (1, 2):
        model = Word2Vec(vocab, embed_dim=20, seed=0)
        Trainer(model, vocab, ids, n_epochs=1, seed=seed, quiet=True).train()
        models.append(model)
    assert not np.array_equal(models[0].W_in, models[1].W_in)


def test_encoded_corpus_and_in_memory_ids_train_identically(tmp_path, sentences):
    corpus = encode_corpus(sentences, tmp_path / "ids.u32", min_count=5)
    ids = corpus.vocab.encode(sentences)
    models = []
    for source in (corpus, ids):
        trainer = make_trainer(corpus.vocab, source, seed=3, workers=1)
        assert trainer.n_words == corpus.n_words
        trainer.train()
        models.append(trainer.model)
    np.testing.assert_array_equal(models[0].W_in, models[1].W_in)
    np.testing.assert_array_equal(models[0].W_out, models[1].W_out)


# --------------------------------------------------------------------------- learning


@pytest.mark.parametrize("model_kind", ["skipgram", "cbow"])
def test_loss_decreases_over_epochs(small, model_kind):
    vocab, ids = small
    trainer = make_trainer(vocab, ids, model_kind=model_kind, n_epochs=3, log_every=20)
    calls = []
    history = trainer.train(on_chunk=lambda t: calls.append(t.words_done))
    losses = trainer.epoch_losses
    assert len(losses) == 3
    assert losses[0] > losses[1] > losses[2]
    assert all(np.isfinite(losses))
    assert history == trainer.loss_history and len(history) > 3
    assert history[-1] < history[0]
    assert len(trainer.history_epochs) == len(history)
    assert trainer.history_epochs == sorted(trainer.history_epochs)
    assert {0, 1, 2} <= set(trainer.history_epochs)
    assert calls == sorted(calls) and calls[-1] == trainer.total_words
    model = trainer.model
    assert model.epoch_losses == losses and model.loss_history == history
    assert model.W_in.dtype == model.W_out.dtype == np.float32
    assert np.all(np.isfinite(model.W_in)) and np.all(np.isfinite(model.W_out))
    state = model.training_state
    assert state["epoch"] == 3 and state["words_done"] == trainer.total_words
    assert state["hyperparameters"]["model"] == model_kind


def test_history_epochs_never_name_an_epoch_that_does_not_exist(small):
    vocab, ids = small
    for log_every in (10**6, 7):
        trainer = make_trainer(vocab, ids, n_epochs=2, log_every=log_every)
        trainer.train()
        assert len(trainer.history_epochs) == len(trainer.loss_history) >= 1
        assert set(trainer.history_epochs) <= {0, 1}
        assert trainer.history_epochs[-1] == 1


def test_metrics(small):
    vocab, ids = small
    trainer = make_trainer(vocab, ids, n_epochs=2)
    trainer.train()
    m = trainer.metrics(corpus_tokens=123)
    assert m["corpus_tokens"] == 123
    assert m["words_read"] == 2 * trainer.n_words
    assert 0 < m["words_trained"] < m["words_read"]  # subsampling dropped some
    assert m["training_examples"] == trainer.pairs_done > 0
    assert m["seconds"] > 0 and m["words_per_second"] > 0
    assert m["epoch_losses"] == trainer.epoch_losses and m["final_loss"] == m["epoch_losses"][-1]
    assert m["hyperparameters"]["epochs"] == 2 and m["numpy_version"] == np.__version__


def test_invalid_trainer_arguments(small):
    vocab, ids = small
    for bad in ({"n_epochs": 0}, {"window": 0}, {"batch_size": 0}, {"workers": 0}):
        with pytest.raises(ValueError):
            make_trainer(vocab, ids, **bad)


# ------------------------------------------------------------------------ two workers


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs /dev/shm")
def test_two_workers_on_an_encoded_corpus(tmp_path, sentences, created_segments):
    corpus = encode_corpus(sentences, tmp_path / "ids.u32", min_count=5)
    trainer = make_trainer(corpus.vocab, corpus, n_epochs=3, workers=2, log_every=10)
    W0 = trainer.model.W_in.copy()
    trainer.train()
    assert_no_segment_left(created_segments)
    losses = trainer.epoch_losses
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert trainer.loss_history and all(np.isfinite(trainer.loss_history))
    assert set(trainer.history_epochs) == {0, 1, 2}
    assert trainer.words_done == trainer.total_words == 3 * corpus.n_words
    assert trainer.epoch == 3
    model = trainer.model
    assert not np.array_equal(model.W_in, W0)
    assert model.W_in.dtype == np.float32 and np.all(np.isfinite(model.W_in))
    assert corpus.path.exists()  # the workers' id file is the caller's: kept


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs /dev/shm")
def test_two_workers_on_in_memory_int32_ids(small, tmp_path, monkeypatch, created_segments):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    vocab, ids = small
    assert ids.dtype == np.int32
    trainer = make_trainer(vocab, ids, model_kind="cbow", n_epochs=2, workers=2)
    trainer.train()
    assert_no_segment_left(created_segments)
    assert os.listdir(tmp_path) == []  # the temporary id file is removed
    assert len(trainer.epoch_losses) == 2
    assert trainer.epoch_losses[1] < trainer.epoch_losses[0]
    assert trainer.words_done == trainer.total_words


def test_two_workers_on_an_empty_corpus_like_one_worker(small, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    vocab, _ = small
    empty = np.zeros(0, dtype=np.int32)
    one = make_trainer(vocab, empty, n_epochs=2, workers=1)
    one.train()
    assert one.epoch == 2
    try:
        two = make_trainer(vocab, empty, n_epochs=2, workers=2)
        two.train()
        assert two.epoch == 2 and two.words_done == 0
    finally:
        assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ planted analogies


@pytest.mark.parametrize("model_kind", ["skipgram", "cbow"])
def test_planted_analogies_of_the_sample_corpus(model_kind):
    sents = generate_sample_sentences()  # the full 1M-token sample corpus
    vocab = Vocabulary(min_count=5).build(sents)
    ids = vocab.encode(sents)
    model = Word2Vec(vocab, embed_dim=50, model=model_kind, seed=1)
    trainer = Trainer(model, vocab, ids, n_epochs=5, batch_size=256, seed=1, quiet=True)
    trainer.train()
    assert model.analogy("king", "man", "woman")[0][0] == "queen"
    result = evaluate_analogy_text(vocab.words, model.W_in, sample_questions())
    assert result["skipped"] == 0
    print(f"{model_kind}: accuracy {result['accuracy']:.4f} on {result['total']} questions")
    assert result["accuracy"] >= 0.90


def test_wide_skipgram_windows_train_at_their_default(shared_data, tmp_path):
    """A skip-gram step sums all its pairs at once, and the pairs per centre grow with the
    window: at 256 centres per step --window 15 --no-shrink-windows (30 pairs per centre)
    diverges at the default rate on real text. The default takes fewer centres for wide
    windows (``config.PAIRS_PER_STEP``), and bounds every step above 40 pairs per centre
    (--window 30 --no-shrink-windows: 60), where even one block overshoots."""
    import itertools

    from word2vec_numpy.data.text import iter_sentences
    from word2vec_numpy.errors import Word2VecError

    def train(sentences: int, **options) -> float:
        lines = itertools.islice(iter_sentences(str(shared_data / "corpus1m.txt")), sentences)
        corpus = encode_corpus(lines, tmp_path / "ids.u32", min_count=5)
        model = Word2Vec(corpus.vocab, seed=1, shrink_windows=False, **options)
        Trainer(model, corpus.vocab, corpus, n_epochs=1, quiet=True).train()
        return model.epoch_losses[-1]

    assert TrainConfig(window=15, shrink_windows=False).batch_centres < 256
    assert np.isfinite(train(30, window=15))  # 300,000 words
    with pytest.raises(Word2VecError, match="training diverged"):
        train(30, window=15, batch_size=256)
    assert TrainConfig(window=30, shrink_windows=False).bounds_every_step
    assert not TrainConfig(window=20, shrink_windows=False).bounds_every_step
    assert np.isfinite(train(8, window=30))  # 80,000 words

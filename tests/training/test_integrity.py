"""Training integrity (issue 9): a run stopped anywhere continues exactly; with any number of
workers every corpus word is read and trained once per epoch; a worker killed mid-epoch
leaves a state that resumes; stops come within a batch; and tiny or repetitive corpora
train (the bounded step of crowded batches, ``ops.bound_steps``)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

import numpy as np
import pytest

from word2vec_numpy import Trainer, Word2Vec, encode_corpus
from word2vec_numpy.data.sample import generate_sample_sentences
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.model import word2vec as w2v_module
from word2vec_numpy.model.batching import Batch, BatchMaker
from word2vec_numpy.model.ops import Curvature, bound_steps
from word2vec_numpy.training.backend import Backend, BackendFailed, Piece, split_pieces
from word2vec_numpy.training.kernel import TrainingDiverged, train_slice

# small chunks and batches: many batches per chunk, several chunks per epoch
ONE = dict(epochs=2, workers=1, seed=11, quiet=True, chunk_words=6000, batch_size=64)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("integrity")
    return encode_corpus(generate_sample_sentences(30_000, seed=5), folder / "ids.u32")


def _trainer(corpus, dim: int = 12, **settings) -> tuple[Word2Vec, Trainer]:
    model = Word2Vec(corpus.vocab, dim=dim, seed=11)
    return model, Trainer(model, corpus.vocab, corpus, **settings)


def _resume(path, corpus, **settings) -> tuple[Word2Vec, Trainer]:
    model = Word2Vec.load(path)
    trainer = Trainer(model, corpus.vocab, corpus, **settings)
    trainer.restore(model.training_state)
    return model, trainer


def _stop_after(batches: int):
    seen = [0]

    def hook(trainer: Trainer) -> None:
        seen[0] += 1
        if seen[0] == batches:
            trainer.request_stop()

    return hook


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """Long enough for a stop, asked for at a progress report (every 50 ms with workers), to
    land inside an epoch."""
    folder = tmp_path_factory.mktemp("integrity-big")
    return encode_corpus(generate_sample_sentences(150_000, seed=6), folder / "ids.u32")


@pytest.fixture(scope="module")
def uninterrupted(corpus):
    model, trainer = _trainer(corpus, **ONE)
    batches = [0]
    trainer.train(on_chunk=lambda t: batches.__setitem__(0, batches[0] + 1))
    return model, trainer, batches[0]


def test_the_fixture_has_chunks_of_many_batches(corpus, uninterrupted):
    _, trainer, batches = uninterrupted
    chunks = -(-len(corpus.ids) // ONE["chunk_words"])
    assert chunks >= 3 and batches >= 4 * chunks * ONE["epochs"]


@pytest.mark.parametrize("fraction", [0.0, 0.13, 0.31, 0.5, 0.77, 0.99])
def test_stop_after_any_batch_and_resume_is_bit_exact(corpus, uninterrupted, tmp_path, fraction):
    """Stops land after a batch (inside a chunk, at a chunk's end, in either epoch); the
    resumed run makes the started chunk again and ends with the uninterrupted weights."""
    full_model, full, n_batches = uninterrupted
    stop_at = max(1, int(fraction * n_batches))
    model, part = _trainer(corpus, **ONE)
    part.train(on_chunk=_stop_after(stop_at))
    assert not part.finished
    path = model.save(tmp_path / "ckpt", extra_state=part.state())

    resumed_model, resumed = _resume(path, corpus, **ONE)
    resumed.train()
    assert resumed.finished
    np.testing.assert_array_equal(resumed_model.W_in, full_model.W_in)
    np.testing.assert_array_equal(resumed_model.W_out, full_model.W_out)
    assert resumed.loss_history == full.loss_history
    assert resumed.epoch_losses == full.epoch_losses
    assert resumed.words_per_epoch == full.words_per_epoch == [corpus.n_words] * 2
    assert resumed.kept_per_epoch == full.kept_per_epoch
    assert resumed.words_trained == full.words_trained


def test_stopping_again_and_again_is_still_bit_exact(corpus, uninterrupted, tmp_path):
    full_model, full, n_batches = uninterrupted
    model, trainer = _trainer(corpus, **ONE)
    stops = 0
    while True:
        trainer.train(on_chunk=_stop_after(max(1, n_batches // 7)))
        if trainer.finished:
            break
        stops += 1
        path = model.save(tmp_path / f"ckpt{stops}", extra_state=trainer.state())
        model, trainer = _resume(path, corpus, **ONE)
    assert stops >= 6
    np.testing.assert_array_equal(model.W_in, full_model.W_in)
    np.testing.assert_array_equal(model.W_out, full_model.W_out)
    assert trainer.words_trained == full.words_trained


class EarlierBackend(Backend):
    """A backend written against the earlier interface (as the one-process backend was):
    it reads ``run.positions`` and reports ``positions=`` at chunk boundaries only."""

    def run_epoch(self, job, run) -> bool:
        maker = BatchMaker(job.config.window, job.config.batch_centres, losses=job.model.losses)
        base = run.words_before
        steps = train_slice(
            job.model,
            job.ids,
            run.positions[0] if run.positions else 0,
            len(job.ids),
            job.keep_prob,
            maker,
            run.rng,
            lambda read: job.schedule(base + read),
            job.config.chunk_words,
        )
        for loss, pairs, words, kept, next_position in steps:
            at_boundary = next_position is not None
            positions = [next_position] if at_boundary else None
            run.report(
                loss=loss,
                pairs=pairs,
                batches=1,
                words=base + words,
                kept=kept,
                positions=positions,
            )
            if at_boundary and run.should_stop():
                return False
        return True


def test_a_backend_of_the_earlier_interface_still_works(corpus, uninterrupted, tmp_path):
    full_model = uninterrupted[0]
    model, trainer = _trainer(corpus, backend=EarlierBackend(), **ONE)
    trainer.train(on_chunk=_stop_after(2))  # called at its chunk boundaries only
    assert not trainer.finished and trainer.todo[0].done == 0
    path = model.save(tmp_path / "ckpt", extra_state=trainer.state())
    resumed_model, resumed = _resume(path, corpus, backend=EarlierBackend(), **ONE)
    resumed.train()
    np.testing.assert_array_equal(resumed_model.W_in, full_model.W_in)
    assert resumed.words_per_epoch == [corpus.n_words] * 2

    # stopped inside a chunk by the new backend: the earlier one cannot continue that
    model, trainer = _trainer(corpus, **ONE)
    trainer.train(on_chunk=_stop_after(3))
    path = model.save(tmp_path / "mid", extra_state=trainer.state())
    with pytest.raises(Word2VecError, match="cannot be continued by EarlierBackend"):
        _resume(path, corpus, backend=EarlierBackend(), **ONE)[1].train()


# -- several workers: the untrained rest of the epoch, whatever the worker count ---------------
EVERY = dict(epochs=2, seed=3, quiet=True, chunk_words=4000, batch_size=64, sample=0.0, dim=50)


def _stop_at_words(trainer: Trainer, words: int) -> None:
    """Ask for a stop once ``words`` corpus words were reported (workers report every 50 ms)."""
    report = trainer._report

    def watching(**kwargs) -> None:
        report(**kwargs)
        if trainer.words_done >= words:
            trainer.request_stop()

    trainer._report = watching


@pytest.mark.parametrize(("before", "after"), [(1, 2), (2, 1), (2, 2)])
@pytest.mark.parametrize("epoch", [0, 1])
def test_another_worker_count_trains_exactly_the_rest(big, tmp_path, before, after, epoch):
    """Without subsampling every word is trained: after a stop in the first or the last
    epoch and a resume with another worker count, each epoch has read and trained every
    corpus word once (counted batch by batch, not set at the epoch's end)."""
    n = big.n_words
    model, trainer = _trainer(big, workers=before, **EVERY)
    _stop_at_words(trainer, epoch * n + n // 3)
    trainer.train()
    assert not trainer.finished and trainer.epoch == epoch
    assert 0 < trainer.epoch_words < n and trainer.todo
    path = model.save(tmp_path / "ckpt", extra_state=trainer.state())

    resumed_model, resumed = _resume(path, big, workers=after, **EVERY)
    resumed.train()
    assert resumed.finished
    assert resumed.words_per_epoch == [n, n]
    assert resumed.kept_per_epoch == [n, n]  # sample=0: every word read is trained, once
    assert resumed.words_done == resumed.words_trained == 2 * n
    assert np.isfinite(resumed_model.W_in).all()


@pytest.mark.parametrize("workers", [1, 2])
def test_an_uninterrupted_run_counts_every_word_once(corpus, workers):
    _, trainer = _trainer(corpus, workers=workers, **EVERY)
    trainer.train()
    assert trainer.words_per_epoch == trainer.kept_per_epoch == [corpus.n_words] * 2


def test_split_pieces_covers_the_rest_once_and_keeps_started_chunks_whole():
    rng = np.random.default_rng(0)
    for _ in range(200):
        cuts = np.sort(rng.choice(np.arange(1, 10_000), size=8, replace=False))
        pieces = [
            Piece(int(lo), int(hi), int(rng.integers(0, 3)), {"state": 1})
            for lo, hi in zip(cuts[::2], cuts[1::2], strict=True)
        ]
        n, chunk = int(rng.integers(1, 6)), int(rng.integers(1, 500))
        slices = split_pieces(pieces, n, chunk)
        assert len(slices) == n
        flat = [p for s in slices for p in s]
        covered = np.concatenate([np.arange(p.lo, p.hi) for p in flat])
        expected = np.concatenate([np.arange(p.lo, p.hi) for p in pieces])
        np.testing.assert_array_equal(covered, expected)  # in order, no gap, no overlap
        for piece in pieces:
            if piece.done:  # its started chunk stays in one piece, with its state
                first = next(p for p in flat if p.lo == piece.lo)
                assert (first.done, first.rng) == (piece.done, piece.rng)
                assert first.hi >= min(piece.lo + chunk, piece.hi)
        sizes = [sum(len(p) for p in s) for s in slices]
        if not any(p.done for p in pieces):
            assert max(sizes) - min(sizes) <= 1


def test_a_whole_epoch_is_cut_like_the_earlier_slices():
    slices = split_pieces([Piece(0, 1003)], 3, 100)
    assert [(s[0].lo, s[0].hi) for s in slices] == [(0, 334), (334, 668), (668, 1003)]


# -- a worker killed mid-epoch ---------------------------------------------------------------
def test_a_killed_worker_leaves_a_state_that_resumes(big, tmp_path):
    corpus = big
    n = corpus.n_words
    model, trainer = _trainer(corpus, workers=2, **EVERY)
    report = trainer._report
    killed = []

    def kill_one(**kwargs) -> None:
        report(**kwargs)
        if not killed and trainer.words_done > n // 4:
            victim = mp.active_children()[0]
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(time.perf_counter())

    trainer._report = kill_one
    with pytest.raises(BackendFailed, match="killed by SIGKILL"):
        trainer.train()
    assert time.perf_counter() - killed[0] < 5  # noticed at once, the other worker stopped
    assert mp.active_children() == []
    assert 0 < trainer.epoch_words < n and trainer.todo
    path = model.save(tmp_path / "ckpt", extra_state=trainer.state())

    resumed_model, resumed = _resume(path, corpus, workers=2, **EVERY)
    resumed.train()
    assert resumed.words_per_epoch == resumed.kept_per_epoch == [n, n]
    assert np.isfinite(resumed_model.W_in).all()


# -- stopping is quick whatever the settings -----------------------------------------------------
def test_one_worker_stops_after_the_batch_it_is_in(corpus):
    _, trainer = _trainer(corpus, **dict(ONE, chunk_words=1 << 20))  # one chunk per epoch
    after = []

    def hook(t: Trainer) -> None:
        after.append(t.stop_requested)
        if len(after) == 3:
            t.request_stop()

    trainer.train(on_chunk=hook)
    assert after == [False, False, False] and not trainer.finished


def test_workers_stop_within_a_batch_not_a_chunk(big):
    """One chunk holds the whole epoch and takes many seconds with dim 300: the stop must
    come after the current batch (here within 2 s), not at the end of the chunk."""
    model = Word2Vec(big.vocab, dim=300, seed=1)
    trainer = Trainer(model, big.vocab, big, workers=2, epochs=1, quiet=True, chunk_words=1 << 22)
    asked = []

    def ask(**kwargs) -> None:
        report(**kwargs)
        if not asked and trainer.words_done > 2000:
            asked.append(time.perf_counter())
            trainer.request_stop()

    report = trainer._report
    trainer._report = ask
    trainer.train()
    assert asked and time.perf_counter() - asked[0] < 2.0
    assert not trainer.finished and trainer.todo and trainer.todo[0].done > 0


def test_a_worker_stuck_in_a_batch_is_cut_and_its_batch_trained_again(big, tmp_path, monkeypatch):
    """A batch can take seconds (--neg 10000); a stop must not: a worker still in its batch
    1.5 s after the stop is killed, what it published stands, and the resumed run trains its
    batch again: every word is still read and trained once per epoch."""
    n = big.n_words
    train_batch = Word2Vec.train_batch
    calls = [0]

    def slow_after_a_while(self, batch, lr):  # in the workers (forked after the patch)
        calls[0] += 1
        if calls[0] == 20:
            time.sleep(60)
        return train_batch(self, batch, lr)

    monkeypatch.setattr(Word2Vec, "train_batch", slow_after_a_while)
    model, trainer = _trainer(big, workers=2, **EVERY)
    asked = []

    def ask(**kwargs) -> None:
        report(**kwargs)
        if not asked and trainer.words_done > 3000:
            asked.append(time.perf_counter())
            trainer.request_stop()

    report = trainer._report
    trainer._report = ask
    trainer.train()
    assert time.perf_counter() - asked[0] < 4
    assert not trainer.finished and trainer.todo
    path = model.save(tmp_path / "ckpt", extra_state=trainer.state())
    monkeypatch.setattr(Word2Vec, "train_batch", train_batch)
    resumed_model, resumed = _resume(path, big, workers=2, **EVERY)
    resumed.train()
    assert resumed.words_per_epoch == resumed.kept_per_epoch == [n, n]


# -- tiny and repetitive corpora ----------------------------------------------------------------
SENTENCE = "the cat sat on the mat and the dog sat on the log".split()


def _train_tiny(sentences, tmp_path, model="skipgram", **options) -> tuple[Word2Vec, Trainer]:
    corpus = encode_corpus(sentences, tmp_path / f"tiny-{model}.u32", min_count=1)
    w2v = Word2Vec(corpus.vocab, model=model, seed=1, neg=options.pop("neg", 5))
    trainer = Trainer(w2v, corpus.vocab, corpus, workers=1, quiet=True, **options)
    trainer.train()
    return w2v, trainer


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_one_sentence_repeated_trains_at_the_default_settings(tmp_path, model):
    w2v, trainer = _train_tiny([SENTENCE] * 3000, tmp_path, model)
    assert np.isfinite(w2v.W_in).all() and np.linalg.norm(w2v.W_in, axis=1).max() < 10
    assert trainer.epoch_losses[-1] < min(trainer.epoch_losses[0], 2.8)
    # cat and dog have the same contexts ("the _ sat on")
    assert "dog" in [w for w, _ in w2v.most_similar("cat", topn=3)]


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_without_the_bound_the_repeated_sentence_diverges(tmp_path, model, monkeypatch):
    """The bound is what makes the difference (gensim and the C tool train this text)."""
    monkeypatch.setattr(w2v_module, "STEP_LIMIT", float("inf"))
    options = {"sample": 0.0} if model == "skipgram" else {}
    with pytest.raises(TrainingDiverged):
        _train_tiny([SENTENCE] * 3000, tmp_path, model, **options)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("options", [{}, {"sample": 0.0}, {"neg": 15}, {"batch_size": 32}])
def test_one_word_repeated_reaches_the_analytic_optimum(tmp_path, model, options):
    """One word: every score is s = v'.v, the loss per example -log sigma(s) - k log
    sigma(-s) is least at sigma(s) = 1/(k+1), where it is log(k+1) + k log((k+1)/k)."""
    k = options.get("neg", 5)
    w2v, trainer = _train_tiny([["buffalo"] * 5000], tmp_path, model, **options)
    optimum = np.log(k + 1) + k * np.log((k + 1) / k)
    assert abs(trainer.epoch_losses[-1] - optimum) < 0.02
    assert np.linalg.norm(w2v.W_in, axis=1).max() < 10


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_a_200_word_text_trains(tmp_path, model):
    words = " ".join(" ".join(s) for s in generate_sample_sentences(200, seed=4)).split()[:200]
    sentences = [words[i : i + 20] for i in range(0, 200, 20)]
    w2v, trainer = _train_tiny(sentences, tmp_path, model, epochs=200)
    assert np.isfinite(w2v.W_in).all() and np.linalg.norm(w2v.W_in, axis=1).max() < 10
    assert trainer.epoch_losses[-1] < trainer.epoch_losses[0]


def test_the_bound_leaves_real_text_alone(corpus, uninterrupted, monkeypatch):
    """Batches of real text are not crowded: the weights are those of the plain sum."""
    monkeypatch.setattr(w2v_module, "STEP_LIMIT", float("inf"))
    plain, trainer = _trainer(corpus, **ONE)
    trainer.train()
    np.testing.assert_array_equal(uninterrupted[0].W_in, plain.W_in)
    np.testing.assert_array_equal(uninterrupted[0].W_out, plain.W_out)


# -- the bound itself ------------------------------------------------------------------------
def test_bound_steps_on_n_equal_examples():
    """n examples with one partner x: P = n k |x|^2 exactly; the step is cut to
    limit / (lr P) of itself, and unrelated rows are untouched."""
    d, n, k, lr, limit = 4, 50, 0.2, 0.1, 0.5
    x = np.array([1.0, 2.0, 0.0, -1.0])
    # rows 0..n-1 (id 7): one example each, curvature k, partner x; row n (id 3): another
    same = (np.full((1, n, 1), k), x.reshape(1, 1, d), np.arange(n).reshape(1, n))
    other = (np.array([[[0.01]]]), np.array([[[0.3, 0.1, 0.0, 0.2]]]), np.array([[n]]))
    curvature = Curvature.of_parts(n + 1, [same, other])
    rows = np.arange(n + 1)
    ids = np.array([7] * n + [3])
    np.testing.assert_allclose(curvature.mass[:n], k)
    np.testing.assert_allclose(curvature.partners(rows)[:n], k * np.tile(x, (n, 1)))
    grads = np.ones((n + 1, d), dtype=np.float32)
    out = bound_steps(ids, grads, curvature, lr, limit)
    P = n * k * float(x @ x)
    np.testing.assert_allclose(out[:n], limit / (lr * P), rtol=1e-6)
    np.testing.assert_array_equal(out[n], grads[n])
    assert bound_steps(ids, grads, curvature, lr, limit=lr * P * 1.01) is grads


def test_the_curvature_of_a_real_batch_matches_its_examples(make_maker):
    """ops.Curvature of the negative-sampling loss against the examples spelled out:
    for each gradient row, sum_j k_j and sum_j k_j x_j over its pairs and negatives."""
    from word2vec_numpy.model.batching import make_chunk
    from word2vec_numpy.model.ops import sigmoid

    vocab = Vocabulary.from_words([f"w{i}" for i in range(9)], np.arange(9, 0, -1) * 11)
    rng = np.random.default_rng(1)
    chunk = make_chunk(rng.integers(0, 9, size=70), np.ones(9, np.float32), 3, rng)
    maker = make_maker(vocab, 3, 3, "skipgram", batch_size=16, block=8, n_shared=4)
    batch = next(iter(maker.batches(chunk, rng)))[0]
    model = Word2Vec(vocab, dim=5, neg=3, window=3, seed=2, dtype=np.float64)
    model.W_out[...] = rng.normal(scale=0.4, size=model.W_out.shape)
    loss = model.losses[0]
    H = model.W_in[batch.rows]
    *_, curv_H, curv_W = loss.skipgram(model.W_out, H, batch, curvature=True)
    draw = batch.draws["ns"]
    nb, T, C = batch.pair_mask.shape
    groups = draw.group_of_rows()
    weight = np.empty(nb * T)
    weight[draw.order] = draw.weight.reshape(-1)
    mass_H, part_H = np.zeros(nb * T), np.zeros((nb * T, 5))
    mass_W, part_W = np.zeros(curv_W.mass.shape), np.zeros((len(curv_W.mass), 5))
    for t in range(nb * T):
        b, h = divmod(t, T)
        for c in np.flatnonzero(batch.pair_mask[b, h]):
            o = model.W_out[batch.span[b, c]]
            s = float(sigmoid(np.array([H[b, h] @ o]))[0])
            kj = s * (1 - s)
            mass_H[t] += kj
            part_H[t] += kj * o
            mass_W[b * C + c] += kj
            part_W[b * C + c] += kj * H[b, h]
        for j, w in enumerate(draw.neg[groups[t]]):
            u = model.W_out[w]
            s = float(sigmoid(np.array([H[b, h] @ u]))[0])
            kj = weight[t] * s * (1 - s)
            mass_H[t] += kj
            part_H[t] += kj * u
            mass_W[nb * C + groups[t] * draw.neg.shape[1] + j] += kj
            part_W[nb * C + groups[t] * draw.neg.shape[1] + j] += kj * H[b, h]
    np.testing.assert_allclose(curv_H.mass, mass_H, rtol=1e-10)
    np.testing.assert_allclose(curv_H.partners(np.arange(nb * T)), part_H, atol=1e-12)
    np.testing.assert_allclose(curv_W.mass, mass_W, rtol=1e-10)
    everything = np.arange(len(mass_W))
    np.testing.assert_allclose(curv_W.partners(everything), part_W, atol=1e-12)


def test_crowded_is_one_word_in_more_than_a_sixteenth_of_the_rows():
    """``_crowded`` (a sort) against its definition (a count per word), at the edge."""
    rng = np.random.default_rng(0)
    for extra in range(-2, 3):
        for n_rows in (256, 512):  # the rule's limit: 16 rows, then 32
            limit = max(16, n_rows // 16)
            rows = np.arange(1000, 1000 + n_rows)
            rows[: limit + extra] = 7  # word 7 fills limit + extra rows
            rows = rng.permutation(rows).reshape(-1, 32)
            batch = Batch(rows, rows, np.zeros((*rows.shape, 32), np.float32))
            assert w2v_module._crowded(batch) == (extra > 0)
            assert w2v_module._crowded(batch) == (np.bincount(rows.ravel()).max() > limit)

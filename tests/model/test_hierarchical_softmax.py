"""Hierarchical softmax: the Huffman tree (a hand example, the C tool's algorithm written out,
optimality against gensim's tree), gradients by finite differences through the fast path
(skip-gram, CBOW, alone and with negative sampling), the per-pair reference step, saving and
loading, resuming, two workers, the command line, and the planted analogies."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import run_cli

from word2vec_numpy import (
    Trainer,
    Word2Vec,
    Word2VecError,
    encode_corpus,
    iter_sentences,
    sample_questions,
)
from word2vec_numpy.config import TrainConfig
from word2vec_numpy.data.sample import generate_sample_sentences
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.errors import ConfigError
from word2vec_numpy.model.batching import BatchMaker, make_chunk
from word2vec_numpy.model.hierarchical_softmax import HierarchicalSoftmax, HuffmanTree
from word2vec_numpy.model.ops import MAX_EXP
from word2vec_numpy.model.reference import hs_cbow_step, hs_skipgram_step
from word2vec_numpy.vectors.evaluate import evaluate_analogy_text

COUNTS = np.array([40, 30, 22, 15, 15, 9, 5, 3, 2, 1])
V = len(COUNTS)


def small_vocab(counts: np.ndarray = COUNTS) -> Vocabulary:
    return Vocabulary.from_words([f"w{i}" for i in range(len(counts))], counts)


# ---------------------------------------------------------------------------- the tree


def test_tree_of_a_hand_example():
    """Counts 5, 4, 3, 2, 1. Merges (C tool: rarest leaf vs oldest inner node, inner node on
    a tie; first taken = code 0): node 0 = {w4, w3} (3), node 1 = {node 0, w2} (6, the tie
    3 = 3 goes to the inner node), node 2 = {w1, w0} (9), root 3 = {node 1, node 2}."""
    tree = HuffmanTree(np.array([5, 4, 3, 2, 1]))
    assert tree.max_length == 3 and tree.n_nodes == 4
    np.testing.assert_array_equal(tree.lengths, [2, 2, 2, 3, 3])
    expected = {  # word: (codes, points), root first
        0: ([1, 1], [3, 2]),
        1: ([1, 0], [3, 2]),
        2: ([0, 1], [3, 1]),
        3: ([0, 0, 1], [3, 1, 0]),
        4: ([0, 0, 0], [3, 1, 0]),
    }
    for w, (codes, points) in expected.items():
        n = tree.lengths[w]
        assert tree.codes[w, :n].tolist() == codes
        assert tree.points[w, :n].tolist() == points
        assert not tree.codes[w, n:].any() and not tree.points[w, n:].any()  # padding


def c_tool_tree(counts: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    """``CreateBinaryTree`` of word2vec.c written out line by line (counts sorted in
    descending order): the codes and points of every word."""
    V = len(counts)
    count = list(counts) + [10**15] * V
    binary = [0] * (2 * V + 1)
    parent_node = [0] * (2 * V + 1)
    pos1, pos2 = V - 1, V
    for a in range(V - 1):
        mins = []
        for _ in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                mins.append(pos1)
                pos1 -= 1
            else:
                mins.append(pos2)
                pos2 += 1
        count[V + a] = count[mins[0]] + count[mins[1]]
        parent_node[mins[0]] = parent_node[mins[1]] = V + a
        binary[mins[1]] = 1
    codes, points = [], []
    for a in range(V):
        code, point, b = [], [], a
        while True:
            code.append(binary[b])
            point.append(b)
            b = parent_node[b]
            if b == 2 * V - 2:
                break
        i = len(code)
        word_code, word_point = [0] * i, [V - 2] + [0] * i
        for b in range(i):
            word_code[i - b - 1] = code[b]
            word_point[i - b] = point[b] - V
        codes.append(word_code)
        points.append(word_point[:i])  # the C tool's point[i] is the leaf itself, unused
    return codes, points


@pytest.mark.parametrize("seed", range(6))
def test_tree_equals_the_c_tool(seed):
    rng = np.random.default_rng(seed)
    V = int(rng.integers(2, 300))
    # few distinct counts: many ties, where the tie rules matter
    counts = np.sort(rng.integers(1, 8 if seed % 2 else 10_000, size=V))[::-1]
    codes, points = c_tool_tree(counts.tolist())
    tree = HuffmanTree(counts)
    assert tree.max_length == max(len(c) for c in codes)
    for w in range(V):
        n = tree.lengths[w]
        assert tree.codes[w, :n].tolist() == codes[w]
        assert tree.points[w, :n].tolist() == points[w]


def test_tree_is_an_optimal_prefix_code_like_gensims():
    """Huffman trees differ between tie rules, but all have the least sum of count x code
    length; gensim builds its own (with a heap). Every inner node is used, and no code is a
    prefix of another (each word is a different leaf)."""
    from gensim.models.word2vec import Word2Vec as GensimWord2Vec

    rng = np.random.default_rng(5)
    counts = np.sort(rng.zipf(1.3, size=500).clip(max=10**6))[::-1]
    words = [f"w{i}" for i in range(len(counts))]
    g = GensimWord2Vec(vector_size=4, min_count=1, hs=1, negative=0)
    g.build_vocab_from_freq(dict(zip(words, counts.tolist(), strict=True)))
    g_lengths = np.array([len(g.wv.get_vecattr(w, "code")) for w in words])
    tree = HuffmanTree(counts)
    assert int(counts @ tree.lengths) == int(counts @ g_lengths)
    on_paths = tree.points[np.arange(tree.max_length) < tree.lengths[:, None]]
    assert set(on_paths.tolist()) == set(range(len(counts) - 1))
    paths = {tuple(tree.codes[w, : tree.lengths[w]]) for w in range(len(counts))}
    assert len(paths) == len(counts)
    for p in paths:
        assert not any(q != p and q[: len(p)] == p for q in paths)


def test_tree_follows_the_counts_not_the_ids():
    """The vocabulary's order is by count; the tree of permuted counts is the same tree
    with the words permuted (a stable sort decides ties by id)."""
    counts = np.array([9, 3, 7, 1, 3, 12])
    perm = np.argsort(-counts, kind="stable")
    tree, sorted_tree = HuffmanTree(counts), HuffmanTree(counts[perm])
    np.testing.assert_array_equal(tree.codes[perm], sorted_tree.codes)
    np.testing.assert_array_equal(tree.points[perm], sorted_tree.points)


def test_trees_of_one_and_two_words():
    one = HuffmanTree(np.array([4]))
    assert one.n_nodes == 0 and one.max_length == 0 and one.codes.shape == (1, 0)
    two = HuffmanTree(np.array([4, 4]))
    assert two.codes.tolist() == [[1], [0]] and two.points.tolist() == [[0], [0]]
    # a one-word vocabulary has no inner node: nothing to learn, and nothing breaks
    for kind in ("skipgram", "cbow"):
        model = Word2Vec(small_vocab(np.array([9])), dim=3, hs=1, neg=0, model=kind, window=1)
        assert model.W_nodes.shape == (0, 3)
        for batch in make_batches(model, 12, 0, n_words=1):
            assert model.train_batch(batch, 0.1)[0] == 0.0


# ------------------------------------------------------------------------- gradients


def random_model(
    kind: str, vocab: Vocabulary, neg: int, seed: int = 2, exact: bool = True
) -> Word2Vec:
    """float64, random weights; CBOW with the exact gradient of the mean unless ``exact`` is
    False (the C tool's update, which the reference step makes)."""
    model = Word2Vec(
        vocab, dim=5, neg=neg, hs=1, model=kind, window=2, dtype=np.float64, cbow_exact_grad=exact
    )
    rng = np.random.default_rng(seed)
    for W in model.matrices().values():
        W[...] = rng.normal(scale=0.3, size=W.shape)
    return model


def make_batches(
    model: Word2Vec, n: int, seed: int, batch_size: int = 8, block: int = 4, n_words: int = V
):
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, n_words, size=n).astype(np.int64)
    raw[rng.choice(n, size=2, replace=False)] = -1  # sentence ends
    chunk = make_chunk(raw, np.ones(n_words, np.float32), model.config.window, rng)
    maker = BatchMaker(model.config.window, batch_size, block, losses=model.losses)
    return [batch for batch, _, _ in maker.batches(chunk, rng)]


def step_grads(model: Word2Vec, batch, lr: float = 0.5) -> dict[str, np.ndarray]:
    """(W_before - W_after) / lr of one step, for every matrix; the weights are restored."""
    before = {k: W.copy() for k, W in model.matrices().items()}
    model.train_batch(batch, lr)
    grads = {k: (before[k] - W) / lr for k, W in model.matrices().items()}
    for k, W in model.matrices().items():
        W[...] = before[k]
    return grads


def numeric_grads(model: Word2Vec, batch, eps: float = 1e-6) -> dict[str, np.ndarray]:
    out = {}
    for name, W in model.matrices().items():
        G = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            old = W[idx]
            W[idx] = old + eps
            plus = model.batch_loss(batch)
            W[idx] = old - eps
            minus = model.batch_loss(batch)
            W[idx] = old
            G[idx] = (plus - minus) / (2 * eps)
        out[name] = G
    return out


@pytest.fixture
def dense_levels(request, monkeypatch) -> int:
    """CBOW sums the node gradients of the first ``dense_levels`` levels by a product and the
    deeper ones row by row; tests take 0 levels, 2 or 6 of the small tree's 7."""
    levels = getattr(request, "param", HierarchicalSoftmax.dense_levels)
    monkeypatch.setattr(HierarchicalSoftmax, "dense_levels", levels)
    return levels


@pytest.mark.parametrize("neg", [0, 3], ids=["hs", "hs+ns"])
@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
@pytest.mark.parametrize("dense_levels", [0, 2, 6], indirect=True)
def test_step_follows_the_gradient_of_the_loss(kind, neg, dense_levels):
    model = random_model(kind, small_vocab(), neg)
    assert model.losses[-1].tree.max_length == 7  # 2 levels: both kinds of CBOW node rows
    assert model.output_names() == (["W_nodes"] if neg == 0 else ["W_out", "W_nodes"])
    assert model.W_nodes.shape == (V - 1, 5)
    for n, seed in ((17, 0), (23, 1)):
        for batch in make_batches(model, n, seed):
            analytic, numeric = step_grads(model, batch), numeric_grads(model, batch)
            for name in numeric:
                scale = np.abs(numeric[name]).max()
                assert scale > 0.05, name  # every matrix really has a gradient here
                assert np.abs(analytic[name] - numeric[name]).max() < 1e-6 * scale, name


def test_the_loss_is_the_documented_sum_over_paths():
    """Skip-gram loss of a batch = sum over its pairs of -log sigma(s_j v'_{n(w,j)} . h)."""
    model = random_model("skipgram", small_vocab(), 0)
    tree = model.losses[0].tree
    (batch, *_) = make_batches(model, 17, 0)
    total = 0.0
    for b, t, c in zip(*np.nonzero(batch.pair_mask), strict=True):
        h = model.W_in[batch.rows[b, t]]
        w = batch.span[b, c]
        n = tree.lengths[w]
        s = 1 - 2 * tree.codes[w, :n].astype(float)
        x = model.W_nodes[tree.points[w, :n]] @ h
        total += -np.sum(np.log(1 / (1 + np.exp(-s * x))))
    assert model.batch_loss(batch) == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
@pytest.mark.parametrize("dense_levels", [0, 2, 6], indirect=True)
def test_block_step_equals_the_reference_step(kind, dense_levels):
    vocab = small_vocab()
    fast, slow = (random_model(kind, vocab, 0, seed=4, exact=False) for _ in range(2))
    tree = fast.losses[0].tree
    arrays = (tree.codes, tree.points, tree.lengths)
    for batch in make_batches(fast, 40, 3, batch_size=12, block=6):
        fast_loss, _ = fast.train_batch(batch, 0.1)
        nb, T, C = batch.pair_mask.shape
        mask = batch.pair_mask.reshape(nb * T, C) > 0
        rows, span = batch.rows.reshape(-1), np.repeat(batch.span, T, axis=0)
        if kind == "skipgram":
            t, c = np.nonzero(mask)
            slow_loss = hs_skipgram_step(slow.W_in, slow.W_nodes, rows[t], span[t, c], *arrays, 0.1)
        else:
            ok = mask.any(axis=1)
            slow_loss = hs_cbow_step(
                slow.W_in, slow.W_nodes, span[ok], mask[ok], rows[ok], *arrays, 0.1
            )
        assert fast_loss == pytest.approx(slow_loss, rel=1e-9)
        np.testing.assert_allclose(fast.W_in, slow.W_in, rtol=0, atol=1e-12)
        np.testing.assert_allclose(fast.W_nodes, slow.W_nodes, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
@pytest.mark.parametrize("dense_levels", [0, 2, 6], indirect=True)
def test_nodes_scored_beyond_max_exp_are_skipped(kind, dense_levels):
    """Like the C tool: a node with |v'.h| >= MAX_EXP gets no update and passes none on."""
    model = random_model(kind, small_vocab(), 0)
    model.W_nodes[...] = 0.0
    model.W_nodes[-1] = 10 * MAX_EXP  # the root: on every path, its scores far outside
    model.W_in[...] = np.abs(model.W_in) + 0.2  # every h has positive entries
    (batch, *_) = make_batches(model, 17, 0)
    grads = step_grads(model, batch)
    assert not grads["W_nodes"][-1].any()
    assert np.abs(grads["W_nodes"][:-1]).max() > 0  # the other nodes are trained
    model.W_nodes[:-1] = 0.0  # now only the root could move W_in
    assert not step_grads(model, batch)["W_in"].any()


# ------------------------------------------------------------ options, files, training


def test_options_and_their_errors():
    assert TrainConfig(hs=1, neg=0).hs is True
    assert TrainConfig(hs="0").hs is False and TrainConfig.from_options(hs=True).neg == 5
    for bad in (2, "yes", -1, 0.5):
        with pytest.raises(ConfigError, match="^hs: must be 0 or 1"):
            TrainConfig(hs=bad)
    with pytest.raises(ConfigError, match="^neg: 0 leaves no output layer"):
        TrainConfig(neg=0)
    with pytest.raises(ConfigError, match="^neg: must be an integer >= 0"):
        TrainConfig(neg=-1, hs=1)
    assert HierarchicalSoftmax.enabled(TrainConfig(hs=1)) and not HierarchicalSoftmax.enabled(
        TrainConfig()
    )


def test_hierarchical_softmax_keeps_256_centres_per_step():
    assert TrainConfig(model="cbow").batch_centres == 1024  # negative sampling alone
    for options in ({"neg": 0}, {"neg": 5}):
        for kind in ("cbow", "skipgram"):
            assert TrainConfig(model=kind, hs=1, **options).batch_centres == 256
    assert TrainConfig(model="cbow", hs=1, neg=0, batch_size=1024).batch_centres == 1024


def epoch_losses(
    shared_data, tmp_path, sentences: int | None, kind: str = "cbow", other: int = 1024, **options
) -> dict:
    """The loss after one epoch of ``corpus1m.txt`` (its first ``sentences`` lines of
    10,000 words, or all), one worker, at the default batch size (key None) and at
    ``other``."""
    lines = itertools.islice(iter_sentences(str(shared_data / "corpus1m.txt")), sentences)
    corpus = encode_corpus(lines, tmp_path / "ids.u32", min_count=5)
    losses = {}
    for batch_size in (None, other):
        model = Word2Vec(corpus.vocab, model=kind, seed=1, batch_size=batch_size, **options)
        Trainer(model, corpus.vocab, corpus, n_epochs=1, quiet=True).train()
        losses[batch_size] = model.epoch_losses[-1]
    return losses


def test_cbow_trains_better_at_its_default_than_at_1024_centres(shared_data, tmp_path):
    """Each step adds one gradient per centre word to the root's vector (and nearly as many
    to the nodes below it), with no bound on the sum: at 1,024 centres per step CBOW trains
    worse on real text (1 M tokens, one epoch: loss 7.80 against 7.09 at 256), which is why
    hierarchical softmax keeps 256 where negative sampling takes 1,024."""
    losses = epoch_losses(shared_data, tmp_path, None, hs=1, neg=0)
    assert losses[None] < 0.95 * losses[1024], losses


def test_cbow_without_subsampling_trains_better_at_its_default(shared_data, tmp_path):
    """Not hierarchical softmax, but the same cause: without subsampling "the" fills about
    60 rows of a 1024-row CBOW step, under the crowded-batch limit (1/16 of the rows), and
    the summed steps overshoot (1 M tokens, one epoch: loss 4.61 against 2.41 at 256)."""
    losses = epoch_losses(shared_data, tmp_path, 30, sample=0)
    assert losses[None] < 0.8 * losses[1024], losses


def test_skipgram_with_a_wide_window_keeps_the_pairs_per_step_of_the_default(shared_data, tmp_path):
    """Every pair adds a term to the root's vector: skip-gram --window 10 at 256 centres
    (about 2,800 pairs per step) trained far worse than at 128 (one epoch of 300,000 words:
    loss 14.06 against 7.04), so hierarchical softmax keeps about the 1,536 pairs per step of
    the default window (``config.HS_PAIRS_PER_STEP``)."""
    assert TrainConfig(hs=1, neg=0).batch_centres == 256  # window 5: 6 pairs per centre
    assert TrainConfig(hs=1, neg=0, window=10).batch_centres == 139  # 128 in blocks of 32
    losses = epoch_losses(shared_data, tmp_path, 30, "skipgram", 256, hs=1, neg=0, window=10)
    assert losses[None] < 0.7 * losses[256], losses


def test_hs_is_fixed_with_the_model():
    model = Word2Vec(small_vocab(), dim=4, hs=1, neg=5)
    with pytest.raises(Word2VecError, match="hs is fixed"):
        model.set_config(model.config.replace(hs=0))


def trained(tmp_path, kind: str = "skipgram", neg: int = 0, workers: int = 1, **kw):
    sentences = generate_sample_sentences(30_000, seed=2)
    corpus = encode_corpus(sentences, tmp_path / f"{kind}{neg}{workers}.u32")
    model = Word2Vec(corpus.vocab, dim=12, model=kind, hs=1, neg=neg, seed=3)
    trainer = Trainer(model, corpus.vocab, corpus, n_epochs=1, workers=workers, quiet=True, **kw)
    trainer.train()
    return corpus, model, trainer


def test_save_and_load_round_trip(tmp_path):
    corpus, model, _ = trained(tmp_path, neg=2)
    assert np.abs(model.W_nodes).max() > 0 and np.abs(model.W_out).max() > 0
    path = model.save(tmp_path / "m")
    loaded = Word2Vec.load(path)
    assert loaded.config.hs and loaded.output_names() == ["W_out", "W_nodes"]
    for name, W in model.matrices().items():
        np.testing.assert_array_equal(getattr(loaded, name), W)
    tree, again = model.losses[1].tree, loaded.losses[1].tree  # rebuilt from the counts
    np.testing.assert_array_equal(again.codes, tree.codes)
    np.testing.assert_array_equal(again.points, tree.points)
    # a file whose W_nodes does not fit the vocabulary is refused
    with np.load(path, allow_pickle=False) as data:
        arrays = dict(data)
    for bad in (arrays["W_nodes"][:-1], arrays["W_nodes"][:, :-1], None):
        broken = dict(arrays)
        if bad is None:
            del broken["W_nodes"]
        else:
            broken["W_nodes"] = bad
        np.savez(tmp_path / "broken.npz", **broken)
        with pytest.raises(Word2VecError, match="inconsistent shapes"):
            Word2Vec.load(tmp_path / "broken.npz")


def test_stop_and_resume_equals_uninterrupted(tmp_path):
    settings = dict(n_epochs=2, seed=7, quiet=True, chunk_words=8_000)
    corpus = encode_corpus(generate_sample_sentences(30_000, seed=3), tmp_path / "ids.u32")

    def fresh():
        model = Word2Vec(corpus.vocab, dim=8, model="cbow", hs=1, neg=0, seed=7)
        return model, Trainer(model, corpus.vocab, corpus, **settings)

    model, trainer = fresh()
    trainer.train()
    part_model, part = fresh()
    part.train(on_chunk=lambda t: t.request_stop() if t.epoch == 1 else None)
    assert not part.finished
    path = part_model.save(tmp_path / "ckpt", extra_state=part.state())
    resumed_model = Word2Vec.load(path)
    resumed = Trainer(resumed_model, corpus.vocab, corpus, **settings)
    resumed.restore(resumed_model.training_state)
    resumed.train()
    np.testing.assert_array_equal(resumed_model.W_in, model.W_in)
    np.testing.assert_array_equal(resumed_model.W_nodes, model.W_nodes)
    assert resumed.epoch_losses == trainer.epoch_losses


def test_two_workers_train_the_shared_node_vectors(tmp_path):
    _, model, trainer = trained(tmp_path, kind="cbow", workers=2)
    assert np.isfinite(model.W_nodes).all() and np.abs(model.W_nodes).max() > 0.1
    assert trainer.epoch_losses[-1] > 0


def test_command_line(tmp_path, capsys):
    code, out, _ = run_cli(["train", "--help"], capsys)
    assert code == 0 and "--hs {0,1}" in out
    corpus = tmp_path / "c.txt"
    sentences = generate_sample_sentences(20_000, seed=5)
    corpus.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    base = ["train", "--corpus", str(corpus), "--out", str(tmp_path / "m"), "--quiet"]
    for flags, needle in (
        (["--hs", "2"], "--hs: must be 0 or 1, not '2'"),
        (["--hs", "yes"], "--hs: must be 0 or 1"),
        (["--neg", "0"], "neg: 0 leaves no output layer (--neg 0): use --neg 1 or more, or --hs 1"),
        (["--neg", "-1", "--hs", "1"], "must be an integer >= 0"),
    ):
        code, _, err = run_cli(base + flags, capsys)
        assert code == 2 and needle in err and len(err.strip().splitlines()) <= 2, err
        assert "Traceback" not in err and not (tmp_path / "m.npz").exists()
    flags = ["--hs", "1", "--neg", "0", "--epochs", "1", "--workers", "1", "--dim", "8"]
    code, out, err = run_cli(base[:-1] + flags, capsys)  # not quiet: the log has the tree
    assert code == 0, err
    assert "hierarchical softmax: Huffman tree of " in err and "codes of up to " in err
    model = Word2Vec.load(tmp_path / "m.npz")
    assert model.config.hs and model.output_names() == ["W_nodes"]
    code, out, _ = run_cli(["export", str(tmp_path / "m.npz"), str(tmp_path / "v.txt")], capsys)
    assert code == 0 and (tmp_path / "v.txt").read_text().startswith(f"{len(model.vocab)} 8\n")
    code, _, err = run_cli(
        ["export", str(tmp_path / "m.npz"), str(tmp_path / "o.txt"), "--which", "out"], capsys
    )
    assert code == 2 and "W_out" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.txt").exists()


# -------------------------------------------------------------------- planted analogies


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
def test_planted_analogies_with_hierarchical_softmax_only(kind):
    sentences = generate_sample_sentences(PLANTED_TOKENS, seed=1)
    vocab = Vocabulary(min_count=5).build(sentences)
    ids = vocab.encode(sentences)
    model = Word2Vec(vocab, dim=50, model=kind, hs=1, neg=0, seed=1)
    Trainer(model, vocab, ids, n_epochs=PLANTED_EPOCHS, seed=1, quiet=True).train()
    assert model.analogy("king", "man", "woman")[0][0] == "queen"
    result = evaluate_analogy_text(vocab.words, model.W_in, sample_questions())
    assert result["skipped"] == 0
    print(f"{kind} hs: accuracy {result['accuracy']:.4f} on {result['total']} questions")
    assert result["accuracy"] >= 0.90


PLANTED_TOKENS = 200_000  # about 99% for both in 3 epochs; a few seconds each
PLANTED_EPOCHS = 3

"""Nearest neighbours, analogies and unknown-word messages (query.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from word2vec_numpy import KeyedVectors
from word2vec_numpy.model.word2vec import Word2Vec
from word2vec_numpy.vectors.keyed import COSMUL_EPS, UnknownWordError, _edits, top_n_indices


def random_model(n_words: int = 200, dim: int = 16, seed: int = 0) -> Word2Vec:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n_words)]
    return KeyedVectors(words, rng.normal(size=(n_words, dim)).astype(np.float32))


def brute_force(model: Word2Vec, query: np.ndarray, exclude: set[int], limit: int | None = None):
    """Cosines in float64 over the first ``limit`` words, best first."""
    W = model.vectors.astype(np.float64)[:limit]
    cos = W @ query / (np.linalg.norm(W, axis=1) * np.linalg.norm(query))
    order = [int(i) for i in np.argsort(-cos, kind="stable") if int(i) not in exclude]
    return [(model.words[i], cos[i]) for i in order]


def royal_model() -> Word2Vec:
    """Hand-made vectors on orthonormal axes: person p, royal r, male m, female f.

    king = r + m, queen = r + f, man = p + m, woman = p + f, so king - man + woman = queen
    exactly (all four have norm sqrt(2), so unit vectors keep the identity).
    """
    p, r, m, f, x, y = np.eye(6, dtype=np.float32)
    vectors = {
        "the": x + 0.1 * y,
        "king": r + m,
        "queen": r + f,
        "man": p + m,
        "woman": p + f,
        "prince": r + m + 0.3 * x,
        "apple": y,
        "pear": y + 0.2 * x,
    }
    return KeyedVectors(list(vectors), np.stack(list(vectors.values())))


def test_most_similar_excludes_query_and_matches_brute_force():
    model = random_model()
    got = model.most_similar("w7", topn=10)
    assert "w7" not in [w for w, _ in got]
    want = brute_force(model, model.vectors[7].astype(np.float64), {7})[:10]
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
    assert all(isinstance(s, float) for _, s in got)


def test_most_similar_batch_equals_single():
    model = random_model()
    words = ["w0", "w5", "w150", "w199"]
    batch = model.most_similar_batch(words, topn=7)
    for word, result in zip(words, batch, strict=True):
        single = model.most_similar(word, topn=7)
        assert [w for w, _ in result] == [w for w, _ in single]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in single], atol=1e-6)


def test_restrict_vocab_searches_only_the_most_frequent_words():
    model = random_model()
    got = model.most_similar("w150", topn=5, restrict_vocab=50)
    ids = [model.key_to_index[w] for w, _ in got]
    assert all(i < 50 for i in ids)
    want = brute_force(model, model.vectors[150].astype(np.float64), {150}, limit=50)[:5]
    assert [w for w, _ in got] == [w for w, _ in want]
    batch = model.most_similar_batch(["w150", "w3"], topn=5, restrict_vocab=50)
    assert [w for w, _ in batch[0]] == [w for w, _ in got]
    np.testing.assert_allclose([s for _, s in batch[0]], [s for _, s in got], atol=1e-6)
    assert [w for w, _ in batch[1]] == [
        w for w, _ in model.most_similar("w3", topn=5, restrict_vocab=50)
    ]
    assert "w3" not in [w for w, _ in batch[1]]


def test_top_n_larger_than_vocabulary_and_zero():
    model = random_model(n_words=6)
    assert len(model.most_similar("w0", topn=50)) == 5
    assert len(model.most_similar_batch(["w0", "w1"], topn=50)[1]) == 5
    assert model.most_similar("w0", topn=0) == []
    assert len(model.most_similar("w0", topn=3, restrict_vocab=2)) == 1


def test_list_query_is_mean_of_unit_vectors_and_vector_query_excludes_nothing():
    model = random_model()
    unit = model.vectors / np.linalg.norm(model.vectors, axis=1, keepdims=True)
    got = model.most_similar(["w1", "w2"], topn=5)
    want = brute_force(model, (unit[1] + unit[2]).astype(np.float64) / 2, {1, 2})[:5]
    assert [w for w, _ in got] == [w for w, _ in want]
    by_vector = model.most_similar(model.get_vector("w9"), topn=3)
    assert by_vector[0][0] == "w9"
    assert by_vector[0][1] == pytest.approx(1.0, abs=1e-5)


def test_vector_similarity_contains():
    model = random_model()
    np.testing.assert_array_equal(model.get_vector("w3"), model.vectors[3])
    unit = model.get_vector("w3", norm=True)
    assert np.linalg.norm(unit) == pytest.approx(1.0, abs=1e-6)
    assert model.similarity("w3", "w3") == pytest.approx(1.0, abs=1e-6)
    a, b = model.vectors[3].astype(np.float64), model.vectors[4].astype(np.float64)
    cos = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    assert model.similarity("w3", "w4") == pytest.approx(cos, abs=1e-6)
    assert "w3" in model and "nope" not in model


def test_cache_is_invalidated():
    model = random_model()
    before = model.most_similar("w0", topn=1)[0][0]
    target = model.key_to_index[before]
    model.vectors[5] = model.vectors[0] * 3  # w5 now points exactly like w0
    assert model.most_similar("w0", topn=1)[0][0] == before  # stale cache, by design
    model.vectors_changed()
    assert model.most_similar("w0", topn=1)[0] == ("w5", pytest.approx(1.0, abs=1e-6))
    assert target != 5 or before == "w5"


def test_analogy_3cosadd_on_handmade_vectors():
    model = royal_model()
    got = model.analogy("king", "man", "woman", topn=3)
    assert got[0][0] == "queen"
    assert got[0][1] == pytest.approx(1.0, abs=1e-6)
    assert not {"king", "man", "woman"} & {w for w, _ in got}
    # the reverse direction: queen - woman + man = king
    assert model.analogy("queen", "woman", "man", topn=1)[0][0] == "king"


def test_analogy_3cosmul_matches_formula():
    model = royal_model()
    got = model.analogy("king", "man", "woman", topn=4, method="3cosmul")
    assert got[0][0] == "queen"
    W = model.vectors.astype(np.float64)
    U = W / np.linalg.norm(W, axis=1, keepdims=True)
    ids = [model.key_to_index[w] for w in ("king", "man", "woman")]
    s = (U @ U[ids].T + 1) / 2  # columns: a, b, c
    score = s[:, 0] * s[:, 2] / (s[:, 1] + 1e-6)  # gensim's epsilon
    score[ids] = -np.inf
    order = np.argsort(-score, kind="stable")[:4]
    assert [w for w, _ in got] == [model.words[i] for i in order]
    np.testing.assert_allclose([v for _, v in got], score[order], rtol=1e-5)
    with pytest.raises(Exception, match="unknown analogy method"):
        model.analogy("king", "man", "woman", method="nope")


def test_unknown_word_message_suggests_a_spelling():
    model = royal_model()
    with pytest.raises(KeyError) as info:
        model.most_similar("kign")
    assert isinstance(info.value, UnknownWordError)
    assert str(info.value) == "'kign' is not in the vocabulary (did you mean 'king'?)"
    with pytest.raises(KeyError, match="did you mean 'queen'"):
        model.analogy("king", "man", "Queen")
    with pytest.raises(KeyError) as info:
        model.similarity("king", "zzzzzzzz")
    assert str(info.value) == "'zzzzzzzz' is not in the vocabulary"
    with pytest.raises(KeyError):
        model.most_similar_batch(["king", "qeen"])


def test_most_similar_cosmul_over_word_lists():
    model = random_model(300, 12, seed=3)
    # [a, c] minus [b] is exactly the 3CosMul analogy, words and scores
    got = model.most_similar_cosmul(["w4", "w9"], ["w2"], topn=15)
    assert got == model.analogy("w4", "w2", "w9", topn=15, method="3cosmul")
    # three positives and two negatives against the formula in float64
    pos, neg = ["w1", "w5", "w30"], ["w7", "w11"]
    W = model.vectors.astype(np.float64)
    U = W / np.linalg.norm(W, axis=1, keepdims=True)
    ids = [model.key_to_index[w] for w in pos + neg]
    s = (U @ U[ids].T + 1) / 2
    score = s[:, :3].prod(axis=1) / (s[:, 3:].prod(axis=1) + COSMUL_EPS)
    score[ids] = -np.inf
    order = np.argsort(-score, kind="stable")[:10]
    got = model.most_similar_cosmul(pos, neg, topn=10)
    assert [w for w, _ in got] == [model.words[i] for i in order]
    np.testing.assert_allclose([v for _, v in got], score[order], rtol=1e-5)
    # restrict_vocab searches only the most frequent words; unknown words say so
    assert all(
        model.key_to_index[w] < 50 for w, _ in model.most_similar_cosmul(["w1"], restrict_vocab=50)
    )
    with pytest.raises(KeyError, match="not in the vocabulary"):
        model.most_similar_cosmul(["w1", "nope"])
    with pytest.raises(Exception, match="at least one positive"):
        model.most_similar_cosmul([], ["w1"])


def test_suggest_lists_close_spellings():
    model = royal_model()
    assert model.suggest("kign") == ["king"]
    assert model.suggest("KING") == ["king"]  # the lower-case form first
    assert set(model.suggest("quen", 3)) >= {"queen"}
    assert model.suggest("zzzzzzzz", 5) == []
    assert model.suggest("king", 0) == []


def test_suggest_prefers_fewest_edits_then_the_more_frequent_word():
    # difflib alone ranks "kin" (0.86) above "king" (0.75) for "kign"; both are one edit away
    # (a deletion, a swap), and the more frequent word wins, as in a spelling corrector
    words = ["the", "of", "king", "sign", "kind", "kin"]  # in order of frequency
    vectors = np.random.default_rng(0).standard_normal((len(words), 4)).astype(np.float32)
    kv = KeyedVectors(words, vectors)
    assert kv.suggest("kign") == ["king"]
    assert kv.suggest("kign", 3) == ["king", "sign", "kin"]  # "kind" is two edits away
    assert kv.suggest("knig", 1) == ["king"]  # a swap; "kin" would take two edits
    assert _edits("kign", "king") == 1 and _edits("abc", "ca") == 3 and _edits("", "ab") == 2


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-5, 5), min_size=1, max_size=40),
    n=st.integers(0, 45),
)
def test_top_n_indices_is_a_stable_descending_sort(values, n):
    """With ties (small integers), the result is exactly a stable sort by descending score."""
    scores = np.array(values, dtype=np.float32)
    want = np.argsort(-scores, kind="stable")[:n]
    np.testing.assert_array_equal(top_n_indices(scores, n), want)
    both = top_n_indices(np.stack([scores, -scores]), n)
    np.testing.assert_array_equal(both[1], np.argsort(scores, kind="stable")[:n])


def test_assigning_a_new_matrix_refreshes_the_cache():
    model = random_model()
    model.most_similar("w0")
    new = model.vectors.copy()
    new[5] = new[0]
    model.vectors = new
    assert model.most_similar("w0", topn=1)[0] == ("w5", pytest.approx(1.0, abs=1e-6))

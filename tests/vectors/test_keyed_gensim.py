"""KeyedVectors against gensim's KeyedVectors: the same calls on the same vectors give the
same words and the same scores (within 1e-5), on random vectors and on vectors trained on
the planted sample corpus. Only the comparisons need gensim; they skip without it."""

from __future__ import annotations

import numpy as np
import pytest

from word2vec_numpy import KeyedVectors, Trainer, Vocabulary, Word2Vec
from word2vec_numpy.data.sample import generate_sample_sentences, sample_questions
from word2vec_numpy.errors import Word2VecError

TOL = 1e-5


# ----------------------------------------------------------------------------- the vectors


def random_vectors(n_words: int = 600, dim: int = 24, seed: int = 0) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n_words)]
    return KeyedVectors(words, rng.normal(size=(n_words, dim)).astype(np.float32))


@pytest.fixture(scope="module")
def trained() -> KeyedVectors:
    """``model.wv`` of a short skip-gram run on 400k tokens of the sample corpus (king -
    man + woman = queen holds, ~98% of the sample analogies are right)."""
    sentences = generate_sample_sentences(400_000, seed=3)
    vocab = Vocabulary(min_count=5).build(sentences)
    model = Word2Vec(vocab, embed_dim=32, seed=1)
    Trainer(model, vocab, vocab.encode(sentences), n_epochs=4, seed=1, quiet=True).train()
    return model.wv


@pytest.fixture(params=["random", "trained"])
def ours(request) -> KeyedVectors:
    return random_vectors() if request.param == "random" else request.getfixturevalue("trained")


def gensim_copy(kv: KeyedVectors):
    """gensim's KeyedVectors holding the same words and vectors (skips without gensim)."""
    gensim_models = pytest.importorskip("gensim.models")
    copy = gensim_models.KeyedVectors(kv.vector_size)
    copy.add_vectors(list(kv.index_to_key), np.array(kv.vectors))
    return copy


@pytest.fixture
def theirs(ours):
    return gensim_copy(ours)


def words_of(kv: KeyedVectors, *ids: int) -> list[str]:
    return [kv.index_to_key[i] for i in ids]


def some_words(kv: KeyedVectors) -> list[str]:
    """Frequent, middling and rare words; for the trained vectors, the royal family."""
    if "king" in kv:
        return ["king", "queen", "man", "woman", "paris", "france", "dog", "walked"]
    return words_of(kv, 0, 3, 17, 150, 333, 599, 42, 7)


TIE = 1e-6
"""Two words whose float32 scores differ by less than this may come in either order: the
sums are done in a different order than gensim's, and a whole-vocabulary ranking of the
trained vectors has such near-ties."""


def same_ranked(a, b) -> None:
    """Two ``[(word, score), ...]`` lists: the same words in the same order (two words swap
    places only in a near-tie, see TIE), scores within 1e-5."""
    assert len(a) == len(b)
    np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=TOL, atol=TOL)
    assert all(isinstance(s, float) for _, s in a)
    position = {w: i for i, (w, _) in enumerate(b)}
    for i, ((word, _), (want, score)) in enumerate(zip(a, b, strict=True)):
        if word != want:
            j = position.get(word)
            assert j is not None and abs(b[j][1] - score) < TIE, (i, word, want)


def same_array(a, b) -> None:
    assert isinstance(a, np.ndarray) and a.shape == np.shape(b)
    np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


# --------------------------------------------------------------------------- the container


def test_container_and_vectors(ours, theirs):
    w = some_words(ours)
    assert len(ours) == len(theirs)
    assert ours.index_to_key == list(theirs.index_to_key)
    assert ours.key_to_index == dict(theirs.key_to_index)
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.vector_size == theirs.vector_size
    for word in (w[0], w[-1], "not-a-word", 3.5):
        assert (word in ours) == (word in theirs)
    assert ["a"] not in ours  # gensim raises TypeError (unhashable)
    np.testing.assert_array_equal(ours[w[1]], theirs[w[1]])
    np.testing.assert_array_equal(ours[w[:3]], theirs[w[:3]])
    assert ours[w[:3]].shape == (3, ours.vector_size)
    for word in w:
        assert ours.get_index(word) == theirs.get_index(word)
        np.testing.assert_array_equal(ours.get_vector(word), theirs.get_vector(word))
        same_array(ours.get_vector(word, norm=True), theirs.get_vector(word, norm=True))
    assert ours.get_index("not-a-word", default=-7) == theirs.get_index("not-a-word", -7) == -7
    same_array(ours.get_normed_vectors(), theirs.get_normed_vectors())


def test_get_mean_vector(ours, theirs):
    w = some_words(ours)
    vector = np.linspace(-1, 1, ours.vector_size).astype(np.float32)
    calls = [
        dict(keys=w[:3]),
        dict(keys=w[:3], weights=[0.5, -2.0, 1.0]),
        dict(keys=w[:3], weights=np.array([0.5, -2.0, 1.0]), pre_normalize=False),
        dict(keys=[w[0], vector, "not-a-word"], post_normalize=True),
        dict(keys=[w[4], w[5]], pre_normalize=False, post_normalize=True),
    ]
    for kwargs in calls:
        same_array(ours.get_mean_vector(**kwargs), theirs.get_mean_vector(**kwargs))
    assert ours.get_mean_vector(w[:2]).dtype == np.float32
    with pytest.raises(KeyError, match="did you mean"):
        ours.get_mean_vector([w[0], w[1] + "x"], ignore_missing=False)
    with pytest.raises(Word2VecError, match="weights"):
        ours.get_mean_vector(w[:2], weights=[1.0])


# --------------------------------------------------------------------- nearest neighbours


def test_most_similar(ours, theirs):
    w = some_words(ours)
    vector = ours.get_vector(w[6]) * 3 + ours.get_vector(w[7])
    calls = [
        dict(positive=w[0]),
        dict(positive=[w[0]], topn=25),
        dict(positive=w[:3]),
        dict(positive=[w[0], w[3]], negative=[w[2]]),  # king + woman - man
        dict(positive=[w[0]], negative=w[2:5], topn=7),
        dict(negative=[w[1]]),
        dict(positive=[(w[0], 2.0), w[3]], negative=[(w[2], -0.5)]),  # weighted
        dict(positive=[(w[0], 1.0)], negative=[(w[2], 0.5)]),  # gensim: a pair's weight as given
        dict(positive=[vector]),
        dict(positive=[w[0], vector], negative=[vector * 0.5, w[5]]),
        dict(positive=[(vector, 0.3), w[1]]),
        dict(positive=np.stack([ours[w[0]], ours[w[1]]])),  # a matrix is a list of vectors
        dict(positive=[w[0], w[3]], negative=[w[2]], restrict_vocab=300),
        dict(positive=[w[6]], restrict_vocab=50),  # the query word lies outside the 50
        dict(positive=[w[0]], topn=len(ours) + 10),  # everything but the query word
        dict(positive=[w[0]], topn=len(ours) + 10, restrict_vocab=40),
    ]
    for kwargs in calls:
        same_ranked(ours.most_similar(**kwargs), theirs.most_similar(**kwargs))
    assert ours.most_similar(w[0], topn=0) == theirs.most_similar(w[0], topn=0) == []


def test_most_similar_topn_none_returns_all_similarities(ours, theirs):
    w = some_words(ours)
    for kwargs in (
        dict(positive=[w[0]]),
        dict(positive=[w[0], w[3]], negative=[w[2]]),
        dict(positive=[w[1]], restrict_vocab=77),
    ):
        got = ours.most_similar(topn=None, **kwargs)
        same_array(got, theirs.most_similar(topn=None, **kwargs))
        assert got.shape == (kwargs.get("restrict_vocab", len(ours)),)


def test_similar_by_word_key_and_vector(ours, theirs):
    w = some_words(ours)
    for word in w[:4]:
        same_ranked(ours.similar_by_word(word), theirs.similar_by_word(word))
        same_ranked(ours.similar_by_key(word, topn=3), theirs.similar_by_key(word, topn=3))
    vector = ours.get_vector(w[0]) - ours.get_vector(w[2])
    same_ranked(ours.similar_by_vector(vector), theirs.similar_by_vector(vector))
    same_ranked(
        ours.similar_by_vector(vector, topn=4, restrict_vocab=100),
        theirs.similar_by_vector(vector, topn=4, restrict_vocab=100),
    )
    same_array(
        ours.similar_by_vector(vector, topn=None), theirs.similar_by_vector(vector, topn=None)
    )
    # A word's own vector finds the word itself first (nothing is left out for a vector).
    assert ours.similar_by_vector(ours[w[1]], topn=1)[0][0] == w[1]


def test_most_similar_cosmul(ours, theirs):
    w = some_words(ours)
    vector = ours.get_vector(w[6]) * 0.5
    calls = [
        dict(positive=[w[0], w[3]], negative=[w[2]]),  # king : man :: ? : woman
        dict(positive=w[0]),  # one word: the same ranking as most_similar
        dict(positive=w[:3], topn=12),
        dict(positive=[w[0]], negative=[w[1], w[2]]),
        dict(positive=[w[0], vector], negative=[w[4]]),  # vectors are used as given
        dict(positive=[w[5]], negative=[vector]),
        dict(positive=[w[0], w[3]], negative=[w[2]], topn=len(ours) + 5),
    ]
    for kwargs in calls:
        same_ranked(ours.most_similar_cosmul(**kwargs), theirs.most_similar_cosmul(**kwargs))
    query = dict(positive=[w[0], w[3]], negative=[w[2]])
    all_scores = theirs.most_similar_cosmul(topn=None, **query)
    same_array(ours.most_similar_cosmul(topn=None, **query), all_scores)
    assert [x for x, _ in ours.most_similar_cosmul(w[0])] == [x for x, _ in ours.most_similar(w[0])]
    # restrict_vocab: gensim 4.4 accepts it but searches everything; ours searches the first
    # N words, which is gensim's ranking of all the scores cut to those N.
    n = 200
    got = ours.most_similar_cosmul(topn=5, restrict_vocab=n, **query)
    query_ids = {ours.key_to_index[x] for x in (w[0], w[2], w[3])}
    order = [i for i in np.argsort(-all_scores[:n], kind="stable") if i not in query_ids][:5]
    same_ranked(got, [(ours.index_to_key[i], float(all_scores[i])) for i in order])
    same_array(ours.most_similar_cosmul(topn=None, restrict_vocab=n, **query), all_scores[:n])


def test_analogy_is_most_similar_and_cosmul(ours, theirs):
    w = some_words(ours)
    a, b, c = w[0], w[2], w[3]  # king - man + woman
    same_ranked(ours.analogy(a, b, c), theirs.most_similar(positive=[a, c], negative=[b], topn=5))
    same_ranked(
        ours.analogy(a, b, c, method="3cosmul", topn=8),
        theirs.most_similar_cosmul(positive=[a, c], negative=[b], topn=8),
    )


# ---------------------------------------------------------------- similarities and distances


def test_similarity_distance_and_n_similarity(ours, theirs):
    w = some_words(ours)
    for x, y in ((w[0], w[1]), (w[2], w[7]), (w[4], w[4])):
        assert ours.similarity(x, y) == pytest.approx(float(theirs.similarity(x, y)), abs=TOL)
        assert ours.distance(x, y) == pytest.approx(float(theirs.distance(x, y)), abs=TOL)
    for ws1, ws2 in ((w[:2], w[2:4]), ([w[5]], w[:5]), (w[:3], w[:3])):
        got = ours.n_similarity(ws1, ws2)
        assert got == pytest.approx(float(theirs.n_similarity(ws1, ws2)), abs=TOL)


def test_distances(ours, theirs):
    w = some_words(ours)
    same_array(ours.distances(w[0]), theirs.distances(w[0]))
    same_array(ours.distances(w[0], w[1:6]), theirs.distances(w[0], w[1:6]))
    vector = ours[w[3]] + 0.5 * ours[w[4]]
    same_array(ours.distances(vector), theirs.distances(vector))
    same_array(ours.distances(vector, [w[0], w[3]]), theirs.distances(vector, [w[0], w[3]]))


def test_closer_than_and_rank(ours, theirs):
    w = some_words(ours)
    for x, y in ((w[0], w[1]), (w[0], w[7]), (w[6], w[2]), (w[3], w[3])):
        assert ours.closer_than(x, y) == theirs.closer_than(x, y)
        assert ours.rank(x, y) == theirs.rank(x, y)
    # the nearest neighbour has rank 1
    nearest = ours.most_similar(w[0], topn=1)[0][0]
    assert ours.rank(w[0], nearest) == 1 and ours.closer_than(w[0], nearest) == []


def test_doesnt_match_and_rank_by_centrality(ours, theirs):
    w = some_words(ours)
    for words in (w[:4], w[2:8], [w[0], w[1], w[2], w[6]], w[:1]):
        assert ours.doesnt_match(words) == theirs.doesnt_match(words)
        for use_norm in (True, False):
            a = ours.rank_by_centrality(words, use_norm=use_norm)
            b = theirs.rank_by_centrality(words, use_norm=use_norm)
            assert [x for _, x in a] == [x for _, x in b]
            np.testing.assert_allclose([s for s, _ in a], [s for s, _ in b], atol=TOL)


def test_unknown_words_are_left_out_with_a_warning_where_gensim_skips_them(ours, theirs):
    w = some_words(ours)
    unknown = w[1] + "x"
    with pytest.warns(UserWarning, match=f"left out: '{unknown}' is not in the vocabulary"):
        got = ours.doesnt_match([w[0], unknown, w[2], w[3], w[6]])
    assert got == theirs.doesnt_match([w[0], unknown, w[2], w[3], w[6]])
    with pytest.warns(UserWarning, match="did you mean"):
        got = ours.n_similarity([w[0], unknown], w[2:4])
    assert got == pytest.approx(float(theirs.n_similarity([w[0], unknown], w[2:4])), abs=TOL)
    with pytest.warns(UserWarning):
        a = ours.rank_by_centrality([unknown, *w[:3]])
    assert [x for _, x in a] == [x for _, x in theirs.rank_by_centrality([unknown, *w[:3]])]


def test_doesnt_match_finds_the_odd_one_out(trained):
    assert trained.doesnt_match(["king", "queen", "prince", "walked"]) == "walked"


# --------------------------------------------------------------------------- benchmarks


def analogy_file(tmp_path):
    """The sample questions (all in vocabulary) plus a section with unknown words, upper-case
    and mixed-case questions, a line that is not four words and an empty section."""
    text = sample_questions()
    text += (
        "\n: extra\nKING MAN QUEEN WOMAN\nking man queen zzzunknown\nParis France Madrid Spain\n"
    )
    text += "too few words\n\n: empty-section\n: gram1-last\nwalk walked cook cooked\n"
    path = tmp_path / "questions.txt"
    path.write_text(text)
    return path


def test_evaluate_word_analogies(tmp_path, trained):
    theirs = gensim_copy(trained)
    path = analogy_file(tmp_path)
    for kwargs in (
        {},
        dict(dummy4unknown=True),
        dict(case_insensitive=False),
        dict(case_insensitive=False, dummy4unknown=True),
        dict(restrict_vocab=400),  # leaves out some of the question words
        dict(restrict_vocab=400, dummy4unknown=True),
    ):
        score, sections = trained.evaluate_word_analogies(path, **kwargs)
        want_score, want_sections = theirs.evaluate_word_analogies(str(path), **kwargs)
        assert sections == want_sections, kwargs  # every question, in the same list
        assert score == pytest.approx(want_score, abs=1e-12)
    score, sections = trained.evaluate_word_analogies(path)
    assert 0.9 < score < 1 and sections[-1]["section"] == "Total accuracy"
    assert [s["section"] for s in sections[-4:-1]] == ["extra", "empty-section", "gram1-last"]
    assert ("KING", "MAN", "QUEEN", "WOMAN") in sections[-4]["correct"]
    asked = {}  # questions counted, by the options
    for kwargs in ({}, dict(dummy4unknown=True), dict(restrict_vocab=400)):
        total = trained.evaluate_word_analogies(path, **kwargs)[1][-1]
        asked[tuple(kwargs)] = len(total["correct"]) + len(total["incorrect"])
    # one question has an unknown word; restrict_vocab=400 leaves out many more
    assert asked[()] + 1 == asked[("dummy4unknown",)] and asked[("restrict_vocab",)] < asked[()]


def word_pairs_file(tmp_path, kv: KeyedVectors):
    """Pairs of sample-corpus words with noisy human-like scores, a header, a comment, pairs
    with unknown words and upper-case pairs."""
    rng = np.random.default_rng(5)
    lines = [line for line in sample_questions().splitlines() if not line.startswith(":")]
    words = sorted({w for line in lines for w in line.split()})
    lines = ["# word pairs for the test", "word1\tword2\tscore"]
    for _ in range(150):
        a, b = (str(x) for x in rng.choice(words, 2, replace=False))
        score = 5 + 4 * kv.similarity(a, b) + rng.normal()
        lines.append(f"{a}\t{b}\t{score:.2f}")
    lines += ["King\tQUEEN\t9.1", "dog\tzzzunknown\t3", "qqq\tdogs\t2.5", "cat\tcats"]
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_evaluate_word_pairs(tmp_path, trained):
    theirs = gensim_copy(trained)
    path = word_pairs_file(tmp_path, trained)
    for kwargs in (
        {},
        dict(dummy4unknown=True),
        dict(case_insensitive=False),
        dict(restrict_vocab=500),
        dict(restrict_vocab=500, dummy4unknown=True),
    ):
        (r, p_r), (rho, p_rho), oov = trained.evaluate_word_pairs(path, **kwargs)
        (want_r, want_p_r), (want_rho, want_p_rho), want_oov = theirs.evaluate_word_pairs(
            str(path), **kwargs
        )
        assert r == pytest.approx(want_r, abs=TOL) and rho == pytest.approx(want_rho, abs=TOL)
        # A p-value moves with its coefficient: relative agreement, to the coefficient's 1e-7.
        assert p_r == pytest.approx(want_p_r, rel=1e-4) and p_rho == pytest.approx(
            want_p_rho, rel=1e-4
        )
        assert oov == pytest.approx(want_oov, abs=1e-9), kwargs
        assert all(isinstance(x, float) for x in (r, p_r, rho, p_rho, oov))
    (r, p_r), _, oov = trained.evaluate_word_pairs(path)
    assert r > 0.5 and p_r < 1e-10  # the scores were made from the cosines
    assert 0 < oov < trained.evaluate_word_pairs(path, restrict_vocab=500)[2]
    assert trained.evaluate_word_pairs(path, dummy4unknown=True)[0][0] != r


def test_evaluate_word_pairs_takes_gensims_argument_order(tmp_path, trained):
    path = word_pairs_file(tmp_path, trained)
    assert trained.evaluate_word_pairs(path, "\t", "utf-8", 500) == trained.evaluate_word_pairs(
        path, restrict_vocab=500
    )
    with pytest.raises(Word2VecError, match="UTF-8"):
        trained.evaluate_word_pairs(path, encoding="latin-1")


# --------------------------------------------------------------------------------- files


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_both_ways(tmp_path, ours, theirs, binary):
    ours_file, theirs_file = tmp_path / "ours.w2v", tmp_path / "theirs.w2v"
    ours.save_word2vec_format(ours_file, binary=binary)
    theirs.save_word2vec_format(str(theirs_file), binary=binary)
    gensim_models = pytest.importorskip("gensim.models")
    for path in (ours_file, theirs_file):
        a = KeyedVectors.load_word2vec_format(path)  # binary or text: sniffed
        b = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert a.index_to_key == list(b.index_to_key) == ours.index_to_key
        np.testing.assert_array_equal(a.vectors, b.vectors)
        a = KeyedVectors.load_word2vec_format(path, binary=binary, limit=50)
        b = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary, limit=50)
        assert a.index_to_key == list(b.index_to_key) == ours.index_to_key[:50]
        np.testing.assert_array_equal(a.vectors, b.vectors)


def test_no_header_reads_glove_files_as_gensim_does(tmp_path, ours):
    """GloVe's text format: the word2vec text format without its first line."""
    path = tmp_path / "v.txt"
    ours.save_word2vec_format(path)
    glove = tmp_path / "glove.txt"
    glove.write_bytes(path.read_bytes().split(b"\n", 1)[1])
    a = KeyedVectors.load_word2vec_format(glove, no_header=True)
    assert a.index_to_key == ours.index_to_key
    np.testing.assert_array_equal(a.vectors, ours.vectors)
    blank_end = tmp_path / "blank_end.txt"  # (which gensim reads as one more, empty record)
    blank_end.write_bytes(glove.read_bytes() + b"\n\n")
    assert (
        KeyedVectors.load_word2vec_format(blank_end, no_header=True).index_to_key == a.index_to_key
    )
    assert len(KeyedVectors.load_word2vec_format(glove, no_header=True, limit=7)) == 7
    gensim_models = pytest.importorskip("gensim.models")
    b = gensim_models.KeyedVectors.load_word2vec_format(str(glove), binary=False, no_header=True)
    assert list(b.index_to_key) == a.index_to_key
    np.testing.assert_array_equal(a.vectors, b.vectors)
    (tmp_path / "bad.txt").write_bytes(b"a 1 2\nb 1 x\n")
    with pytest.raises(Word2VecError, match="line 2: 'x' is not a number"):
        KeyedVectors.load_word2vec_format(tmp_path / "bad.txt", no_header=True)
    with pytest.raises(Word2VecError, match="not binary"):
        KeyedVectors.load_word2vec_format(glove, binary=True, no_header=True)


def test_save_load_round_trip(tmp_path, ours):
    loaded = KeyedVectors.load(ours.save(tmp_path / "vectors"))
    assert loaded.index_to_key == ours.index_to_key
    np.testing.assert_array_equal(loaded.vectors, ours.vectors)
    w = some_words(ours)
    same_ranked(loaded.most_similar(w[0]), ours.most_similar(w[0]))


def test_load_word2vec_format_limit_checks(tmp_path):
    kv = random_vectors(n_words=20, dim=3)
    path = tmp_path / "v.txt"
    kv.save_word2vec_format(path)
    assert len(KeyedVectors.load_word2vec_format(path, limit=100)) == 20
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(Word2VecError, match="limit"):
            KeyedVectors.load_word2vec_format(path, limit=bad)


# ------------------------------------------------------------------------ unknown words


def test_unknown_words_raise_key_error_with_a_suggestion(trained):
    """Every method that takes words: a KeyError whose message suggests the spelling."""
    kv = trained
    calls = [
        lambda: kv["qeen"],
        lambda: kv[["king", "qeen"]],
        lambda: kv.get_index("qeen"),
        lambda: kv.get_vector("qeen", norm=True),
        lambda: kv.most_similar("qeen"),
        lambda: kv.most_similar(positive=["king"], negative=["qeen"]),
        lambda: kv.most_similar(positive=[("qeen", 2.0)]),
        lambda: kv.most_similar("qeen", topn=0),  # checked before topn
        lambda: kv.similar_by_word("qeen"),
        lambda: kv.most_similar_cosmul(positive=["king", "qeen"], negative=["man"]),
        lambda: kv.analogy("king", "man", "qeen"),
        lambda: kv.similarity("king", "qeen"),
        lambda: kv.distance("qeen", "king"),
        lambda: kv.n_similarity(["king"], ["qeen", "qeeen"]),  # no known word on one side
        lambda: kv.distances("qeen"),
        lambda: kv.distances("king", ["man", "qeen"]),
        lambda: kv.closer_than("king", "qeen"),
        lambda: kv.rank("qeen", "king"),
        lambda: kv.doesnt_match(["qeen"]),
        lambda: kv.rank_by_centrality(["qeen", "qeeen"]),
        lambda: kv.get_mean_vector(["king", "qeen"], ignore_missing=False),
    ]
    for call in calls:
        with pytest.raises(KeyError) as info:
            call()
        assert str(info.value) == "'qeen' is not in the vocabulary (did you mean 'queen'?)"
    with pytest.raises(KeyError, match="did you mean 'king'"):
        kv.most_similar("King")


def test_positions_as_keys_as_gensim_takes_them(ours, theirs):
    """wv[0], wv[[0, word]] and get_index(0) as gensim; other keys are a clear TypeError."""
    word = ours.index_to_key[5]
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[[0, word]], theirs[[0, word]])
    assert ours.get_index(3) == theirs.get_index(3) == 3
    with pytest.raises(KeyError, match="position 100000 is outside"):
        ours[100_000]
    for bad in (None, 1.5, b"king", True):
        with pytest.raises(TypeError, match="a key is a word"):
            ours[bad]


def test_bad_arguments_are_one_line_errors():
    kv = random_vectors(n_words=30, dim=4)
    for call, message in [
        (lambda: kv.most_similar(), "needs a word"),
        (lambda: kv.most_similar([("w1", "heavy")]), "pairs"),
        (lambda: kv.most_similar([3]), "pairs"),
        (lambda: kv.most_similar("w1", topn=2.5), "topn"),
        (lambda: kv.most_similar("w1", restrict_vocab=0), "restrict_vocab"),
        (lambda: kv.most_similar_cosmul(negative=["w1"]), "positive"),
        (lambda: kv.most_similar_cosmul([("w1", 1.0)]), "words or vectors"),
        (lambda: kv.similar_by_vector(np.zeros(5)), "shape"),
        (lambda: kv.n_similarity([], ["w1"]), "non-empty"),
        (lambda: kv.doesnt_match([]), "empty"),
        (lambda: kv.get_mean_vector([]), "no words"),
        (lambda: kv.analogy("w1", "w2", "w3", method="x"), "unknown analogy method"),
    ]:
        with pytest.raises(Word2VecError, match=message) as info:
            call()
        # also a ValueError, as gensim raises for bad arguments: its users' handlers work
        assert isinstance(info.value, ValueError), message

"""Analogy and word-pair benchmarks (evaluate.py), including equivalence with gensim."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy import KeyedVectors
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.vectors.evaluate import (
    evaluate_analogies,
    evaluate_analogy_text,
    evaluate_model_analogies,
    evaluate_model_word_pairs,
    evaluate_word_pairs,
    pearson,
    rankdata,
    spearman,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
QUESTIONS = DATA / "questions-words.txt"
PAIR_FILES = [DATA / "wordsim353.tsv", DATA / "simlex999.txt"]
CORPUS = DATA / "corpus1m.txt"


def needs(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} not available")


def single_thread():
    """BLAS/OpenMP threads spinning on a busy machine make gensim's many small products
    dozens of times slower; one thread keeps the comparison tests fast."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


# --------------------------------------------------------------------- handmade analogies


def toy_space() -> tuple[list[str], np.ndarray]:
    """2-D-ish vectors where the offset 'capital -> country' is exact for some pairs.

    paris = (1, 0, 0), france = (1, 1, 0), berlin = (0, 0, 1), germany = (0, 1, 1), so
    france - paris + berlin = germany. rome/italy break the pattern (italy is elsewhere).
    """
    vectors = {
        "paris": [1, 0, 0, 0],
        "france": [1, 1, 0, 0],
        "berlin": [0, 0, 1, 0],
        "germany": [0, 1, 1, 0],
        "rome": [1, 0, 1, 0],
        "italy": [0, 0, 0, 1],
        "good": [0, 0.2, 0, 1],
        "better": [0, 1.2, 0, 1],
        "bad": [0.5, 0, 0, 1],
        "worse": [0.5, 1, 0, 1],
        "rare": [1, 1, 1, 1],
    }
    return list(vectors), np.array(list(vectors.values()), dtype=np.float32)


QUESTIONS_TEXT = """\
: capital-country
paris france berlin germany
berlin germany paris france
paris france rome italy
paris france tokyo japan
: gram3-comparative
good better bad worse
bad worse good better
this line is invalid for having five words
: empty-section
"""


def test_handmade_analogies(tmp_path):
    words, vectors = toy_space()
    path = tmp_path / "q.txt"
    path.write_text(QUESTIONS_TEXT)
    r = evaluate_analogies(words, vectors, path)
    assert [s["section"] for s in r["sections"]] == [
        "capital-country",
        "gram3-comparative",
        "empty-section",
    ]
    cap, comp, empty = r["sections"]
    assert (cap["correct"], cap["total"], cap["kind"]) == (2, 3, "semantic")
    assert (comp["correct"], comp["total"], comp["kind"]) == (2, 2, "syntactic")
    assert (empty["correct"], empty["total"], empty["accuracy"]) == (0, 0, 0.0)
    assert (r["correct"], r["total"]) == (4, 5)
    assert r["accuracy"] == pytest.approx(0.8)
    assert r["semantic"] == {"correct": 2, "total": 3, "accuracy": pytest.approx(2 / 3)}
    assert r["syntactic"]["accuracy"] == 1.0
    assert (r["questions"], r["skipped"], r["invalid_lines"]) == (6, 1, 1)
    assert r["oov_ratio"] == pytest.approx(100 / 6)

    # restrict_vocab=4 keeps only paris, france, berlin, germany
    r4 = evaluate_analogies(words, vectors, path, restrict_vocab=4)
    assert (r4["correct"], r4["total"], r4["skipped"]) == (2, 2, 4)

    # the wrappers take a model; text questions work too
    model = KeyedVectors(words, vectors)
    assert evaluate_model_analogies(model, path)["correct"] == 4
    assert evaluate_analogy_text(words, vectors, QUESTIONS_TEXT)["correct"] == 4


def test_case_handling_uses_the_most_frequent_variant(tmp_path):
    words, vectors = toy_space()
    # 'France' (more frequent, listed first) points the wrong way (like italy). Matching
    # case-insensitively, the question's FRANCE means 'France'; case-sensitively 'france'.
    words = ["France"] + words
    vectors = np.vstack([[[0, 0, 0, 1]], vectors]).astype(np.float32)
    path = tmp_path / "q.txt"
    path.write_text(": capital-country\nparis france berlin germany\n")
    assert evaluate_analogies(words, vectors, path)["correct"] == 0
    sensitive = evaluate_analogies(words, vectors, path, case_insensitive=False)
    assert (sensitive["correct"], sensitive["total"]) == (1, 1)
    # As in gensim, a prediction is compared by key: predicting 'germany' answers GERMANY
    # even though the key's vector is that of a more frequent variant 'Germany'.
    words = ["Germany"] + words[1:]
    path.write_text(": capital-country\nParis France Berlin Germany\n")
    assert evaluate_analogies(words, vectors, path)["correct"] == 1


def test_analogy_file_errors(tmp_path):
    words, vectors = toy_space()
    bad = tmp_path / "bad.txt"
    bad.write_text("paris france berlin germany\n")
    with pytest.raises(Word2VecError, match=r"bad.txt, line 1: .*section"):
        evaluate_analogies(words, vectors, bad)
    with pytest.raises(Word2VecError, match="no such file"):
        evaluate_analogies(words, vectors, tmp_path / "missing.txt")
    bad.write_bytes(b": s\npar\xffis france berlin germany\n")
    with pytest.raises(Word2VecError, match="line 2: not valid UTF-8"):
        evaluate_analogies(words, vectors, bad)
    bad.write_text(": only a header\n")
    with pytest.raises(Word2VecError, match="no analogy questions"):
        evaluate_analogies(words, vectors, bad)
    with pytest.raises(Word2VecError, match="one vector per word"):
        evaluate_analogies(words[:3], vectors, bad)


# -------------------------------------------------------------------------- word pairs


def test_rank_correlations_match_scipy_with_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 6, size=40).astype(float)  # many ties
        y = x + rng.integers(-3, 4, size=40)
        np.testing.assert_allclose(rankdata(x), stats.rankdata(x))
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
        assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_handmade_word_pairs(tmp_path):
    stats = pytest.importorskip("scipy.stats")
    words, vectors = toy_space()
    path = tmp_path / "pairs.tsv"
    path.write_text(
        "# a comment\n"
        "Word 1\tWord 2\tHuman (mean)\n"
        "paris\tfrance\t7.0\n"
        "PARIS\tberlin\t5.0\n"
        "good\tbetter\t7.0\n"
        "bad\tworse\t6.0\n"
        "italy\trome\t2.5\n"
        "paris\tunknownword\t3.0\n"
        "too\tmany\tfields\there\n"
    )
    r = evaluate_word_pairs(words, vectors, path)
    assert (r["pairs"], r["oov"], r["total"]) == (5, 1, 6)
    assert r["oov_ratio"] == pytest.approx(100 / 6)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = {w: i for i, w in enumerate(words)}
    pairs = [("paris", "france"), ("paris", "berlin"), ("good", "better"), ("bad", "worse")]
    pairs.append(("italy", "rome"))
    model = [unit[ids[a]] @ unit[ids[b]] for a, b in pairs]
    gold = [7.0, 5.0, 7.0, 6.0, 2.5]
    assert r["spearman"] == pytest.approx(stats.spearmanr(gold, model)[0], abs=1e-6)
    assert r["pearson"] == pytest.approx(stats.pearsonr(gold, model)[0], abs=1e-6)
    sensitive = evaluate_word_pairs(words, vectors, path, case_insensitive=False)
    assert sensitive["oov"] == 2  # PARIS is unknown when case matters
    model_r = evaluate_model_word_pairs(KeyedVectors(words, vectors), path)
    assert model_r["spearman"] == r["spearman"]
    path.write_text("# nothing usable\nfoo\tbar\t1\n")
    with pytest.raises(Word2VecError, match="no usable word pairs"):
        evaluate_word_pairs(words, vectors, path)


# ------------------------------------------------------------------- gensim equivalence


def planted_vectors(dim: int = 24, noise: float = 1.1, seed: int = 0):
    """Vectors for every word of questions-words.txt with each section's relation planted as
    a noisy offset (so answers are right or wrong in interesting proportions), plus case
    variants close to their word (listed before or after it: they compete as candidates
    and test the first-variant rule) and random distractor words, in a shuffled order."""
    rng = np.random.default_rng(seed)
    vec: dict[str, np.ndarray] = {}
    offset = None
    for line in QUESTIONS.read_text().splitlines():
        if line.startswith(": "):
            offset = rng.normal(size=dim)
            continue
        a, b, c, d = line.split()
        for x, y in ((a, b), (c, d)):
            vec.setdefault(x, rng.normal(size=dim))
            vec.setdefault(y, vec[x] + offset + noise * rng.normal(size=dim))
    words = list(vec)
    rng.shuffle(words)
    for i in rng.choice(len(words), len(words) // 4, replace=False):
        w = words[i]
        variant = w.lower() if w != w.lower() else w.capitalize()
        if variant not in vec:
            vec[variant] = vec[w] + 0.3 * rng.normal(size=dim)
            words.insert(int(rng.integers(len(words))), variant)
    for k in range(300):
        vec[f"distractor{k}"] = rng.normal(size=dim)
        words.insert(int(rng.integers(len(words))), f"distractor{k}")
    return words, np.array([vec[w] for w in words], dtype=np.float32)


def gensim_kv(words, vectors):
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    return kv


def assert_same_as_gensim(words, vectors, kv, path, **kwargs):
    with single_thread():
        score, sections = kv.evaluate_word_analogies(str(path), **kwargs)
    ours = evaluate_analogies(words, vectors, path, **kwargs)
    theirs = [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
        for s in sections[:-1]
    ]
    assert [(s["section"], s["correct"], s["total"]) for s in ours["sections"]] == theirs
    total = sections[-1]
    assert ours["correct"] == len(total["correct"])
    assert ours["total"] == len(total["correct"]) + len(total["incorrect"])
    assert round(ours["accuracy"], 4) == round(score, 4)
    return ours


def test_analogies_match_gensim_on_planted_vectors():
    needs(QUESTIONS)
    words, vectors = planted_vectors()
    kv = gensim_kv(words, vectors)
    full = assert_same_as_gensim(words, vectors, kv, QUESTIONS, restrict_vocab=30000)
    assert full["skipped"] == 0 and 0.3 < full["accuracy"] < 0.9  # a non-trivial mix
    small = assert_same_as_gensim(words, vectors, kv, QUESTIONS, restrict_vocab=700)
    assert 0 < small["total"] < full["total"]
    sensitive = assert_same_as_gensim(
        words, vectors, kv, QUESTIONS, restrict_vocab=30000, case_insensitive=False
    )
    assert sensitive["accuracy"] != full["accuracy"]  # the case variants do matter


def test_word_pairs_match_gensim():
    for path in PAIR_FILES:
        needs(path)
    rng = np.random.default_rng(1)
    words = sorted(
        {
            w
            for p in PAIR_FILES
            for line in p.read_text().splitlines()[2:]
            for w in line.split("\t")[:2]
        }
    )
    words = [w for w in words if rng.random() < 0.8]  # some pairs out of vocabulary
    words += [w.upper() for w in words[:50] if w.upper() not in words]  # case variants
    vectors = rng.normal(size=(len(words), 16)).astype(np.float32)
    kv = gensim_kv(words, vectors)
    for path in PAIR_FILES:
        for kwargs in ({}, {"case_insensitive": False}, {"restrict_vocab": 400}):
            with single_thread():
                p, s, oov = kv.evaluate_word_pairs(str(path), **kwargs)
            r = evaluate_word_pairs(words, vectors, path, **kwargs)
            # float32 cosines are summed in a different order than gensim's: a near-tie
            # can swap two ranks, which moves Spearman by ~1e-6.
            assert r["pearson"] == pytest.approx(p[0], abs=1e-5)
            assert r["spearman"] == pytest.approx(s[0], abs=1e-5)
            assert r["oov_ratio"] == pytest.approx(oov, abs=1e-9)


def test_trained_model_matches_gensim():
    """A real (if quick) gensim model trained on 1M tokens: analogies and pairs agree."""
    for path in [QUESTIONS, CORPUS, *PAIR_FILES]:
        needs(path)
    gensim_models = pytest.importorskip("gensim.models")
    word2vec = pytest.importorskip("gensim.models.word2vec")
    with single_thread():
        model = gensim_models.Word2Vec(
            word2vec.LineSentence(str(CORPUS)),
            vector_size=50,
            min_count=5,
            epochs=1,
            workers=1,
            seed=1,
        )
    kv = model.wv
    words, vectors = list(kv.index_to_key), kv.vectors
    r = assert_same_as_gensim(words, vectors, kv, QUESTIONS, restrict_vocab=30000)
    assert r["total"] > 1000
    for path in PAIR_FILES:
        with single_thread():
            p, s, oov = kv.evaluate_word_pairs(str(path))
        ours = evaluate_word_pairs(words, vectors, path)
        assert ours["pearson"] == pytest.approx(p[0], abs=1e-5)
        assert ours["spearman"] == pytest.approx(s[0], abs=1e-5)
        assert ours["oov_ratio"] == pytest.approx(oov, abs=1e-9)

"""Analogy and word-pair benchmarks (evaluate.py), including equivalence with gensim."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy import KeyedVectors
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.vectors.evaluate import (
    check_analogy_file,
    check_word_pairs_file,
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
    assert (r["questions"], r["skipped"], r["malformed_lines"]) == (6, 1, 1)
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


# ------------------------------------------------------- benchmark files you can trust


def test_malformed_question_lines_are_counted_and_shown(tmp_path):
    from word2vec_numpy.cli.common import analogy_table as _analogy_table

    words, vectors = toy_space()
    path = tmp_path / "q.txt"
    path.write_text(
        ": capital-country\nparis france berlin germany\n\nparis france berlin\n"
        "a b c d e\nberlin germany paris france\n"
    )
    r = evaluate_analogies(words, vectors, path)
    assert (r["questions"], r["malformed_lines"]) == (2, 2)  # the blank line is harmless
    assert "ignored 2 malformed lines" in _analogy_table(r)
    r = evaluate_analogy_text(words, vectors, QUESTIONS_TEXT)
    assert r["malformed_lines"] == 1 and "malformed" in _analogy_table(r)


@pytest.mark.parametrize(
    ("encoding", "line_end"),
    [
        ("utf-8-sig", "\n"),
        ("utf-16", "\n"),
        ("utf-16-le-bom", "\r\n"),
        ("utf-32", "\r"),
        ("utf-8", "\r"),
    ],
)
def test_questions_in_any_unicode_encoding_and_line_ends(tmp_path, encoding, line_end):
    words, vectors = toy_space()
    text = QUESTIONS_TEXT.replace("\n", line_end)
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    else:
        data = text.encode(encoding)
    path = tmp_path / "q.txt"
    path.write_bytes(data)
    expected = evaluate_analogy_text(words, vectors, QUESTIONS_TEXT)
    r = evaluate_analogies(words, vectors, path)
    assert r == {**expected, "source": str(path)}
    # evaluate_analogy_text skips a byte-order mark too
    assert evaluate_analogy_text(words, vectors, "\ufeff" + QUESTIONS_TEXT)["correct"] == 4


def test_pairs_file_with_a_byte_order_mark_and_bad_utf16(tmp_path):
    words, vectors = toy_space()
    path = tmp_path / "p.tsv"
    path.write_bytes("\ufeffparis\tfrance\t7\ngood\tbetter\t3\nbad\tworse\t1\n".encode())
    assert evaluate_word_pairs(words, vectors, path)["pairs"] == 3
    path.write_bytes(b"\xff\xfe" + "paris\tfrance\t7\n".encode("utf-16-le") + b"\x00\xdc")
    with pytest.raises(Word2VecError, match="not valid UTF-16"):
        evaluate_word_pairs(words, vectors, path)


def test_a_long_line_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    from word2vec_numpy.vectors import evaluate

    words, vectors = toy_space()
    path = tmp_path / "q.txt"
    path.write_text(": s\nparis france berlin germany\n" + "x" * 70_000 + "\n")
    with pytest.raises(Word2VecError, match=r"q.txt, line 3: longer than 65536"):
        evaluate_analogies(words, vectors, path)
    monkeypatch.setattr(evaluate, "MAX_LINE_LENGTH", 10)
    path.write_text("p\tq\t1\nparis\tfrance\t7 and far too much\n")
    with pytest.raises(Word2VecError, match=r"line 2: longer than 10"):
        evaluate_word_pairs(words, vectors, path)


LONG_LINE_CHILD = """
import resource, sys
import numpy as np
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.vectors.evaluate import evaluate_analogies, evaluate_word_pairs
evaluate = evaluate_analogies if sys.argv[2] == "analogies" else evaluate_word_pairs
try:
    evaluate(["a", "b"], np.eye(2, dtype=np.float32), sys.argv[1])
except Word2VecError as exc:
    print(exc)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


@pytest.mark.parametrize("kind", ["analogies", "pairs"])
def test_a_50mb_line_takes_no_memory(tmp_path, python_child, kind):
    path = tmp_path / "big.txt"
    with open(path, "wb") as f:
        f.write(b": s\n" if kind == "analogies" else b"a\tb\t1\n")
        for _ in range(50):
            f.write(b"a" * 1_000_000)
    small = tmp_path / "small.txt"
    small.write_text(": s\na b a b\n" if kind == "analogies" else "a\tb\t1\nb\ta\t2\n")
    runs = [
        python_child(["-c", LONG_LINE_CHILD, str(p), kind], address_space=1 << 30)
        for p in (small, path)
    ]
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    message, peak = runs[1].stdout.splitlines()
    assert "line 2: longer than" in message
    base = int(runs[0].stdout.splitlines()[-1])
    assert int(peak) - base < 10 << 20, (peak, base)


def test_non_finite_scores_are_left_out_and_counted(tmp_path):
    words, vectors = toy_space()
    good = "paris\tfrance\t7\ngood\tbetter\t3\nbad\tworse\t1\nitaly\trome\t2\n"
    path = tmp_path / "p.tsv"
    path.write_text(good)
    clean = evaluate_word_pairs(words, vectors, path)
    path.write_text(good + "paris\tberlin\tnan\nrome\tgood\tinf\nbad\tbetter\t-Infinity\n")
    r = evaluate_word_pairs(words, vectors, path)
    assert r["invalid_scores"] == 3 and clean["invalid_scores"] == 0
    assert (r["spearman"], r["pearson"], r["pairs"]) == (
        clean["spearman"],
        clean["pearson"],
        clean["pairs"],
    )
    path.write_text("paris\tfrance\tnan\n")
    with pytest.raises(Word2VecError, match="1 with a score that is not a finite number"):
        evaluate_word_pairs(words, vectors, path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("paris\tfrance\t7\n", "fewer than 2 pairs"),
        ("paris\tfrance\t5\ngood\tbetter\t5\n", "every human score is the same"),
        ("paris\tfrance\t5\nparis\tfrance\t6\n", "every model similarity is the same"),
    ],
)
def test_an_undefined_correlation_is_null_with_a_reason(tmp_path, content, reason):
    import json

    from word2vec_numpy.cli.common import pairs_table as _pairs_table

    words, vectors = toy_space()
    path = tmp_path / "p.tsv"
    path.write_text(content)
    r = evaluate_word_pairs(words, vectors, path)
    assert r["spearman"] is None and r["pearson"] is None
    assert r["spearman_undefined"] == r["pearson_undefined"] == reason
    text = json.dumps(r, allow_nan=False)  # valid JSON: no NaN anywhere
    assert '"spearman": null' in text
    assert f"correlation undefined ({reason})" in _pairs_table([r])
    from word2vec_numpy.vectors.keyed import KeyedVectors

    (pearson_r, _), (spearman_rho, _), _ = KeyedVectors(words, vectors).evaluate_word_pairs(path)
    assert np.isnan(pearson_r) and np.isnan(spearman_rho)  # gensim's shape and values
    defined = tmp_path / "d.tsv"
    defined.write_text("paris\tfrance\t7\ngood\tbetter\t3\nbad\tworse\t1\n")
    d = evaluate_word_pairs(words, vectors, defined)
    assert d["spearman_undefined"] is None and isinstance(d["spearman"], float)


def test_benchmark_files_are_checked_before_any_vectors(tmp_path, expect_one_line_error):
    """``train --evaluate`` checks its files first with the same reader and parser."""
    questions = tmp_path / "q.txt"
    questions.write_text(": capital-world\nAthens Greece Baghdad Iraq\n", encoding="utf-16")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("# comment\nWord 1\tWord 2\tHuman\nold\tnew\t1.58\n", encoding="utf-8-sig")
    check_analogy_file(questions)
    check_word_pairs_file(pairs)
    assert "no such file" in expect_one_line_error(lambda: check_analogy_file(tmp_path / "no"))
    message = expect_one_line_error(lambda: check_analogy_file(pairs))
    assert "question before the first ': section' line" in message
    assert "no word pairs" in expect_one_line_error(lambda: check_word_pairs_file(questions))
    only_nan = tmp_path / "nan.tsv"
    only_nan.write_text("a\tb\tnan\n")
    assert "no word pairs" in expect_one_line_error(lambda: check_word_pairs_file(only_nan))
    late = tmp_path / "late.txt"  # the first question after the lines looked at
    late.write_text(": s\n" + "\n" * 50 + "a b c d\n")
    check_analogy_file(late)
    message = expect_one_line_error(lambda: check_analogy_file(late, max_lines=10))
    assert "no analogy questions in its first 10 lines" in message
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\xff\xfe\x00" + bytes(range(200)))
    expect_one_line_error(lambda: check_analogy_file(binary))


@pytest.mark.parametrize("path", [QUESTIONS, *PAIR_FILES])
def test_the_real_benchmark_files_pass_the_check(path):
    needs(path)
    check = check_analogy_file if path == QUESTIONS else check_word_pairs_file
    check(path)

"""Tests of phrase detection (word2vec_numpy.data.phrases) and the ``phrases`` command."""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy.cli.phrases import register
from word2vec_numpy.data.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
from word2vec_numpy.data.text import iter_sentences
from word2vec_numpy.errors import Word2VecError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CORPUS1M = DATA / "corpus1m.txt"

# Unigrams a=3, b=3, c=3, d=3; pairs ab=3, bc=1, bd=1, cd=2 (none across sentences).
# So |V| = 4 words + 4 pairs = 8 entries and N = 12 tokens.
SMALL = [["a", "b", "c"], ["a", "b", "d"], ["a", "b"], ["c", "d"], ["c", "d"]]


# ----------------------------------------------------------------------------- scores


def test_default_score_hand_worked():
    p = Phrases(min_count=1, threshold=1.0).learn(SMALL)
    assert p.corpus_word_count == 12
    assert p.vocab_size == 8
    # (n(ab) - min_count) / (n(a) n(b)) * |V|
    assert p.score("a", "b") == (3 - 1) / (3 * 3) * 8 == pytest.approx(16 / 9)
    assert p.score("c", "d") == (2 - 1) / (3 * 3) * 8 == pytest.approx(8 / 9)
    assert p.score("b", "c") == 0.0  # seen min_count times: scores 0
    assert p.score("d", "a") == -math.inf  # never seen (d ends its sentences)
    assert p.export_phrases() == {"a_b": 16 / 9}  # 8/9 is not above threshold 1
    low = Phrases(min_count=1, threshold=0.5).learn(SMALL)
    assert set(low.export_phrases()) == {"a_b", "c_d"}
    assert low[["a", "b", "c", "d"]] == ["a_b", "c_d"]
    # min_count 3: n(cd) = 2 < 3 gives a negative score; ab scores 0, not above 0.5
    strict = Phrases(min_count=3, threshold=0.5).learn(SMALL)
    assert strict.score("c", "d") == (2 - 3) / 9 * 8
    assert strict.export_phrases() == {}


def test_npmi_score_hand_worked():
    p = Phrases(min_count=1, threshold=0.5, scoring="npmi").learn(SMALL)
    # p(x) = n(x) / 12;  npmi = ln(p(ab) / (p(a) p(b))) / -ln(p(ab))
    # a and b always occur together: ln(4) / ln(4) = 1
    assert p.score("a", "b") == pytest.approx(1.0, abs=1e-15)
    # cd: ln((2/12) / (3/12 * 3/12)) / -ln(2/12) = ln(8/3) / ln(6) = 0.54741...
    assert p.score("c", "d") == pytest.approx(math.log(8 / 3) / math.log(6), rel=1e-14)
    assert p.score("c", "d") == pytest.approx(0.547411, abs=1e-6)
    # bc: ln(4/3) / ln(12) = 0.11577...
    assert p.score("b", "c") == pytest.approx(math.log(4 / 3) / math.log(12), rel=1e-14)
    assert p.score("b", "c") == pytest.approx(0.115772, abs=1e-6)
    assert set(p.export_phrases()) == {"a_b", "c_d"}
    # below min_count: -inf, whatever the association
    assert Phrases(min_count=2, scoring="npmi", threshold=0).learn(SMALL).score("b", "c") == (
        -math.inf
    )


def test_bad_parameters_are_user_errors():
    for kwargs in (
        {"threshold": 0},
        {"threshold": -1},
        {"scoring": "npmi", "threshold": 1.5},
        {"scoring": "pmi"},
        {"min_count": 0},
        {"delimiter": ""},
        {"connector_words": "of the"},
    ):
        with pytest.raises(Word2VecError):
            Phrases(**kwargs)
    with pytest.raises(Word2VecError):
        Phrases().learn(["not", "a", "list", "of", "sentences"])


# ------------------------------------------------------------------ greedy application


def test_greedy_left_to_right_like_gensim():
    sents = [["x", "y", "z"]] * 5 + [["y", "z", "w"]] * 5 + [["q"]] * 20
    p = Phrases(min_count=1, threshold=0.5).learn(sents)
    assert {"x_y", "y_z"} <= set(p.export_phrases())
    assert p[["x", "y", "z"]] == ["x_y", "z"]  # y is taken, cannot start y_z
    assert p[["q", "y", "z", "w"]] == ["q", "y_z", "w"]
    assert p[[]] == []
    assert p[["unknown", "x", "y"]] == ["unknown", "x_y"]
    sentences = [["x", "y"], [], ["y", "z"], ["z"]]
    assert list(p.apply(sentences)) == [["x_y"], [], ["y_z"], ["z"]]
    # a pair never spans two sentences
    assert list(p.apply([["w", "x"], ["y", "q"]])) == [["w", "x"], ["y", "q"]]


# -------------------------------------------------------------------- connector words


def _bank_corpus() -> list[list[str]]:
    rng = random.Random(3)
    filler = [f"w{i}" for i in range(30)]
    sentences = []
    for i in range(200):
        s = [rng.choice(filler) for _ in range(6)]
        if i % 4 == 0:
            s[3:3] = ["bank", "of", "america"]
        if i % 5 == 0:
            s[1:1] = ["the", "of", "the"]
        sentences.append(s)
    return sentences


def test_connector_words_bank_of_america():
    sentences = _bank_corpus()
    p = Phrases(min_count=5, threshold=10, connector_words=ENGLISH_CONNECTOR_WORDS)
    p.learn(sentences)
    phrases = p.export_phrases()
    assert "bank_of_america" in phrases
    assert p[["the", "bank", "of", "america", "w1"]] == ["the", "bank_of_america", "w1"]
    # the pair is keyed with its connectors: bank america itself was never seen
    assert p.score("bank", "america") == -math.inf
    assert p[["bank", "america"]] == ["bank", "america"]
    # a connector never starts or ends a phrase
    for phrase in phrases:
        parts = phrase.split("_")
        assert parts[0] not in ENGLISH_CONNECTOR_WORDS
        assert parts[-1] not in ENGLISH_CONNECTOR_WORDS
    assert p[["of", "america"]] == ["of", "america"]
    assert p[["bank", "of"]] == ["bank", "of"]
    assert p[["of", "the", "of"]] == ["of", "the", "of"]
    # connectors are not counted as words but are in N
    without = Phrases(min_count=5, threshold=10).learn(sentences)
    assert "bank_of_america" not in without.export_phrases()
    assert p.corpus_word_count == without.corpus_word_count
    assert p.score("bank", "america", ["of"]) > 10


@pytest.mark.parametrize("seed", range(12))
def test_small_random_corpora_equal_gensim(seed):
    """Scores, phrases and the phrased text equal gensim's on small random corpora (with
    connectors, runs of connectors, empty sentences)."""
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    rng = random.Random(seed)
    vocab = ["a", "b", "c", "d", "e", "f", "of", "the", "and"]
    weights = [5, 4, 4, 3, 2, 1, 3, 3, 1]
    sentences = [rng.choices(vocab, weights, k=rng.randrange(0, 12)) for _ in range(60)]
    connectors = frozenset({"of", "the", "and"}) if seed % 2 else frozenset()
    scoring, threshold = ("npmi", 0.1) if seed % 3 == 0 else ("default", 1.0)
    min_count = 1 + seed % 3
    kwargs = dict(min_count=min_count, threshold=threshold, scoring=scoring)
    ours = Phrases(connector_words=connectors, **kwargs).learn(sentences)
    theirs = gensim_phrases.Phrases(sentences, connector_words=connectors, **kwargs)
    assert ours.vocab_size == len(theirs.vocab)
    expected = theirs.export_phrases()
    got = ours.export_phrases()
    assert set(got) == set(expected)
    for phrase, score in expected.items():
        assert got[phrase] == pytest.approx(score, rel=1e-12)
    frozen = theirs.freeze()
    assert list(ours.apply(sentences)) == [frozen[s] for s in sentences]


def test_token_with_the_delimiter_is_a_word_unlike_gensim():
    """The one documented scoring difference: gensim keys pairs by joined strings and scores
    ``new_york_city`` with n(new) = 50 (its first piece), we with n(new_york) = 5."""
    sentences = [["new_york", "city", "x"]] * 5 + [["new", "y", "z"]] * 50 + [["a", "b"]] * 20
    p = Phrases(min_count=1, threshold=0.01).learn(sentences)
    # |V| = 8 words + 5 pairs = 13
    assert p.score("new_york", "city") == (5 - 1) / (5 * 5) * 13
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    g = gensim_phrases.Phrases(sentences, min_count=1, threshold=0.01)
    assert g.export_phrases()["new_york_city"] == (5 - 1) / (50 * 5) * 13
    ours, theirs = p.export_phrases(), g.export_phrases()
    assert set(ours) == set(theirs)
    assert {k for k in ours if ours[k] != theirs[k]} == {"new_york_city"}


# ------------------------------------------------------------------------- two passes


def _times_corpus() -> list[list[str]]:
    rng = random.Random(0)
    filler = [f"w{i}" for i in range(40)]
    sentences = []
    for i in range(300):
        s = [rng.choice(filler) for _ in range(8)]
        if i % 3 == 0:
            k = rng.randrange(6)
            s[k:k] = ["new", "york", "times"]
        sentences.append(s)
    return sentences


def test_two_passes_give_trigrams():
    sentences = _times_corpus()
    first = Phrases(min_count=5, threshold=10).learn(sentences)
    assert set(first.export_phrases()) == {"new_york", "york_times"}
    assert first[["new", "york", "times"]] == ["new_york", "times"]
    second = Phrases(min_count=5, threshold=10).learn(first.apply(sentences))
    assert set(second.export_phrases()) == {"new_york_times"}
    assert second[first[["the", "new", "york", "times", "x"]]] == ["the", "new_york_times", "x"]


# ---------------------------------------------------------------------------- pruning


def test_max_vocab_size_prunes_and_bounds_the_counts():
    limit = 100
    p = Phrases(min_count=2, threshold=1, max_vocab_size=limit)
    sizes = []

    def sentences():
        for i in range(3000):
            # "hello world" is frequent; every u_i, v_i, pair with them is seen once
            yield ["hello", "world", f"u{i}", f"v{i}"]
            if i % 10 == 0:
                sizes.append(p.vocab_size)

    p.learn(sentences())
    sizes.append(p.vocab_size)
    # Chunks hold at most limit // 2 tokens, each adding at most 2 entries.
    assert max(sizes) <= limit + limit
    assert p.vocab_size <= limit
    assert p.min_reduce > 2  # pruned several times, the threshold rising by one each time
    # the frequent pair keeps its exact count (never pruned): n = 3000 for it and its words
    assert p.score("hello", "world") == (3000 - 2) / (3000 * 3000) * p.vocab_size
    assert p.score("u5", "v5") == -math.inf  # dropped
    unpruned = Phrases(min_count=2, threshold=1).learn(
        ["hello", "world", f"u{i}", f"v{i}"] for i in range(3000)
    )
    assert unpruned.vocab_size == 2 + 2 * 3000 + 1 + 2 * 3000
    assert unpruned.min_reduce == 1


def _reference_counts(sentences, connectors, limit, chunk):
    """The documented counting and pruning, one dict entry per word or pair: after each chunk
    of whole sentences (at least ``chunk`` tokens), if the dict holds more than ``limit``
    entries, drop those counted <= min_reduce times and raise min_reduce by one."""
    vocab, min_reduce, in_chunk = {}, 1, 0
    for sentence in sentences:
        start, between = None, []
        for word in sentence:
            if word in connectors:
                if start is not None:
                    between.append(word)
                continue
            vocab[word] = vocab.get(word, 0) + 1
            if start is not None:
                key = (start, tuple(between), word)
                vocab[key] = vocab.get(key, 0) + 1
            start, between = word, []
        in_chunk += len(sentence)
        if in_chunk >= chunk:
            in_chunk = 0
            if len(vocab) > limit:
                vocab = {k: n for k, n in vocab.items() if n > min_reduce}
                min_reduce += 1
    return vocab, min_reduce


@pytest.mark.parametrize("seed", range(6))
def test_pruning_matches_a_plain_dict_reference(seed):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(25)] + ["of", "the"]
    weights = [1 / (i + 1) for i in range(25)] + [0.3, 0.3]
    sentences = [rng.choices(vocab, weights, k=rng.randrange(1, 9)) for _ in range(400)]
    connectors = {"of", "the"} if seed % 2 else set()
    limit = 40 + 10 * seed
    model = Phrases(
        min_count=1,
        threshold=0.5,
        max_vocab_size=limit,
        chunk_tokens=15,
        connector_words=connectors,
    )
    model.learn(sentences)
    counts, min_reduce = _reference_counts(sentences, connectors, limit, min(15, limit // 2))
    assert min_reduce > 1
    assert (model.vocab_size, model.min_reduce) == (len(counts), min_reduce)
    expected = set()
    for key, n_ab in counts.items():
        if isinstance(key, tuple):
            a, between, b = key
            if (n_ab - 1) / (counts[a] * counts[b]) * len(counts) > 0.5:
                expected.add("_".join([a, *between, b]))
    assert set(model.export_phrases()) == expected


# -------------------------------------------------------------------------- save/load


@pytest.mark.parametrize("freeze", [False, True])
def test_save_load_round_trip_without_pickle(tmp_path, freeze):
    sentences = _bank_corpus()
    model = Phrases(min_count=5, threshold=10, connector_words=ENGLISH_CONNECTOR_WORDS)
    model.learn(sentences)
    if freeze:
        model = model.freeze()
        assert model.frozen
        with pytest.raises(Word2VecError):
            model.learn(sentences)
    path = tmp_path / "phrases.npz"
    model.save(path)
    assert [f.name for f in tmp_path.iterdir()] == ["phrases.npz"]  # no temp file left
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert {"meta", "words_utf8", "word_offsets"} <= set(data.files)
        for name in data.files:
            assert data[name].dtype != object
    loaded = Phrases.load(path)
    assert loaded.frozen == freeze
    assert loaded.export_phrases() == model.export_phrases()
    assert loaded.connector_words == ENGLISH_CONNECTOR_WORDS
    assert list(loaded.apply(sentences)) == list(model.apply(sentences))
    assert (loaded.threshold, loaded.min_count, loaded.delimiter) == (10, 5, "_")
    if not freeze:  # counts were saved: learning can go on
        loaded.learn(sentences)
        again = Phrases(min_count=5, threshold=10, connector_words=ENGLISH_CONNECTOR_WORDS)
        again.learn(sentences + sentences)
        assert loaded.export_phrases() == again.export_phrases()
        assert loaded.vocab_size == again.vocab_size


def test_load_refuses_other_files(tmp_path):
    with pytest.raises(Word2VecError):
        Phrases.load(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(Word2VecError):
        Phrases.load(other)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(Word2VecError):
        Phrases.load(text)


# -------------------------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="word2vec-numpy")
    register(parser.add_subparsers(dest="command"))
    return parser


def test_cli_writes_phrased_text(tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(" ".join(s) for s in _times_corpus()) + "\n")
    out = tmp_path / "out.txt"
    args = _parser().parse_args(
        ["phrases", str(src), str(out), "--min_count", "5", "--threshold", "10", "--passes", "2"]
    )
    assert args.func(args) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 300
    assert sum("new_york_times" in line.split() for line in lines) == 100
    assert "new york" not in out.read_text()
    err = capsys.readouterr().err
    assert "2 + 1 phrases found" in err and "300 lines written" in err
    # one pass, other delimiter, connector words, npmi
    args = _parser().parse_args(
        ["phrases", str(src), str(out), "--delimiter", "+", "--passes", "1"]
        + ["--scoring", "npmi", "--threshold", "0.5", "--connector-words", "english"]
    )
    assert args.func(args) == 0
    text = out.read_text()
    assert "new+york" in text and "new+york+times" not in text


def test_cli_writes_the_text_line_for_line(tmp_path, capsys):
    """As word2phrase: one output line per input line, blank ones too, and a line longer than
    train's 10,000-token sentences is not cut (a pair across the cut could not join)."""
    src = tmp_path / "in.txt"
    long_line = " ".join(f"w{i % 50}" for i in range(25_000))
    src.write_text(f"new york\n\n!!!\n{long_line}\nnew york\n")
    out = tmp_path / "out.txt"
    argv = ["phrases", str(src), str(out), "--min-count", "1", "--threshold", "0.1"]
    args = _parser().parse_args(argv)
    assert args.func(args) == 0
    lines = out.read_text().split("\n")
    assert lines[:3] == ["new_york", "", ""] and lines[4:] == ["new_york", ""]
    assert len(lines[3].split()) == 12_500  # every pair w(2k) w(2k+1) joined, in one line
    assert "5 lines written" in capsys.readouterr().err


def test_cli_stdin_to_stdout_and_gz(tmp_path, capsys, monkeypatch):
    import gzip
    import io
    import sys

    text = "\n".join(" ".join(s) for s in _times_corpus()) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    args = _parser().parse_args(["phrases", "-", "-"])
    assert args.func(args) == 0
    captured = capsys.readouterr()
    assert captured.out.count("new_york") == 100
    assert "to stdout" in captured.err
    gz = tmp_path / "in.txt.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    out = tmp_path / "out.txt"
    args = _parser().parse_args(["phrases", str(gz), str(out)])
    assert args.func(args) == 0
    assert out.read_text() == captured.out


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_cli_compresses_out_by_its_suffix(tmp_path, capsys, suffix):
    """OUT.gz is gzip, as ``train`` (and gensim) read a .gz name, not plain text."""
    import bz2
    import gzip
    import lzma

    src = tmp_path / "in.txt"
    src.write_text("\n".join(" ".join(s) for s in _times_corpus()) + "\n")
    plain, packed = tmp_path / "out.txt", tmp_path / f"out.txt{suffix}"
    for out in (plain, packed):
        args = _parser().parse_args(["phrases", str(src), str(out)])
        assert args.func(args) == 0
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    with opener(packed, "rb") as f:
        assert f.read() == plain.read_bytes()
    assert "new_york" in plain.read_text()


def test_cli_reads_in_as_train_does(tmp_path, capsys):
    """Invalid UTF-8 is replaced with one warning; a file without a word and an OUT that
    would be a .zip archive are refused, with no OUT left behind."""
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\u00e9 r\u00e9sum\u00e9 new york\n".encode("latin-1") * 20)
    out = tmp_path / "out.txt"
    args = _parser().parse_args(["phrases", str(latin), str(out), "--min-count", "1"])
    assert args.func(args) == 0
    err = capsys.readouterr().err
    assert "warning: 60 invalid UTF-8 sequences in" in err
    (tmp_path / "empty.txt").write_bytes(b"")
    for src, dst, message in (
        ("empty.txt", "o.txt", "no words found in"),
        ("latin.txt", "o.zip", "cannot write a .zip archive"),
    ):
        args = _parser().parse_args(["phrases", str(tmp_path / src), str(tmp_path / dst)])
        with pytest.raises(Word2VecError, match=message):
            args.func(args)
        assert not (tmp_path / dst).exists()


def test_cli_option_errors(tmp_path, capsys):
    parser = _parser()
    for bad in (
        ["--min-count", "0"],
        ["--threshold", "nan"],
        ["--scoring", "pmi"],
        ["--passes", "x"],
        ["--delimiter", " "],
        ["--connector-words", "french"],
    ):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(["phrases", "in.txt", "out.txt", *bad])
        assert exc.value.code == 2
    args = parser.parse_args(["phrases", str(tmp_path / "missing.txt"), str(tmp_path / "o")])
    with pytest.raises(Word2VecError, match="not found"):
        args.func(args)
    (tmp_path / "in.txt").write_text("a b c\n")
    args = parser.parse_args(["phrases", str(tmp_path / "in.txt"), "o", "--threshold", "-1"])
    with pytest.raises(Word2VecError, match="threshold"):
        args.func(args)
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ gensim on corpus1m


@pytest.fixture(scope="module")
def corpus1m_gensim():
    """gensim's Phrases learned once on corpus1m (its counts serve both scorings)."""
    pytest.importorskip("gensim")
    if not CORPUS1M.is_file():
        pytest.skip(f"shared data not found: {CORPUS1M}")
    from gensim.models.phrases import Phrases as GensimPhrases
    from gensim.models.word2vec import Text8Corpus

    return GensimPhrases(Text8Corpus(str(CORPUS1M)), min_count=5, threshold=10.0)


@pytest.fixture(scope="module")
def corpus1m_ours():
    if not CORPUS1M.is_file():
        pytest.skip(f"shared data not found: {CORPUS1M}")
    return Phrases(min_count=5, threshold=10.0).learn(iter_sentences(CORPUS1M))


def test_corpus1m_default_scoring_equals_gensim(corpus1m_gensim, corpus1m_ours):
    """Same tokens (a text8 file: our tokeniser and gensim's Text8Corpus agree, both cut
    10,000-token sentences), no pruning: the phrase sets are equal, scores too."""
    theirs, ours = corpus1m_gensim, corpus1m_ours
    assert ours.vocab_size == len(theirs.vocab)
    assert ours.corpus_word_count == theirs.corpus_word_count == 1_000_000
    expected, got = theirs.export_phrases(), ours.export_phrases()
    assert len(expected) > 1000
    assert set(got) == set(expected)  # no differences to explain
    assert all(got[k] == expected[k] for k in expected)  # same float64 operations


def test_corpus1m_npmi_equals_gensim(corpus1m_gensim, corpus1m_ours):
    from gensim.models.phrases import npmi_scorer

    theirs = corpus1m_gensim
    saved = theirs.scoring, theirs.threshold
    theirs.scoring, theirs.threshold = npmi_scorer, 0.5  # the counts do not depend on these
    try:
        expected = theirs.export_phrases()
    finally:
        theirs.scoring, theirs.threshold = saved
    ours = Phrases(min_count=5, threshold=0.5, scoring="npmi").learn(iter_sentences(CORPUS1M))
    got = ours.export_phrases()
    assert len(expected) > 500
    assert set(got) == set(expected)
    for phrase, score in expected.items():
        assert got[phrase] == pytest.approx(score, rel=1e-12)


def test_corpus1m_phrased_text_equals_gensim(corpus1m_gensim, corpus1m_ours):
    from gensim.models.word2vec import Text8Corpus

    frozen = corpus1m_gensim.freeze()
    expected = [frozen[s] for s in Text8Corpus(str(CORPUS1M))]
    assert list(corpus1m_ours.freeze().apply(iter_sentences(CORPUS1M))) == expected


def test_corpus1m_english_connectors_equal_gensim():
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    if not CORPUS1M.is_file():
        pytest.skip(f"shared data not found: {CORPUS1M}")
    from gensim.models.word2vec import Text8Corpus

    conn = gensim_phrases.ENGLISH_CONNECTOR_WORDS
    assert conn == ENGLISH_CONNECTOR_WORDS
    theirs = gensim_phrases.Phrases(Text8Corpus(str(CORPUS1M)), connector_words=conn)
    ours = Phrases(connector_words=conn).learn(iter_sentences(CORPUS1M))
    expected, got = theirs.export_phrases(), ours.export_phrases()
    assert sum(k.count("_") > 1 for k in expected) > 100  # e.g. once_or_twice
    assert got == expected

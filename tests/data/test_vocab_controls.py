"""Vocabulary controls: pruning while counting (``max_vocab_size``), ``max_final_vocab``,
``trim_rule``, merging a new text's counts (``Vocabulary.updated``) and vocabulary files,
against hand-worked examples and gensim on the same sentences."""

from __future__ import annotations

import numpy as np
import pytest

from word2vec_numpy.data.counting import (
    RULE_DEFAULT,
    RULE_DISCARD,
    RULE_KEEP,
    ExactCounter,
    PruningCounter,
    keep_word,
)
from word2vec_numpy.data.encode import encode_corpus, ids_to_int64
from word2vec_numpy.data.sample import generate_sample_sentences
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.errors import Word2VecError


def zipf_sentences(n_sentences: int = 400, seed: int = 0) -> list[list[str]]:
    """Sentences with a long tail of rare words, so that pruning has work to do."""
    rng = np.random.default_rng(seed)
    ranks = rng.zipf(1.3, size=n_sentences * 12)
    words = [f"w{r}" for r in ranks]
    return [words[i * 12 : (i + 1) * 12] for i in range(n_sentences)]


def counts_of(counter) -> dict[str, int]:
    words, counts = counter.words_and_counts()
    return dict(zip(words, counts.tolist(), strict=True))


def trim_rule(word: str, count: int, min_count: int) -> int:
    """Keeps every word ending in 7, drops every word ending in 3, else the default."""
    if word.endswith("7"):
        return RULE_KEEP
    if word.endswith("3"):
        return RULE_DISCARD
    return RULE_DEFAULT


# ----------------------------------------------------------------------- pruning while counting


def test_pruning_by_hand():
    """max_vocab_size=3: after "a b c d" the dict holds 4 > 3 words; the first pruning keeps
    counts >= 1 (all: gensim's first threshold); after "a e" (5 words) the second keeps
    counts >= 2 ("a" only); then "b b" and "a" count from there."""
    counter = PruningCounter(3)
    counter.add("a b c d".split())
    assert counts_of(counter) == {"a": 1, "b": 1, "c": 1, "d": 1}
    assert counter.threshold == 2 and counter.prunings == 1
    counter.add("a e".split())
    assert counts_of(counter) == {"a": 2}
    assert counter.threshold == 3 and counter.pruned_tokens == 4
    counter.add("b b a".split())
    assert counts_of(counter) == {"a": 3, "b": 2}
    assert counter.prunings == 2


def test_no_pruning_below_the_limit_equals_exact_counting():
    sentences = zipf_sentences()
    exact, pruning = ExactCounter(), PruningCounter(10**6)
    for s in sentences:
        exact.add(s)
        pruning.add(s)
    assert counts_of(pruning) == counts_of(exact)
    assert list(counts_of(pruning)) == list(counts_of(exact))  # first-appearance order
    assert pruning.prunings == 0


@pytest.mark.parametrize("limit", [20, 60, 200])
@pytest.mark.parametrize("rule", [None, trim_rule])
def test_pruned_counts_equal_gensim(limit, rule):
    gensim = pytest.importorskip("gensim.models")
    sentences = zipf_sentences(seed=limit)
    counter = PruningCounter(limit, rule)
    for s in sentences:
        counter.add(s)
    theirs = gensim.Word2Vec(max_vocab_size=limit, min_count=1)
    theirs.scan_vocab(corpus_iterable=sentences, trim_rule=rule)
    assert counter.prunings > 2  # the limit really bit
    assert counts_of(counter) == dict(theirs.raw_vocab)


def test_encoding_with_pruning_keeps_every_occurrence_of_a_kept_word(tmp_path):
    """A word dropped by a pruning and counted again later is in the vocabulary; all its
    occurrences are in the id file, also those read before it was dropped (gensim reads the
    corpus again to train)."""
    sentences = zipf_sentences(600, seed=3)
    pruned = encode_corpus(sentences, tmp_path / "p.u32", vocab=Vocabulary(3, max_vocab_size=40))
    vocab = pruned.vocab
    exact_counts = counts_of(_count(sentences))
    # a word whose count was cut by pruning: fewer counted than occurs
    assert any(c < exact_counts[w] for w, c in zip(vocab.words, vocab.counts, strict=True))
    given = encode_corpus(sentences, tmp_path / "g.u32", vocab=vocab)  # no counting at all
    np.testing.assert_array_equal(pruned.ids, given.ids)
    expected = [vocab.word_to_id[w] for s in sentences for w in s if w in vocab]
    ids = ids_to_int64(pruned.ids)
    np.testing.assert_array_equal(ids[ids >= 0], expected)
    assert pruned.n_words == len(expected)


def _count(sentences) -> ExactCounter:
    counter = ExactCounter()
    for s in sentences:
        counter.add(s)
    return counter


def test_vocabulary_build_prunes_too():
    sentences = zipf_sentences(300, seed=5)
    vocab = Vocabulary(1, max_vocab_size=30).build(sentences)
    counter = PruningCounter(30)
    for s in sentences:
        counter.add(s)
    expected = counts_of(counter)
    assert dict(zip(vocab.words, vocab.counts.tolist(), strict=True)) == expected


# ----------------------------------------------------------------- max_final_vocab, trim_rule


def test_max_final_vocab_raises_the_min_count_by_hand():
    # counts: a 5, b 4, c 4, d 3, e 1
    tokens = "a a a a a b b b b c c c c d d d e".split()
    vocab = Vocabulary(1, max_final_vocab=2).build(tokens)
    # the 3rd most frequent word has count 4, so the min count becomes 5: only "a"
    assert vocab.words == ["a"] and vocab.effective_min_count == 5
    vocab = Vocabulary(1, max_final_vocab=3).build(tokens)
    assert vocab.words == ["a", "b", "c"] and vocab.effective_min_count == 4
    vocab = Vocabulary(4, max_final_vocab=10).build(tokens)  # min_count is the floor
    assert vocab.words == ["a", "b", "c"] and vocab.effective_min_count == 4
    # not a top-N cut: max_size is
    assert Vocabulary(1, max_size=2).build(tokens).words == ["a", "b"]


@pytest.mark.parametrize(("min_count", "max_final"), [(1, 50), (2, 30), (3, 1000)])
@pytest.mark.parametrize("rule", [None, trim_rule])
def test_max_final_vocab_and_trim_rule_equal_gensim(min_count, max_final, rule):
    gensim = pytest.importorskip("gensim.models")
    sentences = zipf_sentences(seed=min_count)
    ours = Vocabulary(min_count, max_final_vocab=max_final, trim_rule=rule).build(sentences)
    theirs = gensim.Word2Vec(min_count=min_count, max_final_vocab=max_final)
    theirs.build_vocab(sentences, trim_rule=rule)
    assert ours.effective_min_count == theirs.effective_min_count
    assert set(ours.words) == set(theirs.wv.index_to_key)
    for word, count in zip(ours.words, ours.counts.tolist(), strict=True):
        assert theirs.wv.get_vecattr(word, "count") == count
    if rule is None:
        assert len(ours) <= max_final


def test_keep_word_follows_the_rule_then_the_count():
    assert keep_word("x7", 1, 5, trim_rule) is True
    assert keep_word("x3", 100, 5, trim_rule) is False
    assert keep_word("x1", 5, 5, trim_rule) is True
    assert keep_word("x1", 4, 5, trim_rule) is False
    assert keep_word("x1", 4, 5) is False


# ---------------------------------------------------------------- merging a new text's counts


def test_updated_merges_counts_adds_new_words_and_reports_the_rest():
    old = Vocabulary(2).build("a a a a b b b c c".split())
    assert old.words == ["a", "b", "c"]
    new_text = "c c c c d d d e e f a".split()
    counter = _count([new_text])
    vocab, report = old.updated(*counter.words_and_counts())
    # c: 2 + 4 = 6, a: 4 + 1 = 5, b: 3, d 3 (new), e 2 (new); f (1) is below min count 2
    assert vocab.words == ["c", "a", "b", "d", "e"]
    np.testing.assert_array_equal(vocab.counts, [6, 5, 3, 3, 2])
    assert vocab.word_to_id == {w: i for i, w in enumerate(vocab.words)}
    assert (report.known, report.known_tokens) == (2, 5)
    assert (report.added, report.added_tokens) == (2, 5)
    assert (report.below, report.below_tokens, report.examples) == (1, 1, [("f", 1)])
    line = report.summary()
    assert "\n" not in line and "2 new words added" in line and "f (1)" in line
    assert old.words == ["a", "b", "c"]  # the old vocabulary is not changed


def test_updated_ties_keep_the_old_order_first():
    old = Vocabulary(1).build("x y".split())
    vocab, _ = old.updated(["z", "y", "x"], np.array([2, 1, 1]))
    assert vocab.words == ["x", "y", "z"]  # all count 2: old ids first, then the new word


def test_updated_applies_max_final_vocab_and_trim_rule_to_the_new_text():
    old = Vocabulary(1).build(["a"])
    words = ["n7", "n3", "m", "k"]
    counts = np.array([1, 9, 3, 2])
    vocab, report = old.configure(1, trim_rule=trim_rule).updated(words, counts)
    assert set(vocab.words) == {"a", "n7", "m", "k"} and report.below == 1
    vocab, report = old.configure(1, max_final_vocab=2).updated(words, counts)
    assert set(vocab.words) == {"a", "n3", "m"} and report.min_count == 3


# ----------------------------------------------------------------------------- vocabulary files


def test_save_and_read_vocab_round_trip(tmp_path):
    sentences = generate_sample_sentences(20_000, seed=4)
    vocab = Vocabulary(3).build(sentences)
    path = tmp_path / "vocab.txt"
    vocab.save_vocab(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == [f"{w} {c}" for w, c in zip(vocab.words, vocab.counts, strict=True)]
    assert list(vocab.counts) == sorted(vocab.counts, reverse=True)  # frequency order
    again = Vocabulary(3).read_vocab(path)
    assert again.words == vocab.words
    np.testing.assert_array_equal(again.counts, vocab.counts)
    fewer = Vocabulary(10).read_vocab(path)  # min count applies to the file's counts
    assert fewer.words == [w for w, c in zip(vocab.words, vocab.counts, strict=True) if c >= 10]


def test_read_the_c_tools_vocab_file(tmp_path):
    path = tmp_path / "c.vocab"
    path.write_text("</s> 120\nthe 50\nof 30\nzebra 2\n\n", encoding="utf-8")
    vocab = Vocabulary(5).read_vocab(path)
    assert vocab.words == ["the", "of"]  # </s> is the C tool's sentence end, not a word
    np.testing.assert_array_equal(vocab.counts, [50, 30])


def test_a_c_vocab_file_with_words_cut_inside_a_character(tmp_path):
    """The C tool cuts long words at 100 bytes, inside a character: the bytes become U+FFFD,
    as in the corpus reader, and two words that then read alike are one."""
    cut = ("\u0436" * 49).encode() + b"\xd0"
    path = tmp_path / "c.vocab"
    path.write_bytes(b"</s> 10\nthe 500\n" + cut + b" 7\n" + cut[:-2] + b"\xd1 3\nking 6\n")
    vocab = Vocabulary(1).read_vocab(path)
    assert vocab.words == ["the", "\u0436" * 49 + "\ufffd", "king", "\u0436" * 48 + "\ufffd" * 2]
    np.testing.assert_array_equal(vocab.counts, [500, 7, 6, 3])
    path.write_bytes(b"the 500\n" + cut + b" 7\n" + cut + b" 3\n")
    assert Vocabulary(1).read_vocab(path).counts.tolist() == [500, 10]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("the 5\nof\n", "line 2"),
        ("the five\n", "line 1"),
        ("the 5 3\n", "line 1"),
        ("the -5\n", "line 1"),
        ("the 5\nthe 4\n", "listed twice"),
        ("\n\n", "holds no words"),
    ],
)
def test_bad_vocab_files_are_one_line_errors(tmp_path, text, needle):
    path = tmp_path / "bad.vocab"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Word2VecError, match=needle) as info:
        Vocabulary(1).read_vocab(path)
    assert "\n" not in str(info.value)
    with pytest.raises(Word2VecError, match="cannot read"):
        Vocabulary(1).read_vocab(tmp_path / "missing.vocab")

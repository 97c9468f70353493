"""Continued training with new words (API and ``train --init``), and gensim-style callbacks.

The sample corpus' planted sections are split between two texts: A (gender, gram8-plural, gram7-past
tense) and B (capital-country, gram3-comparative). A model trained on A continues on B; B's new
words must then answer their planted analogies, and the words that only A has keep their
vectors."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from conftest import run_cli

from word2vec_numpy import Trainer, Vocabulary
from word2vec_numpy import Word2Vec as CoreWord2Vec
from word2vec_numpy.data.sample import RELATIONS, generate_sample_sentences, sample_questions
from word2vec_numpy.errors import ConfigError, Word2VecError
from word2vec_numpy.gensim_api import Word2Vec
from word2vec_numpy.vectors.evaluate import evaluate_analogy_text

A_SECTIONS = ["gender", "gram8-plural", "gram7-past-tense"]
B_SECTIONS = ["capital-country", "gram3-comparative"]
N_TOKENS = 200_000
OPTIONS = dict(vector_size=40, epochs=5, seed=1, workers=1, quiet=True)


@pytest.fixture(scope="module")
def texts() -> tuple[list[list[str]], list[list[str]]]:
    a = generate_sample_sentences(N_TOKENS, seed=1, relations=A_SECTIONS)
    b = generate_sample_sentences(N_TOKENS, seed=2, relations=B_SECTIONS)
    return a, b


def section_words(sections: list[str]) -> set[str]:
    return {w for r in RELATIONS if r.name in sections for a, b, _ in r.pairs for w in (a, b)}


def accuracy(model: CoreWord2Vec, sections: list[str]) -> float:
    result = evaluate_analogy_text(model.vocab.words, model.W_in, sample_questions(sections))
    assert result["skipped"] == 0
    return result["accuracy"]


def test_the_generator_splits_its_sections(texts):
    a, b = texts
    words_a = {w for s in a for w in s}
    words_b = {w for s in b for w in s}
    assert section_words(A_SECTIONS) <= words_a and not section_words(B_SECTIONS) & words_a
    assert section_words(B_SECTIONS) <= words_b and not section_words(A_SECTIONS) & words_b
    assert sample_questions(B_SECTIONS).count(":") == 2
    with pytest.raises(ValueError, match="unknown relations"):
        generate_sample_sentences(100, relations=["colours"])


def test_train_on_a_then_continue_on_b(texts, capsys):
    a, b = texts
    model = Word2Vec(a, **OPTIONS)
    assert not section_words(B_SECTIONS) & set(model.vocab.words)
    assert accuracy(model, A_SECTIONS) >= 0.9
    a_only = sorted(set(model.vocab.words) - {w for s in b for w in s})
    before = {w: model.wv[w].copy() for w in a_only}
    size_a = len(model.vocab)
    wv = model.wv  # taken before the update: it stays model.wv, as gensim's does

    model.quiet = False
    report = model.build_vocab(b, update=True)
    model.quiet = True
    line = capsys.readouterr().err.strip()
    assert line == report.summary() and "\n" not in line
    assert report.added > 0 and report.below > 0 and f"{report.below:,} new words" in line
    assert section_words(B_SECTIONS) <= set(model.vocab.words)
    assert len(model.vocab) == size_a + report.added
    assert list(model.vocab.counts) == sorted(model.vocab.counts, reverse=True)

    model.train(b, epochs=5)
    assert wv is model.wv and len(wv) == len(model.vocab)
    new_word = sorted(section_words(B_SECTIONS))[0]
    assert new_word in wv
    np.testing.assert_array_equal(wv[new_word], model.W_in[model.vocab.word_to_id[new_word]])
    assert accuracy(model, B_SECTIONS) >= 0.9  # B's new words answer their analogies
    assert model.analogy("paris", "france", "spain")[0][0] == "madrid"
    # skip-gram moves a word's input vector only when the word is read: A-only words keep
    # theirs bit for bit, so A's analogies are still answered
    for w in a_only:
        np.testing.assert_array_equal(model.wv[w], before[w])
    assert accuracy(model, A_SECTIONS) >= 0.9


def test_continue_through_the_command_line(texts, tmp_path, capsys):
    a, b = texts
    for name, text in (("a.txt", a), ("b.txt", b)):
        (tmp_path / name).write_text("\n".join(" ".join(s) for s in text) + "\n")
    common = ["--epochs", "3", "--workers", "1", "--quiet"]
    code, _, err = run_cli(
        ["train", "--corpus", str(tmp_path / "a.txt"), "--out", str(tmp_path / "a"), "--dim",
         "40", *common],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    old = CoreWord2Vec.load(tmp_path / "a.npz")
    argv = ["train", "--init", str(tmp_path / "a.npz"), "--corpus", str(tmp_path / "b.txt")]
    code, _, err = run_cli([*argv, "--out", str(tmp_path / "b"), *common], capsys)
    assert code == 0, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vocabulary update:")
    new = CoreWord2Vec.load(tmp_path / "b.npz")
    assert new.config.dim == 40  # the model's options, not the command line's defaults
    assert accuracy(new, B_SECTIONS) >= 0.9
    unchanged = set(old.vocab.words) - {w for s in b for w in s}
    for w in sorted(unchanged)[:200]:
        np.testing.assert_array_equal(new.wv[w], old.wv[w])
    metrics = json.loads((tmp_path / "b.metrics.json").read_text())
    assert metrics["vocabulary_update"]["added"] == len(new.vocab) - len(old.vocab)

    # the matrices' shape is fixed: another --dim is refused in one line, nothing written
    before = set(os.listdir(tmp_path))
    code, _, err = run_cli([*argv, "--out", str(tmp_path / "c"), "--dim", "8", *common], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--dim 8" in err
    assert set(os.listdir(tmp_path)) == before


def test_update_needs_a_vocabulary_and_sentences_are_read_twice():
    with pytest.raises(Word2VecError, match="needs a vocabulary"):
        Word2Vec(vector_size=8, quiet=True).build_vocab([["a", "b"]], update=True)
    with pytest.raises(Word2VecError, match="build_vocab"):
        Word2Vec(vector_size=8, quiet=True).train([["a", "b"]])
    with pytest.raises(TypeError, match="re-iterable"):
        Word2Vec((s for s in [["a", "b"]]), quiet=True)


def test_careless_api_calls_are_refused_with_one_clear_error():
    """What trains silently wrong otherwise: strings as sentences (a vocabulary of
    characters), sg against model, a min_count the built vocabulary does not meet, an empty
    vocabulary, another vocabulary's ids, ids outside the vocabulary or not integers."""
    lines = ["the cat sat on the mat", "the dog sat on the log"] * 5
    with pytest.raises(TypeError, match="first one is a string"):
        Word2Vec(lines, min_count=1, quiet=True)
    with pytest.raises(ConfigError, match="disagree"):
        Word2Vec(sg=1, model="cbow")
    assert Word2Vec(sg=0, model="cbow").config.model == "cbow"
    vocab = Vocabulary.from_words(["a", "b", "c"], np.array([9, 5, 2]), min_count=1)
    with pytest.raises(ConfigError, match="would drop 1 of the vocabulary's 3 words"):
        CoreWord2Vec(vocab, min_count=3)
    assert len(CoreWord2Vec(vocab, min_count=2).vocab) == 3  # every count meets it
    with pytest.raises(Word2VecError, match="vocabulary is empty"):
        CoreWord2Vec(Vocabulary.from_words([], np.zeros(0, np.int64), min_count=1))
    model = CoreWord2Vec(vocab, dim=4)
    other = Vocabulary.from_words(["a", "b"], np.array([9, 5]), min_count=1)
    for vocab_given, ids, message in (
        (other, np.array([0, 1]), "is not the model's"),
        (None, np.array([0, 3, 1]), "word id 3 is outside the vocabulary of 3 words"),
        (None, np.array([0, -2]), "word id -2 is outside"),
        (None, np.array([0.0, 1.0]), "integer word ids"),
    ):
        with pytest.raises(Word2VecError, match=message):
            Trainer(model, vocab_given, ids, quiet=True)
    Trainer(model, vocab, np.array([0, 1, -1, 2, 0, 1]), quiet=True, epochs=1).train()


# --------------------------------------------------------------------------------- callbacks

HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class Recorder:
    """A gensim-style callback that records each call, the process and what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, object]] = []

    def __getattr__(self, name: str):
        if name not in HOOKS:
            raise AttributeError(name)
        return lambda arg: self.calls.append((name, os.getpid(), arg))


def expected_order(epochs: int) -> list[str]:
    return ["on_train_begin"] + ["on_epoch_begin", "on_epoch_end"] * epochs + ["on_train_end"]


def test_callbacks_get_the_model_in_this_process_with_two_workers(texts):
    a, _ = texts
    recorder = Recorder()
    model = Word2Vec(a[:3000], vector_size=16, epochs=3, workers=2, quiet=True, min_count=2)
    model.train(a[:3000], epochs=3, callbacks=[recorder])
    assert [name for name, _, _ in recorder.calls] == expected_order(3)
    assert {pid for _, pid, _ in recorder.calls} == {os.getpid()}
    assert all(arg is model for _, _, arg in recorder.calls)


def test_trainer_callbacks_run_in_the_parent_and_see_fresh_vectors(texts):
    """With two workers the matrices live in shared memory while training; a callback that
    queries ``model.wv`` at an epoch's end gets the vectors of that moment, not those cached
    at an earlier call."""
    a, _ = texts
    model = Word2Vec(a[:3000], vector_size=16, epochs=1, workers=1, quiet=True, min_count=2)
    seen: list[tuple[int, list]] = []

    class Probe:
        def on_epoch_end(self, trainer: Trainer) -> None:
            fresh = CoreWord2Vec.from_arrays(model.vocab, model.W_in.copy(), {}, model.config)
            seen.append((os.getpid(), trainer.model.wv.most_similar("king", topn=5)))
            assert seen[-1][1] == fresh.wv.most_similar("king", topn=5)

    corpus = model.vocab.encode(a[:3000])
    model.wv.most_similar("king")  # caches the unit vectors before training
    Trainer(model, corpus=corpus, epochs=3, workers=2, quiet=True, callbacks=[Probe()]).train()
    assert len(seen) == 3 and {pid for pid, _ in seen} == {os.getpid()}
    assert seen[0][1] != seen[2][1]  # the vectors did move between epochs


def test_a_saved_model_loads_as_the_gensim_style_class_and_continues(texts, tmp_path):
    a, b = texts
    path = CoreWord2Vec(Vocabulary(5).build(a[:2000]), dim=8, seed=2).save(tmp_path / "m")
    model = Word2Vec.load(path)
    assert isinstance(model, Word2Vec) and model.quiet is False
    model.quiet = True
    size = len(model.vocab)
    report = model.build_vocab(b[:2000], update=True)
    assert len(model.vocab) == size + report.added and report.added > 0
    trained, read = model.train(b[:2000], epochs=1)
    assert 0 < trained <= read and model.config.epochs == 1
    assert model.wv["paris"].shape == (8,)

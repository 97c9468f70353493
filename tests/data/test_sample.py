"""Tests of the generated sample corpus and its analogy questions."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from word2vec_numpy.data.sample import (
    RELATIONS,
    SAMPLE_QUESTIONS_NAME,
    generate_sample_sentences,
    load_sample_corpus,
    sample_questions,
    write_sample_corpus,
)

WORD = re.compile(r"[a-z]+")


@pytest.fixture(scope="module")
def default_corpus() -> list[list[str]]:
    return generate_sample_sentences()


@pytest.fixture(scope="module")
def default_counts(default_corpus: list[list[str]]) -> Counter[str]:
    return Counter(token for sentence in default_corpus for token in sentence)


def parse_questions(text: str) -> dict[str, list[tuple[str, str, str, str]]]:
    """Parse the questions-words.txt format into {section: [(a, b, c, d), ...]}."""
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith(":"):
            current = line[1:].strip()
            assert current and current not in sections
            sections[current] = []
        else:
            assert current is not None, "question before the first section header"
            words = line.split()
            assert len(words) == 4, line
            sections[current].append((words[0], words[1], words[2], words[3]))
    return sections


def test_same_seed_gives_the_same_corpus() -> None:
    assert generate_sample_sentences(20_000, seed=3) == generate_sample_sentences(20_000, seed=3)


def test_different_seeds_give_different_corpora() -> None:
    assert generate_sample_sentences(20_000, seed=0) != generate_sample_sentences(20_000, seed=1)


def test_default_size_is_about_a_million_tokens(default_corpus: list[list[str]]) -> None:
    n = sum(len(sentence) for sentence in default_corpus)
    assert 900_000 <= n <= 1_100_000


@settings(max_examples=25, deadline=None)
@given(n_tokens=st.integers(min_value=200, max_value=30_000), seed=st.integers(0, 2**32 - 1))
def test_size_is_within_ten_percent(n_tokens: int, seed: int) -> None:
    n = sum(len(sentence) for sentence in generate_sample_sentences(n_tokens, seed))
    assert abs(n - n_tokens) <= 0.1 * n_tokens


def test_empty_corpus_and_negative_size() -> None:
    assert generate_sample_sentences(0) == []
    with pytest.raises(ValueError):
        generate_sample_sentences(-1)


def test_sentences_are_nonempty_lists_of_lowercase_words(
    default_corpus: list[list[str]],
) -> None:
    assert all(sentence for sentence in default_corpus)
    assert all(WORD.fullmatch(token) for sentence in default_corpus for token in sentence)


def test_load_sample_corpus_is_the_flattened_sentences() -> None:
    sentences = generate_sample_sentences(5_000, seed=7)
    assert load_sample_corpus(5_000, seed=7) == [t for s in sentences for t in s]


def test_question_file_format() -> None:
    text = sample_questions()
    assert text.endswith("\n")
    sections = parse_questions(text)
    assert len(sections) >= 4
    assert {
        "capital-country",
        "gender",
        "gram8-plural",
        "gram7-past-tense",
        "gram3-comparative",
    } <= set(sections)
    assert sum(len(questions) for questions in sections.values()) >= 150
    for questions in sections.values():
        assert questions
        assert len(set(questions)) == len(questions)
        for question in questions:
            assert all(WORD.fullmatch(word) for word in question)
            assert question[0] != question[2]


def test_king_queen_man_woman_is_a_question() -> None:
    assert ("king", "queen", "man", "woman") in parse_questions(sample_questions())["gender"]


def test_every_question_word_is_frequent(default_counts: Counter[str]) -> None:
    words = {w for qs in parse_questions(sample_questions()).values() for q in qs for w in q}
    rare = {word: default_counts[word] for word in words if default_counts[word] < 20}
    assert not rare


def test_relation_words_are_not_shared() -> None:
    """A related word or pair word belongs to one pair and appears in no template text."""
    owners: Counter[str] = Counter()
    template_words: set[str] = set()
    for relation in RELATIONS:
        for a, b, pair_words in relation.pairs:
            owners.update({a, b, *pair_words})
        for side in (0, 1):
            for template in relation.templates[side]:
                template_words.update(t for t in template.split() if not t.startswith("{"))
            for choices in (*relation.slots[side].values(), *relation.shared.values()):
                template_words.update(choices)
    assert [word for word, n in owners.items() if n > 1] == []
    assert set(owners) & template_words == set()


def test_write_sample_corpus_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    write_sample_corpus(path, n_tokens=3_000, seed=2)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line.split(" ") for line in lines] == generate_sample_sentences(3_000, seed=2)
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.txt"]  # no temp file left


def test_write_sample_corpus_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text("old content\n", encoding="utf-8")
    write_sample_corpus(str(path), n_tokens=1_000)
    assert "old content" not in path.read_text(encoding="utf-8")


def test_questions_file_name() -> None:
    assert SAMPLE_QUESTIONS_NAME.endswith(".txt")

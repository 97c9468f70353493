"""A built-in, generated sample corpus with planted analogy structure.

Nothing is downloaded and no text is shipped: the corpus is *generated* from a handful of
sentence templates, so that the right answers to analogy questions are known in advance.
It is the default corpus of ``word2vec-numpy train``.

The planted structure
---------------------
The corpus has five *relations*, each a list of word pairs ``(a, b)``, two semantic and
three syntactic (named as the same sections of Google's ``questions-words.txt``, whose
``gram`` prefix marks a syntactic section in the totals of an evaluation):

* ``capital-country``: ``paris``/``france``, ``madrid``/``spain``, ...
* ``gender``: ``king``/``queen``, ``man``/``woman``, ``uncle``/``aunt``, ...
* ``gram8-plural``: ``dog``/``dogs``, ``car``/``cars``, ...
* ``gram7-past-tense``: ``walk``/``walked``, ``cook``/``cooked``, ...
* ``gram3-comparative``: ``big``/``bigger``, ``cold``/``colder``, ...

word2vec learns a word from the words around it, so each relation is planted through
context words. Every sentence about a word ``w`` of pair ``i`` on *side* ``s`` (``s = 0``
for the first word of the pair, ``1`` for the second) contains two kinds of context:

* **side markers**, shared by every pair of the relation and chosen only by the side:
  ``he``/``his``/``him`` versus ``she``/``her``; ``city``/``mayor``/``downtown`` versus
  ``country``/``government``/``border``; ``a``/``one``/``each`` plus a verb in the
  singular (``sleeps``) versus ``many``/``several``/``these`` plus a plural verb
  (``sleep``); ``today``/``usually`` versus ``yesterday``/``earlier``; ``very``/``quite``
  versus ``much``/``even`` ... ``than``;
* **pair words**, shared by both members of the pair and by no other word: ``throne``,
  ``crown`` and ``kingdom`` for ``king`` and ``queen``; ``french`` for ``paris`` and
  ``france``; ``leash``, ``kennel`` and ``bone`` for ``dog`` and ``dogs``.

The two choices are made independently, so the (log) co-occurrence profile of ``w`` is the
sum of a side part and a pair part. That is exactly the additive structure that makes
``vec(b_i) - vec(a_i) + vec(a_j)`` land on ``vec(b_j)``: for instance
``king - man + woman`` gives ``queen``.

Around this, about a third of the tokens are *noise words*: made-up pronounceable words
(``kelu``, ``moni``, ``boriku``, ...) drawn from a Zipf distribution, both as whole
sentences and sprinkled into the template sentences. They give the corpus a realistic
frequency profile (a few very frequent words, a long tail of rare ones) and carry no
information.

Every word that occurs in a question is drawn about equally often: at the default size of
one million tokens each occurs several hundred times. :func:`sample_questions` gives the
matching analogy questions in the format of Google's ``questions-words.txt``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

import numpy as np

from ..files import atomic_write

__all__ = [
    "RELATIONS",
    "SAMPLE_QUESTIONS_NAME",
    "Relation",
    "generate_sample_sentences",
    "load_sample_corpus",
    "sample_questions",
    "write_sample_corpus",
]

SAMPLE_QUESTIONS_NAME = "sample-questions.txt"
"""A conventional file name for the text of :func:`sample_questions`."""

NOISE_SENTENCE_FRACTION = 0.25
"""About this share of all tokens are in sentences made only of noise words."""

NOISE_VOCABULARY_SIZE = 4000
"""How many distinct noise words there are (most are rare: the distribution is Zipf)."""

_NOISE_SEED = 20240601
"""Seed of the fixed noise vocabulary; it does not depend on the corpus seed."""


@dataclass(frozen=True)
class Relation:
    """One planted relation: a question section and the templates that teach it.

    ``pairs`` holds ``(a, b, pair_words)``: the two related words and the context words
    that only this pair uses. ``templates[s]`` are the sentence templates for side ``s``
    (``a`` is side 0, ``b`` side 1). In a template, ``{w}`` stands for the word itself,
    ``{p}`` for one of its pair words, and ``{name}`` for a random choice from
    ``slots[s][name]`` (side markers) or, failing that, from ``shared[name]``.
    """

    name: str
    pairs: tuple[tuple[str, str, tuple[str, ...]], ...]
    templates: tuple[tuple[str, ...], tuple[str, ...]]
    slots: tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]
    shared: dict[str, tuple[str, ...]]


_SUBJECTS = ("we", "they", "you", "i")

_GENDER_TEMPLATES = (
    "the {w} thought about the {p} and the {p} and {he} smiled",
    "{he} was the {w} who loved the {p}",
    "everyone knew the {w} because of {his} {p}",
    "the {p} and the {p} made the {w} proud of {himself}",
    "people asked the {w} about the {p} and {he} answered",
    "the {w} told {his} friends about the {p} and the {p}",
    "we thanked the {w} and gave {him} the {p}",
)

_CAPITAL_TEMPLATES = (
    "the mayor of {w} greeted {p} tourists downtown",
    "the busy city of {w} is full of {p} food",
    "the streets of {w} were crowded with {p} people",
    "we took the subway across {w} to hear {p} music",
    "the capital {w} has historic {p} neighborhoods in the city center",
)

_COUNTRY_TEMPLATES = (
    "the government of {w} greeted {p} tourists at the border",
    "the large country of {w} is full of {p} food",
    "the villages of {w} were crowded with {p} people",
    "we drove across the countryside of {w} to hear {p} music",
    "the nation {w} has historic {p} provinces along its border",
)

_PLURAL_TEMPLATES = (
    "{det} {w} {sleeps} near the {p}",
    "we saw how {det} {w} {sleeps} by the {p} and the {p}",
    "{det} {w} {sleeps} next to the {p} in the evening",
    "near the {p} {det} {w} {sleeps} quietly",
    "the farmer said {det} {w} {sleeps} beside the {p} or the {p}",
)

_TENSE_TEMPLATES = (
    "{subj} {w} near the {p} {when}",
    "{when} {subj} {w} with the {p}",
    "{subj} {w} by the {p} {when} and then relax",
    "{when} my friends and {subj} {w} at the {p}",
    "the children {w} near the {p} {when}",
)

_BASE_TEMPLATES = (
    "the {p} is {deg} {w}",
    "my {p} looks {deg} {w} to me",
    "everyone says the {p} is {deg} {w}",
    "the {p} seemed {deg} {w} {ever}",
)

_COMPARATIVE_TEMPLATES = (
    "the {p} is {deg} {w} than the {p}",
    "my {p} looks {deg} {w} than the other {p}",
    "everyone says the {p} is {deg} {w} than last year",
    "the {p} seemed {deg} {w} than {ever}",
)

RELATIONS: tuple[Relation, ...] = (
    Relation(
        name="capital-country",
        pairs=(
            ("paris", "france", ("french",)),
            ("madrid", "spain", ("spanish",)),
            ("rome", "italy", ("italian",)),
            ("berlin", "germany", ("german",)),
            ("tokyo", "japan", ("japanese",)),
            ("beijing", "china", ("chinese",)),
            ("moscow", "russia", ("russian",)),
            ("cairo", "egypt", ("egyptian",)),
            ("athens", "greece", ("greek",)),
            ("london", "england", ("english",)),
            ("ottawa", "canada", ("canadian",)),
            ("lima", "peru", ("peruvian",)),
            ("nairobi", "kenya", ("kenyan",)),
            ("oslo", "norway", ("norwegian",)),
            ("warsaw", "poland", ("polish",)),
            ("lisbon", "portugal", ("portuguese",)),
        ),
        templates=(_CAPITAL_TEMPLATES, _COUNTRY_TEMPLATES),
        slots=({}, {}),
        shared={},
    ),
    Relation(
        name="gender",
        pairs=(
            ("king", "queen", ("throne", "crown", "kingdom")),
            ("prince", "princess", ("castle", "knights", "tournament")),
            ("emperor", "empress", ("empire", "dynasty", "palace")),
            ("duke", "duchess", ("estate", "manor", "hunt")),
            ("man", "woman", ("stranger", "crowd", "office")),
            ("boy", "girl", ("school", "playground", "toys")),
            ("father", "mother", ("household", "parenting", "chores")),
            ("son", "daughter", ("birthday", "childhood", "homework")),
            ("brother", "sister", ("twin", "sibling", "bedroom")),
            ("husband", "wife", ("marriage", "wedding", "anniversary")),
            ("uncle", "aunt", ("cousins", "relatives", "reunion")),
            ("nephew", "niece", ("godparents", "babysitter", "sleepover")),
            ("grandfather", "grandmother", ("grandchildren", "retirement", "pension")),
            ("actor", "actress", ("theater", "stage", "film")),
            ("waiter", "waitress", ("restaurant", "tips", "menu")),
            ("monk", "nun", ("monastery", "prayer", "abbey")),
        ),
        templates=(_GENDER_TEMPLATES, _GENDER_TEMPLATES),
        slots=(
            {"he": ("he",), "his": ("his",), "him": ("him",), "himself": ("himself",)},
            {"he": ("she",), "his": ("her",), "him": ("her",), "himself": ("herself",)},
        ),
        shared={},
    ),
    Relation(
        name="gram8-plural",
        pairs=(
            ("dog", "dogs", ("leash", "kennel", "bone")),
            ("cat", "cats", ("whiskers", "yarn", "litter")),
            ("horse", "horses", ("saddle", "stable", "hay")),
            ("bird", "birds", ("nest", "wings", "seeds")),
            ("cow", "cows", ("milk", "barn", "pasture")),
            ("car", "cars", ("garage", "engine", "tires")),
            ("boat", "boats", ("harbor", "sail", "dock")),
            ("apple", "apples", ("orchard", "pie", "cider")),
            ("book", "books", ("library", "pages", "shelf")),
            ("tree", "trees", ("forest", "leaves", "branches")),
            ("flower", "flowers", ("vase", "petals", "garden")),
            ("chair", "chairs", ("table", "cushion", "desk")),
            ("bottle", "bottles", ("cork", "water", "label")),
            ("key", "keys", ("lock", "door", "keychain")),
            ("shoe", "shoes", ("laces", "socks", "heel")),
        ),
        templates=(_PLURAL_TEMPLATES, _PLURAL_TEMPLATES),
        slots=(
            {
                "det": ("a", "one", "this", "that", "each", "every"),
                "sleeps": ("sleeps", "stays", "waits", "rests", "sits"),
            },
            {
                "det": ("many", "several", "these", "those", "some", "two", "three"),
                "sleeps": ("sleep", "stay", "wait", "rest", "sit"),
            },
        ),
        shared={},
    ),
    Relation(
        name="gram7-past-tense",
        pairs=(
            ("walk", "walked", ("park", "path", "sidewalk")),
            ("jump", "jumped", ("fence", "puddle", "trampoline")),
            ("cook", "cooked", ("kitchen", "dinner", "recipe")),
            ("paint", "painted", ("brush", "canvas", "portrait")),
            ("play", "played", ("chess", "cards", "puzzle")),
            ("dance", "danced", ("ballroom", "partner", "disco")),
            ("climb", "climbed", ("ladder", "cliff", "hill")),
            ("clean", "cleaned", ("mop", "dishes", "bathroom")),
            ("watch", "watched", ("movie", "television", "show")),
            ("laugh", "laughed", ("joke", "comedian", "clown")),
            ("wash", "washed", ("soap", "laundry", "towel")),
            ("kick", "kicked", ("ball", "goal", "soccer")),
            ("listen", "listened", ("radio", "podcast", "song")),
            ("open", "opened", ("window", "box", "envelope")),
        ),
        templates=(_TENSE_TEMPLATES, _TENSE_TEMPLATES),
        slots=(
            {"when": ("today", "now", "usually", "often", "always", "daily")},
            {"when": ("yesterday", "earlier", "previously", "once", "recently", "before")},
        ),
        shared={"subj": _SUBJECTS},
    ),
    Relation(
        name="gram3-comparative",
        pairs=(
            ("big", "bigger", ("elephant", "whale", "stadium")),
            ("small", "smaller", ("mouse", "ant", "pebble")),
            ("tall", "taller", ("tower", "giraffe", "skyscraper")),
            ("fast", "faster", ("cheetah", "racecar", "sprinter")),
            ("slow", "slower", ("snail", "turtle", "sloth")),
            ("old", "older", ("ruins", "antique", "fossil")),
            ("cold", "colder", ("winter", "ice", "snow")),
            ("warm", "warmer", ("sun", "summer", "blanket")),
            ("strong", "stronger", ("weightlifter", "muscles", "ox")),
            ("long", "longer", ("rope", "highway", "novel")),
            ("hard", "harder", ("diamond", "rock", "steel")),
            ("soft", "softer", ("pillow", "feather", "cotton")),
            ("bright", "brighter", ("lamp", "star", "moon")),
            ("dark", "darker", ("cave", "night", "shadow")),
            ("cheap", "cheaper", ("bargain", "discount", "coupon")),
            ("loud", "louder", ("drum", "thunder", "siren")),
        ),
        templates=(_BASE_TEMPLATES, _COMPARATIVE_TEMPLATES),
        slots=(
            {
                "deg": ("very", "quite", "really", "extremely", "rather", "so"),
                "ever": ("indeed", "somehow", "truly"),
            },
            {
                "deg": ("much", "even", "far", "slightly", "somewhat", "way"),
                "ever": ("ever", "expected", "usual"),
            },
        ),
        shared={},
    ),
)
"""The planted relations; each is one section of :func:`sample_questions`."""

# A template is parsed once into (kind, value) items.
_LITERAL, _WORD, _PAIR_WORD, _SLOT = range(4)
_Parsed = tuple[tuple[int, str], ...]


def _parse_template(template: str) -> _Parsed:
    items: list[tuple[int, str]] = []
    for token in template.split():
        if token == "{w}":
            items.append((_WORD, ""))
        elif token == "{p}":
            items.append((_PAIR_WORD, ""))
        elif token.startswith("{") and token.endswith("}"):
            items.append((_SLOT, token[1:-1]))
        else:
            items.append((_LITERAL, token))
    return tuple(items)


@dataclass(frozen=True)
class _Target:
    """One word a template sentence can be about, with everything needed to write one."""

    word: str
    pair_words: tuple[str, ...]
    templates: tuple[_Parsed, ...]
    options: dict[str, tuple[str, ...]]  # slot name -> choices (side markers and shared)


@lru_cache(maxsize=8)
def _targets(relations: tuple[str, ...] | None = None) -> tuple[_Target, ...]:
    """Every (relation, pair, side) combination of ``relations`` (default: all), in a fixed
    order."""
    targets = []
    for relation in _chosen(relations):
        for side in (0, 1):
            templates = tuple(_parse_template(t) for t in relation.templates[side])
            options = {**relation.shared, **relation.slots[side]}
            for pair in relation.pairs:
                word, pair_words = pair[side], pair[2]
                assert isinstance(word, str) and isinstance(pair_words, tuple)
                targets.append(_Target(word, pair_words, templates, options))
    return tuple(targets)


def _relation_words() -> set[str]:
    """Every word that a template sentence can contain."""
    words: set[str] = set()
    for target in _targets():
        words.update((target.word, *target.pair_words))
        for template in target.templates:
            words.update(value for kind, value in template if kind == _LITERAL)
        for choices in target.options.values():
            words.update(choices)
    return words


@lru_cache(maxsize=1)
def _noise_vocabulary() -> tuple[str, ...]:
    """The noise words, most frequent first; fixed, whatever the corpus seed.

    They are made of two or three consonant-vowel syllables (``kelu``, ``boriku``); as in
    real languages, the short ones are the frequent ones.
    """
    rng = np.random.default_rng(_NOISE_SEED)
    syllables = np.array([c + v for c in "bdfgklmnprstvz" for v in "aeiou"], dtype=object)
    taken = _relation_words()
    vocabulary: list[str] = []
    for n_syllables, count in ((2, NOISE_VOCABULARY_SIZE // 4), (3, NOISE_VOCABULARY_SIZE)):
        words = dict.fromkeys(
            "".join(parts) for parts in rng.choice(syllables, size=(2 * count, n_syllables))
        )
        fresh = [w for w in words if w not in taken and w not in vocabulary]
        vocabulary.extend(fresh[: min(count, NOISE_VOCABULARY_SIZE - len(vocabulary))])
    return tuple(vocabulary)


def _zipf_probabilities(n: int, exponent: float = 1.0, offset: float = 2.7) -> np.ndarray:
    """Zipf-Mandelbrot probabilities ``p(rank) ~ 1 / (rank + offset) ** exponent``."""
    weights = 1.0 / (np.arange(1, n + 1) + offset) ** exponent
    return weights / weights.sum()


def _chosen(relations: tuple[str, ...] | None) -> tuple[Relation, ...]:
    """The relations named (all when None), in ``RELATIONS`` order."""
    if relations is None:
        return RELATIONS
    names = {relation.name for relation in RELATIONS}
    unknown = sorted(set(relations) - names)
    if unknown or not relations:
        raise ValueError(f"unknown relations {unknown}; choose from {sorted(names)}")
    return tuple(relation for relation in RELATIONS if relation.name in relations)


def _template_sentences(
    n_sentences: int, rng: np.random.Generator, relations: tuple[str, ...] | None = None
) -> list[list[str]]:
    """``n_sentences`` template sentences, each about a uniformly chosen related word.

    Each sentence picks its target, its template and every slot filler independently.
    """
    targets = _targets(relations)
    target_ids = rng.integers(len(targets), size=n_sentences).tolist()
    template_us = rng.random(n_sentences).tolist()
    longest = max(len(template) for target in targets for template in target.templates)
    slot_us = rng.random((n_sentences, longest)).tolist()

    sentences: list[list[str]] = []
    for target_id, template_u, us in zip(target_ids, template_us, slot_us, strict=True):
        target = targets[target_id]
        template = target.templates[int(template_u * len(target.templates))]
        tokens: list[str] = []
        for (kind, value), u in zip(template, us, strict=False):
            if kind == _LITERAL:
                tokens.append(value)
            elif kind == _WORD:
                tokens.append(target.word)
            elif kind == _PAIR_WORD:
                tokens.append(target.pair_words[int(u * len(target.pair_words))])
            else:
                choices = target.options[value]
                tokens.append(choices[int(u * len(choices))])
        sentences.append(tokens)
    return sentences


def _noise_sentences(n_tokens: int, rng: np.random.Generator) -> list[list[str]]:
    """Sentences of 4 to 15 noise words, with exactly ``n_tokens`` tokens in total."""
    lengths = rng.integers(4, 16, size=n_tokens // 4 + 1)
    lengths = lengths[: int(np.searchsorted(np.cumsum(lengths), n_tokens)) + 1]
    lengths[-1] -= int(lengths.sum()) - n_tokens  # trim the last sentence to fit
    lengths = lengths[lengths > 0]
    words = _noise_vocabulary()
    ids = rng.choice(len(words), size=n_tokens, p=_zipf_probabilities(len(words))).tolist()
    tokens = [words[i] for i in ids]
    ends = np.cumsum(lengths).tolist()
    return [tokens[end - length : end] for end, length in zip(ends, lengths.tolist(), strict=True)]


def _mean_template_length(relations: tuple[str, ...] | None = None) -> float:
    """Expected tokens of a template sentence (before noise is inserted)."""
    targets = _targets(relations)
    return float(np.mean([np.mean([len(t) for t in x.templates]) for x in targets]))


def generate_sample_sentences(
    n_tokens: int = 1_000_000, seed: int = 0, relations: Sequence[str] | None = None
) -> list[list[str]]:
    """Generate the sample corpus as a list of sentences (lists of lowercase words).

    The corpus has ``n_tokens`` tokens (a little more only when ``n_tokens`` is tiny) and
    is fully determined by ``seed``: it uses its own ``numpy.random.default_rng(seed)``,
    never a global random state. See the module docstring for the planted structure.

    ``relations`` (names from ``RELATIONS``) plants only those sections, so that the
    sections can be split between two texts (e.g. to train on one and continue on the
    other); the noise words are the same whatever the choice.
    """
    if n_tokens < 0:
        raise ValueError(f"n_tokens must be >= 0, got {n_tokens}")
    chosen = None if relations is None else tuple(relations)
    _chosen(chosen)  # check the names
    rng = np.random.default_rng(seed)

    # Template sentences, each with 0, 1 or 2 noise words inserted at random places.
    mean_inserted = 1.0
    n_template = round(
        n_tokens * (1 - NOISE_SENTENCE_FRACTION) / (_mean_template_length(chosen) + mean_inserted)
    )
    sentences = _template_sentences(n_template, rng, chosen)
    n_inserted = rng.integers(0, 3, size=n_template).tolist()
    words = _noise_vocabulary()
    total = sum(n_inserted)
    inserted = rng.choice(len(words), size=total, p=_zipf_probabilities(len(words))).tolist()
    places = rng.random(total).tolist()
    k = 0
    for sentence, count in zip(sentences, n_inserted, strict=True):
        for _ in range(count):
            sentence.insert(int(places[k] * (len(sentence) + 1)), words[inserted[k]])
            k += 1

    # Sentences of pure noise fill the rest of the token budget.
    n_noise = n_tokens - sum(len(sentence) for sentence in sentences)
    if n_noise > 0:
        sentences.extend(_noise_sentences(n_noise, rng))

    order = rng.permutation(len(sentences)).tolist()
    return [sentences[i] for i in order]


def load_sample_corpus(n_tokens: int = 1_000_000, seed: int = 0) -> list[str]:
    """The sentences of :func:`generate_sample_sentences`, flattened into one token list.

    Parameters
    ----------
    n_tokens : int, default 1000000
        The number of tokens (a little more only when ``n_tokens`` is tiny).
    seed : int, default 0
        Determines the corpus fully (its own ``numpy.random.default_rng(seed)``).

    Returns
    -------
    list of str
        The tokens, lower-case.

    Raises
    ------
    ValueError
        If ``n_tokens < 0``.
    """
    return [token for sentence in generate_sample_sentences(n_tokens, seed) for token in sentence]


def sample_questions(relations: Sequence[str] | None = None) -> str:
    """Analogy questions for the sample corpus, in Google's ``questions-words.txt`` format.

    There is one ``: section`` header per relation, followed by one line ``a b c d`` for every
    ordered choice of two different pairs ``(a, b)`` and ``(c, d)`` of the relation. A line
    means ``a : b :: c : d``, so the question asks whether ``b - a + c`` is ``d``.

    Parameters
    ----------
    relations : sequence of str, optional
        The relations (names from ``RELATIONS``) to ask about; by default all.

    Returns
    -------
    str
        The questions, one per line, ending with a newline.

    Raises
    ------
    ValueError
        If a relation name is unknown, or ``relations`` is empty.
    """
    lines: list[str] = []
    for relation in _chosen(None if relations is None else tuple(relations)):
        lines.append(f": {relation.name}")
        for a, b, _ in relation.pairs:
            for c, d, _ in relation.pairs:
                if a != c:
                    lines.append(f"{a} {b} {c} {d}")
    return "\n".join(lines) + "\n"


def write_sample_corpus(
    path: str | os.PathLike[str], n_tokens: int = 1_000_000, seed: int = 0
) -> None:
    """Write the sample corpus to ``path``: one sentence a line, words separated by spaces.

    The file is written to a temporary file in the same directory and then moved into
    place, so a reader never sees a half-written corpus.
    """

    def write(handle: BinaryIO) -> None:
        for sentence in generate_sample_sentences(n_tokens, seed):
            handle.write((" ".join(sentence) + "\n").encode("utf-8"))

    atomic_write(path, write)

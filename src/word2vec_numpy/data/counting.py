"""Counting the words of a corpus in one pass, and gensim's vocabulary rules.

A counter reads the corpus sentence by sentence. For every token it returns a *key*, which
``encode_corpus`` writes to a temporary file; once the vocabulary is known, ``to_ids`` turns
the keys into the final word ids. Three counters share that interface:

* :class:`ExactCounter` (the default): every distinct word gets a provisional id in order of
  first appearance (the key), and the counts are ``np.bincount``\\ s of those ids. Memory
  grows with the number of distinct words: a corpus of 20 M distinct tokens holds a dict of
  20 M strings (benchmarks/README.md).
* :class:`PruningCounter` (``max_vocab_size=N``): gensim's rule for bounded memory. Whenever
  a sentence leaves more than N words in the count dictionary, every word whose count is
  below a threshold is dropped, and the threshold rises by one (gensim's ``_scan_vocab`` with
  ``utils.prune_vocab``: the threshold starts at 1, so the first pruning drops nothing, and
  then words of count <= 1, <= 2, ...; the C tool's ``ReduceVocab`` drops count <= 1 at once).
  A dropped word that comes back starts counting from zero again, so counts are lower bounds
  and a word can miss ``min_count`` for that reason alone, in gensim as here. The key of a
  token is its 64-bit string hash, not an id, so that *every* occurrence of a word that ends
  up in the vocabulary is trained, also those read before it was dropped (gensim reads the
  corpus again to train, with the same effect). Two different words share a hash with
  probability 2^-64 per pair: among 20 M distinct tokens and 1 M kept words, the chance that
  any token is taken for a kept word is about 1e-6.
* :class:`KnownCounter`: the vocabulary is given (``--read-vocab``, or training an API model
  on a new text); keys are the final ids, nothing is counted.

``trim_rule`` (gensim's): ``trim_rule(word, count, min_count)`` returns ``RULE_DISCARD``,
``RULE_KEEP`` or ``RULE_DEFAULT`` (then ``count >= min_count`` decides); gensim's constants
have the same values. It is applied when the vocabulary is built and, as in gensim, when
the counts are pruned.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol

import numpy as np

from ..errors import Word2VecError


class Vocabulary(Protocol):
    """What a counter needs of a vocabulary (``vocab.Vocabulary`` has it): the words in id
    order, their counts, and the word -> id map."""

    words: list[str]
    counts: np.ndarray
    word_to_id: dict[str, int]


RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2  # gensim.utils' values
TrimRule = Callable[[str, int, int], int]

SENTENCE_KEY = -1  # the key written between sentences
END, DROPPED = -1, -2  # to_ids: a sentence end, a word outside the vocabulary


def keep_word(word: str, count: int, min_count: int, trim_rule: TrimRule | None = None) -> bool:
    """gensim's ``keep_vocab_item``: ``trim_rule``'s verdict, else ``count >= min_count``."""
    default = count >= min_count
    if trim_rule is None:
        return default
    rule = trim_rule(word, count, min_count)
    if rule == RULE_KEEP:
        return True
    if rule == RULE_DISCARD:
        return False
    return default


class WordCounter(ABC):
    """Counts a corpus sentence by sentence and gives every token a key (module docstring)."""

    key_dtype: ClassVar[type]  # dtype of the keys in the temporary file

    @abstractmethod
    def add(self, sentence: Sequence[str]) -> list[int]:
        """Count ``sentence``; the keys of its tokens."""

    def add_all(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Count a block of sentences; the keys of their tokens as one ``int64`` array, with
        ``SENTENCE_KEY`` after each sentence (what ``encode_corpus`` writes)."""
        keys: list[int] = []
        for sentence in sentences:
            keys.extend(self.add(sentence))
            keys.append(SENTENCE_KEY)
        return np.array(keys, dtype=np.int64)

    @abstractmethod
    def words_and_counts(self) -> tuple[list[str], np.ndarray]:
        """The distinct words in order of (last) first appearance, and their counts."""

    @abstractmethod
    def to_ids(self, vocab: Vocabulary) -> Callable[[np.ndarray], np.ndarray]:
        """A function from an array of keys (``key_dtype``, ``SENTENCE_KEY`` between sentences)
        to signed ids of ``vocab``: ``END`` for sentence ends, ``DROPPED`` for other words."""


class _FirstSeen(dict):
    """word -> provisional id; a word not seen before gets the next id when it is looked up
    (``__missing__`` is called only on a miss, so the look-ups of known words stay in C)."""

    def __missing__(self, word: str) -> int:
        self[word] = key = len(self)
        return key


class ExactCounter(WordCounter):
    """Provisional ids in order of first appearance, counted with ``np.bincount``."""

    key_dtype: ClassVar[type] = np.uint32  # SENTENCE_KEY is stored as 0xFFFFFFFF

    def __init__(self) -> None:
        self.index: dict[str, int] = _FirstSeen()  # word -> provisional id
        self._counts = np.zeros(0, dtype=np.int64)
        self._pending: list[int] = []

    def add(self, sentence: Sequence[str]) -> list[int]:
        keys = list(map(self.index.__getitem__, sentence))
        self._pending.extend(keys)
        if len(self._pending) >= 1 << 20:
            self._count_pending()
        return keys

    def add_all(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        # One C-level pass of look-ups per sentence into one list, made an array once: the
        # counts are a bincount of that array (not of a second list, as add keeps).
        look_up = self.index.__getitem__
        keys: list[int] = []
        for sentence in sentences:
            keys.extend(map(look_up, sentence))
            keys.append(SENTENCE_KEY)
        array = np.array(keys, dtype=np.int64)
        self._grow(np.bincount(array[array != SENTENCE_KEY], minlength=len(self.index)))
        return array

    def _count_pending(self) -> None:
        self._grow(
            np.bincount(np.asarray(self._pending, dtype=np.int64), minlength=len(self.index))
        )
        self._pending.clear()

    def _grow(self, counts: np.ndarray) -> None:
        counts[: len(self._counts)] += self._counts
        self._counts = counts

    def words_and_counts(self) -> tuple[list[str], np.ndarray]:
        self._count_pending()
        return list(self.index), self._counts

    def to_ids(self, vocab: Vocabulary) -> Callable[[np.ndarray], np.ndarray]:
        n = len(self.index)
        lookup = np.full(n + 1, DROPPED, dtype=np.int32)  # provisional id -> final id
        lookup[n] = END
        for final, word in enumerate(vocab.words):
            prov = self.index.get(word)
            if prov is not None:  # a word of the vocabulary that the text does not hold
                lookup[prov] = final
        separator = np.uint32(SENTENCE_KEY & 0xFFFFFFFF)

        def convert(keys: np.ndarray) -> np.ndarray:
            return lookup[np.where(keys == separator, n, keys)]

        return convert


class PruningCounter(WordCounter):
    """gensim's ``max_vocab_size`` pruning while counting; keys are string hashes."""

    key_dtype: ClassVar[type] = np.int64  # hash() is never -1 = SENTENCE_KEY in CPython

    def __init__(self, max_vocab_size: int, trim_rule: TrimRule | None = None) -> None:
        if max_vocab_size < 1:
            raise ValueError("max_vocab_size must be >= 1")
        self.max_vocab_size = int(max_vocab_size)
        self.trim_rule = trim_rule
        self.counts: Counter[str] = Counter()
        self.threshold = 1  # gensim's min_reduce: words below it go at the next pruning
        self.prunings = 0
        self.pruned_tokens = 0  # occurrences no longer counted

    def add(self, sentence: Sequence[str]) -> list[int]:
        self.counts.update(sentence)
        if len(self.counts) > self.max_vocab_size:
            self.prune()
        return list(map(hash, sentence))

    def prune(self) -> None:
        """Drop the words below the threshold (in place, as gensim: the dict keeps its table
        and fills it again), then raise the threshold by one."""
        counts, threshold, rule = self.counts, self.threshold, self.trim_rule
        drop = [w for w, c in counts.items() if not keep_word(w, c, threshold, rule)]
        for w in drop:
            self.pruned_tokens += counts.pop(w)
        self.threshold += 1
        self.prunings += 1

    def words_and_counts(self) -> tuple[list[str], np.ndarray]:
        words = list(self.counts)
        return words, np.fromiter(self.counts.values(), dtype=np.int64, count=len(words))

    def to_ids(self, vocab: Vocabulary) -> Callable[[np.ndarray], np.ndarray]:
        hashes = np.fromiter(map(hash, vocab.words), dtype=np.int64, count=len(vocab))
        order = np.argsort(hashes, kind="stable")
        table = hashes[order]
        if len(table) > 1 and np.any(table[1:] == table[:-1]):
            raise Word2VecError("two words of the vocabulary share a hash: run again")

        def convert(keys: np.ndarray) -> np.ndarray:
            keys = np.asarray(keys, dtype=np.int64)
            pos = np.minimum(np.searchsorted(table, keys), max(len(table) - 1, 0))
            out = np.full(len(keys), DROPPED, dtype=np.int64)
            if len(table):
                found = table[pos] == keys
                out[found] = order[pos[found]]
            out[keys == SENTENCE_KEY] = END
            return out

        return convert


class KnownCounter(WordCounter):
    """A given vocabulary: keys are its ids (``DROPPED`` for other words); counts nothing."""

    key_dtype: ClassVar[type] = np.int32

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab

    def add(self, sentence: Sequence[str]) -> list[int]:
        get = self.vocab.word_to_id.get
        return [get(w, DROPPED) for w in sentence]

    def words_and_counts(self) -> tuple[list[str], np.ndarray]:
        return list(self.vocab.words), self.vocab.counts

    def to_ids(self, vocab: Vocabulary) -> Callable[[np.ndarray], np.ndarray]:
        if vocab is not self.vocab:
            raise ValueError("a KnownCounter gives ids of its own vocabulary only")
        return lambda keys: np.asarray(keys, dtype=np.int64)


def make_counter(
    max_vocab_size: int | None = None, trim_rule: TrimRule | None = None
) -> WordCounter:
    """The counter for these options: pruning with ``max_vocab_size``, else exact."""
    if max_vocab_size is None:
        return ExactCounter()
    return PruningCounter(max_vocab_size, trim_rule)

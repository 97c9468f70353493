"""The vocabulary: word <-> id, word counts, frequent-word subsampling and the noise distribution.

Ids are assigned by descending count, ties broken by first appearance in the corpus, so the
same corpus always gives the same ids (and id ``k`` is the ``k``-th most frequent word, which
is what ``restrict_vocab=N`` relies on).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write
from .counting import TrimRule, WordCounter, keep_word, make_counter

SENTENCE_END = -1  # separator between sentences in an int32 id stream


@dataclass
class VocabularyUpdate:
    """What merging a new text into a vocabulary did (``Vocabulary.updated``)."""

    known: int  # words of the new text already in the vocabulary (their counts merged)
    known_tokens: int
    added: int  # new words kept
    added_tokens: int
    below: int  # new words below the min count: not added
    below_tokens: int
    min_count: int  # the effective min count applied to the new words
    examples: list[tuple[str, int]] = field(default_factory=list)  # most frequent of `below`

    def summary(self) -> str:
        """One line for the user."""
        line = (
            f"vocabulary update: {self.added:,} new words added ({self.added_tokens:,} tokens), "
            f"{self.known:,} known words counted again ({self.known_tokens:,} tokens); "
        )
        if not self.below:
            return line + f"no new word below min count {self.min_count}"
        shown = ", ".join(f"{w} ({c})" for w, c in self.examples)
        return line + (
            f"{self.below:,} new words ({self.below_tokens:,} tokens) occur fewer than "
            f"{self.min_count} times and are not added, e.g. {shown}"
        )


class Vocabulary:
    """Words kept for training, ordered by frequency.

    A word is kept when its count passes ``min_count`` (or gensim's ``trim_rule`` keeps it).

    Parameters
    ----------
    min_count : int, default 5
        Drop words that occur fewer times.
    max_size : int, optional
        A plain cut to the ``max_size`` most frequent words.
    max_vocab_size : int, optional
        Prune the counts while counting whenever more than this many words are held
        (``counting.py``, gensim's rule).
    max_final_vocab : int, optional
        Raise the effective min count until at most N words remain, as gensim does (words tied
        with the (N+1)-th go too, so there may be fewer than N).
    trim_rule : callable, optional
        gensim's ``trim_rule(word, count, min_count)``: ``RULE_KEEP``, ``RULE_DISCARD`` or
        ``RULE_DEFAULT`` (the count decides).

    Attributes
    ----------
    words : list of str
        The words, in id order.
    counts : numpy.ndarray
        Their counts (int64), in id order.
    word_to_id : dict of str to int
        The id of each word.
    effective_min_count : int
        The min count the last build applied (``min_count``, raised by ``max_final_vocab``).

    Raises
    ------
    ValueError
        If ``min_count < 1``.
    """

    def __init__(
        self,
        min_count: int = 5,
        max_size: int | None = None,
        *,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        trim_rule: TrimRule | None = None,
    ) -> None:
        if min_count < 1:
            raise ValueError("min_count must be >= 1")
        self.min_count = int(min_count)
        self.max_size = None if max_size is None else int(max_size)
        self.max_vocab_size = None if max_vocab_size is None else int(max_vocab_size)
        self.max_final_vocab = None if max_final_vocab is None else int(max_final_vocab)
        self.trim_rule = trim_rule
        self.effective_min_count = self.min_count
        self.words: list[str] = []
        self.counts = np.zeros(0, dtype=np.int64)
        self.word_to_id: dict[str, int] = {}
        self.total_words = 0  # all tokens seen by build(), including the ones dropped
        self.built = False  # words chosen (by build, from a file, ...), possibly none

    def configure(
        self,
        min_count: int | None = None,
        *,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        trim_rule: TrimRule | None = None,
    ) -> Vocabulary:
        """Set the options that the next ``build`` or ``updated`` applies.

        E.g. those of a new run on a loaded vocabulary.

        Parameters
        ----------
        min_count : int, optional
            The new min count; None keeps the current one.
        max_vocab_size : int, optional
            Prune the counts while counting (None: exact counts).
        max_final_vocab : int, optional
            Raise the effective min count until at most N words remain (None: no limit).
        trim_rule : callable, optional
            gensim's ``trim_rule(word, count, min_count)``: ``RULE_KEEP``, ``RULE_DISCARD`` or
            ``RULE_DEFAULT`` (the count decides).

        Returns
        -------
        Vocabulary
            ``self``.

        Raises
        ------
        ValueError
            If ``min_count < 1``.
        """
        if min_count is not None:
            if min_count < 1:
                raise ValueError("min_count must be >= 1")
            self.min_count = int(min_count)
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.trim_rule = trim_rule
        return self

    # -- building -------------------------------------------------------------------------
    def counter(self) -> WordCounter:
        """A counter with this vocabulary's counting options.

        Returns
        -------
        WordCounter
            Pruning with ``max_vocab_size`` (and ``trim_rule``), else exact.
        """
        return make_counter(self.max_vocab_size, self.trim_rule)

    def build(self, tokens: Iterable[str] | Iterable[Sequence[str]]) -> Vocabulary:
        """Count the tokens and keep the frequent ones.

        Parameters
        ----------
        tokens : iterable of str or iterable of sequence of str
            A flat list of words, or a list of sentences.

        Returns
        -------
        Vocabulary
            ``self``, so that ``Vocabulary().build(tokens)`` chains.
        """
        counter = self.counter()
        for item in tokens:
            counter.add([item] if isinstance(item, str) else item)
        return self.build_from_counts(*counter.words_and_counts())

    def build_from_counts(self, words: Sequence[str], counts: np.ndarray) -> Vocabulary:
        """Keep the words that pass ``min_count`` (``max_final_vocab``, ``trim_rule``).

        A stable sort by descending count breaks ties by first appearance.

        Parameters
        ----------
        words : sequence of str
            The words, in order of first appearance.
        counts : numpy.ndarray
            Their counts.

        Returns
        -------
        Vocabulary
            ``self``.
        """
        counts = np.asarray(counts, dtype=np.int64)
        self.total_words = int(counts.sum())
        self.effective_min_count = self.min_count_for(counts)
        kept = np.flatnonzero(self.kept(words, counts, self.effective_min_count))
        order = kept[np.argsort(-counts[kept], kind="stable")]  # sorts only the kept words
        if self.max_size is not None:
            order = order[: self.max_size]
        self.words = [words[i] for i in order]
        self.counts = counts[order]
        self.word_to_id = {w: i for i, w in enumerate(self.words)}
        self.built = True
        return self

    def min_count_for(self, counts: np.ndarray) -> int:
        """The effective min count for these counts.

        ``min_count``, raised by ``max_final_vocab=N`` to one more than the count of the (N+1)-th
        most frequent word (gensim's ``prepare_vocab``), so that at most N words pass it.

        Parameters
        ----------
        counts : numpy.ndarray
            The words' counts.

        Returns
        -------
        int
            The min count to apply.
        """
        n = self.max_final_vocab
        if n is None or n >= len(counts):
            return self.min_count
        next_count = -np.partition(-np.asarray(counts), n)[n]  # the (N+1)-th largest count
        return max(int(next_count) + 1, self.min_count)

    def kept(self, words: Sequence[str], counts: np.ndarray, min_count: int) -> np.ndarray:
        """Which of ``words`` pass ``min_count`` (as decided by ``trim_rule`` if given).

        Parameters
        ----------
        words : sequence of str
            The words.
        counts : numpy.ndarray
            Their counts.
        min_count : int
            The min count to apply.

        Returns
        -------
        numpy.ndarray
            A boolean mask, one entry per word.
        """
        if self.trim_rule is None:
            return np.asarray(counts) >= min_count
        rule = self.trim_rule
        return np.fromiter(
            (keep_word(w, int(c), min_count, rule) for w, c in zip(words, counts, strict=True)),
            dtype=bool,
            count=len(words),
        )

    def updated(
        self, words: Sequence[str], counts: np.ndarray
    ) -> tuple[Vocabulary, VocabularyUpdate]:
        """The vocabulary with a new text's counts merged in: gensim's ``build_vocab(update=True)``.

        Every known word gets its count in the new text added; a new word is added when its count
        *in the new text* passes the effective min count (``max_final_vocab`` and ``trim_rule``
        applied to the new text's counts, as gensim does). Unlike gensim, which appends the new
        words after the old ones, the result is sorted again by the merged counts (stable: ties
        keep the old order, then the new text's), so that id k stays the k-th most frequent word
        (``restrict_vocab`` relies on it); a model follows with :meth:`Word2Vec.grow`. The noise
        table and the subsampling of the next run then follow the merged counts (gensim takes the
        noise table from the merged counts too, but the update run's subsampling from the new
        text's counts alone): one vocabulary, one set of frequencies.

        Parameters
        ----------
        words : sequence of str
            The new text's words, in order of first appearance.
        counts : numpy.ndarray
            Their counts in the new text.

        Returns
        -------
        vocab : Vocabulary
            The new vocabulary (this one is unchanged).
        report : VocabularyUpdate
            What the update did.
        """
        counts = np.asarray(counts, dtype=np.int64)
        get = self.word_to_id.get
        old_ids = np.fromiter((get(w, -1) for w in words), dtype=np.int64, count=len(words))
        is_new = old_ids < 0
        merged = self.counts.copy()
        np.add.at(merged, old_ids[~is_new], counts[~is_new])
        new_words = [w for w, n in zip(words, is_new, strict=True) if n]
        new_counts = counts[is_new]
        min_count = self.min_count_for(new_counts) if len(new_counts) else self.min_count
        keep = self.kept(new_words, new_counts, min_count)
        added = [w for w, k in zip(new_words, keep, strict=True) if k]
        below = np.flatnonzero(~keep)
        top_below = below[np.argsort(-new_counts[below], kind="stable")[:5]]
        report = VocabularyUpdate(
            known=int(np.count_nonzero(~is_new)),
            known_tokens=int(counts[~is_new].sum()),
            added=len(added),
            added_tokens=int(new_counts[keep].sum()),
            below=len(below),
            below_tokens=int(new_counts[below].sum()),
            min_count=min_count,
            examples=[(new_words[i], int(new_counts[i])) for i in top_below],
        )
        vocab = Vocabulary(
            self.min_count,
            self.max_size,
            max_vocab_size=self.max_vocab_size,
            max_final_vocab=self.max_final_vocab,
            trim_rule=self.trim_rule,
        )
        all_words = list(self.words) + added
        all_counts = np.concatenate([merged, new_counts[keep]])
        order = np.argsort(-all_counts, kind="stable")
        vocab.words = [all_words[i] for i in order]
        vocab.counts = all_counts[order]
        vocab.word_to_id = {w: i for i, w in enumerate(vocab.words)}
        vocab.total_words = self.total_words + int(counts.sum())
        vocab.effective_min_count = min_count
        vocab.built = True
        return vocab, report

    # -- vocabulary files (the C tool's -save-vocab / -read-vocab) ----------------------------
    def save_vocab(self, path: str | os.PathLike) -> None:
        """Write ``word count`` lines in id (frequency) order, atomically.

        The C tool's ``-save-vocab`` format, without its ``</s>`` line (sentence ends are not
        words here).

        Parameters
        ----------
        path : str or os.PathLike
            The file to write.
        """
        text = "".join(f"{w} {c}\n" for w, c in zip(self.words, self.counts.tolist(), strict=True))
        atomic_write(path, lambda f: f.write(text.encode("utf-8")))

    def read_vocab(self, path: str | os.PathLike) -> Vocabulary:
        """Build from a file of ``word count`` lines instead of counting a corpus.

        The file is ``save_vocab``'s, or the C tool's (its ``</s>`` line is skipped).
        ``min_count``, ``max_final_vocab`` and ``trim_rule`` apply to the file's counts, as the C
        tool applies ``-min-count``; ties keep the file's order.

        Parameters
        ----------
        path : str or os.PathLike
            The vocabulary file (UTF-8).

        Returns
        -------
        Vocabulary
            ``self``.

        Raises
        ------
        Word2VecError
            If the file cannot be read, has a line that is not ``word count``, lists a word
            twice or holds no words.
        """
        try:
            # Bytes that are not UTF-8 (the C tool cuts long words inside a character) become
            # U+FFFD, as they do when the corpus is read: the same words on both sides.
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as exc:
            raise Word2VecError(f"cannot read vocabulary {path}: {exc.strerror}") from None
        words: list[str] = []
        counts: list[int] = []
        seen: dict[str, int] = {}
        for number, line in enumerate(lines, 1):
            parts = line.split()
            if not parts:
                continue
            count = parts[1] if len(parts) == 2 else ""
            if not count.isascii() or not count.isdigit():
                raise Word2VecError(
                    f"{path} line {number}: expected 'word count' (a count >= 0), not {line[:60]!r}"
                )
            if parts[0] == "</s>":
                continue
            if parts[0] in seen:
                if "\ufffd" in parts[0]:  # two cut words read alike: one word, as in the corpus
                    counts[seen[parts[0]]] += int(count)
                    continue
                raise Word2VecError(f"{path} line {number}: {parts[0]!r} is listed twice")
            seen[parts[0]] = len(words)
            words.append(parts[0])
            counts.append(int(count))
        if not words:
            raise Word2VecError(f"vocabulary {path} holds no words")
        return self.build_from_counts(words, np.asarray(counts, dtype=np.int64))

    @classmethod
    def from_words(
        cls, words: Sequence[str], counts: Sequence[int] | np.ndarray, min_count: int = 1
    ) -> Vocabulary:
        """A vocabulary with exactly these words and counts, in this id order (for loading).

        Parameters
        ----------
        words : sequence of str
            The words, in id order.
        counts : sequence of int or numpy.ndarray
            Their counts.
        min_count : int, default 1
            The min count recorded (nothing is dropped).

        Returns
        -------
        Vocabulary
            The built vocabulary.
        """
        vocab = cls(min_count=min_count)
        vocab.words = list(words)
        vocab.counts = np.asarray(counts, dtype=np.int64)
        vocab.word_to_id = {w: i for i, w in enumerate(vocab.words)}
        vocab.total_words = int(vocab.counts.sum())
        vocab.built = True
        return vocab

    # -- lookups ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.word_to_id

    def encode(self, tokens: Iterable[str] | Iterable[Sequence[str]]) -> np.ndarray:
        """The ids of the known tokens (unknown words are dropped).

        Parameters
        ----------
        tokens : iterable of str or iterable of sequence of str
            A flat list of words, or a list of sentences; the sentences are joined with
            ``SENTENCE_END`` (-1) after each, so that training windows do not cross sentences.

        Returns
        -------
        numpy.ndarray
            The int32 ids.
        """
        get = self.word_to_id.get
        ids: list[int] = []
        for item in tokens:
            if isinstance(item, str):
                i = get(item)
                if i is not None:
                    ids.append(i)
            else:
                ids.extend(i for i in map(get, item) if i is not None)
                ids.append(SENTENCE_END)
        return np.asarray(ids, dtype=np.int32)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Words of the ids (sentence separators are skipped).

        Parameters
        ----------
        ids : iterable of int
            Word ids; negative ones are sentence ends.

        Returns
        -------
        list of str
            The words.
        """
        return [self.words[i] for i in ids if i >= 0]

    # -- sampling distributions -------------------------------------------------------------
    def keep_probabilities(self, sample: float = 1e-3) -> np.ndarray:
        """P_keep(w) = (sqrt(f/t) + 1) * t/f, clipped to 1, with f = count(w)/total, t = ``sample``.

        This is the formula of the C tool and gensim. The 2013 paper ("Distributed
        representations...", eq. 5) instead *discards* w with P_discard = 1 - sqrt(t/f), i.e.
        P_keep = sqrt(t/f). The C tool's form adds t/f to that: it keeps a little more of the
        mid-frequency words, and both agree that a word with f <= t is always kept.

        Parameters
        ----------
        sample : float, default 1e-3
            The subsampling threshold t; 0 keeps every word.

        Returns
        -------
        numpy.ndarray
            P_keep of each word, in id order (float32).
        """
        if sample <= 0 or len(self.counts) == 0:
            return np.ones(len(self.counts), dtype=np.float32)
        f = self.counts / self.counts.sum()
        p = (np.sqrt(f / sample) + 1.0) * sample / f
        return np.minimum(p, 1.0).astype(np.float32)

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        """P_n(w) = count(w)^p / sum_v count(v)^p, the noise distribution of negative sampling.

        Parameters
        ----------
        power : float, default 0.75
            The exponent p: 0.75 in Mikolov et al. 2013, section 2.2 (gensim's ``ns_exponent``; 0
            is uniform, < 0 favours rare words).

        Returns
        -------
        numpy.ndarray
            P_n of each word, in id order (float64, summing to 1).
        """
        weights = self.counts.astype(np.float64) ** power
        return weights / weights.sum()

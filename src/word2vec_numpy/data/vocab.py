"""The vocabulary: word <-> id, word counts, frequent-word subsampling and the noise distribution.

Ids are assigned by descending count, ties broken by first appearance in the corpus, so the
same corpus always gives the same ids (and id ``k`` is the ``k``-th most frequent word, which
is what ``restrict_vocab=N`` relies on).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

SENTENCE_END = -1  # separator between sentences in an int32 id stream


class Vocabulary:
    """Words kept for training (count >= ``min_count``), ordered by frequency.

    Attributes: ``words`` (list, id order), ``counts`` (int64 array, id order),
    ``word_to_id`` (dict).
    """

    def __init__(self, min_count: int = 5, max_size: int | None = None) -> None:
        if min_count < 1:
            raise ValueError("min_count must be >= 1")
        self.min_count = int(min_count)
        self.max_size = None if max_size is None else int(max_size)
        self.words: list[str] = []
        self.counts = np.zeros(0, dtype=np.int64)
        self.word_to_id: dict[str, int] = {}
        self.total_words = 0  # all tokens seen by build(), including the ones dropped

    # -- building -------------------------------------------------------------------------
    def build(self, tokens: Iterable[str] | Iterable[Sequence[str]]) -> Vocabulary:
        """Count the tokens (a flat list of words, or a list of sentences) and keep the
        frequent ones. Returns ``self`` so that ``Vocabulary().build(tokens)`` chains."""
        first_seen: dict[str, int] = {}  # word -> provisional id, in order of first appearance
        prov: list[int] = []
        for item in tokens:
            words = [item] if isinstance(item, str) else item
            prov.extend(first_seen.setdefault(w, len(first_seen)) for w in words)
        counts = np.bincount(np.asarray(prov, dtype=np.int64), minlength=len(first_seen))
        return self.build_from_counts(list(first_seen), counts)

    def build_from_counts(self, words: Sequence[str], counts: np.ndarray) -> Vocabulary:
        """Keep words with count >= min_count from ``words`` given in order of first
        appearance. A stable sort by descending count breaks ties by first appearance."""
        counts = np.asarray(counts, dtype=np.int64)
        self.total_words = int(counts.sum())
        order = self.kept_order(counts)
        self.words = [words[i] for i in order]
        self.counts = counts[order]
        self.word_to_id = {w: i for i, w in enumerate(self.words)}
        return self

    def kept_order(self, counts: np.ndarray) -> np.ndarray:
        """The indices (into ``counts``, in order of first appearance) of the words kept, in
        id order: descending count, ties by first appearance, at least ``min_count``."""
        counts = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        order = order[counts[order] >= self.min_count]
        return order if self.max_size is None else order[: self.max_size]

    @classmethod
    def from_words(
        cls, words: Sequence[str], counts: Sequence[int] | np.ndarray, min_count: int = 1
    ) -> Vocabulary:
        """A vocabulary with exactly these words and counts, in this id order (for loading)."""
        vocab = cls(min_count=min_count)
        vocab.words = list(words)
        vocab.counts = np.asarray(counts, dtype=np.int64)
        vocab.word_to_id = {w: i for i, w in enumerate(vocab.words)}
        vocab.total_words = int(vocab.counts.sum())
        return vocab

    # -- lookups ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.word_to_id

    def encode(self, tokens: Iterable[str] | Iterable[Sequence[str]]) -> np.ndarray:
        """int32 ids of the known tokens (unknown words are dropped). Given a list of
        sentences, the sentences are joined with ``SENTENCE_END`` (-1) between them, so
        that training windows do not cross sentences."""
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
        """Words of the ids (sentence separators are skipped)."""
        return [self.words[i] for i in ids if i >= 0]

    # -- sampling distributions -------------------------------------------------------------
    def keep_probabilities(self, sample: float = 1e-3) -> np.ndarray:
        """P_keep(w) = (sqrt(f/t) + 1) * t/f, clipped to 1, with f = count(w)/total and t =
        ``sample`` (0 keeps every word).

        This is the formula of the C tool and gensim. The 2013 paper ("Distributed
        representations...", eq. 5) instead *discards* w with P_discard = 1 - sqrt(t/f), i.e.
        P_keep = sqrt(t/f). The C tool's form adds t/f to that: it keeps a little more of the
        mid-frequency words, and both agree that a word with f <= t is always kept.
        """
        if sample <= 0 or len(self.counts) == 0:
            return np.ones(len(self.counts), dtype=np.float32)
        f = self.counts / self.counts.sum()
        p = (np.sqrt(f / sample) + 1.0) * sample / f
        return np.minimum(p, 1.0).astype(np.float32)

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        """P_n(w) = count(w)^0.75 / sum_v count(v)^0.75 (Mikolov et al. 2013, section 2.2)."""
        weights = self.counts.astype(np.float64) ** power
        return weights / weights.sum()

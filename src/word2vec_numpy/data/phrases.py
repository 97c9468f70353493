"""Phrase detection: join word pairs that occur together far more often than chance
(``new york`` -> ``new_york``), as the C tool's word2phrase and gensim's ``Phrases`` do.

Counting. Every token of every sentence is counted (``n(w)``); so is every pair of
neighbouring words ``a b`` within a sentence (``n(ab)``). With connector words (say the
English ``of``, ``the``, ...), connectors are not counted as words and never start or end a
pair: the pair is formed by the two nearest non-connector words and keeps the connectors in
between as part of its key, so ``bank of america`` counts ``n(bank_of_america)``, separately
from ``n(bank_america)``. ``N`` is the number of tokens read (connectors included), ``|V|``
the number of distinct entries counted (words plus pairs).

Scores, for a pair with ``n(ab) > 0`` (a pair becomes a phrase when its score is strictly
greater than ``threshold``):

* ``default`` (Mikolov et al. 2013, "Distributed Representations of Words and Phrases"):

      score(a, b) = (n(ab) - min_count) / (n(a) * n(b)) * |V|

  ``n(ab) / (n(a) n(b))`` is, up to a constant, the ratio ``p(ab) / (p(a) p(b))`` of how
  often the pair occurs to how often it would by chance; subtracting ``min_count`` discounts
  rare pairs, whose ratio is large only because their counts are small (a pair seen at most
  ``min_count`` times scores <= 0, so never passes a positive threshold). The scale ``|V|``
  is gensim's (``len(vocab)``); word2phrase.c multiplies by the token count instead.

* ``npmi`` (Bouma 2009, normalised pointwise mutual information), with ``p(x) = n(x) / N``:

      npmi(a, b) = ln(p(ab) / (p(a) * p(b))) / -ln(p(ab))      if n(ab) >= min_count
                 = -infinity                                    otherwise

  It lies in [-1, 1] whatever the corpus size (1: the words only occur together, 0:
  independent), so one threshold (e.g. 0.5) means the same on any corpus; and two frequent
  words that always occur together score near 1, where the default score, divided by
  ``n(a) n(b)``, scores them low.

Both are computed in float64 in the same order of operations as gensim: default scores agree
to the bit; npmi scores to the last bit or so (NumPy's vectorised logarithm), and a score
within 1e-9 of the threshold is recomputed with ``math.log``, as gensim computes it, so the
decision is the same.

Applying a model to a sentence is greedy, left to right, as in gensim: the candidate pair
formed by a word and the next non-connector word is joined (with the connectors between them)
when it is a phrase; a word that was joined cannot start the next phrase, so with
``a_b`` and ``b_c`` both phrases, ``a b c`` becomes ``a_b c``. Run the detector again on its
own output (``passes=2`` in the command) to get three- and four-word phrases
(``new_york_times``), as word2phrase suggests.

Speed. Counting is NumPy work: sentences are taken in chunks of ~256k tokens, tokens map to
integer ids through a dict, each pair is one int64 key ``(a * M + m) * V + b`` (``m`` the id
of the connector sequence between, 0 for none; ``M``, ``V`` powers of two at least the numbers
of sequences and words), counted per chunk with ``np.unique`` and merged from time to time
into a sorted array of keys and counts (``np.searchsorted`` + ``np.insert``). Applying a
model looks up the keys of a whole chunk in the sorted phrase keys with ``np.searchsorted``
and resolves the greedy rule with array operations.

Bounded memory (``max_vocab_size``, as gensim's): whenever words plus distinct pairs pass
``max_vocab_size``, entries with count <= ``min_reduce`` are dropped and ``min_reduce`` rises
by one (it starts at 1). The dropped counts are lost, so phrases near the threshold may be
missed on a corpus that needs pruning, exactly as with gensim.

Differences from gensim (none when learning one pass on text without the delimiter in its
tokens and without pruning, which the tests check on a 1M-token corpus):

* Keys are word ids, not delimiter-joined strings. gensim cannot tell the token ``new_york``
  from the pair ``new york``, and scores a joined key by its first and last pieces: on a
  second pass it scores ``new_york city`` with ``n(new)``, not ``n(new_york)``. Here a token
  that contains the delimiter is just a word, so a second pass can find other trigrams.
* Pruning is checked after each chunk of sentences (chunks shrink to at most
  ``max_vocab_size // 2`` tokens so one chunk cannot overshoot far), not after every
  sentence, and drops counts <= ``min_reduce`` as word2vec.c does; gensim's ``prune_vocab``
  drops counts < ``min_reduce``, so its first pruning removes nothing.
* Several ``learn`` calls add to one set of counts; gensim counts each ``add_vocab`` call in
  a fresh dict (with its own pruning) and then merges.
* Only the ``default`` and ``npmi`` scorings; no user-supplied scoring function.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, repeat
from typing import BinaryIO

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write

__all__ = ["ENGLISH_CONNECTOR_WORDS", "SCORINGS", "Phrases"]

# Articles, prepositions and conjunctions: the list gensim 4 uses for English.
ENGLISH_CONNECTOR_WORDS = frozenset(
    "a an the for of with without at from to in on by and or".split()
)
SCORINGS = ("default", "npmi")
FORMAT = "word2vec-numpy-phrases"
FORMAT_VERSION = 1
CHUNK_TOKENS = 1 << 18  # tokens counted or applied per NumPy batch
_PENDING_MIN = 1 << 20  # chunk counts merged into the table once this many are waiting
_I64_MAX = (1 << 63) - 1


def _chunks(sentences: Iterable[Sequence[str]], size: int) -> Iterator[tuple[list[str], list[int]]]:
    """Concatenate whole sentences into chunks of at least ``size`` tokens (the last may be
    smaller): ``(tokens, sentence lengths)``. Empty sentences are kept (length 0)."""
    tokens: list[str] = []
    lengths: list[int] = []
    for sentence in sentences:
        if isinstance(sentence, str):
            raise Word2VecError("phrases need sentences as lists of tokens, not strings")
        before = len(tokens)
        tokens.extend(sentence)
        lengths.append(len(tokens) - before)
        if len(tokens) >= size:
            yield tokens, lengths
            tokens, lengths = [], []
    if lengths:
        yield tokens, lengths


def _encode(a: np.ndarray, m: np.ndarray, b: np.ndarray, n_mids: int, n_words: int) -> np.ndarray:
    """One int64 key per pair, ordered like the tuples ``(a, m, b)``."""
    if n_words * n_mids * n_words > _I64_MAX:
        raise Word2VecError("too many distinct words for 64-bit pair keys: lower max_vocab_size")
    return (a.astype(np.int64) * n_mids + m) * n_words + b


def _pow2(n: int) -> int:
    """The smallest power of two >= n (and >= 1)."""
    return 1 << max(n - 1, 0).bit_length()


def _decode(code: np.ndarray, n_mids: int, n_words: int) -> tuple[np.ndarray, ...]:
    left, b = np.divmod(code, n_words)
    a, m = np.divmod(left, n_mids)
    return a.astype(np.int32), m.astype(np.int32), b.astype(np.int32)


def _pairs(
    ids: np.ndarray, lengths: Sequence[int], n_conn: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs of a chunk: positions ``left``, ``right`` of each two consecutive
    non-connector tokens of the same sentence, and the gap (connectors between them).

    Ids ``0 .. n_conn - 1`` are connector words; -1 (a word a frozen model does not know)
    counts as an ordinary word."""
    words = np.flatnonzero((ids >= n_conn) | (ids < 0))
    if words.size < 2:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    left, right = words[:-1], words[1:]
    same = sentence[left] == sentence[right]
    left, right = left[same], right[same]
    return left, right, right - left - 1


def _greedy(found: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Which found pairs the left-to-right rule joins: in a run of found pairs that share
    words (``a b``, ``b c``, ``c d``, ...), the 1st, 3rd, 5th, ..."""
    if not found.any():
        return found
    chained = np.zeros(found.size, bool)
    chained[1:] = (right[:-1] == left[1:]) & found[:-1]
    starts = found & ~chained
    index = np.arange(found.size)
    run_start = np.maximum.accumulate(np.where(starts, index, 0))
    return found & ((index - run_start) % 2 == 0)


class _Table:
    """What applying needs: the words of the phrases (connectors first), the connector
    sequences of two or more words, and the sorted keys of the phrases with their scores."""

    def __init__(
        self,
        words: list[str],
        n_conn: int,
        long_mids: list[tuple[int, ...]],
        a: np.ndarray,
        m: np.ndarray,
        b: np.ndarray,
        scores: np.ndarray,
    ) -> None:
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        self.n_conn = n_conn
        self.long_mids = long_mids
        self.long_index = {seq: 1 + n_conn + j for j, seq in enumerate(long_mids)}
        self.n_mids = 1 + n_conn + len(long_mids)
        self.n_words = max(len(words), 1)
        code = _encode(a, m, b, self.n_mids, self.n_words)
        order = np.argsort(code, kind="stable")
        self.codes = code[order]
        self.scores = np.asarray(scores, np.float64)[order]

    def __len__(self) -> int:
        return int(self.codes.size)

    def lookup(self, code: np.ndarray) -> np.ndarray:
        """Index into ``self.codes`` of each key, -1 where it is not a phrase."""
        if not self.codes.size or not code.size:
            return np.full(code.size, -1, np.int64)
        pos = np.searchsorted(self.codes, code)
        pos_c = np.minimum(pos, self.codes.size - 1)
        return np.where(self.codes[pos_c] == code, pos_c, -1)


def _mid_words(m: int, table: _Table | Phrases) -> list[str]:
    """The connector words of mid id ``m``."""
    if m == 0:
        return []
    if m <= table.n_conn:
        return [table.words[m - 1]]
    return [table.words[c] for c in table.long_mids[m - 1 - table.n_conn]]


class Phrases:
    """Detects phrases from word and word-pair counts (word2phrase / gensim ``Phrases``).

    ``learn(sentences)`` counts words and neighbouring pairs (call it as often as needed);
    ``model[sentence]`` / ``model.apply(sentences)`` join the detected phrases;
    ``freeze()`` returns a smaller model that keeps only the phrases; ``save``/``load`` use
    one ``.npz`` file (plain arrays and JSON, no pickle). Scores and the differences from
    gensim are described in the module docstring.

    Parameters: ``min_count`` (pairs seen fewer times score low, see the formulas),
    ``threshold`` (a pair is a phrase when its score is greater; > 0 for ``default``, in
    [-1, 1] for ``npmi``), ``scoring`` (``"default"`` or ``"npmi"``), ``delimiter`` (joins
    the words of a phrase), ``connector_words`` (words that may sit inside a phrase but never
    start or end one, e.g. ``ENGLISH_CONNECTOR_WORDS``), ``max_vocab_size`` (prune counts when
    words plus pairs pass this many), ``chunk_tokens`` (tokens per NumPy batch).
    """

    def __init__(
        self,
        min_count: float = 5,
        threshold: float = 10.0,
        scoring: str = "default",
        delimiter: str = "_",
        connector_words: Iterable[str] = frozenset(),
        max_vocab_size: int = 40_000_000,
        chunk_tokens: int = CHUNK_TOKENS,
    ) -> None:
        if isinstance(connector_words, str):
            raise Word2VecError("connector_words must be a collection of words, not a string")
        if scoring not in SCORINGS:
            raise Word2VecError(f"unknown scoring {scoring!r}: use default or npmi")
        if not min_count > 0:
            raise Word2VecError(f"min_count must be > 0, not {min_count}")
        if not math.isfinite(threshold):
            raise Word2VecError(f"threshold must be a finite number, not {threshold}")
        if scoring == "default" and threshold <= 0:
            raise Word2VecError("threshold must be > 0 for default scoring")
        if scoring == "npmi" and not -1 <= threshold <= 1:
            raise Word2VecError("threshold must be between -1 and 1 for npmi scoring")
        if not delimiter:
            raise Word2VecError("delimiter must not be empty")
        if max_vocab_size < 1 or chunk_tokens < 1:
            raise Word2VecError("max_vocab_size and chunk_tokens must be >= 1")
        self.min_count = min_count
        self.threshold = float(threshold)
        self.scoring = scoring
        self.delimiter = delimiter
        self.max_vocab_size = int(max_vocab_size)
        self.chunk_tokens = int(chunk_tokens)
        self.corpus_word_count = 0  # N: tokens read, connectors included
        self.min_reduce = 1  # the next pruning drops counts <= this
        conn = sorted(set(connector_words))
        self.n_conn = len(conn)
        self.words: list[str] = list(conn)  # ids 0 .. n_conn - 1 are the connectors
        self._index = {w: i for i, w in enumerate(conn)}
        self._counts = np.zeros(max(64, 2 * self.n_conn), np.int64)  # by id; 0 for connectors
        self.long_mids: list[tuple[int, ...]] = []  # connector sequences of 2+ words
        self._long_index: dict[tuple[int, ...], int] = {}
        # The pair table: sorted keys (a * cap_mids + m) * cap_words + b and their counts.
        # The caps are powers of two, grown (and the keys re-encoded) as words come in.
        self._cap_words, self._cap_mids = 64, _pow2(1 + self.n_conn)
        self._keys = np.zeros(0, np.int64)
        self._pair_counts = np.zeros(0, np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []  # per chunk: keys, counts
        self._pending_n = 0
        self._frozen: _Table | None = None  # set on a frozen model
        self._cache: _Table | None = None  # phrase table of a learning model

    # ------------------------------------------------------------------ properties

    @property
    def frozen(self) -> bool:
        """True for a model from ``freeze()``: it applies phrases but cannot learn."""
        return self._frozen is not None

    @property
    def connector_words(self) -> frozenset[str]:
        return frozenset(self.words[: self.n_conn])

    @property
    def vocab_size(self) -> int:
        """Entries counted (distinct words + distinct pairs): gensim's ``len(vocab)``, the
        ``|V|`` of the default score, and what ``max_vocab_size`` bounds."""
        if self.frozen:
            raise Word2VecError("a frozen phrases model keeps no counts")
        self._merge()
        return len(self.words) - self.n_conn + int(self._keys.size)

    def __len__(self) -> int:
        """Number of phrases (pairs scoring above the threshold)."""
        return len(self._table())

    def __repr__(self) -> str:
        kind = "frozen, " if self.frozen else ""
        return (
            f"Phrases({kind}min_count={self.min_count}, threshold={self.threshold}, "
            f"scoring={self.scoring!r}, connectors={self.n_conn})"
        )

    # ---------------------------------------------------------------------- learning

    def learn(self, sentences: Iterable[Sequence[str]]) -> Phrases:
        """Count the words and neighbouring pairs of ``sentences`` (an iterable of token
        lists, e.g. ``iter_sentences(path)``), adding to the counts so far. Returns self."""
        if self.frozen:
            raise Word2VecError("a frozen phrases model cannot learn more")
        self._cache = None
        # Each token adds at most two entries, so this bounds the overshoot past the limit.
        size = max(1, min(self.chunk_tokens, self.max_vocab_size // 2))
        for tokens, lengths in _chunks(sentences, size):
            self._learn_chunk(tokens, lengths)
            n_words = len(self.words) - self.n_conn
            if (
                n_words + self._keys.size + self._pending_n > self.max_vocab_size
                or self._pending_n > max(_PENDING_MIN, self._keys.size // 4)
            ):
                self._merge()
                if n_words + self._keys.size > self.max_vocab_size:
                    self._prune()
        return self

    def _ids(self, tokens: list[str]) -> np.ndarray:
        index, words = self._index, self.words
        ids = np.fromiter(map(index.get, tokens, repeat(-1)), np.int64, count=len(tokens))
        missed = np.flatnonzero(ids < 0)
        if missed.size:  # new words get ids in order of first appearance
            missed_tokens = [tokens[i] for i in missed.tolist()]
            for w in dict.fromkeys(missed_tokens):
                index[w] = len(words)
                words.append(w)
            ids[missed] = np.fromiter(map(index.__getitem__, missed_tokens), np.int64)
            if len(words) > self._counts.size:
                grown = np.zeros(max(2 * self._counts.size, len(words)), np.int64)
                grown[: self._counts.size] = self._counts
                self._counts = grown
        return ids

    def _learn_chunk(self, tokens: list[str], lengths: list[int]) -> None:
        ids = self._ids(tokens)
        self.corpus_word_count += len(tokens)
        n_words = len(self.words)
        plain = ids[ids >= self.n_conn]
        self._counts[:n_words] += np.bincount(plain, minlength=n_words)
        left, right, gap = _pairs(ids, lengths, self.n_conn)
        if not left.size:
            return
        mid = self._mids(ids, left, gap, add=True)
        self._fit_caps()
        code = _encode(ids[left], mid, ids[right], self._cap_mids, self._cap_words)
        code, count = np.unique(code, return_counts=True)
        self._pending.append((code, count.astype(np.int64)))
        self._pending_n += code.size

    def _fit_caps(self) -> None:
        """Grow the key caps to the numbers of words and connector sequences, re-encoding the
        keys (their order, that of the tuples (a, m, b), does not change)."""
        n_mids = 1 + self.n_conn + len(self.long_mids)
        if len(self.words) <= self._cap_words and n_mids <= self._cap_mids:
            return
        old = self._cap_mids, self._cap_words
        new = max(old[0], _pow2(n_mids)), max(old[1], _pow2(len(self.words)))

        def recode(code: np.ndarray) -> np.ndarray:
            return _encode(*_decode(code, *old), *new)

        self._keys = recode(self._keys)
        self._pending = [(recode(code), count) for code, count in self._pending]
        self._cap_mids, self._cap_words = new

    def _mids(self, ids: np.ndarray, left: np.ndarray, gap: np.ndarray, add: bool) -> np.ndarray:
        """Id of the connector sequence of each pair: 0 none, 1 + c for the one connector
        ``c``, then one id per distinct longer sequence (-1: unknown and ``add`` False)."""
        return _mids(ids, left, gap, self.n_conn, self._long_index, self.long_mids, add)

    def _merge(self) -> None:
        """Fold the waiting chunk counts into the sorted pair table."""
        if not self._pending:
            return
        code = np.concatenate([c for c, _ in self._pending])
        count = np.concatenate([n for _, n in self._pending])
        if len(self._pending) > 1:  # sorted runs: the stable sort merges them quickly
            order = np.argsort(code, kind="stable")
            code, count = code[order], count[order]
            del order
            starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
            code, count = code[starts], np.add.reduceat(count, starts)
        self._pending, self._pending_n = [], 0
        keys = self._keys
        at = np.searchsorted(keys, code)
        seen = at < keys.size
        seen[seen] = keys[at[seen]] == code[seen]
        self._pair_counts[at[seen]] += count[seen]  # distinct keys: no repeated index
        new = ~seen
        self._keys = np.insert(keys, at[new], code[new])
        self._pair_counts = np.insert(self._pair_counts, at[new], count[new])

    def _prune(self) -> None:
        """Drop words and pairs counted <= ``min_reduce`` times; then raise it by one."""
        low = self.min_reduce
        n_words = len(self.words)
        keep_w = self._counts[:n_words] > low
        keep_w[: self.n_conn] = True
        a, m, b = _decode(self._keys, self._cap_mids, self._cap_words)
        keep_p = (self._pair_counts > low) & keep_w[a] & keep_w[b]
        new_id = np.cumsum(keep_w) - 1  # increasing, so the keys stay sorted
        a, m, b = new_id[a[keep_p]], m[keep_p], new_id[b[keep_p]]
        self._keys = _encode(a, m, b, self._cap_mids, self._cap_words)
        self._pair_counts = self._pair_counts[keep_p]
        self.words = list(compress(self.words, keep_w.tolist()))
        self._index = {w: i for i, w in enumerate(self.words)}
        kept = self._counts[:n_words][keep_w]
        self._counts = np.zeros(max(64, 2 * kept.size), np.int64)
        self._counts[: kept.size] = kept
        self.min_reduce += 1

    # ----------------------------------------------------------------------- scoring

    def _scores(self, count_a: np.ndarray, count_b: np.ndarray, count_ab: np.ndarray) -> np.ndarray:
        """Scores (float64) of pairs from their counts, by the formulas of the module doc."""
        count_ab = np.asarray(count_ab, np.int64)
        if self.scoring == "default":
            denom = (np.asarray(count_a, np.int64) * count_b).astype(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                score = (count_ab - self.min_count) / denom * self.vocab_size
            return np.where(denom > 0, score, -np.inf)
        n = float(self.corpus_word_count)
        pa, pb, pab = count_a / n, count_b / n, count_ab / n
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.log(pab / (pa * pb)) / -np.log(pab)
        score = np.where((count_ab >= self.min_count) & np.isfinite(score), score, -np.inf)
        close = np.flatnonzero(np.abs(score - self.threshold) < 1e-9)
        for k in close.tolist():  # the decision must not hinge on the last bit of np.log
            pa_k, pb_k, pab_k = count_a[k] / n, count_b[k] / n, count_ab[k] / n
            score[k] = math.log(pab_k / (pa_k * pb_k)) / -math.log(pab_k)
        return score

    def score(self, word_a: str, word_b: str, between: Sequence[str] = ()) -> float:
        """The score of the pair ``word_a [between...] word_b`` (``-inf`` if it was never
        seen; for a frozen model, ``-inf`` unless it is a phrase)."""
        if self.frozen:
            table = self._table()
            key = _key(table.index, table.long_index, table.n_conn, word_a, word_b, between)
            if key is None:
                return -math.inf
            k = int(table.lookup(_encode(*key, table.n_mids, table.n_words))[0])
            return float(table.scores[k]) if k >= 0 else -math.inf
        self._merge()
        key = _key(self._index, self._long_index, self.n_conn, word_a, word_b, between)
        if key is None:
            return -math.inf
        code = int(_encode(*key, self._cap_mids, self._cap_words)[0])
        k = int(np.searchsorted(self._keys, code))
        if k == self._keys.size or self._keys[k] != code:
            return -math.inf
        a, b = int(key[0][0]), int(key[2][0])
        count_ab = self._pair_counts[[k]]
        return float(self._scores(self._counts[[a]], self._counts[[b]], count_ab)[0])

    def _table(self) -> _Table:
        """The phrases: the frozen table, or one computed from the counts (cached)."""
        if self._frozen is not None:
            return self._frozen
        if self._cache is not None:
            return self._cache
        self._merge()
        ta, tm, tb = _decode(self._keys, self._cap_mids, self._cap_words)
        score = self._scores(self._counts[ta], self._counts[tb], self._pair_counts)
        sel = np.flatnonzero(score > self.threshold)
        a, m, b, score = ta[sel], tm[sel], tb[sel], score[sel]
        # Keep only the words and connector sequences the phrases use; renumber.
        used = np.unique(np.concatenate([a, b]))
        new_id = np.full(len(self.words), -1, np.int64)
        new_id[: self.n_conn] = np.arange(self.n_conn)
        new_id[used] = self.n_conn + np.arange(used.size)
        words = self.words[: self.n_conn] + [self.words[i] for i in used.tolist()]
        first_long = 1 + self.n_conn
        used_long = np.unique(m[m >= first_long])
        new_mid = np.arange(first_long + len(self.long_mids), dtype=np.int64)
        new_mid[used_long] = first_long + np.arange(used_long.size)
        long_mids = [self.long_mids[j - first_long] for j in used_long.tolist()]
        self._cache = _Table(words, self.n_conn, long_mids, new_id[a], new_mid[m], new_id[b], score)
        return self._cache

    def export_phrases(self) -> dict[str, float]:
        """Every phrase (delimiter-joined) with its score, like gensim's ``export_phrases``."""
        table = self._table()
        a, m, b = _decode(table.codes, table.n_mids, table.n_words)
        words, delim = table.words, self.delimiter
        out = {}
        for ai, mi, bi, s in zip(
            a.tolist(), m.tolist(), b.tolist(), table.scores.tolist(), strict=True
        ):
            out[delim.join([words[ai], *_mid_words(mi, table), words[bi]])] = s
        return out

    def freeze(self) -> Phrases:
        """A new model holding only the phrases (no counts): smaller, applies the same, and
        can be saved, but cannot learn."""
        frozen = Phrases(
            self.min_count,
            self.threshold,
            self.scoring,
            self.delimiter,
            (),
            self.max_vocab_size,
            self.chunk_tokens,
        )
        frozen._frozen = self._table()
        frozen.words = frozen._frozen.words
        frozen.n_conn = self.n_conn
        frozen.corpus_word_count = self.corpus_word_count
        frozen.min_reduce = self.min_reduce
        return frozen

    # ---------------------------------------------------------------------- applying

    def __getitem__(self, sentence: Sequence[str]) -> list[str]:
        """The tokens of one sentence with its phrases joined."""
        if isinstance(sentence, str):
            raise Word2VecError("phrases need a sentence as a list of tokens, not a string")
        tokens = list(sentence)
        return self._apply_chunk(self._table(), tokens, [len(tokens)])[0]

    def apply(self, sentences: Iterable[Sequence[str]]) -> Iterator[list[str]]:
        """Yield each sentence with its phrases joined (a stream: processed in chunks)."""
        table = self._table()
        for tokens, lengths in _chunks(sentences, self.chunk_tokens):
            yield from self._apply_chunk(table, tokens, lengths)

    def _apply_chunk(self, table: _Table, tokens: list[str], lengths: list[int]) -> list[list[str]]:
        n = len(tokens)
        ends = np.cumsum(lengths).tolist()
        taken = np.zeros(0, bool)
        if len(table) and n > 1:
            ids = np.fromiter(map(table.index.get, tokens, repeat(-1)), np.int64, count=n)
            left, right, gap = _pairs(ids, lengths, table.n_conn)
            if left.size:
                mid = _mids(ids, left, gap, table.n_conn, table.long_index, None, add=False)
                a, b = ids[left], ids[right]
                ok = (a >= 0) & (b >= 0) & (mid >= 0)
                code = _encode(
                    np.where(ok, a, 0),
                    np.where(ok, mid, 0),
                    np.where(ok, b, 0),
                    table.n_mids,
                    table.n_words,
                )
                found = ok & (table.lookup(code) >= 0)
                taken = _greedy(found, left, right)
        if not taken.any():
            starts = [0, *ends[:-1]]
            return [tokens[s:e] for s, e in zip(starts, ends, strict=True)]
        lo, hi = left[taken], right[taken] + 1  # token ranges joined into one
        delim = self.delimiter
        out = list(tokens)
        for s, e in zip(lo.tolist(), hi.tolist(), strict=True):
            out[s] = delim.join(tokens[s:e])
        mark = np.zeros(n + 1, np.int64)
        mark[lo + 1] += 1
        mark[hi] -= 1
        keep = np.cumsum(mark[:n]) == 0  # False for tokens folded into the one before
        out = list(compress(out, keep.tolist()))
        kept_before = np.r_[0, np.cumsum(keep)]
        new_ends = kept_before[ends].tolist()
        starts = [0, *new_ends[:-1]]
        return [out[s:e] for s, e in zip(starts, new_ends, strict=True)]

    # ------------------------------------------------------------------- save / load

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to one ``.npz`` file (atomically; plain arrays, no pickle)."""
        self._merge()
        table = self._frozen
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "frozen": table is not None,
            "min_count": self.min_count,
            "threshold": self.threshold,
            "scoring": self.scoring,
            "delimiter": self.delimiter,
            "max_vocab_size": self.max_vocab_size,
            "chunk_tokens": self.chunk_tokens,
            "corpus_word_count": self.corpus_word_count,
            "min_reduce": self.min_reduce,
            "n_conn": self.n_conn,
        }
        words = table.words if table is not None else self.words
        long_mids = table.long_mids if table is not None else self.long_mids
        arrays = {"meta": np.array(json.dumps(meta))}
        arrays["words_utf8"], arrays["word_offsets"] = _pack_words(words)
        arrays["long_mids"] = np.array([c for seq in long_mids for c in seq], np.int32)
        arrays["long_offsets"] = np.cumsum([0, *map(len, long_mids)]).astype(np.int64)
        if table is not None:
            arrays["codes"], arrays["scores"] = table.codes, table.scores
        else:
            arrays["counts"] = self._counts[: len(self.words)]
            a, m, b = _decode(self._keys, self._cap_mids, self._cap_words)
            arrays["pair_a"], arrays["pair_mid"], arrays["pair_b"] = a, m, b
            arrays["pair_counts"] = self._pair_counts

        def write(f: BinaryIO) -> None:
            np.savez(f, **arrays)

        atomic_write(path, write)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Phrases:
        """Read a model written by ``save`` (with ``allow_pickle=False``)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise Word2VecError(f"phrases model not found: {path}") from None
        except (OSError, ValueError) as exc:
            raise Word2VecError(f"{path} is not a phrases model: {exc}") from None
        try:
            meta = json.loads(str(arrays["meta"]))
            if meta.get("format") != FORMAT:
                raise KeyError("format")
            if meta["format_version"] > FORMAT_VERSION:
                raise Word2VecError(f"{path}: phrases format version too new")
            model = cls(
                meta["min_count"],
                meta["threshold"],
                meta["scoring"],
                meta["delimiter"],
                (),
                meta["max_vocab_size"],
                meta["chunk_tokens"],
            )
            words = _unpack_words(arrays["words_utf8"], arrays["word_offsets"])
            offsets = arrays["long_offsets"].tolist()
            flat = arrays["long_mids"].tolist()
            long_mids = [tuple(flat[s:e]) for s, e in zip(offsets[:-1], offsets[1:], strict=True)]
            n_conn = int(meta["n_conn"])
            model.n_conn = n_conn
            model.corpus_word_count = int(meta["corpus_word_count"])
            model.min_reduce = int(meta["min_reduce"])
            if meta["frozen"]:
                n_mids, n_words = 1 + n_conn + len(long_mids), max(len(words), 1)
                a, m, b = _decode(arrays["codes"].astype(np.int64), n_mids, n_words)
                if a.size and not (0 <= a.min() and a.max() < len(words) and 0 <= m.min()):
                    raise ValueError("phrase ids out of range")
                table = _Table(words, n_conn, long_mids, a, m, b, arrays["scores"])
                model._frozen, model.words = table, words
            else:
                model.words = words
                model._index = {w: i for i, w in enumerate(words)}
                counts = arrays["counts"].astype(np.int64)
                model._counts = np.zeros(max(64, 2 * counts.size), np.int64)
                model._counts[: counts.size] = counts
                model.long_mids = long_mids
                model._long_index = {s: 1 + n_conn + j for j, s in enumerate(long_mids)}
                a, m, b = (arrays[k].astype(np.int64) for k in ("pair_a", "pair_mid", "pair_b"))
                pair_counts = arrays["pair_counts"].astype(np.int64)
                if counts.size != len(words) or not a.size == m.size == b.size == pair_counts.size:
                    raise ValueError("array sizes disagree")
                n_mids = 1 + n_conn + len(long_mids)
                if a.size and not (
                    0 <= min(a.min(), b.min())
                    and max(a.max(), b.max()) < len(words)
                    and 0 <= m.min()
                    and m.max() < n_mids
                ):
                    raise ValueError("pair ids out of range")
                model._cap_words = max(model._cap_words, _pow2(len(words)))
                model._cap_mids = max(model._cap_mids, _pow2(n_mids))
                code = _encode(a, m, b, model._cap_mids, model._cap_words)
                order = np.argsort(code, kind="stable")
                model._keys, model._pair_counts = code[order], pair_counts[order]
        except (KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise Word2VecError(f"{path} is not a valid phrases model ({exc})") from None
        return model


def _key(
    index: dict[str, int],
    long_index: dict[tuple[int, ...], int],
    n_conn: int,
    word_a: str,
    word_b: str,
    between: Sequence[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(a, m, b)`` as one-element arrays, or None if a part is unknown."""
    ids = [index.get(w, -1) for w in (word_a, *between, word_b)]
    if min(ids) < 0 or ids[0] < n_conn or ids[-1] < n_conn:
        return None
    inner = tuple(ids[1:-1])
    if any(c >= n_conn for c in inner):
        return None
    m = 0 if not inner else 1 + inner[0] if len(inner) == 1 else long_index.get(inner, -1)
    if m < 0:
        return None
    return np.array([ids[0]]), np.array([m]), np.array([ids[-1]])


def _mids(
    ids: np.ndarray,
    left: np.ndarray,
    gap: np.ndarray,
    n_conn: int,
    long_index: dict[tuple[int, ...], int],
    long_mids: list[tuple[int, ...]] | None,
    add: bool,
) -> np.ndarray:
    """Mid id of each pair (see ``Phrases._mids``); new long sequences are appended to
    ``long_mids`` / ``long_index`` when ``add``."""
    mid = np.zeros(left.size, np.int64)
    one = gap == 1
    mid[one] = 1 + ids[left[one] + 1]
    for length in np.unique(gap[gap >= 2]).tolist():
        rows = np.flatnonzero(gap == length)
        seqs = ids[left[rows, None] + 1 + np.arange(length)]
        uniq, inverse = np.unique(seqs, axis=0, return_inverse=True)
        found = np.empty(len(uniq), np.int64)
        for j, seq in enumerate(map(tuple, uniq.tolist())):
            got = long_index.get(seq, -1)
            if got < 0 and add:
                got = 1 + n_conn + len(long_mids)
                long_index[seq] = got
                long_mids.append(seq)
            found[j] = got
        mid[rows] = found[inverse.reshape(-1)]
    return mid


def _pack_words(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [w.encode("utf-8", "surrogatepass") for w in words]
    blob = np.frombuffer(b"".join(encoded), np.uint8).copy()
    offsets = np.cumsum([0, *map(len, encoded)]).astype(np.int64)
    return blob, offsets


def _unpack_words(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = blob.astype(np.uint8).tobytes()
    off = offsets.tolist()
    return [
        raw[s:e].decode("utf-8", "surrogatepass") for s, e in zip(off[:-1], off[1:], strict=True)
    ]

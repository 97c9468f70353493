"""Standard benchmarks: word analogies (questions-words.txt) and word-pair similarity
(WordSim-353, SimLex-999).

The functions take ``(words, vectors)`` -- words in id order, most frequent first, and a
``V x d`` matrix -- so they work for our models and for any word2vec-format file alike;
:func:`evaluate_model_analogies` and :func:`evaluate_model_word_pairs` are thin wrappers
for a model.

Both reproduce gensim's ``KeyedVectors.evaluate_word_analogies`` / ``evaluate_word_pairs``
(4.x) exactly, including their quirks, so numbers are comparable with published gensim
results:

* Only the first ``restrict_vocab`` words take part. With ``case_insensitive`` every word
  is upper-cased (gensim uses ``str.upper``; we do too, because ``upper`` and ``lower`` group
  a few Unicode words differently, e.g. ``"straße".upper() == "STRASSE"``) and a key
  that several vocabulary words share means the *first* (most frequent) of them.
* An analogy ``a b c d`` asks for ``d`` from ``b - a + c`` (3CosAdd on unit vectors) over the
  restricted vocabulary. Questions with a word outside it are skipped (and counted). The
  candidates are the 5 best words other than the three question words' ids; the prediction
  is the first of them whose key is not one of the question's keys (other case variants of
  the question words are skipped this way), or the last of the 5 if all of them are.
* Word pairs whose words are outside the vocabulary are skipped; the OOV ratio is the
  percentage of skipped pairs among all valid lines.

Ties between exactly equal scores are broken towards the more frequent word (gensim leaves
that to ``argpartition``); with real vectors exact ties do not occur.
"""

from __future__ import annotations

import codecs
import itertools
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from typing import Any, NamedTuple

import numpy as np

from ..data.text import sniff_encoding
from ..errors import Word2VecError
from .cosine import top_n_indices, unit_rows

__all__ = [
    "AnalogyOutcomes",
    "analogy_outcomes",
    "check_analogy_file",
    "check_word_pairs_file",
    "evaluate_analogies",
    "evaluate_analogy_text",
    "evaluate_model_analogies",
    "evaluate_model_word_pairs",
    "evaluate_word_pairs",
    "pearson",
    "rankdata",
    "spearman",
]

ANALOGY_CANDIDATES = 5
"""gensim asks ``most_similar`` for the top 5 and predicts the first usable one."""

_SCORE_BLOCK = 2**24
"""Questions are scored in blocks of about this many cosines (64 MB of float32)."""


# --------------------------------------------------------------------------------- helpers


def _key(word: str, case_insensitive: bool) -> str:
    return word.upper() if case_insensitive else word


def _ok_vocab(
    words: Sequence[str], restrict_vocab: int | None, case_insensitive: bool
) -> tuple[dict[str, int], int]:
    """Map key -> id of its first (most frequent) word among the first ``restrict_vocab``."""
    if restrict_vocab is not None and (
        isinstance(restrict_vocab, bool)
        or int(restrict_vocab) != restrict_vocab
        or restrict_vocab < 1
    ):
        raise Word2VecError(f"restrict_vocab must be a positive integer, got {restrict_vocab!r}")
    n = len(words) if restrict_vocab is None else min(int(restrict_vocab), len(words))
    ok: dict[str, int] = {}
    for i in range(n):
        ok.setdefault(_key(words[i], case_insensitive), i)
    return ok, n


def _check_matrix(words: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise Word2VecError(
            f"need one vector per word: {len(words)} words but vectors of shape {vectors.shape}"
        )
    return vectors


def _accuracy(correct: int, total: int) -> float:
    return correct / total if total else 0.0


def _summary(correct: int, total: int) -> dict[str, Any]:
    return {"correct": int(correct), "total": int(total), "accuracy": _accuracy(correct, total)}


MAX_LINE_LENGTH = 1 << 16
"""Benchmark lines are a few words; a line longer than this many bytes (characters, for a
UTF-16/32 file) means a wrong file, reported before it is read whole."""

_BLOCK = 1 << 16


def _read_lines(path: str | os.PathLike[str]) -> Iterator[str]:
    """The lines of a benchmark file, streamed, each ending in ``\n`` (``\r\n`` and a lone
    ``\r`` too) except perhaps the last.

    UTF-8, a UTF-8 byte-order mark skipped, or UTF-16/UTF-32 as its byte-order mark says. A
    missing or unreadable file, bytes that do not decode, or a line longer than
    ``MAX_LINE_LENGTH`` are one-line errors naming the file (and the line).
    """
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below, also when the caller stops early
    except FileNotFoundError:
        raise Word2VecError(f"{path}: no such file") from None
    except OSError as exc:
        raise Word2VecError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with f:
        try:
            head = f.read(4)
            encoding, bom = sniff_encoding(head)
            blocks = _blocks(f, head[bom:])
            if encoding == "utf-8":  # split first: then a bad byte's line is known exactly
                for no, raw in enumerate(_split_lines(blocks, path, b"\n", b"\r"), 1):
                    try:
                        yield raw.decode("utf-8")
                    except UnicodeDecodeError:
                        raise Word2VecError(f"{path}, line {no}: not valid UTF-8") from None
            else:
                try:
                    yield from _split_lines(_decoded(blocks, encoding), path, "\n", "\r")
                except UnicodeDecodeError:
                    raise Word2VecError(f"{path}: not valid {encoding.upper()}") from None
        except OSError as exc:
            raise Word2VecError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _too_long(path: Any, no: int) -> Word2VecError:
    return Word2VecError(
        f"{path}, line {no}: longer than {MAX_LINE_LENGTH} characters (not a benchmark file?)"
    )


def _blocks(f: Any, first: bytes) -> Iterator[bytes]:
    yield first
    while block := f.read(_BLOCK):
        yield block


def _decoded(blocks: Iterable[bytes], encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    for block in blocks:
        yield decoder.decode(block)
    yield decoder.decode(b"", final=True)


def _split_lines(pieces: Iterable[Any], path: Any, nl: Any, cr: Any) -> Iterator[Any]:
    """Lines of text (``str`` or ``bytes``) given in pieces, with universal line ends; a line
    longer than ``MAX_LINE_LENGTH`` raises as soon as that many units are in."""
    pending = nl[:0]
    n_lines = 0
    for piece in pieces:
        text = pending + piece
        held = text[-1:] == cr  # maybe the first half of \r\n
        if held:
            text = text[:-1]
        if cr in text:
            text = text.replace(cr + nl, nl).replace(cr, nl)
        lines = text.split(nl)
        pending = lines.pop() + (cr if held else nl[:0])
        for line in lines:
            n_lines += 1
            if len(line) > MAX_LINE_LENGTH:
                raise _too_long(path, n_lines)
            yield line + nl
        if len(pending) > MAX_LINE_LENGTH:
            raise _too_long(path, n_lines + 1)
    if pending:
        yield pending.replace(cr, nl)


# ------------------------------------------------------------------------------- analogies


def _parse_questions(
    lines: Iterable[str], source: str, case_insensitive: bool
) -> tuple[list[str], list[tuple[int, tuple[str, str, str, str]]], int]:
    """Section names (file order) and ``(section index, (a, b, c, d))`` keys per question.

    Mirrors gensim: ``": name"`` starts a section, a line that does not split into exactly
    four words is not a question (gensim ignores it silently); the third value counts such
    malformed lines (blank lines are skipped). A byte-order mark starting the text is skipped.
    """
    sections: list[str] = []
    questions: list[tuple[int, tuple[str, str, str, str]]] = []
    malformed = 0
    for no, line in enumerate(lines, 1):
        if no == 1:
            line = line.removeprefix("\ufeff")
        if line.startswith(": "):
            sections.append(line.lstrip(": ").strip())
            continue
        parts = [_key(w, case_insensitive) for w in line.split()]
        if not parts:
            continue  # blank lines are harmless
        if not sections:
            raise Word2VecError(f"{source}, line {no}: question before the first ': section' line")
        if len(parts) != 4:
            malformed += 1
            continue
        questions.append((len(sections) - 1, (parts[0], parts[1], parts[2], parts[3])))
    return sections, questions, malformed


def _predict(unit: np.ndarray, canon: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """True where the analogy ``quads[i] = (a, b, c, d)`` (ids) is answered with ``d``.

    Scores ``S = (U[b] + U[c] - U[a]) @ U.T`` for a block of questions at once; the three
    question ids are masked to -inf, the top 5 are taken, and the prediction is the first
    candidate whose canonical id is none of a, b, c (else the last candidate).
    """
    n = unit.shape[0]
    correct = np.zeros(len(quads), dtype=bool)
    block = max(1, min(1000, _SCORE_BLOCK // max(n, 1)))
    for start in range(0, len(quads), block):
        q = quads[start : start + block]
        a, b, c, d = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
        # Same summation order as gensim's mean of [b, c, -a]; scaling does not change ranks.
        scores = (unit[b] + unit[c] - unit[a]) @ unit.T
        rows = np.arange(len(q))[:, None]
        scores[rows, q[:, :3]] = -np.inf
        k = min(ANALOGY_CANDIDATES, n)
        top = top_n_indices(scores, k)  # (m, k) ids, best first
        # Only n - |{a, b, c}| ids are real candidates (matters only for a tiny vocabulary).
        distinct = 1 + (b != a) + ((c != a) & (c != b))
        n_valid = np.minimum(k, n - distinct)
        cand = canon[top]
        usable = (cand != a[:, None]) & (cand != b[:, None]) & (cand != c[:, None])
        usable &= np.arange(k)[None, :] < n_valid[:, None]
        pick = np.where(usable.any(axis=1), usable.argmax(axis=1), np.maximum(n_valid - 1, 0))
        predicted = np.where(n_valid > 0, cand[np.arange(len(q)), pick], -1)
        correct[start : start + len(q)] = predicted == d
    return correct


class AnalogyOutcomes(NamedTuple):
    """Every question of an analogy file and how it went (:func:`analogy_outcomes`)."""

    sections: list[str]
    """Section names, in file order."""
    questions: list[tuple[int, tuple[str, str, str, str]]]
    """``(section index, (a, b, c, d))`` per question in file order; upper-cased words when
    case-insensitive (the keys gensim reports)."""
    answered: np.ndarray
    """One bool per question: all four words are among the first ``restrict_vocab``."""
    correct: np.ndarray
    """One bool per *answered* question (in order): the prediction was ``d``."""
    malformed: int
    """Lines (after the first section header) that are neither a header nor four words;
    blank lines are not counted."""


def analogy_outcomes(
    words: Sequence[str],
    vectors: np.ndarray,
    lines: Iterable[str],
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
    source: str = "<questions>",
) -> AnalogyOutcomes:
    """The outcome of each question given as lines of text, before any counting: what
    :func:`evaluate_analogy_text` sums up, and what ``KeyedVectors.evaluate_word_analogies``
    lists question by question as gensim does."""
    vectors = _check_matrix(words, vectors)
    if isinstance(lines, str):
        lines = lines.splitlines()  # questions given as one text
    ok, n = _ok_vocab(words, restrict_vocab, case_insensitive)
    sections, questions, malformed = _parse_questions(lines, source, case_insensitive)
    if not questions:
        raise Word2VecError(f"{source}: no analogy questions found (expected 'a b c d' lines)")

    answered = np.array([all(w in ok for w in q) for _, q in questions], dtype=bool)
    known = [q for (_, q), a in zip(questions, answered, strict=True) if a]
    quads = np.array([[ok[w] for w in q] for q in known], dtype=np.int64).reshape(-1, 4)
    if len(quads):
        canon = np.array([ok[_key(w, case_insensitive)] for w in words[:n]], dtype=np.int64)
        correct = _predict(unit_rows(vectors[:n]), canon, quads)
    else:
        correct = np.zeros(0, dtype=bool)
    return AnalogyOutcomes(sections, questions, answered, correct, malformed)


def evaluate_analogy_text(
    words: Sequence[str],
    vectors: np.ndarray,
    lines: Iterable[str],
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
    source: str = "<questions>",
) -> dict[str, Any]:
    """:func:`evaluate_analogies` on questions given as lines of text (e.g. ``sample_questions()
    .splitlines()``); ``source`` names them in error messages and in the result."""
    sections, questions, answered, correct, malformed = analogy_outcomes(
        words, vectors, lines, restrict_vocab, case_insensitive, source
    )
    known = [q for q, a in zip(questions, answered, strict=True) if a]
    section_of = np.array([s for s, _ in known], dtype=np.int64)

    per_correct = np.bincount(section_of, weights=correct, minlength=len(sections))
    per_total = np.bincount(section_of, minlength=len(sections))
    per_section = []
    kind_totals = {"semantic": [0, 0], "syntactic": [0, 0]}
    for i, name in enumerate(sections):
        # The Google file's syntactic sections are the ones named gram1-... to gram9-...
        kind = "syntactic" if name.startswith("gram") else "semantic"
        c, t = int(per_correct[i]), int(per_total[i])
        kind_totals[kind][0] += c
        kind_totals[kind][1] += t
        per_section.append({"section": name, "kind": kind, **_summary(c, t)})

    skipped = len(questions) - len(known)
    return {
        "source": source,
        "restrict_vocab": restrict_vocab,
        "case_insensitive": case_insensitive,
        **_summary(int(correct.sum()), len(known)),
        "semantic": _summary(*kind_totals["semantic"]),
        "syntactic": _summary(*kind_totals["syntactic"]),
        "sections": per_section,
        "questions": len(questions),
        "skipped": skipped,
        "oov_ratio": 100.0 * skipped / len(questions),
        "malformed_lines": malformed,
    }


def evaluate_analogies(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | os.PathLike[str],
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
) -> dict[str, Any]:
    """Accuracy on an analogy file in questions-words.txt format.

    The file has ``: section`` headers followed by ``a b c d`` lines meaning "a is to b as c
    is to d": ``d`` is predicted from ``b - a + c``. Returns a dict with ``correct``,
    ``total`` and ``accuracy`` (counted questions only), ``semantic`` and ``syntactic``
    sub-totals, ``sections`` (a list in file order of dicts with ``section``, ``kind``,
    ``correct``, ``total``, ``accuracy``), ``questions`` (all questions in the file),
    ``skipped`` (questions with a word outside the first ``restrict_vocab`` words),
    ``oov_ratio`` (percent skipped) and ``malformed_lines`` (lines after the first section
    header that are neither a header nor four words: gensim ignores them without a word).
    Matches gensim's ``evaluate_word_analogies``. The file is streamed (see
    :func:`_read_lines` for encodings and limits).
    """
    return evaluate_analogy_text(
        words, vectors, _read_lines(path), restrict_vocab, case_insensitive, source=str(path)
    )


# ------------------------------------------------------------------------- word similarity


def rankdata(x: np.ndarray | Sequence[float]) -> np.ndarray:
    """1-based ranks with ties given their average rank (as ``scipy.stats.rankdata``)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    new_group = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(new_group) - 1  # group index of each sorted position
    starts = np.r_[np.nonzero(new_group)[0], len(x)]
    # Tie group at sorted positions start..end-1 has ranks start+1..end: mean (start+1+end)/2.
    average = 0.5 * (starts[group] + 1 + starts[group + 1])
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = average
    return ranks


def pearson(x: np.ndarray | Sequence[float], y: np.ndarray | Sequence[float]) -> float:
    """Pearson correlation r = sum(dx dy) / sqrt(sum(dx^2) sum(dy^2)), dx = x - mean(x)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if len(x) != len(y):
        raise ValueError("x and y must have the same length")
    dx, dy = x - x.mean(), y - y.mean()
    denom = np.sqrt((dx @ dx) * (dy @ dy))
    if denom == 0 or len(x) < 2:
        return float("nan")  # a constant input has no correlation
    return float(np.clip((dx @ dy) / denom, -1.0, 1.0))


def spearman(x: np.ndarray | Sequence[float], y: np.ndarray | Sequence[float]) -> float:
    """Spearman rank correlation: Pearson correlation of the (tie-averaged) ranks."""
    return pearson(rankdata(x), rankdata(y))


def _parse_pair(line: str, delimiter: str, case_insensitive: bool) -> tuple[str, str, float] | None:
    """``(word1, word2, score)`` of a line of a word-pair file (keys as compared), or None
    for a comment, a header or a line that is not three fields (gensim ignores those). The
    score may be NaN or infinite: the caller decides."""
    line = line.replace("\r\n", "\n")  # text-mode reading, as gensim does
    if line.startswith("#"):
        return None
    parts = [_key(p, case_insensitive) for p in line.split(delimiter)]
    if len(parts) != 3:
        return None
    try:
        score = float(parts[2])
    except ValueError:
        return None  # a header line
    return parts[0], parts[1], score


def evaluate_word_pairs(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | os.PathLike[str],
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
    dummy4unknown: bool = False,
) -> dict[str, Any]:
    """Correlation of cosine similarities with human judgements (WordSim-353, SimLex-999).

    The file has ``word1<TAB>word2<TAB>score`` lines; ``#`` lines are comments and lines that
    do not split into three fields with a numeric score (headers) are ignored. Pairs with a
    word outside the first ``restrict_vocab`` words are skipped, or with ``dummy4unknown``
    given a similarity of 0 (as gensim). Returns ``spearman``, ``pearson``, ``oov_ratio``
    (percent of pairs out of vocabulary), ``pairs`` (used), ``oov`` (out of vocabulary),
    ``total`` and ``invalid_scores``. Matches gensim's ``evaluate_word_pairs``, except for
    what gensim gets wrong:

    * a line whose score is ``nan`` or ``inf`` is left out and counted in
      ``invalid_scores`` (gensim lets it change the correlations);
    * a correlation that is undefined (fewer than 2 pairs, all scores or all similarities
      equal) is ``None`` (JSON ``null``, never ``NaN``), and ``spearman_undefined`` /
      ``pearson_undefined`` say why (they are ``None`` when the value is defined).
    """
    vectors = _check_matrix(words, vectors)
    ok, n = _ok_vocab(words, restrict_vocab, case_insensitive)
    left, right, gold = [], [], []
    unknown = []  # gold scores of out-of-vocabulary pairs, kept with dummy4unknown
    oov = invalid = 0
    for line in _read_lines(path):
        pair = _parse_pair(line, delimiter, case_insensitive)
        if pair is None:
            continue
        a, b, score = pair
        if not math.isfinite(score):
            invalid += 1
            continue
        if a not in ok or b not in ok:
            oov += 1
            if dummy4unknown:
                unknown.append(score)
            continue
        left.append(ok[a])
        right.append(ok[b])
        gold.append(score)
    if not gold and not unknown:
        why = f"{invalid} with a score that is not a finite number, " if invalid else ""
        raise Word2VecError(
            f"{path}: no usable word pairs (wrong format, {why}or every pair is out of vocabulary)"
        )
    unit = unit_rows(vectors[:n])
    # Row-wise dot products of unit vectors: cos(a_i, b_i) for all pairs at once.
    model = np.einsum("ij,ij->i", unit[left], unit[right])
    # gensim's dummy4unknown scores an unknown pair 0; correlations ignore the pairs' order.
    gold += unknown
    model = np.concatenate([model, np.zeros(len(unknown), dtype=model.dtype)])
    rho, rho_undefined = _correlation(spearman, gold, model)
    r, r_undefined = _correlation(pearson, gold, model)
    return {
        "source": str(path),
        "restrict_vocab": restrict_vocab,
        "case_insensitive": case_insensitive,
        "spearman": rho,
        "pearson": r,
        "oov_ratio": 100.0 * oov / (len(left) + oov),
        "pairs": len(gold),
        "oov": oov,
        "total": len(left) + oov,
        "invalid_scores": invalid,
        "spearman_undefined": rho_undefined,
        "pearson_undefined": r_undefined,
    }


def _correlation(
    correlation: Any, gold: Sequence[float], model: np.ndarray
) -> tuple[float | None, str | None]:
    """``correlation(gold, model)``, or ``None`` and the reason when it is undefined."""
    gold_a, model_a = np.asarray(gold, dtype=np.float64), np.asarray(model, dtype=np.float64)
    if len(gold_a) < 2:
        return None, "fewer than 2 pairs"
    if not np.isfinite(model_a).all():
        return None, "some model similarities are not finite numbers"
    if (gold_a == gold_a[0]).all():
        return None, "every human score is the same"
    if (model_a == model_a[0]).all():
        return None, "every model similarity is the same"
    value = correlation(gold_a, model_a)
    if not math.isfinite(value):
        return None, "no variance to correlate"
    return value, None


# ----------------------------------------------------------------- checking a file first

CHECK_LINES = 1000
"""How many lines of a benchmark file :func:`check_analogy_file` and
:func:`check_word_pairs_file` read at most."""


def check_analogy_file(path: str | os.PathLike[str], max_lines: int = CHECK_LINES) -> None:
    """Raise the one-line :class:`Word2VecError` that :func:`evaluate_analogies` would raise
    for ``path`` (missing, unreadable, not text, a question before the first section), or
    if its first ``max_lines`` lines hold no question; read with the same reader and
    parser, before any vectors exist (``train --evaluate`` checks its files first)."""
    with closing(_read_lines(path)) as lines:
        _, questions, _ = _parse_questions(itertools.islice(lines, max_lines), str(path), True)
    if not questions:
        raise Word2VecError(
            f"{path}: no analogy questions in its first {max_lines} lines (expected "
            "': section' lines, each followed by 'a b c d' lines, as questions-words.txt)"
        )


def check_word_pairs_file(
    path: str | os.PathLike[str], delimiter: str = "\t", max_lines: int = CHECK_LINES
) -> None:
    """Raise a one-line :class:`Word2VecError` unless one of the first ``max_lines`` lines of
    ``path`` is a word pair with a finite score, as :func:`evaluate_word_pairs` reads them
    (same reader, same parser); a missing or unreadable file is the same error too."""
    with closing(_read_lines(path)) as lines:
        for line in itertools.islice(lines, max_lines):
            pair = _parse_pair(line, delimiter, True)
            if pair is not None and math.isfinite(pair[2]):
                return
    raise Word2VecError(
        f"{path}: no word pairs in its first {max_lines} lines (expected "
        "'word1<TAB>word2<TAB>score' lines, as wordsim353.tsv)"
    )


# ------------------------------------------------------------------------ model wrappers


def evaluate_model_analogies(model: Any, path: str | os.PathLike[str], **kwargs: Any) -> dict:
    """:func:`evaluate_analogies` on a KeyedVectors (or a model's ``wv``)."""
    kv = getattr(model, "wv", model)
    return evaluate_analogies(kv.words, kv.vectors, path, **kwargs)


def evaluate_model_word_pairs(model: Any, path: str | os.PathLike[str], **kwargs: Any) -> dict:
    """:func:`evaluate_word_pairs` on a KeyedVectors (or a model's ``wv``)."""
    kv = getattr(model, "wv", model)
    return evaluate_word_pairs(kv.words, kv.vectors, path, **kwargs)

"""What the subcommands share: option spellings, loading a MODEL argument, printing tables."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..config import positive_int
from ..data.download import check_data_dir
from ..errors import Word2VecError
from ..model.word2vec import Word2Vec
from ..vectors.keyed import KeyedVectors

QUESTIONS_FILE = "questions-words.txt"
PAIRS_FILES = ("wordsim353.tsv", "simlex999.txt")
QUESTIONS_HELP = (
    "get questions-words.txt from gensim's test data (gensim/test/test_data/questions-words.txt) "
    "or https://github.com/tmikolov/word2vec (questions-words.txt)"
)


def opt(parser: argparse.ArgumentParser | Any, name: str, **kwargs: Any) -> None:
    """Add ``--name-with-dashes`` and its ``--name_with_underscores`` spelling."""
    spellings = [name]
    if "-" in name[2:]:
        spellings.append("--" + name[2:].replace("-", "_"))
    parser.add_argument(*spellings, **kwargs)


def arg_type(check: Any) -> Any:
    """An argparse ``type`` from a check of ``config.py`` (its message, one line)."""

    def parse(text: str) -> Any:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = check.__name__
    return parse


POSITIVE_INT = arg_type(positive_int)


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model", metavar="MODEL", help="a .npz model or a word2vec text/binary file"
    )
    parser.add_argument(
        "--unicode-errors",
        "--unicode_errors",
        choices=("strict", "replace", "ignore"),
        default="strict",
        help="a word2vec file's words that are not valid UTF-8 (the C tool cuts long words "
        "inside a character): refused (strict, the default), or read with the bad bytes "
        "replaced or left out, as gensim's unicode_errors",
    )


def add_top(parser: argparse.ArgumentParser, default: int, what: str = "words to show") -> None:
    parser.add_argument(
        "--top",
        "--top-n",
        "--top_n",
        dest="top",
        type=POSITIVE_INT,
        default=default,
        metavar="N",
        help=f"how many {what} (default {default})",
    )


def add_restrict(
    parser: argparse.ArgumentParser, default: int | None, what: str, limit: bool = False
) -> None:
    """``--restrict-vocab N`` (gensim's ``restrict_vocab``), also spelled ``--limit N`` with
    ``limit=True``."""
    parser.add_argument(
        *(["--limit"] if limit else []),
        "--restrict-vocab",
        "--restrict_vocab",
        dest="restrict_vocab",
        type=POSITIVE_INT,
        default=default,
        metavar="N",
        help=f"{what} only the N most frequent words, like gensim's restrict_vocab "
        f"(default: {default or 'all'})",
    )


def load_any(
    path: str | Path, unicode_errors: str = "strict"
) -> tuple[KeyedVectors, Word2Vec | None]:
    """A MODEL argument: our ``.npz`` model (the vectors and the model), our saved vectors,
    or a word2vec text/binary vector file (format sniffed; no model; its words decoded with
    ``unicode_errors``)."""
    p = Path(path)
    if not p.exists():
        raise Word2VecError(f"model file not found: {path}")
    if p.is_dir():
        raise Word2VecError(f"{path} is a directory, not a model file")
    try:
        with open(p, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise Word2VecError(f"cannot read {path}: {exc.strerror}") from None
    if magic == b"PK\x03\x04":  # .npz files are zip archives
        try:
            model = Word2Vec.load(p)
        except Word2VecError:
            return KeyedVectors.load(p), None  # saved vectors, or a clear error
        return model.wv, model
    vectors = KeyedVectors.load_word2vec_format(p, unicode_errors=unicode_errors, warn=_warn)
    if not len(vectors):
        raise Word2VecError(f"{path}: the file holds no vectors")
    return vectors, None


def data_folder_benchmarks(data_dir: str | Path | None) -> tuple[Path, Path | None, list[Path]]:
    """The data folder (``--data-dir``, ``$WORD2VEC_NUMPY_DATA`` or the cache; a file there is
    one clear line), its ``questions-words.txt`` if it holds one, and its word-pair files: the
    benchmarks ``evaluate`` and ``train --evaluate`` take when none is named."""
    folder = check_data_dir(data_dir)
    questions = folder / QUESTIONS_FILE
    pairs = [folder / name for name in PAIRS_FILES if (folder / name).is_file()]
    return folder, (questions if questions.is_file() else None), pairs


def folder_writable(folder: Path) -> bool:
    """Whether a file can be made in ``folder`` (a probe file, made and removed): checked
    before a command's work, so that a long run does not fail at its end."""
    probe = folder / f".word2vec-numpy-write-test-{time.time_ns()}"
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def unknown_word(exc: KeyError) -> Word2VecError:
    return Word2VecError(str(exc.args[0]) if exc.args else "unknown word")


# --------------------------------------------------------------------------------- printing


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "  ") -> str:
    """Rows as aligned columns: a column of numbers (ints, floats, numeric strings such as
    ``"0.8123"`` or ``"45.10%"``; ``""`` and ``"-"`` allowed) is right-aligned, text left."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    right = [
        bool(rows) and all(_numeric(row[i]) for row in rows) and any(str(row[i]) for row in rows)
        for i in range(len(headers))
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for r in cells:
        parts = [
            c.rjust(w) if right[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append((indent + "  ".join(parts)).rstrip())
    return "\n".join(lines)


def _numeric(cell: Any) -> bool:
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return True
    text = str(cell)
    if text in ("", "-"):
        return True
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def analogy_table(result: Mapping[str, Any]) -> str:
    rv = result["restrict_vocab"]
    scope = "all words" if rv is None else f"first {rv} words"
    case = "case-insensitive" if result["case_insensitive"] else "case-sensitive"
    rows = [
        (s["section"], s["correct"], s["total"], pct(s["accuracy"]) if s["total"] else "-")
        for s in result["sections"]
    ]
    rows.append(("", "", "", ""))
    for name in ("semantic", "syntactic"):
        part = result[name]
        rows.append(
            (name, part["correct"], part["total"], pct(part["accuracy"]) if part["total"] else "-")
        )
    rows.append(("total", result["correct"], result["total"], pct(result["accuracy"])))
    lines = [
        f"analogies: {result['source']} ({scope}, {case})",
        format_table(("section", "correct", "total", "accuracy"), rows),
        f"  skipped {result['skipped']} of {result['questions']} questions "
        f"({result['oov_ratio']:.1f}%) with a word outside the vocabulary",
    ]
    if result.get("malformed_lines"):
        n = result["malformed_lines"]
        lines.append(f"  ignored {n} malformed line{'s' * (n != 1)} (not 4 words)")
    return "\n".join(lines)


def pairs_table(results: Sequence[Mapping[str, Any]]) -> str:
    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    rows = [
        (
            Path(r["source"]).name,
            number(r["spearman"]),
            number(r["pearson"]),
            r["pairs"],
            f"{r['oov_ratio']:.1f}%",
        )
        for r in results
    ]
    lines = ["word pairs:", format_table(("file", "spearman", "pearson", "pairs", "oov"), rows)]
    for r in results:
        name = Path(r["source"]).name
        if r.get("spearman_undefined"):
            lines.append(f"  {name}: correlation undefined ({r['spearman_undefined']})")
        if r.get("invalid_scores"):
            n = r["invalid_scores"]
            lines.append(f"  {name}: ignored {n} line{'s' * (n != 1)} with a non-finite score")
    return "\n".join(lines)


def neighbour_table(
    word: str, neighbours: Sequence[tuple[str, float]], score: str = "cosine"
) -> str:
    rows = [(i, w, f"{s:.4f}") for i, (w, s) in enumerate(neighbours, 1)]
    return f"{word}\n" + format_table(("rank", "word", score), rows)

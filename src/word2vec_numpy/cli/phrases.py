"""``word2vec-numpy phrases IN OUT``: join frequent word pairs into phrases (word2phrase).

Reads IN (plain, ``.gz``, ``.bz2``, ``.xz``, ``.zip``, or ``-`` for standard input) once per
pass to learn the counts and once more to write OUT (``-`` for standard output): one
sentence per line, tokens separated by spaces, the words of a phrase joined by the
delimiter. With ``--passes 2`` the second pass learns on the output of the first, so pairs of
phrases and words become three- and four-word phrases. OUT is written atomically, and
compressed when its name ends in ``.gz``, ``.bz2`` or ``.xz`` (as ``train`` reads it). IN is
read as ``train`` reads it: invalid UTF-8 is replaced, with a warning, and a file without a
word is refused.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import lzma
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from ..data.phrases import ENGLISH_CONNECTOR_WORDS, SCORINGS, Phrases
from ..data.text import ReadStats, iter_corpus
from ..errors import Word2VecError
from ..files import atomic_write
from .checks import refuse_same_file, warn

CONNECTOR_SETS = {"none": frozenset(), "english": ENGLISH_CONNECTOR_WORDS}

COMPRESSORS: dict[str, Callable[[BinaryIO, str], BinaryIO]] = {
    # gzip's header names the file inside: OUT without .gz, not the temporary file written
    ".gz": lambda f, name: gzip.GzipFile(Path(name).stem, "wb", fileobj=f),  # type: ignore
    ".bz2": lambda f, name: bz2.BZ2File(f, "wb"),  # type: ignore[return-value]
    ".xz": lambda f, name: lzma.LZMAFile(f, "wb"),  # type: ignore[return-value]
}
"""OUT's suffix -> the stream that compresses it (the suffixes ``train`` decompresses)."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def _delimiter(text: str) -> str:
    if not text or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError("must be a non-empty string without spaces")
    return text


def _opt(parser: argparse.ArgumentParser, name: str, **kwargs) -> None:
    """Add ``--name-with-dashes`` and its ``--name_with_underscores`` spelling."""
    spellings = [name]
    if "-" in name[2:]:
        spellings.append("--" + name[2:].replace("-", "_"))
    parser.add_argument(*spellings, **kwargs)


def register(subparsers) -> None:
    """Add the ``phrases`` subcommand to ``subparsers`` (``args.func`` is :func:`run`)."""
    p = subparsers.add_parser(
        "phrases",
        help="join frequent word pairs into phrases (new york -> new_york)",
        description=(
            "Detect phrases from word and pair counts (word2phrase, gensim's Phrases) and "
            "write IN with the phrases joined. The default score is gensim's, (count(ab) - "
            "min_count) / (count(a) count(b)) x the number of distinct words and pairs; "
            "word2phrase multiplies by the number of tokens instead, so its thresholds (100, "
            "or 200 then 100 in demo-phrases.sh) do not carry over."
        ),
    )
    p.add_argument("input", metavar="IN", help="text file (.gz/.bz2/.xz/.zip too), - for stdin")
    p.add_argument("output", metavar="OUT", help="where to write the phrased text, - for stdout")
    _opt(
        p,
        "--min-count",
        type=_positive_int,
        default=5,
        help="pairs seen fewer times never become phrases; with --scoring default, "
        "neither do pairs seen exactly this often (5)",
    )
    _opt(
        p,
        "--threshold",
        type=_finite_float,
        default=10.0,
        help="a pair is a phrase when its score is above this (10; > 0 for default, "
        "in [-1, 1] for npmi)",
    )
    _opt(p, "--scoring", choices=SCORINGS, default="default", help="score formula (default)")
    _opt(
        p,
        "--passes",
        type=_positive_int,
        default=1,
        help="rounds of detection; 2 also finds three- and four-word phrases (1)",
    )
    _opt(p, "--delimiter", type=_delimiter, default="_", help="joins a phrase's words (_)")
    _opt(
        p,
        "--connector-words",
        choices=tuple(CONNECTOR_SETS),
        default="none",
        help="words allowed inside a phrase but never at its ends, e.g. bank_of_america "
        "with english (none)",
    )
    _opt(
        p,
        "--max-vocab-size",
        type=_positive_int,
        default=40_000_000,
        help="prune rare counts when words plus pairs pass this many (40000000)",
    )
    p.set_defaults(func=run)


MAX_LINE_TOKENS = 100_000


def _phrased(
    path: str, models: list[Phrases], stats: ReadStats | None = None
) -> Iterator[list[str]]:
    """The lines of ``path`` with the phrases of each model joined in turn: one sentence per
    line, blank lines too, as word2phrase writes them. Only a line of more than
    ``MAX_LINE_TOKENS`` tokens (text8 is one line of 17 million) is cut, to bound memory
    (on the shared corpus: 440 MB at most, against 428 MB with train's 10,000)."""
    # a file, a folder or -
    sentences: Iterable[list[str]] = iter_corpus(path, stats, MAX_LINE_TOKENS, keep_empty=True)
    for model in models:
        sentences = model.apply(sentences)
    return iter(sentences)


def _write(out: TextIO, sentences: Iterable[list[str]]) -> int:
    count = 0
    lines: list[str] = []
    for sentence in sentences:
        lines.append(" ".join(sentence))
        if len(lines) >= 4096:
            out.write("\n".join(lines) + "\n")
            count += len(lines)
            lines = []
    if lines:
        out.write("\n".join(lines) + "\n")
        count += len(lines)
    return count


def run(args: argparse.Namespace) -> int:
    """Learn ``args.passes`` phrase models on ``args.input`` and write the phrased text."""
    start = time.perf_counter()
    refuse_same_file(args.output, args.input, "the input file")
    if args.scoring == "default" and args.threshold <= 0:
        raise Word2VecError("--threshold must be > 0 with --scoring default")
    if args.scoring == "npmi" and not -1 <= args.threshold <= 1:
        raise Word2VecError("--threshold must be between -1 and 1 with --scoring npmi")
    suffix = Path(args.output).suffix.lower() if args.output != "-" else ""
    if suffix == ".zip":
        raise Word2VecError(
            f"OUT {args.output}: cannot write a .zip archive; name it .txt, .gz, .bz2 or .xz"
        )
    compressor = COMPRESSORS.get(suffix)
    spool = None
    path = args.input
    try:
        if path == "-":  # read more than once: keep a copy of standard input
            spool = tempfile.NamedTemporaryFile(prefix="phrases-", suffix=".txt", delete=False)
            with spool:
                shutil.copyfileobj(sys.stdin.buffer, spool)
            path = spool.name
        elif not Path(path).is_file():
            what = "is a directory, not a file" if Path(path).is_dir() else "not found"
            raise Word2VecError(f"input file {what}: {path}")
        models: list[Phrases] = []
        stats = ReadStats()
        for _ in range(args.passes):
            model = Phrases(
                min_count=args.min_count,
                threshold=args.threshold,
                scoring=args.scoring,
                delimiter=args.delimiter,
                connector_words=CONNECTOR_SETS[args.connector_words],
                max_vocab_size=args.max_vocab_size,
            )
            model.learn(_phrased(path, models, stats if not models else None))
            if not models:  # the first pass read IN itself
                if model.corpus_word_count == 0:
                    raise Word2VecError(f"no words found in {args.input}: is it a text file?")
                if stats.replaced:
                    warn(
                        f"{stats.replaced:,} invalid UTF-8 sequences in {args.input} were "
                        "replaced by U+FFFD"
                    )
            models.append(model.freeze())
        if args.output == "-":
            written = _write(sys.stdout, _phrased(path, models))
            sys.stdout.flush()
        else:
            counter = {}

            def write(f: BinaryIO) -> None:
                stream = compressor(f, args.output) if compressor else f
                text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")
                counter["n"] = _write(text, _phrased(path, models))
                text.flush()
                text.detach()
                if compressor:
                    stream.close()  # the compressed stream's end; f stays open

            atomic_write(args.output, write)
            written = counter["n"]
    finally:
        if spool is not None:
            os.unlink(spool.name)
    found = " + ".join(str(len(m)) for m in models)
    where = "stdout" if args.output == "-" else args.output
    print(
        f"phrases: {found} phrases found, {written} lines written to {where} "
        f"in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return 0

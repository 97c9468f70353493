"""The command-line subcommands other than ``train``: similar, analogy, evaluate, export, plot.

``cli.py`` calls :func:`add_subcommands` on its subparsers and then ``args.func(args)``,
which returns the exit code. User errors are raised as :class:`Word2VecError` (one line on
stderr, exit 2, printed by ``cli.py``). :func:`report_after_training` is what
``train --evaluate`` prints.

A MODEL argument is either our ``.npz`` model or a word2vec-format text/binary vector file
(loaded as a query-only model); see :func:`load_any`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..errors import Word2VecError
from ..vectors.evaluate import evaluate_analogies, evaluate_analogy_text, evaluate_word_pairs

__all__ = [
    "add_subcommands",
    "format_table",
    "load_any",
    "report_after_training",
]

QUESTIONS_FILE = "questions-words.txt"
PAIRS_FILES = ("wordsim353.tsv", "simlex999.txt")
QUESTIONS_HELP = (
    "get questions-words.txt from gensim's test data (gensim/test/test_data/questions-words.txt) "
    "or https://github.com/tmikolov/word2vec (questions-words.txt)"
)
PROBE_FROM = 20  # the first ~20 ids are function words whose neighbours say little
SAMPLE_PROBES = ("king", "paris", "dog", "walk", "big")


# ---------------------------------------------------------------------------------- loading


def load_any(path: str | Path) -> Any:
    """Load a model: our ``.npz`` (any zip file) with ``Word2Vec.load``, anything else as a
    word2vec text/binary vector file (format sniffed) into a query-only ``Word2Vec``."""
    from ..formats.word2vec_format import load_word2vec_format
    from ..model.word2vec import Word2Vec

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
        return Word2Vec.load(str(p))
    words, vectors = load_word2vec_format(p)
    if not words:
        raise Word2VecError(f"{path}: the file holds no vectors")
    return Word2Vec.from_vectors(words, vectors)


def _default_data_dir() -> Path:
    try:
        from ..data.download import default_data_dir
    except ImportError:
        return Path.home() / ".cache" / "word2vec-numpy"
    return Path(default_data_dir())


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


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _analogy_table(result: Mapping[str, Any]) -> str:
    rv = result["restrict_vocab"]
    scope = "all words" if rv is None else f"first {rv} words"
    case = "case-insensitive" if result["case_insensitive"] else "case-sensitive"
    rows = [
        (s["section"], s["correct"], s["total"], _pct(s["accuracy"]) if s["total"] else "-")
        for s in result["sections"]
    ]
    rows.append(("", "", "", ""))
    for name in ("semantic", "syntactic"):
        part = result[name]
        rows.append(
            (name, part["correct"], part["total"], _pct(part["accuracy"]) if part["total"] else "-")
        )
    rows.append(("total", result["correct"], result["total"], _pct(result["accuracy"])))
    lines = [
        f"analogies: {result['source']} ({scope}, {case})",
        format_table(("section", "correct", "total", "accuracy"), rows),
        f"  skipped {result['skipped']} of {result['questions']} questions "
        f"({result['oov_ratio']:.1f}%) with a word outside the vocabulary",
    ]
    if result.get("malformed_lines"):
        lines.append(f"  ignored {result['malformed_lines']} malformed lines (not 4 words)")
    return "\n".join(lines)


def _pairs_table(results: Sequence[Mapping[str, Any]]) -> str:
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
            lines.append(f"  {name}: ignored {r['invalid_scores']} lines with a non-finite score")
    return "\n".join(lines)


def _neighbour_table(word: str, neighbours: Sequence[tuple[str, float]]) -> str:
    rows = [(i, w, f"{s:.4f}") for i, (w, s) in enumerate(neighbours, 1)]
    return f"{word}\n" + format_table(("rank", "word", "cosine"), rows)


# --------------------------------------------------------------------------------- commands


def _unknown_word(exc: KeyError) -> Word2VecError:
    return Word2VecError(str(exc.args[0]) if exc.args else "unknown word")


def cmd_similar(args: argparse.Namespace) -> int:
    """``similar MODEL WORD [WORD...]``: nearest neighbours of each word."""
    model = load_any(args.model)
    try:
        results = model.most_similar_batch(
            args.words, top_n=args.top, restrict_vocab=args.restrict_vocab
        )
    except KeyError as exc:
        raise _unknown_word(exc) from None
    out = sys.stdout
    print(
        "\n\n".join(_neighbour_table(w, r) for w, r in zip(args.words, results, strict=True)),
        file=out,
    )
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    """``analogy MODEL A B C``: the words nearest to A - B + C."""
    model = load_any(args.model)
    try:
        result = model.analogy(
            args.a,
            args.b,
            args.c,
            top_n=args.top,
            method=args.method,
            restrict_vocab=args.restrict_vocab,
        )
    except KeyError as exc:
        raise _unknown_word(exc) from None
    out = sys.stdout
    print(_neighbour_table(f"{args.a} - {args.b} + {args.c} ({args.method})", result), file=out)
    return 0


def _evaluation_files(args: argparse.Namespace) -> tuple[Path | None, list[Path]]:
    pairs = [Path(p) for p in (args.pairs or [])]
    if args.analogies:
        return Path(args.analogies), pairs
    data_dir = Path(args.data_dir) if args.data_dir else _default_data_dir()
    default = data_dir / QUESTIONS_FILE
    if not args.pairs:
        # Nothing asked for explicitly: use whatever benchmark files the data dir holds.
        pairs = [data_dir / name for name in PAIRS_FILES if (data_dir / name).is_file()]
    if default.is_file():
        return default, pairs
    if pairs:
        return None, pairs  # the user only asked for word pairs
    raise Word2VecError(
        f"no analogy file: {default} does not exist; {QUESTIONS_HELP}, and put it in "
        f"{data_dir} (or pass --analogies FILE / --data-dir DIR)"
    )


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``evaluate MODEL``: analogy accuracy and word-pair correlations."""
    if not Path(args.model).exists():  # the first thing to tell, before the benchmark files
        raise Word2VecError(f"model file not found: {args.model}")
    analogy_file, pair_files = _evaluation_files(args)
    for f in ([analogy_file] if analogy_file else []) + pair_files:
        if not f.is_file():
            raise Word2VecError(f"benchmark file not found: {f}")
    model = load_any(args.model)
    words, vectors = model.vocab.words, model.W_in
    report: dict[str, Any] = {"model": str(args.model), "analogies": None, "pairs": []}
    if analogy_file is not None:
        report["analogies"] = evaluate_analogies(
            words,
            vectors,
            analogy_file,
            restrict_vocab=args.restrict_vocab,
            case_insensitive=args.case_insensitive,
        )
    for f in pair_files:
        report["pairs"].append(
            evaluate_word_pairs(
                words,
                vectors,
                f,
                restrict_vocab=args.pairs_restrict_vocab,
                case_insensitive=args.case_insensitive,
            )
        )
    out = sys.stdout
    if args.json:
        print(json.dumps(report), file=out)
        return 0
    blocks = []
    if report["analogies"] is not None:
        blocks.append(_analogy_table(report["analogies"]))
    if report["pairs"]:
        blocks.append(_pairs_table(report["pairs"]))
    print("\n\n".join(blocks), file=out)
    return 0


def _has_output_vectors(model: Any) -> bool:
    w_out = getattr(model, "W_out", None)
    return w_out is not None and bool(np.any(w_out))


def cmd_export(args: argparse.Namespace) -> int:
    """``export MODEL OUT``: write vectors in the word2vec C tool's text or binary format."""
    from ..formats.word2vec_format import save_word2vec_format

    model = load_any(args.model)
    if args.which in ("out", "sum") and not _has_output_vectors(model):
        raise Word2VecError(
            f"{args.model} has no output vectors (W_out is all zeros: the model was loaded "
            "from a word2vec file or never trained); use --which in"
        )
    if args.which == "in":
        vectors = model.W_in
    elif args.which == "out":
        vectors = model.W_out
    else:
        vectors = model.W_in + model.W_out
    fmt = args.format or ("binary" if str(args.out).endswith(".bin") else "text")
    save_word2vec_format(args.out, model.vocab.words, vectors, binary=(fmt == "binary"))
    out = sys.stdout
    n, d = np.shape(vectors)
    print(f"wrote {args.out}: {n} words x {d} dimensions ({fmt}, W_{args.which})", file=out)
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """``plot MODEL``: t-SNE map (and loss curve if the model has one) as PNGs."""
    from ..vectors.plot import epoch_boundaries_from, plot_loss, plot_tsne

    model = load_any(args.model)
    model_path = Path(args.model)
    out_dir = Path(args.out_dir) if args.out_dir else model_path.parent
    if not out_dir.is_dir():
        raise Word2VecError(f"output directory does not exist: {out_dir}")
    stem = model_path.name[: -len(".npz")] if model_path.name.endswith(".npz") else model_path.stem
    out = sys.stdout
    tsne_path = out_dir / f"{stem}.tsne.png"
    info = plot_tsne(
        model.vocab.words, model.W_in, tsne_path, top=args.top, words_to_plot=args.words
    )
    print(f"wrote {tsne_path} ({info['words']} words, {info['labelled']} labelled)", file=out)
    history = list(getattr(model, "loss_history", None) or [])
    if history:
        loss_path = out_dir / f"{stem}.loss.png"
        epochs = getattr(model, "history_epochs", None)
        plot_loss(history, epoch_boundaries_from(epochs) if epochs is not None else None, loss_path)
        print(f"wrote {loss_path} ({len(history)} loss points)", file=out)
    return 0


# ------------------------------------------------------------------------------- registering


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _add_top(parser: argparse.ArgumentParser, default: int) -> None:
    parser.add_argument(
        "--top",
        "--top-n",
        "--top_n",
        dest="top",
        type=_positive_int,
        default=default,
        metavar="N",
        help=f"how many words to show (default {default})",
    )


def _add_restrict(parser: argparse.ArgumentParser, default: int | None, what: str) -> None:
    parser.add_argument(
        "--restrict-vocab",
        "--restrict_vocab",
        dest="restrict_vocab",
        type=_positive_int,
        default=default,
        metavar="N",
        help=f"{what} only the N most frequent words (default: {default or 'all'})",
    )


def add_subcommands(subparsers: Any) -> None:
    """Register ``similar``, ``analogy``, ``evaluate``, ``export`` and ``plot`` on an
    ``argparse`` subparsers object; each sets ``func`` to a handler ``(args) -> exit code``."""
    p = subparsers.add_parser(
        "similar",
        help="nearest neighbours of words",
        description="Print the nearest neighbours (cosine) of each WORD.",
    )
    p.add_argument("model", metavar="MODEL", help="a .npz model or a word2vec text/binary file")
    p.add_argument("words", metavar="WORD", nargs="+")
    _add_top(p, 10)
    _add_restrict(p, None, "search")
    p.set_defaults(func=cmd_similar)

    p = subparsers.add_parser(
        "analogy",
        help="solve A - B + C = ?",
        description="Print the words nearest to A - B + C, e.g. "
        "'analogy MODEL king man woman' -> queen.",
    )
    p.add_argument("model", metavar="MODEL", help="a .npz model or a word2vec text/binary file")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    _add_top(p, 5)
    p.add_argument(
        "--method",
        choices=("3cosadd", "3cosmul"),
        default="3cosadd",
        help="3cosadd (vector offset, default) or 3cosmul (Levy & Goldberg 2014)",
    )
    _add_restrict(p, None, "search")
    p.set_defaults(func=cmd_analogy)

    p = subparsers.add_parser(
        "evaluate",
        help="analogy accuracy and word-similarity correlations",
        description="Score a model on questions-words.txt analogies and on word-pair "
        "similarity files (WordSim-353, SimLex-999), with the same semantics as gensim.",
    )
    p.add_argument("model", metavar="MODEL", help="a .npz model or a word2vec text/binary file")
    p.add_argument(
        "--analogies",
        metavar="FILE",
        help=f"analogy questions (default: {QUESTIONS_FILE} in --data-dir)",
    )
    p.add_argument(
        "--pairs",
        metavar="FILE",
        nargs="+",
        action="extend",
        help="word-pair files (tab-separated word1 word2 score); "
        "default: wordsim353.tsv and simlex999.txt in --data-dir if present",
    )
    _add_restrict(p, 30000, "analogies use")
    p.add_argument(
        "--pairs-restrict-vocab",
        "--pairs_restrict_vocab",
        type=_positive_int,
        default=300000,
        metavar="N",
        help="word pairs use only the N most frequent words (default 300000)",
    )
    case = p.add_mutually_exclusive_group()
    case.add_argument(
        "--case-insensitive",
        "--case_insensitive",
        dest="case_insensitive",
        action="store_true",
        default=True,
        help="ignore case (default)",
    )
    case.add_argument(
        "--case-sensitive",
        "--case_sensitive",
        dest="case_insensitive",
        action="store_false",
        help="match words exactly",
    )
    p.add_argument(
        "--data-dir",
        "--data_dir",
        dest="data_dir",
        metavar="DIR",
        help="where to look for the benchmark files (default: the data cache)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser(
        "export",
        help="write vectors in word2vec text/binary format",
        description="Write a model's vectors in the word2vec C tool's format.",
    )
    p.add_argument("model", metavar="MODEL", help="a .npz model or a word2vec text/binary file")
    p.add_argument("out", metavar="OUT")
    p.add_argument(
        "--format",
        choices=("text", "binary"),
        default=None,
        help="default: binary if OUT ends with .bin, else text",
    )
    p.add_argument(
        "--which",
        choices=("in", "out", "sum"),
        default="in",
        help="input vectors (default), output vectors, or their sum",
    )
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser(
        "plot",
        help="t-SNE map and loss curve as PNG files",
        description="Write MODEL.tsne.png (and MODEL.loss.png for a "
        "trained .npz model) next to the model.",
    )
    p.add_argument("model", metavar="MODEL", help="a .npz model or a word2vec text/binary file")
    p.add_argument("--words", nargs="+", metavar="WORD", help="plot these words")
    p.add_argument(
        "--top",
        "--top-n",
        "--top_n",
        dest="top",
        type=_positive_int,
        default=300,
        metavar="N",
        help="plot the N most frequent words (default 300)",
    )
    p.add_argument(
        "--out-dir",
        "--out_dir",
        dest="out_dir",
        metavar="DIR",
        help="where to write the PNGs (default: next to the model)",
    )
    p.set_defaults(func=cmd_plot)


# ----------------------------------------------------------------------- after training


def _option(options: Any, name: str, default: Any = None) -> Any:
    if options is None:
        return default
    value = options.get(name) if isinstance(options, Mapping) else getattr(options, name, None)
    return default if value is None else value


def _norm_stats(matrix: np.ndarray) -> dict[str, float]:
    norms = np.linalg.norm(np.asarray(matrix, dtype=np.float32), axis=1)
    if len(norms) == 0:
        return {"mean": 0.0, "std": 0.0, "min": 0.0, "max": 0.0}
    return {
        k: float(f(norms))
        for k, f in (("mean", np.mean), ("std", np.std), ("min", np.min), ("max", np.max))
    }


def _is_sample_corpus(options: Any) -> bool:
    if _option(options, "sample_corpus", False):
        return True
    corpus = _option(options, "corpus", "")
    return str(corpus) in ("sample", "<sample>")


def _probe_words(model: Any, sample: bool) -> list[str]:
    words = model.vocab.words
    if sample:
        probes = [w for w in SAMPLE_PROBES if w in model.vocab.word_to_id]
        if probes:
            return probes
    n = len(words)
    start = PROBE_FROM if n > PROBE_FROM + 5 else 0
    step = max(1, min(20, (n - start) // 5))  # ids 20, 40, ..., 100 in a big vocabulary
    return [words[i] for i in range(start, min(n, start + 5 * step), step)]


def report_after_training(
    model: Any, options: Any = None, out_stream: TextIO | None = None
) -> dict:
    """Print a quick look at a freshly trained model and return the numbers.

    Prints nearest neighbours of a few frequent (non-stop-word) words, the row-norm
    statistics of ``W_in`` and ``W_out``, the planted analogies when the corpus is the sample
    corpus, and the benchmarks given in ``options``. ``options`` is an argparse Namespace or
    a dict; read: ``corpus`` (``"sample"`` means the sample corpus) or ``sample_corpus``
    (bool), ``analogies`` (file), ``pairs`` (list of files), ``restrict_vocab`` (default
    30000), ``case_insensitive`` (default True).
    """
    out = out_stream if out_stream is not None else sys.stdout
    words, W_in = model.vocab.words, model.W_in
    report: dict[str, Any] = {}
    sample = _is_sample_corpus(options)

    probes = _probe_words(model, sample)
    neighbours = model.most_similar_batch(probes, top_n=8) if probes else []
    report["neighbours"] = {
        w: [(n, round(s, 4)) for n, s in r] for w, r in zip(probes, neighbours, strict=True)
    }
    print("nearest neighbours:", file=out)
    width = max((len(w) for w in probes), default=0)
    for w, r in zip(probes, neighbours, strict=True):
        print(f"  {w.ljust(width)}  " + ", ".join(f"{n} {s:.2f}" for n, s in r), file=out)

    report["norms"] = {"W_in": _norm_stats(W_in)}
    if getattr(model, "W_out", None) is not None:
        report["norms"]["W_out"] = _norm_stats(model.W_out)
    rows = [
        (name, *(f"{s[k]:.4f}" for k in ("mean", "std", "min", "max")))
        for name, s in report["norms"].items()
    ]
    print("\nrow norms:\n" + format_table(("matrix", "mean", "std", "min", "max"), rows), file=out)

    report["sample_analogies"] = None
    if sample:
        from ..data.sample import sample_questions

        result = evaluate_analogy_text(
            words,
            W_in,
            sample_questions(),
            restrict_vocab=None,
            case_insensitive=False,
            source="sample questions",
        )
        report["sample_analogies"] = result
        print("\n" + _analogy_table(result), file=out)
        if all(w in model.vocab.word_to_id for w in ("king", "man", "woman")):
            best = model.analogy("king", "man", "woman", top_n=3)
            print("  king - man + woman = " + ", ".join(f"{w} {s:.2f}" for w, s in best), file=out)

    report["analogies"] = None
    analogies = _option(options, "analogies")
    restrict = _option(options, "restrict_vocab", 30000)
    case_insensitive = _option(options, "case_insensitive", True)
    if analogies:
        report["analogies"] = evaluate_analogies(
            words, W_in, analogies, restrict_vocab=restrict, case_insensitive=case_insensitive
        )
        print("\n" + _analogy_table(report["analogies"]), file=out)
    pairs = _option(options, "pairs", [])
    if isinstance(pairs, (str, Path)):
        pairs = [pairs]
    report["pairs"] = [
        evaluate_word_pairs(words, W_in, f, case_insensitive=case_insensitive) for f in pairs
    ]
    if report["pairs"]:
        print("\n" + _pairs_table(report["pairs"]), file=out)
    return report

"""``word2vec-numpy evaluate MODEL``: analogy accuracy and word-pair correlations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import Word2VecError
from ..files import write_json
from ..formats.npz import sidecar_path
from ..vectors.evaluate import evaluate_analogies, evaluate_word_pairs
from .common import (
    POSITIVE_INT,
    QUESTIONS_FILE,
    QUESTIONS_HELP,
    add_model_argument,
    add_restrict,
    analogy_table,
    data_folder_benchmarks,
    folder_writable,
    load_any,
    opt,
    pairs_table,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="analogy accuracy and word-similarity correlations",
        description="Score a model on questions-words.txt analogies and on word-pair "
        "similarity files (WordSim-353, SimLex-999), with the same semantics as gensim.",
    )
    add_model_argument(p)
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
    add_restrict(p, 30000, "analogies use")
    opt(
        p,
        "--pairs-restrict-vocab",
        type=POSITIVE_INT,
        default=300000,
        metavar="N",
        help="word pairs use only the N most frequent words (default 300000)",
    )
    case = p.add_mutually_exclusive_group()
    opt(
        case,
        "--case-insensitive",
        dest="case_insensitive",
        action="store_true",
        default=True,
        help="ignore case (default)",
    )
    opt(
        case,
        "--case-sensitive",
        dest="case_insensitive",
        action="store_false",
        help="match words exactly",
    )
    opt(
        p,
        "--data-dir",
        dest="data_dir",
        metavar="DIR",
        help="where to look for the benchmark files (default: the data cache)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--save",
        action="store_true",
        help="also write the scores beside the model as MODEL.eval.json (MODEL without "
        ".npz; `serve` shows them in its report)",
    )
    p.set_defaults(func=run)


def _evaluation_files(args: argparse.Namespace) -> tuple[Path | None, list[Path]]:
    pairs = [Path(p) for p in (args.pairs or [])]
    if args.analogies:
        return Path(args.analogies), pairs
    data_dir, questions, found = data_folder_benchmarks(args.data_dir)
    # pairs named: those; else whatever the data folder holds
    pairs = pairs or found
    if questions is not None or pairs:
        return questions, pairs  # (no questions: the user only asked for word pairs)
    raise Word2VecError(
        f"no analogy file: {data_dir / QUESTIONS_FILE} does not exist; {QUESTIONS_HELP}, and "
        f"put it in {data_dir} (or pass --analogies FILE / --data-dir DIR)"
    )


def run(args: argparse.Namespace) -> int:
    if not Path(args.model).exists():  # the first thing to tell, before the benchmark files
        raise Word2VecError(f"model file not found: {args.model}")
    analogy_file, pair_files = _evaluation_files(args)
    for f in ([analogy_file] if analogy_file else []) + pair_files:
        if f.is_dir():
            raise Word2VecError(f"benchmark file {f} is a folder, not a file")
        if not f.is_file():
            raise Word2VecError(f"benchmark file not found: {f}")
    if args.save:  # before the work: a read-only model folder must not waste it
        saved = sidecar_path(args.model, ".eval.json")
        if not folder_writable(Path(saved).parent):
            raise Word2VecError(f"--save: cannot write {saved}: its folder is not writable")
    kv, _ = load_any(args.model, args.unicode_errors)
    words, vectors = kv.words, kv.vectors
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
    if args.save:
        write_json(saved, report)
    if args.json:
        print(json.dumps(report), file=out)
        return 0
    blocks = []
    if report["analogies"] is not None:
        blocks.append(analogy_table(report["analogies"]))
    if report["pairs"]:
        blocks.append(pairs_table(report["pairs"]))
    if args.save:
        blocks.append(f"saved {saved}")
    print("\n\n".join(blocks), file=out)
    return 0

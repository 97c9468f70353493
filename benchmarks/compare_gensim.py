#!/usr/bin/env python
"""Train word2vec-numpy and gensim on the same corpus with the same settings and compare
training time, throughput, peak memory and embedding quality.

    python benchmarks/compare_gensim.py --corpus ../shared/data/corpus1m.txt --epochs 1

How it works:

* The corpus is first rewritten into a temporary plain-text file, one sentence per line,
  with our tokeniser (``iter_sentences``), cut at ``--max-tokens`` and at 10,000 tokens per
  sentence (the length at which both trainers cut a long line anyway). Both trainers read
  this same file, so they see exactly the same tokens and sentence boundaries, and gensim's
  ``LineSentence`` never has to hold a whole one-line text8-style file as one list of
  strings. (``--raw-input`` skips this and hands the original file to both.)
* Each trainer runs in its own child process (this script in ``--child`` mode), one after
  the other. The child times reading (ours: ``encode_corpus``; gensim: ``build_vocab``)
  separately from training (``Trainer.train`` / ``Word2Vec.train``), then evaluates the
  vectors with OUR evaluator (``word2vec_numpy.evaluate``) and prints one JSON line.
* Peak memory: the parent samples the child and all its descendants (our trainer forks one
  process per worker) every ``--sample-interval`` seconds and sums, over the whole tree,
  ``VmRSS`` from ``/proc/<pid>/status`` and ``Pss`` from ``/proc/<pid>/smaps_rollup``.
  RSS counts shared pages (our shared-memory weight matrices, copy-on-write pages after the
  fork) once in every process that maps them, so the summed RSS overstates a multi-process
  tree; PSS splits each shared page between the processes that share it, so the summed PSS
  is the tree's real footprint. PSS is the headline "peak memory". Peaks cover reading and
  training (not the evaluation, which is the same code for both).
* Words/s is computed the same way for both: raw corpus tokens (every token read, including
  words below ``min_count``) x epochs / training wall seconds.
* ``--scaling N1,N2,...`` trains ours (both with ``--scaling-both``) on the first N1, N2, ...
  tokens and prints seconds and seconds per million tokens, to show that the cost is linear.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MAX_SENTENCE_LENGTH = 10_000
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
ANALOGIES = "questions-words.txt"
WORDSIM = "wordsim353.tsv"
SIMLEX = "simlex999.txt"
TRAINERS = ("ours", "gensim")
RESULT_TAG = "@result "
PHASE_TAG = "@phase "
HEADLINE_PHASES = ("startup", "load", "train")  # peak memory excludes "eval"


# ------------------------------------------------------------------------------ arguments


def _positive_int(text: str) -> int:
    value = int(float(text)) if "e" in text.lower() else int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _nonnegative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _size_list(text: str) -> list[int]:
    try:
        sizes = [_positive_int(part.strip().replace("_", "")) for part in text.split(",") if part]
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated token counts, got {text!r}"
        ) from None
    if not sizes:
        raise argparse.ArgumentTypeError("expected at least one token count")
    return sorted(set(sizes))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Compare word2vec-numpy with gensim (time, words/s, peak memory, quality).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--corpus", required=True, help="text file (.gz/.bz2/.xz/.zip too)")
    p.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram", help="architecture")
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=len(os.sched_getaffinity(0)),
        help="ours: worker processes; gensim: worker threads",
    )
    p.add_argument("--epochs", type=_positive_int, default=5, help="passes over the corpus")
    p.add_argument(
        "--max-tokens",
        type=_positive_int,
        default=None,
        help="use only the first N tokens of the corpus (both trainers)",
    )
    p.add_argument("--dim", type=_positive_int, default=100, help="embedding dimension")
    p.add_argument("--window", type=_positive_int, default=5, help="maximum context radius")
    p.add_argument(
        "--neg", type=_nonnegative_int, default=5, help="negative samples per example (0: none)"
    )
    p.add_argument(
        "--hs", type=int, choices=(0, 1), default=0, help="hierarchical softmax (both trainers)"
    )
    p.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold")
    p.add_argument("--min-count", type=_positive_int, default=5, help="drop rarer words")
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="ours only (default: the library's Trainer default)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (both trainers)")
    p.add_argument("--json", action="store_true", help="print one JSON object, not a table")
    p.add_argument("--only", choices=TRAINERS, default=None, help="run just one trainer")
    p.add_argument(
        "--scaling",
        type=_size_list,
        default=None,
        metavar="N1,N2,...",
        help="time ours at these --max-tokens instead of the comparison",
    )
    p.add_argument(
        "--scaling-both", action="store_true", help="with --scaling, time gensim as well"
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder with {ANALOGIES}, {WORDSIM}, {SIMLEX}",
    )
    p.add_argument(
        "--restrict-vocab",
        type=_positive_int,
        default=30000,
        help="analogies use only the most frequent N words (gensim's default)",
    )
    p.add_argument("--no-eval", action="store_true", help="skip the quality evaluation")
    p.add_argument(
        "--raw-input",
        action="store_true",
        help="give both trainers the original file instead of a re-tokenised copy",
    )
    p.add_argument("--tmp-dir", type=Path, default=None, help="where temporary files go")
    p.add_argument(
        "--sample-interval", type=float, default=0.1, help="seconds between memory samples"
    )
    # internal: run one trainer in this process and print a JSON result line
    p.add_argument("--child", choices=TRAINERS, default=None, help=argparse.SUPPRESS)
    p.add_argument("--child-tmp", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.neg == 0 and not args.hs:
        p.error("--neg 0 needs --hs 1 (no output layer otherwise)")
    if args.raw_input and (args.max_tokens or args.scaling):
        p.error("--raw-input cannot be combined with --max-tokens or --scaling")
    if args.scaling_both and not args.scaling:
        p.error("--scaling-both needs --scaling")
    if args.scaling and args.only:
        p.error("--only does not apply to --scaling (use --scaling-both for gensim too)")
    return args


# ------------------------------------------------------------------------------ child mode


def _phase(name: str) -> None:
    print(PHASE_TAG + name, flush=True)


def _maxrss_mb() -> dict[str, float]:
    # ru_maxrss is in kB on Linux. RUSAGE_CHILDREN is the largest single waited-for child.
    return {
        "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _evaluate(words: list[str], vectors: Any, args: argparse.Namespace) -> dict[str, Any]:
    from word2vec_numpy.vectors.evaluate import evaluate_analogies, evaluate_word_pairs

    out: dict[str, Any] = {}
    analogies = evaluate_analogies(
        words, vectors, args.data_dir / ANALOGIES, restrict_vocab=args.restrict_vocab
    )
    out["analogy"] = {
        k: analogies[k] for k in ("accuracy", "correct", "total", "questions", "skipped")
    }
    out["analogy"]["semantic"] = analogies["semantic"]
    out["analogy"]["syntactic"] = analogies["syntactic"]
    for name, file in (("wordsim353", WORDSIM), ("simlex999", SIMLEX)):
        pairs = evaluate_word_pairs(words, vectors, args.data_dir / file)
        out[name] = {k: pairs[k] for k in ("spearman", "pearson", "pairs", "oov", "total")}
    return out


def run_ours(args: argparse.Namespace) -> dict[str, Any]:
    from word2vec_numpy import Trainer, Word2Vec, encode_corpus, iter_sentences

    _phase("load")
    t0 = time.perf_counter()
    corpus = encode_corpus(
        iter_sentences(args.corpus),
        args.child_tmp / "ids.u32",
        min_count=args.min_count,
        max_tokens=args.max_tokens,
    )
    load_s = time.perf_counter() - t0
    model = Word2Vec(
        corpus.vocab,
        embed_dim=args.dim,
        n_negatives=args.neg,
        hs=args.hs,
        model=args.model,
        seed=args.seed,
    )
    extra = {} if args.batch_size is None else {"batch_size": args.batch_size}
    trainer = Trainer(
        model,
        corpus.vocab,
        corpus,
        n_epochs=args.epochs,
        window=args.window,
        sample=args.sample,
        workers=args.workers,
        seed=args.seed,
        quiet=True,
        **extra,
    )
    _phase("train")
    t0 = time.perf_counter()
    error = None
    try:
        trainer.train()
    except Exception as exc:  # e.g. TrainingDiverged: report it instead of losing the table
        error = f"{type(exc).__name__}: {exc}"
    train_s = time.perf_counter() - t0
    result = {
        "error": error,
        "batch_size": trainer.batch_size,
        "load_s": load_s,
        "train_s": train_s,
        "raw_tokens": int(corpus.total_tokens),
        "vocab_words": int(corpus.n_words),
        "vocab_size": len(corpus.vocab),
        "final_loss": trainer.epoch_losses[-1] if trainer.epoch_losses else None,
        "epoch_losses": list(trainer.epoch_losses),
        **_maxrss_mb(),
    }
    if not args.no_eval and error is None:
        _phase("eval")
        result["eval"] = _evaluate(corpus.vocab.words, model.W_in, args)
    return result


def run_gensim(args: argparse.Namespace) -> dict[str, Any]:
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence

    sentences = LineSentence(str(args.corpus), max_sentence_length=MAX_SENTENCE_LENGTH)
    sg = args.model == "skipgram"
    model = GensimWord2Vec(
        vector_size=args.dim,
        window=args.window,
        negative=args.neg,
        hs=args.hs,
        sample=args.sample,
        min_count=args.min_count,
        sg=1 if sg else 0,
        cbow_mean=1,
        workers=args.workers,
        epochs=args.epochs,
        seed=args.seed,
        alpha=0.025 if sg else 0.05,
        min_alpha=1e-4,
    )
    _phase("load")
    t0 = time.perf_counter()
    model.build_vocab(sentences)
    load_s = time.perf_counter() - t0
    _phase("train")
    t0 = time.perf_counter()
    trained, raw = model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    train_s = time.perf_counter() - t0
    counts = model.wv.expandos["count"]
    result = {
        "load_s": load_s,
        "train_s": train_s,
        "raw_tokens": int(model.corpus_total_words),
        "vocab_words": int(counts.sum()),
        "vocab_size": len(model.wv),
        "final_loss": None,
        "gensim_trained_words": int(trained),
        "gensim_raw_words": int(raw),
        **_maxrss_mb(),
    }
    if not args.no_eval:
        _phase("eval")
        result["eval"] = _evaluate(list(model.wv.index_to_key), model.wv.vectors, args)
    return result


def child_main(args: argparse.Namespace) -> None:
    args.corpus = Path(args.corpus)
    result = run_ours(args) if args.child == "ours" else run_gensim(args)
    print(RESULT_TAG + json.dumps(result), flush=True)


# ------------------------------------------------------------------------ memory sampling


def _proc_tree(root: int) -> list[int]:
    """``root`` and all its descendants (by scanning /proc/*/stat for parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def _field_kb(path: str, key: str) -> int | None:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def sample_tree(root: int) -> tuple[int, int | None, int]:
    """(summed RSS kB, summed PSS kB or None if unavailable, number of processes)."""
    rss, pss, n, pss_ok = 0, 0, 0, True
    for pid in _proc_tree(root):
        r = _field_kb(f"/proc/{pid}/status", "VmRSS:")
        if r is None:
            continue  # gone, or a zombie
        p = _field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
        rss += r
        n += 1
        if p is None:
            pss_ok = False
        else:
            pss += p
    return rss, (pss if pss_ok else None), n


def run_child(
    kind: str,
    corpus: Path,
    args: argparse.Namespace,
    max_tokens: int | None,
    no_eval: bool,
    tmp: Path,
) -> dict[str, Any]:
    """Run one trainer in a child process, sampling its process tree's memory."""
    child_tmp = Path(tempfile.mkdtemp(prefix=f"{kind}.", dir=tmp))
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--child-tmp",
        str(child_tmp),
        "--corpus",
        str(corpus),
        "--model",
        args.model,
        "--workers",
        str(args.workers),
        "--epochs",
        str(args.epochs),
        "--dim",
        str(args.dim),
        "--window",
        str(args.window),
        "--neg",
        str(args.neg),
        "--hs",
        str(args.hs),
        "--sample",
        repr(args.sample),
        "--min-count",
        str(args.min_count),
        "--seed",
        str(args.seed),
        "--data-dir",
        str(args.data_dir),
        "--restrict-vocab",
        str(args.restrict_vocab),
    ]
    if max_tokens:
        cmd += ["--max-tokens", str(max_tokens)]
    if args.batch_size is not None:
        cmd += ["--batch-size", str(args.batch_size)]
    if no_eval:
        cmd.append("--no-eval")
    state: dict[str, Any] = {"phase": "startup", "result": None}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)

    def read_stdout() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(PHASE_TAG):
                state["phase"] = line[len(PHASE_TAG) :].strip()
            elif line.startswith(RESULT_TAG):
                state["result"] = json.loads(line[len(RESULT_TAG) :])
            else:
                sys.stderr.write(line)

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    peaks: dict[str, dict[str, Any]] = {}
    n_samples = 0
    try:
        while proc.poll() is None:
            rss, pss, n_proc = sample_tree(proc.pid)
            phase = state["phase"]  # read after sampling: a sample at a change counts later
            if n_proc:
                n_samples += 1
                peak = peaks.setdefault(phase, {"rss_mb": 0.0, "pss_mb": 0.0, "processes": 0})
                peak["rss_mb"] = max(peak["rss_mb"], rss / 1024)
                peak["pss_mb"] = None if pss is None else max(peak["pss_mb"] or 0.0, pss / 1024)
                peak["processes"] = max(peak["processes"], n_proc)
            time.sleep(args.sample_interval)
    finally:
        if proc.poll() is None:  # interrupted: let our trainer stop its workers, then insist
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait()
        reader.join(timeout=10)
        shutil.rmtree(child_tmp, ignore_errors=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0 or state["result"] is None:
        raise SystemExit(f"compare_gensim: the {kind} run failed (exit code {proc.returncode})")
    result = state["result"]
    headline = [peaks[p] for p in HEADLINE_PHASES if p in peaks]
    pss_values = [p["pss_mb"] for p in headline]
    result.update(
        trainer=kind,
        process_wall_s=wall,
        peak_rss_mb=max((p["rss_mb"] for p in headline), default=None),
        peak_pss_mb=None if not headline or None in pss_values else max(pss_values),
        peak_by_phase=peaks,
        memory_samples=n_samples,
        words_per_s=None
        if result.get("error")
        else result["raw_tokens"] * args.epochs / result["train_s"],
    )
    return result


# --------------------------------------------------------------------------- corpus prep


def prepare_corpora(source: Path, limits: list[int | None], tmp: Path) -> dict:
    """Re-tokenise ``source`` once into one file per token limit (None: everything), one
    sentence per line, sentences cut at MAX_SENTENCE_LENGTH tokens. Returns
    {limit: (path, tokens written)}."""
    from word2vec_numpy import iter_sentences

    outs = {}
    for limit in limits:
        name = f"corpus.{limit or 'all'}.txt"
        outs[limit] = [tmp / name, open(tmp / name, "w", encoding="utf-8"), 0]  # noqa: SIM115
    try:
        open_limits = set(limits)
        for sentence in iter_sentences(source, MAX_SENTENCE_LENGTH):
            if not open_limits:
                break
            for limit in list(open_limits):
                out = outs[limit]
                piece = sentence if limit is None else sentence[: limit - out[2]]
                if piece:
                    out[1].write(" ".join(piece) + "\n")
                    out[2] += len(piece)
                if limit is not None and out[2] >= limit:
                    open_limits.discard(limit)
    finally:
        for out in outs.values():
            out[1].close()
    return {limit: (out[0], out[2]) for limit, out in outs.items()}


# ------------------------------------------------------------------------------ reporting


def machine_info() -> dict[str, Any]:
    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    env = {
        k: v
        for k, v in sorted(os.environ.items())
        if k.startswith("OPENBLAS_") or k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "gensim": version("gensim"),
        "word2vec_numpy": version("word2vec-numpy"),
        "env": env,
    }


def _fmt(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    return format(value, spec)


def _ratio(a: Any, b: Any) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _metrics(run: dict[str, Any]) -> dict[str, Any]:
    ev = run.get("eval") or {}
    an = ev.get("analogy") or {}
    return {
        "load_s": run["load_s"],
        "train_s": None if run.get("error") else run["train_s"],
        "words_per_s": run["words_per_s"],
        "peak_pss_mb": run["peak_pss_mb"],
        "peak_rss_mb": run["peak_rss_mb"],
        "analogy_acc": an.get("accuracy"),
        "covered": an.get("total"),
        "ws353": (ev.get("wordsim353") or {}).get("spearman"),
        "simlex999": (ev.get("simlex999") or {}).get("spearman"),
        "final_loss": run.get("final_loss"),
    }


COLUMNS = [
    ("read s", "load_s", ".2f"),
    ("train wall s", "train_s", ".2f"),
    ("words/s (raw tokens x epochs / train s)", "words_per_s", ",.0f"),
    ("peak PSS MB", "peak_pss_mb", ",.0f"),
    ("peak RSS MB", "peak_rss_mb", ",.0f"),
    ("analogy acc", "analogy_acc", ".4f"),
    ("covered", "covered", ","),
    ("WS-353", "ws353", ".4f"),
    ("SimLex-999", "simlex999", ".4f"),
    ("final loss", "final_loss", ".4f"),
]


def _ours_batch_size(report: dict[str, Any], args: argparse.Namespace) -> Any:
    """The batch size ours really used (the library default unless --batch-size)."""
    runs = list(report.get("runs", {}).values())
    for rows in report.get("scaling", {}).values():
        runs += rows
    for run in runs:
        if run.get("trainer") == "ours":
            return run["batch_size"]
    return args.batch_size if args.batch_size is not None else "default"


def header_lines(args: argparse.Namespace, report: dict[str, Any]) -> list[str]:
    info = report["machine"]
    env = " ".join(f"{k}={v}" for k, v in info["env"].items()) or "(no BLAS env vars set)"
    return [
        "command: python " + shlex.join(sys.argv),
        f"machine: {info['platform']}, {info['cpu_count']} CPUs ({info['cpus_usable']} usable), "
        f"Python {info['python']}, numpy {info['numpy']}, gensim {info['gensim']}, "
        f"word2vec-numpy {info['word2vec_numpy']}, {env}",
        f"settings: model={args.model} dim={args.dim} window={args.window} neg={args.neg} "
        f"hs={args.hs} "
        f"sample={args.sample:g} min_count={args.min_count} epochs={args.epochs} "
        f"workers={args.workers} (ours: processes, gensim: threads) "
        f"batch_size={_ours_batch_size(report, args)} (ours) seed={args.seed}",
    ]


def comparison_table(report: dict[str, Any], args: argparse.Namespace) -> str:
    runs = report["runs"]
    any_run = next(iter(runs.values()))
    lines = [f"# {line}" for line in header_lines(args, report)]
    corpus = f"corpus: {report['corpus']}"
    if args.max_tokens:
        corpus += f" (first {args.max_tokens:,} tokens)"
    corpus += f"; raw tokens {any_run['raw_tokens']:,}"
    corpus += "; in-vocabulary words / vocabulary: " + ", ".join(
        f"{k} {r['vocab_words']:,} / {r['vocab_size']:,}" for k, r in runs.items()
    )
    lines.append(f"# {corpus}")
    if len({r["raw_tokens"] for r in runs.values()}) > 1:
        lines.append(
            "# WARNING: the trainers counted different raw tokens: "
            + ", ".join(f"{k} {r['raw_tokens']:,}" for k, r in runs.items())
        )
    lines.append(
        "# words/s = raw corpus tokens (all tokens read, including words below min_count) "
        "x epochs / train wall s, for both trainers"
    )
    lines.append(
        "# peak memory = max over samples every "
        f"{args.sample_interval:g} s of the sum over the trainer's process tree (child + "
        "workers) of PSS (headline: shared pages split between processes) and of RSS "
        "(shared pages counted in every process), from start-up through training"
    )
    lines.append(
        f"# quality (our evaluator): analogy accuracy over the covered questions (of "
        f"{_covered_total(runs)}, restrict_vocab={args.restrict_vocab}); Spearman for "
        "WS-353 and SimLex-999"
    )
    lines.append("")
    lines.append("| | " + " | ".join(c[0] for c in COLUMNS) + " |")
    lines.append("|---|" + "---:|" * len(COLUMNS))
    metrics = {k: _metrics(r) for k, r in runs.items()}
    for name, m in metrics.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(m[key], s) for _, key, s in COLUMNS) + " |")
    if "ratio" in report:
        ratio = report["ratio"]
        lines.append(
            "| ours/gensim | "
            + " | ".join(_fmt(ratio.get(key), ".2f") for _, key, _ in COLUMNS)
            + " |"
        )
    for name, run in runs.items():
        if run.get("error"):
            lines.append("")
            lines.append(f"{name} FAILED during training: {run['error']}")
    return "\n".join(lines)


def _covered_total(runs: dict[str, Any]) -> str:
    for run in runs.values():
        an = (run.get("eval") or {}).get("analogy")
        if an:
            return f"{an['questions']:,} questions"
    return "- questions"


def linear_fit(points: list[tuple[float, float]]) -> dict[str, float] | None:
    """Least squares seconds = a + b * millions of tokens, with R^2."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    syy = sum((y - my) ** 2 for _, y in points)
    if sxx == 0:
        return None
    b = sxy / sxx
    a = my - b * mx
    r2 = 1.0 if syy == 0 else sxy * sxy / (sxx * syy)
    return {"intercept_s": a, "s_per_million_tokens": b, "r2": r2}


def scaling_table(report: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [f"# {line}" for line in header_lines(args, report)]
    lines.append(f"# scaling on the first N tokens of {report['corpus']} (no evaluation)")
    lines.append("# s per M tokens = train wall s / (raw tokens x epochs / 1e6)")
    for kind, rows in report["scaling"].items():
        lines.append("")
        lines.append(f"{kind}:")
        lines.append("")
        lines.append(
            "| tokens | in-vocab words | vocab | read s | train wall s | s per M tokens "
            "| words/s | peak PSS MB | peak RSS MB |"
        )
        lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            lines.append(
                f"| {r['raw_tokens']:,} | {r['vocab_words']:,} | {r['vocab_size']:,} "
                f"| {r['load_s']:.2f} | {r['train_s']:.2f} | {r['s_per_million_tokens']:.2f} "
                f"| {_fmt(r['words_per_s'], ',.0f')} | {_fmt(r['peak_pss_mb'], ',.0f')} "
                f"| {_fmt(r['peak_rss_mb'], ',.0f')} |"
            )
        for r in rows:
            if r.get("error"):
                lines.append(f"{r['raw_tokens']:,} tokens FAILED during training: {r['error']}")
        fit = report["fit"].get(kind)
        if fit:
            lines.append("")
            lines.append(
                f"linear fit: train s = {fit['intercept_s']:.2f} + "
                f"{fit['s_per_million_tokens']:.2f} x (M tokens x epochs), R^2 = {fit['r2']:.4f}"
            )
    return "\n".join(lines)


# ------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child_main(args)
        return
    source = Path(args.corpus)
    if not source.is_file():
        raise SystemExit(f"compare_gensim: {source}: no such file")
    if not args.no_eval and not args.scaling:
        for name in (ANALOGIES, WORDSIM, SIMLEX):
            if not (args.data_dir / name).is_file():
                raise SystemExit(f"compare_gensim: {args.data_dir / name} not found (--data-dir)")
    report: dict[str, Any] = {
        "command": "python " + shlex.join(sys.argv),
        "machine": machine_info(),
        "settings": {
            k: getattr(args, k)
            for k in (
                "model",
                "dim",
                "window",
                "neg",
                "hs",
                "sample",
                "min_count",
                "epochs",
                "workers",
                "batch_size",
                "seed",
                "max_tokens",
                "restrict_vocab",
            )
        },
        "corpus": str(source),
    }
    tmp = Path(tempfile.mkdtemp(prefix="compare_gensim.", dir=args.tmp_dir))
    try:
        if args.scaling:
            kinds = TRAINERS if args.scaling_both else ("ours",)
            print(f"preparing {len(args.scaling)} corpus prefixes of {source} ...", file=sys.stderr)
            prepared = prepare_corpora(source, list(args.scaling), tmp)
            report["scaling"], report["fit"] = {}, {}
            for kind in kinds:
                rows = []
                for size in args.scaling:
                    path, written = prepared[size]
                    if written < size:
                        print(
                            f"note: the corpus has only {written:,} tokens (< {size:,})",
                            file=sys.stderr,
                        )
                    print(f"{kind}: {written:,} tokens ...", file=sys.stderr)
                    r = run_child(kind, path, args, None, True, tmp)
                    r["requested_tokens"] = size
                    r["s_per_million_tokens"] = r["train_s"] / (r["raw_tokens"] * args.epochs / 1e6)
                    rows.append(r)
                report["scaling"][kind] = rows
                report["fit"][kind] = linear_fit(
                    [
                        (r["raw_tokens"] * args.epochs / 1e6, r["train_s"])
                        for r in rows
                        if not r.get("error")
                    ]
                )
            report["settings"]["batch_size"] = _ours_batch_size(report, args)
            print(json.dumps(report, indent=2) if args.json else scaling_table(report, args))
            return
        if args.raw_input:
            corpus = source
        else:
            print(f"preparing a re-tokenised copy of {source} ...", file=sys.stderr)
            corpus, _ = prepare_corpora(source, [args.max_tokens], tmp)[args.max_tokens]
        kinds = (args.only,) if args.only else TRAINERS
        runs = {}
        for kind in kinds:
            print(f"training {kind} ...", file=sys.stderr)
            runs[kind] = run_child(kind, corpus, args, args.max_tokens, args.no_eval, tmp)
        report["runs"] = runs
        if len(runs) == 2:
            ours, theirs = _metrics(runs["ours"]), _metrics(runs["gensim"])
            report["ratio"] = {k: _ratio(ours[k], theirs[k]) for k in ours if k != "final_loss"}
        report["settings"]["batch_size"] = _ours_batch_size(report, args)
        print(json.dumps(report, indent=2) if args.json else comparison_table(report, args))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("compare_gensim: interrupted", file=sys.stderr)
        sys.exit(130)

"""What the commands check before any work: a run of hours must not fail at its end over
something that was known at its start, and no command may overwrite one of its own inputs.

``train`` calls :func:`before_training` once its options are parsed, before the corpus is
read:

* ``--out``: empty is refused; an existing folder, or a name ending in ``/``, means the
  files go into that folder as ``model.npz``, ``model.metrics.json``, ... (``--out .``,
  ``--out results/``); ``OUT.NPZ`` (any case) is the model file itself, as ``OUT.npz``.
* No output is an input (:func:`word2vec_numpy.files.same_file`, through links): the model,
  the word-id file ``OUT.ids.u32`` (written while the corpus is read), the metrics, the
  checkpoint, the plots and the ``--save-vocab`` file against the corpus file, the
  benchmark files, the ``--init`` model, the ``--read-vocab`` file and the checkpoint
  resumed from (which the new checkpoint replaces, as it should); nor is the
  ``--save-vocab`` file one of the other outputs. An output that is an existing folder is
  refused too.
* ``--corpus sample|text8|alice`` when a file of that name is here: a warning says which
  is used and how to name the file (``./text8``); the data folder must not be a file.
* ``--evaluate``: the ``--analogies`` and ``--pairs`` files (by default those of the data
  folder, as ``evaluate`` takes them) exist and their first lines parse (the reader and
  parser of ``vectors/evaluate.py``); ``--plot``: matplotlib and
  scikit-learn are installed.
* ``--workers`` above the number of cores: a warning (they would take turns).
* ``--dim``: a single word's vectors fit in memory.

Once the vocabulary is known, before the matrices are made, ``train`` calls
:func:`before_model`: the matrices (V x d x 4 bytes, one input and one per output layer)
fit in the available memory, ``--plot`` has the 5 words t-SNE needs, and every ``--pairs``
file has a pair in the vocabulary (the evaluation itself, run on placeholder vectors).

Every refusal is a one-line :class:`Word2VecError`; warnings are one ``warning:`` line on
standard error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

from ..config import TrainConfig
from ..data import download
from ..data.vocab import Vocabulary
from ..errors import Word2VecError
from ..files import same_file
from ..formats.npz import model_path
from ..model.losses import LOSSES
from ..training.dask import parse_address
from ..vectors.evaluate import check_analogy_file, check_word_pairs_file, evaluate_word_pairs
from ..vectors.plot import check_plot_extra
from .common import data_folder_benchmarks

BUILT_IN_CORPORA = {
    "sample": "the built-in sample corpus",
    "text8": "the text8 corpus (downloaded once)",
    "alice": "Alice in Wonderland (downloaded once)",
}
"""The names ``--corpus`` reads as a built-in corpus rather than as a path."""

DEFAULT_NAME = "model"
"""The file name of the outputs when ``--out`` is a folder."""

TSNE_MIN_WORDS = 5
"""t-SNE (``--plot``) needs at least this many words."""

FLOAT_BYTES = 4
"""The matrices are float32."""


def warn(message: str) -> None:
    """One ``warning:`` line on standard error."""
    print(f"warning: {message}", file=sys.stderr)


# ----------------------------------------------------------------------------- outputs


def out_stem(out: str) -> str:
    """``--out`` as given, or ``FOLDER/model`` when it names a folder (an existing one, or
    any name ending in ``/``); empty is refused."""
    if not out:
        raise Word2VecError(
            "--out is empty: give a name such as results/model (writes results/model.npz "
            "and results/model.metrics.json) or a folder such as results/"
        )
    if out.endswith(("/", os.sep)) or os.path.isdir(out):
        return os.path.join(out, DEFAULT_NAME)
    return out


def train_outputs(out: str, plot: bool) -> list[tuple[str, str]]:
    """(what, path) of every file ``train --out OUT`` may write."""
    stem = str(model_path(out))[: -len(".npz")]
    outputs = [
        ("the model", stem + ".npz"),
        ("the word-id file", stem + ".ids.u32"),
        ("the word-id file's temporary file", stem + ".ids.u32.tmp"),
        ("the metrics", stem + ".metrics.json"),
        ("the checkpoint", stem + ".ckpt.npz"),
        ("the lock", stem + ".lock"),
    ]
    if plot:
        outputs += [("the loss plot", stem + ".loss.png"), ("the t-SNE plot", stem + ".tsne.png")]
    return outputs


def train_inputs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(what, path) of every file ``train`` reads that an output could replace. A folder
    corpus is left out: it reads only text files (``TEXT_SUFFIXES``), and every output ends
    in .npz, .u32, .tmp, .json or .png."""
    inputs = []
    corpora = args.corpus if isinstance(args.corpus, list) else [args.corpus]
    for corpus in corpora:
        if corpus not in BUILT_IN_CORPORA and corpus not in ("", "-") and not os.path.isdir(corpus):
            inputs.append(("the corpus", corpus))
    if args.evaluate:
        if args.analogies:
            inputs.append(("the --analogies file", args.analogies))
        inputs += [("the --pairs file", path) for path in args.pairs]
    if args.resume:
        inputs.append(("the checkpoint resumed from", args.resume))
    if args.init:
        inputs.append(("the --init model", args.init))
    if args.read_vocab:
        inputs.append(("the --read-vocab file", args.read_vocab))
    return inputs


def refuse_overwriting_inputs(
    flag: str,
    value: str,
    outputs: Sequence[tuple[str, str]],
    inputs: Sequence[tuple[str, str]],
) -> None:
    """A one-line error if an output is one of the inputs (``same_file``) or an existing
    folder. The checkpoint a run resumes from may be replaced by its new checkpoint."""
    for out_what, out_path in outputs:
        if os.path.isdir(out_path):
            raise Word2VecError(
                f"{flag} {value}: {out_what} {out_path} is a folder; choose another {flag}"
            )
        for in_what, in_path in inputs:
            if out_what == "the checkpoint" and in_what == "the checkpoint resumed from":
                continue
            if same_file(out_path, in_path):
                raise Word2VecError(
                    f"{flag} {value} would overwrite {in_what} {in_path} (with {out_what} "
                    f"{out_path}); choose another {flag}"
                )


def refuse_same_file(out: str, source: str, what: str) -> None:
    """A one-line error if the output ``out`` is the input ``source`` (``same_file``: also
    through a symbolic or hard link), which the command would destroy by writing it."""
    if same_file(out, source):
        raise Word2VecError(
            f"OUT {out} is {what} {source}: writing it would destroy {what}; choose another OUT"
        )


# -------------------------------------------------------------------------- train


def before_training(args: argparse.Namespace, config: TrainConfig) -> None:
    """Everything ``train`` checks before reading the corpus (module docstring); sets
    ``args.out`` to the path the files are named after. Refusals come first: a refused run
    prints its one error line and nothing else."""
    if isinstance(args.corpus, list) and len(args.corpus) == 1:
        args.corpus = args.corpus[0]  # one corpus is a name (--corpus takes several paths)
    given = args.out
    args.out = out_stem(given)
    outputs, inputs = train_outputs(args.out, args.plot), train_inputs(args)
    refuse_overwriting_inputs("--out", given, outputs, inputs)
    if args.save_vocab:  # the vocabulary file is one more output
        vocab_file = [("the vocabulary file", args.save_vocab)]
        refuse_overwriting_inputs("--save-vocab", args.save_vocab, vocab_file, inputs + outputs)
    if isinstance(args.corpus, str) and args.corpus in ("text8", "alice"):
        download.check_data_dir(args.data_dir)
    if args.evaluate:
        _benchmarks_of_the_data_folder(args)
        _check_benchmark_files(args)
    if args.plot:
        check_plot_extra()
    if not args.resume:
        check_memory(1, config, whole=False)
    dask = getattr(args, "dask", None)
    local = parse_address(dask) if dask is not None else None  # "" (an empty $VAR) too
    # warnings, and where the files go, once nothing is refused
    name = args.corpus
    if isinstance(name, str) and name in BUILT_IN_CORPORA and os.path.exists(name):
        kind = "folder" if os.path.isdir(name) else "file"
        warn(
            f"--corpus {name} means {BUILT_IN_CORPORA[name]}, not the {kind} {name} in this "
            f"folder; to train on that {kind}, use --corpus ./{name}"
        )
    if not args.evaluate and (args.analogies or args.pairs):
        warn("--analogies and --pairs are read only with --evaluate: ignored")
    if os.path.splitext(given)[1].lower() in (".bin", ".txt", ".vec"):  # the C tool's -output
        stem = model_path(args.out)
        warn(
            f"--out {given} writes the model {stem} (not a word2vec file); for the C tool's "
            f"format: word2vec-numpy export {stem} {given}"
            + (" --format binary" if given.lower().endswith(".bin") else "")
        )
    if "sync_every" in (getattr(args, "given", None) or ()) and not getattr(args, "dask", None):
        warn("--sync-every is read only with --dask: ignored")
    cores = os.cpu_count()
    if cores and local is not None and local[0] == "local" and int(local[1]) > cores:
        warn(
            f"--dask {dask} is more than the {cores} cores of this machine: the workers "
            f"take turns and training is slower; use --dask local:{cores} or fewer"
        )
    if cores and config.workers > cores:
        warn(
            f"--workers {config.workers} is more than the {cores} cores of this machine: the "
            f"workers take turns and training is slower; use --workers {cores} or fewer"
        )
    if args.out != given and not args.quiet:
        print(f"--out {given} is a folder: writing {model_path(args.out)}", file=sys.stderr)


def _benchmarks_of_the_data_folder(args: argparse.Namespace) -> None:
    """``--evaluate`` naming no benchmark file: those of the data folder (``--data-dir``,
    ``$WORD2VEC_NUMPY_DATA`` or the cache), as ``evaluate`` takes them; not for the sample
    corpus, which has its planted analogies."""
    if args.analogies or args.pairs or args.corpus == "sample":
        return
    _, questions, pairs = data_folder_benchmarks(args.data_dir)
    args.analogies = str(questions) if questions is not None else None
    args.pairs = [str(path) for path in pairs]


def _check_benchmark_files(args: argparse.Namespace) -> None:
    checks = [("--analogies", args.analogies, check_analogy_file)] if args.analogies else []
    checks += [("--pairs", path, check_word_pairs_file) for path in args.pairs]
    for flag, path, check in checks:
        try:
            check(path)
        except Word2VecError as exc:
            raise Word2VecError(f"{flag} {exc}") from None


def before_model(args: argparse.Namespace, config: TrainConfig, vocab: Vocabulary) -> None:
    """What ``train`` checks once the vocabulary is known, before the matrices are made."""
    n_words = len(vocab)
    if not args.resume:  # a resumed model's matrices exist already
        check_memory(n_words, config)
    if args.plot and n_words < TSNE_MIN_WORDS:
        raise Word2VecError(
            f"--plot: t-SNE needs at least {TSNE_MIN_WORDS} words, but the vocabulary has "
            f"{n_words}: lower --min-count, use a longer corpus, or leave out --plot"
        )
    if args.evaluate and args.pairs:
        placeholder = np.ones((n_words, 1), dtype=np.float32)
        case_insensitive = getattr(args, "case_insensitive", True)
        for path in args.pairs:
            try:  # the evaluation run after training, on placeholder vectors
                evaluate_word_pairs(
                    vocab.words, placeholder, path, case_insensitive=case_insensitive
                )
            except Word2VecError as exc:
                raise Word2VecError(f"--pairs {exc}") from None


# -------------------------------------------------------------------------- memory


def matrices(config: TrainConfig) -> list[str]:
    """The names of the V x d matrices a model of ``config`` holds: ``W_in`` and one per
    output layer (``W_out`` for negative sampling)."""
    return ["W_in"] + [cls.matrix for cls in LOSSES.values() if cls.enabled(config)]


def check_memory(n_words: int, config: TrainConfig, whole: bool = True) -> None:
    """A one-line error, before anything is allocated, if the matrices of ``n_words`` words
    need more than the available memory (:func:`available_memory`). ``whole=False``: the
    vocabulary is not known yet, ``n_words`` is a lower bound."""
    names = matrices(config)
    need = n_words * config.dim * FLOAT_BYTES * len(names)
    available = available_memory()
    if need <= min(sys.maxsize, available if available is not None else sys.maxsize):
        return
    if available is not None and available < sys.maxsize:
        have = f", more than the {_size(available)} of memory available"
    else:
        have = ", more than a 64-bit process can address"
    shape = f"{config.dim:,} dimensions x {FLOAT_BYTES} bytes x {len(names)} matrices"
    if whole:
        raise Word2VecError(
            f"--dim {config.dim} needs {_size(need)} for the weight matrices ({n_words:,} words "
            f"x {shape}: {' and '.join(names)}){have}: lower --dim, or raise --min-count for "
            "fewer words"
        )
    raise Word2VecError(
        f"--dim {config.dim} is too large: a single word's vectors need {_size(need)} ({shape}: "
        f"{' and '.join(names)}){have}: lower --dim"
    )


def available_memory() -> int | None:
    """Bytes of memory available to this process, or None if unknown: ``MemAvailable`` of
    ``/proc/meminfo`` (Linux) or the free physical pages (``os.sysconf``), capped by the
    memory limit of the process's control group (a container) when there is one."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            pass
    limit = _cgroup_limit()
    if limit is not None:
        available = limit if available is None else min(available, limit)
    return available


def _cgroup_limit() -> int | None:
    """The memory limit of this process's control group (v2 ``memory.max``, v1
    ``memory.limit_in_bytes``), or None."""
    candidates = []
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            for line in f:
                if line.startswith("0::"):
                    candidates.append(f"/sys/fs/cgroup{line[3:].strip()}/memory.max")
    except OSError:
        pass
    candidates += ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
    for path in candidates:
        try:
            with open(path, encoding="ascii") as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # v1 writes a huge number for "none"
            return int(text)
        return None
    return None


def _size(n_bytes: int) -> str:
    """``1.5 GB`` (powers of 1000)."""
    value = float(n_bytes)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:,.0f} EB"

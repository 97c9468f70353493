"""``word2vec-numpy train``: corpus -> id file -> training -> model, metrics, reports.

The training options are ``TrainConfig``'s fields: each becomes a flag (``lr_min`` ->
``--lr-min``, also ``--lr_min``) with the field's default, check and help.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import os
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..config import TrainConfig, nonnegative_int, switch
from ..data import download
from ..data.encode import encode_in_child
from ..data.parts import is_url, text_files
from ..data.sample import generate_sample_sentences
from ..data.text import MAX_TOKEN_CHARS, ReadStats, cut_sentences, iter_corpus
from ..data.vocab import Vocabulary
from ..errors import Word2VecError
from ..files import DEFERRED_SIGNALS, OutputLock, remove_unfinished, write_json
from ..formats.npz import model_path
from ..model.word2vec import ARCHITECTURE, Word2Vec
from ..training.backend import BackendFailed
from ..training.dask import DaskBackend
from ..training.trainer import Trainer
from ..vectors.plot import epoch_boundaries_from, plot_loss, plot_tsne
from . import checks
from .common import POSITIVE_INT, arg_type, folder_writable, opt
from .distributed import DaskSession, check_resume
from .report import report_after_training

# The C tool's options (word2vec -train FILE -size 100 ...) and what they are here
C_TOOL_OPTIONS = {
    "-train": "--corpus FILE",
    "-output": "--out NAME (then `word2vec-numpy export` for a .bin or .txt file)",
    "-size": "--dim",
    "-window": "--window",
    "-sample": "--sample",
    "-hs": "--hs",
    "-negative": "--neg",
    "-threads": "--workers",
    "-iter": "--epochs",
    "-min-count": "--min-count",
    "-alpha": "--lr",
    "-cbow": "--model cbow (-cbow 1) or --model skipgram (-cbow 0)",
    "-binary": "`word2vec-numpy export MODEL FILE --format binary`",
    "-save-vocab": "--save-vocab",
    "-read-vocab": "--read-vocab",
    "-debug": "--quiet (-debug 0)",
    "-classes": "`word2vec-numpy classes MODEL OUT --k K`",
}


def c_tool_options(argv: Sequence[str]) -> str | None:
    """What the C tool's options among ``argv`` are called here, in one line; None if there
    are none. (argparse would read ``-hs`` as ``-h`` with the value ``s``.)"""
    found = [a for a in argv if a in C_TOOL_OPTIONS]
    if not found:
        return None
    said = "; ".join(f"{a} is {C_TOOL_OPTIONS[a]}" for a in dict.fromkeys(found))
    return f"the C tool's options are spelt differently here: {said}"


# Options of the command (not of the training) that a resumed run must share.
RESUMED_INPUT = ("corpus", "max_tokens", "init", "read_vocab")
# kept by a resumed run unless given again (it may change them, as --workers); with --dask
# the synchronisations shape the weights: the same ones resume to the undisturbed run's
CARRIED = ("sync_every", "checkpoint_every", "checkpoint_every_epoch")


def _noting_given(action: argparse.Action) -> None:
    """Make ``action`` also note in ``args.given`` that its option was on the command line:
    a resumed or continued run takes the saved value of every option not given, even one
    given with its default value (``--workers 2`` on two cores)."""
    kind = type(action)

    class Given(kind):  # type: ignore[valid-type,misc]
        def __call__(self, parser, namespace, values, option_string=None) -> None:
            super().__call__(parser, namespace, values, option_string)
            namespace.given = frozenset(getattr(namespace, "given", ())) | {self.dest}

    action.__class__ = Given


def explicit(args: argparse.Namespace, key: str) -> bool:
    """Whether option ``key`` was given on the command line (for a Namespace not made by
    the parser: whether it differs from the parser's default)."""
    given = getattr(args, "given", None)
    if given is not None:
        return key in given
    return getattr(args, key) != args.train_parser.get_default(key)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train word vectors on a corpus",
        description="Train skip-gram or CBOW word vectors with negative sampling and/or "
        "hierarchical softmax.",
    )
    opt(
        p,
        "--corpus",
        nargs="+",
        default="sample",
        help="sample (built in; the default), text8, alice, or PATHs (files or folders)",
    )
    opt(p, "--max-tokens", type=POSITIVE_INT, default=None, help="read at most N tokens")
    opt(p, "--data-dir", default=None, help="where downloads are cached")
    for f in TrainConfig.cli_fields():
        meta = f.metadata
        check = meta["check"]
        flag = "--" + f.name.replace("_", "-")
        default = meta["cli_default"]() if meta["cli_default"] else f.default
        if _is_flag(f):  # --NAME, or --no-NAME to turn off what is on by default
            action = "store_false" if default else "store_true"
            name = "--no-" + flag[2:] if default else flag
            opt(p, name, dest=f.name, action=action, default=default, help=meta["help"])
            continue
        kwargs = {"default": default, "help": meta["help"]}
        if meta["metavar"]:
            kwargs["metavar"] = meta["metavar"]
        if hasattr(check, "choices"):
            kwargs["choices"] = check.choices
        elif check is not None:
            kwargs["type"] = arg_type(check)
        opt(p, flag, **kwargs)
    opt(
        p,
        "--init",
        default=None,
        metavar="MODEL",
        help="continue training MODEL (.npz) on --corpus: new words are added, vectors kept",
    )
    opt(p, "--read-vocab", default=None, metavar="FILE", help="take the vocabulary from FILE")
    opt(p, "--save-vocab", default=None, metavar="FILE", help="write the vocabulary to FILE")
    opt(
        p,
        "--out",
        default="results/model",
        help="writes OUT.npz and OUT.metrics.json (results/model); a folder (or a name "
        "ending in /) means FOLDER/model.npz, ...; OUT.NPZ in any case is the model file itself",
    )
    opt(
        p,
        "--evaluate",
        action="store_true",
        help="after training, print neighbours, row norms and the benchmarks of --analogies "
        "and --pairs (by default the data folder's, as for evaluate; the planted analogies "
        "with --corpus sample)",
    )
    opt(p, "--analogies", default=None, help="questions-words.txt for --evaluate")
    opt(p, "--pairs", nargs="+", default=[], help="word-pair files for --evaluate")
    opt(
        p,
        "--restrict-vocab",
        type=POSITIVE_INT,
        default=30000,
        help="--analogies: only questions within the N most frequent words (30000, as the C "
        "tool's compute-accuracy; gensim's evaluate_word_analogies takes 300000)",
    )
    p.set_defaults(case_insensitive=True)
    opt(p, "--plot", action="store_true", help="write loss and t-SNE PNGs next to OUT")
    opt(p, "--quiet", action="store_true", help="no progress output")
    opt(
        p,
        "--checkpoint-every",
        type=arg_type(nonnegative_int),
        default=None,
        metavar="WORDS",
        help="write OUT.ckpt.npz every WORDS corpus words (at epoch ends with --workers > 1; "
        "0: never, e.g. to turn off a resumed run's)",
    )
    opt(p, "--checkpoint-every-epoch", action="store_true", help="write OUT.ckpt.npz each epoch")
    opt(
        p,
        "--no-checkpoint-every-epoch",
        dest="checkpoint_every_epoch",
        action="store_false",
        help="not each epoch (to turn off a resumed run's)",
    )
    opt(p, "--resume", default=None, metavar="CKPT", help="continue from a checkpoint")
    opt(
        p,
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="train on a Dask cluster: tcp://HOST:8786 (a running scheduler) or local:N "
        "(N worker processes here); pip install 'word2vec-numpy[dask]'",
    )
    for action in p._actions:
        if action.dest != "help":
            _noting_given(action)
    p.set_defaults(func=run, train_parser=p, given=frozenset())


def config_from(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig of the parsed options."""
    return TrainConfig(**{f.name: getattr(args, f.name) for f in TrainConfig.cli_fields()})


def corpus_sentences(args: argparse.Namespace, stats: ReadStats) -> tuple[Iterable[list[str]], str]:
    """The sentences of ``--corpus`` and a short description of where they come from."""
    name = args.corpus
    cut = args.max_sentence_length
    if isinstance(name, list):  # several files or folders, read one after the other
        for path in name:
            if not Path(path).exists():
                raise Word2VecError(f"corpus file not found: {path}")
        files = text_files(name)  # every file of a folder checked before any is read
        return _chain(files, stats, cut), f"{len(files)} files"
    if name == "sample":
        return cut_sentences(generate_sample_sentences(), cut), "built-in sample corpus"
    if name in ("text8", "alice"):
        fetch = download.fetch_text8 if name == "text8" else download.fetch_alice
        path = fetch(data_dir=args.data_dir, quiet=args.quiet)
        return iter_corpus(path, stats, cut), str(path)
    if name and name != "-" and not Path(name).exists():
        hint = (
            "if it moved, give --corpus NEW_PATH with --resume"
            if getattr(args, "resume", None)
            else "or use --corpus sample|text8|alice"
        )
        raise Word2VecError(f"corpus file not found: {name} ({hint})")
    sentences = iter_corpus(name, stats, cut)  # checks every file first; sets stats.source
    return sentences, stats.source


def _chain(files: list[str], stats: ReadStats, cut: int) -> Iterator[list[str]]:
    for f in files:
        yield from iter_corpus(f, stats, cut)


def corpus_identity(corpus: str | list[str]) -> dict:
    """What ``--corpus`` is, whatever the spelling: a built-in name (or standard input, a
    URL), or the resolved path(s), the size and a fingerprint (SHA-256 of each text file's
    size, first and last MiB, in reading order)."""
    names = corpus if isinstance(corpus, list) else [corpus]
    if any(n in ("sample", "text8", "alice", "-") or is_url(n) for n in names):
        return {"name": corpus}
    if not all(Path(n).exists() for n in names):
        return {"name": corpus}  # reading it will say what is missing
    digest = hashlib.sha256()
    size = 0
    try:
        for f in text_files(names):
            with open(f, "rb") as handle:
                n = os.fstat(handle.fileno()).st_size
                digest.update(f"{n}:".encode())
                digest.update(handle.read(1 << 20))
                if n > 1 << 20:
                    handle.seek(max(n - (1 << 20), 1 << 20))
                    digest.update(handle.read())
            size += n
    except (OSError, Word2VecError):
        return {"name": corpus}  # unreadable: reading it will say why
    resolved = [str(Path(n).resolve()) for n in names]
    path = resolved if isinstance(corpus, list) else resolved[0]
    return {"path": path, "size": size, "fingerprint": digest.hexdigest()}


def _same_corpus(given: dict, saved: dict) -> bool:
    """Whether two ``corpus_identity``s are the same text: files by their size and
    fingerprint (at the same path or not: a file rewritten in place is another text)."""
    if "path" in given and "path" in saved:
        return (given["size"], given["fingerprint"]) == (saved["size"], saved["fingerprint"])
    return given == saved


def _output_path(args: argparse.Namespace) -> tuple[Path, list[Path]]:
    """``--out`` as a model path, its folder made if missing; and the folders made."""
    out = model_path(args.out)
    folder = out.parent
    made = []
    up = folder
    while not up.exists() and up != up.parent:
        made.append(up)
        up = up.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Word2VecError(
            f"cannot create output folder {folder}: {exc.strerror or exc} (change --out)"
        ) from None
    if not folder.is_dir():
        raise Word2VecError(f"--out must be in a folder, but {folder} is not one")
    if not folder_writable(folder):
        _remove_empty(made)
        raise Word2VecError(f"cannot write to output folder {folder} (change --out)")
    return out, made[::-1]


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders this run made, deepest first, if nothing was written in them."""
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _is_flag(field: dataclasses.Field) -> bool:
    """Whether an option is a bare --NAME or --no-NAME (a bool), not one with a value: a field
    checked by ``config.switch`` takes one, as the C tool's -hs 1."""
    return isinstance(field.default, bool) and field.metadata["check"] is not switch


_FLAGS = {f.name for f in TrainConfig.cli_fields() if _is_flag(f)}


def _resumable_keys() -> tuple[str, ...]:
    fields = TrainConfig.cli_fields()
    return RESUMED_INPUT + tuple(f.name for f in fields if f.metadata["resume"]) + ("min_count",)


def _resume_options(args: argparse.Namespace) -> Word2Vec:
    """Load ``--resume``'s checkpoint and fill in the options it was made with; an option
    given explicitly with another value is refused. The corpus is compared by what it is
    (``corpus_identity``), not by how its path is spelled. The worker count of the
    checkpoint is used unless ``--workers`` is given."""
    path = Path(args.resume)
    if not path.is_file():
        raise Word2VecError(f"checkpoint not found: {path}")
    model = Word2Vec.load(path)
    state = model.training_state
    saved = state.get("cli_options")
    if not saved or "rng" not in state:
        raise Word2VecError(f"{path} is a finished model, not a training checkpoint")
    for key in _resumable_keys():
        value = getattr(args, key)
        if key == "corpus" and "corpus_identity" in saved:
            saved_id = saved["corpus_identity"]
            where = saved_id.get("path", saved_id.get("name"))
            if not explicit(args, key):
                args.corpus = saved_id.get("path", saved["corpus"])
                given_id = corpus_identity(args.corpus)
                # a file that is gone: reading it says so, with the hint for a moved corpus
                if "path" in given_id and not _same_corpus(given_id, saved_id):
                    raise Word2VecError(
                        f"cannot resume: the corpus {where} has changed since the checkpoint "
                        "was written (its size or contents differ)"
                    )
            elif not _same_corpus(corpus_identity(value), saved_id):
                raise Word2VecError(
                    f"cannot resume: --corpus {value} is not the checkpoint's corpus ({where})"
                )
            continue
        if explicit(args, key) and value != saved.get(key):
            flag = "--" + key.replace("_", "-")
            was = saved.get(key)
            if isinstance(value, bool) and key in _FLAGS:  # --NAME / --no-NAME, no value
                given = flag if value else "--no-" + flag[2:]
                raise Word2VecError(
                    f"cannot resume: the checkpoint was made without {given} (leave it out)"
                )
            if was is None:  # not given then: the model's default, shown as its value
                config = model.config
                default = {"lr": config.start_lr, "batch_size": config.batch_centres}
                was = f"{default.get(key, getattr(config, key, None))} (the default)"
            value, was = (int(v) if isinstance(v, bool) else v for v in (value, was))  # --hs 1
            raise Word2VecError(
                f"cannot resume: {flag} {value} differs from the checkpoint's {was}"
            )
        setattr(args, key, saved.get(key))
    # how the run is carried out, not what it trains: the checkpoint's unless given again
    for key in ("workers", *CARRIED):
        if not explicit(args, key) and key in saved:
            setattr(args, key, saved[key])
    args.parts = check_resume(args.dask, saved)
    return model


class _StopOnSignal:
    """SIGINT, SIGTERM and SIGHUP (a closed terminal) ask the trainer to stop after the
    current batch, which takes at most a few seconds; more of them change nothing, so a
    checkpoint being written is never cut short. Remembers the first signal. A signal that is
    ignored (``nohup``: SIGHUP; a background job of a script: SIGINT) stays ignored."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.signum: int | None = None
        self.previous: dict = {}

    def __enter__(self) -> _StopOnSignal:
        for sig in DEFERRED_SIGNALS:
            if signal.getsignal(sig) != signal.SIG_IGN:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame) -> None:
        if self.signum is None:
            self.signum = signum
        self.trainer.request_stop()

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _tell(text: str) -> None:
    """A line on stderr; after SIGHUP the terminal may be gone, which must not end the run."""
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr, flush=True)


def _fallback_folders(out: Path) -> list[Path]:
    """Where weights go when OUT's folder cannot take them (a full disk)."""
    folders = []
    for folder in (Path(tempfile.gettempdir()), Path.home()):
        with contextlib.suppress(OSError, RuntimeError):
            folder = folder.resolve()
            if folder.is_dir() and folder != out.parent.resolve() and folder not in folders:
                folders.append(folder)
    return folders


def _save_somewhere(save: Callable[[str], str], path: str, out: Path) -> tuple[str, str | None]:
    """``save(path)``; if that fails, save to a fallback folder instead. Returns where it was
    saved and, if not at ``path``, why not. Raises ``Word2VecError`` if nowhere would do."""
    try:
        return save(path), None
    except Word2VecError as exc:
        problem = str(exc)
    name = Path(path).name
    for folder in _fallback_folders(out):
        try:
            return save(str(folder / f"word2vec-numpy-{os.getpid()}-{name}")), problem
        except Word2VecError:
            continue
    raise Word2VecError(
        f"{problem}, and no copy could be written to {_or(_fallback_folders(out))}", exit_code=1
    )


def _or(folders: list[Path]) -> str:
    return " or ".join(str(f) for f in folders) or "another folder"


def _resume_command(ckpt: str, args: argparse.Namespace) -> str:
    command = f"word2vec-numpy train --resume {shlex.quote(ckpt)} --out {shlex.quote(args.out)}"
    return command + (f" --dask {shlex.quote(args.dask)}" if args.dask else "")


def _init_options(args: argparse.Namespace) -> Word2Vec:
    """Load ``--init``'s model and take its options for those not given explicitly (the
    worker count excepted); an option that shaped its matrices may not differ."""
    path = Path(args.init)
    if not path.is_file():
        raise Word2VecError(f"--init model not found: {path}")
    model = Word2Vec.load(path)
    for f in TrainConfig.cli_fields():
        given, saved = getattr(args, f.name), getattr(model.config, f.name)
        if f.name == "workers" or explicit(args, f.name):
            if f.name in ARCHITECTURE and given != saved:
                flag = "--" + f.name.replace("_", "-")
                raise Word2VecError(
                    f"--init: {flag} {given} differs from the model's {saved}, which its "
                    "matrices were made with"
                )
            continue
        setattr(args, f.name, saved)
    return model


def _vocabulary(args: argparse.Namespace, config: TrainConfig, initial: Word2Vec | None):
    """The vocabulary ``encode_corpus`` starts from: the options only (count the corpus),
    ``--read-vocab``'s file, or ``--init``'s model's vocabulary (to be updated)."""
    options = dict(max_vocab_size=config.max_vocab_size, max_final_vocab=config.max_final_vocab)
    if initial is not None:
        return initial.vocab.configure(config.min_count, **options)
    vocab = Vocabulary(config.min_count, **options)
    if args.read_vocab and not len(vocab.read_vocab(args.read_vocab)):
        raise Word2VecError(
            f"no word of {args.read_vocab} has a count >= --min-count={config.min_count}"
        )
    return vocab


def run(args: argparse.Namespace) -> int:
    if isinstance(args.corpus, list) and len(args.corpus) == 1:
        args.corpus = args.corpus[0]  # one corpus is a name, as before
    resumed = _resume_options(args) if args.resume else None
    if args.init and args.read_vocab:
        raise Word2VecError("--init continues the model's vocabulary: drop --read-vocab")
    initial = None
    if args.init:
        initial = Word2Vec.load(args.init) if resumed is not None else _init_options(args)
    config = config_from(args)
    checks.before_training(args, config)  # cli/checks.py: nothing is read or written yet
    if args.save_vocab and not Path(args.save_vocab).resolve().parent.is_dir():
        raise Word2VecError(f"--save-vocab: folder {Path(args.save_vocab).parent} does not exist")
    out, made = _output_path(args)
    stem = str(out)[: -len(".npz")]
    try:
        with OutputLock(stem + ".lock", what=str(out)) as lock:
            if lock.stale_pid:  # a run that was killed: its unfinished writes go
                for suffix in (".npz", ".ckpt.npz", ".metrics.json", ".loss.png", ".tsne.png"):
                    remove_unfinished(stem + suffix)
                if not args.quiet:
                    dead = lock.stale_pid
                    _tell(f"taking over {lock.path}, left by process {dead} (not running)")
            return _train(args, config, resumed, initial, out, stem)
    except BaseException:
        _remove_empty(made)  # a run that wrote nothing leaves no folder behind
        raise


def _train(
    args: argparse.Namespace,
    config: TrainConfig,
    resumed: Word2Vec | None,
    initial: Word2Vec | None,
    out: Path,
    stem: str,
) -> int:
    """Read, train and save, with ``OUT.lock`` held."""
    ckpt_path = stem + ".ckpt.npz"
    log = (lambda *a: None) if args.quiet else (lambda text: _tell(text))
    if resumed is None and os.path.exists(ckpt_path):
        checks.warn(
            f"{ckpt_path} is the checkpoint of an earlier run that was stopped; this run starts "
            f"anew and replaces it (to continue that run instead: "
            f"{_resume_command(ckpt_path, args)})"
        )
    stats = ReadStats()
    start_vocab = _vocabulary(args, config, initial)
    t0 = time.perf_counter()
    ids_path = Path(stem + ".ids.u32")
    if args.dask is not None:  # refused before a cluster is started
        if initial is not None:
            raise Word2VecError("--init is not supported with --dask yet: train on one machine")
        if "-" in (args.corpus if isinstance(args.corpus, list) else [args.corpus]):
            raise Word2VecError("--dask reads the corpus on the workers: give files, not -")
    session = DaskSession(args.dask, log) if args.dask is not None else None
    try:  # the id file (and the Dask session) go on every exit
        if session is not None:
            corpus, source, stats.replaced = session.prepare(
                args, config, stem, getattr(args, "parts", None)
            )
        else:
            sentences, source = corpus_sentences(args, stats)
            log(f"reading {source} ...")
            corpus = encode_in_child(  # reading's heap leaves with the child (encode.py)
                sentences,
                ids_path,
                stats,
                stdin=args.corpus == "-",
                max_tokens=args.max_tokens,
                source=source,
                vocab=start_vocab,
                update=initial is not None,
            )
        vocab = corpus.vocab
        if corpus.total_tokens == 0:
            raise Word2VecError(f"no words found in {source}: is it a text file?")
        if len(vocab) == 0:
            raise Word2VecError(
                f"no word occurs --min-count={config.min_count} times in {source} "
                f"({corpus.total_tokens} tokens): lower --min-count"
            )
        if corpus.n_words <= config.window or corpus.n_words < 2:
            raise Word2VecError(
                f"{source} has only {corpus.n_words} words with count >= {config.min_count}, "
                f"not more than one window (--window {config.window}): use a longer text"
            )
        if stats.replaced:
            _tell(
                f"warning: {stats.replaced:,} invalid UTF-8 sequences in {source} were "
                "replaced by U+FFFD"
            )
        if stats.long_tokens:
            _tell(
                f"warning: {stats.long_tokens:,} tokens longer than {MAX_TOKEN_CHARS} "
                f"characters in {source} were skipped"
            )
        update = getattr(corpus, "update", None)
        if update is not None:
            _tell(update.summary())  # never drop words without a word
        log(
            f"{corpus.total_tokens:,} tokens, {len(vocab):,} words with count >= "
            f"{getattr(vocab, 'effective_min_count', config.min_count)}, "
            f"read in {time.perf_counter() - t0:.1f} s"
        )
        if args.save_vocab:
            vocab.save_vocab(args.save_vocab)
        checks.before_model(args, config, vocab)  # memory, --plot, --pairs: before allocating
        if resumed is not None:
            model = resumed
            model.vocab = vocab  # the same words (checked by the corpus fingerprint below)
            model.set_config(config)
        elif initial is not None:
            model = initial
            model.grow(vocab)  # rows for the new words, counts merged, noise table rebuilt
            model.set_config(config)
        else:
            model = Word2Vec(vocab, config)
        for loss in model.losses:
            if loss.describe():
                log(loss.describe())
        options = {key: getattr(args, key) for key in _resumable_keys()}
        options["workers"] = config.workers
        options.update({key: getattr(args, key) for key in CARRIED})
        options["corpus_identity"] = corpus_identity(args.corpus)
        if session is not None:
            options["parts"] = corpus.n_parts
        warned: set[str] = set()
        written = [resumed is not None]  # a checkpoint to fall back on exists

        def save_checkpoint(path: str) -> str:
            return model.save(path, extra_state=dict(trainer.state(), cli_options=options))

        def checkpoint(trainer: Trainer) -> None:
            """Periodic checkpoints: one that cannot be written leaves the previous one and
            training goes on (the disk may have room again by the next one)."""
            try:
                save_checkpoint(ckpt_path)
                written[0] = True
            except Word2VecError as exc:
                if str(exc) not in warned:
                    warned.add(str(exc))
                    kept = "an earlier checkpoint is kept" if written[0] else "no checkpoint yet"
                    _tell(f"warning: {exc}; training goes on, {kept}")

        trainer = Trainer(
            model,
            vocab,
            corpus,
            quiet=args.quiet,
            checkpoint=checkpoint,
            checkpoint_every=args.checkpoint_every,
            checkpoint_every_epoch=args.checkpoint_every_epoch,
            backend=session.backend() if session is not None else None,
        )
        if resumed is not None:
            trainer.restore(resumed.training_state)
            log(f"resuming at epoch {trainer.epoch + 1}, {trainer.words_done:,} words done")
        with _StopOnSignal(trainer) as stopper:
            try:
                trainer.train()
            except BackendFailed as exc:  # a killed worker, a lost cluster: state consistent
                where = _stopped_checkpoint(save_checkpoint, ckpt_path, out, trainer, args)
                raise Word2VecError(f"{exc}; {where}", exit_code=1) from None
            if not trainer.finished:
                where = _stopped_checkpoint(save_checkpoint, ckpt_path, out, trainer, args)
                name = signal.Signals(stopper.signum).name if stopper.signum else "a stop request"
                _tell(f"stopped by {name} {where}")
                return 128 + (stopper.signum or signal.SIGINT)
            extra = {}
            if isinstance(trainer.backend, DaskBackend):
                extra["dask"] = trainer.backend.summary()
            if update is not None:
                extra["init"] = str(args.init)
                extra["vocabulary_update"] = dataclasses.asdict(update)
            _finish(model, trainer, corpus, source, out, stem, ckpt_path, extra)
    finally:
        with contextlib.suppress(OSError):
            ids_path.unlink()
        if session is not None:
            session.close()
    if stopper.signum:  # came while the model was saved: it is complete; nothing more
        _tell(f"stopped by {signal.Signals(stopper.signum).name} after the model was saved")
        return 128 + stopper.signum
    if args.evaluate:
        report_after_training(model, args, sys.stdout)
    if args.plot:
        _plots(model, trainer, stem)
    return 0


def _stopped_checkpoint(
    save: Callable[[str], str],
    ckpt_path: str,
    out: Path,
    trainer: Trainer,
    args: argparse.Namespace,
) -> str:
    """Write the checkpoint of a run that stopped early; the rest of the one-line message:
    where it stands, where the checkpoint is and the command that resumes it."""
    done = (
        f"at epoch {trainer.epoch + 1}/{trainer.config.epochs} "
        f"({100 * trainer.words_done / max(trainer.total_words, 1):.1f}% done)"
    )
    try:
        where, problem = _save_somewhere(save, ckpt_path, out)
    except Word2VecError as exc:
        kept = f"{ckpt_path} from earlier is kept" if os.path.exists(ckpt_path) else "none"
        raise Word2VecError(
            f"stopped {done}, but no checkpoint could be written: {exc} (checkpoint: {kept})",
            exit_code=1,
        ) from None
    saved = "checkpoint saved" if problem is None else f"{problem}; checkpoint saved to {where}"
    return f"{done}; {saved}: resume with: {_resume_command(where, args)}"


def _finish(
    model: Word2Vec,
    trainer: Trainer,
    corpus,
    source: str,
    out: Path,
    stem: str,
    ckpt_path: str,
    extra: dict,
) -> None:
    """Save the finished model (elsewhere if OUT cannot take it), drop the checkpoint it
    supersedes, write the metrics (with ``extra``) and say so."""
    where, problem = _save_somewhere(model.save, str(out), out)
    if problem is not None:  # keep the checkpoint too: the fallback folder may be temporary
        raise Word2VecError(
            f"{problem}; the trained model was saved to {where} instead (move it to {out})",
            exit_code=1,
        )
    with contextlib.suppress(OSError):
        os.remove(ckpt_path)  # superseded by the finished model
    metrics = trainer.metrics(corpus_tokens=corpus.total_tokens)
    metrics["corpus"] = source
    metrics.update(extra)
    try:
        write_json(stem + ".metrics.json", metrics)
    except Word2VecError as exc:
        raise Word2VecError(f"{exc} (the model {out} was saved)", exit_code=1) from None
    with contextlib.suppress(OSError, ValueError):
        print(
            f"trained {trainer.config.model} on {metrics['words_read']:,} words in "
            f"{metrics['seconds']:.1f} s ({metrics['words_per_second'] / 1000:.0f}k words/s), "
            f"final loss {metrics['final_loss']:.4f}; saved {out} and {stem}.metrics.json",
            flush=True,
        )


def _plots(model: Word2Vec, trainer: Trainer, stem: str) -> None:
    boundaries = epoch_boundaries_from(trainer.history_epochs)
    plot_loss(trainer.loss_history, boundaries, stem + ".loss.png")
    plot_tsne(model.vocab.words, np.asarray(model.W_in), stem + ".tsne.png")
    print(f"wrote {stem}.loss.png and {stem}.tsne.png")

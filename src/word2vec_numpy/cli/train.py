"""``word2vec-numpy train``: corpus -> id file -> training -> model, metrics, reports.

The training options are ``TrainConfig``'s fields: each becomes a flag (``lr_min`` ->
``--lr-min``, also ``--lr_min``) with the field's default, check and help.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..config import TrainConfig, switch
from ..data import download
from ..data.encode import encode_corpus
from ..data.parts import text_files
from ..data.sample import generate_sample_sentences
from ..data.text import MAX_TOKEN_CHARS, ReadStats, cut_sentences, iter_corpus
from ..data.vocab import Vocabulary
from ..errors import Word2VecError
from ..files import write_json
from ..formats.npz import model_path
from ..model.word2vec import ARCHITECTURE, Word2Vec
from ..training.dask import ClusterLost, DaskBackend
from ..training.trainer import Trainer
from ..vectors.plot import epoch_boundaries_from, plot_loss, plot_tsne
from . import checks
from .common import POSITIVE_INT, arg_type, opt
from .distributed import DaskSession, check_resume
from .report import report_after_training

# Options of the command (not of the training) that a resumed run must share.
RESUMED_INPUT = ("corpus", "max_tokens", "init", "read_vocab")


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
        help="sample (built in), text8, alice, or PATHs (files or folders)",
    )
    opt(p, "--max-tokens", type=POSITIVE_INT, default=None, help="read at most N tokens")
    opt(p, "--data-dir", default=None, help="where downloads are cached")
    for f in TrainConfig.cli_fields():
        meta = f.metadata
        check = meta["check"]
        flag = "--" + f.name.replace("_", "-")
        default = meta["cli_default"]() if meta["cli_default"] else f.default
        if isinstance(f.default, bool) and check is not switch:
            # a flag: --NAME, or --no-NAME to turn off what is on by default (a field checked
            # by config.switch takes a value instead, as the C tool's -hs 1)
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
        help="writes OUT.npz and OUT.metrics.json; a folder (or a name ending in /) means "
        "FOLDER/model.npz, ...; OUT.NPZ in any case is the model file itself",
    )
    opt(p, "--evaluate", action="store_true", help="print neighbours and benchmarks after")
    opt(p, "--analogies", default=None, help="questions-words.txt for --evaluate")
    opt(p, "--pairs", nargs="+", default=[], help="word-pair files for --evaluate")
    opt(p, "--restrict-vocab", type=POSITIVE_INT, default=30000)
    p.set_defaults(case_insensitive=True)
    opt(p, "--plot", action="store_true", help="write loss and t-SNE PNGs next to OUT")
    opt(p, "--quiet", action="store_true", help="no progress output")
    opt(
        p,
        "--checkpoint-every",
        type=POSITIVE_INT,
        default=None,
        metavar="WORDS",
        help="write OUT.ckpt.npz every WORDS corpus words (at epoch ends with --workers > 1)",
    )
    opt(p, "--checkpoint-every-epoch", action="store_true", help="write OUT.ckpt.npz each epoch")
    opt(p, "--resume", default=None, metavar="CKPT", help="continue from a checkpoint")
    opt(
        p,
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="train on a Dask cluster: tcp://HOST:8786 (a running scheduler) or local:N "
        "(N worker processes here); pip install 'word2vec-numpy[dask]'",
    )
    p.set_defaults(func=run, train_parser=p)


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
        raise Word2VecError(f"corpus file not found: {name} (or use --corpus sample|text8|alice)")
    sentences = iter_corpus(name, stats, cut)  # checks every file first; sets stats.source
    return sentences, stats.source


def _chain(files: list[str], stats: ReadStats, cut: int) -> Iterator[list[str]]:
    for f in files:
        yield from iter_corpus(f, stats, cut)


def _output_path(args: argparse.Namespace) -> Path:
    out = model_path(args.out)
    folder = out.parent
    if not folder.exists():
        if args.out == "results/model":  # the default: make results/ for the user
            folder.mkdir(parents=True, exist_ok=True)
        else:
            raise Word2VecError(
                f"output folder does not exist: {folder} (create it or change --out)"
            )
    if not folder.is_dir():
        raise Word2VecError(f"--out must be in a folder, but {folder} is not one")
    probe = folder / f".word2vec-numpy-write-test-{time.time_ns()}"
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        raise Word2VecError(f"cannot write to output folder {folder} (change --out)") from None
    return out


def _resumable_keys() -> tuple[str, ...]:
    fields = TrainConfig.cli_fields()
    return RESUMED_INPUT + tuple(f.name for f in fields if f.metadata["resume"]) + ("min_count",)


def _resume_options(args: argparse.Namespace) -> Word2Vec:
    """Load ``--resume``'s checkpoint and fill in the options it was made with; an option
    given explicitly with another value is refused. The worker count of the checkpoint is
    used unless ``--workers`` is given."""
    path = Path(args.resume)
    if not path.is_file():
        raise Word2VecError(f"checkpoint not found: {path}")
    model = Word2Vec.load(path)
    state = model.training_state
    saved = state.get("cli_options")
    if not saved or "rng" not in state:
        raise Word2VecError(f"{path} is a finished model, not a training checkpoint")
    defaults = vars(args.train_parser.parse_args([]))
    for key in _resumable_keys():
        given = getattr(args, key)
        if given != defaults.get(key) and given != saved.get(key):
            flag = "--" + key.replace("_", "-")
            raise Word2VecError(
                f"cannot resume: {flag} {given} differs from the checkpoint's {saved.get(key)}"
            )
        setattr(args, key, saved.get(key))
    if args.workers == defaults.get("workers") and "workers" in saved:
        args.workers = saved["workers"]
    args.parts = check_resume(args.dask, saved)
    return model


class _StopOnSignal:
    """SIGINT/SIGTERM ask the trainer to stop at the next chunk boundary (a second Ctrl-C
    stops at once); remembers which signal came."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.signum: int | None = None
        self.previous: dict = {}

    def __enter__(self) -> _StopOnSignal:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signum = signum
        self.trainer.request_stop()

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def _init_options(args: argparse.Namespace) -> Word2Vec:
    """Load ``--init``'s model and take its options for those not given explicitly (the
    worker count excepted); an option that shaped its matrices may not differ."""
    path = Path(args.init)
    if not path.is_file():
        raise Word2VecError(f"--init model not found: {path}")
    model = Word2Vec.load(path)
    defaults = vars(args.train_parser.parse_args([]))
    for f in TrainConfig.cli_fields():
        given, saved = getattr(args, f.name), getattr(model.config, f.name)
        if f.name == "workers" or given != defaults.get(f.name):
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
    out = _output_path(args)
    if args.save_vocab and not Path(args.save_vocab).resolve().parent.is_dir():
        raise Word2VecError(f"--save-vocab: folder {Path(args.save_vocab).parent} does not exist")
    stem = str(out)[: -len(".npz")]
    ckpt_path = stem + ".ckpt.npz"
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    stats = ReadStats()
    start_vocab = _vocabulary(args, config, initial)
    t0 = time.perf_counter()
    ids_path = Path(stem + ".ids.u32")
    session = DaskSession(args.dask, log) if args.dask else None
    if session is not None and initial is not None:
        raise Word2VecError("--init is not supported with --dask yet: train on one machine")
    try:
        if session is not None:
            corpus, source, stats.replaced = session.prepare(
                args, config, stem, getattr(args, "parts", None)
            )
        else:
            sentences, source = corpus_sentences(args, stats)
            log(f"reading {source} ...")
            corpus = encode_corpus(
                sentences,
                ids_path,
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
            print(
                f"warning: {stats.replaced:,} invalid UTF-8 sequences in {source} were "
                "replaced by U+FFFD",
                file=sys.stderr,
            )
        if stats.long_tokens:
            print(
                f"warning: {stats.long_tokens:,} tokens longer than {MAX_TOKEN_CHARS} "
                f"characters in {source} were skipped",
                file=sys.stderr,
            )
        update = getattr(corpus, "update", None)
        if update is not None:
            print(update.summary(), file=sys.stderr)  # never drop words without a word
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
        if session is not None:
            options["parts"] = corpus.n_parts

        def checkpoint(trainer: Trainer) -> None:
            model.save(ckpt_path, extra_state=dict(trainer.state(), cli_options=options))

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
            except ClusterLost as exc:  # the trainer stands at the last merged round
                checkpoint(trainer)
                raise Word2VecError(
                    f"{exc}; checkpoint saved: resume with: word2vec-numpy train --resume "
                    f"{ckpt_path} --out {args.out} --dask {args.dask}"
                ) from None
        if not trainer.finished:
            checkpoint(trainer)
            name = signal.Signals(stopper.signum).name if stopper.signum else "a stop request"
            print(
                f"stopped by {name} at epoch {trainer.epoch + 1}/{config.epochs} "
                f"({100 * trainer.words_done / max(trainer.total_words, 1):.1f}% done); "
                f"checkpoint saved: resume with: word2vec-numpy train --resume {ckpt_path} "
                f"--out {args.out}" + (f" --dask {args.dask}" if args.dask else ""),
                file=sys.stderr,
            )
            return 128 + (stopper.signum or signal.SIGINT)
    finally:
        if ids_path.exists():
            ids_path.unlink()
        if session is not None:
            session.close()
    model.save(out)
    if os.path.exists(ckpt_path):
        os.remove(ckpt_path)  # superseded by the finished model
    metrics = trainer.metrics(corpus_tokens=corpus.total_tokens)
    metrics["corpus"] = source
    if isinstance(trainer.backend, DaskBackend):
        metrics["dask"] = trainer.backend.summary()
    if getattr(corpus, "update", None) is not None:
        metrics["init"] = str(args.init)
        metrics["vocabulary_update"] = dataclasses.asdict(corpus.update)
    write_json(stem + ".metrics.json", metrics)
    print(
        f"trained {config.model} on {metrics['words_read']:,} words in "
        f"{metrics['seconds']:.1f} s ({metrics['words_per_second'] / 1000:.0f}k words/s), "
        f"final loss {metrics['final_loss']:.4f}; saved {out} and {stem}.metrics.json"
    )
    if args.evaluate:
        report_after_training(model, args, sys.stdout)
    if args.plot:
        _plots(model, trainer, stem)
    return 0


def _plots(model: Word2Vec, trainer: Trainer, stem: str) -> None:
    boundaries = epoch_boundaries_from(trainer.history_epochs)
    plot_loss(trainer.loss_history, boundaries, stem + ".loss.png")
    plot_tsne(model.vocab.words, np.asarray(model.W_in), stem + ".tsne.png")
    print(f"wrote {stem}.loss.png and {stem}.tsne.png")

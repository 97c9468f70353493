"""``word2vec-numpy train``: corpus -> id file -> training -> model, metrics, reports."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..data.encode import encode_corpus
from ..data.text import MAX_TOKEN_CHARS, ReadStats, iter_corpus
from ..errors import Word2VecError
from ..files import write_json
from ..formats.npz import model_path, save_model
from ..model.word2vec import Word2Vec
from ..training.trainer import RESUME_KEYS, Trainer


def corpus_sentences(args: argparse.Namespace, stats: ReadStats) -> tuple[Iterable[list[str]], str]:
    """The sentences of ``--corpus`` and a short description of where they come from."""
    name = args.corpus
    if name == "sample":
        from ..data.sample import generate_sample_sentences

        return generate_sample_sentences(), "built-in sample corpus"
    if name in ("text8", "alice"):
        from ..data import download

        fetch = download.fetch_text8 if name == "text8" else download.fetch_alice
        path = fetch(data_dir=args.data_dir, quiet=args.quiet)
        return iter_corpus(path, stats), str(path)
    if name and name != "-" and not Path(name).exists():
        raise Word2VecError(f"corpus file not found: {name} (or use --corpus sample|text8|alice)")
    sentences = iter_corpus(name, stats)  # checks every file first; sets stats.source
    return sentences, stats.source


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


# Options that must match between a checkpoint and the run that resumes it.
RESUMABLE = ("corpus", "max_tokens", "min_count", *RESUME_KEYS)


def _resume_options(args: argparse.Namespace) -> dict:
    """Load ``--resume``'s checkpoint state and fill in the options it was made with; an
    option given explicitly with another value is refused."""
    from ..formats.npz import load_model

    path = Path(args.resume)
    if not path.is_file():
        raise Word2VecError(f"checkpoint not found: {path}")
    model = load_model(path)
    state = model.training_state
    saved = state.get("cli_options")
    if not saved or "rng" not in state:
        raise Word2VecError(f"{path} is a finished model, not a training checkpoint")
    defaults = vars(args.train_parser.parse_args([]))
    for key in RESUMABLE:
        given = getattr(args, key)
        if given != defaults.get(key) and given != saved.get(key):
            flag = "--" + key.replace("_", "-")
            raise Word2VecError(
                f"cannot resume: {flag} {given} differs from the checkpoint's {saved.get(key)}"
            )
        setattr(args, key, saved.get(key))
    return {"model": model, "state": state}


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


def run_train(args: argparse.Namespace) -> int:
    resumed = _resume_options(args) if args.resume else None
    out = _output_path(args)
    stem = str(out)[: -len(".npz")]
    ckpt_path = stem + ".ckpt.npz"
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    stats = ReadStats()
    sentences, source = corpus_sentences(args, stats)
    log(f"reading {source} ...")
    t0 = time.perf_counter()
    ids_path = Path(stem + ".ids.u32")
    corpus = encode_corpus(
        sentences, ids_path, min_count=args.min_count, max_tokens=args.max_tokens, source=source
    )
    try:
        vocab = corpus.vocab
        if corpus.total_tokens == 0:
            raise Word2VecError(f"no words found in {source}: is it a text file?")
        if len(vocab) == 0:
            raise Word2VecError(
                f"no word occurs --min-count={args.min_count} times in {source} "
                f"({corpus.total_tokens} tokens): lower --min-count"
            )
        if corpus.n_words <= args.window or corpus.n_words < 2:
            raise Word2VecError(
                f"{source} has only {corpus.n_words} words with count >= {args.min_count}, "
                f"not more than one window (--window {args.window}): use a longer text"
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
        log(
            f"{corpus.total_tokens:,} tokens, {len(vocab):,} words with count >= "
            f"{args.min_count}, read in {time.perf_counter() - t0:.1f} s"
        )
        if resumed:
            model = resumed["model"]
            model.vocab = vocab  # the same words (checked by the corpus fingerprint below)
        else:
            model = Word2Vec(
                vocab, embed_dim=args.dim, n_negatives=args.neg, model=args.model, seed=args.seed
            )
        trainer = Trainer(
            model,
            vocab,
            corpus,
            n_epochs=args.epochs,
            lr=args.lr,
            lr_min=args.lr_min,
            window=args.window,
            sample=args.sample,
            batch_size=args.batch_size,
            workers=args.workers,
            seed=args.seed,
            log_every=args.log_every,
            quiet=args.quiet,
        )
        if resumed:
            trainer.restore(resumed["state"])
            log(f"resuming at epoch {trainer.epoch + 1}, {trainer.words_done:,} words done")
        options = {key: getattr(args, key) for key in RESUMABLE}

        def checkpoint(trainer: Trainer = trainer) -> None:
            state = dict(trainer.state(), cli_options=options)
            save_model(model, ckpt_path, extra_state=state)

        every = args.checkpoint_every
        last = [trainer.words_done]

        def on_chunk(trainer: Trainer) -> None:
            epoch_end = trainer.epoch_words == 0
            if (args.checkpoint_every_epoch and epoch_end) or (
                every and trainer.words_done - last[0] >= every
            ):
                checkpoint()
                last[0] = trainer.words_done

        with _StopOnSignal(trainer) as stopper:
            trainer.train(on_chunk if (every or args.checkpoint_every_epoch) else None)
        if not trainer.finished:
            checkpoint()
            name = signal.Signals(stopper.signum).name if stopper.signum else "a stop request"
            print(
                f"stopped by {name} at epoch {trainer.epoch + 1}/{args.epochs} "
                f"({100 * trainer.words_done / max(trainer.total_words, 1):.1f}% done); "
                f"checkpoint saved: resume with: word2vec-numpy train --resume {ckpt_path} "
                f"--out {args.out}",
                file=sys.stderr,
            )
            return 128 + (stopper.signum or signal.SIGINT)
    finally:
        if ids_path.exists():
            ids_path.unlink()
    save_model(model, out)
    if os.path.exists(ckpt_path):
        os.remove(ckpt_path)  # superseded by the finished model
    metrics = trainer.metrics(corpus_tokens=corpus.total_tokens)
    metrics["corpus"] = source
    write_json(stem + ".metrics.json", metrics)
    print(
        f"trained {args.model} on {metrics['words_read']:,} words in {metrics['seconds']:.1f} s "
        f"({metrics['words_per_second'] / 1000:.0f}k words/s), final loss "
        f"{metrics['final_loss']:.4f}; saved {out} and {stem}.metrics.json"
    )
    if args.evaluate:
        from .commands import report_after_training

        report_after_training(model, args, sys.stdout)
    if args.plot:
        _plots(model, trainer, stem)
    return 0


def _plots(model: Word2Vec, trainer: Trainer, stem: str) -> None:
    from ..vectors.plot import epoch_boundaries_from, plot_loss, plot_tsne

    boundaries = epoch_boundaries_from(trainer.history_epochs)
    plot_loss(trainer.loss_history, boundaries, stem + ".loss.png")
    plot_tsne(model.vocab.words, np.asarray(model.W_in), stem + ".tsne.png")
    print(f"wrote {stem}.loss.png and {stem}.tsne.png")

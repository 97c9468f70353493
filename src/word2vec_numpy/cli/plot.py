"""``word2vec-numpy plot MODEL``: a t-SNE map (and the loss curve of a trained model) as PNGs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import Word2VecError
from ..formats.npz import sidecar_path
from ..vectors.plot import epoch_boundaries_from, plot_loss, plot_tsne
from .common import add_model_argument, add_top, load_any, opt


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plot",
        help="t-SNE map and loss curve as PNG files",
        description="Write MODEL.tsne.png (and MODEL.loss.png for a "
        "trained .npz model) next to the model.",
    )
    add_model_argument(p)
    p.add_argument("--words", nargs="+", metavar="WORD", help="plot these words")
    add_top(p, 300, "most frequent words to plot")
    opt(
        p,
        "--out-dir",
        dest="out_dir",
        metavar="DIR",
        help="where to write the PNGs (default: next to the model)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    vectors, model = load_any(args.model, args.unicode_errors)
    model_path = Path(args.model)
    out_dir = Path(args.out_dir) if args.out_dir else model_path.parent
    if not out_dir.is_dir():
        raise Word2VecError(f"output directory does not exist: {out_dir}")
    stem = sidecar_path(model_path, "").name
    tsne_path = out_dir / f"{stem}.tsne.png"
    info = plot_tsne(
        vectors.words, vectors.vectors, tsne_path, top=args.top, words_to_plot=args.words
    )
    print(f"wrote {tsne_path} ({info['words']} words, {info['labelled']} labelled)")
    history = list(model.loss_history) if model is not None else []
    if history:
        loss_path = out_dir / f"{stem}.loss.png"
        plot_loss(history, epoch_boundaries_from(model.history_epochs), loss_path)
        print(f"wrote {loss_path} ({len(history)} loss points)", file=sys.stdout)
    return 0

"""Pictures: the training-loss curve and a 2-D t-SNE map of the embeddings; and the 2-D
maps themselves as coordinates (``pca_2d`` in NumPy, ``tsne_2d``), which ``serve`` draws.

The pictures and t-SNE need the ``plot`` extra (matplotlib and scikit-learn), imported only
when a function is called. Figures are drawn with matplotlib's Agg canvas directly (no
pyplot, no display, no global state) at fixed sizes, so the PNGs always have the same pixel
dimensions.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write
from .keyed import unit_rows

__all__ = [
    "DPI",
    "LOSS_FIGSIZE",
    "TSNE_FIGSIZE",
    "check_plot_extra",
    "epoch_boundaries_from",
    "pca_2d",
    "plot_loss",
    "plot_tsne",
    "place_labels",
    "tsne_2d",
]

DPI = 100
LOSS_FIGSIZE = (10.0, 6.0)  # inches -> 1000 x 600 px
TSNE_FIGSIZE = (12.0, 9.0)  # inches -> 1200 x 900 px
MISSING_EXTRA = "plotting needs matplotlib and scikit-learn: pip install 'word2vec-numpy[plot]'"


def check_plot_extra() -> None:
    """Raise the one-line error the plotting functions would raise if matplotlib or
    scikit-learn is not installed, without importing them (``train --plot`` checks this
    before training)."""
    for module in ("matplotlib", "sklearn"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a broken installation counts as missing
            found = False
        if not found:
            raise Word2VecError(MISSING_EXTRA)


def _figure(figsize: tuple[float, float]) -> Any:
    """A new Figure attached to an Agg canvas (works without a display)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise Word2VecError(MISSING_EXTRA) from None
    fig = Figure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _tsne_class() -> Any:
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise Word2VecError(MISSING_EXTRA) from None
    return TSNE


def _save(fig: Any, path: str | os.PathLike[str]) -> None:
    # No bbox_inches="tight": that would change the pixel size from figure to figure.
    atomic_write(path, lambda f: fig.savefig(f, dpi=DPI, format="png"))


# ------------------------------------------------------------------------------------ loss


def epoch_boundaries_from(history_epochs: Sequence[int]) -> list[int]:
    """Indices into the loss history where a new epoch starts, from the epoch number of
    every loss point (``Trainer.history_epochs``)."""
    e = np.asarray(history_epochs)
    return [int(i) for i in np.nonzero(e[1:] != e[:-1])[0] + 1] if len(e) else []


def _smooth(y: np.ndarray) -> np.ndarray:
    """Centred moving average over ~5% of the points; windows shrink at the ends, so the
    curve starts and ends at the data instead of sagging towards zero."""
    n = len(y)
    half = max(1, n // 40)
    c = np.concatenate([[0.0], np.cumsum(y, dtype=np.float64)])
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    return (c[hi] - c[lo]) / (hi - lo)


def plot_loss(
    loss_history: Sequence[float] | np.ndarray,
    epoch_boundaries: Sequence[float] | None,
    path: str | os.PathLike[str],
    xlabel: str = "training progress (logged batches)",
) -> None:
    """Save the loss curve as a 1000 x 600 PNG: raw points faint, a moving average over
    them, and a dashed vertical line where each new epoch starts.

    ``loss_history`` is a list of losses (x = 0, 1, 2, ...) or an (n, 2) array of
    ``(x, loss)``; ``epoch_boundaries`` are x positions where epochs 2, 3, ... start.
    """
    data = np.asarray(loss_history, dtype=np.float64)
    if data.ndim == 2 and data.shape[1] == 2:
        x, y = data[:, 0], data[:, 1]
    elif data.ndim == 1:
        x, y = np.arange(len(data), dtype=np.float64), data
    else:
        raise Word2VecError(f"loss_history must be a list of numbers, got shape {data.shape}")
    finite = np.isfinite(y)
    x, y = x[finite], y[finite]
    if len(y) == 0:
        raise Word2VecError("no loss values to plot (was the model trained?)")
    fig = _figure(LOSS_FIGSIZE)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(x, y, ".", color="tab:blue", alpha=0.25, markersize=3, label="logged loss")
    if len(y) >= 5:
        ax.plot(x, _smooth(y), "-", color="tab:blue", linewidth=2, label="moving average")
    for k, b in enumerate(epoch_boundaries or [], start=2):
        ax.axvline(b, color="0.4", linestyle="--", linewidth=1)
        ax.annotate(
            f"epoch {k}",
            (b, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
            color="0.3",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss per training pair")
    ax.set_title("Training loss")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    fig.subplots_adjust(left=0.08, right=0.97, top=0.93, bottom=0.1)
    _save(fig, path)


# ------------------------------------------------------------------------------------ t-SNE


def place_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    bounds: tuple[float, float, float, float],
    pad: float = 1.5,
    rings: int = 6,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose non-overlapping positions for label boxes, most important label first.

    ``anchors`` (n, 2) are the points in pixels, ``sizes`` (n, 2) the boxes' widths and
    heights, ``bounds`` = (x0, y0, x1, y1) the area they must stay in. Label ``i`` tries,
    nearest first, positions on rings around its point (just above it, then below, left,
    right, the diagonals, then further out): it takes the first position that overlaps no
    label placed before it and covers no point, else the first that overlaps no label, else
    it is left out. Placing in order of frequency means the frequent words get their labels.
    Returns (centres (n, 2), kept mask (n,)).
    """
    n = len(anchors)
    half = sizes / 2 + pad
    directions = np.array(
        [
            [0, 1],
            [0, -1],
            [1, 0],
            [-1, 0],
            [1, 1],
            [-1, 1],
            [1, -1],
            [-1, -1],
            [0.5, 1],
            [-0.5, 1],
            [0.5, -1],
            [-0.5, -1],
        ]
    )
    lo, hi = np.array(bounds[:2]), np.array(bounds[2:])
    centres = anchors.astype(np.float64).copy()
    kept = np.zeros(n, dtype=bool)
    placed_c = np.zeros((0, 2))
    placed_h = np.zeros((0, 2))
    for i in range(n):
        # Ring r puts the box edge r*gap beyond the point (gap = one text height).
        gap = sizes[i, 1]
        cands = np.concatenate(
            [anchors[i] + directions * (half[i] + 2 + r * gap) for r in range(rings)]
        )
        inside = ((cands - half[i] >= lo) & (cands + half[i] <= hi)).all(axis=1)
        # (m, k): does candidate m overlap placed box k?  |dc| < h_i + h_k on both axes.
        clash = (
            (np.abs(cands[:, None, :] - placed_c[None, :, :]) < half[i] + placed_h[None, :, :])
            .all(axis=2)
            .any(axis=1)
        )
        covers = (np.abs(cands[:, None, :] - anchors[None, :, :]) < half[i] + 2).all(axis=2)
        covers[:, i] = False
        for ok in (inside & ~clash & ~covers.any(axis=1), inside & ~clash):
            if ok.any():
                centres[i] = cands[np.argmax(ok)]
                kept[i] = True
                placed_c = np.vstack([placed_c, centres[i]])
                placed_h = np.vstack([placed_h, half[i]])
                break
    return centres, kept


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two principal components of the unit rows of ``vectors``: an (n, 2) array
    of coordinates and the fraction of the variance each axis explains.

    With ``X`` the unit rows centred on their mean and ``X = U S Vᵀ`` its thin SVD, the
    coordinates are ``X V[:, :2]`` and axis ``k`` explains ``S_k² / Σ S²``. Each axis' sign
    is fixed (its largest loading positive), so the same vectors always give the same map.
    """
    x = unit_rows(vectors).astype(np.float64)
    if len(x) < 2:
        raise Word2VecError(f"a map needs at least 2 words, got {len(x)}")
    x -= x.mean(axis=0)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    axes = vt[:2]
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    xy = x @ axes.T
    if xy.shape[1] < 2:  # one-dimensional vectors: put everything on the x axis
        xy = np.column_stack([xy, np.zeros(len(xy))])
    total = float((s**2).sum())
    explained = (s[:2] ** 2) / total if total > 0 else np.zeros(min(2, len(s)))
    return xy, np.pad(explained, (0, 2 - len(explained)))


def tsne_2d(vectors: np.ndarray, seed: int = 0) -> tuple[np.ndarray, float]:
    """A 2-D t-SNE embedding of the unit rows of ``vectors`` (scikit-learn, PCA start):
    (n, 2) coordinates and the perplexity used (30, or less for a few points)."""
    n = len(vectors)
    if n < 5:
        raise Word2VecError(f"t-SNE needs at least 5 words, got {n}")
    if vectors.ndim != 2 or vectors.shape[1] < 2:
        raise Word2VecError("t-SNE needs vectors of at least 2 dimensions")
    TSNE = _tsne_class()
    # Unit rows: Euclidean distance between unit vectors is a monotone function of cosine,
    # sqrt(2 - 2 cos), so t-SNE sees the same neighbourhoods as most_similar.
    x = unit_rows(vectors).astype(np.float64)
    # Rows that all point one way (or are all zero) have no spread: scikit-learn's PCA
    # start divides by it and its Barnes-Hut code then crashes the process (a segfault).
    if np.ptp(x, axis=0).max() <= 1e-6:  # (float32 rounding of equal unit rows)
        raise Word2VecError(
            f"t-SNE needs words whose vectors differ; these {n} all point the same way"
        )
    # Perplexity must stay below the number of points; 30 is the usual default.
    perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        random_state=seed,
    )
    try:
        # A few hundred points gain nothing from OpenMP threads, and on a busy machine
        # spinning threads make t-SNE several times slower; threadpoolctl comes with sklearn.
        from threadpoolctl import threadpool_limits
    except ImportError:
        return tsne.fit_transform(x), perplexity
    with threadpool_limits(limits=1):
        return tsne.fit_transform(x), perplexity


def plot_tsne(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | os.PathLike[str],
    top: int = 300,
    words_to_plot: Sequence[str] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Save a 1200 x 900 PNG of a 2-D t-SNE map of the ``top`` most frequent words (or of
    ``words_to_plot``), labelled without overlaps (see :func:`place_labels`; a label that
    cannot be placed is left off, less frequent words first). Returns the number of words
    plotted and labelled."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if words_to_plot:
        index = {w: i for i, w in enumerate(words)}
        missing = [w for w in words_to_plot if w not in index]
        if missing:
            raise Word2VecError(f"not in the vocabulary: {', '.join(map(repr, missing[:10]))}")
        ids = np.array(list(dict.fromkeys(index[w] for w in words_to_plot)))  # no repeats
    else:
        ids = np.arange(min(int(top), len(words)))
    if len(ids) < 5:
        raise Word2VecError(f"t-SNE needs at least 5 words, got {len(ids)}")
    fig = _figure(TSNE_FIGSIZE)
    xy, perplexity = tsne_2d(vectors[ids], seed=seed)

    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.95, bottom=0.02)
    ax.scatter(xy[:, 0], xy[:, 1], s=8, color="tab:blue", alpha=0.7)
    span = xy.max(axis=0) - xy.min(axis=0)
    margin = 0.06 * np.where(span > 0, span, 1.0)
    ax.set_xlim(xy[:, 0].min() - margin[0], xy[:, 0].max() + margin[0])
    ax.set_ylim(xy[:, 1].min() - margin[1], xy[:, 1].max() + margin[1])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"t-SNE of {len(ids)} word vectors (perplexity {perplexity:.0f})")

    # Measure every label's box in pixels, then repel the boxes in pixel space.
    labels = [words[i] for i in ids]
    texts = [ax.text(0, 0, w, fontsize=8, ha="center", va="center") for w in labels]
    renderer = fig.canvas.get_renderer()
    sizes = np.array([[e.width, e.height] for e in (t.get_window_extent(renderer) for t in texts)])
    to_px = ax.transData
    anchors = to_px.transform(xy)
    box = ax.get_window_extent(renderer)
    centre, kept = place_labels(anchors, sizes, (box.x0, box.y0, box.x1, box.y1))
    to_data = to_px.inverted()
    half = sizes / 2
    for i, (t, keep) in enumerate(zip(texts, kept, strict=True)):
        if not keep:
            t.remove()
            continue
        t.set_position(to_data.transform(centre[i]))
        # Where the line from the box centre to the point leaves the box: scale the offset
        # down until it meets the nearer edge.
        offset = anchors[i] - centre[i]
        with np.errstate(divide="ignore"):
            scale = min(1.0, *(half[i] / np.abs(offset)))
        edge = centre[i] + offset * scale
        if np.hypot(*(anchors[i] - edge)) > 6:
            # The label sits away from its point: draw a leader line to it.
            line = to_data.transform(np.array([anchors[i], edge]))
            ax.plot(line[:, 0], line[:, 1], "-", color="0.6", linewidth=0.5)
    _save(fig, path)
    unlabelled = np.nonzero(~kept)[0]
    return {
        "words": len(ids),
        "labelled": int(kept.sum()),
        # How many of the most frequent words in a row got their label (all, ideally).
        "labelled_prefix": int(unlabelled[0]) if len(unlabelled) else len(ids),
    }

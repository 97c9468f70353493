"""Loss curve and t-SNE pictures (plot.py)."""

from __future__ import annotations

import builtins
import struct

import numpy as np
import pytest

from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.vectors import plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_loss(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    loss = 4 * np.exp(-np.linspace(0, 3, 300)) + 2 + rng.normal(0, 0.1, 300)
    path = tmp_path / "loss.png"
    plot.plot_loss(loss.tolist(), [100, 200], path)
    assert png_size(path) == (1000, 600)
    assert path.stat().st_size > 10_000
    # (x, loss) pairs and no epoch boundaries work too
    path2 = tmp_path / "loss2.png"
    plot.plot_loss(np.column_stack([np.arange(3) * 10, [3.0, 2.5, 2.4]]), None, path2)
    assert png_size(path2) == (1000, 600)
    with pytest.raises(Word2VecError, match="no loss values"):
        plot.plot_loss([], None, tmp_path / "empty.png")


def test_epoch_boundaries_from_history_epochs():
    assert plot.epoch_boundaries_from([0, 0, 0, 1, 1, 2]) == [3, 5]
    assert plot.epoch_boundaries_from([]) == []


def test_plot_tsne(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    # Six clusters, so t-SNE packs many labels close together.
    centres = rng.normal(size=(6, 20)) * 3
    vectors = (centres[np.arange(150) % 6] + rng.normal(size=(150, 20))).astype(np.float32)
    words = [f"word{i}" for i in range(150)]
    path = tmp_path / "tsne.png"
    info = plot.plot_tsne(words, vectors, path, top=120)
    assert png_size(path) == (1200, 900)
    assert path.stat().st_size > 10_000
    assert info["words"] == 120
    assert info["labelled_prefix"] >= 100  # the 100 most frequent words all have labels
    subset = plot.plot_tsne(words, vectors, tmp_path / "some.png", words_to_plot=words[:10])
    assert subset["words"] == 10 and subset["labelled"] == 10
    with pytest.raises(Word2VecError, match="not in the vocabulary: 'nope'"):
        plot.plot_tsne(words, vectors, tmp_path / "x.png", words_to_plot=["word1", "nope"])


def test_place_labels_never_overlap():
    rng = np.random.default_rng(1)
    anchors = rng.uniform(100, 300, size=(200, 2))  # very crowded
    sizes = np.column_stack([rng.uniform(20, 60, 200), np.full(200, 10.0)])
    centres, kept = plot.place_labels(anchors, sizes, (0, 0, 400, 400))
    assert kept[:30].all()  # the most important labels always find a place
    c, h = centres[kept], sizes[kept] / 2
    gap = np.abs(c[:, None] - c[None, :]) - (h[:, None] + h[None, :])
    overlap = (gap < 0).all(axis=2)
    np.fill_diagonal(overlap, False)
    assert not overlap.any()
    assert (c - h >= 0).all() and (c + h <= 400).all()


def test_missing_extra_gives_install_hint(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_plotting(name, *args, **kwargs):
        if name.startswith(("matplotlib", "sklearn")):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_plotting)
    message = "plotting needs matplotlib and scikit-learn: pip install 'word2vec-numpy[plot]'"
    with pytest.raises(Word2VecError) as info:
        plot.plot_loss([1.0, 2.0], None, tmp_path / "loss.png")
    assert str(info.value) == message
    with pytest.raises(Word2VecError, match=r"pip install 'word2vec-numpy\[plot\]'"):
        plot.plot_tsne(["a"] * 10, np.ones((10, 3)), tmp_path / "t.png")
    assert not list(tmp_path.iterdir())


def test_pca_2d_finds_the_two_directions_of_largest_variance():
    rng = np.random.default_rng(0)
    # Points on a plane spanned by two orthonormal directions in 10-D, spread 5:1 along
    # them, lifted far from the origin along a third so that every row is nearly unit length.
    basis = np.linalg.qr(rng.normal(size=(10, 3)))[0].T
    coef = rng.normal(size=(400, 2)) * [0.05, 0.01]
    X = coef @ basis[:2] + basis[2]
    xy, explained = plot.pca_2d(X.astype(np.float32))
    assert xy.shape == (400, 2)
    assert explained[0] > explained[1] > 0 and explained.sum() == pytest.approx(1, abs=3e-3)
    # the first axis recovers the spread-5 direction (up to the sign, which is fixed)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)
    assert abs(np.corrcoef(xy[:, 0], centred @ basis[0])[0, 1]) > 0.999
    assert abs(np.corrcoef(xy[:, 1], centred @ basis[1])[0, 1]) > 0.99
    # deterministic, and the same map for vectors scaled per row (cosine geometry)
    xy2, _ = plot.pca_2d((X * rng.uniform(1, 3, size=(400, 1))).astype(np.float32))
    np.testing.assert_allclose(xy2, xy, atol=1e-5)
    with pytest.raises(Word2VecError, match="at least 2 words"):
        plot.pca_2d(X[:1])


def test_tsne_2d_keeps_clusters_apart():
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(2, 20)) * 3
    X = np.concatenate([c + rng.normal(size=(30, 20)) * 0.2 for c in centres])
    xy, perplexity = plot.tsne_2d(X.astype(np.float32), seed=0)
    assert xy.shape == (60, 2) and perplexity == pytest.approx(19.667, abs=1e-3)
    a, b = xy[:30], xy[30:]
    gap = np.linalg.norm(a.mean(0) - b.mean(0))
    assert gap > 3 * max(a.std(0).max(), b.std(0).max())
    with pytest.raises(Word2VecError, match="at least 5 words"):
        plot.tsne_2d(X[:4])
    # vectors with no spread crashed scikit-learn (a segfault of the whole process): refused
    same = np.tile([1.0, 2.0, 3.0], (6, 1)) * np.arange(1, 7)[:, None]  # one direction
    for degenerate in (same, np.zeros((6, 3))):
        with pytest.raises(Word2VecError, match="all point the same way"):
            plot.tsne_2d(degenerate.astype(np.float32))
    with pytest.raises(Word2VecError, match="at least 2 dimensions"):
        plot.tsne_2d(X[:, :1])


def test_check_plot_extra_finds_a_missing_module_without_importing_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    for missing in ("matplotlib", "sklearn"):
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a, m=missing: None if name == m else real(name),
        )
        with pytest.raises(Word2VecError, match=r"pip install 'word2vec-numpy\[plot\]'"):
            plot.check_plot_extra()
    monkeypatch.setattr(importlib.util, "find_spec", real)
    if real("matplotlib") and real("sklearn"):
        plot.check_plot_extra()

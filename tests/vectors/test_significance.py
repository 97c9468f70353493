"""p-values of correlations without scipy (significance.py): closed forms, and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from word2vec_numpy.vectors.significance import correlation_pvalue, regularized_incomplete_beta

R_VALUES = [0.0, 1e-9, 1e-4, 0.05, 0.3, 0.5, -0.7, 0.9, 0.999, -0.999999]


def t_statistic(r: float, n: int) -> float:
    return r * math.sqrt((n - 2) / ((1 - r) * (1 + r)))


@pytest.mark.parametrize("r", R_VALUES)
def test_closed_forms_of_small_samples(r):
    """Student's t with 1, 2 and 3 degrees of freedom has an elementary two-sided tail."""
    t = abs(t_statistic(r, 3))
    assert correlation_pvalue(r, 3) == pytest.approx(1 - 2 / math.pi * math.atan(t), rel=1e-12)
    assert correlation_pvalue(r, 4) == pytest.approx(1 - abs(r), rel=1e-12, abs=1e-15)
    u = abs(t_statistic(r, 5)) / math.sqrt(3)
    want = 1 - 2 / math.pi * (math.atan(u) + u / (1 + u * u))
    assert correlation_pvalue(r, 5) == pytest.approx(want, rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("a", [0.5, 1.0, 3.0, 250.0])
@pytest.mark.parametrize("x", [0.0, 1e-6, 0.2, 0.5, 0.97, 1.0])
def test_incomplete_beta_closed_forms(a, x):
    """I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b."""
    assert regularized_incomplete_beta(a, 1.0, x) == pytest.approx(x**a, rel=1e-12, abs=1e-300)
    one_minus = -math.expm1(a * math.log1p(-x)) if x < 1 else 1.0  # 1 - (1 - x)^a, exactly
    assert regularized_incomplete_beta(1.0, a, x) == pytest.approx(one_minus, rel=1e-12)


def test_edge_cases():
    assert math.isnan(correlation_pvalue(float("nan"), 100))
    assert math.isnan(correlation_pvalue(0.5, 1))
    assert correlation_pvalue(0.5, 2) == 1.0  # two points always lie on a line
    assert correlation_pvalue(1.0, 50) == 0.0 and correlation_pvalue(-1.0, 50) == 0.0
    assert correlation_pvalue(0.0, 50) == 1.0
    with pytest.raises(ValueError):
        regularized_incomplete_beta(0.0, 1.0, 0.5)
    with pytest.raises(ValueError):
        regularized_incomplete_beta(1.0, 1.0, 1.5)


@pytest.mark.parametrize("n", [6, 30, 353, 999, 20000])
def test_matches_scipy(n):
    stats = pytest.importorskip("scipy.stats")
    special = pytest.importorskip("scipy.special")
    for r in R_VALUES:
        t = abs(t_statistic(r, n))
        want = 2 * stats.t.sf(t, n - 2)
        assert correlation_pvalue(r, n) == pytest.approx(want, rel=1e-9, abs=1e-300), r
    a = (n - 2) / 2
    for x in (1e-3, 0.3, 0.9, 0.999):
        want = special.betainc(a, 0.5, x)
        assert regularized_incomplete_beta(a, 0.5, x) == pytest.approx(want, rel=1e-10)


def test_same_p_values_as_pearsonr_and_spearmanr():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for n, noise in ((10, 1.0), (200, 3.0), (353, 0.5)):
        x = rng.normal(size=n)
        y = x + noise * rng.normal(size=n)
        for result in (stats.pearsonr(x, y), stats.spearmanr(x, y)):
            r, p = float(result[0]), float(result[1])
            assert correlation_pvalue(r, n) == pytest.approx(p, rel=1e-9)

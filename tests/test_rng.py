"""Counter-based streams: distributions against their analytic moments, and independence of chunking."""

import math

import numba as nb
import numpy as np
import pytest
from scipy import stats

from simcoh.rng import (draw_binomial, draw_exponential, draw_gamma, draw_normal, draw_poisson, draw_uniform,
                        stage_key, stream_start)

N = 200_000


@nb.njit
def _draws(key, first, n, kind, a, b):
    out = np.empty(n)
    for j in range(n):
        s = stream_start(key, first + j)
        if kind == 0:
            s, x = draw_uniform(s)
        elif kind == 1:
            s, x = draw_normal(s)
        elif kind == 2:
            s, x = draw_exponential(s, a)
        elif kind == 3:
            s, x = draw_gamma(s, a, b)
        elif kind == 4:
            s, k = draw_poisson(s, a)
            x = k
        else:
            s, k = draw_binomial(s, int(a), b)
            x = k
        out[j] = x
    return out


KEY = stage_key(12345, "test")


@pytest.mark.parametrize("kind, a, b, dist", [
    (0, 0, 0, stats.uniform()),
    (1, 0, 0, stats.norm()),
    (2, 2.5, 0, stats.expon(scale=2.5)),
    (3, 0.4, 1.0, stats.gamma(0.4)),
    (3, 9.56, 0.1, stats.gamma(9.56, scale=0.1)),
])
def test_continuous_ks(kind, a, b, dist):
    x = _draws(KEY, 0, N, kind, a, b)
    assert stats.kstest(x, dist.cdf).pvalue > 1e-4


@pytest.mark.parametrize("kind, a, b, mean, var", [
    (4, 3.7, 0, 3.7, 3.7),
    (4, 250.0, 0, 250.0, 250.0),
    (5, 40, 0.3, 12.0, 8.4),
    (5, 5000, 0.7, 3500.0, 1050.0),
])
def test_discrete_moments(kind, a, b, mean, var):
    x = _draws(KEY, 0, N, kind, a, b)
    # 5 sigma of the sampling error of the mean and of the variance (≈ var·sqrt(2/N) for near-normal)
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / N)
    assert abs(x.var() - var) < 5 * var * math.sqrt(2.0 / N) + 0.01


def test_poisson_pmf_small_mean_chi2():
    lam = 3.7
    x = _draws(KEY, 0, N, 4, lam, 0).astype(int)
    k = np.arange(0, 15)
    observed = np.array([(x == i).sum() for i in k])
    expected = stats.poisson(lam).pmf(k) * N
    keep = expected > 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert stats.chi2(keep.sum() - 1).sf(chi2) > 1e-4


def test_streams_do_not_depend_on_chunking():
    whole = _draws(KEY, 0, 1000, 1, 0, 0)
    parts = np.concatenate([_draws(KEY, 0, 333, 1, 0, 0), _draws(KEY, 333, 667, 1, 0, 0)])
    np.testing.assert_array_equal(whole, parts)


def test_different_seeds_and_stages_differ():
    a = _draws(stage_key(1, "x"), 0, 100, 0, 0, 0)
    b = _draws(stage_key(2, "x"), 0, 100, 0, 0, 0)
    c = _draws(stage_key(1, "y"), 0, 100, 0, 0, 0)
    assert not np.array_equal(a, b) and not np.array_equal(a, c)
    # neighbouring events are uncorrelated
    u = _draws(KEY, 0, N, 0, 0, 0)
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5 / math.sqrt(N)


def test_negative_seed_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        stage_key(-1, "x")

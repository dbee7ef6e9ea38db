"""Binomial confidence intervals for measured efficiencies."""

from __future__ import annotations

import numpy as np
from scipy import stats


def wilson_interval(k, n, z: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials (E. B. Wilson, JASA 22, 209 (1927)); z = 1: 68.3 %."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    p = k / n
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # the interval contains p exactly; at k = 0 or k = n rounding can leave an end 1e-16 on the wrong side
    return np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.clip(np.maximum(centre + half, p), 0.0, 1.0)


def clopper_pearson_interval(k, n, cl: float = 0.6827) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper–Pearson, Biometrika 26, 404 (1934)) central interval at confidence ``cl``."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    a = (1 - cl) / 2
    lo = np.where(k > 0, stats.beta.ppf(a, k, n - k + 1), 0.0)
    hi = np.where(k < n, stats.beta.ppf(1 - a, k + 1, n - k), 1.0)
    return lo, hi

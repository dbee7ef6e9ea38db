"""How high can the pretrace-cut pass fraction (the ε_E plateau's largest loss) be for an afterglow whose rate varies
from window to window, if the surviving windows must still give the published time efficiency ε_T?

Model (the toy's, docs/waveforms.md): in a window of detected afterglow pulse rate R (constant within the 55 µs
window, drawn from any distribution F over windows), pulses are Poisson. The pretrace cuts pass with
    pass(R) = exp(−R·quiet) · P(Poisson(R·(pretrace − quiet)) ≤ max_pulses − 1),
and among passing windows ε_T(t) = E_s[exp(−R (t − t0))] (E_s: average over passing windows, weights pass(R) dF(R)),
since a single afterglow pulse more than t0 before the recoil takes the onset and fails the Δt cut.

With survivor weights v(R) = pass(R) dF(R) / plateau (a probability), ε_T is linear in v and
plateau = 1 / Σ v(R)/pass(R), so the largest plateau over ALL rate distributions whose ε_T stays within ``tol`` of
the published curve at the given times is a linear programme (:func:`max_plateau_for_rate_mixture`). It ignores
pulse merging and noise (a < 0.001 effect on the pass fraction, tests/test_efficiency.py) and the Δt cut's own
loss on the plateau (≈ 0.005 at 40 PE, measured), so the toy's plateau lies below it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats


def pretrace_pass(rate_per_us, pretrace_us: float, quiet_us: float, max_pulses: int):
    """Pass fraction of the two pretrace cuts (no pulse in the last ``quiet_us``; fewer than ``max_pulses`` in the
    pretrace) for Poisson pulses at the detected rate ``rate_per_us`` (1/µs; scalar or array)."""
    r = np.asarray(rate_per_us, float)
    return np.exp(-r * quiet_us) * stats.poisson.cdf(max_pulses - 1, r * (pretrace_us - quiet_us))


@dataclass(frozen=True)
class PlateauBound:
    plateau: float              # largest pretrace-cut pass fraction (over all windows)
    rates_per_us: np.ndarray    # detected rates carrying the optimal survivor distribution (1/µs)
    survivor_weights: np.ndarray


def max_plateau_for_rate_mixture(t_us, eps_t_rate_per_us: float, t0_us: float, tol: float, *, pretrace_us: float,
                                 quiet_us: float, max_pulses: int, rate_grid_per_us=None) -> PlateauBound:
    """Largest pretrace pass fraction of any window-to-window rate distribution (on ``rate_grid_per_us``) whose
    surviving windows give ε_T(t) = exp(−eps_t_rate (t − t0)) (1 before t0) within ``tol`` at every ``t_us``.
    Raises ValueError when no distribution on the grid meets the tolerance."""
    grid = np.linspace(0.0, 0.3, 1201) if rate_grid_per_us is None else np.asarray(rate_grid_per_us, float)
    p = pretrace_pass(grid, pretrace_us, quiet_us, max_pulses)
    keep = p > 1e-9
    grid, p = grid[keep], p[keep]
    dt = np.clip(np.asarray(t_us, float) - t0_us, 0.0, None)
    target = np.exp(-eps_t_rate_per_us * dt)
    e = np.exp(-np.outer(dt, grid))
    res = optimize.linprog(1.0 / p, A_ub=np.vstack([e, -e]), b_ub=np.concatenate([target + tol, tol - target]),
                           A_eq=np.ones((1, grid.size)), b_eq=[1.0], bounds=(0, None), method="highs")
    if res.status != 0:
        raise ValueError(f"no rate distribution on the grid gives eps_T within {tol:g}: {res.message}")
    on = res.x > 1e-9
    return PlateauBound(float(1.0 / res.fun), grid[on], res.x[on])

"""Feldman-Cousins critical values of the profile-likelihood ratio, by pseudo-experiments.

For a parameter of interest μ ≥ 0 the test statistic is t(μ) = −2 ln[L(μ, θ̂̂)/L(μ̂, θ̂)] with μ̂ ≥ 0 (the
ordering of G. J. Feldman and R. D. Cousins, PRD 57, 3873 (1998), arXiv:physics/9711021, with nuisance
parameters profiled: the "profile construction", K. Cranmer, PHYSTAT 2005 and the PDG statistics review).
At each μ of a grid, pseudo-experiments are drawn at (μ, θ̂̂(μ)) - the nuisances profiled on the model's
observed data, or at their nominal values (``nuisances="nominal"``) - with Poisson counts and auxiliary
measurements drawn around those nuisances (:func:`simcoh.fit.toys.pseudo_experiment`); t_c(μ) is the CL
quantile of their t(μ). The CL upper limit is the largest μ whose observed t(μ) stays below t_c(μ). Far from the
boundary t_c tends to Wilks' value, the χ²(1 dof) quantile (2.71 at 90 % CL); near μ = 0 it is smaller.
Any fit-core model works: the small signal-plus-background models (:mod:`simcoh.fit.signal_background`) and the
full CsI 2021 model with a χ template (:mod:`simcoh.fit.dm_core`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .likelihood import Likelihood, fit
from .model import FitModel
from .toys import pseudo_experiment, run_toys


def profile_statistic(model: FitModel, mu: float, poi: str | None = None) -> float:
    """t(μ) = −2Δ ln L of ``model``'s data, μ̂ within the POI's bounds (μ̂ ≥ 0 for a limit model)."""
    poi = poi or model.poi
    lik = Likelihood(model)
    best = fit(lik, hesse=False)
    cond = fit(lik, init=best.values, fixed={poi: float(mu)}, hesse=False)
    return max(2.0 * (cond.nll - best.nll), 0.0)


def _toy_t(lik: Likelihood, truths: list, poi: str, n_toys: int, toy: int, rng) -> float:
    """Toy ``toy`` of the ensemble: point ``toy // n_toys`` of the grid (its truth in ``truths``)."""
    truth = truths[toy // n_toys]
    return profile_statistic(pseudo_experiment(lik, truth, rng), truth[poi], poi)


@dataclass(frozen=True)
class CriticalValues:
    mu: np.ndarray
    t_crit: np.ndarray
    cl: float
    n_toys: int
    stat_error: np.ndarray  # statistical error of each t_c from the finite number of toys

    def at(self, mu) -> np.ndarray:
        """t_c interpolated in μ (constant beyond the grid)."""
        return np.interp(mu, self.mu, self.t_crit)


def critical_values(model: FitModel, mu_grid, *, n_toys: int, cl: float = 0.9, poi: str | None = None,
                    nuisances: str = "profiled", seed: int = 0, workers: int = 1) -> CriticalValues:
    """t_c(μ) of ``poi`` (default the model's) at each μ of ``mu_grid`` from ``n_toys`` pseudo-experiments per
    point; ``nuisances``: "profiled" on the model's data (conditional fit at each μ) or "nominal" (their
    initial values, e.g. α = 0: a model without data)."""
    poi = poi or model.poi
    if poi is None:
        raise InputError(f"model '{model.name}' names no parameter of interest for the critical values")
    mu_grid = np.asarray(mu_grid, float)
    lik = Likelihood(model)
    if nuisances == "profiled":
        truths = [fit(lik, fixed={poi: float(mu)}, hesse=False).values for mu in mu_grid]
    elif nuisances == "nominal":
        truths = [{**{p.name: p.init for p in model.parameters}, poi: float(mu)} for mu in mu_grid]
    else:
        raise InputError(f"nuisances={nuisances!r}: expected 'profiled' or 'nominal'")
    t_all = np.array(run_toys(functools.partial(_toy_t, lik, truths, poi, n_toys), n_toys * mu_grid.size,
                              seed=seed, workers=workers)).reshape(mu_grid.size, n_toys)
    tc, err = [], []
    for t in t_all:
        tc.append(float(np.quantile(t, cl, method="inverted_cdf")))  # smallest t with ECDF >= CL
        # error of an empirical quantile: sqrt(p(1-p)/N) / density at the quantile (density from the spacing)
        lo, hi = np.quantile(t, [max(cl - 0.02, 0), min(cl + 0.02, 1)])
        density = 0.04 / (hi - lo) if hi > lo else np.inf
        err.append(float(np.sqrt(cl * (1 - cl) / n_toys) / density))
    return CriticalValues(mu_grid, np.array(tc), cl, n_toys, np.array(err))


def upper_limit(mu_grid, t_obs, t_crit) -> float:
    """The largest μ of the accepted region [t_obs ≤ t_c] that is connected to the best fit, interpolated
    linearly where t_obs − t_c changes sign; NaN if the grid ends inside the accepted region."""
    mu_grid, d = np.asarray(mu_grid, float), np.asarray(t_obs, float) - np.asarray(t_crit, float)
    start = int(np.argmin(t_obs))
    for i in range(start, len(mu_grid) - 1):
        if d[i] <= 0 < d[i + 1]:
            return float(mu_grid[i] + (mu_grid[i + 1] - mu_grid[i]) * (-d[i]) / (d[i + 1] - d[i]))
    return float("nan")

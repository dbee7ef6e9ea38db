"""Dark-matter limits on the fit core's CsI 2021 model (``simcoh/data/fits/csi-2021.toml``, docs/fitting.md).

That model has everything the published fit has that simcoh can make: CEvNS with the flux normalisation and
the quenching and energy-efficiency shape systematics, BRN and NIN with normalisation and timing systematics,
the steady state shared with the anti-coincidence (AC) channel, and Barlow-Beeston-lite template statistics.
:func:`with_dm` adds the χ template (normalised to one event in the channel's bins) with a free
``n_dm`` ≥ 0; :func:`profile_n_dm` gives −2Δ ln L(N_DM) on the data and :func:`critical_values` the
Feldman-Cousins critical values by pseudo-experiments of the same model.

The pseudo-experiments fluctuate the counts of both channels (Poisson) around the expectation at the
conditional fit (n_dm fixed, every nuisance profiled on the data) and redraw the auxiliary measurement of each
constrained nuisance from N(α̂̂, 1) (``FitModel.with_aux``), as :mod:`simcoh.fit.fc` does for the small model.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .fc import CriticalValues
from .likelihood import Likelihood, fit
from .model import FitModel, NormFactor, Parameter, Sample
from .simulated import Binning, Template
from .toys import run_toys

POI = "n_dm"
POI_MAX = 1000.0


def channel_binning(model: FitModel, channel: str = "c") -> Binning:
    """The event-column binning of a 2D (energy, time) channel: edges / scale of each axis."""
    ax = model.channel(channel).axes
    return Binning(ax[0].column or ax[0].name, ax[0].edges / ax[0].scale, ax[1].edges / ax[1].scale, ax[0].title)


def with_dm(model: FitModel, signal: Template, channel: str = "c") -> FitModel:
    """``model`` plus the χ sample (one event at n_dm = 1) in ``channel`` and the POI ``n_dm`` ≥ 0."""
    total = signal.values.sum()
    sample = Sample("dm", signal.values / total, sumw2=signal.variances / total**2, modifiers=(NormFactor(POI),),
                    source=f"simcoh dm process, {signal.n_simulated} events, normalised to one event")
    params = tuple(dataclasses.replace(p, poi=False) for p in model.parameters)
    params += (Parameter(POI, init=1.0, bounds=(0.0, POI_MAX), poi=True, description="χ events in the channel's bins"),)
    new = dataclasses.replace(model, parameters=params, poi=POI)
    return new.with_samples(channel, [sample])


def profile_n_dm(model: FitModel, grid) -> tuple[float, np.ndarray]:
    """(best-fit N_DM, −2Δ ln L at each N_DM of ``grid``)."""
    from .likelihood import profile

    best = fit(model, hesse=False)
    return best.values[POI], profile(model, POI, grid, best=best)


def expected_profile(model: FitModel, grid) -> np.ndarray:
    """−2Δ ln L(N_DM) on the Asimov data set of the background-only hypothesis (n_dm = 0, nuisances profiled
    on the observed data): its crossing with the critical values is the median expected limit (Cowan et al.,
    EPJC 71, 1554 (2011), arXiv:1007.1727)."""
    from .likelihood import profile

    null = fit(model, fixed={POI: 0.0}, hesse=False)
    asimov = model.with_data(Likelihood(model).expected(null.values))
    return profile(asimov, POI, grid, best=fit(asimov, hesse=False))


def _toy_t(model: FitModel, expected: list, centres: list, n_toys: int, mu_grid: np.ndarray, toy: int,
           rng) -> float:
    k = toy // n_toys
    data = {name: rng.poisson(counts).astype(float) for name, counts in expected[k].items()}
    m = model.with_data(data)
    if centres[k]:
        names = sorted(centres[k])
        m = m.with_aux(dict(zip(names, rng.normal([centres[k][n] for n in names], 1.0))))
    best = fit(m, hesse=False)
    cond = fit(m, init=best.values, fixed={POI: float(mu_grid[k])}, hesse=False)
    return max(2.0 * (cond.nll - best.nll), 0.0)


def critical_values(model: FitModel, mu_grid, *, n_toys: int, cl: float = 0.9, seed: int = 0,
                    workers: int = 1) -> CriticalValues:
    """FC critical values of −2Δ ln L(N_DM) from ``n_toys`` pseudo-experiments per grid point."""
    mu_grid = np.asarray(mu_grid, float)
    lik = Likelihood(model)
    constrained = [p.name for p in model.parameters if p.constraint is not None]
    expected, centres = [], []
    for mu in mu_grid:
        cond = fit(model, fixed={POI: float(mu)}, hesse=False)
        expected.append(lik.expected(cond.values))
        centres.append({n: cond.values[n] for n in constrained})
    t = np.array(run_toys(functools.partial(_toy_t, model, expected, centres, n_toys, mu_grid), n_toys * mu_grid.size,
                          seed=seed, workers=workers)).reshape(mu_grid.size, n_toys)
    tc = np.array([np.quantile(row, cl, method="inverted_cdf") for row in t])
    err = []
    for row in t:
        lo, hi = np.quantile(row, [max(cl - 0.02, 0), min(cl + 0.02, 1)])
        err.append(np.sqrt(cl * (1 - cl) / n_toys) * (hi - lo) / 0.04 if hi > lo else 0.0)
    return CriticalValues(mu_grid, tc, cl, n_toys, np.array(err))

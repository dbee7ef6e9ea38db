"""Dark-matter limits on the fit core's CsI 2021 model (``simcoh/data/fits/csi-2021.toml``, docs/fitting.md).

That model has everything the published fit has that simcoh can make: CEvNS with the flux normalisation and
the quenching and energy-efficiency shape systematics, BRN and NIN with normalisation and timing systematics,
the steady state shared with the anti-coincidence (AC) channel, and Barlow-Beeston-lite template statistics.
:func:`with_dm` adds the χ template (normalised to one event in the channel's bins) with a free
``n_dm`` ≥ 0; :func:`profile_n_dm` gives −2Δ ln L(N_DM) on the data, and
``simcoh.fit.fc.critical_values(with_dm(...), grid, n_toys=...)`` the Feldman-Cousins critical values by
pseudo-experiments of the same model: the counts of both channels fluctuated (Poisson) around the expectation at
the conditional fit (n_dm fixed, every nuisance profiled on the data), the auxiliary measurement of each
constrained nuisance redrawn from N(α̂̂, 1).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .likelihood import Likelihood, fit
from .model import FitModel, NormFactor, Parameter, Sample
from .simulated import Binning, Template

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

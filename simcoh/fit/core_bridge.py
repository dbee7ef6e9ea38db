"""The small model of :mod:`simcoh.fit.binned` as a fit-core :class:`~simcoh.fit.model.FitModel`.

The toy-heavy studies (FC critical values, sensitivity ensembles, coverage) run on ``BinnedModel`` because it
draws auxiliary measurements per pseudo-experiment and fits in about a millisecond. :func:`to_fit_model` gives
the same likelihood in the fit core, so that a result can be refitted there (Barlow-Beeston-lite with the
templates' Monte Carlo variances, MINOS, pyhf export): the signal takes a free ``NormFactor`` (the POI), a
constrained normalisation θ = 1 + σα (α ~ N(0, 1)) is a ``HistoSys`` with templates (1 ∓ σ) × nominal - linear
in α, hence exactly the Gaussian constraint on θ - and a free one a ``NormFactor``. tests/test_dm_limits.py
checks that both implementations give the same fit.
"""

from __future__ import annotations

import numpy as np

from .binned import BinnedModel
from .model import Axis, Channel, FitModel, HistoSys, NormFactor, Parameter, Sample


def to_fit_model(model: BinnedModel, data, *, name: str = "binned", channel: str = "c", axes=None,
                 sumw2: dict | None = None, poi_bounds=None) -> FitModel:
    """``model`` with observed ``data`` as a FitModel; ``axes`` (fit-core Axis objects) default to one index
    axis; ``sumw2``: {sample: Σw² per bin} to let the fit core add Barlow-Beeston-lite factors."""
    sumw2 = sumw2 or {}
    n = model.n_bins
    axes = axes or (Axis("bin", np.arange(n + 1.0)),)
    poi = model.poi_name
    lo, hi = poi_bounds or model.mu_bounds
    params = [Parameter(poi, init=1.0, bounds=(-1e9 if lo is None else lo, 1e9 if hi is None else hi), poi=True)]
    samples = [Sample("signal", model.signal, sumw2=sumw2.get("signal"), modifiers=(NormFactor(poi),))]
    for b in model.backgrounds:
        t = np.asarray(b.template, float).ravel()
        if b.fixed:
            mods = ()
        elif b.sigma is None:
            mods = (NormFactor(f"theta_{b.name}"),)
            params.append(Parameter(f"theta_{b.name}", init=1.0, bounds=(0.0, 1e3)))
        else:
            mods = (HistoSys(f"alpha_{b.name}", t * (1 - b.sigma), t * (1 + b.sigma)),)
            params.append(Parameter(f"alpha_{b.name}", init=0.0, bounds=(-1 / b.sigma, 10.0), constraint="normal",
                                    source=b.source))
        samples.append(Sample(b.name, t, sumw2=sumw2.get(b.name), modifiers=mods, source=b.source))
    return FitModel(name, (Channel(channel, axes, np.asarray(data, float), tuple(samples)),), tuple(params), poi=poi)

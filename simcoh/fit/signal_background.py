"""A one-channel :class:`~simcoh.fit.model.FitModel` from a signal template and background templates with
normalisation uncertainties: the model of the toy-heavy studies (sensitivity, FC limits, NSI, coverage).

    ν_b = μ S_b + Σ_k θ_k B_kb,   −2 ln L ∋ Σ_k (θ_k − 1)²/σ_k²  (constrained θ_k)

μ is the free parameter of interest (``NormFactor``); a background with a relative Gaussian uncertainty σ_k has
θ_k = 1 + σ_k α_k with α_k ~ N(0, 1), a ``HistoSys`` with the templates (1 ∓ σ_k) B_k - linear in α_k, so its
constraint is exactly the Gaussian on θ_k - bounded to θ_k ≥ 0; a free background takes a ``NormFactor`` θ_k ≥ 0;
a fixed one none. The likelihood, fits, profiles and pseudo-experiments are the fit core's
(:mod:`simcoh.fit.likelihood`, :mod:`simcoh.fit.toys`). Templates are exact unless ``sumw2`` gives their Monte
Carlo variances (then Barlow-Beeston-lite, docs/fitting.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .model import Axis, Channel, FitModel, HistoSys, NormFactor, Parameter, Sample

CHANNEL = "c"


@dataclass(frozen=True)
class Background:
    """A background template (expected events per bin at θ = 1) and its normalisation: ``sigma`` the relative
    Gaussian uncertainty (None: free), or ``fixed`` True (θ = 1)."""

    name: str
    template: np.ndarray
    sigma: float | None = None
    fixed: bool = False
    source: str = ""  # where the normalisation and its uncertainty come from

    @property
    def parameter(self) -> str | None:
        """The name of its normalisation parameter in the model (None when fixed)."""
        if self.fixed:
            return None
        return f"theta_{self.name}" if self.sigma is None else f"alpha_{self.name}"


def _bound(value, default: float) -> float:
    return default if value is None else float(value)


def signal_background_model(signal, backgrounds=(), *, poi: str = "mu", poi_bounds=(None, None), data=None,
                            sumw2: dict | None = None, axes=None, name: str = "signal+background") -> FitModel:
    """The model ``poi`` × ``signal`` + ``backgrounds`` in one channel ``"c"`` with observed ``data`` (default:
    zeros, set later with ``with_data``). ``signal`` None: backgrounds only (no POI). ``axes`` (Axis objects)
    default to one index axis; ``sumw2``: {sample: Σw² per bin} for Barlow-Beeston-lite factors."""
    sumw2 = sumw2 or {}
    backgrounds = tuple(backgrounds)
    signal = None if signal is None else np.asarray(signal, float).ravel()
    templates = [np.asarray(b.template, float).ravel() for b in backgrounds]
    if signal is None and not templates:
        raise InputError("a signal-plus-background model needs a signal or at least one background template")
    n = (templates[0] if signal is None else signal).size
    for b, t in zip(backgrounds, templates):
        if t.size != n:
            raise InputError(f"background '{b.name}' has {t.size} bins, the first template {n}: templates of one "
                             "model must share their binning")
        if b.sigma is not None and not b.sigma > 0:
            raise InputError(f"background '{b.name}': sigma {b.sigma!r} must be > 0 (or None for free)")
    axes = axes or (Axis("bin", np.arange(n + 1.0)),)
    params, samples = [], []
    if signal is not None:
        lo, hi = poi_bounds
        params.append(Parameter(poi, init=1.0, bounds=(_bound(lo, -math.inf), _bound(hi, math.inf)), poi=True))
        samples.append(Sample("signal", signal, sumw2=sumw2.get("signal"), modifiers=(NormFactor(poi),)))
    for b, t in zip(backgrounds, templates):
        if b.fixed:
            mods = ()
        elif b.sigma is None:
            mods = (NormFactor(b.parameter),)
            params.append(Parameter(b.parameter, init=1.0, bounds=(0.0, math.inf), source=b.source))
        else:
            mods = (HistoSys(b.parameter, t * (1 - b.sigma), t * (1 + b.sigma)),)
            params.append(Parameter(b.parameter, init=0.0, bounds=(-1 / b.sigma, math.inf), constraint="normal",
                                    source=b.source, description=f"θ = 1 + {b.sigma:g} α"))
        samples.append(Sample(b.name, t, sumw2=sumw2.get(b.name), modifiers=mods, source=b.source))
    data = np.zeros(n) if data is None else np.asarray(data, float)
    return FitModel(name, (Channel(CHANNEL, axes, data, tuple(samples)),), tuple(params),
                    poi=None if signal is None else poi)


def theta(background: Background, values: dict) -> float:
    """The normalisation θ of ``background`` at fitted ``values`` (1 for a fixed one)."""
    if background.fixed:
        return 1.0
    v = values[background.parameter]
    return v if background.sigma is None else 1.0 + background.sigma * v

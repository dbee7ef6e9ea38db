"""The standard analysis of a model: best fit (MIGRAD, HESSE, MINOS on the POIs), goodness of fit, significance
of the signal, profile of the main POI, fitted event counts and, when the model names its detector, the
flux-averaged cross section. ``simcoh fit``, the validation cases and the tutorial all call :func:`analyse`."""

from __future__ import annotations

import math

import numpy as np

from .likelihood import Likelihood, fit, profile, significance
from .model import FitModel, NormFactor, NormSys
from .results import FitResult

CHI2_NAME = ("Baker–Cousins Poisson deviance χ²_λ = 2 Σ [ν − n + n ln(n/ν)] over all bins of all channels "
             "(S. Baker, R. Cousins, NIM 221, 437 (1984)); dof = bins − free parameters")


def analyse(model: FitModel, *, minos: bool = True, scan_points: int = 31, with_significance: bool = True,
            barlow_beeston: bool = True, progress=None) -> FitResult:
    """Fit ``model`` and add the derived results to ``result.extra`` (see module docstring)."""
    say = progress or (lambda msg: None)
    lik = Likelihood(model, barlow_beeston=barlow_beeston)
    say("fitting (MIGRAD, HESSE" + (", MINOS)" if minos else ")"))
    result = fit(lik, minos=minos)
    poi = model.poi
    extra = result.extra
    extra["chi2"] = {"statistic": CHI2_NAME, "per_channel": dict(result.deviance), "total": result.chi2,
                     "n_bins": result.n_bins, "n_free": result.n_free, "ndof": result.ndof,
                     "per_channel_bins": {c.name: c.n_bins for c in model.channels}}
    extra["fitted_events"] = {c: {s: float(np.sum(v)) for s, v in d.items()} for c, d in result.expected.items()}
    extra["predicted_events"] = {c.name: {s.name: float(s.nominal.sum()) for s in c.samples} for c in model.channels}
    if poi is not None and with_significance:
        say(f"significance of {poi} against {poi} = 0 (profile likelihood ratio)")
        q0, z = significance(lik, poi, best=result)
        extra["significance"] = {"poi": poi, "null": 0.0, "q0": q0, "z": z,
                                 "method": "q0 = −2 ln λ(0), Z = √q0 (Wilks, one-sided)"}
    if poi is not None and scan_points:
        lo, hi = result.interval(poi)
        v = result.values[poi]
        span = max(3.0 * max(-lo, hi), 1e-3)
        bounds = model.parameter(poi).bounds or (-np.inf, np.inf)
        grid = np.linspace(max(v - span, bounds[0]), min(v + span, bounds[1]), scan_points)
        say(f"profile of {poi} ({scan_points} points)")
        extra["profile"] = {"parameter": poi, "values": grid, "q": profile(lik, poi, grid, best=result)}
    extra["poi_events"] = {name: poi_events(lik, result, name) for name in model.pois}
    detector = model.info.get("detector")
    if poi is not None and detector:
        from .crosssection import predicted_sigma_cm2

        sigma_sm = predicted_sigma_cm2(detector)
        lo, hi = result.interval(poi)
        v = result.values[poi]
        extra["cross_section"] = {
            "unit": "1e-40 cm2", "sm_predicted": sigma_sm / 1e-40, "value": v * sigma_sm / 1e-40,
            "lower": lo * sigma_sm / 1e-40, "upper": hi * sigma_sm / 1e-40, "detector": detector,
            "method": f"⟨σ⟩ = {poi} × simcoh's SM flux-averaged cross section of {detector}; interval from "
                      f"{'MINOS' if poi in result.minos and result.minos[poi].valid else 'HESSE'} on {poi}, "
                      "all nuisances (flux included) profiled"}
    return result


def poi_events(lik: Likelihood, result: FitResult, poi: str) -> dict:
    """Fitted number of events of the samples scaled by ``poi`` with its 1σ interval. Normalisation-only
    nuisances that act on those samples alone (e.g. the neutrino flux) do not change the number of events the
    data ask for, only its interpretation: they are held at their best-fit values here, which makes the interval
    that of the event count (the profile in N with such a nuisance free is the same, its constraint term sits at
    its minimum). Other nuisances (shape and count: quenching, efficiency) stay free."""
    model = lik.model
    scaled = [(c.name, s) for c in model.channels for s in c.samples
              if any(isinstance(m, NormFactor) and m.parameter == poi for m in s.modifiers)]
    if not scaled:
        return {}
    mine = {m.parameter for _, s in scaled for m in s.modifiers if isinstance(m, NormSys)}
    keys = {(c, s.name) for c, s in scaled}
    elsewhere = {m.parameter for c in model.channels for s in c.samples if (c.name, s.name) not in keys
                 for m in s.modifiers}
    held = sorted(p for p in mine if p not in elsewhere)
    n_fit = float(sum(np.sum(result.expected[c][s.name]) for c, s in scaled))
    v = result.values[poi]
    if held and v > 0:
        r = fit(lik, init=result.values, fixed={p: result.values[p] for p in held}, minos=[poi])
        lo, hi = r.interval(poi)
    else:
        lo, hi = result.interval(poi)
    rel_lo, rel_hi = (lo / v, hi / v) if v > 0 else (math.nan, math.nan)
    # statistical part: every constrained nuisance held at its best-fit value (free normalisations still float)
    constrained = [p.name for p in model.parameters if p.constraint is not None]
    if constrained and v > 0:
        r = fit(lik, init=result.values, fixed={p: result.values[p] for p in constrained}, minos=[poi])
        slo, shi = r.interval(poi)
    else:
        slo, shi = lo, hi
    return {"samples": [f"{c}/{s.name}" for c, s in scaled], "events": n_fit, "lower": n_fit * rel_lo,
            "upper": n_fit * rel_hi, "held_at_best_fit": held,
            "stat_lower": n_fit * slo / v if v > 0 else math.nan, "stat_upper": n_fit * shi / v if v > 0 else math.nan}


def window_counts(model: FitModel, result: FitResult, channel: str, axis: str, lo: float, hi: float,
                  signal=("cevns",)) -> dict:
    """A counting experiment in ``lo ≤ axis < hi`` (bin edges must fall on lo and hi) of ``channel``: observed
    events, fitted background (everything but ``signal`` samples, at the global best fit) and the background-
    subtracted signal with its Poisson error, beside the globally fitted signal in the same window."""
    ch = model.channel(channel)
    k = [a.name for a in ch.axes].index(axis)
    edges = ch.axes[k].edges
    i0, i1 = int(np.searchsorted(edges, lo)), int(np.searchsorted(edges, hi))
    if not (np.isclose(edges[i0], lo) and np.isclose(edges[i1], hi)):
        raise ValueError(f"{lo}–{hi} does not fall on bin edges of '{axis}' ({edges.tolist()})")
    sl = [slice(None)] * len(ch.axes)
    sl[k] = slice(i0, i1)
    sl = tuple(sl)

    def total(a):
        return float(np.asarray(a).reshape(ch.shape)[sl].sum())

    observed = total(ch.data)
    comps = {s: total(v) for s, v in result.expected[channel].items()}
    sig = sum(v for s, v in comps.items() if any(s.startswith(p) for p in signal))
    bkg = sum(v for s, v in comps.items() if not any(s.startswith(p) for p in signal))
    return {"window": [lo, hi], "axis": axis, "observed": observed, "fitted_background": bkg,
            "counted_signal": observed - bkg, "counted_signal_error": math.sqrt(observed),
            "fitted_signal": sig, "components": comps}

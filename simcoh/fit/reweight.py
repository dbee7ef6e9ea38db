"""Systematic variations by reweighting: an event's efficiency recomputed with a variant of the detector's
efficiency curve (e.g. the ±1σ energy-efficiency curves of arXiv:2110.07730, effCoefficients.txt, which
csi-2021 carries as [efficiency.energy.variants] sys_plus / sys_minus). The same events are reused, so the
difference between the nominal and the varied template carries no Monte Carlo noise of its own."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..response.efficiency import energy_efficiency


def efficiency_variant(column: str, variant: str, ev: dict, config) -> np.ndarray:
    """``eff_energy`` of each event for the efficiency ``variant``: eff_energy × ε_variant(x) / ε_nominal(x),
    x the efficiency variable (pe). Events whose ``eff_energy`` is exactly 1 carry the efficiency inside their
    own spectrum (released templates, steady state from AC data) and are left unchanged."""
    if config is None:
        raise ValueError("reweighting needs the run's configuration: use a template made by a simcoh run "
                         "(run = ... or macro = ...)")
    if column == "eff_time":
        return _time_efficiency(variant, ev, config)
    if column != "eff_energy":
        raise ValueError("only eff_energy (variants of [efficiency.energy]) and eff_time can be reweighted")
    section = config.detector.efficiency.energy if config.detector.efficiency is not None else None
    if section is None or section.model not in ("logistic", "logistic_step"):
        raise ValueError("the detector has no logistic [efficiency.energy] curve with variants")
    variants = dict(section.variants or ())
    if variant not in variants:
        raise ValueError(f"no efficiency variant '{variant}'; the detector has {', '.join(variants) or 'none'}")
    if section.variable != "pe":
        raise ValueError(f"reweighting supports efficiencies in PE, not '{section.variable}'")
    a, b, c, d = variants[variant]
    varied = dataclasses.replace(section, a=a, b=b, c=c, d=d)
    x = np.nan_to_num(np.asarray(ev["pe"], dtype=float), nan=-np.inf)
    nominal = energy_efficiency(x, section)
    new = energy_efficiency(x, varied)
    old = np.asarray(ev["eff_energy"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(nominal > 0, new / np.where(nominal > 0, nominal, 1.0), 0.0)
    return np.where(old == 1.0, old, old * ratio)


def _time_efficiency(variant: str, ev: dict, config) -> np.ndarray:
    """``eff_time = "all"``: the detector's time efficiency at each event's t_ns, for every event, including the
    ones whose file column is 1 because their process does not apply it (the steady-state events: simcoh draws
    them flat in time, while the released AC events they stand for passed the same time-dependent selection, so
    they fall by ≈ 15 % across 0–6 µs, docs/backgrounds.md)."""
    from ..response.efficiency import time_efficiency

    if variant != "all":
        raise ValueError(f"eff_time accepts only \"all\" (apply the detector's time efficiency to every event), "
                         f"not '{variant}'")
    section = config.detector.efficiency.time if config.detector.efficiency is not None else None
    if section is None or section.model == "none":
        return np.ones(len(ev["t_ns"]))
    return time_efficiency(np.asarray(ev["t_ns"], dtype=float), section)

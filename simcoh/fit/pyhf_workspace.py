"""The fit model as a pyhf HistFactory workspace (pyhf JSON schema 1.0.0, L. Heinrich et al., JOSS 6, 2823 (2021)).

Mapping: each channel → a pyhf channel (bins flattened in C order), each sample → a pyhf sample with
``normfactor``, ``normsys`` (hi/lo factors), ``histosys`` (hi/lo data) and, for samples with Monte Carlo errors,
``staterror`` (the Barlow–Beeston-lite factors, one per bin, shared by the channel's samples, named
``staterror_<channel>``). The interpolation codes that reproduce :mod:`simcoh.fit.likelihood` are
:data:`MODIFIER_SETTINGS` (normsys code1 = exponential, histosys code0 = linear); pass them to
``pyhf.Model`` / ``workspace.model(modifier_settings=...)`` (pyhf's own defaults are code4/code4p).
"""

from __future__ import annotations

import warnings

import numpy as np

from .extra import require
from .model import FitModel, HistoSys, NormFactor, NormSys

MODIFIER_SETTINGS = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}
MEASUREMENT = "measurement"


def require_pyhf():
    return require("pyhf", "the pyhf export")


def to_workspace(model: FitModel, barlow_beeston: bool = True) -> dict:
    """The workspace specification (a JSON-able dict)."""
    channels, observations = [], []
    for ch in model.channels:
        samples = []
        for s in ch.samples:
            mods = []
            for m in s.modifiers:
                if isinstance(m, NormFactor):
                    mods.append({"name": m.parameter, "type": "normfactor", "data": None})
                elif isinstance(m, NormSys):
                    mods.append({"name": m.parameter, "type": "normsys", "data": {"hi": m.hi, "lo": m.lo}})
                elif isinstance(m, HistoSys):
                    mods.append({"name": m.parameter, "type": "histosys",
                                 "data": {"hi_data": m.hi.tolist(), "lo_data": m.lo.tolist()}})
            if barlow_beeston and s.staterror and s.sumw2 is not None:
                mods.append({"name": f"staterror_{ch.name}", "type": "staterror",
                             "data": np.sqrt(s.sumw2).tolist()})
            samples.append({"name": s.name, "data": s.nominal.tolist(), "modifiers": mods})
        channels.append({"name": ch.name, "samples": samples})
        observations.append({"name": ch.name, "data": ch.data.tolist()})
    params = []
    for p in model.parameters:
        entry = {"name": p.name, "inits": [p.init]}
        if p.bounds is not None:
            entry["bounds"] = [list(p.bounds)]
        params.append(entry)
    poi = model.poi or (model.pois[0] if model.pois else None)
    return {"version": "1.0.0", "channels": channels, "observations": observations,
            "measurements": [{"name": MEASUREMENT, "config": {"poi": poi, "parameters": params}}]}


def pyhf_model(model: FitModel, barlow_beeston: bool = True):
    """(pyhf.Workspace, pyhf.Model with the matching interpolation codes, observed data incl. auxiliaries)."""
    pyhf = require_pyhf()
    with warnings.catch_warnings():
        # pyhf 0.7 validates with jsonschema's RefResolver, deprecated since jsonschema 4.18: not ours to fix
        warnings.filterwarnings("ignore", message="jsonschema.RefResolver is deprecated", category=DeprecationWarning)
        ws = pyhf.Workspace(to_workspace(model, barlow_beeston))
        pm = ws.model(modifier_settings=MODIFIER_SETTINGS)
    return ws, pm, ws.data(pm)

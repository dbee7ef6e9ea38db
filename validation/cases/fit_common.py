"""Shared by the fit cases: run a shipped fit model through simcoh.fit.analysis and turn its numbers into rows."""

from __future__ import annotations

import time

import numpy as np


def run_model(ctx, name: str, **kwargs):
    """(model, result, seconds) for shipped model ``name``; templates built from simcoh runs (fixed seeds, the
    model file's statistics) into a cache inside the validation output, so every validation run remakes them."""
    from simcoh.fit import load_model
    from simcoh.fit.analysis import analyse

    t0 = time.perf_counter()
    model = load_model(name, cache_dir=ctx.outdir / "fit-template-cache", progress=ctx.log)
    result = analyse(model, progress=ctx.log, **kwargs)
    return model, result, time.perf_counter() - t0


def mc_noise(model, result, channel: str) -> tuple[float, float]:
    """(median relative MC error of the summed templates per bin, median relative Poisson error of the fitted
    expectation per bin) in ``channel``: how the template statistics compare with the data statistics."""
    ch = model.channel(channel)
    nom = sum(s.nominal for s in ch.samples if s.sumw2 is not None)
    var = sum(s.sumw2 for s in ch.samples if s.sumw2 is not None)
    ok = nom > 0
    rel_mc = np.sqrt(var[ok]) / nom[ok]
    total = sum(np.asarray(v) for v in result.expected[channel].values())
    rel_data = 1.0 / np.sqrt(np.maximum(total[ok], 1e-9))
    return float(np.median(rel_mc)), float(np.median(rel_data))

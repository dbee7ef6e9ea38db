"""The pyhf export describes the same likelihood: pyhf (an independent implementation of HistFactory) finds the
same best fit and the same −ln L differences as simcoh.fit, with Barlow–Beeston-lite (pyhf staterror), normsys,
histosys and two channels sharing a normalisation."""

from __future__ import annotations

import json

import numpy as np
import pytest

pyhf = pytest.importorskip("pyhf")
pytest.importorskip("iminuit")

from simcoh.fit import (Axis, Channel, FitModel, HistoSys, NormFactor, NormSys, Parameter, Sample, fit,  # noqa: E402
                        to_workspace)
from simcoh.fit.pyhf_workspace import pyhf_model  # noqa: E402


def toy_model() -> FitModel:
    pe = Axis("pe", [0, 10, 20, 30], unit="PE")
    t = Axis("t", [0, 1, 6], unit="us")
    sig = np.array([4, 1, 18, 3, 9, 2.0])
    bkg = np.array([20, 90, 18, 85, 19, 80.0])
    qf_lo, qf_hi = sig * [1.2, 1.2, 1.0, 1.0, 0.8, 0.8], sig * [0.8, 0.8, 1.0, 1.0, 1.25, 1.25]
    c = Channel("c", [pe, t], [30, 95, 41, 87, 30, 79],
                [Sample("sig", sig, sumw2=0.01 * sig, modifiers=(NormFactor("mu"), NormSys("flux", 0.9, 1.1),
                                                                 HistoSys("qf", qf_lo, qf_hi))),
                 Sample("ss", bkg, sumw2=0.05 * bkg, modifiers=(NormFactor("ss_norm"),)),
                 Sample("brn", [3, 0.5, 2, 0.3, 1, 0.2], sumw2=[0.1] * 6, modifiers=(NormSys("brn", 0.75, 1.25),))])
    ac = Channel("ac", [pe, t], [22, 88, 16, 90, 17, 77],
                 [Sample("ss", bkg, sumw2=0.05 * bkg, modifiers=(NormFactor("ss_norm"),))])
    return FitModel("toy", [c, ac], [Parameter("mu", 1.0, (0, 10), poi=True), Parameter("ss_norm", 1.0, (0, 5)),
                                     Parameter("flux", 0.0, (-5, 5), "normal"), Parameter("qf", 0.0, (-5, 5), "normal"),
                                     Parameter("brn", 0.0, (-5, 5), "normal")], poi="mu")


def test_pyhf_same_best_fit_and_nll_differences():
    model = toy_model()
    ws_spec = to_workspace(model)
    json.dumps(ws_spec)  # JSON-able
    ws, pm, data = pyhf_model(model)
    pyhf.set_backend("numpy", pyhf.optimize.minuit_optimizer(tolerance=1e-6))
    best, twice_nll = pyhf.infer.mle.fit(data, pm, return_fitted_val=True)
    ours = fit(model)
    for name in ("mu", "ss_norm", "flux", "qf", "brn"):
        assert ours.values[name] == pytest.approx(float(best[pm.config.par_slice(name)][0]), abs=2e-3), name
    for mu in (0.0, 0.5, 2.0):
        _, t_mu = pyhf.infer.mle.fixed_poi_fit(mu, data, pm, return_fitted_val=True)
        ours_mu = fit(model, fixed={"mu": mu}, hesse=False)
        assert ours_mu.nll - ours.nll == pytest.approx(float(t_mu - twice_nll) / 2, abs=2e-4)
    # without Barlow–Beeston (no staterror in the export) the two also agree
    ws0, pm0, data0 = pyhf_model(model, barlow_beeston=False)
    best0 = pyhf.infer.mle.fit(data0, pm0)
    ours0 = fit(model, barlow_beeston=False)
    assert ours0.values["mu"] == pytest.approx(float(best0[pm0.config.poi_index]), abs=2e-3)

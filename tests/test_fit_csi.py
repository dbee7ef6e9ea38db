"""The CsI[Na] fits reproduced from the released data (slow: the templates are simcoh runs of 1e6 events, built
into a fresh cache). Targets: COHERENT PRL 129, 081801 (2022), arXiv:2110.07730 and D. Pershey's Dec. 2020 talk
(CEvNS 306 ± 20, SS 1273, BRN 17, NIN 5, χ²/dof 82.4/98, 11.6 σ, ⟨σ⟩ 169 +30 −26 × 1e-40 cm²); COHERENT Science
357, 1123 (2017) (134 ± 22, 6.7 σ)."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("iminuit")

from simcoh.fit import load_model  # noqa: E402
from simcoh.fit.analysis import analyse  # noqa: E402

pytestmark = pytest.mark.slow


def test_csi2021_fit_reproduces_the_published_fit(tmp_path):
    model = load_model("csi-2021", cache_dir=tmp_path)
    r = analyse(model, scan_points=0)
    ex = r.extra
    assert r.valid
    assert abs(ex["poi_events"]["mu_cevns"]["events"] - 306) <= 10
    fitted = ex["fitted_events"]["c"]
    assert abs(fitted["ss"] - 1273) <= math.sqrt(1273)
    assert abs(fitted["brn"] - 17) <= 0.25 * 17
    assert abs(fitted["nin"] - 5) <= 0.36 * 5
    assert abs(ex["significance"]["z"] - 11.6) <= 1.0
    assert abs(ex["chi2"]["per_channel"]["c"] - 82.4) <= math.sqrt(2 * 98)
    assert 169 - 26 <= ex["cross_section"]["value"] <= 169 + 30
    # Barlow–Beeston-lite matters little: template noise is small next to the data's
    r0 = analyse(model, scan_points=0, with_significance=False, minos=False, barlow_beeston=False)
    assert abs(r0.values["mu_cevns"] - r.values["mu_cevns"]) < 0.1 * r.errors["mu_cevns"]


def test_csi2017_fit_reproduces_the_published_fit(tmp_path):
    r = analyse(load_model("csi-2017", cache_dir=tmp_path), scan_points=0)
    assert abs(r.extra["poi_events"]["mu_cevns"]["events"] - 134) <= 22
    assert abs(r.extra["significance"]["z"] - 6.7) <= 1.0


def test_csi2021_pyhf_same_best_fit_and_q0(tmp_path):
    """pyhf on the exported CsI 2021 workspace (2 channels × 99 bins, 9 parameters + 198 staterror factors)."""
    pyhf = pytest.importorskip("pyhf")
    from simcoh.fit import fit, significance
    from simcoh.fit.pyhf_workspace import pyhf_model

    model = load_model("csi-2021", cache_dir=tmp_path)
    ours = fit(model)
    _, pm, data = pyhf_model(model)
    pyhf.set_backend("numpy", pyhf.optimize.minuit_optimizer(tolerance=1e-5))
    best, twice_nll = pyhf.infer.mle.fit(data, pm, return_fitted_val=True)
    assert float(best[pm.config.poi_index]) == pytest.approx(ours.values["mu_cevns"], abs=2e-3)
    _, twice_nll0 = pyhf.infer.mle.fixed_poi_fit(0.0, data, pm, return_fitted_val=True)
    q0, _ = significance(model, best=ours)
    assert float(twice_nll0 - twice_nll) == pytest.approx(q0, rel=1e-3)

"""CENNS-10 LAr 2020: the predicted counts per component of the published Analysis A (CEvNS, prompt BRN, delayed
BRN, steady state; COHERENT, PRL 126, 012002 (2021), arXiv:2003.10630, Table I) against simcoh's cenns10-lar
data set (macros/production/cenns10-lar-2020.mac, parametric fidelity).

Region of the released analysis (arXiv:2006.12659): 0 ≤ E_rec < 120 keVee, −0.1 ≤ t < 4.9 µs; recoil events are
weighted by the released Analysis A efficiency (which contains the F90 0.5–0.9 cut), steady-state events carry
every selection already. The brn and ss normalisations are tuned to the published counts
(geometries/cenns10-lar.toml), so those rows check the tuning through the production pipeline; CEvNS is a
prediction.
"""

from __future__ import annotations

import time

import numpy as np

from .. import published as P
from ..common import CaseResult, Comparison, simulate, weighted_sum

KEY = "lar2020"
TITLE = "CENNS-10 LAr 2020: counts per component (Analysis A)"
MACRO = "production/cenns10-lar-2020.mac"
E_MAX_KEVEE, T_MIN_NS, T_MAX_NS = 120.0, -100.0, 4900.0
CODES = {"cevns": 0, "brn": 1, "ss": 3}
COLUMNS = ("process", "weight", "e_rec_kevee", "eff_energy", "t_ns")
TUNED_TOL = 0.02  # tuned rows: |Δ| ≤ 2 % of the published value + 3 MC standard errors (rates rounded to 4 digits)


def region_weights(ev) -> np.ndarray:
    e, t = ev["e_rec_kevee"], ev["t_ns"]
    inside = np.isfinite(e) & (e >= 0.0) & (e < E_MAX_KEVEE) & (t >= T_MIN_NS) & (t < T_MAX_NS)
    return ev["weight"] * np.nan_to_num(ev["eff_energy"], nan=0.0) * inside


def count(ctx, n, sets, process):
    ev = simulate(ctx, MACRO, [f"run/beamOn={n}", *sets], columns=COLUMNS).events
    return weighted_sum(region_weights(ev) * (ev["process"] == CODES[process]))


def run(ctx) -> CaseResult:
    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    n = ctx.n(200_000, 1_000_000)
    only = {p: [f"process/disable={q}" for q in CODES if q != p] for p in CODES}
    counts = {
        "cevns": count(ctx, n, only["cevns"], "cevns"),
        "brn": count(ctx, n, only["brn"] + ["process/brn/delayedRate=0"], "brn"),
        "brn_delayed": count(ctx, n, only["brn"] + ["process/brn/rate=0"], "brn"),
        "ss": count(ctx, n, only["ss"], "ss"),
    }
    res.data["counts"] = counts
    rows = (("cevns", "CEvNS", P.LAR2020_CEVNS, False), ("brn", "prompt BRN", P.LAR2020_BRN_PROMPT, True),
            ("brn_delayed", "delayed BRN", P.LAR2020_BRN_DELAYED, True), ("ss", "steady state", P.LAR2020_SS, True))
    for key, label, pub, tuned in rows:
        v, s = counts[key]
        if tuned:
            tol = TUNED_TOL * pub.value + 3 * s
            crit, ok = f"|Δ| ≤ {tol:.1f} (tuned: 2 % + 3 MC σ)", abs(v - pub.value) <= tol
            note = "normalisation tuned to this number (geometries/cenns10-lar.toml); energy shape assumed"
        else:
            crit, ok = f"|Δ| ≤ {pub.unc:g} (published uncertainty)", abs(v - pub.value) <= pub.unc
            note = "prediction (simcoh CEvNS, cenns10-lar response and the released efficiency)"
        quantity = f"{label} expected in 0–120 keVee, −0.1 ≤ t < 4.9 µs"
        res.comparisons.append(Comparison(quantity, "events", pub.value, pub.unc, pub.source, v, s, crit, ok,
                                          note=note))
    fit = P.LAR2020_FIT
    res.tables.append(("Analysis A per component: simcoh, published prediction and published fit (arXiv:2003.10630)",
                       ["component", "simcoh", "prediction", "fit"],
                       [[label, f"{counts[k][0]:.1f} ± {counts[k][1]:.1f}", f"{pub.value:g} ± {pub.unc:g}",
                         f"{fit[k]:g}"] for k, label, pub, _ in rows]))
    res.notes.append("Prompt and delayed BRN share one neutron spectrum (a power law, an assumption); the delayed "
                     "component arrives with the muon-decay timing (an assumption; docs/backgrounds.md). The "
                     "steady state is flat in energy and time over the region (an assumption); its count is the "
                     "published beam-off measurement.")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()

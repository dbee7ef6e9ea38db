"""Case: Ge-Mini, COHERENT's first CEvNS measurement on germanium (PRL 134, 231801 (2025), arXiv:2406.13806):
20.6 +7.1 -6.3 CEvNS counts for 10.22 GWh kg above 1.5 keVee.

simcoh's prediction is the weighted CEvNS count of the shipped macro macros/ge-mini.mac after the detector's
efficiency (a step at 1.5 keVee on the reconstructed energy). Detector mass, distance, proton energy, quenching and
efficiency curve are assumptions (geometries/ge-mini.toml, docs/ge-mini.md); the table lists how each moves the
count. The paper's own SM prediction could not be retrieved, so it is not compared. Criterion: simcoh within 2 sigma
of the measurement (the abstract's statement about the SM prediction), with the measured asymmetric error on the
side towards simcoh.
"""

from __future__ import annotations

import time

import numpy as np

from .. import published as P
from ..common import CaseResult, Comparison, simulate, weighted_sum

KEY = "gemini"
TITLE = "Ge-Mini: CEvNS count on germanium (10.22 GWh kg, 1.5 keVee)"
N_SIGMA_MAX = 2.0


def _count(ctx, sets: list[str]) -> tuple[float, float, float]:
    run = simulate(ctx, "ge-mini.mac", ["run/fidelity=parametric", f"run/beamOn={ctx.n(40_000, 400_000)}", *sets],
                   columns=("weight", "eff_energy"))
    kept, stat = weighted_sum(run.events["weight"] * run.events["eff_energy"])
    return kept, stat, float(run.expected["cevns"])


def run(ctx) -> CaseResult:
    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    kept, stat, total = _count(ctx, [])
    unc = P.GEMINI_CEVNS.unc if kept > P.GEMINI_CEVNS.value else P.GEMINI_CEVNS_UNC_LOW
    n_sig = (kept - P.GEMINI_CEVNS.value) / unc
    ok = abs(n_sig) <= N_SIGMA_MAX
    res.comparisons.append(Comparison(
        "CEvNS counts above 1.5 keVee", "events", P.GEMINI_CEVNS.value, unc, P.GEMINI_CEVNS.source, kept, stat,
        f"|simcoh - measured| <= {N_SIGMA_MAX:g} sigma (measured +7.1/-6.3)", ok,
        note="prediction under the assumptions of docs/ge-mini.md"))
    res.comparisons.append(Comparison(
        "SM prediction of the paper", "events", None, None, P.GEMINI + " (not retrieved)", kept, stat,
        "no criterion: the number was not available", None))
    rows = [["nominal (16 kg at 22 m, 983 MeV, Lindhard k = 0.157, step at 1.5 keVee)", f"{kept:.2f}", "-"]]
    variants = [
        ("distance 21 m", ["detector.target.distance=21 m"]),
        ("distance 23 m", ["detector.target.distance=23 m"]),
        ("Lindhard k = 0.2", ["detector.quenching.k=0.2"]),
        ("Lindhard k = 0.12", ["detector.quenching.k=0.12"]),
    ]
    for label, sets in variants:
        n, _, _ = _count(ctx, sets)
        rows.append([label, f"{n:.2f}", f"{100 * (n / kept - 1):+.1f} %"])
    res.tables.append(("Predicted count under each assumption (all else nominal)", ["assumption", "events", "change"],
                       rows))
    res.notes.append(f"all recoils: {total:.2f} events; above 1.5 keVee: {kept:.2f} ± {stat:.2f} (sampling); "
                     f"measured {P.GEMINI_CEVNS.value} +7.1 -6.3, {n_sig:+.2f} sigma")
    res.notes.append("the count scales with mass x beam energy (fixed by the published 10.22 GWh kg), with "
                     "nu/POT / proton energy (+-10 % on nu/POT, arXiv:2109.11049) and as 1/distance^2")
    res.status = "pass" if ok else "fail"
    res.data["seconds"] = time.perf_counter() - t0
    return res

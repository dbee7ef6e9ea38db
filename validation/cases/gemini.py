"""Case: Ge-Mini, COHERENT's first CEvNS measurement on germanium (PRL 134, 231801 (2025), arXiv:2406.13806):
20.6 +7.1 -6.3 CEvNS counts for 10.22 GWh kg above 1.5 keVee.

simcoh's prediction is the weighted CEvNS count of the shipped macro macros/ge-mini.mac after the detector's
efficiency (a step at 1.5 keVee on the reconstructed energy). Detector mass, distance, proton energy and efficiency
curve are assumptions (geometries/ge-mini.toml, docs/ge-mini.md); the table lists how each moves the count, the
quenching variants being the measured Lindhard k of the literature. The paper's own SM prediction could not be
retrieved, so it is not compared. Criteria: simcoh within 2 sigma of the measurement (the abstract's statement about
the SM prediction), with the measured asymmetric error on the side towards simcoh; simcoh's per-nucleus flux-averaged
Ge cross section within 3 % of COHERENT's SM value 5.9e-39 cm² (arXiv:2603.17951; two digits, ±0.85 %, plus the
1.4 % by which simcoh and COHERENT already differ for CsI: 186.4 (csi-2021 geometry) against 189e-40 cm²).
"""

from __future__ import annotations

import time

import numpy as np

from .. import published as P
from ..common import CaseResult, Comparison, simulate, weighted_sum

KEY = "gemini"
TITLE = "Ge-Mini: CEvNS count on germanium (10.22 GWh kg, 1.5 keVee)"
N_SIGMA_MAX = 2.0
SIGMA_REL_MAX = 0.03
#: Lindhard k lowered until the quenching factor at 4.9 keVnr is 0.20, the top of the 14-20 % that COHERENT measured
#: at TUNL for 0.8-4.9 keVnr (P.GE_QF_TUNL); k = 0.157 (the Lindhard value, nominal) gives 0.212 there.
K_TUNL_EDGE = 0.145


def _count(ctx, sets: list[str]) -> tuple[float, float, float]:
    run = simulate(ctx, "ge-mini.mac", ["run/fidelity=parametric", f"run/beamOn={ctx.n(40_000, 400_000)}", *sets],
                   columns=("weight", "eff_energy"))
    kept, stat = weighted_sum(run.events["weight"] * run.events["eff_energy"])
    return kept, stat, float(run.expected["cevns"])


def _quenching_rows() -> list[list[str]]:
    from simcoh.response.quenching import Lindhard

    def qf(k, t_kevnr):
        return float(Lindhard(32, 72.63, k).quenching_factor(t_kevnr))

    lo, hi = P.GE_QF_TUNL_RANGE
    t_lo, t_hi = P.GE_QF_TUNL_T_KEVNR
    return [
        ["Scholz 2016 (arXiv:1608.03588)", f"{P.GE_QF_K_SCHOLZ.value}", "8.5", f"{P.GE_QF_SCHOLZ_8P5_KEVNR}",
         f"{qf(P.GE_QF_K_SCHOLZ.value, 8.5):.4f}"],
        ["Bonhomme 2022 (arXiv:2202.03754)", f"{P.GE_QF_K_BONHOMME.value}", "0.4", "0.16",
         f"{qf(P.GE_QF_K_BONHOMME.value, 0.4):.4f}"],
        ["Bonhomme 2022 (arXiv:2202.03754)", f"{P.GE_QF_K_BONHOMME.value}", "6.3", "0.23",
         f"{qf(P.GE_QF_K_BONHOMME.value, 6.3):.4f}"],
        ["COHERENT TUNL (L. Li, Duke 2022), low end", "0.157 (nominal)", f"{t_lo}", f"{lo:.2f}",
         f"{qf(None, t_lo):.4f}"],
        ["COHERENT TUNL (L. Li, Duke 2022), high end", "0.157 (nominal)", f"{t_hi}", f"{hi:.2f}",
         f"{qf(None, t_hi):.4f}"],
        ["COHERENT TUNL (L. Li, Duke 2022), high end", f"{K_TUNL_EDGE}", f"{t_hi}", f"{hi:.2f}",
         f"{qf(K_TUNL_EDGE, t_hi):.4f}"],
    ]


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
    from simcoh.fit.crosssection import predicted_sigma_cm2

    ps = P.GEMINI2026_SIGMA_SM
    sigma = predicted_sigma_cm2("ge-mini") / 1e-39
    res.comparisons.append(Comparison(
        "Ge ⟨σ⟩ per nucleus, SM (all flavours, all recoils)", ps.unit, ps.value, ps.unc, ps.source, sigma, 0.0,
        f"|Δ| ≤ {100 * SIGMA_REL_MAX:g} % (two digits ±0.85 %; CsI convention gap 1.4 %)",
        abs(sigma / ps.value - 1) <= SIGMA_REL_MAX,
        note="no sampling: the generator's flux-averaged tables (simcoh.fit.crosssection)"))
    rows = [["nominal (16 kg at 22 m, 983 MeV, Lindhard k = 0.157, step at 1.5 keVee)", f"{kept:.2f}", "-"]]
    variants = [
        ("distance 21 m", ["detector.target.distance=21 m"]),
        ("distance 23 m", ["detector.target.distance=23 m"]),
        (f"Lindhard k = {P.GE_QF_K_SCHOLZ.value} (Scholz 2016)", [f"detector.quenching.k={P.GE_QF_K_SCHOLZ.value}"]),
        (f"Lindhard k = {P.GE_QF_K_BONHOMME.value} (Bonhomme 2022)",
         [f"detector.quenching.k={P.GE_QF_K_BONHOMME.value}"]),
        (f"Lindhard k = {K_TUNL_EDGE} (QF 0.20 at 4.9 keVnr, COHERENT TUNL)", [f"detector.quenching.k={K_TUNL_EDGE}"]),
    ]
    for label, sets in variants:
        n, _, _ = _count(ctx, sets)
        rows.append([label, f"{n:.2f}", f"{100 * (n / kept - 1):+.1f} %"])
    res.tables.append(("Predicted count under each assumption (all else nominal)", ["assumption", "events", "change"],
                       rows))
    res.tables.append(("simcoh's Lindhard quenching factor against measured germanium values (natural Ge, A = 72.6; "
                       "the TUNL band 14-20 % is read as QF rising from 0.8 to 4.9 keVnr)",
                       ["source", "k", "T (keVnr)", "published QF", "simcoh QF"], _quenching_rows()))
    res.notes.append(f"all recoils: {total:.2f} events; above 1.5 keVee: {kept:.2f} ± {stat:.2f} (sampling); "
                     f"measured {P.GEMINI_CEVNS.value} +7.1 -6.3, {n_sig:+.2f} sigma")
    res.notes.append("the count scales with mass x beam energy (fixed by the published 10.22 GWh kg), with "
                     "nu/POT / proton energy (+-10 % on nu/POT, arXiv:2109.11049) and as 1/distance^2")
    implied = P.GEMINI_CEVNS.value + P.GEMINI_TENSION_SIGMA * P.GEMINI_CEVNS.unc
    res.notes.append(f"the paper's SM prediction was not retrievable; '2 sigma' (its abstract: agreement within "
                     f"2 sigma; arXiv:2506.13555: tension of about 2 sigma) puts it near {implied:.1f} counts, an "
                     f"inference only: "
                     f"simcoh's {kept:.1f} is {100 * (kept / implied - 1):+.0f} % from it (1/L^2 alone: 22 m -> "
                     f"{22 * (kept / implied) ** 0.5:.1f} m would close it)")
    res.notes.append(f"Ge-Mini's 2026 data set ({P.GEMINI2026}): {P.GEMINI2026_POT:.3g} POT, "
                     f"{P.GEMINI2026_COUNTS.value:g} +14 -12 counts, ⟨σ⟩ = {P.GEMINI2026_RATIO.value:.2f} ± "
                     f"{P.GEMINI2026_RATIO.unc:.2f} of the SM; its mass, distance and threshold were not retrievable, "
                     "so only its SM cross section is compared")
    res.notes.append("quenching variants: measured Lindhard k " + P.GE_QF_K_SCHOLZ.source + "; "
                     + P.GE_QF_K_BONHOMME.source + "; " + P.GE_QF_TUNL)
    res.status = "pass" if ok else "fail"
    res.data["seconds"] = time.perf_counter() - t0
    return res

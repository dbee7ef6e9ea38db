"""CENNS-10 LAr 2020: counts and shapes per component of the published Analysis A (CEvNS, prompt BRN, delayed BRN,
steady state; COHERENT, PRL 126, 012002 (2021), arXiv:2003.10630, Table I; data release arXiv:2006.12659)
against simcoh's cenns10-lar data set (macros/production/cenns10-lar-2020.mac, parametric fidelity).

Region of the released analysis: 0 ≤ E_rec < 120 keVee, −0.1 ≤ t < 4.9 µs; recoil events are weighted by the
released Analysis A efficiency (which contains the F90 0.5–0.9 cut); template and steady-state events carry every
selection already. The backgrounds are the released PDFs (brnpdf, delbrnpdf, bkgpdf: cenns10-lar's defaults), so
their rows check that the pipeline reproduces the release (counts and keVee / time projections); CEvNS is a
prediction, compared with the released cevnspdf; the sum is compared with the observed beam-on events
(datanobkgsub). The physics (spectrum) BRN model, fitted to the release, is reported for information.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import stats

from .. import published as P
from ..common import CaseResult, Comparison, simulate, weighted_sum, whist

KEY = "lar2020"
TITLE = "CENNS-10 LAr 2020: counts and shapes per component (Analysis A)"
MACRO = "production/cenns10-lar-2020.mac"
E_MAX_KEVEE, T_MIN_NS, T_MAX_NS = 120.0, -100.0, 4900.0
KEVEE_EDGES = np.arange(0.0, 121.0, 10.0)  # the release's bins
T_EDGES_NS = np.arange(-100.0, 4901.0, 500.0)
CODES = {"cevns": 0, "brn": 1, "ss": 3}
COLUMNS = ("process", "weight", "e_rec_kevee", "eff_energy", "t_ns")
TUNED_TOL = 0.02  # released/tuned rows: |Δ| ≤ 2 % of the published value + 3 MC standard errors
RELEASE_FILES = {"cevns": ("cevnspdf.txt",), "brn": ("brnpdf.txt",), "brn_delayed": ("delbrnpdf.txt",),
                 "ss": ("bkgpdf.txt",)}


def region_weights(ev) -> np.ndarray:
    e, t = ev["e_rec_kevee"], ev["t_ns"]
    inside = np.isfinite(e) & (e >= 0.0) & (e < E_MAX_KEVEE) & (t >= T_MIN_NS) & (t < T_MAX_NS)
    return ev["weight"] * np.nan_to_num(ev["eff_energy"], nan=0.0) * inside


def released_projection(ctx, name: str, column: int) -> np.ndarray:
    """Counts of a released 3-D PDF summed per bin of column 0 (keVee) or 2 (t, µs)."""
    d = np.loadtxt(ctx.reference / "coherent-lar-2020" / name)
    return np.array([d[d[:, column] == c, 3].sum() for c in np.unique(d[:, column])])


def component(ctx, n, sets, process):
    """(count, its MC error, energy histogram and errors, time histogram and errors) of one process."""
    ev = simulate(ctx, MACRO, [f"run/beamOn={n}", *sets], columns=COLUMNS).events
    w = region_weights(ev) * (ev["process"] == CODES[process])
    return weighted_sum(w), whist(ev["e_rec_kevee"], w, KEVEE_EDGES), whist(ev["t_ns"], w, T_EDGES_NS)


def shape_chi2(hist, released) -> tuple[float, int, float]:
    """χ² of simcoh's bin fractions against the released ones, σ from simcoh's MC only (the release has no
    errors); (χ², bins used − 1, largest |Δ fraction|)."""
    h, err = hist
    f, f_err = h / h.sum(), err / h.sum()
    r = released / released.sum()
    used = f_err > 0
    chi2 = float(np.sum((f[used] - r[used]) ** 2 / f_err[used] ** 2))
    return chi2, max(int(used.sum()) - 1, 1), float(np.max(np.abs(f - r)))


def run(ctx) -> CaseResult:
    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    n = ctx.n(200_000, 1_000_000)
    only = {p: [f"process/disable={q}" for q in CODES if q != p] for p in CODES}
    runs = {
        "cevns": component(ctx, n, only["cevns"], "cevns"),
        "brn": component(ctx, n, only["brn"] + ["process/brn/template=cenns10-lar-prompt"], "brn"),
        "brn_delayed": component(ctx, n, only["brn"] + ["process/brn/template=cenns10-lar-delayed"], "brn"),
        "ss": component(ctx, n, only["ss"], "ss"),
        "spectrum": component(ctx, n, only["brn"] + ["process/brn/model=spectrum", "process/brn/delayedRate=0"],
                              "brn"),
    }
    counts = {k: v[0] for k, v in runs.items()}
    res.data["counts"] = counts
    rows = (("cevns", "CEvNS", P.LAR2020_CEVNS, False), ("brn", "prompt BRN", P.LAR2020_BRN_PROMPT, True),
            ("brn_delayed", "delayed BRN", P.LAR2020_BRN_DELAYED, True), ("ss", "steady state", P.LAR2020_SS, True))
    for key, label, pub, released in rows:
        v, s = counts[key]
        if released:
            tol = TUNED_TOL * pub.value + 3 * s
            crit, ok = f"|Δ| ≤ {tol:.1f} (release: 2 % + 3 MC σ)", abs(v - pub.value) <= tol
            note = "the released PDF (cenns10-lar default), for 6.117 GWh (release: 6.12)"
        else:
            crit, ok = f"|Δ| ≤ {pub.unc:g} (published uncertainty)", abs(v - pub.value) <= pub.unc
            note = "prediction (simcoh CEvNS, cenns10-lar response and the released efficiency)"
        quantity = f"{label} expected in 0–120 keVee, −0.1 ≤ t < 4.9 µs"
        res.comparisons.append(Comparison(quantity, "events", pub.value, pub.unc, pub.source, v, s, crit, ok,
                                          note=note))

    # shapes: keVee and time projections against the release
    shape_rows = []
    for key, label, _, released in rows:
        for axis, column, hist in (("keVee", 0, runs[key][1]), ("time", 2, runs[key][2])):
            ref = sum(released_projection(ctx, f, column) for f in RELEASE_FILES[key])
            chi2, dof, dmax = shape_chi2(hist, ref)
            shape_rows.append([label, axis, f"{chi2:.1f} / {dof}", f"{dmax:.4f}"])
            res.data[f"shape_{key}_{axis}"] = (chi2, dof, dmax)
            quantity = f"{label} {axis} shape vs released {RELEASE_FILES[key][0]}: χ² / bins"
            if released:
                limit = stats.chi2.ppf(0.999, dof)
                res.comparisons.append(Comparison(
                    quantity, "χ²", float(dof), math.sqrt(2 * dof), P.LAR2020_RELEASE, chi2, None,
                    f"χ² ≤ {limit:.1f} (99.9 % quantile, {dof} dof; σ from the MC sample)", chi2 <= limit,
                    note=f"largest |Δ| of a bin fraction {dmax:.4f}"))
            else:
                res.comparisons.append(Comparison(
                    f"{label} {axis} shape vs released cevnspdf.txt: largest |Δ| of a bin fraction", "fraction",
                    0.0, None, P.LAR2020_RELEASE, dmax, None, "information (prediction; the release gives no "
                    "shape uncertainty)", None, note=f"χ² {chi2:.0f} / {dof} with MC σ only"))
    for axis, column, hist in (("keVee", 0, runs["spectrum"][1]), ("time", 2, runs["spectrum"][2])):
        chi2, dof, dmax = shape_chi2(hist, released_projection(ctx, "brnpdf.txt", column))
        shape_rows.append(["prompt BRN, spectrum model", axis, f"{chi2:.1f} / {dof}", f"{dmax:.4f}"])
        res.data[f"shape_spectrum_{axis}"] = (chi2, dof, dmax)
    res.tables.append(("Shapes against the released projections (10-keVee and 0.5-µs bins; σ from simcoh's MC only)",
                       ["component", "axis", "χ² / dof", "max |Δ fraction|"], shape_rows))

    # the sum against the observed beam-on events
    total = sum(counts[k][0] for k, *_ in rows)
    total_stat = math.sqrt(sum(counts[k][1] ** 2 for k, *_ in rows))
    obs = P.LAR2020_OBSERVED
    sigma = math.sqrt(obs.value + sum(pub.unc ** 2 for _, _, pub, _ in rows))
    res.comparisons.append(Comparison(
        "CEvNS + prompt BRN + delayed BRN + steady state vs observed beam-on events in the region", "events",
        obs.value, sigma, obs.source, total, total_stat, f"|Δ| ≤ {2 * sigma:.0f} (2σ: Poisson ⊕ Table I "
        f"uncertainties)", abs(total - obs.value) <= 2 * sigma,
        note="published prediction sum 3810, fit sum 3853 (arXiv:2003.10630, Table I)"))

    fit = P.LAR2020_FIT
    res.tables.append(("Analysis A per component: simcoh, published prediction and published fit (arXiv:2003.10630)",
                       ["component", "simcoh", "prediction", "fit"],
                       [[label, f"{counts[k][0]:.1f} ± {counts[k][1]:.1f}", f"{pub.value:g} ± {pub.unc:g}",
                         f"{fit[k]:g}"] for k, label, pub, _ in rows]
                       + [["prompt BRN, spectrum model", f"{counts['spectrum'][0]:.1f} ± {counts['spectrum'][1]:.1f}",
                           "497 ± 160", "553"]]))
    res.notes.append("Backgrounds are the released 3-D PDFs drawn from their keVee and time projections (exact: time "
                     "factorises in each file); F90 is not drawn (the 0.5–0.9 cut is in the counts). The spectrum "
                     "model (exponential E0 = 5 MeV, delay 268 ± 206 ns) is fitted to the released prompt BRN shape "
                     "and tuned to its count; its delayed component keeps the muon-decay timing, which the release "
                     "does not support (delbrnpdf: all in 1.4–1.9 µs). docs/backgrounds.md.")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()

"""Case 1: CsI[Na] full dataset (2021 analysis model) against the published prediction and the released events.

simcoh run: macros/csi-2021.mac (3.198e23 POT, 0.0848 ν/flavour/POT, 14.57 kg at 19.3 m) at parametric fidelity,
fixed N; every event carries the published energy and time efficiencies as weights. Analysis region PE < 60,
0 ≤ t < 6 µs (arXiv:2110.07730). BRN, NIN and steady-state events are added when simcoh has those processes.
"""

from __future__ import annotations

import time

import numpy as np

from .. import published as P
from ..common import (CaseResult, Comparison, chi2, load_ws, process_available, run_sigma_cm2, simulate,
                      weighted_sum, whist)
from ..plotting import legend_beside, pyplot, save_figure, spectrum_panel

KEY = "csi2021"
TITLE = "CsI[Na] full dataset (2021 analysis model)"
PE_MAX, T_MAX_US = 60.0, 6.0
PE_EDGES = np.arange(4.0, 60.1, 4.0)
T_EDGES = np.arange(0.0, 6.01, 0.5)
BACKGROUNDS = ("brn", "nin", "ss")
COLUMNS = ("process", "weight", "pe", "t_ns", "eff_energy", "eff_time")  # kept in memory
CODES = {"cevns": 0, "brn": 1, "nin": 2, "ss": 3}
COLOURS = {"cevns": "tab:orange", "brn": "tab:green", "nin": "tab:purple", "ss": "tab:blue"}
LABELS = {"cevns": "CEvNS", "brn": "BRN", "nin": "NIN", "ss": "steady state"}


def region_weights(ev) -> np.ndarray:
    """Expected events each simulated event contributes to the analysis region: weight × ε_E × ε_T × region.

    The file's efficiency columns are 1 where a process's events already carry that efficiency (steady-state
    events from the selected AC data; the energy efficiency inside the released BRN/NIN PE templates)."""
    t_us = ev["t_ns"] * 1e-3
    pe = ev["pe"]
    inside = np.isfinite(pe) & (pe < PE_MAX) & (t_us >= 0) & (t_us < T_MAX_US)
    return ev["weight"] * ev["eff_energy"] * ev["eff_time"] * inside


def released_events(ref):
    c = load_ws(ref / "coherent-csi-2021" / "dataBeamOnC.txt")
    ac = load_ws(ref / "coherent-csi-2021" / "dataBeamOnAC.txt")

    def sel(d):
        return d[(d[:, 0] < PE_MAX) & (d[:, 1] >= 0) & (d[:, 1] < T_MAX_US)]

    return sel(c), sel(ac)


def run(ctx) -> CaseResult:
    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    n = ctx.n(1_000_000, 5_000_000)
    enabled, reasons = [], {}
    for p in BACKGROUNDS:
        ok, why = process_available(p)
        (enabled.append(p) if ok else reasons.__setitem__(p, why))
    sets = ["run/fidelity=parametric", f"run/beamOn={n}"] + [f"process/enable={p}" for p in enabled]
    try:
        sim = simulate(ctx, "csi-2021.mac", sets, columns=COLUMNS)
    except Exception as exc:  # a background process that exists but cannot be built: report it, run CEvNS alone
        if not enabled:
            raise
        for p in enabled:
            reasons[p] = f"process '{p}' failed to build for csi-2021 ({type(exc).__name__}: {exc})"
        enabled = []
        sim = simulate(ctx, "csi-2021.mac", ["run/fidelity=parametric", f"run/beamOn={n}"], columns=COLUMNS)
    ev = sim.events
    w = region_weights(ev)
    procs = ["cevns"] + enabled
    counts = {}
    for p in procs:
        counts[p] = weighted_sum(w * (ev["process"] == CODES[p]))
    res.data["counts"] = counts
    res.data["n_events"] = sim.n_events

    # --- counts against the published prediction -------------------------------------------------------
    # The final paper's 341 judges simcoh; the Dec. 2020 talk's 333 is kept as a second, informational row.
    n_cevns, s_cevns = counts["cevns"]
    pub = P.CSI2021_CEVNS_PRL
    total_unc = (pub.unc**2 + P.CSI2021_CEVNS_EXP_UNC**2) ** 0.5  # 11 (theory) ⊕ 42 (experimental)
    within_theory = abs(n_cevns - pub.value) <= pub.unc
    res.comparisons.append(Comparison(
        "CEvNS expected in PE < 60, t < 6 µs (ε_E ε_T applied), final paper", "events", pub.value, pub.unc,
        pub.source, n_cevns, s_cevns,
        f"|Δ| ≤ 11 (theory), else explained and |Δ| ≤ {total_unc:.0f} (11 th ⊕ 42 exp)",
        abs(n_cevns - pub.value) <= total_unc,
        note=(f"total CEvNS (all recoils, no efficiency): {sim.expected['cevns']:.1f}; model: the csi-2021 data "
              "set's [physics] (COHERENT rate-code Helm form factors, separate neutron radii); within the theory "
              f"uncertainty: {'yes' if within_theory else 'no, see notes'}")))
    talk = P.CSI2021_CEVNS
    res.comparisons.append(Comparison(
        "CEvNS expected in the same region, Dec. 2020 talk", "events", talk.value, talk.unc, talk.source, n_cevns,
        s_cevns, "informational (the final paper's 341 judges)", None))
    sigma = run_sigma_cm2(sim) / 1e-40
    res.data["sigma_1e40"] = sigma
    ps = P.CSI2021_SIGMA
    res.comparisons.append(Comparison(
        "SM flux-averaged CEvNS cross section per CsI nucleus", "1e-40 cm²", ps.value, ps.unc, ps.source, sigma,
        0.0, "|Δ| ≤ 6 (published uncertainty)", abs(sigma - ps.value) <= ps.unc,
        note="simcoh integral over the πDAR spectra, flavours weighted by yield, Cs and I by abundance; no sampling"))
    for p, pubv in (("brn", P.CSI2021_BRN), ("nin", P.CSI2021_NIN), ("ss", P.CSI2021_SS)):
        if p in counts:
            v, s = counts[p]
            res.comparisons.append(Comparison(
                f"{LABELS[p]} expected in the analysis region", "events", pubv.value, pubv.unc, pubv.source, v, s,
                "|Δ| ≤ 1σ (published)", abs(v - pubv.value) <= pubv.unc))
            if abs(v - pubv.value) > pubv.unc:
                res.notes.append(f"{LABELS[p]}: simcoh gives {v:.1f} ± {s:.1f} events in the region against the "
                                 f"published {pubv.value:g} ({(v - pubv.value) / pubv.unc:+.2f} σ); the normalisation "
                                 f"of simcoh's '{p}' process (expected {sim.expected[p]:.1f} before cuts and "
                                 "efficiencies) should be checked against the published region count.")
        else:
            res.not_run.append(f"{LABELS[p]} expected count: {reasons[p]}")

    if not within_theory:
        res.notes.append(
            f"simcoh's CEvNS expectation differs from the published {pub.value:g} by {n_cevns - pub.value:+.1f} events "
            f"({(n_cevns - pub.value) / pub.unc:+.2f} × the theory uncertainty of 11), within the total published "
            f"uncertainty of ±{total_unc:.0f} only. The form-factor convention is the largest theory choice: the "
            "csi-2021 data set uses COHERENT's rate-code Helm conventions (geometries/csi-2021.toml [physics]); "
            "simcoh's generic Lewin–Smith Helm gives ≈ 20 events more. The flux normalisation (0.0848 ν/flavour/POT, "
            "±10 %) moves it by ≈ 20 events per 0.004 ν/POT. Case 6 tabulates every choice with its size.")

    # --- spectra against the released events ---------------------------------------------------------------
    c, ac = released_events(ctx.reference)
    res.data["n_c"], res.data["n_ac"] = len(c), len(ac)
    res.comparisons.append(Comparison(
        "released coincident (C) events selected in PE < 60, t < 6 µs", "events", P.CSI2021_N_C, None,
        "PHYSICS.md §3 (arXiv:2110.07730 ancillary dataBeamOnC.txt)", float(len(c)), 0.0,
        "equal (checks the selection of the released file)", len(c) == P.CSI2021_N_C))
    res.comparisons.append(Comparison(
        "released anti-coincident (AC) events selected", "events", P.CSI2021_N_AC, None,
        "PHYSICS.md §3 (dataBeamOnAC.txt)", float(len(ac)), 0.0, "equal", len(ac) == P.CSI2021_N_AC))

    pe, t_us = ev["pe"], ev["t_ns"] * 1e-3
    comp_pe, comp_t = {}, {}
    for p in procs:
        m = w * (ev["process"] == CODES[p])
        comp_pe[p] = whist(pe, m, PE_EDGES)
        comp_t[p] = whist(t_us, m, T_EDGES)
    c_pe = np.histogram(c[:, 0], PE_EDGES)[0].astype(float)
    ac_pe = np.histogram(ac[:, 0], PE_EDGES)[0].astype(float)
    c_t = np.histogram(c[:, 1], T_EDGES)[0].astype(float)
    ac_t = np.histogram(ac[:, 1], T_EDGES)[0].astype(float)

    beam = [p for p in procs if p != "ss"]
    table_rows = []
    plt = pyplot()
    fig = plt.figure(figsize=(11, 8.2))
    outer = fig.add_gridspec(2, 2, hspace=0.32, wspace=0.22, top=0.92)
    full_model = all(p in procs for p in BACKGROUNDS)
    missing_txt = ", ".join(LABELS[p] for p in BACKGROUNDS if p not in procs)
    for col, (name, edges, comp, dc, dac, xl) in enumerate((
            ("PE", PE_EDGES, comp_pe, c_pe, ac_pe, "reconstructed energy [PE]"),
            ("t", T_EDGES, comp_t, c_t, ac_t, "reconstructed time t_rec [µs]"))):
        unit = "PE" if name == "PE" else "µs"
        width = edges[1] - edges[0]
        # (a) C data against the full prediction (CEvNS + BRN + NIN + SS)
        stack = [(LABELS[p], comp[p][0], COLOURS[p]) for p in ("ss", "brn", "nin", "cevns") if p in comp]
        tot_err = np.sqrt(sum(comp[p][1] ** 2 for p in comp))
        total = sum(comp[p][0] for p in comp)
        title = "beam-on coincident events vs simcoh " + ("CEvNS + BRN + NIN + SS" if full_model else
                                                          f"(missing: {missing_txt})")
        ax_top, _ = spectrum_panel(fig, outer[0, col], edges, dc, np.sqrt(dc), stack, tot_err, xl,
                                   f"events / {width:g} {unit}", title, data_label=f"released C events ({len(c)})",
                                   legend=False)
        if "ss" not in comp:  # context only: the in-situ steady-state measurement, not part of the prediction
            ax_top.stairs(dac, edges, color="tab:blue", ls="--", lw=1.0,
                          label="released AC events\n(steady-state measurement;\nnot simcoh)")
        if col == 1:  # one legend per row, beside the right panel (both panels show the same components)
            legend_beside(ax_top)
        if full_model:
            x2, nb = chi2(dc, total, total + tot_err ** 2)
            table_rows.append([f"C vs CEvNS+BRN+NIN+SS ({name})", f"{x2:.1f}", str(nb), f"{x2 / nb:.2f}"])
            res.data[f"chi2_full_{name}"] = (x2, nb)
        # (b) C − AC against the beam-related prediction
        stack_b = [(LABELS[p], comp[p][0], COLOURS[p]) for p in ("brn", "nin", "cevns") if p in comp]
        b_err = np.sqrt(sum(comp[p][1] ** 2 for p in beam))
        b_tot = sum(comp[p][0] for p in beam)
        diff, diff_err = dc - dac, np.sqrt(dc + dac)
        spectrum_panel(fig, outer[1, col], edges, diff, diff_err, stack_b, b_err, xl, f"events / {width:g} {unit}",
                       "C − AC (beam-related) vs simcoh " + " + ".join(LABELS[p] for p in beam),
                       data_label="released C − AC", legend=col == 1)
        x2, nb = chi2(diff, b_tot, dc + dac + b_err ** 2)
        table_rows.append([f"C − AC vs {' + '.join(LABELS[p] for p in beam)} ({name})", f"{x2:.1f}", str(nb),
                           f"{x2 / nb:.2f}"])
        res.data[f"chi2_cac_{name}"] = (x2, nb)
    fig.suptitle(f"CsI[Na] 2021 model, 3.198e23 POT: simcoh parametric ({sim.n_events:,} weighted events) vs "
                 "released data (arXiv:2110.07730)", fontsize=10)
    path = save_figure(fig, ctx.plotdir / "csi2021_spectra.png")
    plt.close(fig)
    res.plots.append((f"plots/{path.name}",
                      "Top: released coincident (C) events with the simcoh prediction stacked; bottom: C − AC "
                      "(steady state subtracted using the AC window) with the simcoh beam-related prediction. "
                      "Residual panels: (data − simcoh)/√(σ_data² + σ_sim²), with ±1σ (green) and ±2σ (yellow) bands; "
                      "hatched band: simcoh statistical ±1σ."))
    if not full_model:
        res.not_run.append(f"χ² of the full C prediction (CEvNS + BRN + NIN + SS): missing {missing_txt}")
    cac_obs = len(c) - len(ac)
    b_sum = sum(counts[p][0] for p in beam)
    b_err_tot = float(np.sqrt(sum(counts[p][1] ** 2 for p in beam)))
    res.comparisons.append(Comparison(
        "C − AC events (released) vs simcoh beam-related total", "events", float(cac_obs),
        float(np.sqrt(len(c) + len(ac))), "released data: C − AC with Poisson errors", b_sum, b_err_tot,
        "informational (the published fit gives CEvNS 306 ± 20, below the 333 predicted)", None,
        note="beam-related = " + " + ".join(LABELS[p] for p in beam)))
    res.tables.append(("χ² of the released spectra against the simcoh prediction (no fitted parameters: "
                       "ndf = number of bins; errors: Poisson on data (√pred for C), simcoh stat.)",
                       ["comparison", "χ²", "bins", "χ²/bin"], table_rows))
    res.notes.append("The spectra are predictions at the published normalisations, not fits: the published "
                     "best fit has CEvNS 306 ± 20 against 333 predicted ([P20]), so a χ²/bin above 1 in C − AC "
                     "reflects that normalisation difference as well as shape.")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()

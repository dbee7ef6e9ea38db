"""Case 4: fidelity consistency. The CsI 2021 configuration at parametric and photon (and waveform, when simcoh
has it) fidelity, same seed, hence the same truth events: efficiency-corrected counts in PE < 60, t < 6 µs and
the PE and time spectra.

Parametric: reconstructed PE from the published Gamma smearing. Photon: Poisson photoelectrons with gamma SPE
charges; the reconstructed PE is (a) the charge in a 3-µs integration window from the onset including afterglow
PE (the analysis integration of arXiv:2110.07730, on which the published light yield and PE axis are defined:
the like-for-like row) and (b) ``charge_pe`` (all signal charge, informational). The published energy and time
efficiencies are applied to each reconstructed PE in the same way. Waveform: simcoh's own selection.
"""

from __future__ import annotations

import time

import numpy as np

from ..common import CaseResult, Comparison, chi2, fidelity_available, simulate, weighted_sum, whist
from ..plotting import legend_beside, pyplot, residual_points, save_figure, stat_band
from .csi2021 import PE_EDGES, PE_MAX, T_EDGES, T_MAX_US

KEY = "fidelity"
TITLE = "Fidelity consistency (parametric / photon / waveform)"
REL_TOL = 0.03  # criterion on the efficiency-corrected count, see the note in run()
RATIO_RANGE = (0.8, 1.2)  # y range of the ratio panels; ratios beyond it are drawn as triangles at the edge
WAVEFORM_PE_COLUMNS = ("pe_integrated",)  # simcoh.reco: charge within 3 µs of the reconstructed onset
WAVEFORM_T_COLUMNS = ("t_rec_ns",)  # reconstructed onset from the ROI start


def efficiency_weights(prepared, pe, t_ns):
    """Published ε_E(PE) ε_T(t) of the loaded geometry, × analysis region, for any reconstructed PE."""
    from simcoh.response import energy_section, time_section
    from simcoh.response.efficiency import energy_efficiency, time_efficiency

    det = prepared.config.detector
    eff_e = energy_efficiency(np.nan_to_num(pe, nan=-np.inf), energy_section(det))
    eff_t = time_efficiency(t_ns, time_section(det))
    t_us = t_ns * 1e-3
    inside = np.isfinite(pe) & (pe < PE_MAX) & (t_us >= 0) & (t_us < T_MAX_US)
    return eff_e * eff_t * inside


def integrated_charge(ev, window_ns=3000.0, pretrace_ns=40000.0, signal_only=False):
    """Charge (signal + afterglow PE, or signal only) within ``window_ns`` of the true onset (pretrace + arrival
    time)."""
    import awkward as ak

    onset = ev["t_ns"] + pretrace_ns
    t = ev["pe_t_ns"]
    q = ev["pe_charge"]
    inwin = (t >= onset) & (t < onset + window_ns)
    if signal_only:
        inwin = inwin & (ev["pe_label"] == 0)
    return np.asarray(ak.sum(q * inwin, axis=1), float)


def run(ctx) -> CaseResult:
    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    n = ctx.n(300_000, 1_000_000)
    base = [f"run/beamOn={n}"]
    par = simulate(ctx, "csi-2021.mac", base + ["run/fidelity=parametric"])
    weight = par.events["weight"]
    f_par = weight * efficiency_weights(par.prepared, par.events["pe"], par.events["t_ns"])
    t_par = par.events["t_ns"]
    # label -> (reconstructed PE, reconstructed time ns, per-event contribution, parametric contribution of the
    # same events with the same weighting)
    versions = {"parametric (Gamma smearing)": (par.events["pe"], t_par, f_par, f_par)}
    ok, why = fidelity_available("photon")
    if ok:
        ph = simulate(ctx, "csi-2021.mac", base + ["run/fidelity=photon"])
        assert np.array_equal(ph.events["t_nr_kev"], par.events["t_nr_kev"]), "truth differs between fidelities"
        pretrace = ph.prepared.config.detector.windows.pretrace_ns if getattr(ph.prepared.config.detector, "windows", None) else 40000.0
        q_all = ph.events["charge_pe"]
        q_win = integrated_charge(ph.events, pretrace_ns=pretrace)
        q_sig = integrated_charge(ph.events, pretrace_ns=pretrace, signal_only=True)
        t_ph = ph.events["t_ns"]
        versions["photon, 3 µs window, signal"] = (
            q_sig, t_ph, weight * efficiency_weights(ph.prepared, q_sig, t_ph), f_par)
        versions["photon, 3 µs window + afterglow"] = (
            q_win, t_ph, weight * efficiency_weights(ph.prepared, q_win, t_ph), f_par)
        versions["photon, all signal charge"] = (q_all, t_ph, weight * efficiency_weights(ph.prepared, q_all, t_ph),
                                                 f_par)
        res.data["light_in_window"] = float(np.sum(q_win) / max(np.sum(q_all), 1e-9))
    else:
        res.not_run.append(f"photon fidelity: {why}")
    okw, whyw = fidelity_available("waveform")
    if okw:
        try:
            wf = simulate(ctx, "csi-2021.mac", [f"run/beamOn={ctx.n(20_000, 100_000)}", "run/fidelity=waveform",
                                                "output/waveforms=false"])
            pe_col = next((c for c in WAVEFORM_PE_COLUMNS if c in wf.events), None)
            t_col = next((c for c in WAVEFORM_T_COLUMNS if c in wf.events), None)
            if pe_col is None:
                res.not_run.append("waveform fidelity: no reconstructed-PE column found among "
                                   f"{', '.join(WAVEFORM_PE_COLUMNS)} (columns: {', '.join(sorted(wf.events))})")
            else:
                t_rec = wf.events[t_col] if t_col is not None else wf.events["t_ns"]
                nw = wf.n_events
                # at waveform level the simulated cuts are the efficiency: weight × selected × analysis region
                pe_w = wf.events[pe_col]
                t_us_w = t_rec * 1e-3
                inside_w = np.isfinite(pe_w) & (pe_w < PE_MAX) & (t_us_w >= 0) & (t_us_w < T_MAX_US)
                f_wf = wf.events["weight"] * wf.events["selected"] * inside_w
                # the first nw events have the same truth as the parametric run; reweight those to nw events
                versions[f"waveform ({pe_col}, first {nw:,} events)"] = (wf.events[pe_col], t_rec, f_wf,
                                                                         f_par[:nw] * (n / nw))
        except Exception as exc:
            res.not_run.append(f"waveform fidelity failed: {type(exc).__name__}: {exc}")
    else:
        res.not_run.append(f"waveform fidelity: {whyw}")

    if any(label.startswith("waveform") for label in versions):
        res.notes.append(
            "Waveform level: the efficiency comes from simcoh's own selection (the `selected` flag of the CsI[Na] "
            "cuts on digitized, reconstructed windows), not from the published curves; PE is the reconstructed "
            "3-µs integral `pe_integrated` and t the reconstructed onset `t_rec_ns`. The geometry's light yield is "
            "defined on that integral (`light.yield_window = 3 us`), as the published one is, so the parametric PE "
            "and `pe_integrated` describe the same observable; the selection's turn-on is the toy-MC efficiency "
            "study's (docs/waveforms.md, `simcoh efficiency`), and the time efficiency emerges from afterglow pulses "
            "that become a misidentified onset (detected rate 49.4 kHz, the published ε_T).")
    ref_sum, ref_err = weighted_sum(f_par)
    res.data["counts"] = {}
    rows = []
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.4), sharex="col", gridspec_kw={"height_ratios": [3, 1]})
    colours = ["k", "tab:orange", "tab:purple", "tab:blue", "tab:green"]
    hists = {}
    for i, (label, v) in enumerate(versions.items()):
        pe, t_ns, f, f_ref = v
        t_us = t_ns * 1e-3
        s, e = weighted_sum(f)
        res.data["counts"][label] = (s, e)
        hpe, epe = whist(pe, f, PE_EDGES)
        ht, et = whist(t_us, f, T_EDGES)
        hists[label] = (hpe, epe, ht, et)
        for col, (h, err, edges) in enumerate(((hpe, epe, PE_EDGES), (ht, et, T_EDGES))):
            axes[0, col].stairs(h, edges, color=colours[i % len(colours)], lw=1.4 if i == 0 else 1.1, label=label)
            stat_band(axes[0, col], edges, h, err, color=colours[i % len(colours)], hatch=None)
            if i > 0:
                r0 = hists[next(iter(hists))][0 if col == 0 else 2]
                e0 = hists[next(iter(hists))][1 if col == 0 else 3]
                ratio = np.where(r0 > 0, h / np.where(r0 > 0, r0, 1), np.nan)
                rerr = ratio * np.sqrt((err / np.where(h > 0, h, 1)) ** 2 + (e0 / np.where(r0 > 0, r0, 1)) ** 2)
                c = 0.5 * (edges[1:] + edges[:-1])
                residual_points(axes[1, col], c + (i - 2.5) * 0.1 * (edges[1] - edges[0]), ratio, rerr,
                                *RATIO_RANGE, color=colours[i % len(colours)])
        if i == 0:
            continue
        ds, de = weighted_sum(f - f_ref)  # paired: same truth events
        rel = ds / weighted_sum(f_ref)[0]
        x2pe, nbpe = chi2(hpe, hists[next(iter(hists))][0], epe ** 2 + hists[next(iter(hists))][1] ** 2)
        x2t, nbt = chi2(ht, hists[next(iter(hists))][2], et ** 2 + hists[next(iter(hists))][3] ** 2)
        rows.append([label, f"{s:.1f} ± {e:.1f}", f"{ds:+.1f} ± {de:.1f}", f"{100 * rel:+.2f} %",
                     f"{x2pe:.1f}/{nbpe}", f"{x2t:.1f}/{nbt}"])
        informational = "all signal charge" in label or "afterglow" in label
        passed = None if informational else abs(rel) <= REL_TOL
        crit = ("informational: all the light, not the 3-µs integral the yield is defined on (see notes)"
                if "all signal charge" in label else
                "informational: adds the afterglow PE in the window, which the published smearing does not model "
                "(see notes)" if informational else
                f"|{label.split(',')[0].split(' (')[0]} − parametric| ≤ {100 * REL_TOL:.0f} % of parametric")
        res.comparisons.append(Comparison(
            f"efficiency-corrected CEvNS count, {label}", "events", None, None, "", s, e, crit, passed,
            note=f"paired difference {ds:+.1f} ± {de:.1f} events ({100 * rel:+.2f} %)"))
        res.data.setdefault("relative", {})[label] = rel
    res.comparisons.insert(0, Comparison(
        "efficiency-corrected CEvNS count, parametric (reference)", "events", None, None, "", ref_sum, ref_err,
        "reference", None))
    for col, (xl, unit, edges) in enumerate((("reconstructed energy [PE]", "PE", PE_EDGES),
                                             ("arrival time [µs]", "µs", T_EDGES))):
        axes[0, col].set_ylabel(f"expected events / {edges[1] - edges[0]:g} {unit}")
        axes[0, col].set_ylim(bottom=0)
        axes[1, col].axhline(1, color="k", lw=0.8)
        axes[1, col].axhspan(1 - REL_TOL, 1 + REL_TOL, color="0.5", alpha=0.2, lw=0)
        axes[1, col].set_ylabel("ratio to parametric")
        axes[1, col].set_xlabel(xl)
    legend_beside(axes[0, 1], title="bands: stat. ±1σ", fontsize=7.5)
    fig.subplots_adjust(top=0.92, hspace=0.06)
    fig.suptitle(f"CsI 2021 CEvNS at each fidelity (same truth, {n:,} events; published ε_E ε_T applied)", fontsize=10)
    path = save_figure(fig, ctx.plotdir / "fidelity_spectra.png")
    plt.close(fig)
    res.plots.append((f"plots/{path.name}", "Efficiency-corrected CEvNS spectra in the analysis region at each "
                      "fidelity with their statistical ±1σ bands, and their ratio to the parametric level "
                      f"(statistical errors; grey band: ±{100 * REL_TOL:.0f} %, the criterion on the total count; "
                      "triangles: ratios outside the panel)."))
    res.tables.append(("Efficiency-corrected counts and spectra relative to parametric (same truth events; the χ² "
                       "treats the two histograms as independent, so it is conservative)",
                       ["fidelity", "count ± stat", "− parametric (paired)", "relative", "χ²/bins PE",
                        "χ²/bins time"], rows))
    if "light_in_window" in res.data:
        res.notes.append(
            f"Photon level: the 3-µs integration keeps {100 * res.data['light_in_window']:.1f} % of the charge "
            "(signal + afterglow in the window over all signal charge). The published light yield (13.35 PE/keVee) "
            "and the PE axis of the published smearing and efficiency are the 3-µs integral from the onset "
            "(arXiv:2110.07730), so the geometry sets `light.yield_window = 3 us`: the photon level draws "
            "13.35/F PE per keVee in total, F = 0.931 the light of its scintillation profile (0.6 µs / 3.5 µs, "
            "85 % / 15 %, an assumption) inside 3 µs, and the windowed charge has the parametric mean. The "
            "like-for-like row is therefore the windowed signal charge; the all-signal-charge row lies above the "
            "parametric one by the light outside the window, and the afterglow PE inside the window (54.25 kHz × "
            "3 µs = 0.16 PE per event, which the waveform level also integrates) raise the windowed count by about "
            "2 %.")
    res.notes.append(
        f"Criterion ±{100 * REL_TOL:.0f} %: the photon-level SPE width is chosen so that Poisson counting × SPE "
        "charge reproduces the published Gamma smearing to within ±2.7 % in σ over 10–60 PE "
        "(geometries/csi-2021.toml); near the 10-PE efficiency threshold such a width difference moves the "
        "efficiency-weighted count by about a percent.")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()

"""Case 5: the neutrino flux — its normalisation against the published 4.3e7 ν cm⁻² s⁻¹ at 20 m, and the
arrival-time distributions of simcoh CEvNS events against the CsI 2017 released arrival-time PDFs (prompt νμ and
delayed νe + ν̄μ, 0.5-µs bins over 0–12 µs).

Time frame: the released PDFs are in the 2017 analysis frame; simcoh's default proton pulse (Gaussian, 690 ns,
σ = 140 ns, flight time absorbed in the mean; simcoh.config.SourceConfig) is meant for it. The test statistic is
Pearson's χ² of the simulated sample against the released PDF (bins with a non-zero released value), so the
released PDF is treated as exact; ndf = bins − 1 (normalised sample).
"""

from __future__ import annotations

import time

import numpy as np

from .. import published as P
from ..common import CaseResult, Comparison, load_csv, simulate
from ..plotting import legend_beside, pyplot, residual_points, save_figure

KEY = "flux"
TITLE = "Neutrino flux: normalisation and arrival-time distributions"
CHI2_PER_NDF_MAX = 3.0  # criterion on Pearson χ²/ndf at N_TEST events, see note
N_TEST = 5000  # events per component in the judged χ² (the first N_TEST in-window events of the run)
EDGES = np.arange(0.0, 12.01, 0.5)


def pearson(sample_t_us, pdf):
    """Pearson χ² of a sample against a binned PDF (released bin centres ``pdf[:, 0]``, values ``pdf[:, 1]``)."""
    n_i = np.histogram(sample_t_us, EDGES)[0].astype(float)
    p = pdf[:, 1] / pdf[:, 1].sum()
    n = n_i.sum()
    ok = p > 0
    x2 = float(np.sum((n_i[ok] - n * p[ok]) ** 2 / (n * p[ok])))
    outside = float(n_i[~ok].sum() / n) if n else 0.0
    return x2, int(ok.sum()) - 1, n_i / n, outside


def run(ctx) -> CaseResult:
    from simcoh.source.flux import flux_per_cm2, flux_rate_per_cm2_s

    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    # --- normalisation ---------------------------------------------------------------------------------------
    phi = flux_rate_per_cm2_s(P.FLUX_BEAM_MW, P.FLUX_PROTON_MEV, P.FLUX_R, P.FLUX_DISTANCE_CM, n_flavours=3)
    pub = P.FLUX_20M
    res.comparisons.append(Comparison(
        "flux at 20 m, 1.4 MW, 1 GeV, r = 0.08, 3 flavours", "ν cm⁻² s⁻¹", pub.value, pub.unc, pub.source, phi, 0.0,
        "|Δ| ≤ 10 % (the yield uncertainty)", abs(phi - pub.value) <= pub.unc,
        note=f"simcoh.source.flux; difference {100 * (phi / pub.value - 1):+.1f} % "
             "(the published 4.3e7 is rounded and may use a different beam energy/power)"))
    res.data["flux"] = phi
    # cross-check through a simcoh run: expected CEvNS per second over n_nuclei ⟨σ⟩ gives back the flux
    sim = simulate(ctx, "csi-2017.mac", ["run/fidelity=truth", f"run/beamOn={ctx.n(500_000, 2_000_000)}",
                                          "detector.target.distance=20 m"])  # r = 0.08: csi-2017's [beam]
    gen = sim.prepared.generator
    pot = sim.config.exposure_pot
    seconds = pot * P.FLUX_PROTON_MEV * 1.602176634e-13 / (P.FLUX_BEAM_MW * 1e6)
    dist = sim.config.detector.target.distance_cm
    phi_run = sum(flux_per_cm2(pot, ch.spectrum.yield_per_pot, dist) for ch in gen.processes["cevns"].channels
                  if ch.isotope.name == "Cs133") / seconds
    res.comparisons.append(Comparison(
        "same, from the exposure of the csi-2017 run moved to 20 m (7.47594 GWh over its beam time at 1.4 MW)",
        "ν cm⁻² s⁻¹", pub.value, pub.unc, pub.source, phi_run, 0.0, "|Δ| ≤ 10 %", abs(phi_run - pub.value) <= pub.unc))

    # --- arrival times -------------------------------------------------------------------------------------------
    ref = ctx.reference / "coherent-csi-2017"
    pdfs = {"prompt": load_csv(ref / "arrivalTimePDF_promptNeutrinos.txt"),
            "delayed": load_csv(ref / "arrivalTimePDF_delayedNeutrinos.txt")}
    for pdf in pdfs.values():
        assert np.allclose(pdf[:, 0], 0.5 * (EDGES[1:] + EDGES[:-1])), "unexpected released time grid"
    t_us = sim.events["t_ns"] * 1e-3
    flav = sim.events["flavour"]
    samples = {"prompt": t_us[flav == 1], "delayed": t_us[(flav == 0) | (flav == 2)]}
    variants = {"analytic (default)": samples}
    try:
        g4 = simulate(ctx, "csi-2017.mac", ["run/fidelity=truth", f"run/beamOn={ctx.n(500_000, 2_000_000)}",
                                             "source/model=geant4"])
        tg, fg = g4.events["t_ns"] * 1e-3, g4.events["flavour"]
        variants["geant4 source"] = {"prompt": tg[fg == 1], "delayed": tg[(fg == 0) | (fg == 2)]}
    except Exception as exc:
        res.not_run.append(f"geant4-source arrival times: {type(exc).__name__}: {exc}")
    # scan of the Gaussian proton pulse against the released prompt PDF (truth only, whole-sample χ²)
    from simcoh.config import SourceConfig
    from simcoh.generate import TruthGenerator

    n_scan = ctx.n(200_000, 1_000_000)
    scan, prompt_frac = [], 0.0
    for mean in (670.0, 680.0, 690.0, 700.0, 710.0):
        for sig in (120.0, 130.0, 140.0, 150.0, 160.0):
            g = TruthGenerator(source=SourceConfig(pulse_mean_ns=mean, pulse_sigma_ns=sig), physics=sim.config.physics,
                               material="CsI", mass_kg=1.0, distance_cm=1930.0, n_pot=1e23, seed=ctx.seed,
                               n_events=n_scan)
            tr = g.generate(0, n_scan)
            tp = tr["t_ns"][tr["flavour"] == 1] * 1e-3
            prompt_frac = len(tp) / n_scan
            x2s, ndfs, _, _ = pearson(tp[(tp >= 0) & (tp < 12)], pdfs["prompt"])
            scan.append((x2s / ndfs, mean, sig))
    scan.sort()
    res.data["pulse_scan_best"] = scan[0]
    res.tables.append((f"Gaussian proton-pulse scan against the released prompt PDF ({n_scan:,} truth events per "
                       f"point, of which {100 * prompt_frac:.0f} % prompt; whole-sample Pearson χ²/ndf, ndf = 2): "
                       "the five best points",
                       ["pulse mean [ns]", "pulse σ [ns]", "χ²/ndf"],
                       [[f"{m:.0f}", f"{sg:.0f}", f"{x:.2f}"] for x, m, sg in scan[:5]]))
    rows = []
    shapes = {}
    for vname, smp in variants.items():
        for kind, pdf in pdfs.items():
            sel = smp[kind][(smp[kind] >= 0) & (smp[kind] < 12.0)]
            x2, ndf, frac, outside = pearson(sel, pdf)
            x2t, ndft, _, _ = pearson(sel[:N_TEST], pdf)
            shapes[(vname, kind)] = frac
            mean_sim = float(np.mean(sel))
            mean_ref = float(np.sum(pdf[:, 0] * pdf[:, 1]) / pdf[:, 1].sum())
            dmax = float(np.max(np.abs(frac - pdf[:, 1] / pdf[:, 1].sum())))
            rows.append([vname, kind, f"{len(sel):,}", f"{x2:.1f}", str(ndf), f"{x2 / ndf:.2f}",
                         f"{x2t / ndft:.2f}", f"{100 * dmax:.2f}", f"{mean_sim:.3f}", f"{mean_ref:.3f}",
                         f"{100 * outside:.2f} %"])
            res.data[(vname, kind)] = (x2t, ndft)
            if vname.startswith("analytic"):
                res.comparisons.append(Comparison(
                    f"arrival time, {kind} ν: Pearson χ²/ndf against the released PDF", "", None, None,
                    "arXiv:1804.09459 release, arrivalTimePDF_" + ("promptNeutrinos" if kind == "prompt" else
                                                                    "delayedNeutrinos") + ".txt",
                    x2t / ndft, None, f"χ²/ndf ≤ {CHI2_PER_NDF_MAX:g} at N = {N_TEST:,} (ndf = {ndft})",
                    x2t / ndft <= CHI2_PER_NDF_MAX,
                    note=f"whole sample ({len(sel):,} events): χ²/ndf = {x2 / ndf:.2f}; largest bin difference "
                         f"{100 * dmax:.2f} % of events; mean time simcoh {mean_sim:.3f} µs, released "
                         f"{mean_ref:.3f} µs (bin centres)"))
    res.tables.append(("Arrival-time distributions against the released CsI 2017 PDFs (0.5-µs bins, 0–12 µs; "
                       "'outside' = fraction of simulated events in bins where the released PDF is 0)",
                       ["source model", "component", "events", "χ² (all)", "ndf", "χ²/ndf (all)",
                        f"χ²/ndf (N = {N_TEST:,})", "max |Δ fraction| [%]", "mean t sim [µs]",
                        "mean t released [µs]", "outside"], rows))

    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.2), sharex="col", gridspec_kw={"height_ratios": [3, 1]})
    cent = 0.5 * (EDGES[1:] + EDGES[:-1])
    for col, (kind, pdf) in enumerate(pdfs.items()):
        ax, axr = axes[0, col], axes[1, col]
        p = pdf[:, 1] / pdf[:, 1].sum()
        ax.stairs(p, EDGES, color="k", lw=1.5, label="released PDF (CsI 2017)")
        for (vname, k), frac in shapes.items():
            if k != kind:
                continue
            n = len(variants[vname][kind])
            err = np.sqrt(frac * (1 - frac) / n)
            mk = "o" if vname.startswith("analytic") else "s"
            dx = (-0.04 if mk == "o" else 0.04) * (EDGES[1] - EDGES[0])  # side by side, not on top
            ax.errorbar(cent + dx, frac, yerr=err, fmt=mk, ms=3, label=f"simcoh, {vname}",
                        color="tab:blue" if mk == "o" else "tab:orange")
            ok = p > 0
            residual_points(axr, cent[ok] + dx, (frac[ok] - p[ok]) / p[ok], err[ok] / p[ok], -0.5, 0.5, fmt=mk,
                            color="tab:blue" if mk == "o" else "tab:orange")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 1.5)
        ax.set_ylabel("fraction of events per 0.5 µs")
        ax.set_title(f"{kind} neutrinos ({'νμ' if kind == 'prompt' else 'νe + ν̄μ'})", fontsize=9)
        axr.axhline(0, color="k", lw=0.8)
        axr.set_ylabel("(sim − rel.) / rel.")
        axr.set_xlabel("arrival time [µs]")
        if kind == "prompt":  # the prompt pulse lasts ~1.5 µs: show its bins, not twelve empty microseconds
            axr.set_xlim(0, 4)
    legend_beside(axes[0, 1], fontsize=7.5)
    fig.subplots_adjust(top=0.91, hspace=0.06)
    fig.suptitle("Arrival-time distributions: simcoh CEvNS events vs released CsI 2017 PDFs", fontsize=10)
    path = save_figure(fig, ctx.plotdir / "flux_arrival_times.png")
    plt.close(fig)
    res.plots.append((f"plots/{path.name}", "Arrival-time fractions per 0.5 µs for prompt and delayed neutrinos "
                      "(CEvNS-weighted truth events; MC binomial errors) against the released PDFs; bottom: relative "
                      "difference (bins where the released PDF is zero are not shown; triangles: beyond the panel)."))
    res.notes.append(
        f"Criterion: Pearson χ²/ndf ≤ {CHI2_PER_NDF_MAX:g} for a sample of N = {N_TEST:,} events per component "
        "(the first in-window events of the run, the same in fast and full mode). The released PDFs carry no "
        "uncertainties, so the χ² of the whole sample grows in proportion to its size for any residual shape "
        f"difference; {N_TEST:,} events is more than ten times the CEvNS events of the full CsI dataset, so a "
        "difference that passes is far below what COHERENT data resolve. The whole-sample χ² and the largest "
        "per-bin difference are listed to show the residual: the released prompt PDF has slightly more weight in "
        "its first and last bins than a Gaussian proton pulse of σ = 140 ns at 690 ns gives; the scan table shows "
        "how well any Gaussian pulse on a 10-ns grid can do.")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()

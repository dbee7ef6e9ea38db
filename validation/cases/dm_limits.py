"""Case: dark-matter limits with the released CsI 2021 data against the published ones.

Model (simcoh.fit.dm_limits): CEvNS + BRN + NIN + SS + χ templates from simcoh runs of the csi-2021 detector
(parametric fidelity, published efficiencies) in 4-PE × 0.5-µs bins of PE < 60, 0 ≤ t < 6 µs; data: the
1578 released coincident events in that region (arXiv:2110.07730 ancillary dataBeamOnC.txt). Feldman-Cousins
critical values of −2Δ ln L by pseudo-experiments at m_χ = 1, 10, 100 MeV; 90 % CL limits on N_DM (the χ events
in the region) against the published N_DM < 18 / 27 / 35 (COHERENT arXiv:2110.11453; D. Pershey, COHERENT talk,
Dec. 2020), and the exclusion curve in Y = ε² α_D (m_χ/m_A′)⁴ (α_D = 0.5, m_A′ = 3 m_χ).

The χ template at 100 MeV (m_A′ = 300 MeV) needs η → γA′, whose SNS yield no project source gives (η/POT is
0 by default, docs/darkmatter.md): its shape is made with an illustrative 1e-3 η/POT. The N_DM limit depends on
the shape only; Y at that mass would scale with the assumed yield and is not reported. The published Y curve
is not available as numbers to this project; the plot shows instead the published N_DM limits converted to Y
with simcoh's own χ yield (the same conversion as simcoh's limits), so the two differ only by N_DM.
"""

from __future__ import annotations

import os
import time

import numpy as np

from ..common import CaseResult, Comparison, load_ws, pyplot

KEY = "dm_limits"
TITLE = "Dark-matter limits with the CsI 2021 data (Feldman-Cousins, N_DM and Y)"
SOURCE = "COHERENT arXiv:2110.11453; D. Pershey, COHERENT talk (Dec. 2020)"
FC_MASSES = (1.0, 10.0, 100.0)
ETA_PER_POT_FOR_SHAPE = 1e-3  # illustrative, for the χ shape above the π⁰/π⁻ thresholds only
THRESHOLD_MASS = 46.0  # MeV: above m_χ = 46.09 MeV no χ without η (docs/darkmatter.md)
EPSILON_REF = 1e-4
FACTOR = 1.5  # pass criterion: the limit within a factor 1.5 of the published one (see notes)


def _options(m_chi: float, fast: bool = False) -> dict:
    """/process/dm options: η for the shape above the π thresholds; fewer set-up decays with --fast (2e5: the
    π⁰ χ flux to ≈ 0.7 %, docs/darkmatter.md)."""
    out = {"setupDecays": 200_000} if fast else {}
    if m_chi > THRESHOLD_MASS:
        out["etaPerPOT"] = ETA_PER_POT_FOR_SHAPE
    return out


def run(ctx) -> CaseResult:
    from simcoh.fit import dm_limits as D
    from simcoh.fit.fc import critical_values

    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    workers = max(1, min(4, (os.cpu_count() or 1)))
    events = load_ws(ctx.reference / "coherent-csi-2021" / "dataBeamOnC.txt")
    binning = D.CSI_2021_BINNING
    data = binning.histogram(events[:, 0], events[:, 1] * 1e3)[0]
    ctx.log(f"dm_limits: {int(data.sum())} released C events in the region; building templates")
    backgrounds = D.csi2021_backgrounds(n_events=ctx.n(40_000, 400_000))
    n_dm = ctx.n(4_000, 40_000)
    n_toys = ctx.n(80, 1000)
    grid = np.arange(0.0, 80.1, ctx.n(8.0, 4.0))
    fine = np.arange(0.0, 100.01, 0.25)

    # --- FC critical values and N_DM limits at the published masses -----------------------------------------
    cvs, limits, rows = {}, {}, []
    fc_masses = (10.0,) if ctx.fast else FC_MASSES
    for k, m in sorted(enumerate(FC_MASSES), key=lambda km: km[1] != 10.0):  # 10 MeV first
        signal = D.dm_template(m, epsilon_ref=EPSILON_REF, n_events=n_dm, seed=10 + k, options=_options(m, ctx.fast))
        model = D.limit_model(signal, backgrounds)
        if m in fc_masses:
            ctx.log(f"dm_limits: m_chi = {m:g} MeV, {n_toys} toys x {grid.size} points")
            cvs[m] = critical_values(model, grid, n_toys=n_toys, data=data, seed=100 + k, workers=workers)
        cv = cvs.get(m, cvs[10.0])  # --fast: the critical values of 10 MeV (mass independent, as published)
        lim = D.mass_limit(m, signal, backgrounds, data, cv, epsilon_ref=EPSILON_REF, mu_grid=fine)
        limits[m] = lim
        pub = D.PUBLISHED_N_DM_90[m]
        ok = pub / FACTOR <= lim.n_dm_limit <= pub * FACTOR
        res.comparisons.append(Comparison(
            f"90 % CL limit on N_DM at m_χ = {m:g} MeV (FC)", "events", pub, None, SOURCE, lim.n_dm_limit, None,
            f"within a factor {FACTOR} of the published limit", ok,
            note=f"best fit N_DM = {lim.n_dm_best:.1f}; χ template {signal.total:.3g} events at ε = {EPSILON_REF:g}"
                 + (f" (shape with an illustrative {ETA_PER_POT_FOR_SHAPE:g} η/POT)" if m > THRESHOLD_MASS else "")
                 + ("" if m in cvs else "; critical values of 10 MeV (--fast)")))
        if m in cvs:
            rows.append([f"{m:g}", f"{lim.n_dm_best:.1f}", f"{lim.n_dm_limit:.1f}", f"{pub:g}"]
                        + [f"{t:.2f} ± {e:.2f}" for t, e in zip(cv.t_crit, cv.stat_error)])
    res.tables.append((f"Feldman-Cousins critical values t_c(N_DM) at 90 % CL ({n_toys} pseudo-experiments per point, "
                       "nuisances profiled on the data) and the limits",
                       ["m_χ [MeV]", "best N_DM", "N_DM < (simcoh)", "published"] + [f"t_c({g:g})" for g in grid],
                       rows))
    # mass independence of t_c (the published analysis found it; the Y curve relies on it)
    if ctx.fast:
        res.not_run.append("mass independence of the critical values: --fast computes them at 10 MeV only")
    else:
        _mass_independence(res, cvs)

    # --- Y exclusion curve (t_c of 10 MeV for every mass) -----------------------------------------------------
    masses = np.unique(np.concatenate([np.geomspace(1.0, 44.0, ctx.n(4, 14)), [10.0]]))
    ys, pub_y = [], {}
    for j, m in enumerate(masses):
        signal = D.dm_template(m, epsilon_ref=EPSILON_REF, n_events=n_dm, seed=200 + j,
                               options=_options(m, ctx.fast))
        lim = D.mass_limit(m, signal, backgrounds, data, cvs[10.0], epsilon_ref=EPSILON_REF, mu_grid=fine)
        ys.append(lim.y_limit)
    for m in (1.0, 10.0):
        lim = limits[m]
        pub_y[m] = D.y_value(D.epsilon_limit(D.PUBLISHED_N_DM_90[m], lim.n_ref, EPSILON_REF), m, D.MASS_RATIO * m)
        res.comparisons.append(Comparison(
            f"Y limit at m_χ = {m:g} MeV (α_D = 0.5, m_A′ = 3 m_χ)", "", pub_y[m], None,
            "published N_DM limit converted with simcoh's χ yield (the published Y curve is not in the project)",
            lim.y_limit, None, "informational: differs from the published conversion only through N_DM", None))
    res.data.update(limits={m: limits[m].n_dm_limit for m in FC_MASSES}, y=dict(zip(masses, ys)))

    plt = pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.3))
    for m in cvs:
        a1.errorbar(grid, cvs[m].t_crit, yerr=cvs[m].stat_error, fmt="o-", ms=3, label=f"m_χ = {m:g} MeV")
    a1.axhline(2.706, color="k", ls=":", label="Wilks χ²(1) 90 %: 2.71")
    for m in FC_MASSES:
        a1.plot(limits[m].mu_grid, limits[m].t_obs, "-", lw=0.8, alpha=0.6)
    a1.set_ylim(0, 6)
    a1.set_xlabel("N_DM (χ events in PE < 60, t < 6 µs)")
    a1.set_ylabel("−2Δ ln L")
    a1.set_title("FC critical values (points) and observed −2Δ ln L (lines)")
    a1.legend()
    a2.plot(masses, ys, "o-", label="simcoh: CsI 2021 data, FC 90 % CL")
    a2.plot(list(pub_y), list(pub_y.values()), "kv", ms=8,
            label="published N_DM < 18 / 27 → Y with simcoh's χ yield")
    a2.set_xscale("log")
    a2.set_yscale("log")
    a2.set_xlabel("m_χ [MeV]")
    a2.set_ylabel("Y = ε² α_D (m_χ/m_A′)⁴")
    a2.set_title("90 % CL exclusion (α_D = 0.5, m_A′ = 3 m_χ, scalar χ, η off)")
    a2.legend()
    fig.tight_layout()
    path = ctx.plotdir / "dm_limits.png"
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    res.plots.append((f"plots/{path.name}", "Left: Feldman-Cousins critical values (three χ masses; 10 MeV only with --fast) with the "
                      "observed −2Δ ln L; right: the Y exclusion curve with the published N_DM limits converted "
                      "to Y through simcoh's χ yield."))
    res.notes.append(
        "simcoh's model is simpler than the published one: 2D (PE, t_rec) only, Gaussian normalisation uncertainties "
        "(CEvNS 12.9 %, BRN 25 %, NIN 36 %, SS 2.8 %), no shape systematics (quenching, efficiency, pulse timing) and "
        "no template statistical uncertainty in the toys; the criterion (a factor "
        f"{FACTOR}) reflects that. Masses above 44 MeV need η production (docs/dm-limits.md).")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()


def _mass_independence(res, cvs) -> None:
    tc = np.array([cvs[m].t_crit for m in FC_MASSES])
    err = np.array([cvs[m].stat_error for m in FC_MASSES])
    spread = np.max(np.abs(tc - tc.mean(axis=0)) / np.sqrt(err**2 + 1e-12), axis=0)
    res.comparisons.append(Comparison(
        "t_c(N_DM) mass independence: largest deviation from the mean of three masses", "toy σ", 0.0, None,
        SOURCE + " (critical values found independent of mass)", float(np.max(spread[1:])), None,
        "< 3 toy standard errors at every N_DM > 0", bool(np.all(spread[1:] < 3.0)),
        note="at N_DM = 0 the quantile sits on the boundary spike of t = 0 and its error estimate is unreliable"))

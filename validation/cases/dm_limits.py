"""Case: dark-matter limits with the released CsI 2021 data against the published ones.

Headline model: the fit core's CsI 2021 model (simcoh/data/fits/csi-2021.toml: CEvNS with flux, quenching and
efficiency systematics, BRN, NIN with normalisation and timing systematics, steady state shared with the AC
channel, Barlow-Beeston-lite) plus the χ template of simcoh's ``dm`` process at each mass (simcoh.fit.dm_core);
N_DM is the number of χ events in the model's bins (8-60 PE, 0-6 µs). Cross-check: the small model of
simcoh.fit.dm_limits (normalisation uncertainties only, 4-PE × 0.5-µs bins of PE < 60), whose toys also redraw
the auxiliary measurements. Feldman-Cousins critical values by pseudo-experiments (with --fast: the small model's,
at 10 MeV only, used for every mass - the published analysis found them mass independent); 90 % CL limits at
m_χ = 1, 10, 100 MeV against the published N_DM < 18 / 27 / 35 (COHERENT arXiv:2110.11453; D. Pershey,
COHERENT talk, Dec. 2020) and the exclusion curve in Y = ε² α_D (m_χ/m_A′)⁴ (α_D = 0.5, m_A′ = 3 m_χ).

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

from ..common import CaseResult, Comparison, load_ws
from ..plotting import legend_beside, pyplot, save_figure

KEY = "dm_limits"
TITLE = "Dark-matter limits with the CsI 2021 data (Feldman-Cousins, N_DM and Y)"
SOURCE = "COHERENT arXiv:2110.11453; D. Pershey, COHERENT talk (Dec. 2020)"
FC_MASSES = (10.0, 1.0, 100.0)  # 10 MeV first: with --fast its critical values serve every mass
ETA_PER_POT_FOR_SHAPE = 1e-3  # illustrative, for the χ shape above the π⁰/π⁻ thresholds only
THRESHOLD_MASS = 46.0  # MeV: above m_χ = 46.09 MeV no χ without η (docs/darkmatter.md)
EPSILON_REF = 1e-4
FACTOR = 1.5  # pass criterion: the expected limit within a factor 1.5 of the published one (see notes)


def _options(m_chi: float, fast: bool = False) -> dict:
    """/process/dm options: η for the shape above the π thresholds; fewer set-up decays with --fast (2e5: the
    π⁰ χ flux to ≈ 0.7 %, docs/darkmatter.md)."""
    out = {"setupDecays": 200_000} if fast else {}
    if m_chi > THRESHOLD_MASS:
        out["etaPerPOT"] = ETA_PER_POT_FOR_SHAPE
    return out


def run(ctx) -> CaseResult:
    from simcoh.fit import dm_core as C
    from simcoh.fit import dm_limits as D
    from simcoh.fit import load_model
    from simcoh.fit.fc import critical_values, upper_limit

    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    workers = max(1, min(4, (os.cpu_count() or 1)))
    events = load_ws(ctx.reference / "coherent-csi-2021" / "dataBeamOnC.txt")
    small_binning = D.CSI_2021_BINNING
    small_data = small_binning.histogram(events[:, 0], events[:, 1] * 1e3)[0]
    ctx.log("dm_limits: the fit core's csi-2021 model and the small model's templates")
    core = load_model("csi-2021")
    core_binning = C.channel_binning(core)
    backgrounds = D.csi2021_backgrounds(n_events=ctx.n(40_000, 400_000))
    n_dm = ctx.n(5_000, 40_000)
    n_toys = ctx.n(80, 500)
    core_toys = ctx.n(0, 200)
    grid = np.arange(0.0, 80.1, ctx.n(8.0, 4.0))
    core_grid = np.arange(0.0, 60.1, 6.0)
    fine = np.arange(0.0, 80.01, 0.5)  # small model (fast fits)
    core_fine = np.arange(0.0, 60.01, ctx.n(1.5, 0.5))  # fit-core model

    small_cv, core_cv, rows, limits, templates = {}, {}, [], {}, {}
    for k, m in enumerate(FC_MASSES):
        opts = _options(m, ctx.fast)
        small_sig, core_sig = D.dm_template(m, epsilon_ref=EPSILON_REF, n_events=n_dm, seed=10 + k, options=opts,
                                            binning=(small_binning, core_binning))
        templates[m] = small_sig
        small = D.limit_model(small_sig, backgrounds, small_data)
        with_dm = C.with_dm(core, core_sig)
        if not ctx.fast or m == 10.0:
            ctx.log(f"dm_limits: m_chi = {m:g} MeV, small model {n_toys} toys x {grid.size} points")
            small_cv[m] = critical_values(small, grid, n_toys=n_toys, seed=100 + k, workers=workers)
        if core_toys:
            ctx.log(f"dm_limits: m_chi = {m:g} MeV, fit-core model {core_toys} toys x {core_grid.size} points")
            core_cv[m] = critical_values(with_dm, core_grid, n_toys=core_toys, seed=300 + k, workers=workers)
        s_cv = small_cv.get(m, small_cv[10.0])
        c_cv = core_cv.get(m, s_cv)  # --fast: the small model's critical values of 10 MeV
        s_lim = D.mass_limit(m, small_sig, backgrounds, small_data, s_cv, epsilon_ref=EPSILON_REF, mu_grid=fine)
        best, t_obs = C.profile_n_dm(with_dm, core_fine)
        c_lim = upper_limit(core_fine, t_obs, c_cv.at(core_fine))
        c_exp = upper_limit(core_fine, C.expected_profile(with_dm, core_fine), c_cv.at(core_fine))
        # N_DM of the core model counts events in 8-60 PE; ε and Y from the χ events in those bins
        eps = D.epsilon_limit(c_lim, core_sig.total, EPSILON_REF)
        limits[m] = dict(core=c_lim, core_best=best, expected=c_exp, small=s_lim.n_dm_limit, small_best=s_lim.n_dm_best,
                         y=D.y_value(eps, m, D.MASS_RATIO * m), n_ref=core_sig.total, t_obs=t_obs)
        pub = D.PUBLISHED_N_DM_90[m]
        which = "its own" if m in core_cv else "the small model's (--fast)"
        res.comparisons.append(Comparison(
            f"expected (median, background only) 90 % CL limit on N_DM at m_χ = {m:g} MeV, fit-core model + χ",
            "events", pub, None, SOURCE, c_exp, None, f"within a factor {FACTOR} of the published limit",
            pub / FACTOR <= c_exp <= pub * FACTOR,
            note="Asimov data set of n_dm = 0 with the nuisances profiled on the data, same critical values"))
        res.comparisons.append(Comparison(
            f"observed 90 % CL limit on N_DM at m_χ = {m:g} MeV, fit-core CsI 2021 model + χ", "events", pub, None,
            SOURCE, c_lim, None, "informational (see notes)", None,
            note=f"best fit N_DM = {best:.1f}; critical values: {which}; χ template {core_sig.total:.3g} events at "
                 f"ε = {EPSILON_REF:g}" + (f" (shape with an illustrative {ETA_PER_POT_FOR_SHAPE:g} η/POT)"
                                         if m > THRESHOLD_MASS else "")))
        res.comparisons.append(Comparison(
            f"90 % CL limit on N_DM at m_χ = {m:g} MeV, small model (cross-check)", "events", pub, None, SOURCE,
            s_lim.n_dm_limit, None, "informational", None,
            note=f"best fit N_DM = {s_lim.n_dm_best:.1f}; critical values "
                 + ("of 10 MeV (--fast)" if m not in small_cv else "its own")))
        for label, cv in (("small", small_cv.get(m)), ("fit core", core_cv.get(m))):
            if cv is not None:
                rows.append([f"{m:g}", label] + [f"{g:g}: {t:.2f} ± {e:.2f}" for g, t, e in
                                                 zip(cv.mu, cv.t_crit, cv.stat_error)])
    res.tables.append(("Feldman-Cousins critical values t_c(N_DM) at 90 % CL (N_DM: t_c ± toy error)",
                       ["m_χ [MeV]", "model", "critical values"], [[r[0], r[1], "; ".join(r[2:])] for r in rows]))
    if ctx.fast:
        res.not_run.append("fit-core pseudo-experiments and the mass independence of the critical values: --fast "
                           "uses the small model's critical values at 10 MeV for every mass")
    else:
        _mass_independence(res, core_cv)

    # --- Y exclusion curve (fit-core model, t_c of 10 MeV for every mass) -------------------------------------
    masses = np.unique(np.concatenate([np.geomspace(1.0, 44.0, ctx.n(2, 12)), [1.0, 10.0]]))
    t_c = core_cv.get(10.0, small_cv[10.0])
    ys = []
    for j, m in enumerate(masses):
        if m in limits:
            ys.append(limits[m]["y"])
            continue
        sig = D.dm_template(m, epsilon_ref=EPSILON_REF, n_events=n_dm, seed=200 + j, options=_options(m, ctx.fast),
                            binning=core_binning)
        _, t_obs = C.profile_n_dm(C.with_dm(core, sig), core_fine)
        lim = upper_limit(core_fine, t_obs, t_c.at(core_fine))
        ys.append(D.y_value(D.epsilon_limit(lim, sig.total, EPSILON_REF), m, D.MASS_RATIO * m))
    pub_y = {}
    for m in (1.0, 10.0):
        pub_y[m] = D.y_value(D.epsilon_limit(D.PUBLISHED_N_DM_90[m], limits[m]["n_ref"], EPSILON_REF), m,
                             D.MASS_RATIO * m)
        res.comparisons.append(Comparison(
            f"Y limit at m_χ = {m:g} MeV (α_D = 0.5, m_A′ = 3 m_χ)", "", pub_y[m], None,
            "published N_DM limit converted with simcoh's χ yield (the published Y curve is not in the project)",
            limits[m]["y"], None, "informational: differs from the published conversion only through N_DM", None))
    res.data.update(limits={m: v["core"] for m, v in limits.items()}, small={m: v["small"] for m, v in limits.items()},
                    y=dict(zip(masses, ys)))

    plt = pyplot()
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8.5, 8.2))
    for m, cv in list(core_cv.items()) + [(m, cv) for m, cv in small_cv.items() if m not in core_cv]:
        a1.errorbar(cv.mu, cv.t_crit, yerr=cv.stat_error, fmt="o-", ms=3,
                    label=f"t_c, m_χ = {m:g} MeV ({'fit core' if m in core_cv else 'small model'})")
    a1.axhline(2.706, color="k", ls=":", label="Wilks χ²(1) 90 %: 2.71")
    for m in FC_MASSES:
        a1.plot(core_fine, limits[m]["t_obs"], "-", lw=0.9, alpha=0.7, label=f"observed, {m:g} MeV")
    a1.set_ylim(0, 6)
    a1.set_xlabel("N_DM (χ events in 8-60 PE, 0-6 µs)")
    a1.set_ylabel("−2Δ ln L")
    a1.set_title("FC critical values and observed −2Δ ln L (fit-core CsI 2021 model + χ)")
    legend_beside(a1, fontsize=7)
    a2.plot(masses, ys, "o-", label="simcoh: CsI 2021 data, FC 90 % CL")
    a2.plot(list(pub_y), list(pub_y.values()), "kv", ms=8, label="published N_DM < 18 / 27 → Y with simcoh's χ yield")
    a2.set_xscale("log")
    a2.set_yscale("log")
    a2.set_xlabel("m_χ [MeV]")
    a2.set_ylabel("Y = ε² α_D (m_χ/m_A′)⁴")
    a2.set_title("90 % CL exclusion (α_D = 0.5, m_A′ = 3 m_χ, scalar χ, η off)")
    legend_beside(a2, fontsize=7)
    fig.tight_layout()
    path = ctx.plotdir / "dm_limits.png"
    save_figure(fig, path)
    plt.close(fig)
    res.plots.append((f"plots/{path.name}", "Top: Feldman-Cousins critical values with the observed −2Δ ln L of the "
                      "fit-core CsI 2021 model plus χ; bottom: the Y exclusion curve with the published N_DM limits "
                      "converted to Y through simcoh's χ yield."))
    res.notes.append(
        "Expected against observed: with the fit-core model the median expected limit (background-only Asimov data) "
        "is close to the published limits, while the observed limits come out 1.4-5 times lower. The fit-core model "
        "frees the CEvNS normalisation (the data prefer ≈ 0.8 of simcoh's SM prediction, the steady state ≈ 1.12) and "
        "has 0.125-µs bins over the prompt peak, where the released events fall below the background-only "
        "expectation (42 events against 52 expected in 0.375-0.5 µs): a prompt χ signal meets a prompt deficit, "
        "and the FC construction turns a deficit into a tight limit. The small model (CEvNS constrained to 12.9 %, "
        "0.5-µs bins, no shape systematics) gives limits of 35-37 (full run). The published analysis had systematics simcoh "
        "does not model (beam timing, light-yield variations) and its own binning. Masses above 44 MeV need η "
        "production (docs/dm-limits.md).")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()


def _mass_independence(res, cvs) -> None:
    masses = list(cvs)
    tc = np.array([cvs[m].t_crit for m in masses])
    err = np.array([cvs[m].stat_error for m in masses])
    spread = np.max(np.abs(tc - tc.mean(axis=0)) / np.sqrt(err**2 + 1e-12), axis=0)
    res.comparisons.append(Comparison(
        "t_c(N_DM) mass independence (fit-core model): largest deviation from the mean of three masses", "toy σ",
        0.0, None, SOURCE + " (critical values found independent of mass)", float(np.max(spread[1:])), None,
        "< 3 toy standard errors at every N_DM > 0", bool(np.all(spread[1:] < 3.0)),
        note="at N_DM = 0 the quantile sits on the boundary spike of t = 0 and its error estimate is unreliable"))

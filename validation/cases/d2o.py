"""COH-D2O flux normalisation (COHERENT, JINST 16 (2021) P08048, arXiv:2104.09605): from the simulated νe d → e⁻pp
rate, the νe fluence and its uncertainty (statistical from the expected count over two nominal SNS years, 14 GWh,
the cross-section theory uncertainty, and the νe ¹⁶O CC background on the oxygen of the heavy water subtracted
with its assumed 30 %), against the design paper's "better than 5 % statistical in 2 years".

simcoh has no efficiency, cosmic or beam-neutron background or PMT model for d2o, so its count is an upper bound;
the comparison is one-sided. Checks: the fluence recovered from the expected count equals the source's; the
Michel-averaged ¹⁶O cross section of the KLV table equals that of the independent fit of Tomàs et al.; the mean
electron energy of sampled events equals a quadrature.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import published as P
from ..common import CaseResult, Comparison

KEY = "d2o"
TITLE = "COH-D2O: νe d charged current and the flux normalisation"
MACRO = "/detector/load d2o\n/process/disable cevns\n/process/enable d2o_cc\n/process/enable d2o_es\n" \
        "/process/enable o16_cc\n/run/exposure 14 GWh\n/run/beamOn {n}\n"


def run(ctx) -> CaseResult:
    from simcoh.generate import TruthGenerator
    from simcoh.macro import load_macro_text
    from simcoh.physics.deuteron import flux_normalisation, flux_normalisation_with_oxygen, q_value_mev
    from simcoh.source.flux import flux_per_cm2

    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    n_sample = ctx.n(20_000, 200_000)
    cfg = load_macro_text(MACRO.format(n=n_sample), seed=ctx.seed).config
    gen = TruthGenerator.from_run_config(cfg)
    cc = gen.processes["d2o_cc"]
    o16 = gen.processes["o16_cc"]
    n_cc, n_es, n_o16 = gen.expected["d2o_cc"], gen.expected["d2o_es"], gen.expected["o16_cc"]
    norm = flux_normalisation(n_cc, cc.n_deuterons, cc.sigma_avg_cm2, cc.sigma_rel_unc)
    # CC events on d and 16O are not told apart and see one flux: Φ = N / (N_d σ_d + N_O σ_O)
    with_o16 = {u: flux_normalisation_with_oxygen(n_cc + n_o16, cc.n_deuterons, cc.sigma_avg_cm2, u, o16.n_o16,
                                                  o16.sigma_avg_cm2, o16.sigma_rel_unc)
                for u in (cc.sigma_rel_unc, *P.ND_XS_THEORY_100MEV)}
    fluence = flux_per_cm2(cfg.exposure_pot, cfg.source.nu_per_flavour_per_pot, 2000.0)

    q = P.D2O_Q_MEV
    res.comparisons.append(Comparison("νe d → e⁻pp threshold Q", "MeV", q.value, q.unc, q.source, q_value_mev(), 0.0,
                                      "|Δ| ≤ 10 keV", abs(q_value_mev() - q.value) <= 0.01))
    from simcoh.physics import oxygen16

    q16 = P.O16_Q_MEV
    res.comparisons.append(Comparison("νe ¹⁶O → e⁻ ¹⁶F threshold Q", "MeV", q16.value, q16.unc, q16.source,
                                      oxygen16.q_value_mev(), 0.0, "|Δ| ≤ 10 keV",
                                      abs(oxygen16.q_value_mev() - q16.value) <= 0.01))
    fit = P.O16_FIT
    fit_avg = _michel_average(lambda e: fit["sigma0_cm2"] * max(e ** fit["a"] - fit["e0_mev"] ** fit["a"], 0.0)
                              ** fit["b"], fit["e0_mev"])
    res.comparisons.append(Comparison(
        "Michel-averaged νe ¹⁶O CC cross section", "1e-42 cm²", 1e42 * fit_avg, None, P.O16_FIT_SOURCE,
        1e42 * o16.sigma_avg_cm2, 0.0, "|Δ| ≤ 2 % (the fit's quality)", abs(o16.sigma_avg_cm2 / fit_avg - 1) <= 0.02,
        note="simcoh: the KLV table (PRD 66, 013007), log-interpolated; both are the same calculation, fitted or "
             "tabulated"))
    res.comparisons.append(Comparison(
        "statistical uncertainty of the νe flux, 2 years (14 GWh)", "%", 100 * P.D2O_STAT_2YR_MAX, None, P.D2O_PAPER,
        100 * norm.rel_stat, 0.0, "simcoh ≤ 5 % (the paper's bound; simcoh has no efficiency: an upper bound on N)",
        norm.rel_stat <= P.D2O_STAT_2YR_MAX,
        note=f"N = {n_cc:.0f} νe d CC events, √N/N; with the {100 * cc.sigma_rel_unc:.0f} % cross-section "
             f"uncertainty: {100 * norm.rel_total:.1f} % in all"))
    res.comparisons.append(Comparison(
        "νe fluence recovered from the expected count, N/(N_d ⟨σ⟩)", "ν cm⁻²", fluence, None,
        "source model: 0.0848 νe/POT over 4π (20 m)², 14 GWh of 1 GeV protons (arXiv:2109.11049)",
        norm.flux_per_cm2, 0.0, "|Δ|/Φ ≤ 1e-6", abs(norm.flux_per_cm2 / fluence - 1) <= 1e-6))

    # sampled: the mean electron energy of the generated events against the σ-weighted Michel mean − Q
    ev = gen.generate(0, n_sample)
    cc_ev = np.asarray(ev["process"]) == 5
    te = np.asarray(ev["t_e_mev"])[cc_ev]
    from scipy import integrate

    from simcoh.source.spectra import michel_nu_e_pdf

    tab = cc.table
    w = lambda e: float(michel_nu_e_pdf(e) * np.interp(e, tab.e_nu_mev, tab.sigma_cm2))  # noqa: E731
    knots = list(tab.e_nu_mev[tab.e_nu_mev < 52.83])
    norm_w = integrate.quad(w, tab.e_nu_mev[0], 52.83, points=knots, limit=400)[0]
    mean_e = integrate.quad(lambda e: e * w(e), tab.e_nu_mev[0], 52.83, points=knots, limit=400)[0] / norm_w
    expected_te = mean_e - q_value_mev()
    err = float(te.std() / math.sqrt(te.size))
    res.comparisons.append(Comparison(
        "mean electron kinetic energy of sampled CC events", "MeV", expected_te, None,
        "quadrature of the σ-weighted Michel spectrum (NSGK table, nucl-th/0009012), minus Q", float(te.mean()), err,
        "|Δ| ≤ 4 standard errors", abs(te.mean() - expected_te) <= 4 * err))
    res.tables.append(("COH-D2O, two nominal SNS years (14 GWh), 592 kg at 20 m, no efficiency or background",
                       ["quantity", "value"],
                       [["flux-averaged ⟨σ⟩ (νe d CC)", f"{cc.sigma_avg_cm2:.3e} cm²"],
                        ["deuterons", f"{cc.n_deuterons:.4e}"],
                        ["νe d CC events", f"{n_cc:.0f}"],
                        ["ν-e elastic events above the Cherenkov threshold", f"{n_es:.1f}"],
                        ["νe ¹⁶O CC events (same signature, T_e ≤ Eν − 15.4 MeV)", f"{n_o16:.0f}"],
                        ["flux uncertainty, d2o_cc alone: stat / cross section / total",
                         f"{100 * norm.rel_stat:.1f} % / {100 * norm.rel_xs:.1f} % / {100 * norm.rel_total:.1f} %"]]))
    res.tables.append((
        "Flux normalisation Φ = N/(N_d ⟨σ_d⟩ + N_O ⟨σ_O⟩) from d2o_cc + o16_cc, 2 years, no efficiency",
        ["νe d theory uncertainty", "Φ (νe cm⁻²)", "stat", "νe d σ", "¹⁶O σ (30 %)", "total"],
        [[f"{100 * u:.0f} %" + (" (NSGK table)" if u == cc.sigma_rel_unc else f" ({P.ND_XS_THEORY_SOURCE})"),
          f"{r.flux_per_cm2:.4e}", f"{100 * r.rel_stat:.1f} %", f"{100 * r.rel_xs:.1f} %",
          f"{100 * r.rel_background:.1f} %", f"{100 * r.rel_total:.1f} %"] for u, r in with_o16.items()]))
    res.notes.append("The design paper's event count, efficiency and backgrounds were not retrieved; its abstract's "
                     "'better than 5 % in 2 years' (≥ 400 selected events) is the only published number compared. "
                     "Its goal of 2–3 % on the flux is for the two-module system, not this module alone.")
    res.tables.append(_energy_cut_table(cc, o16, n_cc, n_o16))
    r1 = with_o16[cc.sigma_rel_unc]
    res.notes.append(f"The ¹⁶O CC events are {100 * n_o16 / n_cc:.1f} % of the deuteron signal and scale with the same "
                     f"flux; its cross section's assumed 30 % adds {100 * r1.rel_background:.1f} % to the flux error "
                     f"(statistics of two years: {100 * r1.rel_stat:.1f} %). Its electrons are softer "
                     "(T_e ≤ Eν − 15.4 MeV), but its steep σ(Eν) weights the top of the Michel spectrum, so an "
                     "electron-energy cut removes it only slowly (table above); none is applied to the flux numbers.")
    res.data.update(n_cc=n_cc, n_es=n_es, n_o16=n_o16, rel_stat=norm.rel_stat, rel_total=norm.rel_total,
                    rel_total_with_o16={u: r.rel_total for u, r in with_o16.items()})
    res.runtime_s = time.perf_counter() - t0
    return res.finish()


def _energy_cut_table(cc, o16, n_cc: float, n_o16: float):
    """Signal and ¹⁶O background kept by a cut T_e ≥ t (T_e = Eν − Q for both), from quadratures of the σ-weighted
    Michel spectrum, and the resulting flux uncertainty (stat, νe d σ of the table, ¹⁶O at its uncertainty)."""
    sd, so = (lambda e: float(cc.table.sigma(e))), (lambda e: float(o16.table.sigma(e)))
    d0, o0 = _michel_average(sd, cc.table.e_nu_mev[0]), _michel_average(so, o16.table.e_nu_mev[0])
    rows = []
    for t in (0.0, 20.0, 25.0, 30.0):
        fd = _michel_average(lambda e: sd(e) * (e - cc.q_mev >= t), cc.table.e_nu_mev[0]) / d0
        fo = _michel_average(lambda e: so(e) * (e - o16.q_mev >= t), o16.table.e_nu_mev[0]) / o0
        s, b = n_cc * fd, n_o16 * fo
        # both channels scale with the flux measured: Φ = (s + b)/(rates); shares s/(s + b), b/(s + b)
        stat, bkg, xs = 1 / math.sqrt(s + b), o16.sigma_rel_unc * b / (s + b), cc.sigma_rel_unc * s / (s + b)
        rows.append([f"{t:g}", f"{fd:.3f}", f"{fo:.3f}", f"{100 * b / s:.1f} %", f"{100 * stat:.1f} %",
                     f"{100 * bkg:.1f} %", f"{100 * math.sqrt(stat**2 + bkg**2 + xs**2):.1f} %"])
    return ("Electron-energy cut T_e ≥ t (quadrature; 2 years, no other efficiency)",
            ["t (MeV)", "d2o_cc kept", "o16_cc kept", "¹⁶O / d2o_cc", "stat", "¹⁶O (30 %)", "total"], rows)


def _michel_average(sigma, e_min_mev: float) -> float:
    """∫ φ_Michel σ dEν over [e_min, m_μ/2] by quadrature (φ normalised to 1)."""
    from scipy import integrate

    m_mu = 105.6583755  # PDG
    return integrate.quad(lambda e: 192.0 / m_mu * (e / m_mu) ** 2 * (0.5 - e / m_mu) * sigma(e), e_min_mev,
                          m_mu / 2, limit=200)[0]

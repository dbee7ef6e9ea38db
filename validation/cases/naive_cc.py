"""Case: ¹²⁷I(νe, e⁻)¹²⁷Xe charged current in NaIvE-185 against the COHERENT measurement (arXiv:2305.19594).

simcoh's ``i127_cc`` process is normalised to the measured flux-averaged cross section, so the case checks that
the pipeline carries it through: the ⟨σ⟩ recovered from a run of the production macro (Σ weights / Φ_νe N_I),
the expected yearly count against the count the measured ⟨σ⟩ implies for the detector (computed here from the
SNS beam, the distance and the NaI molar mass, not from simcoh), and the zero-neutron / ≥1-neutron split against
the measured exclusive cross sections. The visible (reconstructed) energy goes through the geometry's
``[electron_response]`` (resolution, containment, the published 10–55 MeV window): the count in the window and
the visible spectrum are compared with a quadrature done here (Michel νe spectrum × the two-level σ × the
Gaussian probability of each bin). The MARLEY prediction and the LAMPF bound-state measurement are
informational rows; the paper's own predicted and measured counts and its exposure in POT were not
retrievable (docs/naive-cc.md), so no count is compared with the paper's.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import integrate, stats

from .. import published as P
from ..common import CaseResult, Comparison, simulate, weighted_sum

KEY = "naive_cc"
TITLE = "127I charged current in NaIvE-185 (arXiv:2305.19594)"
MACRO = "production/nai-185kg-i127cc.mac"
TOL_REL = 0.01  # criterion for the normalisation checks: 1 % (sub-bin integration of the source spectrum)

NU_PER_POT = 0.0848  # ν per flavour per POT at the SNS (COHERENT flux paper, arXiv:2109.11049)
_AVOGADRO = 6.02214076e23
_JOULE_PER_GWH = 3.6e12
_EV_J = 1.602176634e-19
_MUON_MASS_MEV = 105.6583755  # PDG 2022
SPECTRUM_EDGES_MEV = (0.0, 10.0, 20.0, 30.0, 40.0, 55.0, 80.0)


def _michel(e_mev):
    x = e_mev / _MUON_MASS_MEV
    return 192.0 / _MUON_MASS_MEV * x**2 * (0.5 - x)


def visible_shares(xs, q_mev: float, response, edges=SPECTRUM_EDGES_MEV) -> np.ndarray:
    """Share of the CC events per visible-energy bin by quadrature: Σ_k ∫ φ_Michel σ_k P(bin | E_dep) dEν / ⟨σ⟩,
    E_dep = Eν − Q (bound level: electron + γ) or Eν − Q − E_x (neutron level);
    E_vis ~ N(c E_dep, c E_dep σ/E)."""
    e_max = _MUON_MASS_MEV / 2
    c, a, b = response.containment, response.stochastic, response.constant
    shifts = (0.0, xs.ex_mev[1])
    total = sum(integrate.quad(lambda e, k=k: _michel(e) * float(xs.sigma_cm2(e, level=k)), xs.threshold_mev(k),
                               e_max, limit=200)[0] for k in range(2))
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        part = 0.0
        for k in range(2):
            def f(e, k=k):
                m = c * (e - q_mev - shifts[k])
                s = m * math.sqrt(a * a / m + b * b) if m > 0 else 1e-12
                return _michel(e) * float(xs.sigma_cm2(e, level=k)) * (stats.norm.cdf((hi - m) / s)
                                                                       - stats.norm.cdf((lo - m) / s))
            part += integrate.quad(f, xs.threshold_mev(k) + 1e-9, e_max, limit=200)[0]
        out.append(part / total)
    return np.array(out)


def implied_count(sigma_cm2: float, beam_gwh: float, proton_gev: float, nu_per_pot: float, distance_m: float,
                  mass_kg: float) -> float:
    """Events = σ · Φ_νe · N(¹²⁷I) by hand: POT = E_beam / E_p, Φ = r POT / 4πL², N = m / M(NaI) · N_A
    (M(NaI) = 22.98977 + 126.90447 g/mol, IUPAC standard atomic weights; ¹²⁷I is 100 % of iodine)."""
    pot = beam_gwh * _JOULE_PER_GWH / (proton_gev * 1e9 * _EV_J)
    phi = nu_per_pot * pot / (4.0 * math.pi * (distance_m * 100.0) ** 2)
    n_i = mass_kg * 1000.0 / (22.98977 + 126.90447) * _AVOGADRO
    return sigma_cm2 * phi * n_i


def run(ctx) -> CaseResult:
    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    n = ctx.n(20_000, 200_000)
    sim = simulate(ctx, MACRO, [f"run/beamOn={n}"])  # parametric: the [electron_response] of the geometry
    proc = sim.prepared.generator.processes["i127_cc"]
    ev = sim.events
    w = ev["weight"]
    count, count_stat = weighted_sum(w)
    phi_n = proc.expected / proc.sigma_avg_cm2  # simcoh's Φ_νe × N(127I) for the run
    sigma_run = count / phi_n
    beam_gwh = sim.config.exposure_pot * 1e9 * _EV_J / _JOULE_PER_GWH  # 1 GeV protons
    implied = implied_count(P.I127_CC_SIGMA.value * 1e-40, 7.0, 1.0, NU_PER_POT, 28.0, 185.0)
    implied_unc = implied * P.I127_CC_SIGMA.unc / P.I127_CC_SIGMA.value

    res.comparisons.append(Comparison(
        "⟨σ⟩ recovered from the run (Σ w / Φ N_I)", "1e-40 cm²", P.I127_CC_SIGMA.value, P.I127_CC_SIGMA.unc,
        P.I127_CC_SIGMA.source, sigma_run * 1e40, 0.0, f"within {TOL_REL:.0%} (the model is normalised to it)",
        abs(sigma_run * 1e40 / P.I127_CC_SIGMA.value - 1.0) < TOL_REL))
    res.comparisons.append(Comparison(
        "CC events in NaIvE-185, nominal SNS year (7.0 GWh, 28 m, 185 kg)", "events", implied, implied_unc,
        "measured ⟨σ⟩ × Φ_νe × N(127I), by hand", count, count_stat, f"within {TOL_REL:.0%}",
        abs(count / implied - 1.0) < TOL_REL, note=f"beam {beam_gwh:.2f} GWh"))
    neutron = ev["n_neutrons"] == 1
    for label, sel, pub in (("σ, zero-neutron channel", ~neutron, P.I127_CC_SIGMA_0N),
                            ("σ, ≥1-neutron channel", neutron, P.I127_CC_SIGMA_1N)):
        part, part_stat = weighted_sum(np.where(sel, w, 0.0))
        sim_sigma = part / phi_n * 1e40
        res.comparisons.append(Comparison(
            label, "1e-40 cm²", pub.value, pub.unc, pub.source, sim_sigma, part_stat / phi_n * 1e40,
            "within the published 1σ", abs(sim_sigma - pub.value) < pub.unc,
            note="simcoh splits the inclusive 9.2 as 5.2 : 2.2"))
    marley = implied_count(P.I127_CC_MARLEY.value * 1e-40, 7.0, 1.0, NU_PER_POT, 28.0, 185.0)
    res.comparisons.append(Comparison(
        "CC events per nominal year with the MARLEY cross section", "events", marley, None, P.I127_CC_MARLEY.source,
        count, count_stat, "informational", None, note="the measurement is 41 % below MARLEY"))
    bound = float(np.sum(np.where(~neutron, w, 0.0))) / phi_n * 1e40
    res.comparisons.append(Comparison(
        "σ to bound 127Xe states (LAMPF radiochemical)", "1e-40 cm²", P.I127_CC_LAMPF.value, P.I127_CC_LAMPF.unc,
        P.I127_CC_LAMPF.source, bound, 0.0, "informational", None,
        note="LAMPF counts 127Xe atoms; COHERENT's 0n value 5.2 (+3.4 −3.1) is consistent with both"))

    resp = sim.config.detector.electron_response
    lo, hi = resp.window_mev
    e_vis = ev["e_rec_kevee"] / 1e3
    shares = visible_shares(proc.xs, proc.xs.q_mev, resp)
    edges = np.array(SPECTRUM_EDGES_MEV)
    in_win = (edges[:-1] >= lo) & (edges[1:] <= hi)
    share = float(shares[in_win].sum())
    windowed = float(np.sum(w * ev["eff_energy"]))
    win_stat = float(math.sqrt(np.sum((w * ev["eff_energy"]) ** 2)))
    expected_win = implied * share * resp.efficiency
    tol_win = 4.0 * win_stat + TOL_REL * expected_win
    res.comparisons.append(Comparison(
        f"CC events with visible energy in the published window {lo:g}–{hi:g} MeV, nominal year", "events",
        expected_win, None, "by hand count × window share by quadrature (Michel × σ × Gaussian resolution); window "
        "from " + P.NAIVE, windowed, win_stat, "within 4 stat + 1 %", abs(windowed - expected_win) < tol_win,
        note=f"window share {share:.4f}; resolution a = {resp.stochastic:g} √MeV, b = {resp.constant:g}, "
             f"containment {resp.containment:g}, efficiency {resp.efficiency:g} (proxies/assumptions)"))
    (P.I127_CC_WINDOW_MEV == (lo, hi)) or res.notes.append(
        f"the geometry's window {lo:g}–{hi:g} MeV differs from the published {P.I127_CC_WINDOW_MEV}")
    n_ev = len(e_vis)
    got = np.histogram(e_vis, edges)[0] / n_ev
    shape_ok = bool(np.all(np.abs(got - shares) < 4 * np.sqrt(shares * (1 - shares) / n_ev) + 0.003))
    res.comparisons.append(Comparison(
        "visible spectrum shape: largest |share − quadrature| over the bins of the table below", "",
        0.0, None, "quadrature (this case)", float(np.max(np.abs(got - shares))), None,
        "every bin within 4 binomial σ + 0.003", shape_ok))
    total_year = float(w.sum())
    res.tables.append((f"Visible energy (electron + γ through [electron_response]) of the CC events per nominal "
                       f"year; simcoh vs quadrature ({n_ev:,} events)", ["E_vis [MeV]", "simcoh", "quadrature"],
                       [[f"{a:g}–{b:g}", f"{g * total_year:.2f}", f"{x * implied:.2f}"]
                        for a, b, g, x in zip(edges[:-1], edges[1:], got, shares)]))
    res.notes.append(f"Five-year exposure (the paper's '{P.I127_CC_EXPOSURE_YEARS}-year' exposure) at the assumed "
                     f"nominal 7.0 GWh per year: {P.I127_CC_EXPOSURE_YEARS * windowed:.0f} CC events in the window "
                     "(a projection: the published POT and counts were not retrievable).")

    e_dep = ev["e_dep_mev"]
    mean, err = float(np.average(e_dep, weights=w)), float(np.std(e_dep) / math.sqrt(len(e_dep)))
    rows = [[f"{lo:g}–{hi:g}", f"{float(np.sum(w[(e_dep >= lo) & (e_dep < hi)])):.2f}"]
            for lo, hi in ((0, 10), (10, 20), (20, 30), (30, 40), (40, 55))]
    res.tables.append((f"Deposited energy (electron + γ, full containment) of the CC events per nominal year; mean "
                       f"{mean:.2f} ± {err:.2f} MeV ({len(e_dep):,} events)", ["E_dep [MeV]", "events"], rows))
    res.notes.append("The cross-section shape is a documented two-level approximation (docs/naive-cc.md); the MeV "
                     "resolution terms are proxies (NaI[Tl] at 662 keV; a segmented crystal array at 70 MeV), "
                     "containment and efficiency are assumptions, and the NaI[Tl] non-linearity is not modelled; "
                     "the spectrum comparison checks the pipeline against an independent integral, not the "
                     "published spectrum (not retrievable).")
    res.data.update(count=count, implied=implied, sigma_run=sigma_run, mean_e_dep=mean, windowed=windowed,
                    window_share=share)
    res.runtime_s = time.perf_counter() - t0
    return res.finish()

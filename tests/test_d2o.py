"""COH-D2O and the nu_e d -> p p e- process (d2o_cc): threshold, Frank-Tamm yield, flux-averaged cross section and
expected count against independent hand calculations, the sampled kinematics, and clear errors.

Most checks use a power-law test table, sigma = C (E - Q)^2, whose flux average has an independent integral; the
shipped NSGK table (nucl-th/0009012) is checked against the numbers of its source and the published expectation of
the design paper (arXiv:2104.09605).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from simcoh.errors import InputError
from simcoh.generate import TruthGenerator
from simcoh.macro import load_macro_text
from simcoh.physics import cherenkov
from simcoh.physics.deuteron import builtin_xs_table, flux_normalisation, q_value_mev, read_xs_table

MU_MEV = 105.6583755  # PDG muon mass
Q_HAND = 1.4422  # MeV: 2 x 1.007825032 u - 2.014101778 u = 0.001548286 u x 931.494 MeV/u (AME2020 atomic masses)
C_XS = 1e-42  # test table: sigma = C (E - Q)^2 cm^2


def power_table(tmp_path, e_max=60.0, n=2000, unc=0.03):
    e = np.linspace(Q_HAND, e_max, n)
    path = tmp_path / "xs.txt"
    rows = "\n".join(f"{x:.6f} {C_XS * (x - Q_HAND) ** 2:.9e} {unc}" for x in e)
    path.write_text("# test input: sigma = 1e-42 (E - 1.4422)^2 cm2\n" + rows + "\n")
    return path


def macro(table, extra="", detector="d2o"):
    return (f"/detector/load {detector}\n/process/disable cevns\n/process/enable d2o_cc\n"
            f"/process/d2o_cc/xsTable {table}\n/process/d2o_cc/coverage 0.1\n"
            f"/process/d2o_cc/quantumEfficiency 0.25\n{extra}/run/beamOn 4000\n")


def michel(e):  # nu_e from mu+ decay at rest, normalised on [0, m_mu/2]
    x = e / MU_MEV
    return 192.0 / MU_MEV * x * x * (0.5 - x)


def test_threshold_from_atomic_masses():
    assert q_value_mev() == pytest.approx(Q_HAND, abs=1e-4)


def test_frank_tamm_against_pdg_and_hand_numbers():
    n = 1.33
    sin2 = 1 - 1 / n**2
    # PDG eq. 34.45: d2N/dE dx = 370 sin^2(theta_C) photons / (eV cm) for z = 1
    assert cherenkov.photons_per_ev_cm(n) / sin2 == pytest.approx(370.0, rel=2e-3)
    # 300-600 nm: 2 pi alpha sin^2 (1/300 nm - 1/600 nm) = 2 pi / 137.036 x 0.4347 x 16667 /cm = 332.2 /cm
    assert cherenkov.photons_per_cm(300, 600, n) == pytest.approx(332.2, rel=1e-3)
    # beta = 1/n: gamma = 1/sqrt(1 - 1/n^2) = 1.5168, T = 0.511 x 0.5168 = 0.2641 MeV
    assert cherenkov.threshold_kinetic_mev(n) == pytest.approx(0.2641, abs=2e-4)
    assert cherenkov.photons_per_cm(300, 600, 1.0) == 0.0


def test_flux_average_and_expected_count_by_independent_integrals(tmp_path):
    cfg = load_macro_text(macro(power_table(tmp_path))).config
    gen = TruthGenerator.from_run_config(cfg)
    proc = gen.processes["d2o_cc"]
    # <sigma> = int Michel(E) C (E - Q)^2 dE over [Q, m_mu/2], by quadrature of the analytic spectrum
    hand, _ = integrate.quad(lambda e: michel(e) * C_XS * (e - Q_HAND) ** 2, Q_HAND, MU_MEV / 2)
    assert proc.sigma_avg_cm2 == pytest.approx(hand, rel=2e-3)  # sub-bin midpoints and linear interpolation
    assert proc.sigma_rel_unc == pytest.approx(0.03, rel=1e-9)
    # deuterons in 592 kg of D2O (M = 2 x 2.014102 + 15.994915 = 20.023119 g/mol for pure 2H2 16O; the natural
    # oxygen isotopes make it 20.0276) x 2, fluence 0.0848 x POT / (4 pi (20 m)^2), 7.0 GWh of 1 GeV protons
    n_d = 2 * 592e3 / 20.0276 * 6.02214076e23
    pot = 7.0 * 3.6e12 / 1.602176634e-10
    fluence = 0.0848 * pot / (4 * math.pi * 2000.0**2)
    assert proc.n_deuterons == pytest.approx(n_d, rel=2e-4)
    assert gen.expected["d2o_cc"] == pytest.approx(fluence * n_d * hand, rel=3e-3)


def test_sampled_energy_time_and_light(tmp_path):
    cfg = load_macro_text(macro(power_table(tmp_path))).config
    gen = TruthGenerator.from_run_config(cfg)
    ev = gen.generate(0, 4000)
    n = len(ev["e_nu_mev"])
    e = np.asarray(ev["e_nu_mev"])
    # mean E_nu of the sigma-weighted Michel spectrum, by quadrature; tolerance 4 standard errors
    norm, _ = integrate.quad(lambda x: michel(x) * (x - Q_HAND) ** 2, Q_HAND, MU_MEV / 2)
    mean, _ = integrate.quad(lambda x: x * michel(x) * (x - Q_HAND) ** 2, Q_HAND, MU_MEV / 2)
    assert e.mean() == pytest.approx(mean / norm, abs=4 * e.std() / math.sqrt(n))
    te = np.asarray(ev["t_e_mev"])
    assert np.allclose(te, e - q_value_mev())  # energy conservation with the pp energy neglected
    ng = np.asarray(ev["n_cherenkov"])
    mu = cherenkov.photons_per_mev(300, 650) * (te - cherenkov.threshold_kinetic_mev())
    # Poisson: sum(ng - mu) has variance sum(mu)
    assert abs(np.sum(ng - mu)) < 4 * math.sqrt(np.sum(mu))
    npe = np.asarray(ev["n_pe_cherenkov"])
    p = 0.1 * 0.25
    assert abs(npe.sum() - p * ng.sum()) < 4 * math.sqrt(ng.sum() * p * (1 - p))
    # arrival: 690 ns pulse + tau_pi + tau_mu (delayed nu_e); sd of the sum ~ 2.2 us
    t = np.asarray(ev["t_ns"])
    assert t.mean() == pytest.approx(690.0 + 26.033 + 2196.98, abs=4 * t.std() / math.sqrt(n))


def test_flux_normalisation_by_hand():
    r = flux_normalisation(400.0, 4.0e28, 5.0e-41, 0.03)
    assert r.flux_per_cm2 == pytest.approx(400.0 / (4.0e28 * 5.0e-41))
    assert r.rel_stat == pytest.approx(0.05) and r.rel_total == pytest.approx(math.hypot(0.05, 0.03))
    r = flux_normalisation(500.0, 4.0e28, 5.0e-41, 0.0, n_background=100.0)
    assert r.rel_stat == pytest.approx(math.sqrt(500) / 400)


def test_bad_table_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("# E sigma unc\n10 1e-42 0.02\n20 oops 0.02\n")
    with pytest.raises(InputError) as info:
        read_xs_table(str(bad))
    d = info.value.diagnostics[0]
    assert (d.file, d.line) == (str(bad), 3) and "E_nu_MeV sigma_cm2" in d.expected
    bad.write_text("10 1e-42 0.02\n5 2e-42 0.02\n")
    with pytest.raises(InputError, match="out of range"):
        read_xs_table(str(bad))


def test_table_must_cover_the_spectrum(tmp_path):
    with pytest.raises(InputError, match="ends at 40 MeV"):
        TruthGenerator.from_run_config(load_macro_text(macro(power_table(tmp_path, e_max=40.0, n=50))).config)


def test_only_heavy_water_supports_d2o_cc(tmp_path):
    with pytest.raises(InputError) as info:
        load_macro_text(macro(power_table(tmp_path, n=50), detector="csi-2021"))
    assert any("process 'd2o_cc'" in d.message and "'csi-2021'" in d.message for d in info.value.diagnostics)


def test_coverage_and_qe_go_together(tmp_path):
    text = macro(power_table(tmp_path, n=50)).replace("/process/d2o_cc/coverage 0.1\n", "")
    with pytest.raises(InputError, match="coverage"):
        load_macro_text(text)


# --- the shipped cross section and the design paper ---------------------------------------------------------

#: sigma(nu_e d -> e- p p) in cm^2 at E_nu = 10, 20, 30, 40, 50 MeV, typed from the source transcription
#: (mschwen/sngen dat/xsect/Kubodera/xs_cc.dat, the NSGK table of nucl-th/0009012 as posted by its authors)
NSGK = {10.0: 2.708e-42, 20.0: 1.567e-41, 30.0: 4.130e-41, 40.0: 8.141e-41, 50.0: 1.376e-40}

D2O_MACRO = "/detector/load d2o\n/process/disable cevns\n/process/enable d2o_cc\n/run/beamOn 10\n"


def test_shipped_table_against_its_source():
    t = builtin_xs_table()
    for e, sigma in NSGK.items():
        assert t.sigma(e) == pytest.approx(sigma, rel=1e-12)
    assert t.sigma(10.1) == pytest.approx(0.5 * (2.708e-42 + 2.856e-42), rel=1e-12)  # linear between 10.0 and 10.2
    assert t.sigma(1.4) == 0.0 and t.e_nu_mev[0] > q_value_mev()  # nothing below the threshold
    assert np.all(t.rel_unc == 0.01)  # nucl-th/0201062: 1 %


def test_flux_averaged_nsgk_cross_section_by_quadrature():
    gen = TruthGenerator.from_run_config(load_macro_text(D2O_MACRO).config)
    t = builtin_xs_table()
    hand, _ = integrate.quad(lambda e: michel(e) * np.interp(e, t.e_nu_mev, t.sigma_cm2), t.e_nu_mev[0],
                             MU_MEV / 2, points=list(t.e_nu_mev[t.e_nu_mev < MU_MEV / 2]), limit=400)
    assert gen.processes["d2o_cc"].sigma_avg_cm2 == pytest.approx(hand, rel=2e-3)


def test_two_year_count_meets_the_design_expectation():
    """arXiv:2104.09605: better than 5 % statistical uncertainty on the flux in 2 years, i.e. at least 400 events.
    simcoh has no efficiency or background for d2o, so its count is an upper bound: it must exceed 400 in two
    nominal SNS years (2 x 7.0 GWh); the flux normalisation then carries sqrt(N)/N and the 1 % theory error."""
    gen = TruthGenerator.from_run_config(load_macro_text(D2O_MACRO.replace("/run/beamOn", "/run/exposure 14 GWh\n"
                                                                            "/run/beamOn")).config)
    p = gen.processes["d2o_cc"]
    n = gen.expected["d2o_cc"]
    assert n > 400
    r = flux_normalisation(n, p.n_deuterons, p.sigma_avg_cm2, p.sigma_rel_unc)
    assert r.rel_stat < 0.05 and r.rel_xs == 0.01
    # the measured fluence equals the source's: 0.0848 nu_e/POT over 4 pi (20 m)^2, 14 GWh of 1 GeV protons
    pot = 14.0 * 3.6e12 / 1.602176634e-10
    assert r.flux_per_cm2 == pytest.approx(0.0848 * pot / (4 * math.pi * 2000.0**2), rel=1e-9)


def test_photons_only_without_coverage():
    gen = TruthGenerator.from_run_config(load_macro_text(D2O_MACRO).config)
    ev = gen.generate(0, 10)
    assert np.all(np.asarray(ev["n_pe_cherenkov"]) == -1) and np.all(np.asarray(ev["n_cherenkov"]) > 0)


# --- nu-e elastic scattering in the heavy water (d2o_es) ------------------------------------------------------

from simcoh.physics import electron_scattering as es  # noqa: E402

ME = 0.51099895
ES_MACRO = "/detector/load d2o\n/process/disable cevns\n/process/enable d2o_es\n/run/beamOn 10\n"


def test_es_couplings_and_prefactor_by_hand():
    s2 = 0.23857
    assert es.couplings("nu_e") == pytest.approx((0.5 + 2 * s2, 0.5))
    assert es.couplings("nu_mu_bar") == pytest.approx((-0.5 + 2 * s2, 0.5))
    # G_F^2 m_e / 2 pi (hbar c)^2 = (1.1663788e-11)^2 x 0.51099895 / 2 pi x (1.973269804e-11 cm)^2
    assert es.PREFACTOR_CM2_PER_MEV == pytest.approx(4.3082e-45, rel=1e-4)


@pytest.mark.parametrize("flavour", ["nu_e", "nu_mu", "nu_mu_bar", "nu_e_bar"])
def test_es_closed_form_against_quadrature(flavour):
    gv, ga = es.couplings(flavour)
    for e in (5.0, 29.79, 52.8):
        hand, _ = integrate.quad(lambda t: float(es.dsigma_dt_cm2_per_mev(e, t, gv, ga)), 0.3, float(es.t_max_mev(e)))
        assert float(es.sigma_cm2(e, gv, ga, 0.3)) == pytest.approx(hand, rel=1e-9)


def test_es_expected_count_and_kinematics():
    gen = TruthGenerator.from_run_config(load_macro_text(ES_MACRO.replace("beamOn 10", "beamOn 6000")).config)
    p = gen.processes["d2o_es"]
    assert p.n_electrons == pytest.approx(10 * 592e3 / 20.0276 * 6.02214076e23, rel=2e-4)  # 10 e- per D2O
    # the nu_mu line: <sigma> by hand at 29.79 MeV above the Cherenkov threshold
    e_mu = (139.57039**2 - MU_MEV**2) / (2 * 139.57039)
    gv, ga = es.couplings("nu_mu")
    assert p.sigma_avg_cm2["nu_mu"] == pytest.approx(float(es.sigma_cm2(e_mu, gv, ga, 0.2641)), rel=1e-3)
    ev = gen.generate(0, 6000)
    e, t, c = (np.asarray(ev[k]) for k in ("e_nu_mev", "t_e_mev", "cos_theta_e"))
    # momentum conservation: |p_nu - p_e|^2 = (E - T)^2 for the outgoing (massless) neutrino
    p_e = np.sqrt(t * t + 2 * ME * t)
    assert np.allclose(e * e + p_e * p_e - 2 * e * p_e * c, (e - t) ** 2, rtol=1e-9)
    # the line's mean electron energy against the quadrature of dsigma/dT; 4 standard errors
    line = np.asarray(ev["flavour"]) == 1
    w = lambda x: float(es.dsigma_dt_cm2_per_mev(e_mu, x, gv, ga))  # noqa: E731
    norm, _ = integrate.quad(w, 0.2641, float(es.t_max_mev(e_mu)))
    mean, _ = integrate.quad(lambda x: x * w(x), 0.2641, float(es.t_max_mev(e_mu)))
    tl = t[line]
    assert tl.mean() == pytest.approx(mean / norm, abs=4 * tl.std() / math.sqrt(tl.size))


def test_es_is_a_few_percent_of_the_cc_signal():
    """ES is a background of a few per cent: 18.7 vs 521 events a year (above the Cherenkov threshold)."""
    gen = TruthGenerator.from_run_config(load_macro_text(ES_MACRO.replace("d2o_es\n", "d2o_es\n"
                                                                          "/process/enable d2o_cc\n")).config)
    ratio = gen.expected["d2o_es"] / gen.expected["d2o_cc"]
    assert 0.01 < ratio < 0.1

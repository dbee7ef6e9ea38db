"""NUBE detectors (nube-pb, nube-fe): neutrino-induced neutrons (NIN) on a lead or iron shell, counted from the
physics chain N = Φ_νe · N_shield · ⟨σ_CC⟩ · m · P_detect and checked against hand calculations with
independently typed constants (AME2020 masses, CODATA atomic mass unit, SI GWh)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scipy import integrate

from simcoh.errors import InputError
from simcoh.physics.nin_xsec import flux_averaged_cm2, pb208_cc_sigma_cm2, pb208_cc_table
from simcoh.source.spectra import michel_nu_e_pdf
from simcoh.generate.truth import TruthGenerator
from simcoh.macro import load_macro, load_macro_text

ROOT = Path(__file__).resolve().parents[1]
U_KG = 1.66053906660e-27  # CODATA 2018 atomic mass unit
M_PB208_U = 207.9766525  # AME2020 atomic mass of 208Pb (Wang et al., Chin. Phys. C 45, 030003 (2021))
M_FE56_U = 55.9349356  # AME2020 atomic mass of 56Fe
POT_PER_GWH_AT_1GEV = 3.6e12 / 1.602176634e-10  # 1 GWh / (1 GeV per proton), exact SI


def hand_count(sigma_cm2: float, mass_kg: float, atom_u: float, p_detect: float, gwh: float = 7.0,
               distance_m: float = 20.0, nu_per_pot: float = 0.0848) -> float:
    """Yearly NIN count by hand: one nominal SNS year is 7.0 GWh at 1 GeV per proton."""
    phi_cm2 = nu_per_pot * gwh * POT_PER_GWH_AT_1GEV / (4.0 * math.pi * (distance_m * 100.0) ** 2)
    nuclei = mass_kg / (atom_u * U_KG)
    return phi_cm2 * nuclei * sigma_cm2 * 1.0 * p_detect


def expected(name: str, extra: str = "") -> dict:
    text = f"/detector/load {name}\n/process/enable nin\n/run/recoilMin 0 keV\n{extra}/run/beamOn\n"
    return TruthGenerator.from_run_config(load_macro_text(text, seed=1, output="x.h5").config).expected


M_MU_MEV = 105.6583755  # PDG 2022


def michel_nu_e(e_mev: float) -> float:
    """μ⁺ decay-at-rest νe spectrum per MeV, normalised (typed here, independent of simcoh.source)."""
    x = e_mev / M_MU_MEV
    return 192.0 / M_MU_MEV * x * x * (0.5 - x) if 0.0 <= x <= 0.5 else 0.0


def test_pb208_table_values_at_chosen_energies():
    # rows of the SNOwGLoBES tabulation of Engel, McLaughlin & Volpe, PRD 67, 013005 (2003): log10(E/GeV) and
    # σ/E in 1e-38 cm²/GeV; the 1n channel opens at 10.26 MeV (first non-zero row), the 2n channel at 20.7 MeV
    e30 = 10 ** -1.52301 * 1e3  # 29.997 MeV
    assert pb208_cc_sigma_cm2(e30, "1n") == pytest.approx(8.30197e-38 * e30 / 1e3, rel=1e-9)  # 2.490e-39 cm²
    assert pb208_cc_sigma_cm2(e30, "2n") == pytest.approx(1.01834e-38 * e30 / 1e3, rel=1e-9)  # 3.055e-40 cm²
    assert pb208_cc_sigma_cm2(10 ** -2.00309 * 1e3, "1n") == 0.0  # 9.93 MeV: below threshold
    assert pb208_cc_sigma_cm2(10 ** -1.98878 * 1e3, "1n") == pytest.approx(0.0111962e-38 * 10 ** -1.98878, rel=1e-9)
    assert pb208_cc_sigma_cm2(19.0, "2n") == 0.0


def test_flux_averaged_cross_sections_by_an_independent_integral():
    # adaptive quadrature over the table's own grid points against the module's fixed trapezoid grid
    e_grid = pb208_cc_table()[0]
    inside = e_grid[e_grid < M_MU_MEV / 2]
    for channel in ("1n", "2n"):
        value, _err = integrate.quad(lambda e: float(pb208_cc_sigma_cm2(e, channel)) * michel_nu_e(e), 0.0,
                                     M_MU_MEV / 2, points=inside[inside > 9.0], limit=2000)
        assert flux_averaged_cm2(channel, michel_nu_e_pdf, M_MU_MEV / 2) == pytest.approx(value, rel=1e-5)
    # magnitudes: 2.35e-39 (1n) and 1.34e-39 (2n); neutron-emitting total 3.68e-39 cm², against 3.62e-39 cm² for the
    # total CC cross section of Kolbe & Langanke, PRC 63, 025802 (2001), another calculation (agreement within 2 %)
    s1 = flux_averaged_cm2("1n", michel_nu_e_pdf, M_MU_MEV / 2)
    s2 = flux_averaged_cm2("2n", michel_nu_e_pdf, M_MU_MEV / 2)
    assert s1 == pytest.approx(2.346e-39, rel=1e-3) and s2 == pytest.approx(1.339e-39, rel=1e-3)
    assert (s1 + s2) == pytest.approx(3.62e-39, rel=0.03)


def test_yearly_lead_count_by_hand():
    # geometry: 1000 kg of lead as 208Pb, P = 0.1, 20 m; neutrons per νe and nucleus <σ_1n> + 2 <σ_2n> (quad)
    sigma_n = sum(m * integrate.quad(lambda e, c=c: float(pb208_cc_sigma_cm2(e, c)) * michel_nu_e(e), 9.0,
                                     M_MU_MEV / 2, limit=2000)[0] for m, c in ((1, "1n"), (2, "2n")))
    n = expected("nube-pb")["nin"]
    assert n == pytest.approx(hand_count(sigma_n, 1000.0, M_PB208_U, 0.1), rel=1e-4)
    assert n == pytest.approx(386.0, abs=0.5)  # Φ = 2.654e14 cm⁻², 2.896e27 nuclei, 3860 neutrons / yr


def test_yearly_iron_count_by_hand():
    # KARMEN 56Fe(νe, e⁻)56Co: 2.56e-40 cm² (Maschuw, Prog. Part. Nucl. Phys. 40, 183 (1998))
    n = expected("nube-fe")["nin"]
    assert n == pytest.approx(hand_count(2.56e-40, 1000.0, M_FE56_U, 0.1), rel=1e-6)


def test_count_scales_with_shield_and_exposure():
    base = expected("nube-pb")["nin"]
    assert expected("nube-pb", "/process/nin/leadMass 2000 kg\n")["nin"] == pytest.approx(2 * base, rel=1e-12)
    assert expected("nube-pb", "/run/exposure 14 GWh\n")["nin"] == pytest.approx(2 * base, rel=1e-12)


def test_constant_model_reproduces_kolbe_langanke_times_multiplicity():
    # /process/nin/crossSection constant: σ_CC = 3.62e-39 cm² (Kolbe & Langanke) x 1 neutron per interaction
    n = expected("nube-pb", "/process/nin/crossSection constant\n")["nin"]
    assert n == pytest.approx(hand_count(3.62e-39, 1000.0, M_PB208_U, 0.1), rel=1e-6)


def test_pb208_table_on_an_iron_shield_is_refused():
    with pytest.raises(InputError, match="208Pb table"):
        expected("nube-fe", "/process/nin/crossSection pb208-emv2003\n")


def test_iron_shield_without_its_own_cross_section_is_refused():
    text = "/detector/load csi-2021\n/process/enable nin\n/process/nin/shield Fe56\n/run/beamOn\n"
    with pytest.raises(InputError, match="sigmaCC"):
        TruthGenerator.from_run_config(load_macro_text(text, seed=1, output="x.h5").config)


def test_neutron_energies_follow_the_evaporation_spectrum(tmp_path):
    # E exp(-E/T) has mean 2T and variance 2T²; the 20 MeV cut-off removes e^-33 of it (T = 0.6 MeV)
    cfg = load_macro(ROOT / "macros" / "production" / "nube-pb-nin.mac", seed=7, output=str(tmp_path / "x.h5"),
                     set_overrides=["run/beamOn=20000", "run/recoilMin=0 keV"]).config
    gen = TruthGenerator.from_run_config(cfg)
    truth = gen.generate(0, gen.n_events)
    nin = np.asarray(truth["process"]) == 2
    assert nin.sum() > 10000
    e = np.asarray(truth["e_nu_mev"])[nin]
    t_mev = 0.6
    assert abs(e.mean() - 2 * t_mev) < 5 * math.sqrt(2) * t_mev / math.sqrt(e.size)
    # recoils never exceed the exact elastic maximum (for H1 nearly the full neutron energy)
    assert np.all(np.asarray(truth["t_nr_kev"])[nin] <= 1000.0 * e * (1 + 1e-9))


# AME2020 atomic mass excesses in keV (Wang et al., Chin. Phys. C 45, 030003 (2021)), typed from the table
DELTA_KEV = {"n": 8071.318, "H1": 7288.971, "Pb208": -21748.519, "Bi207": -20054.554, "Bi206": -20028.201,
             "Fe56": -60607.163, "Fe55": -57481.422, "Co56": -56040.518, "Co55": -54029.996}


def hand_threshold_mev(target: str, products: list[str], a_target: int) -> float:
    """Threshold from atomic mass excesses (the electrons balance), plus the recoil term E²/2M of a target at rest."""
    q_mev = (sum(DELTA_KEV[x] for x in products) - DELTA_KEV[target]) * 1e-3
    return q_mev + q_mev**2 / (2.0 * a_target * 931.49410242)


def test_cc_thresholds_from_atomic_mass_excesses():
    from simcoh.physics.cc_thresholds import cc_threshold_mev, separation_energy_mev

    assert cc_threshold_mev("Pb208", 1) == pytest.approx(hand_threshold_mev("Pb208", ["Bi207", "n"], 208), abs=1e-5)
    assert cc_threshold_mev("Pb208", 2) == pytest.approx(
        hand_threshold_mev("Pb208", ["Bi206", "n", "n"], 208), abs=1e-5)
    assert cc_threshold_mev("Fe56", 1) == pytest.approx(hand_threshold_mev("Fe56", ["Co55", "n"], 56), abs=1e-5)
    assert cc_threshold_mev("Fe56", 0, 1) == pytest.approx(hand_threshold_mev("Fe56", ["Fe55", "H1"], 56), abs=1e-4)
    # separation energies of the 56Co daughter: protons are freed below neutrons (5.85 vs 10.08 MeV)
    assert separation_energy_mev("Co56", "n") == pytest.approx(
        (DELTA_KEV["Co55"] + DELTA_KEV["n"] - DELTA_KEV["Co56"]) * 1e-3, abs=1e-5)
    assert separation_energy_mev("Co56", "p") == pytest.approx(
        (DELTA_KEV["Fe55"] + DELTA_KEV["H1"] - DELTA_KEV["Co56"]) * 1e-3, abs=1e-4)


def test_pb208_table_vanishes_below_the_mass_thresholds():
    # energy conservation: no 208Pb(νe, e⁻ Xn) below E_th; the table opens at 10.26 (1n) and 20.75 MeV (2n)
    from simcoh.physics.cc_thresholds import cc_threshold_mev
    from simcoh.physics.nin_xsec import channel_opening_mev

    for channel, n in (("1n", 1), ("2n", 2)):
        e_th = cc_threshold_mev("Pb208", n)
        assert channel_opening_mev(channel) >= e_th
        assert pb208_cc_sigma_cm2(e_th - 1e-6, channel) == 0.0
    assert channel_opening_mev("1n") == pytest.approx(10 ** -1.98878 * 1e3, rel=1e-5)


def test_threshold_helpers_reject_bad_arguments():
    from simcoh.physics.cc_thresholds import cc_threshold_mev, separation_energy_mev
    from simcoh.physics.nuclei import isotope_za

    with pytest.raises(ValueError, match="counts"):
        cc_threshold_mev("Pb208", -1)
    with pytest.raises(ValueError, match="'n' or 'p'"):
        separation_energy_mev("Co56", "alpha")
    with pytest.raises(InputError, match="AME2020"):
        isotope_za(26, 400)
    assert isotope_za(83, 207).name == "Bi207"

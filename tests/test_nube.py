"""NUBE detectors (nube-pb, nube-fe): neutrino-induced neutrons (NIN) on a lead or iron shell, counted from the
physics chain N = Φ_νe · N_shield · ⟨σ_CC⟩ · m · P_detect and checked against hand calculations with
independently typed constants (AME2020 masses, CODATA atomic mass unit, SI GWh)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from simcoh.errors import InputError
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


def test_yearly_lead_count_by_hand():
    # Kolbe & Langanke PRC 63, 025802 (2001): 3.62e-39 cm² (μ-DAR νe); geometry: 1000 kg, P = 0.1, 20 m
    n = expected("nube-pb")["nin"]
    assert n == pytest.approx(hand_count(3.62e-39, 1000.0, M_PB208_U, 0.1), rel=1e-6)
    assert n == pytest.approx(278.1, abs=0.1)  # Φ = 2.654e14 cm⁻², 2.896e27 nuclei, 2781 CC interactions / yr


def test_yearly_iron_count_by_hand():
    # KARMEN 56Fe(νe, e⁻)56Co: 2.56e-40 cm² (Maschuw, Prog. Part. Nucl. Phys. 40, 183 (1998))
    n = expected("nube-fe")["nin"]
    assert n == pytest.approx(hand_count(2.56e-40, 1000.0, M_FE56_U, 0.1), rel=1e-6)


def test_count_scales_with_shield_and_exposure():
    base = expected("nube-pb")["nin"]
    assert expected("nube-pb", "/process/nin/leadMass 2 t\n")["nin"] == pytest.approx(2 * base, rel=1e-12)
    assert expected("nube-pb", "/run/exposure 14 GWh\n")["nin"] == pytest.approx(2 * base, rel=1e-12)


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

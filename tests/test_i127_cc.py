"""127I(νe, e⁻)127Xe charged current (process i127_cc): Q value and S_n from masses, thresholds, the flux-averaged
cross section by an independent integral, the sampled kinematics, the count for NaIvE-185 by hand, detector
support and bad options."""

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from simcoh.config import PhysicsConfig, SourceConfig
from simcoh.errors import InputError
from simcoh.generate import TruthGenerator
from simcoh.macro import load_macro
from simcoh.physics import i127cc

ROOT = Path(__file__).resolve().parents[1]
MUON_MASS_MEV = 105.6583755  # PDG 2022
ELECTRON_MASS_MEV = 0.51099895


def test_q_value_and_neutron_separation_from_ame2020_mass_excesses():
    # AME2020 mass excesses (keV), typed from the table: 127I −88983.217, 127Xe −88320.883, 126Xe −89146.387,
    # neutron 8071.3181. Q = Δ(127Xe) − Δ(127I); S_n = Δ(126Xe) + Δ(n) − Δ(127Xe).
    assert i127cc.q_value_mev() == pytest.approx((-88320.883 + 88983.217) * 1e-3, abs=1e-6)
    assert i127cc.neutron_separation_mev() == pytest.approx((-89146.387 + 8071.3181 + 88320.883) * 1e-3, abs=2e-6)
    # the 127Xe electron-capture Q value is 662 keV (ENSDF, A = 127)
    assert i127cc.q_value_mev() == pytest.approx(0.662, abs=0.001)


def test_thresholds():
    xs = i127cc.two_level()
    q, s_n = i127cc.q_value_mev(), i127cc.neutron_separation_mev()
    below = np.array([0.0, q, q + i127cc.EX_BOUND_MEV - 1e-9])
    assert np.all(xs.sigma_cm2(below) == 0.0)
    assert xs.sigma_cm2(q + i127cc.EX_BOUND_MEV + 0.01) > 0
    # the neutron-emitting level opens at Q + S_n
    assert xs.sigma_cm2(q + s_n - 1e-6, level=1) == 0.0
    assert xs.sigma_cm2(q + s_n + 0.01, level=1) > 0
    # allowed shape: far above threshold σ grows as (Eν − Q − E_x)² (p_e E_e with E_e ≈ p_e, F constant)
    e1, e2 = 30.0, 45.0
    ratio = xs.sigma_cm2(e2, level=0) / xs.sigma_cm2(e1, level=0)
    t1, t2 = e1 - q - 0.125 + ELECTRON_MASS_MEV, e2 - q - 0.125 + ELECTRON_MASS_MEV
    assert ratio == pytest.approx((t2 / t1) ** 2, rel=2e-3)


def _michel(e):
    x = e / MUON_MASS_MEV
    return 192.0 / MUON_MASS_MEV * x**2 * (0.5 - x)


def test_flux_averaged_sigma_by_an_independent_integral():
    xs = i127cc.two_level()
    total, _ = integrate.quad(lambda e: _michel(e) * float(xs.sigma_cm2(e)), 0.0, MUON_MASS_MEV / 2, limit=200,
                              points=[xs.threshold_mev(0), xs.threshold_mev(1)])
    assert total == pytest.approx(9.2e-40, rel=1e-6)  # arXiv:2305.19594
    neutron, _ = integrate.quad(lambda e: _michel(e) * float(xs.sigma_cm2(e, level=1)), xs.threshold_mev(1),
                                MUON_MASS_MEV / 2, limit=200)
    assert neutron / total == pytest.approx(2.2 / 7.4, rel=1e-6)


def _generator(material="NaI", n_events=40_000, mass_kg=185.0, distance_cm=2800.0, n_pot=1.5733e23):
    return TruthGenerator(source=SourceConfig(), physics=PhysicsConfig(), material=material, mass_kg=mass_kg,
                          distance_cm=distance_cm, n_pot=n_pot, seed=11, processes=("i127_cc",), mode="fixed",
                          n_events=n_events)


def test_sampled_events_follow_flux_times_cross_section():
    n = 40_000
    gen = _generator(n_events=n)
    t = gen.generate(0, n)
    xs = gen.processes["i127_cc"].xs
    q = i127cc.q_value_mev()
    neutron = t["n_neutrons"] == 1
    ex = np.where(neutron, xs.ex_mev[1], xs.ex_mev[0])
    assert np.all(t["e_nu_mev"] > q + ex)  # never below the threshold of its level
    assert np.allclose(t["t_e_mev"], t["e_nu_mev"] - q - ex, atol=1e-9)
    assert np.allclose(t["e_dep_mev"], t["t_e_mev"] + t["e_gamma_mev"], atol=1e-12)
    assert np.all(t["e_gamma_mev"][~neutron] == 0.125) and np.all(t["e_gamma_mev"][neutron] == 0.0)
    assert np.all(t["flavour"] == 0) and np.all(np.isnan(t["t_nr_kev"]))
    assert np.all(t["isotope"] == gen.isotope_names.index("I127"))
    # neutron share: binomial, 5 sigma
    f = 2.2 / 7.4
    assert abs(neutron.mean() - f) < 5 * math.sqrt(f * (1 - f) / n)
    # mean Eν against ∫E φ σ / ∫φ σ by quadrature (5 standard errors of the sample mean)
    num, _ = integrate.quad(lambda e: e * _michel(e) * float(xs.sigma_cm2(e)), 0, MUON_MASS_MEV / 2, limit=200)
    den, _ = integrate.quad(lambda e: _michel(e) * float(xs.sigma_cm2(e)), 0, MUON_MASS_MEV / 2, limit=200)
    e = t["e_nu_mev"]
    assert abs(e.mean() - num / den) < 5 * e.std() / math.sqrt(n)
    # delayed νe timing: mean t = pulse mean (690 ns) + τπ + τμ (26.03 + 2196.98 ns), 5 standard errors
    assert abs(t["t_ns"].mean() - (690.0 + 26.033 + 2196.98)) < 5 * t["t_ns"].std() / math.sqrt(n)


def test_yearly_count_for_naive_185_by_hand():
    # 7.0 GWh of 1 GeV protons, 0.0848 νe per POT (arXiv:2109.11049), 28 m, 185 kg NaI, ⟨σ⟩ = 9.2e-40 cm²
    pot = 7.0 * 3.6e12 / (1e9 * 1.602176634e-19)
    phi = 0.0848 * pot / (4 * math.pi * 2800.0**2)
    n_iodine = 185e3 / (22.98977 + 126.90447) * 6.02214076e23
    hand = phi * n_iodine * 9.2e-40
    cfg = load_macro(str(ROOT / "macros" / "production" / "nai-185kg-i127cc.mac")).config
    gen = TruthGenerator.from_run_config(cfg)
    assert gen.expected["i127_cc"] == pytest.approx(hand, rel=1e-3)
    assert hand == pytest.approx(92.6, abs=0.1)


def test_response_uses_the_unquenched_deposit(tmp_path):
    from simcoh.engine import prepare_run

    res = load_macro(str(ROOT / "macros" / "production" / "nai-185kg-i127cc.mac"),
                     set_overrides=["run/beamOn=200"], output=str(tmp_path / "x.h5"))
    prepared = prepare_run(res)
    chunk = prepared.pipeline.run_chunk(0, 200)
    assert np.allclose(chunk["e_ee_kev"], chunk["e_dep_mev"] * 1e3)
    assert np.all(chunk["pe"] > 0)


def test_no_iodine_is_an_error_at_the_enable_line(tmp_path):
    macro = tmp_path / "ar.mac"
    macro.write_text("/detector/load lar-750\n/process/enable i127_cc\n/run/beamOn 10\n")
    with pytest.raises(InputError) as err:
        load_macro(str(macro))
    text = str(err.value)
    assert "ar.mac:2" in text and "127I" in text and "nai-185kg" in text
    with pytest.raises(InputError, match="needs 127I"):
        _generator(material="Ar", n_events=10)


def test_iodine_without_an_mev_response_is_an_error(tmp_path):
    macro = tmp_path / "csi.mac"
    macro.write_text("/detector/load csi-2021\n/process/enable i127_cc\n/run/beamOn 10\n")
    with pytest.raises(InputError) as err:
        load_macro(str(macro))
    assert "csi.mac:2" in str(err.value) and "electron_response" in str(err.value)


def test_photon_fidelity_is_refused_at_its_macro_line(tmp_path):
    """The MeV response exists at parametric fidelity only; photon level would store ~350,000 PE per event."""
    from simcoh.engine import prepare_run

    macro = tmp_path / "photon.mac"
    macro.write_text("/detector/load nai-185kg\n/process/disable cevns\n/process/enable i127_cc\n"
                     "/run/fidelity photon\n/run/beamOn 10\n")
    with pytest.raises(InputError) as err:
        prepare_run(load_macro(str(macro)))
    assert "photon.mac:4" in str(err.value) and "/run/fidelity parametric" in str(err.value)


def test_levels_must_straddle_the_neutron_threshold(tmp_path):
    macro = tmp_path / "bad.mac"
    macro.write_text("/detector/load nai-185kg\n/process/enable i127_cc\n/process/i127_cc/neutronLevel 5 MeV\n"
                     "/run/beamOn 10\n")
    with pytest.raises(InputError, match="neutron separation"):
        load_macro(str(macro))


def test_validation_case_passes(tmp_path):
    from validation.cases import naive_cc
    from validation.common import Context

    ctx = Context(fast=True, outdir=tmp_path, reference=ROOT / "validation" / "reference", progress=False)
    res = naive_cc.run(ctx)
    assert res.status == "pass", [(c.quantity, c.simcoh, c.published) for c in res.comparisons]
    assert res.data["count"] == pytest.approx(92.57, abs=0.01)
    # deposited energy: mean of T_e + E_γ, bounded by the νe endpoint minus Q
    assert 30.0 < res.data["mean_e_dep"] < 52.83 - 0.662

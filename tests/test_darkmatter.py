"""Accelerator-produced dark matter (vector portal): formulas against hand calculations, kinematic end points,
exact scaling laws, and the sampled events against distributions computed independently of the sampler."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad
from scipy.special import spherical_jn

from simcoh.config import PhysicsConfig, SourceConfig
from simcoh.errors import InputError
from simcoh.generate import TruthGenerator
from simcoh.generate.dm import DmSettings, capture_flux, meson_flux
from simcoh.macro import load_macro_text
from simcoh.physics.darkmatter import (DarkSector, channel_params, decay_width_mev, dsigma_dt_cm2_per_mev,
                                       meson_to_gamma_aprime_br, pi_minus_capture_br, scaling_y, sigma_cm2)
from simcoh.physics.nuclei import isotope

CSI_2021 = dict(material="CsI", mass_kg=14.57, distance_cm=1930.0, n_pot=3.198e23)


def dm_options(m_chi=10.0, eps=1e-4, **extra):
    return {"dm.m_chi_mev": m_chi, "dm.epsilon": eps, **{f"dm.{k}": v for k, v in extra.items()}}


def make(n=100_000, seed=11, processes=("dm",), opts=None, **kw):
    args = dict(CSI_2021, source=SourceConfig(), physics=PhysicsConfig(), seed=seed, n_events=n,
                processes=processes, process_options=dm_options() if opts is None else opts)
    args.update(kw)
    return TruthGenerator(**args)


# --- formulas --------------------------------------------------------------------------------------
def test_meson_branching_ratio_hand_calculation():
    # π⁰, m_A' = 30 MeV, ε = 1e-3: m_π0² = 18218.7365 MeV², 1 − 900/18218.7365 = 0.950600,
    # 0.950600³ = 0.858998, × 2ε² × 0.98823 = 1.697782e-6
    assert meson_to_gamma_aprime_br("pi0", 1e-3, 30.0) == pytest.approx(1.697782e-6, rel=1e-6)
    # η, m_A' = 300 MeV: m_η² = 300152.771 MeV², 1 − 90000/300152.771 = 0.700153, cubed 0.343225,
    # × 2ε² × 0.3941 = 2.705296e-7
    assert meson_to_gamma_aprime_br("eta", 1e-3, 300.0) == pytest.approx(2.705296e-7, rel=1e-6)
    assert meson_to_gamma_aprime_br("pi0", 1e-3, 135.0) == 0.0  # above m_π0
    assert pi_minus_capture_br(1e-3, 30.0) == pytest.approx(1e-6, rel=1e-12)
    assert pi_minus_capture_br(1e-3, 138.5) == 0.0  # above m_π⁻ + m_p − m_n = 138.28 MeV


def test_decay_width_two_forms_and_hand_value():
    # PHYSICS.md form vs Γ = α_D m_A' (1 − 4m_χ²/m_A'²)^{3/2} / 12
    for m_ap, m_chi, alpha in [(30.0, 10.0, 0.5), (100.0, 1.0, 0.1)]:
        other = alpha * m_ap * (1 - 4 * m_chi**2 / m_ap**2) ** 1.5 / 12
        assert decay_width_mev(alpha, m_ap, m_chi) == pytest.approx(other, rel=1e-12)
    # hand: 0.5 · 500 · √125 / (6 · 900) = 0.5 · 500 · 11.18034 / 5400 = 0.517608 MeV
    assert decay_width_mev(0.5, 30.0, 10.0) == pytest.approx(0.517608, rel=1e-5)


def test_scaling_variable_y():
    assert scaling_y(1e-4, 0.5, 10.0, 30.0) == pytest.approx(1e-8 * 0.5 / 81, rel=1e-12)
    assert DarkSector(10.0, 1e-4).y == pytest.approx(6.17284e-11, rel=1e-5)


def _helm_independent(q_fm, a_mass, s=0.9):
    c = 1.23 * a_mass ** (1 / 3) - 0.60
    r0 = math.sqrt(c * c + 7 / 3 * math.pi**2 * 0.52**2 - 5 * s * s)
    x = q_fm * r0
    return 3 * spherical_jn(1, x) / x * math.exp(-0.5 * q_fm**2 * s**2)


def _dsigma_independent_cm2(e, t, m_chi, m_ap, eps, alpha_d, iso):
    """PHYSICS.md §5 written out again for a Dirac-fermion χ: e²ε²g_D²Z²F²[...] / [4π(E² − m²)(2MT + m_A'²)²],
    (ħc)² for cm² (the scalar-χ bracket is derived in tests/test_dm_spin.py)."""
    mass, z = iso.nuclear_mass_mev, iso.z
    e2 = 4 * math.pi / 137.035999084
    gd2 = 4 * math.pi * alpha_d
    q = math.sqrt(2 * mass * t + t * t) / 197.3269804
    bracket = 2 * mass * e * e - 2 * mass * e * t - (mass**2 + m_chi**2) * t + mass * t * t
    val = e2 * eps**2 * gd2 * z**2 * _helm_independent(q, iso.a) ** 2 * bracket / (
        4 * math.pi * (e * e - m_chi**2) * (2 * mass * t + m_ap**2) ** 2)
    return val * (197.3269804e-13) ** 2


def test_cross_section_against_independent_formula_and_quadrature():
    cs = isotope("Cs133")
    dark = DarkSector(10.0, 1e-4, chi_spin="fermion")
    p = channel_params(dark, cs, PhysicsConfig())
    e = 60.0
    t = np.array([1e-4, 3e-3, 1e-2, 4e-2])
    ours = dsigma_dt_cm2_per_mev(e, t, p)
    ref = [_dsigma_independent_cm2(e, ti, 10.0, 30.0, 1e-4, 0.5, cs) for ti in t]
    np.testing.assert_allclose(ours, ref, rtol=1e-9)
    # T_max = 2Mp²/(M² + m² + 2ME) ends the spectrum
    mass = cs.nuclear_mass_mev
    t_max = 2 * mass * (e * e - 100) / (mass**2 + 100 + 2 * mass * e)
    assert dsigma_dt_cm2_per_mev(e, [t_max * 1.0001], p)[0] == 0.0
    for t_min in (0.0, 5e-3):
        total = quad(lambda x: _dsigma_independent_cm2(e, x, 10.0, 30.0, 1e-4, 0.5, cs), t_min, t_max,
                     limit=400, epsrel=1e-10, points=[1e-3, 1e-2])[0]
        assert sigma_cm2(e, p, t_min)[0] == pytest.approx(total, rel=1e-6)


# --- kinematics ------------------------------------------------------------------------------------
def test_pi0_at_rest_chi_energy_end_points_and_box_shape():
    # π⁰ at rest, m_A' = 30, m_χ = 10 MeV: E_A' = (m_π0² + m_A'²)/2m_π0 = 70.82231, p_A' = 64.15449;
    # β* = √(1 − 4·100/900) = 0.745356; E± = E_A'/2 ± p_A' β*/2 = 11.50218 and 59.32012 MeV
    s = DmSettings(DarkSector(10.0, 1e-4), meson_kinematics="rest", angular_band=2.0, setup_decays=200_000)
    f = meson_flux(s, "pi0", 0.105, 1930.0, seed=3)
    width = 59.32012 - 11.50218
    assert f.edges_mev[0] >= 11.50218 - 1e-5 and f.edges_mev[-1] <= 59.32012 + 1e-5
    assert f.edges_mev[0] - 11.50218 < 1e-3 * width and 59.32012 - f.edges_mev[-1] < 1e-3 * width
    # isotropic A' decay → flat χ energy: χ² of the 400-bin histogram against a constant (Poisson)
    counts = f.per_pot_cm2 / f.per_pot_cm2.sum() * 400_000
    chi2 = np.sum((counts - counts.mean()) ** 2 / counts.mean())
    assert stats.chi2.sf(chi2, len(counts) - 1) > 1e-4
    # every decay gives two χ into 4π: flux = 2 Y BR / (4π L²), exactly
    br = meson_to_gamma_aprime_br("pi0", 1e-4, 30.0)
    assert f.total_per_pot_cm2 == pytest.approx(2 * 0.105 * br / (4 * math.pi * 1930.0**2), rel=1e-12)


def test_band_estimator_is_unbiased_for_isotropic_emission():
    """Mesons at rest emit isotropically: the flux estimated in any direction is 2 Y BR/(4πL²) within 5σ."""
    truth = 2 * 0.105 * meson_to_gamma_aprime_br("pi0", 1e-4, 30.0) / (4 * math.pi * 1930.0**2)
    for angle in (30.0, 90.0, 150.0):
        s = DmSettings(DarkSector(10.0, 1e-4), meson_kinematics="rest", detector_angle_deg=angle,
                       setup_decays=200_000)
        f = meson_flux(s, "pi0", 0.105, 1930.0, seed=5)
        n_kept = f.total_per_pot_cm2 / truth * 2 * 200_000 * 0.1  # expected kept = 2N·Δ/2
        assert abs(f.total_per_pot_cm2 / truth - 1) < 5 / math.sqrt(n_kept)


def test_pi_minus_capture_line_end_points():
    # π⁻p → nA' at rest: √s = m_π⁻ + m_p = 1077.84248 MeV, E_A' = (s + m_A'² − m_n²)/(2√s) = 129.82474,
    # p_A' = 126.31097; χ: E± = E_A'/2 ± p_A' β*/2 with β* = 0.745356 → 17.83905 and 111.98569 MeV
    f = capture_flux(DmSettings(DarkSector(10.0, 1e-4)), 1930.0)
    assert f.edges_mev[0] == pytest.approx(17.83905, abs=1e-4)
    assert f.edges_mev[-1] == pytest.approx(111.98569, abs=1e-4)
    g = make(n=50_000, opts=dm_options(pi0_per_pot=0.0))
    ev = g.generate(0, g.n_events)
    assert np.all(ev["dm_production"] == 1)
    e = ev["e_nu_mev"]
    assert e.min() >= 17.83905 - 1e-6 and e.max() <= 111.98569 + 1e-6
    assert e.min() < 17.83905 + 1.0 and e.max() > 111.98569 - 1.0


# --- expected counts and events --------------------------------------------------------------------
def test_count_scales_exactly_as_epsilon_to_the_fourth():
    n1 = make(n=10, opts=dm_options(eps=1e-4)).expected["dm"]
    n2 = make(n=10, opts=dm_options(eps=3e-4)).expected["dm"]
    assert n2 / n1 == pytest.approx(81.0, rel=1e-10)
    # and linearly with exposure and target mass, inversely with L² (same seed → same set-up MC)
    assert make(n=10, n_pot=1.599e23).expected["dm"] == pytest.approx(n1 / 2, rel=1e-12)
    assert make(n=10, mass_kg=29.14).expected["dm"] == pytest.approx(2 * n1, rel=1e-12)
    assert make(n=10, distance_cm=3860.0).expected["dm"] == pytest.approx(n1 / 4, rel=1e-12)


def test_recoil_histogram_matches_quadrature_spectrum():
    g = make(n=200_000, recoil_min_kev=1.0)
    proc = g.processes["dm"]
    edges = np.array([1, 2, 3, 5, 8, 12, 20, 35, 60, 120, 400.0])
    expected = proc.recoil_spectrum(edges)
    assert expected.sum() == pytest.approx(g.expected["dm"], rel=2e-3)  # quadrature vs table total
    t = g.generate(0, g.n_events)["t_nr_kev"]
    assert t.min() >= 1.0
    counts, _ = np.histogram(t, bins=edges)
    mu = expected / expected.sum() * len(t)
    chi2 = np.sum((counts - mu) ** 2 / mu)
    assert stats.chi2.sf(chi2, len(mu) - 1) > 1e-4


def test_recoils_harder_than_cevns_for_heavy_mediator_and_prompt():
    """m_χ = 30 MeV, m_A' = 90 MeV: mean T above CEvNS (TruthGenerator) by > 5σ, with a tail beyond the
    CEvNS end point (T_max(52.8 MeV, Cs) = 46 keV). Light mediators give softer spectra: docs/darkmatter.md."""
    dm = make(n=100_000, opts=dm_options(m_chi=30.0)).generate(0, 100_000)
    nu = make(n=100_000, processes=("cevns",)).generate(0, 100_000)
    a, b = dm["t_nr_kev"], nu["t_nr_kev"]
    sigma = math.sqrt(a.var() / len(a) + b.var() / len(b))
    assert a.mean() - b.mean() > 5 * sigma
    assert b.max() < 47.0 and np.sum(a > 47.0) > 100  # ~340 expected
    # prompt: ≥ 95 % before 1.5 µs with the default 690 ns / 140 ns pulse (binomial 5σ margin)
    for ev in (dm, make(n=100_000).generate(0, 100_000)):
        frac = np.mean(ev["t_ns"] < 1500.0)
        assert frac - 5 * math.sqrt(0.05 * 0.95 / len(ev["t_ns"])) > 0.95


def test_arrival_time_is_pulse_plus_chi_delay():
    g = make(n=2000, source=SourceConfig(pulse_shape="delta"))
    ev = g.generate(0, g.n_events)
    beta = np.sqrt(ev["e_nu_mev"] ** 2 - 100.0) / ev["e_nu_mev"]
    delay = 1930.0 / 29.9792458 * (1 / beta - 1)
    np.testing.assert_allclose(ev["t_ns"], 690.0 + delay, rtol=1e-12)
    assert np.all(ev["flavour"] == -1) and np.all(ev["process"] == 4)


def test_same_seed_same_events_and_chunking_independent():
    a = make(n=20_000, seed=5).generate(0, 20_000)
    g = make(n=20_000, seed=5)
    b = {k: np.concatenate([g.generate(0, 7000)[k], g.generate(7000, 13_000)[k]]) for k in a}
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = make(n=20_000, seed=6).generate(0, 20_000)
    assert not np.array_equal(a["t_nr_kev"], c["t_nr_kev"])


def test_mixed_with_cevns_fills_dm_columns_only_for_dm():
    g = make(n=50_000, processes=("cevns", "dm"))
    ev = g.generate(0, g.n_events)
    is_dm = ev["process"] == 4
    assert 0 < is_dm.mean() < 1
    assert np.all(ev["dm_production"][~is_dm] == -1) and np.all(ev["dm_production"][is_dm] >= 0)
    assert np.all(ev["flavour"][is_dm] == -1) and np.all(ev["flavour"][~is_dm] >= 0)


# --- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("opts, words", [
    (dm_options(m_aprime_mev=15.0), ["m_A' = 15.0", "2 m_chi = 20"]),
    (dm_options(eps=-1e-4), ["epsilon = -0.0001", ">= 0"]),
    (dm_options(m_chi=-1.0), ["m_chi = -1.0", "> 0"]),
    (dm_options(alpha_d=0.0), ["alpha_D = 0.0", "> 0"]),
    ({"dm.epsilon": 1e-4}, ["dm.m_chi_mev", "/process/dm/mChi"]),
    (dm_options(detector_angle_deg=200.0), ["200.0", "<= 180"]),
    (dm_options(meson_kinematics="flight"), ["flight", "sample, rest"]),
    ({**dm_options(), "dm.mchi": 3.0}, ["dm.mchi", "known"]),
])
def test_bad_parameters_raise_input_error(opts, words):
    with pytest.raises(InputError) as info:
        make(n=10, opts=opts)
    for w in words:
        assert w in str(info.value)


def test_macro_commands_set_process_options():
    text = ("/detector/load csi-2021\n/process/enable dm\n/process/dm/mChi 0.01 GeV\n/process/dm/epsilon 2e-4\n"
            "/process/dm/alphaD 0.3\n/process/dm/mAprime 25 MeV\n/process/dm/detectorAngle 120\n"
            "/run/exposure 3.198e23 POT\n/run/beamOn 100\n")
    cfg = load_macro_text(text).config
    opts = dict(cfg.process_options)
    assert opts == {"dm.m_chi_mev": pytest.approx(10.0), "dm.epsilon": 2e-4, "dm.alpha_d": 0.3,
                    "dm.m_aprime_mev": 25.0, "dm.detector_angle_deg": 120.0}
    with pytest.raises(InputError, match="epsilon"):
        load_macro_text(text.replace("epsilon 2e-4", "epsilon -2e-4"))


def test_closed_channels_give_zero_expected_without_warnings():
    """m_χ = 60 MeV, m_A' = 180 MeV: above m_π0 and the π⁻-capture limit 138.28 MeV, and no η by default."""
    g = make(n=0, opts=dm_options(m_chi=60.0))
    assert g.expected["dm"] == 0.0
    g = make(n=1000, opts=dm_options(m_chi=60.0, eta_per_pot=1e-3))
    ev = g.generate(0, 1000)
    assert g.expected["dm"] > 0 and np.all(ev["dm_production"] == 2)
    # η at rest: χ energies between the two-body end points E_A'/2 ∓ p_A'β*/2
    m_eta = 547.862
    e_a, p_a = (m_eta**2 + 180.0**2) / (2 * m_eta), (m_eta**2 - 180.0**2) / (2 * m_eta)
    b = math.sqrt(1 - 4 * 60.0**2 / 180.0**2)
    assert ev["e_nu_mev"].min() >= 0.5 * (e_a - p_a * b) - 1e-6
    assert ev["e_nu_mev"].max() <= 0.5 * (e_a + p_a * b) + 1e-6

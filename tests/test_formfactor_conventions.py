"""Helm form-factor conventions (/physics/helmRadius, /physics/neutronRadii) against hand calculations with scipy's
spherical Bessel functions, the rms radius of the Helm density, and the csi-2021 data set's [physics] section."""

import math

import numpy as np
import pytest
from scipy.special import spherical_jn

from simcoh.config import PhysicsConfig, RunConfig
from simcoh.detector import load_geometry
from simcoh.errors import InputError
from simcoh.macro import load_macro_text
from simcoh.physics.cevns import CevnsModel
from simcoh.physics.formfactors import form_factor_values, helm_radius_fm, helm_radius_from_rms_fm
from simcoh.physics.nuclei import isotope

GF = 1.1663788e-11  # MeV^-2
HBARC_FM = 197.3269804
HBARC_CM = HBARC_FM * 1e-13


def helm(q, r0, s=0.9):
    x = q * r0
    return 3 * spherical_jn(1, x) / x * math.exp(-q * q * s * s / 2)


def test_coherent_helm_radius_is_1p2_a_third():
    for a in (23, 40, 127, 133):
        assert helm_radius_fm(a, 0.9, None, "coherent") == pytest.approx(1.2 * a ** (1 / 3), rel=1e-12)
    q = np.array([0.1, 0.4, 0.8])
    r0 = 1.2 * 133 ** (1 / 3)
    assert form_factor_values("helm", q, r0, 0.9) == pytest.approx([helm(x, r0) for x in q], rel=1e-10)
    with pytest.raises(InputError, match="parametrisation"):
        helm_radius_fm(133, 0.9, None, "woods_saxon")


def test_helm_radius_from_rms_reproduces_that_rms_radius():
    """F(q) = 1 − q² <r²>/6 + ...: the Helm density built from r_n has rms radius r_n (checked by a numerical
    second derivative of F at q = 0, independent of the 5/3 relation in the code)."""
    for r_n in (4.8, 5.104, 5.5):
        r0 = helm_radius_from_rms_fm(r_n, 0.9)
        h = 1e-3
        f = form_factor_values("helm", [h, 2 * h], r0, 0.9)
        # F(q) ≈ 1 − c q² + d q⁴: two points eliminate the q⁴ term
        c = (16 * (1 - f[0]) - (1 - f[1])) / (12 * h * h)
        assert math.sqrt(6 * c) == pytest.approx(r_n, rel=1e-5)
    with pytest.raises(InputError, match="too small"):
        helm_radius_from_rms_fm(1.5, 0.9)


@pytest.mark.parametrize("name,r_n", [("Cs133", 5.104), ("I127", 4.8)])
def test_separate_proton_and_neutron_form_factors_weighted_by_weak_charge(name, r_n):
    """dσ/dT = G_F² M/4π (Z g_p F_p + N g_n F_n)² [1 − T/E − MT/2E² + T²/2E²] at tree level, written out."""
    iso = isotope(name)
    phys = PhysicsConfig(couplings="tree", axial=False, helm_radius="coherent", neutron_radii="coherent")
    model = CevnsModel(iso, "nu_mu", phys)
    m, s2w = iso.nuclear_mass_mev, 0.23857
    g_p, g_n = 0.5 - 2 * s2w, -0.5
    r_p0 = 1.2 * iso.a ** (1 / 3)
    r_n0 = math.sqrt(5 / 3 * r_n**2 - 5 * 0.81)
    e = 40.0
    for t in (0.002, 0.008, 0.02, 0.035):
        q = math.sqrt(2 * m * t + t * t) / HBARC_FM
        gv = iso.z * g_p * helm(q, r_p0) + iso.n * g_n * helm(q, r_n0)
        kin = 1 - t / e - m * t / (2 * e * e) + t * t / (2 * e * e)
        ref = GF**2 * m / math.pi * gv**2 * kin * HBARC_CM**2  # (G_F² M/4π)·Q_W², Q_W = −2 G_V
        assert model.dsigma_dt_cm2_per_mev(e, t) == pytest.approx(ref, rel=1e-9)


def test_neutron_radii_do_not_touch_isotopes_without_a_radius():
    ar = isotope("Ar40")
    a = CevnsModel(ar, "nu_e", PhysicsConfig()).sigma_cm2([30.0, 50.0])
    b = CevnsModel(ar, "nu_e", PhysicsConfig(neutron_radii="coherent")).sigma_cm2([30.0, 50.0])
    assert np.array_equal(a, b)


def test_larger_neutron_radius_lowers_the_cross_section():
    """Cs133: r_n = 5.104 fm is larger than the Lewin-Smith Helm rms radius (sqrt(3/5 R0² + 3 s²) = 4.80 fm), so the
    coherent conventions give less; a physical ordering, not a stored number."""
    cs = isotope("Cs133")
    r0 = helm_radius_fm(133)
    assert math.sqrt(0.6 * r0**2 + 3 * 0.81) < 5.104
    ls = CevnsModel(cs, "nu_mu", PhysicsConfig()).sigma_cm2(45.0)
    coh = CevnsModel(cs, "nu_mu", PhysicsConfig(neutron_radii="coherent")).sigma_cm2(45.0)
    assert coh < ls


def test_csi2021_dataset_fixes_the_coherent_conventions_and_macros_override_them():
    det = load_geometry("csi-2021")
    assert RunConfig(detector=det).physics.helm_radius == "coherent"
    assert RunConfig(detector=det).physics.neutron_radii == "coherent"
    assert RunConfig(detector=load_geometry("cenns10-lar")).physics == PhysicsConfig()
    base = "/detector/load csi-2021\n/process/enable cevns\n"
    cfg = load_macro_text(base + "/run/beamOn 10\n").config
    assert (cfg.physics.helm_radius, cfg.physics.neutron_radii) == ("coherent", "coherent")
    cfg = load_macro_text(base + "/physics/helmRadius lewin_smith\n/physics/neutronRadii same\n/run/beamOn 10\n").config
    assert (cfg.physics.helm_radius, cfg.physics.neutron_radii) == ("lewin_smith", "same")

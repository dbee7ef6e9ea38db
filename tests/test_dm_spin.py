"""The χ–nucleus bracket B(E, T) of each χ spin, derived numerically from explicit Dirac matrices and spinors.

For A′ exchange between a χ current J_χ and the nucleus current ū(p′)γ_μu(p) (a Dirac target of charge Z F):
dσ/dT = e²ε²g_D²Z²F² X / [32π M p² (2MT + m_A′²)²] with X the spin-averaged |current contraction|², so the
implemented bracket must be B = X/(8M). J_χ = (k + k′)^μ for a complex scalar, ū(k′)γ^μu(k) for a Dirac fermion.
The amplitudes below are built from 4×4 matrices and explicit spinors at random kinematics; nothing is taken from
the formulas in simcoh.physics.darkmatter.
"""

import math

import numpy as np
import pytest

from simcoh.config import PhysicsConfig, SourceConfig
from simcoh.generate import TruthGenerator
from simcoh.generate.dm import DmSettings
from simcoh.physics.darkmatter import CHI_SPINS, DarkSector, chi_bracket, chi_t_max_mev

METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
_S = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]], complex), np.array([[1, 0], [0, -1]], complex)]
_I2, _Z2 = np.eye(2, dtype=complex), np.zeros((2, 2), complex)
GAMMA = [np.block([[_I2, _Z2], [_Z2, -_I2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _S]  # Dirac representation


def spinors(p4, mass):
    """u(p, s) for s = up, down in the Dirac representation, normalised to ū u = 2m."""
    e, pv = p4[0], p4[1:]
    sigma_p = sum(pv[i] * _S[i] for i in range(3))
    out = []
    for chi in (np.array([1, 0], complex), np.array([0, 1], complex)):
        out.append(math.sqrt(e + mass) * np.concatenate([chi, sigma_p @ chi / (e + mass)]))
    return out


def current(u_out, u_in):
    """ū_out γ^μ u_in as a contravariant four-vector."""
    bar = u_out.conj() @ GAMMA[0]
    return np.array([bar @ g @ u_in for g in GAMMA])


def lower(v):
    return METRIC @ v


def kinematics(rng, mass, m_chi):
    """Lab frame, nucleus at rest: χ of total energy E along z scatters and the nucleus recoils with T."""
    e = m_chi + rng.uniform(5.0, 120.0)
    t = rng.uniform(0.0, 1.0) * chi_t_max_mev(e, m_chi, mass)
    k_abs = math.sqrt(e * e - m_chi * m_chi)
    q_abs = math.sqrt(t * t + 2 * mass * t)
    cos = t * (e + mass) / (k_abs * q_abs)  # from k′² = m_χ²
    sin = math.sqrt(max(0.0, 1 - cos * cos))
    phi = rng.uniform(0, 2 * math.pi)
    k = np.array([e, 0, 0, k_abs])
    p = np.array([mass, 0, 0, 0])
    q = np.array([t, q_abs * sin * math.cos(phi), q_abs * sin * math.sin(phi), q_abs * cos])
    return e, t, k, k - q, p, p + q


def contraction(spin, k, k2, p, p2, mass, m_chi):
    """Spin-averaged Σ|J_χ · J_N|² (1/2 per incoming fermion)."""
    nuc = [[current(u2, u1) for u1 in spinors(p, mass)] for u2 in spinors(p2, mass)]
    total = 0.0
    if spin == "scalar":
        jc = [[k + k2]]
        average = 0.5
    else:
        jc = [[current(v2, v1) for v1 in spinors(k, m_chi)] for v2 in spinors(k2, m_chi)]
        average = 0.25
    for row_c in jc:
        for j_chi in row_c:
            for row_n in nuc:
                for j_n in row_n:
                    total += abs(j_chi @ lower(j_n)) ** 2
    return average * total


@pytest.mark.parametrize("spin", ["scalar", "fermion"])
def test_bracket_equals_trace_result_at_random_kinematics(spin):
    rng = np.random.default_rng(11)
    for mass, m_chi in ((123_800.0, 10.0), (37_200.0, 3.0), (118_000.0, 45.0)):  # Cs-, Ar-like nuclei
        for _ in range(6):
            e, t, k, k2, p, p2 = kinematics(rng, mass, m_chi)
            # on-shell checks of the constructed momenta
            assert k2 @ lower(k2) == pytest.approx(m_chi**2, rel=1e-6, abs=1e-6)
            assert p2 @ lower(p2) == pytest.approx(mass**2, rel=1e-12)
            x = contraction(spin, k, k2, p, p2, mass, m_chi)
            b = chi_bracket(e, t, mass, m_chi, CHI_SPINS[spin])
            assert b == pytest.approx(x / (8 * mass), rel=1e-7, abs=1e-9 * 2 * mass * e * e)


def test_scalar_exceeds_fermion_by_mt_m_minus_t():
    """The two brackets differ by MT(M − T) ≥ 0: equal at T = 0, the scalar larger at any recoil."""
    mass, m_chi, e = 123_800.0, 10.0, 60.0
    for t in np.linspace(0.0, chi_t_max_mev(e, m_chi, mass), 7):
        diff = chi_bracket(e, t, mass, m_chi, 0) - chi_bracket(e, t, mass, m_chi, 1)
        assert diff == pytest.approx(mass * t * (mass - t), rel=1e-9, abs=1e-6)


def test_default_is_scalar_and_unknown_spin_is_an_input_error():
    assert DarkSector(10.0, 1e-4).chi_spin == "scalar"
    assert DmSettings.from_options({"dm.m_chi_mev": 10.0, "dm.epsilon": 1e-4}).dark.chi_spin == "scalar"
    from simcoh.errors import InputError

    with pytest.raises(InputError, match="chi spin"):
        DarkSector(10.0, 1e-4, chi_spin="vector")


def test_scalar_over_fermion_events_in_csi():
    """m_χ = 10 MeV, m_A′ = 30 MeV, CsI 2021 exposure, χ flux averaged over 4π (angular band 2, as pyCEvNS):
    the scalar form gives ×1.13 events over all recoils and ×1.34 above 6.5 keVnr."""
    ratios = []
    for recoil_min_kev in (0.0, 6.5):
        n = {}
        for spin in ("scalar", "fermion"):
            opts = {"dm.m_chi_mev": 10.0, "dm.m_aprime_mev": 30.0, "dm.epsilon": 1e-4, "dm.chi_spin": spin,
                    "dm.angular_band": 2.0, "dm.setup_decays": 100_000}
            gen = TruthGenerator(source=SourceConfig(), physics=PhysicsConfig(), seed=1, processes=("dm",),
                                 n_events=0, recoil_min_kev=recoil_min_kev, process_options=opts, material="CsI",
                                 mass_kg=14.57, distance_cm=1930.0, n_pot=3.198e23)
            n[spin] = gen.expected["dm"]
        ratios.append(n["scalar"] / n["fermion"])
    assert ratios[0] == pytest.approx(1.13, abs=0.01)
    assert ratios[1] == pytest.approx(1.34, abs=0.01)

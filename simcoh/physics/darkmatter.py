"""Accelerator-produced dark matter through a vector portal (PHYSICS.md §5): production branching ratios,
the dark-photon width, two-body kinematics, and the χ–nucleus elastic cross section.

Model: a dark photon A′ of mass m_A′ mixes kinetically with the photon (mixing ε) and decays on shell into a
pair of complex scalars χχ* (coupling g_D, α_D = g_D²/4π) when m_A′ > 2 m_χ. Sources:

- Meson decays M → γA′ (M = π⁰, η): BR = 2ε² (1 − m_A′²/m_M²)³ BR(M → γγ) (B. Batell, M. Pospelov,
  A. Ritz, PRD 80, 095024 (2009), arXiv:0906.5614; P. deNiverville, M. Pospelov, A. Ritz, PRD 92, 095005
  (2015), arXiv:1505.07805, the treatment used by COHERENT, PRL 130, 051803 (2023), arXiv:2110.11453).
- π⁻ capture π⁻p → nA′: the A′ replaces the photon of radiative capture at rest, so it is monochromatic.
  The rate is the treatment of B. Dutta et al., PRL 124, 121802 (2020), arXiv:1906.10745 and JHEP (2020),
  arXiv:2006.09386, as coded in their public pyCEvNS (``DMFluxFromPiMinusAbsorption``): ε² A′ per captured
  π⁻ that yields a photon, with the kinematic threshold m_A′ < m_π⁻ + m_p − m_n. The fraction of captures
  that would have been radiative is a parameter (``radiative_fraction``, default 1 as in pyCEvNS; 0.392 =
  1/(1 + P) with the Panofsky ratio P = 1.546 of π⁻p at rest, J. Spuller et al., PLB 67, 479 (1977), for
  capture on free protons). The matrix-element and phase-space change with m_A′ are neglected (the A′
  momentum over the photon's, p_A′/p_γ, is 0.98 at m_A′ = 30 MeV, 0.76 at 90 MeV and 0.50 at 120 MeV:
  see docs/darkmatter.md).
- A′ → χχ*: Γ = α_D (m_A′² − 4m_χ²) √(m_A′²/4 − m_χ²) / (6 m_A′²) = α_D m_A′ (1 − 4m_χ²/m_A′²)^{3/2}/12
  (PHYSICS.md §5). With α_D ≫ ε² α the invisible branching ratio is 1 − O(ε² α/α_D) (taken as 1).
- χ–nucleus elastic scattering through A′ exchange, with the nucleus a Dirac target of charge Z F(q):
  dσ/dT = e²ε² g_D² Z² F²(q) B(E, T) / [4π (E² − m_χ²)(2MT + m_A′²)²],
  E the χ total energy, T the recoil kinetic energy, M the nuclear mass, e² = 4πα, g_D² = 4πα_D. The bracket B
  depends on the χ spin (option ``dm.chi_spin``):
  complex scalar χ (default; the model of COHERENT's CsI search, arXiv:2110.11453, and of the width above):
  B = 2ME² − 2MET − m_χ²T;
  Dirac fermion χ: B = 2ME² − 2MET − (M² + m_χ²)T + MT² (the form pyCEvNS codes).
  Both follow from the spin-averaged current contractions (1/(8M)) × (1/2)Σ|M|² and are re-derived numerically from
  explicit gamma matrices in tests/test_dm_spin.py. The scalar bracket exceeds the fermion one by MT(M − T), which
  grows with T: for CsI at m_χ = 10 MeV, m_A′ = 30 MeV the scalar form gives ×1.13 events over all recoils and
  ×1.34 above 6.5 keVnr (docs/darkmatter.md). Treating the spin-0 nucleus of the scalar-target literature as a
  Dirac target changes B only by terms of relative size T/E and m_χ²T/(ME²) (≲ 1e-3 here).

Energies and masses in MeV, cross sections in MeV⁻² (natural units) or cm² where the name says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from ..constants import (ALPHA_EM, BR_ETA_TO_GAMMA_GAMMA, BR_PI0_TO_GAMMA_GAMMA, ETA_MASS_MEV, HBARC_MEV_FM,
                         MEV2_TO_CM2, NEUTRON_MASS_MEV, PION_CHARGED_MASS_MEV, PION_NEUTRAL_MASS_MEV,
                         PROTON_MASS_MEV)
from ..errors import InputError
from .formfactors import FF_CODES, form_factor, helm_radius_fm, klein_nystrand_radius_fm

#: χ spin models and their kernel codes (option ``dm.chi_spin``).
CHI_SPINS = {"scalar": 0, "fermion": 1}

#: Conventional benchmark (PHYSICS.md §5; COHERENT arXiv:2110.11453): α_D = 0.5 and m_A′ = 3 m_χ.
DEFAULT_ALPHA_D = 0.5
DEFAULT_MASS_RATIO = 3.0

#: Radiative-capture fraction on free protons at rest, 1/(1 + P), Panofsky ratio P = 1.546 ± 0.009
#: (J. Spuller et al., Phys. Lett. B 67, 479 (1977)); an alternative to the pyCEvNS default of 1.
RADIATIVE_CAPTURE_FRACTION_FREE_PROTON = 1.0 / (1.0 + 1.546)

#: Meson masses and two-photon branching ratios (PDG, via simcoh.constants).
MESONS = {
    "pi0": (PION_NEUTRAL_MASS_MEV, BR_PI0_TO_GAMMA_GAMMA),
    "eta": (ETA_MASS_MEV, BR_ETA_TO_GAMMA_GAMMA),
}

#: Total energy available in π⁻p → nA′ at rest (the π⁻ atom's binding, ≲ 10 keV for hydrogen, neglected).
PI_MINUS_P_MASS_MEV = PION_CHARGED_MASS_MEV + PROTON_MASS_MEV
#: Largest A′ mass that π⁻p → nA′ at rest can make: m_π⁻ + m_p − m_n = 138.28 MeV.
PI_MINUS_CAPTURE_MAX_APRIME_MEV = PI_MINUS_P_MASS_MEV - NEUTRON_MASS_MEV


@dataclass(frozen=True)
class DarkSector:
    """Masses and couplings of the vector-portal model. ``m_aprime_mev`` None means 3 m_χ."""

    m_chi_mev: float
    epsilon: float
    alpha_d: float = DEFAULT_ALPHA_D
    m_aprime_mev: float | None = None
    chi_spin: str = "scalar"  # complex scalar (arXiv:2110.11453) or Dirac fermion χ

    def __post_init__(self):
        if self.chi_spin not in CHI_SPINS:
            raise InputError(f"chi spin '{self.chi_spin}' is unknown; choose one of {', '.join(CHI_SPINS)}")
        if not (math.isfinite(self.m_chi_mev) and self.m_chi_mev > 0):
            raise InputError(f"dark-matter mass m_chi = {self.m_chi_mev!r} MeV: must be a positive number")
        if self.m_aprime_mev is None:
            object.__setattr__(self, "m_aprime_mev", DEFAULT_MASS_RATIO * self.m_chi_mev)
        if not (math.isfinite(self.m_aprime_mev) and self.m_aprime_mev > 2.0 * self.m_chi_mev):
            raise InputError(
                f"dark-photon mass m_A' = {self.m_aprime_mev!r} MeV: must exceed 2 m_chi = "
                f"{2.0 * self.m_chi_mev:g} MeV for the on-shell decay A' -> chi chi* this model simulates "
                f"(default m_A' = 3 m_chi)")
        if not (math.isfinite(self.epsilon) and self.epsilon >= 0):
            raise InputError(f"kinetic mixing epsilon = {self.epsilon!r}: must be a number >= 0")
        if not (math.isfinite(self.alpha_d) and self.alpha_d > 0):
            raise InputError(f"dark coupling alpha_D = {self.alpha_d!r}: must be a positive number")

    @property
    def y(self) -> float:
        """The scaling variable Y = ε² α_D (m_χ/m_A′)⁴."""
        return scaling_y(self.epsilon, self.alpha_d, self.m_chi_mev, self.m_aprime_mev)

    @property
    def coupling(self) -> float:
        """e²ε²g_D²/4π = 4π α α_D ε² (dimensionless), the prefactor of dσ/dT."""
        return 4.0 * math.pi * ALPHA_EM * self.alpha_d * self.epsilon**2


def scaling_y(epsilon: float, alpha_d: float, m_chi_mev: float, m_aprime_mev: float) -> float:
    """Y = ε² α_D (m_χ/m_A′)⁴, the variable relic-density targets and limits are quoted in."""
    return epsilon**2 * alpha_d * (m_chi_mev / m_aprime_mev) ** 4


def meson_to_gamma_aprime_br(meson: str, epsilon: float, m_aprime_mev: float) -> float:
    """BR(M → γA′) = 2ε² (1 − m_A′²/m_M²)³ BR(M → γγ); zero above threshold (m_A′ ≥ m_M)."""
    if meson not in MESONS:
        raise InputError(f"meson '{meson}' has no γA′ channel here; known: {', '.join(MESONS)}")
    m_meson, br_gg = MESONS[meson]
    if m_aprime_mev >= m_meson:
        return 0.0
    return 2.0 * epsilon**2 * (1.0 - (m_aprime_mev / m_meson) ** 2) ** 3 * br_gg


def pi_minus_capture_br(epsilon: float, m_aprime_mev: float, radiative_fraction: float = 1.0) -> float:
    """A′ per captured π⁻: ε² × radiative_fraction below the threshold m_π⁻ + m_p − m_n (pyCEvNS treatment)."""
    if m_aprime_mev >= PI_MINUS_CAPTURE_MAX_APRIME_MEV:
        return 0.0
    return epsilon**2 * radiative_fraction


def two_body_energy_mev(m_parent_mev: float, m_a_mev: float, m_b_mev: float) -> float:
    """Energy of daughter a in the rest frame of a parent decaying to a + b."""
    return (m_parent_mev**2 + m_a_mev**2 - m_b_mev**2) / (2.0 * m_parent_mev)


def aprime_energy_from_meson_at_rest_mev(meson: str, m_aprime_mev: float) -> float:
    """E_A′ = (m_M² + m_A′²)/(2 m_M) in M → γA′ at rest."""
    return two_body_energy_mev(MESONS[meson][0], m_aprime_mev, 0.0)


def aprime_energy_from_capture_mev(m_aprime_mev: float) -> float:
    """E_A′ = ((m_π⁻ + m_p)² + m_A′² − m_n²)/(2(m_π⁻ + m_p)) in π⁻p → nA′ at rest (a line)."""
    return two_body_energy_mev(PI_MINUS_P_MASS_MEV, m_aprime_mev, NEUTRON_MASS_MEV)


def chi_energy_range_mev(e_aprime_mev: float, m_aprime_mev: float, m_chi_mev: float) -> tuple[float, float]:
    """(E_min, E_max) of χ from A′ → χχ* for an A′ of energy E_A′: E_A′/2 ∓ (p_A′/2) √(1 − 4m_χ²/m_A′²).

    The A′ decays isotropically in its rest frame, so the χ energy is uniform between these end points.
    """
    p_aprime = math.sqrt(max(e_aprime_mev**2 - m_aprime_mev**2, 0.0))
    beta_star = math.sqrt(1.0 - 4.0 * m_chi_mev**2 / m_aprime_mev**2)
    return 0.5 * (e_aprime_mev - p_aprime * beta_star), 0.5 * (e_aprime_mev + p_aprime * beta_star)


def decay_width_mev(alpha_d: float, m_aprime_mev: float, m_chi_mev: float) -> float:
    """Γ(A′ → χχ*) = α_D (m_A′² − 4m_χ²) √(m_A′²/4 − m_χ²) / (6 m_A′²) in MeV (PHYSICS.md §5)."""
    if m_aprime_mev <= 2.0 * m_chi_mev:
        raise InputError(f"m_A' = {m_aprime_mev} MeV must exceed 2 m_chi = {2 * m_chi_mev} MeV for A' -> chi chi*")
    return alpha_d * (m_aprime_mev**2 - 4.0 * m_chi_mev**2) * math.sqrt(m_aprime_mev**2 / 4.0 - m_chi_mev**2) / (
        6.0 * m_aprime_mev**2)


# --- χ–nucleus elastic scattering ----------------------------------------------------------------
# Parameter vector of one (model, isotope) channel, shared by the numpy wrappers and the numba kernels.
P_MASS, P_Z, P_MCHI, P_MAPRIME, P_COUPLING, P_FF, P_RADIUS, P_FFPAR, P_SPIN = range(9)
N_PARAMS = 9


def channel_params(dark: DarkSector, isotope, physics) -> np.ndarray:
    """Parameter vector for ``isotope`` (physics.nuclei.Isotope); the form factor follows ``physics``
    (simcoh.config.PhysicsConfig: Helm by default, the same F as CEvNS)."""
    p = np.zeros(N_PARAMS)
    p[P_MASS] = isotope.nuclear_mass_mev
    p[P_Z] = isotope.z
    p[P_MCHI] = dark.m_chi_mev
    p[P_MAPRIME] = dark.m_aprime_mev
    p[P_COUPLING] = dark.coupling
    p[P_FF] = FF_CODES[physics.form_factor]
    p[P_SPIN] = CHI_SPINS[dark.chi_spin]
    if physics.form_factor == "klein_nystrand":
        p[P_RADIUS], p[P_FFPAR] = klein_nystrand_radius_fm(isotope.a), physics.kn_range_fm
    else:
        # χ scatters on the charge: the proton Helm radius (physics.neutron_radii does not apply)
        p[P_RADIUS] = helm_radius_fm(isotope.a, physics.helm_skin_fm, physics.neutron_rms_radius_fm,
                                     physics.helm_radius)
        p[P_FFPAR] = physics.helm_skin_fm
    return p


@nb.njit(inline="always", cache=True)
def chi_t_max_mev(e_chi, m_chi, mass):
    """Largest recoil energy: T_max = 2M p² / (M² + m_χ² + 2ME), p² = E² − m_χ²."""
    p2 = e_chi * e_chi - m_chi * m_chi
    if p2 <= 0.0:
        return 0.0
    return 2.0 * mass * p2 / (mass * mass + m_chi * m_chi + 2.0 * mass * e_chi)


@nb.njit(inline="always", cache=True)
def chi_bracket(e_chi, t, mass, m_chi, spin):
    """B(E, T): scalar χ (spin code 0) 2ME² − 2MET − m_χ²T; Dirac χ (1) 2ME² − 2MET − (M² + m_χ²)T + MT².
    Both are positive and decreasing in T on [0, T_max] (the scalar one exceeds the fermion one by MT(M − T))."""
    b = 2.0 * mass * e_chi * e_chi - 2.0 * mass * e_chi * t - m_chi * m_chi * t
    if spin == 1:
        b += mass * t * t - mass * mass * t
    return b


@nb.njit(cache=True)
def chi_dsigma_dt_natural(e_chi, t, p):
    """dσ/dT in MeV⁻³ for a χ of total energy ``e_chi`` and recoil ``t`` (MeV); 0 outside [0, T_max]."""
    mass, m_chi, m_ap = p[0], p[2], p[3]
    if t < 0.0 or t > chi_t_max_mev(e_chi, m_chi, mass):
        return 0.0
    q_fm = math.sqrt(2.0 * mass * t + t * t) / HBARC_MEV_FM
    ff = form_factor(int(p[5]), q_fm, p[6], p[7])
    prop = 2.0 * mass * t + m_ap * m_ap
    z = p[1]
    return (p[4] * z * z * ff * ff * chi_bracket(e_chi, t, mass, m_chi, int(p[8]))
            / ((e_chi * e_chi - m_chi * m_chi) * prop * prop))


@nb.njit(cache=True)
def _dsigma_grid(e_chi, t, p):
    out = np.empty(t.shape[0])
    for i in range(t.shape[0]):
        out[i] = chi_dsigma_dt_natural(e_chi, t[i], p)
    return out


def dsigma_dt_cm2_per_mev(e_chi_mev: float, t_mev, params: np.ndarray) -> np.ndarray:
    """dσ/dT in cm² MeV⁻¹ at recoil energies ``t_mev`` for one χ energy."""
    t = np.ascontiguousarray(np.atleast_1d(np.asarray(t_mev, float)))
    return _dsigma_grid(float(e_chi_mev), t, np.asarray(params, float)) * MEV2_TO_CM2


# Composite Gauss–Legendre in x = ln(2MT + m_A′²), where the propagator makes the integrand smooth.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_GL_PANELS = 24


def sigma_cm2(e_chi_mev, params: np.ndarray, t_min_mev: float = 0.0) -> np.ndarray:
    """Total cross section for T ≥ t_min (cm²) at each χ total energy, by composite Gauss–Legendre quadrature
    (24 panels × 16 nodes in ln(2MT + m_A′²); relative accuracy better than 1e-6 against adaptive quadrature)."""
    e = np.atleast_1d(np.asarray(e_chi_mev, float))
    p = np.asarray(params, float)
    mass, m_ap = p[P_MASS], p[P_MAPRIME]
    out = np.zeros(e.shape)
    for k, ek in enumerate(e):
        t_hi = float(chi_t_max_mev(ek, p[P_MCHI], mass))
        if t_hi <= t_min_mev:
            continue
        x_lo, x_hi = math.log(2 * mass * t_min_mev + m_ap**2), math.log(2 * mass * t_hi + m_ap**2)
        edges = np.linspace(x_lo, x_hi, _GL_PANELS + 1)
        half = 0.5 * np.diff(edges)[:, None]
        x = (0.5 * (edges[1:] + edges[:-1]))[:, None] + half * _GL_X[None, :]
        w = (half * _GL_W[None, :]).ravel()
        ex = np.exp(x.ravel())
        t = np.clip((ex - m_ap**2) / (2 * mass), t_min_mev, t_hi)
        # dT = e^x dx / (2M)
        out[k] = float(np.sum(w * _dsigma_grid(ek, np.ascontiguousarray(t), p) * ex / (2 * mass)))
    return out * MEV2_TO_CM2

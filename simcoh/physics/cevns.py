"""Coherent elastic neutrino–nucleus scattering cross section (PHYSICS.md §2).

General form with vector and axial terms (the convention of arXiv:1803.09183):

    dσ/dT = G_F² M / (2π) · [ (G_V + G_A)² + (G_V − G_A)² (1 − T/Eν)² − (G_V² − G_A²) M T / Eν² ]

with G_V = (Z g_p^V + N g_n^V) F(q) and G_A = (g_p^A 2⟨S_p⟩ + g_n^A 2⟨S_n⟩) F(q); for G_A = 0 this is the
familiar (G_F² M/4π) Q_W² F² [1 − T/Eν − M T/(2Eν²) + T²/(2Eν²)] with Q_W = −2(Z g_p + N g_n).
q = √(2MT + T²)/ħc. The axial form factor is taken equal to the vector one (an approximation; the
axial term is ≲ 1e-3 of the total for CsI).

Non-standard interactions (quark-level vector ε^q_αβ, Barranco et al., JHEP 12 (2005) 021) replace G_V²
by [Z(g_p + 2ε^u_αα + ε^d_αα) + N(g_n + ε^u_αα + 2ε^d_αα)]² + Σ_{β≠α}[Z(2ε^u_αβ + ε^d_αβ) + N(ε^u_αβ + 2ε^d_αβ)]²;
the off-diagonal sum does not interfere with the axial term. ε is taken real and symmetric (ε_αβ = ε_βα).

A neutrino magnetic moment adds incoherently (Vogel & Engel, PRD 39, 3378 (1989)):
dσ/dT = (π α²/m_e²) (1/T − 1/Eν + T/(4Eν²)) (μν/μ_B)² Z² F²(q).

Energies in MeV; cross sections in cm² (``dsigma_dt_cm2_per_mev``, ``sigma_cm2``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from .. import constants as C
from ..config import PhysicsConfig, parse_nsi_key
from ..errors import InputError
from .formfactors import (FF_CODES, NEUTRON_RMS_RADII_FM, form_factor_pn, helm_radius_fm, helm_radius_from_rms_fm,
                          klein_nystrand_radius_fm)
from .nuclei import Isotope

#: Axial nucleon couplings at tree level, g_A^p = +1/2, g_A^n = −1/2 (PHYSICS.md §2: "g^A ≈ ±0.5");
#: the nucleon axial charge and strange-quark contributions are neglected.
G_A_PROTON = 0.5
G_A_NEUTRON = -0.5

#: Flavour of the neutrino in each simcoh flavour code, and whether it is an antineutrino.
FLAVOUR_LEPTON = {"nu_e": "e", "nu_mu": "mu", "nu_mu_bar": "mu", "nu_e_bar": "e", "nu_tau": "tau", "nu_tau_bar": "tau"}
FLAVOUR_IS_ANTI = {"nu_e": False, "nu_mu": False, "nu_mu_bar": True, "nu_e_bar": True, "nu_tau": False, "nu_tau_bar": True}

# indices into the per-channel parameter vector used by the kernels
P_MASS, P_GV, P_GV2_OFF, P_GA, P_FF, P_RADIUS, P_FFPAR, P_MU, P_RADIUS_N, P_WEIGHT_N = range(10)
N_PARAMS = 10

_GF2_OVER_2PI = C.G_FERMI_MEV2**2 / (2.0 * math.pi)
_HBARC_FM = C.HBARC_MEV_FM
_MEV2_TO_CM2 = C.MEV2_TO_CM2


def nucleon_couplings(flavour: str, physics: PhysicsConfig) -> tuple[float, float]:
    """Vector couplings (g_p^V, g_n^V) for a neutrino flavour.

    tree: g_p = 1/2 − 2 sin²θ_W, g_n = −1/2. radiative: the PDG radiatively corrected values
    g_p = 0.0298, g_n = −0.5117 (the νμ couplings, νμ charge radius included), plus (if ``charge_radius``)
    the difference of the flavour's charge-radius term from the νμ one (PHYSICS.md §2). The same corrections
    are applied to ν and ν̄ of one lepton flavour.
    """
    if flavour not in FLAVOUR_LEPTON:
        raise InputError(f"unknown neutrino flavour '{flavour}'; choose one of {', '.join(FLAVOUR_LEPTON)}")
    if physics.couplings == "tree":
        return 0.5 - 2.0 * physics.sin2_theta_w, -0.5
    g_p = C.G_P_V_RADIATIVE
    if physics.charge_radius:  # 0.0298 already holds the νμ charge radius: add the difference to νμ only
        g_p += C.CHARGE_RADIUS_DG_P[FLAVOUR_LEPTON[flavour]] - C.CHARGE_RADIUS_DG_P["mu"]
    return g_p, C.G_N_V_RADIATIVE


def weak_charges(isotope: Isotope, flavour: str, physics: PhysicsConfig) -> tuple[float, float, float]:
    """(G_V diagonal, Σ off-diagonal G_V², G_A) without form factors, including NSI."""
    gv_p, gv_n, gv2_off, ga = _weak_charge_parts(isotope, flavour, physics)
    return gv_p + gv_n, gv2_off, ga


def _weak_charge_parts(isotope: Isotope, flavour: str, physics: PhysicsConfig):
    """(proton part Z g_p', neutron part N g_n' of G_V, Σ off-diagonal G_V², G_A), NSI included in g'."""
    g_p, g_n = nucleon_couplings(flavour, physics)
    alpha = FLAVOUR_LEPTON[flavour]
    eps = {}
    for key, value in physics.nsi:
        quark, a, b = parse_nsi_key(key)
        eps[(quark, a, b)] = value
        eps[(quark, b, a)] = value
    z, n = isotope.z, isotope.n

    def e(q, a, b):
        return eps.get((q, a, b), 0.0)

    gv_p = z * (g_p + 2 * e("u", alpha, alpha) + e("d", alpha, alpha))
    gv_n = n * (g_n + e("u", alpha, alpha) + 2 * e("d", alpha, alpha))
    gv2_off = 0.0
    for beta in ("e", "mu", "tau"):
        if beta != alpha:
            gv2_off += (z * (2 * e("u", alpha, beta) + e("d", alpha, beta)) + n * (e("u", alpha, beta) + 2 * e("d", alpha, beta))) ** 2
    ga = 0.0
    if physics.axial:
        ga = G_A_PROTON * 2 * isotope.spin_p + G_A_NEUTRON * 2 * isotope.spin_n
        if FLAVOUR_IS_ANTI[flavour]:
            ga = -ga
    return gv_p, gv_n, gv2_off, ga


def channel_params(isotope: Isotope, flavour: str, physics: PhysicsConfig) -> np.ndarray:
    """Parameter vector of one (isotope, flavour) channel for the numba kernels."""
    gv_p, gv_n, gv2_off, ga = _weak_charge_parts(isotope, flavour, physics)
    gv = gv_p + gv_n
    ff_code = FF_CODES[physics.form_factor]
    radius_n, weight_n = 0.0, 0.0
    if physics.form_factor == "klein_nystrand":
        radius, par = klein_nystrand_radius_fm(isotope.a), physics.kn_range_fm
    else:
        radius = helm_radius_fm(isotope.a, physics.helm_skin_fm, physics.neutron_rms_radius_fm, physics.helm_radius)
        par = physics.helm_skin_fm
        r_n = NEUTRON_RMS_RADII_FM[physics.neutron_radii].get(isotope.name)
        if physics.form_factor == "helm" and r_n is not None and physics.neutron_rms_radius_fm is None:
            radius_n = helm_radius_from_rms_fm(r_n, physics.helm_skin_fm)
            # Q_W weighting: G_V F_eff = Z g_p F_p + N g_n F_n (N g_n dominates; a vanishing G_V leaves F = F_n)
            weight_n = gv_n / gv if abs(gv) > 1e-12 * (abs(gv_p) + abs(gv_n)) else 1.0
    mu_coef = C.MAGNETIC_MOMENT_PREFACTOR_MEV2 * physics.magnetic_moment_mu_b**2 * isotope.z**2
    p = np.zeros(N_PARAMS)
    p[P_MASS] = isotope.nuclear_mass_mev
    p[P_GV], p[P_GV2_OFF], p[P_GA] = gv, gv2_off, ga
    p[P_FF], p[P_RADIUS], p[P_FFPAR] = ff_code, radius, par
    p[P_MU] = mu_coef
    p[P_RADIUS_N], p[P_WEIGHT_N] = radius_n, weight_n
    return p


@nb.njit(inline="always", cache=True)
def t_max_mev(e_nu_mev, mass_mev):
    """Maximum recoil kinetic energy 2Eν²/(M + 2Eν)."""
    return 2.0 * e_nu_mev * e_nu_mev / (mass_mev + 2.0 * e_nu_mev)


@nb.njit(inline="always", cache=True)
def e_nu_min_mev(t_mev, mass_mev):
    """Minimum neutrino energy to give recoil T: ½(T + √(T² + 2MT))."""
    return 0.5 * (t_mev + math.sqrt(t_mev * t_mev + 2.0 * mass_mev * t_mev))


@nb.njit(inline="always", cache=True)
def dsigma_dt_natural(e_nu_mev, t_mev, p):
    """dσ/dT in MeV⁻³ (natural units) for the channel parameter vector ``p``."""
    mass = p[0]
    if t_mev <= 0.0 or e_nu_mev <= 0.0 or t_mev > t_max_mev(e_nu_mev, mass):
        return 0.0
    q = math.sqrt(2.0 * mass * t_mev + t_mev * t_mev) / _HBARC_FM
    f = form_factor_pn(int(p[4]), q, p[5], p[6], p[8], p[9])
    gv = p[1] * f
    gv2_off = p[2] * f * f
    ga = p[3] * f
    y = 1.0 - t_mev / e_nu_mev
    recoil = mass * t_mev / (e_nu_mev * e_nu_mev)
    bracket = (gv + ga) ** 2 + (gv - ga) ** 2 * y * y - (gv * gv - ga * ga) * recoil + gv2_off * (1.0 + y * y - recoil)
    ds = _GF2_OVER_2PI * mass * bracket
    if p[7] != 0.0:
        ds += p[7] * (1.0 / t_mev - 1.0 / e_nu_mev + t_mev / (4.0 * e_nu_mev * e_nu_mev)) * f * f
    return ds if ds > 0.0 else 0.0


# Gauss–Legendre nodes on [-1, 1] for the recoil integral.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)


@nb.njit(cache=True)
def sigma_natural(e_nu_mev, t_min_mev, p, gl_x, gl_w):
    """Total cross section for T ≥ t_min in MeV⁻² (Gauss–Legendre; in log T when μν ≠ 0)."""
    t_hi = t_max_mev(e_nu_mev, p[0])
    if t_hi <= t_min_mev:
        return 0.0
    total = 0.0
    if p[7] != 0.0 and t_min_mev > 0.0:
        a, b = math.log(t_min_mev), math.log(t_hi)
        for k in range(gl_x.shape[0]):
            t = math.exp(0.5 * (b - a) * gl_x[k] + 0.5 * (b + a))
            total += gl_w[k] * dsigma_dt_natural(e_nu_mev, t, p) * t
        return 0.5 * (b - a) * total
    for k in range(gl_x.shape[0]):
        t = 0.5 * (t_hi - t_min_mev) * gl_x[k] + 0.5 * (t_hi + t_min_mev)
        total += gl_w[k] * dsigma_dt_natural(e_nu_mev, t, p)
    return 0.5 * (t_hi - t_min_mev) * total


@nb.njit(cache=True)
def _sigma_array(e_nu_mev, t_min_mev, p, gl_x, gl_w):
    out = np.empty(e_nu_mev.shape[0])
    for i in range(e_nu_mev.shape[0]):
        out[i] = sigma_natural(e_nu_mev[i], t_min_mev, p, gl_x, gl_w)
    return out


@nb.njit(cache=True)
def _dsigma_array(e_nu_mev, t_mev, p):
    out = np.empty(e_nu_mev.shape[0])
    for i in range(e_nu_mev.shape[0]):
        out[i] = dsigma_dt_natural(e_nu_mev[i], t_mev[i], p)
    return out


@dataclass(frozen=True)
class CevnsModel:
    """CEvNS on one isotope for one neutrino flavour, with vectorised cross sections in cm²."""

    isotope: Isotope
    flavour: str
    physics: PhysicsConfig

    @property
    def params(self) -> np.ndarray:
        return channel_params(self.isotope, self.flavour, self.physics)

    def dsigma_dt_cm2_per_mev(self, e_nu_mev, t_nr_mev) -> np.ndarray:
        e, t = np.broadcast_arrays(np.asarray(e_nu_mev, float), np.asarray(t_nr_mev, float))
        out = _dsigma_array(np.ascontiguousarray(e.ravel()), np.ascontiguousarray(t.ravel()), self.params)
        return (out * _MEV2_TO_CM2).reshape(e.shape)

    def sigma_cm2(self, e_nu_mev, t_min_mev: float = 0.0) -> np.ndarray:
        e = np.atleast_1d(np.asarray(e_nu_mev, float))
        out = _sigma_array(np.ascontiguousarray(e.ravel()), float(t_min_mev), self.params, _GL_X, _GL_W)
        return (out * _MEV2_TO_CM2).reshape(e.shape)

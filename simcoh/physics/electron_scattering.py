"""Neutrino-electron elastic scattering at tree level in the Standard Model.

dσ/dT = (G_F² m_e / 2π) [ (g_V + g_A)² + (g_V − g_A)² (1 − T/Eν)² − (g_V² − g_A²) m_e T / Eν² ],
0 ≤ T ≤ T_max = 2Eν² / (m_e + 2Eν) (P. Vogel, J. Engel, Phys. Rev. D 39, 3378 (1989), eq. 1 with μ_ν = 0), with
g_V = ±1/2 + 2 sin²θ_W, g_A = ±1/2 (+ for νe, which also scatter through the W; − for νμ), and g_A → −g_A for
antineutrinos. sin²θ_W = 0.23857 (MS-bar at low Q², PDG). Radiative corrections (J.N. Bahcall, M. Kamionkowski,
A. Sirlin, Phys. Rev. D 51, 6146 (1995)) are not applied.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import ELECTRON_MASS_MEV, G_FERMI_MEV2, HBARC_MEV_CM, SIN2_THETA_W_LOW_Q2

#: G_F² m_e / 2π in cm² per MeV (4.31e-45).
PREFACTOR_CM2_PER_MEV = G_FERMI_MEV2**2 * ELECTRON_MASS_MEV / (2.0 * math.pi) * HBARC_MEV_CM**2


def couplings(flavour: str, sin2_theta_w: float = SIN2_THETA_W_LOW_Q2) -> tuple[float, float]:
    """(g_V, g_A) for ν-e scattering of ``flavour`` (config.FLAVOURS names)."""
    charged = flavour in ("nu_e", "nu_e_bar")
    half = 0.5 if charged else -0.5
    gv, ga = half + 2.0 * sin2_theta_w, half
    return (gv, -ga) if flavour.endswith("_bar") else (gv, ga)


def t_max_mev(e_nu_mev):
    e = np.asarray(e_nu_mev, float)
    return 2.0 * e * e / (ELECTRON_MASS_MEV + 2.0 * e)


def dsigma_dt_cm2_per_mev(e_nu_mev, t_mev, gv: float, ga: float):
    e, t = np.asarray(e_nu_mev, float), np.asarray(t_mev, float)
    y = 1.0 - t / e
    val = (gv + ga) ** 2 + (gv - ga) ** 2 * y * y - (gv * gv - ga * ga) * ELECTRON_MASS_MEV * t / (e * e)
    return np.where((t >= 0) & (t <= t_max_mev(e)), PREFACTOR_CM2_PER_MEV * val, 0.0)


def sigma_cm2(e_nu_mev, gv: float, ga: float, t_min_mev: float = 0.0):
    """∫ dσ/dT over [t_min, T_max] in closed form."""
    e = np.asarray(e_nu_mev, float)
    hi = t_max_mev(e)
    lo = np.minimum(t_min_mev, hi)

    def primitive(t):
        return ((gv + ga) ** 2 * t - (gv - ga) ** 2 * e / 3.0 * (1.0 - t / e) ** 3
                - (gv * gv - ga * ga) * ELECTRON_MASS_MEV * t * t / (2.0 * e * e))

    return PREFACTOR_CM2_PER_MEV * (primitive(hi) - primitive(lo))


def cos_theta(e_nu_mev, t_mev):
    """Cosine of the electron angle to the neutrino: (1 + m_e/Eν) √(T / (T + 2 m_e))."""
    e, t = np.asarray(e_nu_mev, float), np.asarray(t_mev, float)
    return (1.0 + ELECTRON_MASS_MEV / e) * np.sqrt(t / (t + 2.0 * ELECTRON_MASS_MEV))

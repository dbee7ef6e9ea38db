"""Cherenkov light of a relativistic electron in water or heavy water.

Frank-Tamm (I. Frank, I. Tamm, Dokl. Akad. Nauk SSSR 14, 109 (1937); PDG review "Passage of particles through
matter", eq. 34.45): photons per unit path and photon energy, for a unit charge with velocity β in a medium of
refractive index n,

    d²N/(dx dE_γ) = (α / ħc) · (1 − 1/(β² n²))  ≈ 370 · sin²θ_C  photons eV⁻¹ cm⁻¹,

so in a wavelength band [λ1, λ2] (constant n): dN/dx = 2πα (1 − 1/(β²n²)) (1/λ1 − 1/λ2).

Track length: an electron of kinetic energy T above the Cherenkov threshold T_thr is taken to radiate along a
track of length (T − T_thr) / S, with S a constant stopping power (``stopping_mev_per_cm``; for water the
PDG minimum-ionisation value 1.992 MeV cm²/g at 1 g/cm³) and β = 1 on it. This approximation ignores the drop of
β near the end of the track, the rise of the collision loss with energy, and the bremsstrahlung photons whose
conversion electrons radiate too; its size is not evaluated here (a Geant4 model of the detector replaces it).
"""

from __future__ import annotations

import math

from ..constants import ALPHA_EM, ELECTRON_MASS_MEV, HBARC_MEV_CM

#: Refractive index of (heavy) water in the visible; the task's convention n = 1.33 (D2O: 1.328 at 589 nm,
#: CRC Handbook of Chemistry and Physics).
N_WATER = 1.33
#: Minimum ionisation of water, 1.992 MeV cm²/g (PDG, Atomic and nuclear properties of materials: water), at
#: 1 g/cm³. Heavy water has nearly the same electron density per cm³ (Z/A·ρ: 0.553 vs 0.555 mol/cm³).
STOPPING_WATER_MEV_PER_CM = 1.992


def photons_per_ev_cm(n: float = N_WATER, beta: float = 1.0) -> float:
    """d²N/(dx dE_γ) in photons per eV per cm (Frank-Tamm)."""
    sin2 = max(0.0, 1.0 - 1.0 / (beta * beta * n * n))
    return ALPHA_EM / (HBARC_MEV_CM * 1e6) * sin2


def photons_per_cm(lambda_min_nm: float, lambda_max_nm: float, n: float = N_WATER, beta: float = 1.0) -> float:
    """Photons per cm of track with wavelengths in [lambda_min_nm, lambda_max_nm] (constant n)."""
    inv_cm = (1.0 / lambda_min_nm - 1.0 / lambda_max_nm) * 1e7
    return 2.0 * math.pi * ALPHA_EM * max(0.0, 1.0 - 1.0 / (beta * beta * n * n)) * inv_cm


def threshold_kinetic_mev(n: float = N_WATER) -> float:
    """Electron kinetic energy at which β = 1/n: m_e (1/√(1 − 1/n²) − 1); 0.264 MeV for n = 1.33."""
    return ELECTRON_MASS_MEV * (1.0 / math.sqrt(1.0 - 1.0 / (n * n)) - 1.0)


def photons_per_mev(lambda_min_nm: float, lambda_max_nm: float, n: float = N_WATER,
                    stopping_mev_per_cm: float = STOPPING_WATER_MEV_PER_CM) -> float:
    """Photons per MeV of electron kinetic energy above threshold (β = 1 track of (T − T_thr)/S)."""
    return photons_per_cm(lambda_min_nm, lambda_max_nm, n) / stopping_mev_per_cm

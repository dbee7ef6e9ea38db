"""Exposure and flux of the stopped-pion source (PHYSICS.md §1).

Φ = r · N_POT / (4π L²) per flavour, with r neutrinos per flavour per proton on target (POT) emitted
isotropically, and N_POT = E_beam / E_p.
"""

from __future__ import annotations

import math

from ..errors import InputError
from ..units import parse_quantity


def exposure_pot_from_energy(beam_energy_mev: float, proton_energy_mev: float) -> float:
    """Number of protons on target for an integrated beam energy (both in MeV)."""
    if beam_energy_mev < 0 or proton_energy_mev <= 0:
        raise InputError(
            f"beam energy ({beam_energy_mev} MeV) must be >= 0 and proton energy ({proton_energy_mev} MeV) > 0"
        )
    return beam_energy_mev / proton_energy_mev


def pot_per_gwh(proton_energy_mev: float) -> float:
    """POT delivered by 1 GWh of beam of ``proton_energy_mev`` protons (2.247e22 at 1 GeV); no default: the energy
    is the data set's ([beam] proton_energy)."""
    return exposure_pot_from_energy(parse_quantity("1 GWh", "MeV"), proton_energy_mev)


def flux_per_cm2(n_pot: float, nu_per_flavour_per_pot: float, distance_cm: float) -> float:
    """Time-integrated flux per flavour (ν/cm²) at ``distance_cm`` from the target."""
    if distance_cm <= 0:
        raise InputError(f"distance {distance_cm} cm must be positive")
    if nu_per_flavour_per_pot <= 0:
        raise InputError(f"neutrinos per flavour per POT {nu_per_flavour_per_pot} must be positive")
    return nu_per_flavour_per_pot * n_pot / (4.0 * math.pi * distance_cm**2)


def flux_rate_per_cm2_s(beam_power_mw: float, proton_energy_mev: float, nu_per_flavour_per_pot: float,
                        distance_cm: float, n_flavours: int = 3) -> float:
    """Instantaneous-average flux (ν cm⁻² s⁻¹) summed over ``n_flavours`` for a beam power in MW."""
    pot_per_s = beam_power_mw * 1e6 / (proton_energy_mev * 1.602176634e-13)
    return n_flavours * flux_per_cm2(pot_per_s, nu_per_flavour_per_pot, distance_cm)

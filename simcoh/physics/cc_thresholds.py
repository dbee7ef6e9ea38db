"""Energy thresholds of νe charged-current reactions that emit nucleons, from AME2020 masses.

A neutrino of energy E_ν on a target nucleus at rest makes the final state e⁻ + residual + n neutrons + p protons
only if the invariant mass allows it: E_ν ≥ ((Σ m_final)² − M_target²) / (2 M_target), exactly (massless ν).
Masses: nuclear masses from AME2020 (simcoh.physics.nuclei; Wang et al., Chinese Phys. C 45, 030003 (2021)),
m_n, m_p, m_e from CODATA 2018. Electron binding energies are neglected, as in the nuclear masses: they change
a threshold by the binding difference of neighbouring elements, ≲ 20 keV for lead (Thomas-Fermi estimate). Used to check that a tabulated (νe, e⁻ Xn) cross section vanishes where energy
conservation forbids the channel (docs/nube.md).
"""

from __future__ import annotations

from ..constants import ELECTRON_MASS_MEV, NEUTRON_MASS_MEV, PROTON_MASS_MEV
from .nuclei import Isotope, isotope, isotope_za


def cc_residual(target: str, neutrons: int = 0, protons: int = 0) -> Isotope:
    """Residual nucleus of target(νe, e⁻ ``neutrons``n ``protons``p): Z + 1 − p, A − n − p."""
    t = isotope(target)
    return isotope_za(t.z + 1 - protons, t.a - neutrons - protons)


def cc_threshold_mev(target: str, neutrons: int = 0, protons: int = 0) -> float:
    """Lowest νe energy (MeV) for target(νe, e⁻ ``neutrons``n ``protons``p) + residual, target at rest."""
    if neutrons < 0 or protons < 0:
        raise ValueError(f"neutrons={neutrons}, protons={protons}: expected counts >= 0")
    m_target = isotope(target).nuclear_mass_mev
    m_final = (cc_residual(target, neutrons, protons).nuclear_mass_mev + ELECTRON_MASS_MEV
               + neutrons * NEUTRON_MASS_MEV + protons * PROTON_MASS_MEV)
    return (m_final**2 - m_target**2) / (2.0 * m_target)


def separation_energy_mev(nucleus: str, particle: str) -> float:
    """Neutron (``"n"``) or proton (``"p"``) separation energy of ``nucleus`` in MeV."""
    iso = isotope(nucleus)
    if particle == "n":
        return isotope_za(iso.z, iso.a - 1).nuclear_mass_mev + NEUTRON_MASS_MEV - iso.nuclear_mass_mev
    if particle == "p":
        return isotope_za(iso.z - 1, iso.a - 1).nuclear_mass_mev + PROTON_MASS_MEV - iso.nuclear_mass_mev
    raise ValueError(f"particle {particle!r}: expected 'n' or 'p'")

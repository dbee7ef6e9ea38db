"""νe + ¹⁶O → e⁻ + ¹⁶F(*) (charged current on oxygen): threshold and the built-in cross-section table.

Threshold: Q = M(¹⁶F) − M(¹⁶O) in atomic masses (the extra electron of ¹⁶F is the outgoing e⁻), from the AME2020
mass excesses (Wang et al., Chinese Phys. C 45, 030003 (2021)): 15.41 MeV. ¹⁶F is proton-unbound in all its
states; the transition strength goes mostly to its excited states (0⁻, 1⁻, 2⁻ near 0–0.7 MeV and the spin-dipole
resonances above), which this module does not resolve: the electron kinetic energy is taken as T_e = Eν − Q,
the largest it can be.

Cross section (:func:`builtin_xs_table`): E. Kolbe, K. Langanke, P. Vogel, PRD 66, 013007 (2002), continuum RPA,
15–100 MeV on 20 energies (simcoh/data/PROVENANCE.md). σ rises by four orders of magnitude between 17.5 and
30 MeV, so linear interpolation of the 2.5–5 MeV grid overestimates the Michel-averaged σ by 3.6 %; the table is
therefore interpolated in log σ onto a 0.05 MeV grid when loaded (then linear on that grid, < 0.1 % from
log-linear). KLV give no uncertainty; the shipped 30 % is an assumption (docs/d2o.md).
"""

from __future__ import annotations

import numpy as np

from ..constants import ATOMIC_MASS_UNIT_MEV
from .deuteron import XsTable, read_xs_table
from .nuclei import isotope

BUILTIN_XS = "nu_o16_cc_klv.txt"
#: Spacing of the log-interpolated grid the shipped table is expanded onto (MeV).
FINE_STEP_MEV = 0.05


def q_value_mev() -> float:
    """M(¹⁶F) − M(¹⁶O) from the AME2020 mass excesses (15.41 MeV)."""
    return (isotope("F16").atomic_mass_u - isotope("O16").atomic_mass_u) * ATOMIC_MASS_UNIT_MEV


def log_refined(table: XsTable, step_mev: float = FINE_STEP_MEV) -> XsTable:
    """The same table on a fine grid, σ interpolated linearly in log σ (a steep σ(E) is convex: linear
    interpolation of a coarse grid overestimates it). Points with σ = 0 stay 0 up to the first σ > 0."""
    positive = table.sigma_cm2 > 0
    e0 = table.e_nu_mev[positive][0]
    fine = np.arange(e0, table.e_nu_mev[-1] + 0.5 * step_mev, step_mev)
    fine[-1] = min(fine[-1], table.e_nu_mev[-1])
    log_s = np.interp(fine, table.e_nu_mev[positive], np.log(table.sigma_cm2[positive]))
    unc = np.interp(fine, table.e_nu_mev, table.rel_unc)
    return XsTable(fine, np.exp(log_s), unc, table.source)


def builtin_xs_table() -> XsTable:
    """The shipped KLV νe ¹⁶O CC table (simcoh/data/oxygen16/), log-interpolated onto a 0.05 MeV grid."""
    from importlib import resources

    path = resources.files("simcoh.data").joinpath("oxygen16").joinpath(BUILTIN_XS)
    return log_refined(read_xs_table(str(path), label="o16_cc"))

"""νe + d → p + p + e⁻ (charged current on the deuteron): threshold, cross-section tables, flux-averaged cross
section and the flux normalisation a D2O detector measures.

Threshold: Q = 2 m_p + m_e − m_d = 2 M(¹H) − M(²H) in atomic masses (electron binding neglected), from the AME2020
mass excesses (Wang et al., Chinese Phys. C 45, 030003 (2021)): 1.442 MeV. The electron kinetic energy is
T_e = Eν − Q − T_pp − T_recoil; this module's kinematics set T_pp = 0 (the pp pair's relative energy, which
the differential cross sections of Nakamura et al., nucl-th/0009012, spread over a few MeV at πDAR energies, is not
modelled), so T_e is the largest energy the electron can have.

Cross section: a table σ(Eν) with its relative theory uncertainty (:func:`read_xs_table`). Built in
(:func:`builtin_xs_table`): the Nakamura-Sato-Gudkov-Kubodera calculation (S. Nakamura et al., Nucl. Phys. A 696,
491 (2001), nucl-th/0009012; the posted table, labelled as the 2002 update nucl-th/0201062 where it was taken from,
see simcoh/data/PROVENANCE.md), 1.5-170 MeV, with the 1 % uncertainty nucl-th/0201062 assigns at solar energies
(radiative corrections excluded; above 20 MeV an assumption). Between table points σ is interpolated linearly;
below the first point it is 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constants import ATOMIC_MASS_UNIT_MEV
from ..errors import Diagnostic, InputError
from ..limits import read_bounded_text
from .nuclei import isotope


def q_value_mev() -> float:
    """2 M(¹H) − M(²H) from the AME2020 mass excesses (1.442 MeV)."""
    h1, h2 = isotope("H1"), isotope("H2")
    return (2.0 * h1.atomic_mass_u - h2.atomic_mass_u) * ATOMIC_MASS_UNIT_MEV


@dataclass(frozen=True)
class XsTable:
    """σ(Eν) in cm² with its relative 1σ theory uncertainty at each energy."""

    e_nu_mev: np.ndarray
    sigma_cm2: np.ndarray
    rel_unc: np.ndarray
    source: str = ""

    def sigma(self, e_nu_mev) -> np.ndarray:
        e = np.asarray(e_nu_mev, float)
        return np.where(e >= self.e_nu_mev[0], np.interp(e, self.e_nu_mev, self.sigma_cm2, right=np.nan), 0.0)

    def rel_uncertainty(self, e_nu_mev) -> np.ndarray:
        return np.interp(np.asarray(e_nu_mev, float), self.e_nu_mev, self.rel_unc)


BUILTIN_XS = "nu_d_cc_nsgk.txt"


def builtin_xs_table() -> XsTable:
    """The shipped NSGK νe d → e⁻pp table (simcoh/data/deuteron/)."""
    from importlib import resources

    return read_xs_table(str(resources.files("simcoh.data").joinpath("deuteron").joinpath(BUILTIN_XS)))


def read_xs_table(path: str, label: str = "d2o_cc") -> XsTable:
    """Three columns: Eν [MeV] (increasing), σ [cm²] (≥ 0), relative 1σ uncertainty (0-1); '#' comments.
    Errors name the file and line (``label``: the process the table is for)."""
    try:
        text = read_bounded_text(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the {label} cross-section table '{path}': {exc}") from None
    rows, source = [], []
    expected = "three numbers per line: E_nu_MeV sigma_cm2 relative_uncertainty (e.g. '30 1.2e-41 0.03')"
    for lineno, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if line.lstrip().startswith("#"):
            source.append(line.lstrip("# ").strip())
        if not body:
            continue
        parts = body.split()
        try:
            values = [float(x) for x in parts]
        except ValueError:
            values = []
        if len(values) != 3 or not all(math.isfinite(v) for v in values):
            raise InputError(Diagnostic(f"bad cross-section row '{body}'", file=str(path), line=lineno,
                                        expected=expected, suggestion="see docs/d2o.md for the format"))
        e, s, u = values
        if s < 0 or not 0 <= u < 1 or (rows and e <= rows[-1][0]):
            raise InputError(Diagnostic(f"cross-section row '{body}' is out of range", file=str(path),
                                        line=lineno, expected="energies increasing, sigma >= 0, 0 <= uncertainty < 1",
                                        suggestion="sort the table by energy; give sigma in cm²"))
        rows.append(values)
    if len(rows) < 2:
        raise InputError(Diagnostic("the cross-section table needs at least two rows", file=str(path),
                                    expected=expected))
    a = np.array(rows)
    return XsTable(a[:, 0], a[:, 1], a[:, 2], " ".join(source))


def flux_average(table: XsTable, edges_mev: np.ndarray, prob: np.ndarray,
                 label: str = "d2o_cc") -> tuple[float, float, np.ndarray]:
    """(⟨σ⟩ in cm², its relative uncertainty, σ-weighted bin probabilities) over a binned spectrum (bin
    midpoints). The uncertainty is taken fully correlated across energies: Σ p σ u / Σ p σ."""
    mid = 0.5 * (edges_mev[1:] + edges_mev[:-1])
    if np.any(prob[mid > table.e_nu_mev[-1]] > 0):
        raise InputError(Diagnostic(
            f"the {label} cross-section table ends at {table.e_nu_mev[-1]:g} MeV, below the largest neutrino energy "
            f"{mid[prob > 0].max():.4g} MeV", expected="a table reaching the end of the neutrino spectrum",
            suggestion="extend the table to 52.8 MeV (the Michel endpoint) or beyond"))
    sigma = np.nan_to_num(table.sigma(mid))
    w = prob * sigma
    avg = float(w.sum())
    if avg <= 0:
        raise InputError(f"the {label} cross section is zero over the whole neutrino spectrum")
    return avg, float(np.sum(w * table.rel_uncertainty(mid)) / avg), w


@dataclass(frozen=True)
class FluxNormalisation:
    """Flux Φ = (N − B) / (N_d ⟨σ⟩) from a count N on an expected background B, with statistical, cross-section
    and background uncertainties (relative to Φ)."""

    flux_per_cm2: float
    rel_stat: float
    rel_xs: float
    rel_background: float = 0.0

    @property
    def rel_total(self) -> float:
        return math.sqrt(self.rel_stat**2 + self.rel_xs**2 + self.rel_background**2)


def flux_normalisation(n_events: float, n_deuterons: float, sigma_avg_cm2: float,
                       sigma_rel_unc: float, n_background: float = 0.0,
                       background_rel_unc: float = 0.0) -> FluxNormalisation:
    """νe flux (per cm² over the exposure) from N events on top of an expected background B:
    Φ = (N − B)/(N_d ⟨σ⟩); statistical error √N/(N − B) (Poisson), cross-section error as given, background error
    B·u_B/(N − B) with u_B the background's relative uncertainty (taken independent of the others)."""
    signal = n_events - n_background
    if signal <= 0 or n_deuterons <= 0 or sigma_avg_cm2 <= 0:
        raise InputError("flux normalisation needs a positive signal count, deuteron number and cross section")
    return FluxNormalisation(signal / (n_deuterons * sigma_avg_cm2), math.sqrt(n_events) / signal, sigma_rel_unc,
                             n_background * background_rel_unc / signal)


def flux_normalisation_with_oxygen(n_events: float, n_deuterons: float, sigma_avg_cm2: float,
                                   sigma_rel_unc: float, n_o16: float, sigma_o16_cm2: float,
                                   o16_rel_unc: float) -> FluxNormalisation:
    """νe flux (per cm²) from N events of νe d CC and νe ¹⁶O CC together, not told apart. Both are driven by the
    same νe flux, so the ¹⁶O part is not a fixed background but scales with the flux being measured:
    N = Φ (N_d⟨σ_d⟩ + N_O⟨σ_O⟩), Φ = N / (N_d⟨σ_d⟩ + N_O⟨σ_O⟩). Subtracting an ¹⁶O count predicted from a model
    flux would make the measurement depend on that model (a flux 10 % above it would read ≈ 10.8 % above).
    Errors (relative to Φ, independent): statistical 1/√N, νe d cross section u_d·f_d, ¹⁶O cross section
    u_O·f_O (reported as ``rel_background``), with f_d, f_O the two channels' shares of the rate."""
    rate_d, rate_o = n_deuterons * sigma_avg_cm2, n_o16 * sigma_o16_cm2
    if n_events <= 0 or rate_d <= 0 or rate_o < 0:
        raise InputError("flux normalisation needs a positive event count, deuteron number and cross section")
    total = rate_d + rate_o
    return FluxNormalisation(n_events / total, 1.0 / math.sqrt(n_events), sigma_rel_unc * rate_d / total,
                             o16_rel_unc * rate_o / total)

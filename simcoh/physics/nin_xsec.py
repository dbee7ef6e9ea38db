"""Neutrino-induced neutron (NIN) cross sections on ²⁰⁸Pb: ²⁰⁸Pb(νe, e⁻ 1n) and ²⁰⁸Pb(νe, e⁻ 2n).

Table: J. Engel, G.C. McLaughlin and C. Volpe, PRD 67, 013005 (2003), hep-ph/0209267, as tabulated in SNOwGLoBES
(simcoh/data/nin/pb208_cc_emv2003.csv, provenance in its header and simcoh/data/PROVENANCE.md), per ²⁰⁸Pb nucleus,
on a grid of 1001 energies uniform in log10 E from 5 to 100 MeV (zero below the 1n threshold, ≈ 10 MeV; 2n from
≈ 21 MeV). Between grid points σ is interpolated linearly in E; the grid step is 0.3 % in E, so the interpolation
changes flux averages by far less than the calculation's own uncertainty (≈ 20-30 %, N. Paar et al., PRC 84,
047305 (2011)).

Flux averages ⟨σ⟩ = ∫ σ(E) φ(E) dE for a normalised spectrum φ (the caller passes it, e.g. the μ⁺-decay-at-rest
νe spectrum of simcoh.source.spectra). For that spectrum: ⟨σ_1n⟩ = 2.35e-39 cm², ⟨σ_2n⟩ = 1.34e-39 cm², so
3.68e-39 cm² of neutron-emitting interactions and ⟨σ_1n⟩ + 2⟨σ_2n⟩ = 5.02e-39 cm² of neutrons (1.36 neutrons per
neutron-emitting interaction). Kolbe & Langanke (PRC 63, 025802 (2001)) give 3.62e-39 cm² for the total CC
cross section (with and without neutron emission).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from importlib import resources

import numpy as np

TABLE = "pb208_cc_emv2003.csv"
SOURCE = "J. Engel, G.C. McLaughlin, C. Volpe, PRD 67, 013005 (2003) (table via SNOwGLoBES)"
CHANNELS = ("1n", "2n")
_GRID = 20001  # integration nodes over the spectrum's support: 2.6 keV steps over 0-52.8 MeV


@functools.cache
def pb208_cc_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(E_MeV, σ_1n cm², σ_2n cm²) at the table's grid points."""
    text = resources.files("simcoh.data").joinpath("nin").joinpath(TABLE).read_text(encoding="utf-8")
    data = np.loadtxt(io.StringIO(text), delimiter=",", comments="#", skiprows=7)
    e_gev = 10.0 ** data[:, 0]
    return e_gev * 1e3, data[:, 1] * 1e-38 * e_gev, data[:, 2] * 1e-38 * e_gev


def pb208_cc_sigma_cm2(e_mev, channel: str) -> np.ndarray:
    """σ(E) of ²⁰⁸Pb(νe, e⁻ 1n) or (…2n) in cm², linear between grid points, 0 outside the table."""
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r}: expected one of {CHANNELS}")
    e, s1, s2 = pb208_cc_table()
    return np.interp(np.asarray(e_mev, float), e, s1 if channel == "1n" else s2, left=0.0, right=0.0)


def channel_opening_mev(channel: str) -> float:
    """Lowest grid energy (MeV) at which the table's ``channel`` cross section is non-zero."""
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r}: expected one of {CHANNELS}")
    e, s1, s2 = pb208_cc_table()
    sigma = s1 if channel == "1n" else s2
    return float(e[np.argmax(sigma > 0)])


def flux_averaged_cm2(channel: str, pdf: Callable, e_max_mev: float) -> float:
    """⟨σ⟩ over the normalised spectrum ``pdf`` (per MeV) supported on [0, e_max_mev] (trapezoid rule)."""
    e = np.linspace(0.0, e_max_mev, _GRID)
    return float(np.trapezoid(pb208_cc_sigma_cm2(e, channel) * pdf(e), e))


def neutrons_per_nucleus_cm2(pdf: Callable, e_max_mev: float) -> tuple[float, float]:
    """(⟨σ_1n⟩ + 2⟨σ_2n⟩, ⟨σ_1n⟩ + ⟨σ_2n⟩): neutrons and neutron-emitting interactions per ²⁰⁸Pb per νe/cm²."""
    s1 = flux_averaged_cm2("1n", pdf, e_max_mev)
    s2 = flux_averaged_cm2("2n", pdf, e_max_mev)
    return s1 + 2.0 * s2, s1 + s2

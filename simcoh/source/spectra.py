"""Neutrino energy spectra and yields of the stopped-pion source (PHYSICS.md §1).

analytic (default): π⁺ → μ⁺ νμ at rest gives a prompt νμ line at (mπ² − mμ²)/(2mπ) = 29.79 MeV; μ⁺ → e⁺ νe ν̄μ
at rest gives the Michel spectra (x = E/mμ, 0 ≤ E ≤ mμ/2):
    νe:  f(E) = (192/mμ) x² (½ − x)        ν̄μ: f(E) = (64/mμ) x² (¾ − x)
each normalised to 1, with r neutrinos per flavour per POT.

geant4: the COHERENT Geant4 simulation of the SNS source (energy histograms 0–300 MeV in 0.1 MeV bins per
flavour, from BarbeauGroup/chi2_pull_test ``nuEnergyAndTime.root``; see simcoh/data/PROVENANCE.md). It
brings the νμ decay-in-flight tail above 52.8 MeV and a ν̄e component at 1.6 % of νe. Yields per POT are
r × (MC entries of the flavour)/(MC entries of νμ).

Continuous spectra are held as probabilities of fine sub-bins (``edges_mev``, ``prob``); inside a sub-bin
the density is taken flat. Analytic spectra use 4096 sub-bins over 0–52.83 MeV (12.9 keV wide), where the
flat-density approximation changes the mean energy by < 1e-6 relative.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..config import SourceConfig
from ..constants import E_NU_MICHEL_MAX_MEV, E_NU_MU_PROMPT_MEV, MUON_MASS_MEV
from .timing import EmissionTime, analytic_emission, histogram_emission

ANALYTIC_SUBBINS = 4096


def michel_nu_e_pdf(e_mev):
    """νe spectrum from μ⁺ decay at rest, per MeV, normalised to 1."""
    x = np.asarray(e_mev, float) / MUON_MASS_MEV
    return np.where((x >= 0) & (x <= 0.5), 192.0 / MUON_MASS_MEV * x**2 * (0.5 - x), 0.0)


def michel_nu_mu_bar_pdf(e_mev):
    """ν̄μ spectrum from μ⁺ decay at rest, per MeV, normalised to 1."""
    x = np.asarray(e_mev, float) / MUON_MASS_MEV
    return np.where((x >= 0) & (x <= 0.5), 64.0 / MUON_MASS_MEV * x**2 * (0.75 - x), 0.0)


@dataclass(frozen=True)
class FlavourSpectrum:
    """Energy spectrum, yield and emission timing of one neutrino flavour."""

    flavour: str
    yield_per_pot: float
    line_mev: float | None  # monoenergetic line, else the sub-binned spectrum below
    edges_mev: np.ndarray | None
    prob: np.ndarray | None  # probability of each sub-bin (sums to 1)
    emission: EmissionTime

    @property
    def is_line(self) -> bool:
        return self.line_mev is not None

    def mean_energy_mev(self) -> float:
        if self.is_line:
            return self.line_mev
        mid = 0.5 * (self.edges_mev[1:] + self.edges_mev[:-1])
        return float(np.sum(self.prob * mid))

    @property
    def e_max_mev(self) -> float:
        return self.line_mev if self.is_line else float(self.edges_mev[-1])


@dataclass(frozen=True)
class NeutrinoSource:
    """All flavours of a source model, indexed by flavour name (config.FLAVOURS)."""

    model: str
    flavours: dict[str, FlavourSpectrum]


def _analytic_binned(pdf) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(0.0, E_NU_MICHEL_MAX_MEV, ANALYTIC_SUBBINS + 1)
    mid = 0.5 * (edges[1:] + edges[:-1])
    p = pdf(mid) * np.diff(edges)
    return edges, p / p.sum()


def _read_histogram(name: str) -> tuple[np.ndarray, np.ndarray]:
    text = resources.files("simcoh.data").joinpath("sns_flux").joinpath(name).read_text()
    rows = [line.split(",") for line in text.splitlines() if line and not line.startswith("#")]
    data = np.array(rows, dtype=float)
    edges = np.append(data[:, 0], data[-1, 1])
    return edges, data[:, 2]


def _geant4_flavour(flavour: str, tag: str, r: float, numu_entries: float) -> FlavourSpectrum:
    edges, counts = _read_histogram(f"ke{tag}.csv")
    t_edges, t_counts = _read_histogram(f"t{tag}.csv")
    # Refine each 0.1 MeV bin into 4 sub-bins of equal density, so cross-section weighting inside a bin is resolved.
    sub = 4
    fine_edges = np.interp(np.arange(len(edges) - 1 + 1e-9, step=1.0 / sub)[: (len(edges) - 1) * sub + 1],
                           np.arange(len(edges)), edges)
    fine_prob = np.repeat(counts / sub, sub)
    last = np.nonzero(fine_prob)[0][-1] + 1
    fine_edges, fine_prob = fine_edges[: last + 1], fine_prob[:last]
    return FlavourSpectrum(
        flavour=flavour,
        yield_per_pot=r * counts.sum() / numu_entries,
        line_mev=None,
        edges_mev=fine_edges,
        prob=fine_prob / fine_prob.sum(),
        emission=histogram_emission(t_edges, t_counts),
    )


def make_source(cfg: SourceConfig) -> NeutrinoSource:
    """Build the source spectra for a SourceConfig."""
    r = cfg.nu_per_flavour_per_pot
    if cfg.model == "analytic":
        e_edges, e_prob = _analytic_binned(michel_nu_e_pdf)
        m_edges, m_prob = _analytic_binned(michel_nu_mu_bar_pdf)
        flavours = {
            "nu_mu": FlavourSpectrum("nu_mu", r, E_NU_MU_PROMPT_MEV, None, None, analytic_emission(delayed=False)),
            "nu_e": FlavourSpectrum("nu_e", r, None, e_edges, e_prob, analytic_emission(delayed=True)),
            "nu_mu_bar": FlavourSpectrum("nu_mu_bar", r, None, m_edges, m_prob, analytic_emission(delayed=True)),
        }
        return NeutrinoSource("analytic", flavours)
    _, numu_counts = _read_histogram("keNuMu.csv")
    n_numu = numu_counts.sum()
    tags = {"nu_mu": "NuMu", "nu_e": "NuE", "nu_mu_bar": "AntiNuMu", "nu_e_bar": "AntiNuE"}
    return NeutrinoSource("geant4", {f: _geant4_flavour(f, t, r, n_numu) for f, t in tags.items()})

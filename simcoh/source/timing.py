"""Timing of the stopped-pion source (PHYSICS.md §1).

Arrival time relative to the proton-pulse time origin:
    t = t_pulse + t_emission + L/c
- t_pulse: the proton's time within the beam pulse: Gaussian (mean, σ), a tabulated shape, or a delta.
  Default σ = 140 ns at 690 ns, which reproduces the CsI 2017 released arrival-time PDFs when convolved with
  the lifetimes (PHYSICS.md §1); the LAr 2020 time frame uses 440 ns / 150 ns.
- t_emission: analytic: Exp(τπ) for prompt νμ, Exp(τπ) + Exp(τμ) for delayed νe and ν̄μ
  (τπ = 26.033 ns, τμ = 2196.98 ns, PDG); geant4: the simulated emission-time histogram of the flavour.
- L/c: the neutrino flight time over the baseline (64 ns at 19.3 m), optional.

Tabulated shapes are sampled through inverse-CDF tables of ``TABLE_SIZE`` points in u (piecewise-flat density
inside each histogram bin, exactly as the histogram defines it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import SourceConfig
from ..constants import MUON_LIFETIME_NS, PION_LIFETIME_NS
from ..limits import read_bounded_text
from ..errors import InputError

TABLE_SIZE = 16385

EMISSION_PROMPT, EMISSION_DELAYED, EMISSION_TABLE = 0, 1, 2
PULSE_DELTA, PULSE_GAUSSIAN, PULSE_TABLE = 0, 1, 2


def inverse_cdf_table(edges: np.ndarray, prob: np.ndarray, size: int = TABLE_SIZE) -> np.ndarray:
    """x-values at u = 0, 1/(size-1), …, 1 of the piecewise-flat distribution with bin ``prob`` over ``edges``.

    Each table point is the exact inverse CDF: the bin i with cdf[i] ≤ u < cdf[i+1] (never an empty bin), then
    the flat density inside it. Sampling interpolates linearly between table points, so an empty stretch
    between two filled bins is crossed within one table cell (at most 1/(size−1) of the probability)."""
    prob = np.asarray(prob, dtype=float)
    edges = np.asarray(edges, dtype=float)
    total = prob.sum()
    if total <= 0 or np.any(prob < 0):
        raise InputError("cannot build a sampling table from a distribution with no (or negative) probability")
    cdf = np.concatenate([[0.0], np.cumsum(prob) / total])
    u = np.linspace(0.0, 1.0, size)
    filled = np.flatnonzero(prob > 0)
    # bin of each u among the filled bins: the last filled bin whose lower cdf edge is <= u
    k = np.clip(np.searchsorted(cdf[filled], u, side="right") - 1, 0, filled.size - 1)
    i = filled[k]
    frac = np.clip((u - cdf[i]) / (prob[i] / total), 0.0, 1.0)
    return edges[i] + frac * (edges[i + 1] - edges[i])


@dataclass(frozen=True)
class EmissionTime:
    """Emission-time model of one flavour: analytic prompt/delayed, or a histogram table."""

    kind: int
    table_ns: np.ndarray  # inverse-CDF table (kind == EMISSION_TABLE), else a dummy

    def mean_ns(self) -> float:
        if self.kind == EMISSION_PROMPT:
            return PION_LIFETIME_NS
        if self.kind == EMISSION_DELAYED:
            return PION_LIFETIME_NS + MUON_LIFETIME_NS
        t = self.table_ns
        return float(np.mean(0.5 * (t[1:] + t[:-1])))


def analytic_emission(delayed: bool) -> EmissionTime:
    return EmissionTime(EMISSION_DELAYED if delayed else EMISSION_PROMPT, np.zeros(2))


def histogram_emission(edges_ns: np.ndarray, counts: np.ndarray) -> EmissionTime:
    return EmissionTime(EMISSION_TABLE, inverse_cdf_table(edges_ns, counts))


@dataclass(frozen=True)
class PulseModel:
    kind: int
    mean_ns: float
    sigma_ns: float
    table_ns: np.ndarray


def read_pulse_table(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Two columns (t_ns, weight) giving the pulse shape at bin centres; returns (edges, weights)."""
    try:
        data = np.loadtxt(read_bounded_text(path).splitlines(), comments="#", ndmin=2)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read pulse table '{path}': {exc}") from None
    if data.shape[1] < 2 or len(data) < 2 or np.any(np.diff(data[:, 0]) <= 0) or np.any(data[:, 1] < 0):
        raise InputError(
            f"pulse table '{path}': expected two columns (t_ns increasing, weight >= 0) with at least 2 rows"
        )
    t = data[:, 0]
    edges = np.concatenate([[t[0] - 0.5 * (t[1] - t[0])], 0.5 * (t[1:] + t[:-1]), [t[-1] + 0.5 * (t[-1] - t[-2])]])
    return edges, data[:, 1]


def make_pulse(cfg: SourceConfig) -> PulseModel:
    if cfg.pulse_shape == "delta" or (cfg.pulse_shape == "gaussian" and cfg.pulse_sigma_ns == 0):
        return PulseModel(PULSE_DELTA, cfg.pulse_mean_ns, 0.0, np.zeros(2))
    if cfg.pulse_shape == "gaussian":
        return PulseModel(PULSE_GAUSSIAN, cfg.pulse_mean_ns, cfg.pulse_sigma_ns, np.zeros(2))
    edges, weights = read_pulse_table(cfg.pulse_table)
    return PulseModel(PULSE_TABLE, 0.0, 0.0, inverse_cdf_table(edges, weights))

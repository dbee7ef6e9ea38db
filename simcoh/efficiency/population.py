"""ε_E in bins of reconstructed PE from a flat recoil population: the published curve's own construction.

The published CsI[Na] ε_E was measured on ¹³³Ba Compton-scattering data in bins of reconstructed PE
(arXiv:2110.07730): at each PE_rec it averages over every deposit that reconstructs there. At a few keVee that
population is flat in energy: for the 356 keV line (Compton edge 207 keV) the Klein–Nishina dσ/dT changes by
≈ 2 % between 0 and 5 keVee. The fixed-mean energy scan (study.py) instead compares recoils of one mean PE with
⟨ε_E(PE_rec)⟩; the two agree only if the selection depended on PE_rec alone. Here recoils have mean PE uniform in
[0, ``max_mean_pe``) and the pass fraction is taken in bins |PE_rec − centre| < BIN_HALF_WIDTH_PE, compared with
the published ε_E averaged over the same events' PE_rec. Approximation: single flat continuum (multiple scatters
and the 81 keV line's continuum are not modelled); its slope would tilt the population by a few % per bin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..response.efficiency import energy_efficiency
from .stats import wilson_interval
from .toy import selection_pass

#: Half-width of a PE_rec bin (PE): ±1 PE keeps the published curve's change across a bin ≲ 0.1 at its steepest.
BIN_HALF_WIDTH_PE = 1.0
#: Upper end of the flat mean-PE population (the analysis region ends at 60 PE).
POPULATION_MAX_PE = 60.0


@dataclass(frozen=True)
class PopulationScan:
    centres_pe: np.ndarray
    n: np.ndarray  # recoils reconstructed in each bin
    eff: np.ndarray
    eff_lo: np.ndarray
    eff_hi: np.ndarray
    expected: np.ndarray  # published ε_E averaged over the bin's recoils
    n_recoils: int
    max_mean_pe: float

    @property
    def max_diff(self) -> float:
        ok = self.n > 0
        return float(np.max(np.abs(self.eff[ok] - self.expected[ok]))) if ok.any() else float("nan")


def population_scan(det, seed: int, dig, n: int, centres_pe, eff_e, t0_ns: float, first: int,
                    max_mean_pe: float = POPULATION_MAX_PE) -> tuple[PopulationScan, int]:
    """Run ``n`` recoils (windows ``first`` ...) of mean PE uniform in [0, max_mean_pe), times uniform in
    [0, t0_ns); returns the binned scan and the next free window index."""
    rng = np.random.default_rng([seed, 3])  # means and times only (the photon streams are simcoh.rng)
    mean_pe = rng.uniform(0.0, max_mean_pe, n)
    passed, pe_rec = selection_pass(det, seed, mean_pe, rng.uniform(0.0, t0_ns, n), first, dig)
    centres = np.asarray(centres_pe, float)
    rows = []
    for c in centres:
        inside = np.abs(pe_rec - c) < BIN_HALF_WIDTH_PE
        m, k = int(inside.sum()), int(passed[inside].sum())
        if m == 0:
            rows.append((0, np.nan, np.nan, np.nan, np.nan))
            continue
        lo, hi = wilson_interval(k, m)
        rows.append((m, k / m, float(lo), float(hi), float(energy_efficiency(pe_rec[inside], eff_e).mean())))
    r = np.array(rows, float).reshape(-1, 5)
    scan = PopulationScan(centres, r[:, 0].astype(int), r[:, 1], r[:, 2], r[:, 3], r[:, 4], int(n),
                          float(max_mean_pe))
    return scan, first + n

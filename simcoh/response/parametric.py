"""Parametric (fast) response: per-event smearing of the mean PE, for templates and toy-MC scans.

The mean number of PE of an event is μ = LY · E_ee (light.yield, PE/keVee). Models (PHYSICS.md §3):

- ``gamma``    reconstructed PE ~ Gamma(shape 1 + b, scale μ/(1 + b)), b = gamma_b_per_pe · μ, i.e.
               P(x) ∝ x^b e^{−(1+b)x/μ}: mean μ, variance μ²/(1 + b) (CsI[Na] 2021, b = 0.716 μ,
               arXiv:2110.07730 / [P20]).
- ``poisson``  reconstructed PE ~ Poisson(μ) (CsI[Na] 2017 release, arXiv:1804.09459).
- ``gaussian`` Gaussian in energy, σ/E = a/√(E/keVee) (CENNS-10 LAr a = 0.58, arXiv:2003.10630);
               reconstructed energy clipped at 0, PE = LY · E_rec.
- ``none``     PE = μ.

Every event draws from its own stream (stage key from the caller, global event index), so the
result does not depend on chunking or threads. Efficiencies: simcoh.response.efficiency (re-exported).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from ..rng import draw_gamma, draw_normal, draw_poisson, stream_start
from .efficiency import accept, apply_efficiency, efficiency_variable, energy_efficiency, time_efficiency
from .photon import mean_pe_per_kevee

_MODEL_CODES = {"none": 0, "poisson": 1, "gamma": 2, "gaussian": 3}


@dataclass(frozen=True)
class Smeared:
    """Reconstructed PE and reconstructed electron-equivalent energy (keVee) per event."""

    pe: np.ndarray
    e_ee_kev: np.ndarray


@nb.njit(parallel=True, cache=True)
def _smear_kernel(e_ee_kev, event_index, key, model, pe_per_kevee, b_per_pe, resolution_a, out_pe):
    for i in nb.prange(e_ee_kev.size):
        e = max(e_ee_kev[i], 0.0)
        mu = pe_per_kevee * e
        if model == 0 or mu <= 0.0:
            out_pe[i] = mu
            continue
        s = stream_start(key, event_index[i])
        if model == 1:
            s, n = draw_poisson(s, mu)
            out_pe[i] = n
        elif model == 2:
            b = b_per_pe * mu
            s, x = draw_gamma(s, 1.0 + b, mu / (1.0 + b))
            out_pe[i] = x
        else:
            s, z = draw_normal(s)
            e_rec = e + resolution_a * math.sqrt(e) * z
            out_pe[i] = pe_per_kevee * max(e_rec, 0.0)


def smear(e_ee_kev, key, smearing, light, *, event_index=None) -> Smeared:
    """Reconstructed PE and energy of each event for a [smearing] and a [light] section (see module
    docstring; parameters a model does not use may be None); ``key`` is the stage key
    (e.g. ``stage_key(seed, "response.parametric")``), ``event_index`` the global indices (0..n-1
    by default)."""
    e = np.ascontiguousarray(e_ee_kev, dtype=np.float64)
    idx = np.arange(e.size, dtype=np.int64) if event_index is None else np.ascontiguousarray(event_index, dtype=np.int64)
    pe = np.empty(e.size, np.float64)
    ly = mean_pe_per_kevee(light)
    b_per_pe = 0.0 if smearing.gamma_b_per_pe is None else float(smearing.gamma_b_per_pe)  # used by gamma only
    resolution_a = 0.0 if smearing.resolution_a is None else float(smearing.resolution_a)  # gaussian only
    _smear_kernel(e, idx, np.uint64(key), _MODEL_CODES[smearing.model], ly, b_per_pe, resolution_a, pe)
    return Smeared(pe=pe, e_ee_kev=pe / ly)


__all__ = ["Smeared", "smear", "energy_efficiency", "efficiency_variable", "time_efficiency", "accept",
           "apply_efficiency"]

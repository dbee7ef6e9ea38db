"""Ionization (Ge PPC) response: charge is collected directly, so the energy is smeared by a
Gaussian of variance σ² = σ0² + F · ε · E (E in keVee, ε the pair-creation energy in keV, F the Fano
factor, σ0 the electronic noise; the standard semiconductor resolution, G.F. Knoll, Radiation
Detection and Measurement, 4th ed., ch. 12). The quenching of nuclear recoils (Lindhard, see
simcoh.response.quenching) is applied before, giving E.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..rng import draw_normal, stream_start


@nb.njit(parallel=True, cache=True)
def _ionization_kernel(e_ee_kev, event_index, key, sigma0_kev, fano, pair_energy_kev, out):
    for i in nb.prange(e_ee_kev.size):
        e = max(e_ee_kev[i], 0.0)
        sigma = math.sqrt(sigma0_kev * sigma0_kev + fano * pair_energy_kev * e)
        s = stream_start(key, event_index[i])
        s, z = draw_normal(s)
        out[i] = e + sigma * z


def pair_energy_kev(params) -> float:
    """ε in keV from an [ionization] section (``pair_energy_ev``)."""
    return params.pair_energy_ev * 1e-3


def ionization_sigma_kev(e_ee_kev, params) -> np.ndarray:
    """Energy resolution σ (keVee) at E_ee (keVee) for an [ionization] section."""
    e = np.maximum(np.asarray(e_ee_kev, dtype=float), 0.0)
    return np.sqrt(params.resolution_sigma0_kev**2 + params.fano * pair_energy_kev(params) * e)


def ionization_energy(e_ee_kev, key, params, *, event_index=None) -> np.ndarray:
    """Reconstructed ionization energy (keVee) per event for an [ionization] section (may be negative near
    zero: noise)."""
    e = np.ascontiguousarray(e_ee_kev, dtype=np.float64)
    idx = np.arange(e.size, dtype=np.int64) if event_index is None else np.ascontiguousarray(event_index, dtype=np.int64)
    out = np.empty(e.size, np.float64)
    _ionization_kernel(e, idx, np.uint64(key), float(params.resolution_sigma0_kev), float(params.fano),
                       float(pair_energy_kev(params)), out)
    return out

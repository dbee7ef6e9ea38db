"""MeV-scale response to electron-type events (charged-current electrons and their de-excitation γs).

Events that carry a deposited energy ``e_dep_mev`` (process ``i127_cc``) are not quenched and lie three orders
of magnitude above the keV recoils that a detector's ``[smearing]`` describes. With an ``[electron_response]``
section their reconstructed energy is

    E_rec = c · E_dep · (1 + σ/E · z),   σ/E = a / √(c·E_dep / MeV) ⊕ b,   z ~ N(0, 1),

clipped at 0 (c: mean contained fraction; a, b: stochastic and constant terms added in quadrature), and the
energy efficiency is the flat analysis efficiency inside the window [low, high) of E_rec, 0 outside. The
values and their sources live in the geometry file (geometries/nai-185kg.toml, docs/naive-cc.md).

Every event draws from its own stream (stage key, global event index): the result does not depend on
chunking or threads.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..rng import draw_normal, stream_start


def relative_sigma(e_mev, stochastic: float, constant: float):
    """σ/E at reconstructed-scale energy ``e_mev`` (MeV): a/√E ⊕ b; inf at E <= 0."""
    e = np.asarray(e_mev, dtype=float)
    with np.errstate(divide="ignore"):
        return np.sqrt(np.where(e > 0, stochastic**2 / np.where(e > 0, e, 1.0), np.inf) + constant**2)


@nb.njit(parallel=True, cache=True)
def _smear_kernel(e_dep_mev, event_index, key, stochastic, constant, containment, out_mev):
    for i in nb.prange(e_dep_mev.size):
        e = containment * e_dep_mev[i]
        if not e > 0.0:  # NaN (not an electron-type event) or nothing deposited
            out_mev[i] = e if e == e else np.nan
            continue
        rel = math.sqrt(stochastic * stochastic / e + constant * constant)
        s = stream_start(key, event_index[i])
        s, z = draw_normal(s)
        out_mev[i] = max(e * (1.0 + rel * z), 0.0)


def reconstructed_mev(e_dep_mev, key, response, event_index) -> np.ndarray:
    """Reconstructed energy (MeV) of each event for an ``[electron_response]`` section; NaN where
    ``e_dep_mev`` is NaN."""
    e = np.ascontiguousarray(e_dep_mev, dtype=np.float64)
    idx = np.ascontiguousarray(event_index, dtype=np.int64)
    out = np.empty(e.size, np.float64)
    _smear_kernel(e, idx, np.uint64(key), float(response.stochastic), float(response.constant),
                  float(response.containment), out)
    return out


def window_efficiency(e_rec_mev, response) -> np.ndarray:
    """The flat analysis efficiency inside ``window_mev`` = [low, high), 0 outside (no window: everywhere)."""
    e = np.asarray(e_rec_mev, dtype=float)
    eff = np.full(e.shape, float(response.efficiency))
    if response.window_mev is not None:
        lo, hi = response.window_mev
        eff = np.where((e >= lo) & (e < hi), eff, 0.0)
    return eff

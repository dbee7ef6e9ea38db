"""Afterglow: random single PE over the whole waveform window, and the merged photon-mode response.

CsI[Na] scintillates for up to ~1 s after a large energy deposit (PHYSICS.md §3, [P20]), so a
waveform carries single PE at a rate that changes from waveform to waveform. Model, per waveform
(event) i, from its own stream (stage key given by the caller, e.g. "response.afterglow"):

    R_i = rate                                  (rate_distribution = fixed)
    R_i ~ Gamma(rate_shape, rate / rate_shape)  (rate_distribution = gamma; mean = rate)
    R_i → bright_factor · R_i with probability bright_probability
    N_i ~ Poisson(R_i · (pretrace + roi)),  times uniform on [0, pretrace + roi)

The count in a sub-window of length T is then Poisson(R_i T) given R_i, with mean E[R] T and variance
E[R] T + Var(R) T² (AfterglowParams.rate_moments_per_ns gives E[R], Var(R)).

:func:`photon_response` merges signal PE (from simcoh.response.photon, placed at onset = pretrace +
recoil arrival time) and afterglow PE into one per-event list: the signal PE first, then the
afterglow PE (not time ordered), with label 0 / 1. Signal and afterglow use separate streams, so
switching the afterglow on or off leaves the signal PE unchanged.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..rng import draw_gamma, draw_poisson, draw_uniform, stream_start
from .params import AfterglowParams, LightParams, ScintillationParams, SPEParams, WindowParams
from .photon import PEList, allocate_pe, as_event_arrays, count_pe, fill_pe
from .spe import SPETable, build_spe_table, draw_spe_charge


@nb.njit(parallel=True, cache=True)
def count_afterglow_pe(event_index, key, rate_per_ns, gamma_rate, rate_shape, bright_probability,
                       bright_factor, window_ns, n_out, state_out):
    """Pass 1: afterglow PE count per waveform and the stream state for pass 2."""
    for i in nb.prange(event_index.size):
        s = stream_start(key, event_index[i])
        rate = rate_per_ns
        if gamma_rate:
            s, rate = draw_gamma(s, rate_shape, rate_per_ns / rate_shape)
        s, u = draw_uniform(s)
        if u < bright_probability:
            rate *= bright_factor
        s, n = draw_poisson(s, rate * window_ns)
        n_out[i] = n
        state_out[i] = s


@nb.njit(parallel=True, cache=True)
def fill_afterglow_pe(n_pe, state, start, window_ns, quantiles, tail_rate, t_out, charge_out, label_out,
                      charge_total_out):
    """Pass 2: uniform times on [0, window_ns), SPE charges, label 1, at ``start[i]``."""
    for i in nb.prange(n_pe.size):
        s = state[i]
        j0 = start[i]
        total = 0.0
        for j in range(n_pe[i]):
            s, u = draw_uniform(s)
            s, q = draw_spe_charge(s, quantiles, tail_rate)
            t_out[j0 + j] = u * window_ns
            charge_out[j0 + j] = q
            label_out[j0 + j] = 1
            total += q
        charge_total_out[i] = total


def count_afterglow(event_index, key, afterglow: AfterglowParams, windows: WindowParams):
    n = np.empty(event_index.size, np.int32)
    state = np.empty(event_index.size, np.uint64)
    if afterglow.model == "none":
        n[:] = 0
        state[:] = 0
        return n, state
    count_afterglow_pe(
        event_index, np.uint64(key), float(afterglow.rate_per_ns), afterglow.rate_distribution == "gamma",
        float(afterglow.rate_shape), float(afterglow.bright_probability), float(afterglow.bright_factor),
        windows.length_ns, n, state,
    )
    return n, state


def afterglow_pe(key, afterglow: AfterglowParams, windows: WindowParams, spe: SPEParams | SPETable,
                 *, event_index) -> PEList:
    """Afterglow PE alone (label 1) for the waveforms ``event_index`` (global indices)."""
    idx = np.ascontiguousarray(event_index, dtype=np.int64)
    table = spe if isinstance(spe, SPETable) else build_spe_table(spe)
    n, state = count_afterglow(idx, key, afterglow, windows)
    offsets, t, q, label = allocate_pe(n)
    charge = np.empty(idx.size, np.float64)
    fill_afterglow_pe(n, state, offsets[:-1], windows.length_ns, table.quantiles, table.tail_rate, t, q, label, charge)
    return PEList(offsets, t, q, label, idx, np.zeros(idx.size, np.int32), n, np.zeros(idx.size))


def photon_response(e_ee_kev, t_ns, key_signal, key_afterglow, *, light: LightParams,
                    scint: ScintillationParams, spe: SPEParams | SPETable, afterglow: AfterglowParams,
                    windows: WindowParams, event_index=None, is_nr=None) -> PEList:
    """Photon-mode response of a chunk: signal PE at onset = windows.pretrace + t_ns (recoil arrival
    time, ns) plus afterglow PE over the window, merged per event (signal first), times relative to
    the window start. Streams: ``key_signal`` (signal PE) and ``key_afterglow`` (afterglow), both
    indexed by the global ``event_index`` (default 0..n-1)."""
    e, idx, onset, nr = as_event_arrays(e_ee_kev, event_index, np.asarray(t_ns, dtype=float) + windows.pretrace_ns, is_nr)
    table = spe if isinstance(spe, SPETable) else build_spe_table(spe)
    n_sig, state_sig = count_pe(e, idx, key_signal, light)
    n_ag, state_ag = count_afterglow(idx, key_afterglow, afterglow, windows)
    offsets, t, q, label = allocate_pe(n_sig + n_ag)
    charge_pe = fill_pe(n_sig, state_sig, offsets[:-1], onset, nr, scint, table, t, q, label)
    if afterglow.model != "none":
        charge_ag = np.empty(e.size, np.float64)
        fill_afterglow_pe(n_ag, state_ag, offsets[:-1] + n_sig, windows.length_ns, table.quantiles,
                          table.tail_rate, t, q, label, charge_ag)
    return PEList(offsets, t, q, label, idx, n_sig, n_ag, charge_pe)

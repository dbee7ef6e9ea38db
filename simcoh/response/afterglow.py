"""Afterglow: random single PE over the whole waveform window, and the merged photon-mode response.

CsI[Na] scintillates for up to ~1 s after a large energy deposit (PHYSICS.md §3, [P20]), so a
waveform carries single PE at a rate that changes from waveform to waveform. Model, per waveform
(event) i, from its own stream (stage key given by the caller, e.g. "response.afterglow"):

    R_i = rate                                  (rate_distribution = fixed)
    R_i ~ Gamma(rate_shape, rate / rate_shape)  (rate_distribution = gamma; mean = rate)
    R_i → bright_factor · R_i with probability bright_probability
    N_i ~ Poisson(R_i · (pretrace + roi)),  times uniform on [0, pretrace + roi)

The count in a sub-window of length T is then Poisson(R_i T) given R_i, with mean E[R] T and variance
E[R] T + Var(R) T² (:func:`rate_moments_per_ns` gives E[R], Var(R)). The parameters are an [afterglow]
section of the detector; a missing section or ``model = "none"`` means no afterglow.

:func:`photon_response` merges signal PE (from simcoh.response.photon, placed at onset = pretrace +
recoil arrival time) and afterglow PE into one per-event list: the signal PE first, then the
afterglow PE (not time ordered), with label 0 / 1. Signal and afterglow use separate streams, so
switching the afterglow on or off leaves the signal PE unchanged.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..errors import InputError
from ..rng import draw_gamma, draw_poisson, draw_uniform, stream_start
from .photon import PEList, allocate_pe, as_event_arrays, count_pe, fill_pe, total_light_factor
from .spe import SPETable, build_spe_table, draw_spe_charge


def afterglow_on(afterglow) -> bool:
    """Whether an [afterglow] section (or None) adds afterglow PE."""
    return afterglow is not None and afterglow.model != "none"


def window_length_ns(windows) -> float:
    """Length of the waveform window of a [windows] section: pretrace + ROI (ns)."""
    return float(windows.pretrace_ns + windows.roi_ns)


def rate_moments_per_ns(afterglow) -> tuple[float, float]:
    """Mean and variance of the per-waveform rate R (in 1/ns) of an [afterglow] section (model poisson)."""
    p, f = afterglow.bright_probability, afterglow.bright_factor
    mean_g = afterglow.rate_per_ns
    gamma = afterglow.rate_distribution == "gamma"
    second_g = mean_g**2 * (1.0 + 1.0 / afterglow.rate_shape) if gamma else mean_g**2
    mean = mean_g * (1.0 - p + p * f)
    second = second_g * (1.0 - p + p * f * f)
    return mean, second - mean**2


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


#: Largest mean afterglow PE per window: counts are int32, and [afterglow] rate and the window lengths have physical
#: ranges (rate <= 100 MHz, windows <= 1 ms) that keep the mean below 1e6 even for bright windows; this guard turns
#: any other combination into an error instead of a silent integer overflow.
MAX_MEAN_PE_PER_WINDOW = 1e7


def count_afterglow(event_index, key, afterglow, window_ns: float):
    if afterglow_on(afterglow):
        mean = afterglow.rate_per_ns * max(afterglow.bright_factor, 1.0) * window_ns
        if not mean <= MAX_MEAN_PE_PER_WINDOW:
            raise InputError(f"[afterglow] rate {afterglow.rate_per_ns * 1e6:g} kHz over a {window_ns / 1e3:g} us "
                             f"window gives {mean:.3g} photoelectrons per window, more than {MAX_MEAN_PE_PER_WINDOW:g}")
    n = np.empty(event_index.size, np.int32)
    state = np.empty(event_index.size, np.uint64)
    if not afterglow_on(afterglow):
        n[:] = 0
        state[:] = 0
        return n, state
    count_afterglow_pe(
        event_index, np.uint64(key), float(afterglow.rate_per_ns), afterglow.rate_distribution == "gamma",
        # rate_shape is used by the gamma rate distribution only (None otherwise)
        float(afterglow.rate_shape or 1.0), float(afterglow.bright_probability), float(afterglow.bright_factor),
        float(window_ns), n, state,
    )
    return n, state


def afterglow_pe(key, afterglow, window_ns: float, spe, *, event_index) -> PEList:
    """Afterglow PE alone (label 1) over windows of ``window_ns`` for the waveforms ``event_index`` (global
    indices); ``spe``: an [spe] section or a prebuilt :class:`SPETable`."""
    idx = np.ascontiguousarray(event_index, dtype=np.int64)
    table = spe if isinstance(spe, SPETable) else build_spe_table(spe)
    n, state = count_afterglow(idx, key, afterglow, window_ns)
    offsets, t, q, label = allocate_pe(n)
    charge = np.empty(idx.size, np.float64)
    fill_afterglow_pe(n, state, offsets[:-1], float(window_ns), table.quantiles, table.tail_rate, t, q, label,
                      charge)
    return PEList(offsets, t, q, label, idx, np.zeros(idx.size, np.int32), n, np.zeros(idx.size))


def photon_response(e_ee_kev, t_ns, key_signal, key_afterglow, *, light, scint, spe, afterglow,
                    pretrace_ns: float, window_ns: float, event_index=None, is_nr=None) -> PEList:
    """Photon-mode response of a chunk: signal PE at onset = pretrace_ns + t_ns (recoil arrival time, ns)
    plus afterglow PE over the window of ``window_ns``, merged per event (signal first), times relative to
    the window start. Parameters: the detector's [light], [scintillation], [spe] (or an SPETable) and
    [afterglow] (or None) sections. Streams: ``key_signal`` (signal PE) and ``key_afterglow`` (afterglow),
    both indexed by the global ``event_index`` (default 0..n-1)."""
    e, idx, onset, nr = as_event_arrays(e_ee_kev, event_index, np.asarray(t_ns, dtype=float) + pretrace_ns, is_nr)
    table = spe if isinstance(spe, SPETable) else build_spe_table(spe)
    n_sig, state_sig = count_pe(e * total_light_factor(light, scint, nr), idx, key_signal, light)
    n_ag, state_ag = count_afterglow(idx, key_afterglow, afterglow, window_ns)
    offsets, t, q, label = allocate_pe(n_sig + n_ag)
    charge_pe = fill_pe(n_sig, state_sig, offsets[:-1], onset, nr, scint, table, t, q, label)
    if afterglow_on(afterglow):
        charge_ag = np.empty(e.size, np.float64)
        fill_afterglow_pe(n_ag, state_ag, offsets[:-1] + n_sig, float(window_ns), table.quantiles,
                          table.tail_rate, t, q, label, charge_ag)
    return PEList(offsets, t, q, label, idx, n_sig, n_ag, charge_pe)

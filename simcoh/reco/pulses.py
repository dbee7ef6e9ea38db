"""Baseline, pulse finding and per-window summaries on int16 waveforms (numba).

Per window (row of samples), with sign = +1 / −1 for positive / negative pulses:

1. **Baseline**: b₀ = median of the first 64 samples; baseline = mean of the pretrace samples with
   |sample − b₀| ≤ threshold_adc (pulses excluded, noise kept symmetric). Without a pretrace, the
   first 64 samples are used.
2. **Pulses**: signal v_k = sign·(sample_k − baseline). A crossing region is a maximal run of samples
   with v_k > threshold_adc. Each region is widened by ``extension_samples`` on both sides, but never
   beyond the midpoint of the gap to a neighbouring region, so pulses share no samples.
   Pulse charge = Σ v_k / adc_samples_per_pe (PE); pulse time = Σ v_k t_k / Σ v_k − centroid_offset_ns
   (for a symmetric template the centroid is the PE time; exact for a sampled Gaussian with σ ≳ 0.6 dt).
   Crossing regions separated by at most ``merge_samples`` samples (gap start to start of the next) are
   one pulse; so are two PE whose crossing regions touch. Such a pulse carries both charges.
3. **Summaries** (times in ns from the window start; the ROI starts at pretrace_ns): pulses with time
   < pretrace_ns are pretrace pulses (count, time of the last); the onset is the first ROI pulse, the
   integrated charge (PE) sums the pulses with onset ≤ t < onset + integration_ns, Δt is the time
   from the first to the second ROI pulse. Saturation: a sample at adc_min or adc_max.

Pulses come out in time order, so the summaries are computed while scanning; per-pulse lists are
written only when asked (a second pass into exact-size outputs).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

BASELINE_SEED_SAMPLES = 64
SCAN_BLOCK = 64


@nb.njit(cache=True)
def window_baseline(row, n_pre, threshold_adc):
    """Baseline of one window in ADC counts (see module docstring)."""
    m = min(BASELINE_SEED_SAMPLES, row.size)
    seed = np.sort(row[:m].astype(np.float64))
    b0 = seed[m // 2] if m % 2 == 1 else 0.5 * (seed[m // 2 - 1] + seed[m // 2])
    lo = math.ceil(b0 - threshold_adc)  # integer samples: |sample - b0| <= threshold  <=>  lo <= sample <= hi
    hi = math.floor(b0 + threshold_adc)
    n = n_pre if n_pre > 0 else m
    total = 0
    count = 0
    for k in range(n):  # branch-free so that it vectorizes
        v = np.int64(row[k])
        inside = (v >= lo) & (v <= hi)
        total += v if inside else 0
        count += inside
    return total / count if count > 0 else b0


@nb.njit(inline="always", cache=True)
def _crosses(v, sign, level):
    return v > level if sign > 0 else -v > level


@nb.njit(inline="always", cache=True)
def _first_crossing(row, k, n, sign, level):
    """First index >= k with sign·row > level (or n): blocks of SCAN_BLOCK samples are tested with a
    vectorizable count before they are searched one by one."""
    while k < n and k % SCAN_BLOCK != 0:
        if _crosses(row[k], sign, level):
            return k
        k += 1
    below = -level  # negative pulses: -row > level  <=>  row < -level
    while k + SCAN_BLOCK <= n:
        c = 0
        if sign > 0:
            for j in range(k, k + SCAN_BLOCK):
                c += row[j] > level
        else:
            for j in range(k, k + SCAN_BLOCK):
                c += row[j] < below
        if c > 0:
            break
        k += SCAN_BLOCK
    while k < n:
        if _crosses(row[k], sign, level):
            return k
        k += 1
    return n


@nb.njit(inline="always", cache=True)
def _next_region(row, k, n, sign, level):
    """First crossing region at or after k: (start, end) inclusive, or (-1, -1). Crossing: sign·row > level."""
    k = _first_crossing(row, k, n, sign, level)
    if k >= n:
        return -1, -1
    start = k
    while k < n and _crosses(row[k], sign, level):
        k += 1
    return start, k - 1


@nb.njit(inline="always", cache=True)
def _pulse(row, left, right, baseline, sign, dt, per_pe, centroid_ns):
    total = 0.0
    moment = 0.0
    peak = -1.0e300
    peak_k = left
    for k in range(left, right + 1):
        v = sign * (row[k] - baseline)
        total += v
        moment += v * k
        if v > peak:
            peak = v
            peak_k = k
    t = moment / total * dt - centroid_ns if total > 0.0 else peak_k * dt
    return t, total / per_pe


@nb.njit(cache=True)
def scan_window(row, p, baseline, write, t_out, q_out, j0, summary):
    """Find the pulses of one window; fill ``summary`` (float64[8], layout SUMMARY_FIELDS); when ``write``,
    store pulse times and charges at t_out[j0:], q_out[j0:]. Returns the number of pulses.

    p = (dt, n_pre, pretrace_ns, integration_ns, sign, threshold_adc, extension, per_pe, centroid_ns, merge)."""
    dt, pretrace_ns, integration_ns = p[0], p[2], p[3]
    sign, ext, per_pe, centroid_ns = int(p[4]), int(p[6]), p[7], p[8]
    merge = int(p[9])
    n = row.size
    level = np.int64(math.floor(sign * baseline + p[5]))  # integer samples: sign·row > level  <=>  v > threshold
    n_pre = 0
    n_roi = 0
    last_pre = -math.inf
    t1 = math.nan
    t2 = math.nan
    integ = 0.0
    n_int = 0
    count = 0
    prev_right = -1
    ps, pe = _next_region(row, 0, n, sign, level)
    while ps >= 0:
        ns, ne = _next_region(row, pe + 1, n, sign, level)
        while ns >= 0 and ns - pe <= merge:  # crossing regions this close make one pulse
            pe = ne
            ns, ne = _next_region(row, pe + 1, n, sign, level)
        right = min(pe + ext, n - 1) if ns < 0 else min(pe + ext, (pe + ns) // 2)
        left = max(ps - ext, prev_right + 1)
        t, q = _pulse(row, left, right, baseline, sign, dt, per_pe, centroid_ns)
        prev_right = right
        if write:
            t_out[j0 + count] = t
            q_out[j0 + count] = q
        count += 1
        if t < pretrace_ns:
            n_pre += 1
            last_pre = t
        else:
            n_roi += 1
            if n_roi == 1:
                t1 = t
            elif n_roi == 2:
                t2 = t
            if t < t1 + integration_ns:
                integ += q
                n_int += 1
        ps, pe = ns, ne
    summary[0] = n_pre
    summary[1] = n_roi
    summary[2] = last_pre
    summary[3] = t1
    summary[4] = t2 - t1
    summary[5] = integ if n_roi > 0 else 0.0
    summary[6] = n_int
    summary[7] = count
    return count


SUMMARY_FIELDS = ("n_pulses_pretrace", "n_pulses_roi", "last_pretrace_pulse_ns", "onset_ns",
                  "dt_first_second_ns", "pe_integrated", "n_pulses_integration", "n_pulses")


@nb.njit(parallel=True, cache=True)
def reconstruct_kernel(samples, p, n_pre, adc_min, adc_max, baseline_out, saturated_out, summary_out,
                       offsets, write, t_out, q_out):
    """Every window: baseline, saturation, pulses and summaries; per-pulse lists when ``write``
    (then ``offsets`` must hold the pulse counts of a first pass)."""
    for i in nb.prange(samples.shape[0]):
        row = samples[i]
        lo = row.min()
        hi = row.max()
        saturated_out[i] = lo <= adc_min or hi >= adc_max
        b = window_baseline(row, n_pre, p[5])
        baseline_out[i] = b
        scan_window(row, p, b, write, t_out, q_out, offsets[i], summary_out[i])

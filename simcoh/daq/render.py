"""Waveform rendering: photoelectrons → int16 digitizer samples (numba).

Input: per-window photoelectrons as flat arrays with offsets (simcoh.response.PEList layout): PE j of
window i is ``offsets[i] <= j < offsets[i+1]``, with its time ``t_ns[j]`` (ns from the window start)
and charge ``charge[j]`` (in units of the mean SPE charge). For every window:

1. noise: exact Gaussian per sample (ziggurat, noise_rms) or a fast table read (simcoh.daq.noise);
2. each PE adds ``polarity · charge · spe_amplitude · g(k·dt − t)`` to sample k (simcoh.daq.spec);
3. sample = floor(baseline + noise + pulses + ½) clipped to [adc_min, adc_max]; the window is flagged
   ``saturated`` when any sample sits at adc_min or adc_max.

Randomness: window i uses the stream ``stream_start(key, event_index[i])`` (simcoh.rng), so the
waveforms do not depend on chunking or on the number of threads. Windows are processed in blocks
of ``BLOCK_WINDOWS`` per thread, each block with one scratch buffer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from ..arrays import prefaulted
from ..rng import draw_uniform, stage_key, stream_start
from .noise import NOISE_SEGMENT_SAMPLES, NoiseTable, noise_table
from .spec import DigitizerSpec, digitizer_spec
from .ziggurat import ZIG_ACCEPT, ZIG_F, ZIG_WIDTH, draw_normal_ziggurat

BLOCK_WINDOWS = 16


@dataclass(frozen=True, eq=False)
class Waveforms:
    """Digitized windows: ``samples`` int16 (n_windows, n_samples) and ``saturated`` bool (n_windows)."""

    samples: np.ndarray
    saturated: np.ndarray
    event_index: np.ndarray
    library_window: np.ndarray | None = None  # with an afterglow library: (window, sample offset) per window


@nb.njit(inline="always", cache=True)
def _pe_sample_range(t, dt, tmpl_start, tmpl_end, n):
    lo = int(np.ceil((t + tmpl_start) / dt))
    hi = int(np.floor((t + tmpl_end) / dt)) + 1
    return max(lo, 0), min(hi, n)


@nb.njit(inline="always", cache=True)
def _add_pe(buf, t, amp, dt, tmpl, tmpl_start, tmpl_step, lo, hi):
    """buf[k] += amp · g(k·dt − t) for lo <= k < hi (g linear on the fine grid)."""
    last = tmpl.size - 1
    for k in range(lo, hi):
        x = (k * dt - t - tmpl_start) / tmpl_step
        j = int(x)
        if j < 0 or j >= last:
            if j == last:
                buf[k] += amp * tmpl[last]
            continue
        f = x - j
        buf[k] += amp * (tmpl[j] + f * (tmpl[j + 1] - tmpl[j]))


@nb.njit(inline="always", cache=True)
def _to_code(v, adc_min, adc_max):
    c = np.floor(v + 0.5)
    if c <= adc_min:
        return adc_min, True
    if c >= adc_max:
        return adc_max, True
    return int(c), False


@nb.njit(inline="always", cache=True)
def _add_pes_and_digitize(buf, t_ns, charge, first, stop, dt, signed_amp, tmpl, tmpl_start, tmpl_end, tmpl_step,
                          adc_min, adc_max, row):
    """Add photoelectrons ``first:stop`` to the float window ``buf``, round it into ``row``; True if saturated."""
    n_samples = buf.size
    for j in range(first, stop):
        lo, hi = _pe_sample_range(t_ns[j], dt, tmpl_start, tmpl_end, n_samples)
        _add_pe(buf, t_ns[j], signed_amp * charge[j], dt, tmpl, tmpl_start, tmpl_step, lo, hi)
    sat = False
    for k in range(n_samples):
        c, hit = _to_code(buf[k], adc_min, adc_max)
        row[k] = c
        sat |= hit
    return sat


@nb.njit(parallel=True, cache=True)
def render_exact_kernel(offsets, t_ns, charge, event_index, key, n_samples, dt, baseline, noise_rms, sign, amp,
                        tmpl, tmpl_start, tmpl_step, adc_min, adc_max, zw, zk, zf, out, saturated):
    """Exact Gaussian noise (ziggurat) per sample; see the module docstring."""
    n_win = offsets.size - 1
    tmpl_end = tmpl_start + tmpl_step * (tmpl.size - 1)
    for b in nb.prange((n_win + BLOCK_WINDOWS - 1) // BLOCK_WINDOWS):
        buf = np.empty(n_samples, np.float64)
        for i in range(b * BLOCK_WINDOWS, min(n_win, (b + 1) * BLOCK_WINDOWS)):
            if noise_rms > 0.0:
                s = stream_start(key, event_index[i])
                for k in range(n_samples):
                    s, z = draw_normal_ziggurat(s, zw, zk, zf)
                    buf[k] = baseline + noise_rms * z
            else:
                buf[:] = baseline
            saturated[i] = _add_pes_and_digitize(buf, t_ns, charge, offsets[i], offsets[i + 1], dt, sign * amp, tmpl,
                                                 tmpl_start, tmpl_end, tmpl_step, adc_min, adc_max, out[i])


@nb.njit(parallel=True, cache=True)
def render_table_kernel(offsets, t_ns, charge, event_index, key, n_samples, dt, baseline, sign, amp, tmpl,
                        tmpl_start, tmpl_step, adc_min, adc_max, noise_adc, codes, reaches_limit, segment, out,
                        saturated):
    """Fast noise: segments of ``segment`` samples copied from the table at random offsets; samples under
    a pulse are recomputed from the float noise, so they are rounded exactly as in the exact mode."""
    n_win = offsets.size - 1
    n_seg = (n_samples + segment - 1) // segment
    span = codes.size - segment + 1
    tmpl_end = tmpl_start + tmpl_step * (tmpl.size - 1)
    for b in nb.prange((n_win + BLOCK_WINDOWS - 1) // BLOCK_WINDOWS):
        pulse = np.zeros(n_samples, np.float64)
        seg_off = np.empty(n_seg, np.int64)
        for i in range(b * BLOCK_WINDOWS, min(n_win, (b + 1) * BLOCK_WINDOWS)):
            s = stream_start(key, event_index[i])
            row = out[i]
            for g in range(n_seg):
                s, u = draw_uniform(s)
                off = int(u * span)
                seg_off[g] = off
                k0 = g * segment
                for k in range(k0, min(n_samples, k0 + segment)):
                    row[k] = codes[off + k - k0]
            for j in range(offsets[i], offsets[i + 1]):
                lo, hi = _pe_sample_range(t_ns[j], dt, tmpl_start, tmpl_end, n_samples)
                _add_pe(pulse, t_ns[j], sign * amp * charge[j], dt, tmpl, tmpl_start, tmpl_step, lo, hi)
            sat = False
            for j in range(offsets[i], offsets[i + 1]):  # re-round every sample under a pulse
                lo, hi = _pe_sample_range(t_ns[j], dt, tmpl_start, tmpl_end, n_samples)
                for k in range(lo, hi):
                    v = baseline + noise_adc[seg_off[k // segment] + k % segment] + pulse[k]
                    c, hit = _to_code(v, adc_min, adc_max)
                    row[k] = c
                    sat |= hit
            for j in range(offsets[i], offsets[i + 1]):  # reset the scratch for the next window
                lo, hi = _pe_sample_range(t_ns[j], dt, tmpl_start, tmpl_end, n_samples)
                for k in range(lo, hi):
                    pulse[k] = 0.0
            if reaches_limit:  # the noise alone can sit at a limit: look at every sample
                for k in range(n_samples):
                    sat |= row[k] <= adc_min or row[k] >= adc_max
            saturated[i] = sat


@nb.njit(parallel=True, cache=True)
def render_library_kernel(offsets, t_ns, charge, event_index, key, n_samples, dt, baseline, sign, amp, tmpl,
                          tmpl_start, tmpl_step, adc_min, adc_max, library, out, saturated, chosen):
    """Recorded window (baseline subtracted, simcoh.daq.library) + pulses; ``chosen[i]`` = (window, offset)."""
    n_win = offsets.size - 1
    n_lib, n_lib_samples = library.shape
    span = n_lib_samples - n_samples + 1
    tmpl_end = tmpl_start + tmpl_step * (tmpl.size - 1)
    for b in nb.prange((n_win + BLOCK_WINDOWS - 1) // BLOCK_WINDOWS):
        buf = np.empty(n_samples, np.float64)
        for i in range(b * BLOCK_WINDOWS, min(n_win, (b + 1) * BLOCK_WINDOWS)):
            s = stream_start(key, event_index[i])
            s, u1 = draw_uniform(s)
            s, u2 = draw_uniform(s)
            w = min(int(u1 * n_lib), n_lib - 1)
            off = min(int(u2 * span), span - 1)
            chosen[i, 0] = w
            chosen[i, 1] = off
            rec = library[w]
            for k in range(n_samples):
                buf[k] = baseline + rec[off + k]
            saturated[i] = _add_pes_and_digitize(buf, t_ns, charge, offsets[i], offsets[i + 1], dt, sign * amp, tmpl,
                                                 tmpl_start, tmpl_end, tmpl_step, adc_min, adc_max, out[i])


def _flat(offsets, t_ns, charge, event_index):
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    n = offsets.size - 1
    idx = np.arange(n, dtype=np.int64) if event_index is None else np.ascontiguousarray(event_index, dtype=np.int64)
    if idx.shape != (n,):
        raise ValueError(f"event_index has shape {idx.shape}, expected ({n},)")
    t = np.ascontiguousarray(t_ns, dtype=np.float64)
    q = np.ascontiguousarray(charge, dtype=np.float64)
    if t.size != offsets[-1] or q.size != offsets[-1]:
        raise ValueError(f"offsets end at {offsets[-1]} but there are {t.size} times and {q.size} charges")
    return offsets, t, q, idx


def render_waveforms(spec: DigitizerSpec, key, offsets, t_ns, charge, event_index=None,
                     table: NoiseTable | None = None, out: np.ndarray | None = None, library=None) -> Waveforms:
    """Render one window per entry of ``offsets`` (n_windows + 1). ``key``: stage key of the noise streams
    (simcoh.rng.stage_key). ``table``: the noise table for fast modes (simcoh.daq.noise.noise_table);
    None means exact Gaussian noise. ``out``: optional preallocated int16 (n_windows, n_samples).
    ``library``: a simcoh.daq.library.AfterglowLibrary: recorded windows replace the noise (``key`` then
    chooses the window of each event; ``Waveforms.library_window`` says which)."""
    offsets, t, q, idx = _flat(offsets, t_ns, charge, event_index)
    n_win, n_samples = offsets.size - 1, spec.n_samples
    if out is None:
        out = prefaulted((n_win, n_samples), np.int16)
    elif out.shape != (n_win, n_samples) or out.dtype != np.int16:
        raise ValueError(f"out must be int16 of shape ({n_win}, {n_samples})")
    saturated = np.empty(n_win, np.bool_)
    common = (spec.template, spec.template_start_ns, spec.template_step_ns, spec.adc_min, spec.adc_max)
    if library is not None:
        lib = library.windows_adc
        if lib.ndim != 2 or lib.shape[1] < n_samples:
            raise ValueError(f"library windows of shape {lib.shape} are shorter than {n_samples} samples")
        chosen = np.empty((n_win, 2), np.int64)
        render_library_kernel(offsets, t, q, idx, np.uint64(key), n_samples, spec.dt_ns, spec.baseline_adc,
                              float(spec.polarity_sign), spec.spe_amplitude_adc, *common, lib, out, saturated, chosen)
        return Waveforms(out, saturated, idx, chosen)
    if table is None:
        render_exact_kernel(offsets, t, q, idx, np.uint64(key), n_samples, spec.dt_ns, spec.baseline_adc,
                            spec.noise_rms_adc, float(spec.polarity_sign), spec.spe_amplitude_adc, *common,
                            ZIG_WIDTH, ZIG_ACCEPT, ZIG_F, out, saturated)
    else:
        render_table_kernel(offsets, t, q, idx, np.uint64(key), n_samples, spec.dt_ns, spec.baseline_adc,
                            float(spec.polarity_sign), spec.spe_amplitude_adc, *common, table.noise_adc,
                            table.codes, table.reaches_limit, NOISE_SEGMENT_SAMPLES, out, saturated)
    return Waveforms(out, saturated, idx)


class Digitizer:
    """A detector's digitizer with its noise table: ``Digitizer(det, seed).render(pe, window="c")``.

    Windows: ``"c"`` (coincident, beam-on) and ``"ac"`` (anti-coincident) use the noise stages
    ``daq.noise.c`` and ``daq.noise.ac``, so the two windows of one trigger have independent noise.
    With ``library`` (simcoh.daq.library.AfterglowLibrary) recorded windows replace the noise, chosen from
    the stages ``daq.afterglow_library.c`` and ``.ac``.
    """

    def __init__(self, det_or_spec, seed: int, noise_mode: str | None = None, library=None):
        self.spec = det_or_spec if isinstance(det_or_spec, DigitizerSpec) else digitizer_spec(det_or_spec)
        self.seed = int(seed)
        self.library = library
        if library is None:
            self.noise_mode = noise_mode or self.spec.noise_mode
            self.table = noise_table(self.spec, self.seed, self.noise_mode)
            self.keys = {w: stage_key(self.seed, f"daq.noise.{w}") for w in ("c", "ac")}
        else:  # recorded windows carry their own noise: no table, window choice from its own stages
            self.noise_mode, self.table = "library", None
            self.keys = {w: stage_key(self.seed, f"daq.afterglow_library.{w}") for w in ("c", "ac")}

    def render(self, pe, window: str = "c", out: np.ndarray | None = None) -> Waveforms:
        """Render a simcoh.response.PEList (or anything with offsets, t_ns, charge, event_index)."""
        return render_waveforms(self.spec, self.keys[window], pe.offsets, pe.t_ns, pe.charge, pe.event_index,
                                self.table, out, self.library)

    def render_trigger(self, pe_c, pe_ac=None) -> dict[str, Waveforms]:
        """The coincident window and, if ``pe_ac`` is given, the anti-coincident one."""
        out = {"c": self.render(pe_c, "c")}
        if pe_ac is not None:
            out["ac"] = self.render(pe_ac, "ac")
        return out

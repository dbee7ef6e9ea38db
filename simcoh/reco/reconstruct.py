"""Reconstruction of int16 waveforms: :func:`reconstruct` (simcoh.reco.pulses has the algorithm)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..columns import Column
from .params import RecoParams
from .pulses import SUMMARY_FIELDS, reconstruct_kernel

#: Per-window output columns (name, dtype, unit, description) for event files.
RECO_COLUMNS = [
    Column("baseline_adc", "float32", "ADC", "baseline: mean of the pulse-free pretrace samples"),
    Column("saturated", "bool", "", "a sample sits at adc_min or adc_max (PMT saturation / digitizer overflow)"),
    Column("n_pulses_pretrace", "int32", "", "pulses before the region of interest"),
    Column("n_pulses_roi", "int32", "", "pulses in the region of interest"),
    Column("last_pretrace_pulse_ns", "float64", "ns", "time of the last pretrace pulse from the window start "
           "(-inf if none)"),
    Column("onset_ns", "float64", "ns", "time of the first ROI pulse from the window start (NaN if none)"),
    Column("t_rec_ns", "float64", "ns", "onset time from the start of the ROI (NaN if no ROI pulse)"),
    Column("pe_integrated", "float64", "PE", "charge of the pulses within the integration window from the onset"),
    Column("n_pulses_integration", "int32", "", "pulses within the integration window from the onset"),
    Column("dt_first_second_ns", "float64", "ns", "time from the first to the second ROI pulse (NaN if < 2)"),
    Column("pulse_t_ns", "float64", "ns", "pulse times from the window start", jagged=True),
    Column("pulse_pe", "float64", "PE", "pulse charges", jagged=True),
]


@dataclass(frozen=True, eq=False)
class RecoResult:
    """Per-window reconstruction; ``pulse_offsets``/``pulse_t_ns``/``pulse_pe`` only with keep_pulses."""

    baseline_adc: np.ndarray
    saturated: np.ndarray
    n_pulses_pretrace: np.ndarray
    n_pulses_roi: np.ndarray
    last_pretrace_pulse_ns: np.ndarray
    onset_ns: np.ndarray
    t_rec_ns: np.ndarray
    pe_integrated: np.ndarray
    n_pulses_integration: np.ndarray
    dt_first_second_ns: np.ndarray
    pulse_offsets: np.ndarray | None = None
    pulse_t_ns: np.ndarray | None = None
    pulse_pe: np.ndarray | None = None

    def columns(self) -> dict[str, np.ndarray]:
        """Flat per-window columns (RECO_COLUMNS without the jagged ones)."""
        return {c.name: getattr(self, c.name) for c in RECO_COLUMNS if not c.jagged}


def _packed(p: RecoParams) -> np.ndarray:
    return np.array([p.dt_ns, p.n_pretrace_samples, p.pretrace_ns, p.integration_ns, p.polarity_sign,
                     p.threshold_adc, p.extension_samples, p.adc_samples_per_pe, p.centroid_offset_ns,
                     p.merge_samples])


def reconstruct(samples: np.ndarray, params: RecoParams, keep_pulses: bool = False) -> RecoResult:
    """Reconstruct int16 waveforms ``samples`` (n_windows, n_samples), simulated or recorded."""
    samples = np.ascontiguousarray(samples)
    if samples.ndim != 2 or samples.dtype != np.int16:
        raise ValueError(f"samples must be a 2-D int16 array, got {samples.dtype} with shape {samples.shape}")
    if samples.shape[1] != params.n_samples:
        raise ValueError(f"windows have {samples.shape[1]} samples; the digitizer description gives "
                         f"{params.n_samples}")
    n = samples.shape[0]
    p = _packed(params)
    baseline = np.empty(n, np.float64)
    saturated = np.empty(n, np.bool_)
    summary = np.empty((n, len(SUMMARY_FIELDS)), np.float64)
    dummy = np.empty(0, np.float64)
    zeros = np.zeros(n, np.int64)
    reconstruct_kernel(samples, p, params.n_pretrace_samples, params.adc_min, params.adc_max, baseline, saturated,
                       summary, zeros, False, dummy, dummy)
    offsets = t = q = None
    if keep_pulses:
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(summary[:, 7].astype(np.int64), out=offsets[1:])
        t = np.empty(offsets[-1], np.float64)
        q = np.empty(offsets[-1], np.float64)
        reconstruct_kernel(samples, p, params.n_pretrace_samples, params.adc_min, params.adc_max, baseline,
                           saturated, summary, offsets[:-1], True, t, q)
    s = {name: summary[:, i] for i, name in enumerate(SUMMARY_FIELDS)}
    onset = s["onset_ns"].copy()
    return RecoResult(
        baseline_adc=baseline.astype(np.float32), saturated=saturated,
        n_pulses_pretrace=s["n_pulses_pretrace"].astype(np.int32), n_pulses_roi=s["n_pulses_roi"].astype(np.int32),
        last_pretrace_pulse_ns=s["last_pretrace_pulse_ns"].copy(), onset_ns=onset,
        t_rec_ns=onset - params.pretrace_ns, pe_integrated=s["pe_integrated"].copy(),
        n_pulses_integration=s["n_pulses_integration"].astype(np.int32),
        dt_first_second_ns=s["dt_first_second_ns"].copy(), pulse_offsets=offsets, pulse_t_ns=t, pulse_pe=q,
    )

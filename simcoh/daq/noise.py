"""Noise tables for the fast noise modes (``gaussian_fast`` and ``table``).

Fast mode reads each window's noise from a long table instead of drawing every sample: the window is
cut into segments of ``NOISE_SEGMENT_SAMPLES`` samples and each segment is copied from the table at
its own uniform random offset (one uniform of the window's stream per segment). The table is kept
twice: as float32 noise (ADC counts, baseline subtracted) and as the int16 codes
round(baseline + noise) clipped to the ADC range, so samples that carry no pulse are a plain copy.

- ``gaussian_fast``: the table holds ``GAUSSIAN_TABLE_SAMPLES`` = 2²² exact normals (ziggurat, stage
  ``daq.noise_table`` of the run seed) times noise_rms. Each sample's law is then the empirical law of
  2²² Gaussian draws (mean and rms within ~5·10⁻⁴ relative of the exact values), samples within a
  segment are independent, and segments at different offsets are independent except for overlaps
  (two segments overlap with probability ≈ 2·1024/2²² ≈ 5·10⁻⁴). Waveforms are not independent over
  long runs: each table sample recurs about n_windows·13,750/2²² times. Use ``gaussian`` for studies of
  noise-induced pulses at the 10⁻⁴ level.
- ``table``: the recorded, baseline-subtracted noise of ``digitizer.noise_table`` (at least 1024
  samples, checked at load); its own autocorrelation is kept inside each segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import InputError
from ..rng import stage_key
from .spec import DigitizerSpec
from .ziggurat import standard_normals

NOISE_SEGMENT_SAMPLES = 1024
GAUSSIAN_TABLE_SAMPLES = 2**22


@dataclass(frozen=True, eq=False)
class NoiseTable:
    noise_adc: np.ndarray  # float32, baseline subtracted
    codes: np.ndarray  # int16, round(baseline + noise) clipped to [adc_min, adc_max]
    reaches_limit: bool  # some code sits at adc_min or adc_max (then the renderer rescans each window)


def _codes(noise_adc: np.ndarray, spec: DigitizerSpec) -> NoiseTable:
    codes = np.clip(np.floor(spec.baseline_adc + noise_adc.astype(np.float64) + 0.5), spec.adc_min, spec.adc_max)
    codes = codes.astype(np.int16)
    limit = bool(np.any((codes <= spec.adc_min) | (codes >= spec.adc_max)))
    return NoiseTable(noise_adc, codes, limit)


@lru_cache(maxsize=4)
def _gaussian_noise(seed: int, rms: float, n: int) -> np.ndarray:
    return (rms * standard_normals(stage_key(seed, "daq.noise_table"), n)).astype(np.float32)


def noise_table(spec: DigitizerSpec, seed: int, mode: str | None = None) -> NoiseTable | None:
    """The table for ``mode`` (default spec.noise_mode); None for exact ``gaussian`` noise."""
    mode = mode or spec.noise_mode
    if mode == "gaussian":
        return None
    if mode == "gaussian_fast":
        return _codes(_gaussian_noise(int(seed), float(spec.noise_rms_adc), GAUSSIAN_TABLE_SAMPLES), spec)
    if mode == "table":
        if spec.recorded_noise_adc is None:
            raise InputError("digitizer.noise_table is not set: noise mode 'table' needs recorded noise samples")
        return _codes(spec.recorded_noise_adc, spec)
    raise ValueError(f"unknown noise mode {mode!r}")

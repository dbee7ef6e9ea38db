"""The digitizer description as plain numbers for the numba kernels: :class:`DigitizerSpec`.

Built from a loaded geometry (``[digitizer]`` and ``[windows]``, validated at load by
simcoh.detector: ADC range inside int16, whole numbers of samples per window part) with
:func:`digitizer_spec`. Times are ns from the window start; sample k is taken at t = k · dt_ns.

Single-photoelectron (SPE) pulse template g(τ), τ = sample time − PE time, peak normalised to 1:

- ``gaussian``: g(τ) = exp(−τ²/2σ²), σ = ``spe_width``, kept on |τ| ≤ 6σ (the tails beyond hold
  2·10⁻⁹ of the area);
- ``table``: the file's (time ns, amplitude) rows divided by the largest amplitude, linear between
  rows and zero outside; τ = 0 is the PE arrival time.

The template is stored on a fine grid (``TEMPLATE_OVERSAMPLING`` points per sample, or per σ if σ is
shorter) and interpolated linearly, so PE times keep their sub-sample position. One PE of charge q
adds ``polarity · q · spe_amplitude · g(k·dt − t)`` ADC counts to sample k; its summed samples are
``q · spe_amplitude · area_ns / dt_ns`` (``adc_samples_per_pe``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

#: Fine-grid points of the SPE template per digitizer sample (sub-sample timing to dt/32).
TEMPLATE_OVERSAMPLING = 32
#: Half-width of the Gaussian template in units of its sigma.
GAUSSIAN_HALF_WIDTH_SIGMA = 6.0


@dataclass(frozen=True, eq=False)
class DigitizerSpec:
    """Digitizer and window layout in internal units (ADC counts, ns, samples)."""

    sampling_rate_per_ns: float
    adc_min: int
    adc_max: int
    baseline_adc: float
    noise_rms_adc: float
    noise_mode: str  # gaussian | gaussian_fast | table
    recorded_noise_adc: np.ndarray | None  # table mode: baseline-subtracted recorded noise samples
    polarity_sign: int  # -1 negative pulses, +1 positive
    spe_amplitude_adc: float
    template: np.ndarray  # float64 g on the fine grid, peak 1
    template_start_ns: float  # τ of template[0]
    template_step_ns: float
    pretrace_ns: float
    roi_ns: float
    integration_ns: float

    @property
    def dt_ns(self) -> float:
        return 1.0 / self.sampling_rate_per_ns

    @property
    def n_samples(self) -> int:
        """Samples per window (pretrace + ROI): 13,750 for 55 µs at 250 MS/s."""
        return int(round((self.pretrace_ns + self.roi_ns) * self.sampling_rate_per_ns))

    @property
    def n_pretrace_samples(self) -> int:
        return int(round(self.pretrace_ns * self.sampling_rate_per_ns))

    @property
    def template_area_ns(self) -> float:
        """∫ g(τ) dτ (trapezoid on the fine grid)."""
        return float(np.trapezoid(self.template, dx=self.template_step_ns))

    @property
    def template_centroid_ns(self) -> float:
        """∫ τ g(τ) dτ / ∫ g(τ) dτ: the offset of a pulse's centroid from its PE time (0 for a Gaussian)."""
        tau = self.template_start_ns + self.template_step_ns * np.arange(self.template.size)
        return float(np.trapezoid(tau * self.template, dx=self.template_step_ns) / self.template_area_ns)

    @property
    def adc_samples_per_pe(self) -> float:
        """Sum over samples of the baseline-subtracted pulse of one PE of charge 1 (ADC counts)."""
        return self.spe_amplitude_adc * self.template_area_ns / self.dt_ns

    def template_at(self, tau_ns) -> np.ndarray:
        """g(τ) as the renderer evaluates it (linear on the fine grid, 0 outside)."""
        tau = np.asarray(tau_ns, dtype=float)
        grid = self.template_start_ns + self.template_step_ns * np.arange(self.template.size)
        return np.interp(tau, grid, self.template, left=0.0, right=0.0)


def _gaussian_template(sigma_ns: float, dt_ns: float) -> tuple[np.ndarray, float, float]:
    step = min(dt_ns, sigma_ns) / TEMPLATE_OVERSAMPLING
    half = GAUSSIAN_HALF_WIDTH_SIGMA * sigma_ns
    n = int(np.ceil(half / step))
    tau = step * np.arange(-n, n + 1)
    return np.exp(-0.5 * (tau / sigma_ns) ** 2), float(tau[0]), step


def _table_template(columns, dt_ns: float) -> tuple[np.ndarray, float, float]:
    t, a = np.asarray(columns[0], dtype=float), np.asarray(columns[1], dtype=float)
    step = min(dt_ns, float(np.min(np.diff(t)))) / TEMPLATE_OVERSAMPLING
    n = int(np.ceil((t[-1] - t[0]) / step))
    grid = t[0] + step * np.arange(n + 1)
    return np.interp(grid, t, a / a.max(), right=0.0), float(t[0]), step


def digitizer_spec(det) -> DigitizerSpec:
    """:class:`DigitizerSpec` of a loaded :class:`~simcoh.detector.DetectorConfig`.

    Raises InputError naming the missing section if the detector has no [digitizer] or [windows].
    """
    d, w = det.digitizer, det.windows
    for name, section in (("digitizer", d), ("windows", w)):
        if section is None:
            raise InputError(f"detector '{det.name}' has no [{name}] section: waveforms need [digitizer] and "
                             "[windows]")
    dt_ns = 1.0 / d.sampling_rate_per_ns
    if d.spe_shape == "gaussian":
        template, start, step = _gaussian_template(d.spe_width_ns, dt_ns)
    else:
        template, start, step = _table_template(d.spe_table_data, dt_ns)
    recorded = None
    if d.noise_mode == "table":
        recorded = np.ascontiguousarray(d.noise_table_data[0], dtype=np.float32)
    return DigitizerSpec(
        sampling_rate_per_ns=d.sampling_rate_per_ns, adc_min=int(d.adc_min), adc_max=int(d.adc_max),
        baseline_adc=float(d.baseline), noise_rms_adc=float(d.noise_rms), noise_mode=d.noise_mode,
        recorded_noise_adc=recorded, polarity_sign=-1 if d.polarity == "negative" else 1,
        spe_amplitude_adc=float(d.spe_amplitude), template=np.ascontiguousarray(template), template_start_ns=start,
        template_step_ns=step, pretrace_ns=float(w.pretrace_ns), roi_ns=float(w.roi_ns),
        integration_ns=float(w.integration_ns),
    )

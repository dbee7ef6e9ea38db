"""Reconstruction parameters: the digitizer description plus the pulse-finding settings of ``[reco]``.

:class:`RecoParams` holds plain numbers for the numba kernels; :func:`reco_params` builds it from a
loaded geometry (the same description that renders simulated waveforms describes recorded ones).
Pulse-finding defaults are assumptions (schema ``[reco]``; docs/waveforms.md): threshold 0.375 SPE
amplitudes, 12 ns extension on each side of a threshold crossing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..daq.spec import DigitizerSpec, digitizer_spec
from ..detector.schema import section_keys
from ..detector.convert import convert_value


@dataclass(frozen=True)
class RecoParams:
    dt_ns: float
    n_samples: int
    n_pretrace_samples: int
    pretrace_ns: float
    integration_ns: float
    polarity_sign: int
    adc_min: int
    adc_max: int
    threshold_adc: float  # pulse threshold on the baseline-subtracted signal
    extension_samples: int  # samples added on each side of a crossing region
    merge_samples: int  # crossing regions closer than this (end to next start) are one pulse
    adc_samples_per_pe: float  # summed signal of one PE (charge 1)
    centroid_offset_ns: float  # pulse centroid minus PE time for the template


def _reco_default(name: str):
    key = section_keys("reco")[name]
    return convert_value(key, key.default)


def params_from_spec(spec: DigitizerSpec, pulse_threshold: float | None = None,
                     pulse_extension_ns: float | None = None, pulse_merge_ns: float | None = None) -> RecoParams:
    """RecoParams from a DigitizerSpec; None settings take the schema defaults of ``[reco]``."""
    thr = _reco_default("pulse_threshold") if pulse_threshold is None else float(pulse_threshold)
    ext_ns = _reco_default("pulse_extension") if pulse_extension_ns is None else float(pulse_extension_ns)
    merge_ns = _reco_default("pulse_merge") if pulse_merge_ns is None else float(pulse_merge_ns)
    return RecoParams(
        dt_ns=spec.dt_ns, n_samples=spec.n_samples, n_pretrace_samples=spec.n_pretrace_samples,
        pretrace_ns=spec.pretrace_ns, integration_ns=spec.integration_ns, polarity_sign=spec.polarity_sign,
        adc_min=spec.adc_min, adc_max=spec.adc_max, threshold_adc=thr * spec.spe_amplitude_adc,
        extension_samples=int(round(ext_ns * spec.sampling_rate_per_ns)),
        merge_samples=int(round(merge_ns * spec.sampling_rate_per_ns)),
        adc_samples_per_pe=spec.adc_samples_per_pe, centroid_offset_ns=spec.template_centroid_ns,
    )


def reco_params(det) -> RecoParams:
    """RecoParams of a loaded geometry (``[digitizer]``, ``[windows]`` and the optional ``[reco]``)."""
    r = det.reco
    if r is None:
        return params_from_spec(digitizer_spec(det))
    return params_from_spec(digitizer_spec(det), r.pulse_threshold, r.pulse_extension_ns, r.pulse_merge_ns)

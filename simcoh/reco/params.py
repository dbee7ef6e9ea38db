"""Reconstruction settings as plain numbers for the numba kernels, derived from the detector description.

:class:`RecoParams` is not a second declaration of any parameter: it holds the values the kernels use,
derived from ``[digitizer]``, ``[windows]`` and ``[reco]`` (threshold in ADC counts, extensions in samples).
:func:`reco_params` builds it from a loaded geometry (the same description that renders simulated
waveforms describes recorded ones); a detector without ``[reco]`` gets the schema defaults of ``[reco]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..daq.spec import DigitizerSpec, digitizer_spec
from ..detector.model import default_section


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


def params_from_spec(spec: DigitizerSpec, reco=None) -> RecoParams:
    """RecoParams from a DigitizerSpec and a [reco] section (None: the schema defaults of [reco])."""
    reco = default_section("reco") if reco is None else reco
    thr, ext_ns, merge_ns = float(reco.pulse_threshold), float(reco.pulse_extension_ns), float(reco.pulse_merge_ns)
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
    return params_from_spec(digitizer_spec(det), det.reco)

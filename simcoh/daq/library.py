"""Data-driven afterglow: recorded beam-off waveform windows overlaid on the simulated signal.

COHERENT estimates the afterglow and noise under a CsI[Na] signal from beam-off (anti-coincident) windows
recorded by the same digitizer (arXiv:2110.07730). With ``/run/afterglowLibrary PATH`` simcoh does the same:
each rendered window is a recorded window (baseline-subtracted) plus the signal pulses, instead of the
Poisson [afterglow] model plus simulated noise.

Library format (HDF5, docs/afterglow-library.md):

- dataset ``windows``: shape (n_windows, n_samples_lib), dtype int16, int32, float32 or float64, raw ADC
  samples (baseline included), n_samples_lib >= the simulated window (pretrace + ROI);
- file attributes that must match the detector's [digitizer]: ``sampling_period_ns`` (relative 1e-6),
  ``polarity`` ("negative"/"positive"), ``adc_min``, ``adc_max`` (equal), ``spe_amplitude_adc`` (relative
  :data:`SPE_AMPLITUDE_TOLERANCE`); and ``baseline_adc``, the recording's baseline (subtracted);
- optional attributes: ``description``, ``source``, ``detector``.

Window choice: event i takes window ``floor(u1 · n_windows)`` at sample offset ``floor(u2 · (n_samples_lib
- n_samples + 1))``, u1, u2 the first two uniforms of ``stream_start(stage_key(seed,
"daq.afterglow_library.c"|".ac"), event_index[i])``: the same for any chunking or number of threads.
Sample k = floor(baseline + (lib[w, off + k] − baseline_lib) + pulses + ½), clipped to [adc_min, adc_max].
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import h5py
import numpy as np

from ..errors import Diagnostic, InputError
from ..response.afterglow import afterglow_pe
from ..response.spe import build_spe_table, spe_section
from ..rng import stage_key
from .noise import noise_table
from .render import render_waveforms
from .spec import DigitizerSpec, digitizer_spec

#: Name of the dataset of windows and the attributes every library carries.
WINDOWS_DATASET = "windows"
REQUIRED_ATTRS = ("sampling_period_ns", "baseline_adc", "polarity", "adc_min", "adc_max", "spe_amplitude_adc")
SAMPLE_DTYPES = ("int16", "int32", "float32", "float64")
#: Largest relative difference of the sampling period, and of the SPE amplitude (gain), from the detector's.
SAMPLING_TOLERANCE = 1e-6
SPE_AMPLITUDE_TOLERANCE = 0.01
#: Largest library held in memory (as float32): 2 GiB.
MAX_LIBRARY_SAMPLES = 2**29


@dataclass(frozen=True, eq=False)
class AfterglowLibrary:
    """Recorded windows, baseline subtracted (float32, shape (n_windows, n_samples)), and where they came from."""

    windows_adc: np.ndarray
    path: str
    description: str

    @property
    def n_windows(self) -> int:
        return int(self.windows_adc.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.windows_adc.shape[1])


def _fail(path, message: str, expected: str, suggestion: str | None = None):
    raise InputError(Diagnostic(f"afterglow library {path}: {message}", str(path), expected=expected,
                                suggestion=suggestion))


def _attr(attrs, name: str):
    value = attrs[name]
    return value.decode() if isinstance(value, bytes) else value


def _check_attrs(path, attrs, spec: DigitizerSpec) -> float:
    """Compare the library's digitizer settings with ``spec``; returns its baseline."""
    missing = [a for a in REQUIRED_ATTRS if a not in attrs]
    if missing:
        _fail(path, f"missing attribute(s) {', '.join(missing)}", f"file attributes {', '.join(REQUIRED_ATTRS)}",
              "write the library with simcoh.daq.library.write_library (docs/afterglow-library.md)")
    try:
        period = float(_attr(attrs, "sampling_period_ns"))
        baseline = float(_attr(attrs, "baseline_adc"))
        amp = float(_attr(attrs, "spe_amplitude_adc"))
        lo, hi = int(_attr(attrs, "adc_min")), int(_attr(attrs, "adc_max"))
        polarity = str(_attr(attrs, "polarity"))
    except (TypeError, ValueError) as err:
        _fail(path, f"unreadable digitizer attribute: {err}", "numbers for the periods, amplitudes and ADC codes")
    if not abs(period / spec.dt_ns - 1.0) <= SAMPLING_TOLERANCE:
        _fail(path, f"sampling period {period:g} ns, the detector samples every {spec.dt_ns:g} ns",
              f"the detector's sampling period {spec.dt_ns:g} ns", "record the library with this digitizer setting")
    want_polarity = "negative" if spec.polarity_sign < 0 else "positive"
    if polarity != want_polarity:
        _fail(path, f"polarity {polarity!r}, the detector's pulses are {want_polarity}", f"polarity {want_polarity!r}")
    if (lo, hi) != (spec.adc_min, spec.adc_max):
        _fail(path, f"ADC range [{lo}, {hi}], the detector's is [{spec.adc_min}, {spec.adc_max}]",
              "the same adc_min and adc_max")
    if not abs(amp / spec.spe_amplitude_adc - 1.0) <= SPE_AMPLITUDE_TOLERANCE:
        _fail(path, f"SPE amplitude {amp:g} ADC, the detector's is {spec.spe_amplitude_adc:g} ADC",
              f"a gain within {SPE_AMPLITUDE_TOLERANCE:.0%} of the detector's (afterglow pulses would have "
              "another size than the signal's)")
    if not spec.adc_min <= baseline <= spec.adc_max:
        _fail(path, f"baseline {baseline:g} ADC outside the ADC range", "a baseline inside [adc_min, adc_max]")
    return baseline


def load_library(path, spec: DigitizerSpec) -> AfterglowLibrary:
    """Read and check a library for the digitizer ``spec`` (raises InputError naming what does not match)."""
    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as err:
        _fail(path, f"cannot open it as HDF5 ({err})", "an HDF5 file with a dataset 'windows'")
    with f:
        baseline = _check_attrs(path, f.attrs, spec)
        ds = f.get(WINDOWS_DATASET)
        if not isinstance(ds, h5py.Dataset):
            _fail(path, f"no dataset '{WINDOWS_DATASET}'", f"a 2-D dataset '{WINDOWS_DATASET}' (n_windows, n_samples)")
        if ds.dtype.name not in SAMPLE_DTYPES:
            _fail(path, f"samples of dtype {ds.dtype}", f"ADC samples of dtype {', '.join(SAMPLE_DTYPES)}")
        if ds.ndim != 2 or ds.shape[0] < 1:
            _fail(path, f"dataset '{WINDOWS_DATASET}' has shape {ds.shape}", "shape (n_windows >= 1, n_samples)")
        if ds.shape[1] < spec.n_samples:
            _fail(path, f"windows of {ds.shape[1]} samples ({ds.shape[1] * spec.dt_ns / 1e3:g} us), shorter than the "
                  f"simulated window of {spec.n_samples} samples", f"at least {spec.n_samples} samples per window",
                  "record longer windows or shorten [windows] pretrace/roi")
        if ds.size > MAX_LIBRARY_SAMPLES:
            _fail(path, f"{ds.size} samples", f"at most {MAX_LIBRARY_SAMPLES} samples (2 GiB as float32)")
        windows = np.asarray(ds[...], dtype=np.float64) - baseline
        description = str(_attr(f.attrs, "description")) if "description" in f.attrs else ""
    if not np.all(np.isfinite(windows)):
        _fail(path, "non-finite samples", "finite ADC samples")
    return AfterglowLibrary(windows.astype(np.float32), str(path), description)


def library_provenance(path) -> dict:
    """What an event file records about the library it used: path, SHA-256 of the file, shape, description
    (the configuration holds only the path; the hash tells whether a rerun used the same windows)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    with h5py.File(path, "r") as f:
        shape = list(f[WINDOWS_DATASET].shape)
        description = str(_attr(f.attrs, "description")) if "description" in f.attrs else ""
    return {"path": str(path), "sha256": digest.hexdigest(), "shape": shape, "description": description}


def check_library(path, spec: DigitizerSpec) -> None:
    """Check a library without keeping it (used when a macro is read)."""
    load_library(path, spec)


def write_library(path, samples, spec: DigitizerSpec, *, description: str = "", overwrite: bool = False,
                  **attrs) -> Path:
    """Write ``samples`` (n_windows, n_samples) as a library of ``spec``'s digitizer, atomically (temp file
    and rename); an existing file is replaced only with ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path} exists; refusing to overwrite it (pass overwrite=True / --overwrite)")
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[0] < 1 or samples.dtype.name not in SAMPLE_DTYPES:
        raise InputError(f"library samples of shape {samples.shape} and dtype {samples.dtype}: expected "
                         f"(n_windows >= 1, n_samples) of dtype {', '.join(SAMPLE_DTYPES)}")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f.create_dataset(WINDOWS_DATASET, data=samples, chunks=(1, samples.shape[1]), compression="gzip",
                             compression_opts=4, shuffle=True)
            f.attrs.update(sampling_period_ns=spec.dt_ns, baseline_adc=spec.baseline_adc,
                           polarity="negative" if spec.polarity_sign < 0 else "positive", adc_min=spec.adc_min,
                           adc_max=spec.adc_max, spe_amplitude_adc=spec.spe_amplitude_adc, description=description,
                           **attrs)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a library is a normal data file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def record_library(det, n_windows: int, seed: int, path, *, n_samples: int | None = None,
                   overwrite: bool = False) -> Path:
    """Record ``n_windows`` beam-off windows of ``n_samples`` (default: the detector's window) from the detector's
    own [afterglow] model and noise: afterglow PE (stage ``library.afterglow``) rendered with noise (stage
    ``library.noise``, the detector's noise mode). A library of the model itself, for tests and as a format
    example."""
    spec = digitizer_spec(det)
    n = spec.n_samples if n_samples is None else int(n_samples)
    if n < spec.n_samples:
        raise InputError(f"a library window of {n} samples is shorter than the detector's {spec.n_samples}")
    if not 1 <= int(n_windows) <= MAX_LIBRARY_SAMPLES // n:
        raise InputError(f"n_windows = {n_windows}: expected 1 to {MAX_LIBRARY_SAMPLES // n} windows of {n} samples")
    long_spec = _with_samples(spec, n)
    pe = afterglow_pe(stage_key(seed, "library.afterglow"), det.afterglow, n * spec.dt_ns,
                      build_spe_table(spe_section(det)), event_index=np.arange(int(n_windows)))
    wf = render_waveforms(long_spec, stage_key(seed, "library.noise"), pe.offsets, pe.t_ns, pe.charge,
                          pe.event_index, table=noise_table(spec, seed))
    text = (f"simcoh {det.name} [afterglow] model ({getattr(det.afterglow, 'model', 'none')}) and "
            f"{spec.noise_rms_adc:g} ADC rms noise ({spec.noise_mode}), seed {seed}")
    return write_library(path, wf.samples, spec, description=text, overwrite=overwrite, detector=det.name,
                         seed=int(seed), source="simcoh.daq.library.record_library")


def _with_samples(spec: DigitizerSpec, n_samples: int) -> DigitizerSpec:
    """``spec`` with a window of ``n_samples`` (the extra samples added to the ROI)."""
    return replace(spec, roi_ns=n_samples * spec.dt_ns - spec.pretrace_ns)

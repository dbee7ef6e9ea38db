"""Afterglow library (simcoh.daq.library): recorded beam-off windows overlaid instead of the Poisson model.

Independent references: the Poisson [afterglow] model rendered with its own noise (a separate sample, other
seeds), the noiseless renderer (a constant-baseline library must add nothing), the chunk-free whole-sample
rendering (reproducibility), and the macro's file:line for bad libraries.
"""

from dataclasses import replace
from pathlib import Path

import awkward as ak
import h5py
import numpy as np
import pytest

from simcoh.cli import main
from simcoh.daq import Digitizer, digitizer_spec, render_waveforms
from simcoh.daq.library import load_library, record_library, write_library
from simcoh.detector import load_geometry
from simcoh.errors import InputError
from simcoh.macro import load_macro_text
from simcoh.reco import reco_params, reconstruct
from simcoh.response import afterglow_pe, window_length_ns
from simcoh.response.spe import build_spe_table, spe_section
from simcoh.rng import stage_key

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "simcoh" / "data" / "afterglow" / "csi-2021-poisson.h5"


@pytest.fixture(scope="module")
def det():
    return load_geometry("csi-2021")


@pytest.fixture(scope="module")
def spec(det):
    return digitizer_spec(det)


class _PE:
    """Photoelectrons in the layout the renderer takes."""

    def __init__(self, offsets, t_ns, charge, event_index):
        self.offsets = np.asarray(offsets, np.int64)
        self.t_ns = np.asarray(t_ns, np.float64)
        self.charge = np.asarray(charge, np.float64)
        self.event_index = np.asarray(event_index, np.int64)


def _no_pe(n, start=0):
    return _PE(np.zeros(n + 1), [], [], np.arange(start, start + n))


def _signal_pe(n, spec, start=0):
    """A few PE per event at fixed times in the ROI (deterministic: the same input for every renderer)."""
    k = np.arange(start, start + n)
    per = 1 + k % 4
    offsets = np.concatenate([[0], np.cumsum(per)])
    t = np.concatenate([spec.pretrace_ns + 100.0 + 37.0 * np.arange(m) + (i % 7) for i, m in zip(k, per)])
    q = np.concatenate([0.6 + 0.2 * np.arange(m) for m in per])
    return _PE(offsets, t, q, k)


def test_poisson_library_reproduces_the_poisson_models_pretrace_pulses(det, spec, tmp_path):
    n_lib, n = 300, 600
    lib_path = record_library(det, n_lib, seed=11, path=tmp_path / "lib.h5", n_samples=spec.n_samples + 2500)
    lib = load_library(lib_path, spec)
    overlay = Digitizer(det, seed=5, library=lib).render(_no_pe(n))
    assert len(set(map(tuple, overlay.library_window))) > 0.9 * n  # windows at many offsets, not 300 copies

    # the model itself, independently: afterglow PE (another stream) rendered with Gaussian noise
    pe = afterglow_pe(stage_key(7, "response.photon.afterglow"), det.afterglow, window_length_ns(det.windows),
                      build_spe_table(spe_section(det)), event_index=np.arange(n))
    model = Digitizer(det, seed=6).render(pe)

    params = reco_params(det)
    a = reconstruct(overlay.samples, params).n_pulses_pretrace.astype(float)
    b = reconstruct(model.samples, params).n_pulses_pretrace.astype(float)
    # expected: rate x pretrace = 54.25 kHz x 40 us = 2.17 PE (a few merge or fall below threshold)
    expected_pe = det.afterglow.rate_per_ns * det.windows.pretrace_ns
    assert 0.85 * expected_pe < b.mean() <= expected_pe * 1.1
    # the overlay mean varies with the library (n_lib windows) and with the draws (n events): var <= s2 (1/n_lib + 1/n)
    s2 = b.var(ddof=1)
    z_mean = (a.mean() - b.mean()) / np.sqrt(s2 * (1 / n_lib + 1 / n) + s2 / n)
    assert abs(z_mean) < 4.0
    # fixed-rate Poisson counts: variance = mean; fraction of windows with no pretrace pulse = exp(-mean)
    p0a, p0b = np.mean(a == 0), np.mean(b == 0)
    sp = np.sqrt(p0b * (1 - p0b) * (1 / n_lib + 2 / n))
    assert abs(p0a - p0b) < 4.0 * sp
    assert abs(a.var(ddof=1) / a.mean() - 1.0) < 4.0 * np.sqrt(2.0 / n_lib) + 0.1


def test_constant_baseline_library_adds_nothing(spec, tmp_path):
    n = 40
    pe = _signal_pe(n, spec)
    flat = np.full((3, spec.n_samples + 10), spec.baseline_adc)
    lib = load_library(write_library(tmp_path / "flat.h5", flat, spec), spec)
    with_lib = render_waveforms(spec, stage_key(1, "daq.afterglow_library.c"), pe.offsets, pe.t_ns, pe.charge,
                                pe.event_index, library=lib)
    noiseless = render_waveforms(replace(spec, noise_rms_adc=0.0), stage_key(1, "daq.noise.c"), pe.offsets, pe.t_ns,
                                 pe.charge, pe.event_index)
    np.testing.assert_array_equal(with_lib.samples, noiseless.samples)
    assert np.any(noiseless.samples != np.round(spec.baseline_adc))  # the pulses are there


def test_recorded_samples_are_copied_exactly(spec, tmp_path):
    """int16 windows with the detector's baseline come back sample for sample where there is no pulse."""
    rng = np.random.default_rng(3)
    base = int(round(spec.baseline_adc))
    windows = (base + rng.integers(-20, 21, size=(5, spec.n_samples))).astype(np.int16)
    f = write_library(tmp_path / "w.h5", windows, replace(spec, baseline_adc=float(base)))
    lib = load_library(f, replace(spec, baseline_adc=float(base)))
    wf = render_waveforms(replace(spec, baseline_adc=float(base)), stage_key(2, "x"), *_args(_no_pe(20)), library=lib)
    np.testing.assert_array_equal(wf.samples, windows[wf.library_window[:, 0]])
    assert np.all(wf.library_window[:, 1] == 0)  # windows of exactly the simulated length: no offset


def _args(pe):
    return pe.offsets, pe.t_ns, pe.charge, pe.event_index


def test_window_choice_is_the_same_for_any_chunking(det, spec):
    lib = load_library(SHIPPED, spec)
    dig = Digitizer(det, seed=9, library=lib)
    whole = dig.render(_signal_pe(100, spec))
    parts = [dig.render(_signal_pe(m - s, spec, start=s)) for s, m in ((0, 37), (37, 38), (38, 100))]
    np.testing.assert_array_equal(whole.samples, np.concatenate([p.samples for p in parts]))
    np.testing.assert_array_equal(whole.library_window, np.concatenate([p.library_window for p in parts]))
    # the AC window chooses independently
    ac = dig.render(_signal_pe(100, spec), window="ac")
    assert np.mean(ac.library_window[:, 0] == whole.library_window[:, 0]) < 0.1


def test_shipped_library_matches_csi_2021(spec, det):
    lib = load_library(SHIPPED, spec)
    assert lib.n_windows == 128 and lib.n_samples >= spec.n_samples
    # recorded from the model: mean afterglow charge per window ~ rate x length (noise averages out)
    area = spec.adc_samples_per_pe  # ADC counts (summed over samples) per PE of charge 1
    pe_per_window = -np.sum(lib.windows_adc, axis=1, dtype=np.float64) / area
    expected = det.afterglow.rate_per_ns * lib.n_samples * spec.dt_ns * det.spe.mean
    noise_err = spec.noise_rms_adc * np.sqrt(lib.n_samples) / area
    err = np.sqrt(expected * (1 + det.spe.relative_width**2) + noise_err**2) / np.sqrt(lib.n_windows)
    assert abs(pe_per_window.mean() - expected) < 4 * err


def _library(tmp_path, spec, name="bad.h5", data=None, **attrs):
    path = tmp_path / name
    data = np.full((2, spec.n_samples), 100, np.int16) if data is None else data
    base = dict(sampling_period_ns=spec.dt_ns, baseline_adc=100.0, polarity="negative", adc_min=spec.adc_min,
                adc_max=spec.adc_max, spe_amplitude_adc=spec.spe_amplitude_adc)
    base.update(attrs)
    with h5py.File(path, "w") as f:
        f.create_dataset("windows", data=data)
        for k, v in base.items():
            if v is not None:
                f.attrs[k] = v
    return path


@pytest.mark.parametrize("change, message", [
    (dict(sampling_period_ns=2.0), "sampling period 2 ns"),
    (dict(polarity="positive"), "polarity 'positive'"),
    (dict(adc_max=1000), "ADC range"),
    (dict(spe_amplitude_adc=50.0), "SPE amplitude 50 ADC"),
    (dict(baseline_adc=None), "missing attribute(s) baseline_adc"),
    (dict(data=np.full((2, 100), 100, np.int16)), "windows of 100 samples"),
    (dict(data=np.full((2, 14000), 100, np.uint8)), "dtype uint8"),
    (dict(data=np.full(14000, 100, np.int16)), "shape (14000,)"),
    (dict(data=np.full((1, 14000), np.nan)), "non-finite"),
])
def test_incompatible_libraries_are_refused(spec, tmp_path, change, message):
    with pytest.raises(InputError, match="afterglow library") as err:
        load_library(_library(tmp_path, spec, **change), spec)
    assert message in str(err.value)


def test_not_hdf5_and_missing_dataset(spec, tmp_path):
    text = tmp_path / "text.h5"
    text.write_text("1 2 3\n")
    with pytest.raises(InputError, match="cannot open it as HDF5"):
        load_library(text, spec)
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as f:
        f.attrs.update(sampling_period_ns=spec.dt_ns, baseline_adc=100.0, polarity="negative", adc_min=spec.adc_min,
                       adc_max=spec.adc_max, spe_amplitude_adc=spec.spe_amplitude_adc)
    with pytest.raises(InputError, match="no dataset 'windows'"):
        load_library(empty, spec)


MACRO = """/detector/load csi-2021
/process/enable cevns
/run/fidelity {fidelity}
/run/afterglowLibrary {path}
/run/beamOn 10
"""


def test_macro_reports_a_bad_library_at_its_line(spec, tmp_path):
    bad = _library(tmp_path, spec, sampling_period_ns=2.0)
    with pytest.raises(InputError) as err:
        load_macro_text(MACRO.format(fidelity="waveform", path=bad.name), name="m.mac", base_dir=str(tmp_path))
    (d,) = err.value.diagnostics
    assert (d.file, d.line) == ("m.mac", 4) and "sampling period 2 ns" in d.message
    with pytest.raises(InputError) as err:
        load_macro_text(MACRO.format(fidelity="photon", path=bad.name), name="m.mac", base_dir=str(tmp_path))
    assert err.value.diagnostics[0].line == 4 and "waveform" in err.value.diagnostics[0].expected
    with pytest.raises(InputError) as err:
        load_macro_text(MACRO.format(fidelity="waveform", path="absent.h5"), name="m.mac", base_dir=str(tmp_path))
    assert err.value.diagnostics[0].line == 4
    good = load_macro_text(MACRO.format(fidelity="waveform", path=str(SHIPPED)), name="m.mac", base_dir=str(tmp_path))
    assert good.config.afterglow_library == str(SHIPPED)


def test_command_records_a_library_and_refuses_to_overwrite(spec, tmp_path, capsys):
    out = tmp_path / "rec.h5"
    assert main(["afterglow-library", "csi-2021", "-n", "3", "--output", str(out), "--seed", "4"]) == 0
    lib = load_library(out, spec)
    assert lib.windows_adc.shape == (3, spec.n_samples)
    assert main(["afterglow-library", "csi-2021", "-n", "3", "--output", str(out)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["afterglow-library", "csi-2021", "-n", "3", "--output", str(tmp_path / "s.h5"),
                 "--samples", "10"]) == 2


def _run(tmp_path, name, *sets):
    out = tmp_path / f"{name}.h5"
    args = ["run", str(ROOT / "macros/quickstart.mac"), "--output", str(out), "--no-progress",
            "--set", "run/fidelity=waveform", "--set", f"run/afterglowLibrary={SHIPPED}"]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 0
    from simcoh.io import open_events

    with open_events(out) as f:
        ev = {k: np.asarray(f.read_column(k)) for k in ("waveform", "ac_waveform", "n_pe_afterglow", "ac_n_pulses_roi")}
        ev["pe_label"] = np.asarray(ak.flatten(f.read_column("pe_label")))
        ev["library"] = f.provenance["afterglow_library"]
        return ev


def test_runs_with_a_library_are_the_same_for_any_chunk_size(tmp_path):
    a = _run(tmp_path, "a", "run/beamOn=120", "run/chunkSize=120", "run/acWindow=true")
    b = _run(tmp_path, "b", "run/beamOn=120", "run/chunkSize=45", "run/acWindow=true")
    np.testing.assert_array_equal(a["waveform"], b["waveform"])
    np.testing.assert_array_equal(a["ac_waveform"], b["ac_waveform"])
    # the afterglow is the library's: no model afterglow PE; the AC windows carry no signal
    assert np.all(a["n_pe_afterglow"] == 0) and not np.any(a["pe_label"] == 1)
    assert a["ac_n_pulses_roi"].mean() < 2
    # the event file records which library, by content
    import hashlib

    assert a["library"]["sha256"] == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    assert a["library"]["shape"] == [128, 16500]

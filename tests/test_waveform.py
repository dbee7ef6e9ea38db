"""Waveform rendering (simcoh.daq): pulse placement, ADC rounding and saturation, noise statistics of
the exact and fast modes, determinism across threads and chunks, digitizer validation at load."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from simcoh.daq import Digitizer, standard_normals
from simcoh.daq.noise import NOISE_SEGMENT_SAMPLES
from simcoh.detector import Override, load_geometry
from simcoh.errors import InputError
from simcoh.rng import stage_key


class PE:
    """A hand-made photoelectron list (the simcoh.response.PEList layout)."""

    def __init__(self, per_window, event_index=None):
        self.offsets = np.concatenate(([0], np.cumsum([len(w) for w in per_window]))).astype(np.int64)
        flat = [pe for w in per_window for pe in w]
        self.t_ns = np.array([t for t, _ in flat], float)
        self.charge = np.array([q for _, q in flat], float)
        self.event_index = np.arange(len(per_window)) if event_index is None else np.asarray(event_index)


def _csi_text() -> str:
    with open(load_geometry("csi-2021").source_path) as f:
        return f.read()


def csi(**over):
    return load_geometry("csi-2021", [Override(k, str(v)) for k, v in over.items()])


def test_window_length_and_dtype():
    wf = Digitizer(csi(), 1).render(PE([[], []]))
    assert wf.samples.dtype == np.int16 and wf.samples.shape == (2, 13_750)  # 55 µs at 250 MS/s


@pytest.mark.parametrize("mode", ["gaussian", "gaussian_fast"])
def test_pulses_placed_at_their_times_without_noise(mode):
    # noise 0: every sample is floor(baseline - A q exp(-(k dt - t)^2 / 2 sigma^2) + 1/2), computed here directly
    det = csi(**{"digitizer.noise_rms": 0.0})
    pes = [(41_000.0, 1.0), (41_013.7, 2.5), (47_001.3, 0.7)]
    wf = Digitizer(det, 5, noise_mode=mode).render(PE([pes]))
    k = np.arange(13_750)
    pulse = sum(q * 40.0 * np.exp(-0.5 * ((4.0 * k - t) / 4.0) ** 2) for t, q in pes)
    expected = np.floor(15_000.0 - pulse + 0.5)
    diff = wf.samples[0] - expected
    # the renderer interpolates a template on a 0.125 ns grid (error < 4e-3 ADC): a rounding edge may flip
    assert np.abs(diff).max() <= 1 and np.count_nonzero(diff) <= 3
    assert not wf.saturated[0]


@pytest.mark.parametrize("mode", ["gaussian", "gaussian_fast"])
def test_saturation_clips_and_flags(mode):
    # 500 PE x 40 ADC = 20,000 ADC below a 15,000 baseline: clipped at adc_min = 0
    wf = Digitizer(csi(), 2, noise_mode=mode).render(PE([[(45_000.0, 500.0)], [(45_000.0, 1.0)]]))
    assert wf.saturated.tolist() == [True, False]
    assert wf.samples[0].min() == 0 and wf.samples[1].min() > 0
    pos = csi(**{"digitizer.polarity": "positive", "digitizer.baseline": 1000})
    wf = Digitizer(pos, 2, noise_mode=mode).render(PE([[(45_000.0, 500.0)]]))
    assert wf.saturated[0] and wf.samples[0].max() == 16_383


def _noise_checks(samples, baseline, rms):
    x = samples.astype(float) - baseline
    n = x.size
    var_expected = rms**2 + 1.0 / 12.0  # rounding to integer codes adds 1/12 (Sheppard; rms >> 1 ADC)
    assert abs(x.mean()) < 5 * math.sqrt(var_expected / n)
    # variance of a sample variance: 2 sigma^4 / n for Gaussian data
    assert abs(x.var() - var_expected) < 5 * var_expected * math.sqrt(2.0 / n)
    for lag in (1, 2, 7):
        rho = np.mean(x[:, lag:] * x[:, :-lag]) / x.var()
        assert abs(rho) < 5 / math.sqrt(x[:, lag:].size)


def test_exact_noise_statistics():
    wf = Digitizer(csi(), 11, noise_mode="gaussian").render(PE([[]] * 80))
    _noise_checks(wf.samples, 15_000.0, 3.0)


def test_fast_noise_statistics_and_segment_boundaries():
    wf = Digitizer(csi(), 11, noise_mode="gaussian_fast").render(PE([[]] * 80))
    _noise_checks(wf.samples, 15_000.0, 3.0)
    # across the boundaries between table segments (different random offsets): no correlation either
    x = wf.samples.astype(float) - 15_000.0
    b = np.arange(NOISE_SEGMENT_SAMPLES, 13_750, NOISE_SEGMENT_SAMPLES)
    rho = np.mean(x[:, b] * x[:, b - 1]) / x.var()
    assert abs(rho) < 5 / math.sqrt(x[:, b].size)
    # different windows read different parts of the table
    assert not np.array_equal(wf.samples[0], wf.samples[1])


def test_recorded_noise_table(tmp_path):
    rng = np.random.default_rng(3)
    noise = np.round(rng.normal(0.0, 5.0, 50_000))  # integer ADC noise: reproduced without rounding loss
    (tmp_path / "noise.txt").write_text("\n".join(f"{v:g}" for v in noise))
    src = _csi_text().replace('noise_mode = "gaussian"', 'noise_mode = "table"\nnoise_table = "noise.txt"')
    (tmp_path / "g.toml").write_text(src)
    wf = Digitizer(load_geometry(str(tmp_path / "g.toml")), 4).render(PE([[]] * 40))
    x = wf.samples.astype(float) - 15_000.0
    # each sample is a draw from the table's empirical law: mean and variance of the table, within 5 sigma
    assert abs(x.mean() - noise.mean()) < 5 * noise.std() / math.sqrt(x.size / NOISE_SEGMENT_SAMPLES)
    assert set(np.unique(x)) <= set(np.unique(noise))


def test_ziggurat_normals_follow_the_normal_law():
    z = standard_normals(stage_key(9, "test.normal"), 1_000_000)
    n = z.size
    assert abs(z.mean()) < 5 / math.sqrt(n) and abs(z.var() - 1) < 5 * math.sqrt(2 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    tail = np.mean(np.abs(z) > 3.6541528853610088)  # beyond the ziggurat's tail start r
    p = 2 * stats.norm.sf(3.6541528853610088)
    assert abs(tail - p) < 5 * math.sqrt(p / n)


@pytest.mark.parametrize("mode", ["gaussian", "gaussian_fast"])
def test_same_seed_same_waveforms_for_any_threads_and_chunks(mode):
    rng = np.random.default_rng(0)
    windows = [[(float(t), float(q)) for t, q in zip(rng.uniform(0, 55_000, 8), rng.gamma(3.4, 0.3, 8))]
               for _ in range(40)]
    dig = Digitizer(csi(), 77, noise_mode=mode)
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = dig.render(PE(windows, np.arange(100, 140)))
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = dig.render(PE(windows, np.arange(100, 140)))
    finally:
        numba.set_num_threads(previous)
    chunks = [dig.render(PE(windows[a:a + 7], np.arange(100 + a, 100 + min(a + 7, 40)))).samples
              for a in range(0, 40, 7)]
    np.testing.assert_array_equal(one.samples, two.samples)
    np.testing.assert_array_equal(one.samples, np.concatenate(chunks))
    other = Digitizer(csi(), 78, noise_mode=mode).render(PE(windows, np.arange(100, 140)))
    assert not np.array_equal(one.samples, other.samples)


def _problem(tmp_path, old, new):
    src = _csi_text()
    assert old in src
    (tmp_path / "bad.toml").write_text(src.replace(old, new))
    with pytest.raises(InputError) as err:
        load_geometry(str(tmp_path / "bad.toml"))
    return str(err.value)


def test_malformed_digitizer_fails_at_load_naming_the_key(tmp_path):
    assert "adc_max" in _problem(tmp_path, "adc_min = 0\nadc_max = 16383\nbaseline = 15000",
                                   "adc_min = 30000\nadc_max = 40000\nbaseline = 35000")
    assert "windows.roi" in _problem(tmp_path, 'roi = "15 us"', 'roi = "15.001 us"')
    assert "noise_mode" in _problem(tmp_path, 'noise_mode = "gaussian"', 'noise_mode = "fast"')
    assert "spe_amplitude" in _problem(tmp_path, "spe_amplitude = 40.0", "spe_amplitude = -1.0")
    (tmp_path / "short.txt").write_text("1\n2\n3\n")
    msg = _problem(tmp_path, 'noise_mode = "gaussian"', 'noise_mode = "table"\nnoise_table = "short.txt"')
    assert "noise_table" in msg and "3 samples" in msg

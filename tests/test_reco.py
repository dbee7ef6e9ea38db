"""Reconstruction (simcoh.reco) on hand-built waveforms with known pulses, and the CsI[Na] cuts at
their boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from simcoh.detector import Override, load_geometry
from simcoh.errors import InputError
from simcoh.reco import RecoResult, apply_cuts, cut_set, reco_params, reconstruct

AMP = 1000.0  # ADC per PE: large, so that the integer rounding of the samples is negligible
SIGMA_NS, DT_NS, BASELINE = 4.0, 4.0, 15_000.0


def csi(**over):
    return load_geometry("csi-2021", [Override(k, str(v)) for k, v in over.items()])


def waveform(pulses, baseline=BASELINE, n=13_750):
    """int16 window with negative Gaussian pulses (time ns, charge PE), built here independently of simcoh.daq."""
    k = np.arange(n)
    x = baseline - sum(q * AMP * np.exp(-0.5 * ((DT_NS * k - t) / SIGMA_NS) ** 2) for t, q in pulses)
    return np.floor(x + 0.5).astype(np.int16)


@pytest.fixture(scope="module")
def params():
    return reco_params(csi(**{"digitizer.spe_amplitude": AMP, "digitizer.noise_rms": 0.0}))


# Each sample is off by at most 1/2 ADC after rounding; a pulse spans at most ~10 samples (crossing region
# plus 3 samples each side), the charge of 1 PE is AMP * sigma sqrt(2 pi) / dt = 2507 ADC samples.
Q_TOL = 10 * 0.5 / (AMP * SIGMA_NS * np.sqrt(2 * np.pi) / DT_NS)
T_TOL_NS = 10 * 0.5 * 5 * DT_NS / (AMP * SIGMA_NS * np.sqrt(2 * np.pi) / DT_NS)  # lever arm <= 5 samples


def test_known_pulses_give_their_times_charges_and_summaries(params):
    pulses = [(10_000.0, 1.0), (39_900.3, 1.0), (41_000.0, 2.0), (41_300.6, 1.5), (43_500.0, 1.0), (44_100.0, 1.0)]
    r = reconstruct(waveform(pulses)[None, :], params, keep_pulses=True)
    np.testing.assert_allclose(r.pulse_t_ns, [t for t, _ in pulses], atol=T_TOL_NS)
    np.testing.assert_allclose(r.pulse_pe, [q for _, q in pulses], atol=Q_TOL)
    # baseline: pretrace samples within the pulse threshold of the median; the sub-threshold tails of the two
    # pretrace pulses (|tau| > 1.4 sigma, 16 % of 2,507 ADC samples each) shift it by < 2 * 401 / 9,990 ADC
    assert abs(r.baseline_adc[0] - BASELINE) < 2 * 0.16 * AMP * 2.507 / 9_990 and not r.saturated[0]
    assert (r.n_pulses_pretrace[0], r.n_pulses_roi[0]) == (2, 4)
    assert r.last_pretrace_pulse_ns[0] == pytest.approx(39_900.3, abs=T_TOL_NS)
    assert r.onset_ns[0] == pytest.approx(41_000.0, abs=T_TOL_NS)
    assert r.t_rec_ns[0] == pytest.approx(1_000.0, abs=T_TOL_NS)
    assert r.dt_first_second_ns[0] == pytest.approx(300.6, abs=2 * T_TOL_NS)
    # 3 µs from the onset: 41.0, 41.3006 and 43.5 µs, not 44.1 µs
    assert r.n_pulses_integration[0] == 3
    assert r.pe_integrated[0] == pytest.approx(4.5, abs=3 * Q_TOL)


def test_sub_sample_times_and_positive_polarity():
    p = reco_params(csi(**{"digitizer.spe_amplitude": AMP, "digitizer.polarity": "positive",
                           "digitizer.baseline": 1000}))
    times = [41_000.0 + f for f in (0.0, 0.7, 1.3, 2.1, 3.9)]
    samples = np.stack([(2 * 1000 - waveform([(t, 1.0)], baseline=1000)).astype(np.int16) for t in times])
    r = reconstruct(samples, p)
    np.testing.assert_allclose(r.onset_ns, times, atol=T_TOL_NS)
    np.testing.assert_allclose(r.pe_integrated, 1.0, atol=Q_TOL)


def test_close_pulses_merge_within_the_pulse_pair_resolution(params):
    # csi-2021: pulse_merge = 48 ns. 30 ns apart: one pulse of 2 PE; 120 ns apart: two pulses
    r = reconstruct(np.stack([waveform([(41_000.0, 1.0), (41_030.0, 1.0)]),
                              waveform([(41_000.0, 1.0), (41_120.0, 1.0)])]), params)
    assert r.n_pulses_roi.tolist() == [1, 2]
    np.testing.assert_allclose(r.pe_integrated, 2.0, atol=2 * Q_TOL)
    assert r.onset_ns[0] == pytest.approx(41_015.0, abs=T_TOL_NS)  # charge-weighted centre


def test_empty_window_and_saturation(params):
    flat = np.full((1, 13_750), 15_000, np.int16)
    r = reconstruct(flat, params)
    assert r.n_pulses_roi[0] == 0 and np.isnan(r.onset_ns[0]) and np.isnan(r.dt_first_second_ns[0])
    assert r.pe_integrated[0] == 0.0 and r.last_pretrace_pulse_ns[0] == -np.inf
    clipped = waveform([(45_000.0, 30.0)])  # 30,000 ADC below 15,000: clipped at adc_min = 0
    assert reconstruct(np.clip(clipped, 0, None)[None, :], params).saturated[0]


def test_rejects_wrong_input(params):
    with pytest.raises(ValueError, match="int16"):
        reconstruct(np.zeros((1, 13_750)), params)
    with pytest.raises(ValueError, match="13750"):
        reconstruct(np.zeros((1, 100), np.int16), params)


# --- cuts ------------------------------------------------------------------------------------------
def reco_values(**values):
    n = len(next(iter(values.values())))
    base = dict(baseline_adc=np.zeros(n), saturated=np.zeros(n, bool), n_pulses_pretrace=np.zeros(n, int),
                n_pulses_roi=np.full(n, 20), last_pretrace_pulse_ns=np.full(n, -np.inf),
                onset_ns=np.full(n, 41_000.0), t_rec_ns=np.full(n, 1_000.0), pe_integrated=np.full(n, 30.0),
                n_pulses_integration=np.full(n, 20), dt_first_second_ns=np.full(n, 10.0))
    base.update({k: np.asarray(v) for k, v in values.items()})
    return RecoResult(**base)


@pytest.mark.parametrize("name, field, values, passes", [
    ("saturation", "saturated", [False, True], [True, False]),
    ("pretrace_pulses", "n_pulses_pretrace", [5, 6], [True, False]),  # >= 6 pretrace pulses reject
    ("pretrace_quiet", "last_pretrace_pulse_ns", [39_799.99, 39_800.0], [True, False]),  # last 0.2 µs of 40 µs
    ("dt_first_second", "dt_first_second_ns", [519.99, 520.0, np.nan], [True, False, False]),  # < 0.52 µs
    ("roi_pulses", "n_pulses_integration", [8, 9], [False, True]),  # >= 9 pulses (csi-2021: integration window)
    ("pe_max", "pe_integrated", [59.99, 60.0], [True, False]),  # analysis region PE < 60
    ("t_max", "t_rec_ns", [-0.01, 0.0, 5_999.99, 6_000.0, np.nan], [False, True, True, False, False]),
])
def test_each_cut_flips_at_its_published_boundary(name, field, values, passes):
    flags = apply_cuts(reco_values(**{field: values}), cut_set(csi()))
    assert flags[f"cut_{name}"].tolist() == passes
    others = [k for k in flags if k.startswith("cut_") and k != f"cut_{name}"]
    assert all(flags[k].all() for k in others)
    assert flags["selected"].tolist() == passes


@pytest.mark.parametrize("window, passes", [("roi", [True, True, False]), ("integration", [True, False, False])])
def test_roi_pulses_window_chooses_the_pulses_counted(window, passes):
    # 12 ROI pulses of which 9 / 8 / 3 lie in the integration window: the 'roi' count sees 12, 12 and 8 pulses
    reco = reco_values(n_pulses_roi=[12, 12, 8], n_pulses_integration=[9, 8, 3])
    flags = apply_cuts(reco, cut_set(csi(**{"cuts.roi_pulses_window": window})))
    assert flags["cut_roi_pulses"].tolist() == passes


def test_muon_veto_and_pe_threshold_cuts():
    flags = apply_cuts(reco_values(pe_integrated=[9.99, 10.0]), cut_set(csi(**{"cuts.pe_threshold": 10})),
                       muon_veto=np.array([False, True]))
    assert flags["cut_pe_threshold"].tolist() == [False, True]
    assert flags["cut_muon_veto"].tolist() == [True, False]
    assert flags["selected"].tolist() == [False, False]


def test_cut_names_and_unset_cuts():
    flags = apply_cuts(reco_values(n_pulses_roi=[0]), cut_set(csi()))
    assert sorted(flags) == sorted(["cut_saturation", "cut_muon_veto", "cut_pretrace_pulses", "cut_pretrace_quiet",
                                    "cut_dt_first_second", "cut_roi_pulses", "cut_pe_max", "cut_t_max", "selected"])
    loose = cut_set(csi()).without("roi_pulses", "pretrace_quiet")
    assert "cut_roi_pulses" not in apply_cuts(reco_values(n_pulses_roi=[0]), loose)
    with pytest.raises(InputError, match="unknown cut 'roi'"):
        cut_set(csi()).without("roi")


@pytest.mark.parametrize("override, key", [
    (("cuts.pe_threshold", "70"), "pe_threshold"),  # above pe_max = 60: no event could pass
    (("cuts.roi_min_pulses", "-1"), "roi_min_pulses"),
    (("cuts.pretrace_quiet", "50 us"), "pretrace_quiet"),  # longer than the 40 µs pretrace
    (("cuts.max_dt_first_second", "0.52 kg"), "max_dt_first_second"),
    (("cuts.saturation", "yes"), "saturation"),
    (("cuts.roi_min_pulse", "9"), "roi_min_pulse"),
    (("cuts.roi_pulses_window", "pretrace"), "roi_pulses_window"),
])
def test_malformed_cut_set_fails_at_load_naming_the_key(override, key):
    with pytest.raises(InputError) as err:
        load_geometry("csi-2021", [Override(*override)])
    assert key in str(err.value)

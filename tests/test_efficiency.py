"""Toy-MC selection efficiency (simcoh.efficiency) against the published CsI[Na] 2021 curves, and the
binomial intervals it reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simcoh.efficiency import clopper_pearson_interval, run_efficiency_study, wilson_interval


def test_wilson_interval_hand_value():
    # k = 8, n = 10, z = 1: centre (0.8 + 0.05)/1.1, half sqrt(0.016 + 0.0025)/1.1 (Wilson 1927)
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx((0.85 - math.sqrt(0.0185)) / 1.1) and hi == pytest.approx((0.85 + math.sqrt(0.0185)) / 1.1)


def test_wilson_interval_contains_the_estimate_at_the_edges():
    # k = 0 and k = n: the estimate 0 / 1 lies inside (an end rounded past it made negative plot error bars)
    for n in (1, 3, 10, 37, 1000):
        lo, hi = wilson_interval(np.array([0, n]), n)
        assert lo[0] == 0.0 and hi[0] > 0.0 and hi[1] == 1.0 and lo[1] < 1.0


def test_clopper_pearson_edges():
    # k = 0: upper limit solves (1 - p)^n = alpha/2; k = n: lower limit solves p^n = alpha/2
    lo, hi = clopper_pearson_interval(0, 20, cl=0.9)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.05 ** (1 / 20))
    lo, hi = clopper_pearson_interval(20, 20, cl=0.9)
    assert hi == 1.0 and lo == pytest.approx(0.05 ** (1 / 20))


# Documented agreement (docs/waveforms.md, `simcoh efficiency --n-per-point 2000`, seed 2021): with the csi-2021
# settings (light yield on the 3-us integral, afterglow PE rate 54.25 kHz = detected 49.4 kHz, >= 9 pulses counted
# in the integration window, 32 ns pulse-pair resolution) the toy MC reproduces the published eps_E within 0.042
# (8-17 PE), its plateau within 0.015 and eps_T within 0.005 (20,000 recoils per time point); the test allows
# 0.05 / 0.02 / 0.01 plus 4 binomial sigma of its own, smaller sample.
N, N_TIME = 800, 3000
E_SYSTEMATIC, PLATEAU_SYSTEMATIC, T_SYSTEMATIC = 0.05, 0.02, 0.01


def test_efficiency_follows_the_published_curves(tmp_path):
    r = run_efficiency_study("csi-2021", N, [8.0, 14.0, 30.0], [1_000.0, 5_000.0, 10_000.0], seed=7,
                             outdir=tmp_path, noise_mode="gaussian_fast", time_n_per_point=N_TIME)
    assert r.n_time == N_TIME
    sigma_e = np.sqrt(np.maximum(r.expected_pe * (1 - r.expected_pe), 1 / N) / N)
    assert np.all(np.abs(r.eff_pe - r.expected_pe) < E_SYSTEMATIC + 4 * sigma_e)
    # time efficiency: ratio of two binomial samples
    sigma_t = r.eff_t * np.sqrt((1 - r.eff_t * r.reference_eff) / (N_TIME * r.eff_t * r.reference_eff)
                                + (1 - r.reference_eff) / (N_TIME * r.reference_eff))
    assert np.all(np.abs(r.eff_t - r.expected_t) < T_SYSTEMATIC + 4 * sigma_t)
    # published eps_T: 1 up to 0.52 µs, exp(-0.0494/µs (t - 0.52 µs)) after
    np.testing.assert_allclose(r.expected_t, np.exp(-0.0494 * (np.array([1.0, 5.0, 10.0]) - 0.52)))
    # published eps_E rises from 0 below 7.07 PE to its 0.987 plateau
    assert r.expected_pe[0] < 0.2 and r.expected_pe[2] > 0.94
    assert 0.95 < r.reference_eff <= 1.0
    # plateau (40 PE, eps_T = 1) against the published curve averaged over the same recoils' PE
    sigma_ref = math.sqrt(r.reference_expected * (1 - r.reference_expected) / N_TIME)
    assert abs(r.reference_eff - r.reference_expected) < PLATEAU_SYSTEMATIC + 4 * sigma_ref
    for name in ("csv", "markdown", "plot_pe", "plot_time"):
        assert r.files[name].exists() and r.files[name].stat().st_size > 0
    assert "max |measured - published|" in r.summary()
    # the toy's own plateau cannot exceed the pretrace-cut ceiling of any afterglow rate distribution that keeps
    # eps_T (3 time points here: a looser constraint than the default 10, hence a ceiling at least as high)
    assert 0.9749 <= r.plateau_ceiling < 0.99
    assert r.reference_eff < r.plateau_ceiling + 4 * sigma_ref
    assert "at most" in r.verdict_text()


def test_pretrace_cuts_follow_the_poisson_afterglow():
    """The plateau's largest loss, by hand: afterglow PE arrive as a Poisson process (rate r) and a PE becomes a pulse
    when its gamma-distributed SPE charge (relative width w) clears the pulse threshold, so pretrace pulses are
    Poisson with mean r·p·40 µs. Pass = no pulse in the last 0.2 µs and at most 5 in the 39.8 µs before."""
    from scipy import stats

    from simcoh.daq import Digitizer
    from simcoh.detector import load_geometry
    from simcoh.efficiency.toy import selection_pass

    det = load_geometry("csi-2021")
    n = 4000
    passed, _ = selection_pass(det, 3, np.full(n, 40.0), np.full(n, 200.0), 0,
                               Digitizer(det, 3, noise_mode="gaussian_fast"),
                               cuts=("pretrace_pulses", "pretrace_quiet"))
    shape = 1.0 / det.spe.relative_width ** 2
    p_pulse = stats.gamma.sf(det.reco.pulse_threshold, shape, scale=1.0 / shape)  # 0.914
    rate = det.afterglow.rate_per_ns * p_pulse
    quiet, rest = rate * det.cuts.pretrace_quiet_ns, rate * (det.windows.pretrace_ns - det.cuts.pretrace_quiet_ns)
    expected = math.exp(-quiet) * stats.poisson.cdf(det.cuts.pretrace_max_pulses - 1, rest)  # 0.974
    # noise moves single-PE threshold crossings: measured pulse fraction 0.911 vs 0.914, i.e. < 0.001 here
    assert abs(passed.mean() - expected) < 0.001 + 4 * math.sqrt(expected * (1 - expected) / n)
    # the published eps_E plateau (0.987 at 40 PE) leaves less loss than these two cuts alone take
    assert 1.0 - expected > 0.02


def test_time_scan_size_and_verdict_detail(tmp_path):
    r = run_efficiency_study("csi-2021", 50, [20.0], [3_000.0], seed=1, outdir=None, noise_mode="gaussian_fast")
    assert r.n_per_point == 50 and r.n_time == 500  # TIME_SCAN_FACTOR x the energy scan by default
    checks = r.verdict()
    assert [c.name.split(":")[0] for c in checks] == ["energy", "plateau", "time"]
    assert "of 500 recoils" in checks[2].detail and "500 recoils" in checks[1].detail


def test_population_scan_bins_a_flat_spectrum(tmp_path):
    """Flat mean-PE population: away from the ends, smearing keeps the PE_rec density flat, so a ±1 PE bin holds
    n·2/60 recoils (binomial spread); efficiencies rise from the 8-PE to the 30-PE bin."""
    n = 6000
    r = run_efficiency_study("csi-2021", 20, [8.0, 30.0], [], seed=4, outdir=tmp_path, noise_mode="gaussian_fast",
                             time_n_per_point=20, population_n=n)
    pop = r.population
    expected = n * 2.0 / 60.0
    assert np.all(np.abs(pop.n - expected) < 4 * math.sqrt(expected) + 0.05 * expected)
    assert pop.eff[0] < 0.2 < 0.9 < pop.eff[1]
    assert np.all(np.abs(pop.eff - pop.expected) < 0.1)  # documented: within 0.06 at 100,000 recoils
    assert "pe_rec_bin" in r.files["csv"].read_text() and "Flat population" in r.files["markdown"].read_text()


def test_new_scan_sizes_are_checked_before_anything_runs(tmp_path):
    import types

    from simcoh.efficiency.options import check_arguments
    from simcoh.errors import InputError

    args = types.SimpleNamespace(pe="8", t_us="1", n_per_point=10, seed=1, threads=None, outdir=str(tmp_path / "o"),
                                 time_n_per_point=0, population=-5)
    with pytest.raises(InputError) as err:
        check_arguments(args, 15.0)
    assert "--time-n-per-point" in str(err.value) and "--population" in str(err.value)
    assert not (tmp_path / "o").exists()


def test_a_finished_report_is_never_replaced_without_overwrite(tmp_path, capsys):
    """simcoh efficiency into a folder holding a finished report: exit 3 before anything runs, the report left
    as it was; with --overwrite the report is replaced (atomically: no temporary file is left beside it)."""
    from simcoh.cli import main
    from simcoh.errors import OutputExistsError

    report = tmp_path / "efficiency.md"
    report.write_text("finished\n")
    argv = ["efficiency", "--outdir", str(tmp_path), "--n-per-point", "2", "--time-n-per-point", "2", "--pe", "20",
            "--t-us", "3", "--noise-mode", "gaussian_fast", "-q"]
    assert main(argv) == 3
    assert report.read_text() == "finished\n" and "--overwrite" in capsys.readouterr().err
    with pytest.raises(OutputExistsError):
        run_efficiency_study("csi-2021", 2, [20.0], [], seed=1, outdir=tmp_path, plots=False)
    assert report.read_text() == "finished\n"
    assert main(argv + ["--overwrite"]) == 0
    assert report.read_text().startswith("# Toy-MC selection efficiency")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["efficiency.csv", "efficiency.md", "efficiency_pe.png",
                                                          "efficiency_time.png"]


def test_a_detector_without_published_curves_is_refused_before_the_folder_exists(tmp_path, capsys):
    from simcoh.cli import main

    out = tmp_path / "eff"
    assert main(["efficiency", "--geometry", "lar-750", "--outdir", str(out)]) == 2
    err = capsys.readouterr().err
    assert "[efficiency.energy] in PE" in err and "suggestion: --geometry csi-2021" in err and not out.exists()

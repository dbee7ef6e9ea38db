"""MeV-scale response to electron-type events ([electron_response], simcoh.response.electron): the resolution
formula by hand, the sampled width against it, the analysis window, and the NaIvE-185 ¹²⁷I CC visible spectrum
against an independent quadrature (Michel νe spectrum × two-level σ × Gaussian bin probability)."""

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import integrate, stats

from simcoh.detector import load_geometry
from simcoh.errors import InputError
from simcoh.macro import load_macro
from simcoh.physics import i127cc
from simcoh.response.electron import reconstructed_mev, relative_sigma, window_efficiency
from simcoh.rng import stage_key

ROOT = Path(__file__).resolve().parents[1]
MUON_MASS_MEV = 105.6583755  # PDG 2022
MACRO = ROOT / "macros" / "production" / "nai-185kg-i127cc.mac"


def _response(a=0.024, b=0.025, c=1.0, window=(10.0, 55.0), eff=1.0):
    return SimpleNamespace(stochastic=a, constant=b, containment=c, window_mev=window, efficiency=eff)


def test_relative_sigma_by_hand():
    # 7 % FWHM at 662 keV is sigma/E = 0.07 / 2.3548 = 2.973 %; a = 0.024 gives 0.024 / sqrt(0.662) = 2.950 %
    assert relative_sigma(0.662, 0.024, 0.0) == pytest.approx(0.024 / math.sqrt(0.662), rel=1e-12)
    assert relative_sigma(0.662, 0.024, 0.0) == pytest.approx(0.07 / (2 * math.sqrt(2 * math.log(2))), abs=3e-4)
    # at 30 MeV the constant term dominates: sqrt(0.024^2/30 + 0.025^2) = 2.5381 %
    assert relative_sigma(30.0, 0.024, 0.025) == pytest.approx(math.sqrt(0.024**2 / 30 + 0.025**2), rel=1e-12)
    assert relative_sigma(30.0, 0.024, 0.025) == pytest.approx(0.025381, abs=1e-6)
    assert np.isinf(relative_sigma(0.0, 0.024, 0.025))


@pytest.mark.parametrize("e_mev,containment", [(30.0, 1.0), (12.0, 0.8)])
def test_sampled_width_and_mean(e_mev, containment):
    n = 20_000
    resp = _response(c=containment)
    e = reconstructed_mev(np.full(n, e_mev), stage_key(3, "test.electron"), resp, np.arange(n))
    mean_true = containment * e_mev
    sigma = mean_true * relative_sigma(mean_true, resp.stochastic, resp.constant)
    assert abs(e.mean() - mean_true) < 4 * sigma / math.sqrt(n)
    assert abs(e.std() - sigma) < 4 * sigma / math.sqrt(2 * n)


def test_each_event_has_its_own_stream_and_nan_passes_through():
    resp = _response()
    key = stage_key(9, "test.electron")
    dep = np.array([20.0, np.nan, 35.0, 0.0, 50.0])
    ids = np.arange(100, 105)
    whole = reconstructed_mev(dep, key, resp, ids)
    parts = np.concatenate([reconstructed_mev(dep[:2], key, resp, ids[:2]),
                            reconstructed_mev(dep[2:], key, resp, ids[2:])])
    assert np.array_equal(whole, parts, equal_nan=True)
    assert np.isnan(whole[1]) and whole[3] == 0.0


def test_window_is_half_open_and_carries_the_efficiency():
    eff = window_efficiency(np.array([9.999, 10.0, 30.0, 54.999, 55.0, np.nan]), _response(eff=0.8))
    assert eff.tolist() == [0.0, 0.8, 0.8, 0.8, 0.0, 0.0]
    assert window_efficiency(np.array([1.0, 80.0]), _response(window=None)).tolist() == [1.0, 1.0]


def _michel(e):
    x = e / MUON_MASS_MEV
    return 192.0 / MUON_MASS_MEV * x**2 * (0.5 - x)


def _bin_fractions(edges, a, b):
    """Share of ¹²⁷I CC events per reconstructed-energy bin, by quadrature: Σ_k ∫ φ σ_k P(bin | E_dep) dEν / ⟨σ⟩,
    E_dep = Eν − Q (bound level: electron + its γ) or Eν − Q − S_n (neutron level), Gaussian width E·σ/E."""
    xs = i127cc.two_level()
    q = i127cc.q_value_mev()
    e_max = MUON_MASS_MEV / 2

    def prob(e_dep, lo, hi):
        s = e_dep * relative_sigma(e_dep, a, b)
        return stats.norm.cdf((hi - e_dep) / s) - stats.norm.cdf((lo - e_dep) / s)

    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        tot = 0.0
        for k, e_shift in ((0, 0.0), (1, xs.ex_mev[1])):
            f = lambda e: _michel(e) * float(xs.sigma_cm2(e, level=k)) * prob(e - q - e_shift, lo, hi)  # noqa: E731
            tot += integrate.quad(f, xs.threshold_mev(k) + 1e-9, e_max, limit=200)[0]
        out.append(tot / 9.2e-40)
    return np.array(out)


def test_naive_visible_spectrum_against_quadrature(tmp_path):
    from simcoh.engine import prepare_run

    n = 40_000
    res = load_macro(str(MACRO), set_overrides=[f"run/beamOn={n}"], output=str(tmp_path / "x.h5"), seed=21)
    prepared = prepare_run(res)
    chunk = prepared.pipeline.run_chunk(0, n)
    det = prepared.config.detector.electron_response
    assert (det.stochastic, det.constant, det.window_mev) == (0.024, 0.025, (10.0, 55.0))
    e_rec = chunk["e_rec_kevee"] / 1e3
    # the stage applied the MeV resolution (not the keV [smearing]): rms of E_rec/E_dep - 1 is the rms of sigma/E
    dep = chunk["e_dep_mev"]
    rms_expected = math.sqrt(np.mean(relative_sigma(dep, det.stochastic, det.constant) ** 2))
    assert np.std(e_rec / dep - 1.0) == pytest.approx(rms_expected, rel=4 / math.sqrt(2 * n))
    assert np.allclose(chunk["pe"], e_rec * 1e3 * 10.0)  # mean PE at the geometry's 10 PE/keVee
    edges = np.array([0.0, 10.0, 20.0, 30.0, 40.0, 55.0, 80.0])
    expected = _bin_fractions(edges, det.stochastic, det.constant)
    assert expected.sum() == pytest.approx(1.0, abs=1e-6)
    got = np.histogram(e_rec, edges)[0] / n
    # binomial error of each share (4 sigma) plus 0.003 for the sub-bin sampling of the source spectrum
    tol = 4 * np.sqrt(expected * (1 - expected) / n) + 0.003
    assert np.all(np.abs(got - expected) < tol), (got, expected)
    # the window count: weight x efficiency (1 in [10, 55) MeV, 0 outside) = expected count x window share
    w = chunk["weight"]
    in_window = float(np.sum(w * chunk["eff_energy"]))
    share = expected[1:5].sum()
    total = float(w.sum())
    # binomial error of the share (4 sigma) plus 0.003 of the total for the sub-bin sampling of the source spectrum
    tol = total * (4 * math.sqrt(share * (1 - share) / n) + 0.003)
    assert in_window == pytest.approx(total * share, abs=tol)


def test_reversed_window_is_a_clear_error(tmp_path):
    text = (ROOT / "geometries" / "nai-185kg.toml").read_text()
    assert 'window = ["10 MeV", "55 MeV"]' in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('window = ["10 MeV", "55 MeV"]', 'window = ["55 MeV", "10 MeV"]'))
    with pytest.raises(InputError) as err:
        load_geometry(str(bad))
    msg = str(err.value)
    line = 1 + text.split("\n").index('window = ["10 MeV", "55 MeV"]')
    assert f"bad.toml:{line}" in msg and "empty" in msg and "low < high" in msg


@pytest.mark.parametrize("value", ['[20 MeV, 50 MeV]', '["20 MeV", "50 MeV"]'])
def test_window_override_from_a_macro(tmp_path, value):
    macro = tmp_path / "w.mac"
    macro.write_text(f"/detector/load nai-185kg\n/detector/set electron_response.window {value}\n"
                     "/detector/set electron_response.constant 0.1\n/process/disable cevns\n/process/enable i127_cc\n"
                     "/run/beamOn 10\n")
    det = load_macro(str(macro)).config.detector.electron_response
    assert det.window_mev == (20.0, 50.0) and det.constant == 0.1
    macro.write_text(macro.read_text().replace(value, "[50 MeV, 20 MeV]"))
    with pytest.raises(InputError, match=r"w.mac:2:.*window \[50, 20\) MeV is empty"):
        load_macro(str(macro))

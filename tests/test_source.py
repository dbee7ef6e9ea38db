"""Stopped-pion source against hand calculations and PHYSICS.md §1."""

import numpy as np
import pytest
from scipy.integrate import quad

from simcoh.config import SourceConfig
from simcoh.errors import InputError
from simcoh.source import make_source
from simcoh.source.flux import flux_per_cm2, flux_rate_per_cm2_s, pot_per_gwh
from simcoh.source.spectra import michel_nu_e_pdf, michel_nu_mu_bar_pdf

M_MU = 105.6583755
M_PI = 139.57039


def test_michel_spectra_normalised_with_published_means():
    for pdf, mean in [(michel_nu_e_pdf, 31.7), (michel_nu_mu_bar_pdf, 37.0)]:
        norm = quad(lambda e: float(pdf(e)), 0, M_MU / 2)[0]
        m = quad(lambda e: e * float(pdf(e)), 0, M_MU / 2)[0]
        assert norm == pytest.approx(1.0, abs=1e-10)
        assert m == pytest.approx(mean, abs=0.05)
    # exact: <E> = 0.6 (νe) and 0.7 (ν̄μ) of the end point mμ/2
    assert quad(lambda e: e * float(michel_nu_e_pdf(e)), 0, M_MU / 2)[0] == pytest.approx(0.6 * M_MU / 2, rel=1e-9)


def test_binned_spectra_reproduce_analytic_means():
    src = make_source(SourceConfig())
    assert src.flavours["nu_e"].mean_energy_mev() == pytest.approx(0.6 * M_MU / 2, rel=1e-6)
    assert src.flavours["nu_mu_bar"].mean_energy_mev() == pytest.approx(0.7 * M_MU / 2, rel=1e-6)
    assert src.flavours["nu_mu"].line_mev == pytest.approx((M_PI**2 - M_MU**2) / (2 * M_PI))
    assert src.flavours["nu_mu"].line_mev == pytest.approx(29.79, abs=0.005)
    for f in src.flavours.values():
        assert f.yield_per_pot == 0.0848


def test_published_flux_at_20m():
    # 1.4 MW of 1 GeV protons, 0.08 ν/flavour/POT, three flavours, 20 m: ≈ 4.2e7 ν cm⁻² s⁻¹ (PHYSICS.md §1)
    phi = flux_rate_per_cm2_s(1.4, 1000.0, 0.08, 2000.0)
    pot_s = 1.4e6 / 1.602176634e-10
    assert phi == pytest.approx(3 * 0.08 * pot_s / (4 * np.pi * 2000.0**2), rel=1e-12)
    assert phi == pytest.approx(4.2e7, rel=0.02)


def test_pot_per_gwh_and_flux_scaling():
    assert pot_per_gwh(1000.0) == pytest.approx(2.247e22, rel=1e-3)
    assert flux_per_cm2(1e22, 0.08, 1930.0) / flux_per_cm2(1e22, 0.08, 2 * 1930.0) == pytest.approx(4.0)
    with pytest.raises(InputError, match="distance"):
        flux_per_cm2(1e22, 0.08, -1.0)


def test_geant4_source_has_dif_tail_and_nu_e_bar():
    src = make_source(SourceConfig(model="geant4"))
    numu = src.flavours["nu_mu"]
    mid = 0.5 * (numu.edges_mev[1:] + numu.edges_mev[:-1])
    tail = numu.prob[mid > 52.83].sum()
    assert 0.002 < tail < 0.008  # 0.4 % decay-in-flight tail (PHYSICS.md §1)
    ratio = src.flavours["nu_e_bar"].yield_per_pot / src.flavours["nu_e"].yield_per_pot
    assert ratio == pytest.approx(0.016, rel=0.1)
    # the νe spectrum is close to Michel: mean within 2 % of 31.7 MeV
    assert src.flavours["nu_e"].mean_energy_mev() == pytest.approx(31.7, rel=0.02)


def test_bad_source_options():
    with pytest.raises(InputError, match="source model: 'geant' is not allowed.*did you mean 'geant4'"):
        SourceConfig(model="geant")
    with pytest.raises(InputError, match="neutrinos per flavour per POT"):
        SourceConfig(nu_per_flavour_per_pot=-0.1)
    with pytest.raises(InputError, match="pulse table"):
        SourceConfig(pulse_shape="table")


def test_inverse_cdf_table_leaves_empty_bins_empty():
    from simcoh.source.timing import inverse_cdf_table

    edges = np.arange(6.0)
    prob = np.array([0.0, 0.0, 1.0, 0.0, 1.0])  # mass only in [2, 3) and [4, 5)
    table = inverse_cdf_table(edges, prob, size=4097)
    u = np.random.default_rng(3).random(200_000)
    x = np.interp(u * (len(table) - 1), np.arange(len(table)), table)
    in_gap = ((x >= 0) & (x < 2)) | ((x >= 3) & (x < 4))
    assert in_gap.mean() < 1.0 / 4096 + 5 * np.sqrt(1 / 4096 / 200_000)
    assert abs(np.mean(x < 3) - 0.5) < 5 * np.sqrt(0.25 / 200_000)
    # inside a filled bin the density is flat: [2, 3) splits evenly at 2.5
    assert abs(np.mean(x < 2.5) - 0.25) < 5 * np.sqrt(0.1875 / 200_000)
    assert table[0] == 2.0 and table[-1] == 5.0

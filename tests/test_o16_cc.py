"""νe ¹⁶O charged current in the heavy water of COH-D2O (o16_cc) and the flux normalisation with its background:
threshold from hand-typed mass excesses, the shipped KLV table against its source numbers, the Michel-averaged
cross section against an independent fit (Tomàs et al., hep-ph/0307050, eq. B6), the expected count against a hand
calculation, sampled electron energies, clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from simcoh.errors import InputError
from simcoh.generate import TruthGenerator
from simcoh.macro import load_macro_text
from simcoh.physics import oxygen16
from simcoh.physics.deuteron import flux_normalisation, flux_normalisation_with_oxygen

MU_MEV = 105.6583755  # PDG muon mass
#: AME2020 mass excesses typed from the evaluation (Wang et al., CPC 45, 030003 (2021)): 16F 10675.182 keV,
#: 16O -4737.002 keV; Q = M(16F) - M(16O) = 15.412184 MeV
Q_HAND = (10675.182 + 4737.002) / 1000.0
#: KLV (PRD 66, 013007) sigma in 1e-42 cm^2 at 20, 30, 40, 50 MeV, typed from GENIE's KLVOxygenIBDPXSec.cxx
KLV = {20.0: 7.26e-3, 30.0: 1.25, 40.0: 12.8, 50.0: 52.1}
MACRO = "/detector/load d2o\n/process/disable cevns\n/process/enable d2o_cc\n/process/enable o16_cc\n" \
        "/run/exposure 14 GWh\n/run/beamOn 4000\n"


def michel(e):  # nu_e from mu+ decay at rest, normalised on [0, m_mu/2]
    x = e / MU_MEV
    return 192.0 / MU_MEV * x * x * (0.5 - x)


@pytest.fixture(scope="module")
def gen():
    return TruthGenerator.from_run_config(load_macro_text(MACRO).config)


def test_threshold_from_mass_excesses():
    assert oxygen16.q_value_mev() == pytest.approx(Q_HAND, abs=1e-5)
    assert 15.3 < Q_HAND < 15.5  # the 15.4 MeV quoted for 16O(nu_e, e-)16F


def test_shipped_table_against_its_source():
    t = oxygen16.builtin_xs_table()
    for e, s in KLV.items():
        assert t.sigma(e) == pytest.approx(s * 1e-42, rel=1e-9)
    # between grid points the interpolation is geometric: sqrt(sigma(30) sigma(32.5)) at 31.25 MeV
    assert t.sigma(31.25) == pytest.approx(math.sqrt(1.25e-42 * 2.58e-42), rel=1e-3)
    assert np.all(t.rel_unc == 0.30)


def test_michel_average_against_the_independent_fit(gen):
    """Tomàs et al. fit the KLV calculation with sigma = 4.7e-40 cm^2 (E^1/4 - 15^1/4)^6 (E in MeV); its Michel
    average is an independent number: the table's must agree within the fit's quality (a few per cent)."""
    fit, _ = integrate.quad(lambda e: michel(e) * 4.7e-40 * max(e**0.25 - 15**0.25, 0.0) ** 6, 15.0, MU_MEV / 2,
                            limit=200)
    assert gen.processes["o16_cc"].sigma_avg_cm2 == pytest.approx(fit, rel=0.02)
    assert 8.5e-42 < fit < 9.2e-42


def test_expected_count_by_hand(gen):
    p = gen.processes["o16_cc"]
    # 592 kg D2O / (2 x 2.014101778 + 15.9994) g/mol x N_A x 0.99757 (16O in natural oxygen)
    n_o16 = 592e3 / (2 * 2.014101778 + 15.9994) * 6.02214076e23 * 0.99757
    assert p.n_o16 == pytest.approx(n_o16, rel=1e-4)
    pot = 14.0 * 3.6e12 / 1.602176634e-10  # 14 GWh of 1 GeV protons
    fluence = 0.0848 * pot / (4 * math.pi * 2000.0**2)
    assert gen.expected["o16_cc"] == pytest.approx(fluence * n_o16 * p.sigma_avg_cm2, rel=1e-6)
    # per D2O molecule: one 16O against two deuterons; the oxygen channel is 6-10 % of the deuteron one
    assert 0.06 < gen.expected["o16_cc"] / gen.expected["d2o_cc"] < 0.10


def test_sampled_electron_energy(gen):
    ev = gen.generate(0, 4000)
    sel = np.asarray(ev["process"]) == 8
    e_nu, te = np.asarray(ev["e_nu_mev"])[sel], np.asarray(ev["t_e_mev"])[sel]
    assert sel.sum() > 100
    assert np.allclose(te, np.maximum(e_nu - Q_HAND, 0.0), atol=1e-4)
    assert e_nu.min() >= 15.0 and e_nu.max() <= MU_MEV / 2 + 0.1
    t = oxygen16.builtin_xs_table()
    w = lambda e: michel(e) * float(t.sigma(e))  # noqa: E731
    norm = integrate.quad(w, 15.0, MU_MEV / 2, limit=400)[0]
    mean = integrate.quad(lambda e: e * w(e), 15.0, MU_MEV / 2, limit=400)[0] / norm
    assert e_nu.mean() == pytest.approx(mean, abs=4 * e_nu.std() / math.sqrt(e_nu.size))


def test_flux_normalisation_with_background():
    """(N - B)/(N_d sigma) with N = 1100, B = 100 +- 30 %: stat sqrt(1100)/1000, background 30/1000."""
    r = flux_normalisation(1100.0, 1e28, 1e-40, 0.01, n_background=100.0, background_rel_unc=0.3)
    assert r.flux_per_cm2 == pytest.approx(1000.0 / 1e-12)
    assert r.rel_stat == pytest.approx(math.sqrt(1100) / 1000)
    assert r.rel_background == pytest.approx(0.03)
    assert r.rel_total == pytest.approx(math.sqrt(1100 / 1e6 + 1e-4 + 9e-4))


def test_flux_with_oxygen_scales_with_the_count():
    """N = Φ (N_d σ_d + N_O σ_O): rates 1e-12 and 1e-13 per unit flux, N = 1100 gives Φ = 1e15 exactly, and a count
    twice as large gives twice the flux (a 16O count subtracted at a fixed model flux would give 2.1x)."""
    r = flux_normalisation_with_oxygen(1100.0, 1e28, 1e-40, 0.011, 1e27, 1e-40, 0.3)
    assert r.flux_per_cm2 == pytest.approx(1e15)
    assert r.rel_stat == pytest.approx(1 / math.sqrt(1100))
    assert r.rel_xs == pytest.approx(0.011 * 10 / 11)   # νe d share 10/11 of the rate
    assert r.rel_background == pytest.approx(0.3 / 11)  # 16O share 1/11
    r2 = flux_normalisation_with_oxygen(2200.0, 1e28, 1e-40, 0.011, 1e27, 1e-40, 0.3)
    assert r2.flux_per_cm2 == pytest.approx(2 * r.flux_per_cm2)
    with pytest.raises(InputError):
        flux_normalisation_with_oxygen(0.0, 1e28, 1e-40, 0.01, 1e27, 1e-40, 0.3)


def test_only_heavy_water(tmp_path):
    with pytest.raises(InputError) as info:
        load_macro_text("/detector/load csi-2021\n/process/enable o16_cc\n/run/beamOn 1\n")
    assert any("process 'o16_cc'" in d.message and "D2O" in d.message for d in info.value.diagnostics)


def test_short_table_is_refused(tmp_path):
    path = tmp_path / "o16.txt"
    path.write_text("# test\n15.4 0 0.3\n40 1e-41 0.3\n")
    text = MACRO.replace("/run/exposure", f"/process/o16_cc/xsTable {path}\n/run/exposure")
    with pytest.raises(InputError, match="o16_cc cross-section table ends at 40 MeV"):
        TruthGenerator.from_run_config(load_macro_text(text).config)


def test_coverage_needs_qe():
    with pytest.raises(InputError, match="both /process/o16_cc/coverage"):
        load_macro_text(MACRO.replace("/run/exposure", "/process/o16_cc/coverage 0.1\n/run/exposure"))

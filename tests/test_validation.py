"""The fast validation against published COHERENT results (validation/), with its pass criteria asserted.

Run alone with ``pytest -m validation``. Every number is computed by simcoh here; the published values come
from validation/published.py (each with its source)."""

import math
from pathlib import Path

import pytest

from validation.command import run_validation, validate_command
from validation.results import FAIL, NOT_RUN, PASS

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.validation


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    res = run_validation(fast=True, outdir=out, reference_dir=ROOT / "validation" / "reference", progress=False)
    return {r.key: r for r in res}, out


def test_report_written(results):
    res, out = results
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "simcoh validation against published COHERENT results" in text
    for key in ("csi2021", "csi2017", "n2", "fidelity", "flux", "sensitivity"):
        assert key in res and f'id="{key}"' in text
        assert res[key].status != NOT_RUN, res[key].reason
    for r in res.values():
        for rel, _ in r.plots:
            assert (out / rel).is_file() and (out / rel).stat().st_size > 10_000


def test_csi2021_within_theory_uncertainty(results):
    res, _ = results
    n, stat = res["csi2021"].data["counts"]["cevns"]
    # issue criterion: within the theory ±11 of 333, or else the report says by how much and why, and the
    # prediction stays within the total published uncertainty (11 th ⊕ 42 exp)
    assert abs(n - 333) <= math.hypot(11, 42), f"CsI 2021 CEvNS {n:.1f} ± {stat:.1f}, published 333 ± 11 ± 42"
    if abs(n - 333) > 11:
        assert any("form factor" in note and f"{n - 333:+.1f}" in note for note in res["csi2021"].notes)
        # and the explanation holds: the Klein–Nystrand form factor brings the same run inside ±11
        kn_count = res["sensitivity"].data["form factor Klein–Nystrand"][0]
        assert abs(kn_count - 333) <= 11
    assert stat < 3  # the fast sample resolves the criterion
    assert abs(res["csi2021"].data["sigma_1e40"] - 189) <= 6
    assert res["csi2021"].data["n_c"] == 1578 and res["csi2021"].data["n_ac"] == 1295


def test_csi2017_within_uncertainty(results):
    res, _ = results
    n, stat = res["csi2017"].data["cevns"]
    assert abs(n - 173) <= 48, f"CsI 2017 CEvNS {n:.1f} ± {stat:.1f}, published 173 ± 48"
    assert res["csi2017"].status == PASS


def test_flux_and_arrival_times(results):
    res, _ = results
    flux = res["flux"]
    assert abs(flux.data["flux"] - 4.3e7) <= 0.1 * 4.3e7
    for kind in ("prompt", "delayed"):
        x2, ndf = flux.data[("analytic (default)", kind)]
        assert x2 / ndf <= 3.0, f"{kind} arrival-time χ²/ndf {x2 / ndf:.2f}"
    assert flux.status == PASS


def test_n2_slope(results):
    res, _ = results
    slopes = res["n2"].data["slopes"]
    assert abs(slopes["none"][0] - 2.0) <= 0.1
    assert 1.6 <= slopes["helm"][0] < slopes["none"][0]
    assert res["n2"].status == PASS


def test_fidelity_consistent(results):
    res, _ = results
    rel = res["fidelity"].data.get("relative", {})
    # the light yield is defined on the 3-µs charge (light.yield_window), so that row is the like-for-like one;
    # all the signal charge holds 1/0.931 of it, which raises the efficiency-corrected count
    assert abs(rel["photon, 3 µs window, signal"]) <= 0.03
    assert rel["photon, all signal charge"] > rel["photon, 3 µs window, signal"] + 0.03
    assert res["fidelity"].status != FAIL


def test_sensitivity_table_complete(results):
    res, _ = results
    data = res["sensitivity"].data
    assert len(data) >= 15
    nominal = next(v for k, v in data.items() if k.startswith("nominal"))
    # flux normalisation enters linearly: 0.09/0.0848 of the nominal count
    v09 = data["ν/POT 0.09 (LAr 2020 release)"][0]
    assert v09 == pytest.approx(nominal[0] * 0.09 / 0.0848, rel=1e-9)
    assert all(math.isfinite(v[0]) for v in data.values())


def test_missing_reference_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match="reference data not found"):
        run_validation(fast=True, outdir=tmp_path / "out", reference_dir=tmp_path, progress=False)
    assert validate_command(["--fast", "--reference-dir", str(tmp_path)]) == 2
    assert "expected coherent-csi-2021/" in capsys.readouterr().err


def test_gemini_count_against_the_measurement(results):
    # Ge-Mini (arXiv:2406.13806): 20.6 +7.1 -6.3 measured; simcoh under the docs/ge-mini.md assumptions within 2 sigma
    res, _ = results
    cmp = res["gemini"].comparisons[0]
    assert cmp.published == 20.6 and cmp.simcoh > 0
    assert res["gemini"].status == PASS, cmp.n_sigma
    # simcoh's SM flux-averaged Ge cross section against COHERENT's 5.9e-39 cm^2 (arXiv:2603.17951), within 3 %
    sigma = next(c for c in res["gemini"].comparisons if c.quantity.startswith("Ge ⟨σ⟩"))
    assert sigma.published == 5.9 and sigma.passed, sigma.simcoh


def test_nube_case_against_published_and_mass_thresholds(results):
    # arXiv:2212.11295: 0.29 (+0.17 -0.16) of MARLEY, "no NIN at 1.8σ" = 0.29 / 0.16; EMV table zero below the
    # AME2020 thresholds (1n 9.77 MeV, 2n 17.86 MeV); nube-pb 386 NIN per nominal year (docs/nube.md)
    res, _ = results
    nube = res["nube"]
    assert nube.status == PASS
    assert nube.data["ratio_significance"] == pytest.approx(0.29 / 0.16)
    e_th, opening = nube.data["pb208_1n"]
    assert e_th == pytest.approx(9.766, abs=1e-3) and opening >= e_th
    assert nube.data["nube_pb_per_year"] == pytest.approx(386.0, abs=0.5)
    assert len(nube.not_run) == 3


def test_an_unknown_case_or_an_outdir_that_is_a_file_is_an_error_before_anything_runs(tmp_path, capsys):
    """exit 2 and one line naming the option and what was expected; no traceback, nothing written."""
    assert validate_command(["--fast", "--case", "nosuch", "--outdir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--case nosuch" in err and "d2o" in err and not (tmp_path / "o").exists()
    (tmp_path / "f").write_text("")
    assert validate_command(["--fast", "--case", "d2o", "--outdir", str(tmp_path / "f")]) == 2
    assert "--outdir" in capsys.readouterr().err and (tmp_path / "f").read_text() == ""

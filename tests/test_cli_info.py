"""simcoh info and the code provenance (git commit + dirty flag), and the efficiency verdict text."""

import shutil
import subprocess
import types
from pathlib import Path

import numpy as np
import pytest

import simcoh._version as version
from simcoh.cli import main
from simcoh.efficiency import study
from simcoh.io import open_events

ROOT = Path(__file__).resolve().parents[1]

MACRO = """/random/setSeed 11
/detector/load csi-2021
/process/enable cevns
/process/enable brn
/run/fidelity truth
/output/file info.h5
/run/beamOn 400
"""


def _git(*args):
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("info")
    (directory / "run.mac").write_text(MACRO)
    path = directory / "info.h5"
    assert main(["run", str(directory / "run.mac"), "--output", str(path), "-q"]) == 0
    return path


def test_info_shows_what_the_file_holds(written, capsys):
    assert main(["info", str(written)]) == 0
    text = capsys.readouterr().out
    fields = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in text.splitlines()[1:13]}
    assert fields["detector"] == "csi-2021 (CsI, 14.57 kg at 19.3 m)"
    assert fields["fidelity"] == "truth; mode fixed"
    assert fields["processes"] == "cevns, brn"
    # 3.198e23 POT x 983 MeV = 5.036e13 J = 13.99 GWh: the published exposure both ways (arXiv:2110.07730)
    assert fields["exposure"] == "3.198e+23 POT (13.99 GWh at 983 MeV per proton)"
    assert fields["events"] == "400"
    with open_events(written) as f:
        process = f.read_numpy(["process"])["process"]
        codes, expected = f.provenance["process_codes"], f.provenance["expected_counts"]
    lines = text.splitlines()
    table = lines[lines.index("  events per process:") + 2:][:2]
    for row, name in zip(table, ("cevns", "brn")):  # in the order the macro enabled them
        cells = row.split()
        assert cells[0] == name
        assert int(cells[1].replace(",", "")) == int(np.sum(process == codes[name]))  # counted from the events
        assert float(cells[2]) == pytest.approx(expected[name], rel=1e-5)


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_files_record_the_git_commit_and_dirty_flag(written, capsys):
    commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    with open_events(written) as f:
        recorded = f.provenance["versions"]["simcoh_git"]
    assert recorded == commit + ("+dirty" if dirty else "")
    assert main(["info", str(written)]) == 0
    code = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("  code:"))
    assert commit[:12] in code and ("uncommitted changes" in code) == dirty


@pytest.mark.parametrize("installed, commit, dirty", [
    ("0.1.1.dev5+gabc1234", "abc1234", False),
    ("0.1.1.dev5+gabc1234.d20261129", "abc1234", True),
    ("0.1.0", None, None),  # the fallback: no version file, no git
])
def test_revision_from_the_installed_version(installed, commit, dirty, monkeypatch, tmp_path):
    """Outside a git checkout the commit comes from setuptools-scm's version string (+g<hash>[.d<date>])."""
    package = tmp_path / "site-packages" / "simcoh"
    package.mkdir(parents=True)
    monkeypatch.setattr(version, "_PACKAGE_DIR", str(package))
    monkeypatch.setattr(version, "__version__", installed)
    version.code_revision.cache_clear()
    try:
        revision = version.code_revision()
    finally:
        version.code_revision.cache_clear()
    assert (revision["commit"], revision["dirty"]) == (commit, dirty)


def test_version_file_is_configured_for_setuptools_scm():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(r.startswith("setuptools-scm") for r in config["build-system"]["requires"])
    assert "version" in config["project"]["dynamic"] and "version" not in config["project"]
    assert config["tool"]["setuptools_scm"]["version_file"] == "simcoh/_scm_version.py"
    assert "simcoh/_scm_version.py" in (ROOT / ".gitignore").read_text().splitlines()


def _result(pe_points, eff_pe, expected_pe, eff_t, expected_t, reference, reference_expected, n=2000):
    pe_points = np.asarray(pe_points, float)
    return study.EfficiencyResult(
        pe_points=pe_points, pe_rec_mean=pe_points, eff_pe=np.asarray(eff_pe, float), eff_pe_lo=np.zeros(len(pe_points)),
        eff_pe_hi=np.ones(len(pe_points)), expected_pe=np.asarray(expected_pe, float), chi2_pe=np.ones(len(pe_points)),
        t_points_ns=np.arange(len(eff_t)) * 1e3, eff_t=np.asarray(eff_t, float), eff_t_lo=np.zeros(len(eff_t)),
        eff_t_hi=np.ones(len(eff_t)), expected_t=np.asarray(expected_t, float), chi2_t=np.ones(len(eff_t)),
        reference_eff=reference, n_per_point=n, reference_expected=reference_expected)


def test_efficiency_verdict_by_hand():
    # energy: only the points of mean PE 5..30 count (the 4 and 40 PE points differ by more, and are left out)
    result = _result([4, 5, 20, 30, 40], [0.5, 0.10, 0.52, 0.90, 0.5], [0.0, 0.12, 0.50, 0.925, 0.99],
                     [1.0, 0.95], [1.0, 0.955], reference=0.975, reference_expected=0.983)
    energy, plateau, time = result.verdict()
    assert energy.value == pytest.approx(0.025) and energy.status == "PASS"  # |0.90 - 0.925|
    assert plateau.value == pytest.approx(0.008) and plateau.status == "PASS"
    assert time.value == pytest.approx(0.005) and time.status == "PASS"
    assert result.verdict_text().splitlines()[0].endswith(": PASS")
    worse = _result([10], [0.30], [0.35], [0.9], [0.95], reference=0.96, reference_expected=0.983)
    statuses = [c.status for c in worse.verdict()]
    assert statuses == ["FAIL", "FAIL", "FAIL"]  # 0.05 > 0.03, 0.023 > 0.01, 0.05 > 0.01
    assert "FAIL (3 of 3 checks not met)" in worse.verdict_text()
    none = _result([40], [0.98], [0.98], [], [], reference=0.97, reference_expected=float("nan"))
    assert [c.status for c in none.verdict()] == ["NOT MEASURED"] * 3


def test_efficiency_command_prints_the_verdict_and_where_the_files_went(tmp_path, monkeypatch, capsys):
    result = _result([10], [0.30], [0.35], [0.9], [0.95], reference=0.96, reference_expected=0.983)
    result.files.update({"markdown": tmp_path / "efficiency.md", "plot_pe": tmp_path / "efficiency_pe.png"})
    monkeypatch.setattr(study, "run_efficiency_study", lambda *a, **k: result)
    args = types.SimpleNamespace(detector=None, n_per_point=2000, pe_points=[10], t_points_us=[1], seed=1,
                                 outdir=str(tmp_path))
    assert study.efficiency_command(args) == 0
    out = capsys.readouterr().out
    assert "verdict against the published CsI[Na] 2021 efficiency" in out and "FAIL" in out
    assert f"report and plots in {tmp_path}" in out and f"plot_pe: {tmp_path / 'efficiency_pe.png'}" in out

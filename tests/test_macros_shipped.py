"""The production macros shipped in macros/production/: each is documented (header and docs/production.md), passes
`simcoh check` as written, and runs with a handful of events; the CENNS-10 prediction is compared with the paper."""

import re
from pathlib import Path

import numpy as np
import pytest

from simcoh.cli import main
from simcoh.macro import load_macro
from simcoh.io import open_events

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = sorted((ROOT / "macros").glob("*.mac"))  # run by tests/test_cli.py
PRODUCTION = sorted(p for p in (ROOT / "macros").rglob("*.mac") if p not in TOP_LEVEL)
DOC = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT / "macros"))


def test_every_real_job_has_a_macro():
    names = {_id(p) for p in PRODUCTION}
    assert {"production/csi-2021-full.mac", "production/cenns10-lar-2020.mac",
            "production/csi-2021-efficiency.mac"} <= names
    assert len([n for n in names if n.startswith("production/dm-scan/dm-mchi-")]) >= 5  # a mass scan


@pytest.mark.parametrize("macro", PRODUCTION, ids=_id)
def test_macro_is_documented(macro):
    header = [line for line in macro.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    text = " ".join(header)
    assert "Produces:" in text and re.search(r"arXiv:\d{4}\.\d{4,5}", text), "what it makes and the paper"
    assert re.search(r"\d+ (s|MB|minutes?)\b", text), "its expected run time and size"
    listed = re.search(r"dm-mchi-\{([\d,]+)\}MeV\.mac", DOC)
    mass = re.fullmatch(r"dm-mchi-(\d+)MeV\.mac", macro.name)
    assert macro.name in DOC or (mass and listed and mass.group(1) in listed.group(1).split(","))


@pytest.mark.parametrize("macro", PRODUCTION, ids=_id)
def test_macro_checks_and_runs_small(macro, tmp_path, capsys):
    assert main(["check", str(macro), "-q"]) == 0
    out = tmp_path / "small.h5"
    overrides = ["--set", "run/beamOn=24"]
    if "dm" in macro.read_text():
        overrides += ["--set", "process/dm/setupDecays=20000"]  # the flux tables from fewer decays: faster
    assert main(["run", str(macro), "--output", str(out), *overrides, "-q"]) == 0
    with open_events(out) as f:
        assert f.complete and f.n_events == 24
        expected = f.provenance["expected_counts"]
        weights = f.read_numpy(["weight"])["weight"]
        columns = set(f.columns)
    # fixed N: the weights add up to the expected count of every process at the exposure
    assert np.sum(weights) == pytest.approx(sum(expected.values()), rel=1e-9)
    if macro.name == "csi-2021-full.mac":
        assert set(expected) == {"cevns", "brn", "nin", "ss"}
        assert {"waveform", "ac_waveform", "selected", "ac_selected"} <= columns
    if macro.name == "csi-2021-efficiency.mac":
        assert "selected" in columns and "waveform" not in columns and "n_pe_signal" in columns
    if macro.parent.name == "dm-scan":  # the alias reaches the include: each mass has its own value and file
        assert set(expected) == {"dm"}
        mass = int(re.search(r"(\d+)MeV", macro.name).group(1))
        cfg = load_macro(str(macro)).config
        assert cfg.output_file == f"dm-mchi-{mass}MeV.h5"
        assert dict(cfg.process_options)["dm.m_chi_mev"] == mass


def test_cenns10_prediction_matches_the_paper(tmp_path):
    """The CENNS-10 macro's expected CEvNS count after the Analysis A acceptance, sum(weight x eff_energy x
    eff_time) over the CEvNS events (process 0; the macro also runs brn and ss), against the paper's prediction
    128 +- 17 (PRL 126, 012002 (2021), arXiv:2003.10630). Tolerance: the published 17 plus three times the
    Monte Carlo error of this sample."""
    out = tmp_path / "lar.h5"
    n = 4000
    macro = ROOT / "macros" / "production" / "cenns10-lar-2020.mac"
    assert main(["run", str(macro), "--output", str(out), "--set", f"run/beamOn={n}", "-q"]) == 0
    with open_events(out) as f:
        c = f.read_numpy(["weight", "eff_energy", "eff_time", "process"])
    per_event = c["weight"] * c["eff_energy"] * c["eff_time"] * (c["process"] == 0)
    predicted, mc_error = per_event.sum(), per_event.std() * np.sqrt(n)
    assert abs(predicted - 128.0) < 17.0 + 3 * mc_error, (predicted, mc_error)

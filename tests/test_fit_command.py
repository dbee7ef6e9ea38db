"""`simcoh fit`: a small model file fitted from the command line writes result.json (with the numbers the
likelihood gives by hand) and the plots; mistakes exit with status 2 and a located message, never a traceback;
finished results are not overwritten."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("iminuit")
pytest.importorskip("matplotlib")

from simcoh.cli import main  # noqa: E402

MODEL = """\
[model]
name = "cli-toy"
poi = "mu"

[observables.x]
unit = "PE"
edges = [0, 10]

[observables.t]
unit = "us"
edges = [0, 1, 2]

[templates.sig]
counts = [20.0, 0.0]

[templates.bkg]
counts = [10.0, 10.0]

[channels.c]
observables = ["x", "t"]
data = {counts = [40, 10]}

[channels.c.samples.sig]
normfactors = ["mu"]

[channels.c.samples.bkg]
normfactors = ["b"]

[parameters.mu]
poi = true
bounds = [0, 10]

[parameters.b]
bounds = [0, 10]
"""


def test_fit_command_writes_result_and_plots(tmp_path, capsys):
    model = tmp_path / "toy.toml"
    model.write_text(MODEL)
    out = tmp_path / "out"
    assert main(["fit", str(model), "--output", str(out), "--scan-points", "5", "--pyhf"]) == 0
    text = capsys.readouterr().out
    assert "χ²/dof" in text and "Baker–Cousins" in text and "significance of mu" in text
    res = json.loads((out / "result.json").read_text())["result"]
    # two bins, two free normalisations: exact fit, b̂ = 10/10, μ̂ = (40 − 10)/20, χ² = 0
    assert res["parameters"]["b"]["value"] == pytest.approx(1.0, abs=2e-3)
    assert res["parameters"]["mu"]["value"] == pytest.approx(1.5, abs=2e-3)
    assert res["chi2"] == pytest.approx(0.0, abs=1e-4) and res["ndof"] == 0
    # q0: μ = 0 leaves b alone for 50 events in 2 bins: b = 2.5, ν = (25, 25)
    q0 = 2 * ((25 - 40 * math.log(25)) + (25 - 10 * math.log(25)) - (40 - 40 * math.log(40)) - (10 - 10 * math.log(10)))
    assert res["extra"]["significance"]["q0"] == pytest.approx(q0, rel=1e-4)
    for name in ("c_x.png", "c_t.png", "profile_mu.png", "correlation.png", "workspace.json"):
        assert (out / name).stat().st_size > 0
    # a second fit into the same folder is refused unless --overwrite
    assert main(["fit", str(model), "--output", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["fit", str(model), "--output", str(out), "--overwrite", "--no-plots", "--scan-points", "0"]) == 0


def test_fit_command_bad_model_exits_2_with_location(tmp_path, capsys):
    model = tmp_path / "bad.toml"
    model.write_text(MODEL.replace('normfactors = ["b"]', 'normfactors = ["bb"]'))
    assert main(["fit", str(model), "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml:" in err and "normfactor 'bb' is not declared" in err and "Traceback" not in err
    assert main(["fit", "no-such-model"]) == 2
    assert "csi-2021" in capsys.readouterr().err  # the shipped models are suggested

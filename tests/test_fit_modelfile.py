"""Fit model files: a valid file builds the model it describes; each kind of mistake is an InputError naming the
file and the line of the offending table or key."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

pytest.importorskip("iminuit")
pytest.importorskip("hist")

from simcoh.errors import InputError  # noqa: E402
from simcoh.fit import NormFactor, NormSys, fit, load_model  # noqa: E402

GOOD = """\
[model]
name = "toy"
poi = "mu"

[observables.pe]
unit = "PE"
edges = {start = 0, stop = 30, step = 10}

[templates.sig]
counts = [10.0, 6.0, 2.0]
sumw2 = [0.1, 0.1, 0.1]

[templates.bkg]
file = "bkg.txt"
columns = ["pe", "count"]

[channels.c]
observables = ["pe"]
data = {file = "data.txt", columns = ["pe"]}

[channels.c.samples.sig]
normfactors = ["mu"]
normsys = {flux = 0.1}

[channels.c.samples.bkg]
template = "bkg"
staterror = false

[parameters.mu]
poi = true
bounds = [0, 10]

[parameters.flux]
constraint = "normal"
source = "a test"
"""


def write(tmp_path, text=GOOD):
    (tmp_path / "bkg.txt").write_text("5 4.0\n15 4.0\n25 4.0\n")
    rows = [5.0] * 14 + [15.0] * 10 + [25.0] * 6 + [35.0] * 3  # the 35s are outside the bins
    (tmp_path / "data.txt").write_text("# pe\n" + "\n".join(map(str, rows)) + "\n")
    p = tmp_path / "model.toml"
    p.write_text(text)
    return p


def test_good_model_builds_and_fits(tmp_path):
    m = load_model(write(tmp_path), cache_dir=tmp_path / "cache")
    c = m.channel("c")
    assert c.data.tolist() == [14.0, 10.0, 6.0]
    assert c.sample("bkg").nominal.tolist() == [4.0, 4.0, 4.0] and c.sample("bkg").sumw2 is None
    assert c.sample("sig").modifiers == (NormFactor("mu"), NormSys("flux", 0.9, 1.1))
    r = fit(m)
    # data − bkg = (10, 6, 2) exactly: μ̂ = 1 within the MC error and the flux pull near 0
    assert r.values["mu"] == pytest.approx(1.0, abs=0.01)
    assert r.values["flux"] == pytest.approx(0.0, abs=0.05)


def _error(tmp_path, old, new, count=1):
    text = GOOD.replace(old, new, count)
    assert text != GOOD
    with pytest.raises(InputError) as info:
        load_model(write(tmp_path, text), cache_dir=tmp_path / "cache")
    return str(info.value), text


def _line(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("old,new,message,needle", [
    ("normsys = {flux = 0.1}", "normsys = {flux = 0.1}\nnormfacters = [\"mu\"]", "unknown key 'normfacters'",
     "normfacters"),
    ("template = \"bkg\"", "template = \"bgk\"", "template 'bgk', which is not declared", "[channels.c.samples.bkg]"),
    ("normsys = {flux = 0.1}", "normsys = {flx = 0.1}", "normsys parameter 'flx' is not declared", "normsys"),
    ("constraint = \"normal\"\n", "", "needs constraint = \"normal\"", "[parameters.flux]"),
    ("normsys = {flux = 0.1}", "normsys = {flux = 1.5}", "normsys 'flux' = 1.5", "normsys"),
    ("bounds = [0, 10]", "bounds = [10, 0]", "bounds must be [low, high]", "bounds"),
    ("observables = [\"pe\"]", "observables = [\"energy\"]", "observables must list declared", "observables = "),
    ("poi = \"mu\"", "poi = \"nu\"", "poi 'nu' is not a declared parameter", "poi = \"nu\""),
])
def test_mistakes_are_located(tmp_path, old, new, message, needle):
    msg, text = _error(tmp_path, old, new)
    assert message in msg
    assert f"model.toml:{_line(text, needle)}:" in msg or f"model.toml:{_line(text, needle)}" in msg, msg


def test_bad_toml_and_missing_files(tmp_path):
    msg, _ = _error(tmp_path, "[channels.c]", "[channels.c")
    assert "not valid TOML" in msg and "model.toml:" in msg
    msg, _ = _error(tmp_path, "file = \"bkg.txt\"", "file = \"nothere.txt\"")
    assert "nothere.txt' not found" in msg
    msg, _ = _error(tmp_path, "counts = [10.0, 6.0, 2.0]", "counts = [10.0, 6.0]")
    assert "2 counts, the channel has 3 bins" in msg
    with pytest.raises(InputError, match="no fit model file or shipped model"):
        load_model("no-such-model")


def test_unused_parameter_is_an_error(tmp_path):
    msg, text = _error(tmp_path, "[parameters.flux]", "[parameters.spare]\n[parameters.flux]")
    assert "parameter 'spare' is declared but no sample uses it" in msg
    assert f"model.toml:{_line(text, '[parameters.spare]')}" in msg


def test_model_with_events_templates(tmp_path):
    """A template from a small simcoh run equals the histogram of weight × ε_E × ε_T of those events."""
    from simcoh import api

    text = textwrap.dedent("""\
        [model]
        name = "ev"
        [observables.pe]
        unit = "PE"
        edges = [0, 20, 40, 60]
        [templates.cevns]
        run = "csi-2021"
        processes = ["cevns"]
        events = 3000
        seed = 5
        [templates.cevns_lo]
        run = "csi-2021"
        processes = ["cevns"]
        events = 3000
        seed = 5
        reweight = {eff_energy = "sys_minus"}
        [templates.cevns_hi]
        run = "csi-2021"
        processes = ["cevns"]
        events = 3000
        seed = 5
        reweight = {eff_energy = "sys_plus"}
        [channels.c]
        observables = ["pe"]
        data = {counts = [100, 80, 20]}
        [channels.c.samples.cevns]
        normfactors = ["mu"]
        histosys = {eff = ["cevns_lo", "cevns_hi"]}
        [parameters.mu]
        [parameters.eff]
        constraint = "normal"
        """)
    p = tmp_path / "ev.toml"
    p.write_text(text)
    m = load_model(p, cache_dir=tmp_path / "cache")
    s = m.channel("c").sample("cevns")
    sim = api.simulate("csi-2021", ["cevns"], fidelity="parametric", n_events=3000, seed=5)
    ev = sim.numpy(["pe", "weight", "eff_energy", "eff_time"])
    w = ev["weight"] * ev["eff_energy"] * ev["eff_time"]
    expect = np.histogram(ev["pe"], [0, 20, 40, 60], weights=w)[0]
    assert s.nominal == pytest.approx(expect, rel=1e-12)
    assert s.sumw2 == pytest.approx(np.histogram(ev["pe"], [0, 20, 40, 60], weights=w ** 2)[0], rel=1e-12)
    lo, hi = s.modifiers[1].lo, s.modifiers[1].hi
    # sys_plus has the lower efficiency midpoint (more efficient at low PE), sys_minus the higher
    assert hi[0] > s.nominal[0] > lo[0]
    # cached: a second load gives the same arrays without a run
    m2 = load_model(p, cache_dir=tmp_path / "cache")
    assert m2.channel("c").sample("cevns").nominal.tolist() == s.nominal.tolist()


def test_missing_fit_extra_is_a_clear_input_error(monkeypatch, tmp_path):
    import sys

    from simcoh.fit import require_fit_extra
    from simcoh.fit.templates import require_hist

    monkeypatch.setitem(sys.modules, "iminuit", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "hist", None)
    with pytest.raises(InputError, match=r"pip install 'simcoh\[fit\]'"):
        require_fit_extra()
    with pytest.raises(InputError, match=r"pip install 'simcoh\[fit\]'"):
        require_hist()
    from simcoh.cli import main

    assert main(["fit", str(write(tmp_path)), "--output", str(tmp_path / "o")]) == 2

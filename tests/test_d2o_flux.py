"""`simcoh d2o-flux FILE`: the flux normalisation measured from a COH-D2O run (worked example of docs/d2o.md).

The file's counts are recounted by hand, Φ = N/(N_d ⟨σ_d⟩ + N_O ⟨σ_O⟩) is recomputed from its parts (both
channels scale with the one νe flux), and the measured
fluence must agree with the source model's within 4 standard deviations of the Poisson count (fixed seed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simcoh.cli import main
from simcoh.commands.d2o_flux import flux_from_file
from simcoh.io.reader import open_events

MACRO = ("/random/setSeed 2021\n/detector/load d2o\n/process/disable cevns\n/process/enable d2o_cc\n"
         "/process/enable o16_cc\n/run/exposure 14 GWh\n/output/file {out}\n/run/beamOn\n")


@pytest.fixture(scope="module")
def d2o_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("d2o")
    macro = d / "d2o.mac"
    macro.write_text(MACRO.format(out=d / "d2o.h5"))
    assert main(["run", str(macro), "--output", str(d / "d2o.h5"), "--no-progress"]) == 0
    return d / "d2o.h5"


def test_flux_from_file_by_hand(d2o_file):
    r, d = flux_from_file(str(d2o_file))
    codes = np.asarray(open_events(d2o_file).read_column("process"))
    n_cc, n_o = int(np.sum(codes == 5)), int(np.sum(codes == 8))
    assert (d["n_d2o_cc"], d["n_o16_cc"]) == (n_cc, n_o)
    n, b = n_cc + n_o, d["background"]
    assert 60 < b < 110  # ~84 expected o16_cc events in 14 GWh
    # the 16O rate per unit flux from the o16_cc process itself: 592 kg D2O (20.0276 g/mol), 99.757 % 16O
    o16 = _generator(d2o_file).processes["o16_cc"]
    n_o16_nuclei = 592e3 / 20.0276 * 0.99757 * 6.02214076e23
    assert o16.n_o16 == pytest.approx(n_o16_nuclei, rel=1e-3)
    rate_d, rate_o = d["n_deuterons"] * d["sigma_avg_cm2"], o16.n_o16 * o16.sigma_avg_cm2
    assert r.flux_per_cm2 == pytest.approx(n / (rate_d + rate_o), rel=1e-12)
    assert b == pytest.approx(r.flux_per_cm2 * rate_o, rel=1e-12)
    assert r.rel_stat == pytest.approx(1 / math.sqrt(n), rel=1e-12)
    assert r.rel_xs == pytest.approx(0.01 * rate_d / (rate_d + rate_o), rel=1e-12)
    assert r.rel_background == pytest.approx(0.30 * rate_o / (rate_d + rate_o), rel=1e-12)
    # the run's fluence: 0.0848 nu_e/POT x 14 GWh of 1 GeV protons over 4 pi (20 m)^2
    pot = 14.0 * 3.6e12 / 1.602176634e-10
    assert d["source_fluence_per_cm2"] == pytest.approx(0.0848 * pot / (4 * math.pi * 2000.0**2), rel=1e-9)
    # a Poisson realisation: measured/model within 4 sigma of its statistical error
    ratio = r.flux_per_cm2 / d["source_fluence_per_cm2"]
    assert abs(ratio - 1) < 4 * r.rel_stat


def _generator(path):
    from simcoh.engine.stored_config import config_from_provenance
    from simcoh.generate import TruthGenerator

    with open_events(path) as events:
        return TruthGenerator.from_run_config(config_from_provenance(events.provenance, str(path)))


def test_cli_prints_the_normalisation(d2o_file, capsys):
    assert main(["d2o-flux", str(d2o_file), "--xs-uncertainty", "0.03"]) == 0
    out = capsys.readouterr().out
    assert "νe fluence Φ" in out and "σ(νe d) 3.0 %" in out and "not modelled" in out


def test_cli_refuses_other_runs(tmp_path, capsys):
    macro = tmp_path / "cevns.mac"
    macro.write_text("/detector/load d2o\n/run/exposure 0.01 GWh\n/run/beamOn\n")
    assert main(["run", str(macro), "--output", str(tmp_path / "c.h5"), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["d2o-flux", str(tmp_path / "c.h5")]) == 2
    assert "not a physical-mode run of process d2o_cc" in capsys.readouterr().err
    assert main(["d2o-flux", str(tmp_path / "c.h5"), "--xs-uncertainty", "1.5"]) == 2


def test_cli_refuses_a_file_without_cc_events(tmp_path, capsys):
    """0.0001 GWh: 0.008 expected events, none drawn with this seed: a clear error, not a division by zero."""
    macro = tmp_path / "tiny.mac"
    macro.write_text(MACRO.replace("14 GWh", "0.0001 GWh").format(out=tmp_path / "t.h5"))
    assert main(["run", str(macro), "--output", str(tmp_path / "t.h5"), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["d2o-flux", str(tmp_path / "t.h5")]) == 2
    assert "no d2o_cc or o16_cc event" in capsys.readouterr().err
@pytest.mark.parametrize("body", ["/run/beamOn 50\n", "/run/exposure 1e-6 GWh\n/run/beamOn\n"],
                         ids=["fixed-count", "no-events"])
def test_cli_names_the_file_of_a_run_it_cannot_normalise(tmp_path, capsys, body):
    """A fixed-count run (weighted events, not a Poisson count) and a run without events: exit 2, the file named,
    a suggestion; never a traceback."""
    macro = tmp_path / "r.mac"
    macro.write_text("/detector/load d2o\n/process/disable cevns\n/process/enable d2o_cc\n/process/enable o16_cc\n"
                     + body)
    assert main(["run", str(macro), "--output", str(tmp_path / "r.h5"), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["d2o-flux", str(tmp_path / "r.h5")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'r.h5'}: error:" in err and "suggestion:" in err and "Traceback" not in err

"""The command line end to end: shipped macros, diagnostics without tracebacks, interrupted runs,
reproducibility and the stored configuration hash."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from simcoh.cli import main
from simcoh.io import EventFileError, open_events

ROOT = Path(__file__).resolve().parents[1]
MACROS = sorted((ROOT / "macros").glob("*.mac"))


def simcoh(*args, cwd=None, timeout=120):
    """Run the CLI in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "simcoh", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def test_every_macro_is_shipped_with_tests():
    assert len(MACROS) >= 8


@pytest.mark.parametrize("macro", MACROS, ids=lambda p: p.stem)
def test_shipped_macro_checks_and_runs_small(macro, tmp_path, capsys):
    assert main(["check", str(macro)]) == 0
    out = tmp_path / "small.h5"
    assert main(["run", str(macro), "--output", str(out), "--set", "run/beamOn=300", "--no-progress"]) == 0
    with open_events(out) as f:
        assert f.complete and f.n_events == 300
        ev = f.read(["t_nr_kev", "e_nu_mev", "weight"])
        assert np.all(np.asarray(ev["t_nr_kev"]) > 0) and np.all(np.asarray(ev["e_nu_mev"]) > 0)
        # weights add up to the expected count stored in the provenance
        assert np.sum(ev["weight"]) == pytest.approx(f.provenance["expected_counts"]["cevns"], rel=1e-9)
    assert "wrote 300 events" in capsys.readouterr().out


BAD_MACROS = [
    ("/detector/load csi-2021\n/run/beamOn 10\n/run/fidelty photon\n", ":3:1", "did you mean '/run/fidelity'"),
    ("/detector/load csi-2022\n/run/beamOn 10\n", ":1:16", "csi-2021"),
    ("/detector/load csi-2021\n/run/exposure 13.99 kg\n/run/beamOn 10\n", ":2:", "energy"),
    ("/detector/load csi-2021\n/detector/set target.mass -3 kg\n/run/beamOn 10\n", ":2:", "mass"),
    ("/detector/load csi-2021\n/physics/formFactor helmm\n/run/beamOn 10\n", ":2:", "did you mean 'helm'"),
    ("/detector/load csi-2021\n", ":", "/run/beamOn"),
]


@pytest.mark.parametrize("text, location, message", BAD_MACROS)
def test_bad_macro_reports_location_without_traceback(text, location, message, tmp_path):
    macro = tmp_path / "bad.mac"
    macro.write_text(text)
    r = simcoh("run", macro, "--output", tmp_path / "x.h5", "--no-progress", cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert f"bad.mac{location}" in r.stderr and message in r.stderr, r.stderr
    assert not (tmp_path / "x.h5").exists()


def test_refuses_to_overwrite_a_complete_file(tmp_path):
    out = tmp_path / "a.h5"
    assert simcoh("run", ROOT / "macros/quickstart.mac", "--output", out, "--set", "run/beamOn=50",
                  "--no-progress").returncode == 0
    before = out.stat().st_mtime_ns
    r = simcoh("run", ROOT / "macros/quickstart.mac", "--output", out, "--set", "run/beamOn=50", "--no-progress")
    assert r.returncode == 3 and "complete" in r.stderr and "--overwrite" in r.stderr
    assert out.stat().st_mtime_ns == before
    assert simcoh("run", ROOT / "macros/quickstart.mac", "--output", out, "--set", "run/beamOn=60", "--no-progress",
                  "--overwrite").returncode == 0
    with open_events(out) as f:
        assert f.n_events == 60


def test_sigkill_leaves_no_complete_file(tmp_path):
    out = tmp_path / "killed.h5"
    proc = subprocess.Popen([sys.executable, "-m", "simcoh", "run", str(ROOT / "macros/quickstart.mac"), "--output",
                             str(out), "--set", "run/beamOn=400000000", "--set", "run/chunkSize=100000",
                             "--no-progress"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.startswith(".killed.h5.partial") for p in tmp_path.iterdir()):
        time.sleep(0.1)
    time.sleep(1.0)  # let some chunks be written
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".killed.h5.partial")]
    assert leftovers, "the run should have started writing its temporary file"
    for p in leftovers:  # either unreadable HDF5 (killed mid-write) or readable and marked incomplete
        try:
            with h5py.File(p, "r") as f:
                assert not f.attrs.get("complete", False)
        except OSError:
            pass
        with pytest.raises(EventFileError):
            open_events(p)


def read_all(path):
    with open_events(path) as f:
        return {k: np.asarray(f.read_column(k)) for k in f.fields}, f.provenance["config_hash"]


def test_same_seed_same_events_and_hash_tracks_physics(tmp_path):
    macro = ROOT / "macros/quickstart.mac"
    common = ["--set", "run/beamOn=20000", "--set", "run/chunkSize=6000", "--no-progress"]
    assert main(["run", str(macro), "--output", str(tmp_path / "a.h5"), *common]) == 0
    assert main(["run", str(macro), "--output", str(tmp_path / "b.h5"), "--set", "run/chunkSize=20000",
                 "--set", "run/beamOn=20000", "--no-progress"]) == 0
    assert main(["run", str(macro), "--output", str(tmp_path / "c.h5"), *common, "--seed", "99"]) == 0
    assert main(["run", str(macro), "--output", str(tmp_path / "d.h5"), *common,
                 "--set", "physics/formFactor=klein_nystrand"]) == 0
    a, ha = read_all(tmp_path / "a.h5")
    b, hb = read_all(tmp_path / "b.h5")
    c, hc = read_all(tmp_path / "c.h5")
    d, hd = read_all(tmp_path / "d.h5")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])  # chunk size does not change events
    assert ha == hb  # the chunk size changes no event, so it is not part of the hash
    assert not np.array_equal(a["t_nr_kev"], c["t_nr_kev"]) and hc != ha
    assert hd != ha


def test_file_round_trip_matches_generator(tmp_path):
    """Every stored column equals what the generator produces for the same configuration and seed."""
    from simcoh.engine import prepare_run
    from simcoh.macro import load_macro

    out = tmp_path / "r.h5"
    result = load_macro(ROOT / "macros/quickstart.mac", set_overrides=["run/beamOn=5000"], output=str(out))
    assert main(["run", str(ROOT / "macros/quickstart.mac"), "--output", str(out), "--set", "run/beamOn=5000",
                 "--no-progress"]) == 0
    expected = prepare_run(result).generator.generate(0, 5000)
    with open_events(out) as f:
        for name, values in expected.items():
            np.testing.assert_array_equal(f.read_column(name), values)
        assert f.columns["t_nr_kev"].unit == "keV"
        assert "recoil" in f.columns["t_nr_kev"].description
        assert f.provenance["macro_texts"][str(ROOT / "macros/quickstart.mac")].startswith("# simcoh quick start")


def test_help_and_info(tmp_path, capsys):
    assert main(["help", "/run/beamOn"]) == 0
    assert "beamOn" in capsys.readouterr().out
    assert main(["help", "/run/beamOff"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["geometries"]) == 0
    assert "csi-2021" in capsys.readouterr().out
    assert main(["info", str(tmp_path / "missing.h5")]) != 0


def test_efficiency_and_validate_commands(tmp_path, capsys):
    out = tmp_path / "eff"
    assert main(["efficiency", "--n-per-point", "200", "--pe", "8,30", "--t-us", "0.25,5", "--outdir", str(out)]) == 0
    assert {"efficiency.csv", "efficiency.md", "efficiency_pe.png", "efficiency_time.png"} <= {
        p.name for p in out.iterdir()}
    assert "max |measured - published|" in capsys.readouterr().out
    assert main(["efficiency", "--pe", "8,x", "--outdir", str(out)]) == 2
    capsys.readouterr()
    report = tmp_path / "val"
    # the installed package does not hold the validation: the command says how to run it from a clone
    assert main(["validate", "--fast", "--case", "n2", "--outdir", str(report)]) == 2
    err = capsys.readouterr().err
    assert f"python -m validation --fast --case n2 --outdir {report}" in err and not report.exists()
    assert main(["validate", "--help"]) == 0
    assert "python -m validation --fast" in capsys.readouterr().out
    assert "simcoh.validate" not in sys.modules


def test_validation_runs_as_a_module_from_the_clone(tmp_path):
    """``python -m validation`` (the documented way) runs a case and writes its report."""
    report = tmp_path / "val"
    proc = subprocess.run([sys.executable, "-m", "validation", "--fast", "--case", "n2", "--outdir", str(report),
                           "--no-progress"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "n2" in proc.stdout and "N²" in (report / "report-n2.md").read_text()
    assert not (report / "report.md").exists()  # one case never replaces the full report
    from validation.cases import CASES
    from validation.command import CASE_KEYS

    assert sorted(CASE_KEYS.split(", ")) == sorted(CASES)  # the --case help lists every case


def test_compression_changes_the_file_not_the_events(tmp_path):
    macro = ROOT / "macros/quickstart.mac"
    for method in ("deflate", "lzf", "none"):
        assert main(["run", str(macro), "--output", str(tmp_path / f"{method}.h5"), "--no-progress",
                     "--set", "run/beamOn=20000", "--set", f"output/compression={method}"]) == 0
    default, h_default = read_all(tmp_path / "deflate.h5")
    for method in ("lzf", "none"):
        other, h_other = read_all(tmp_path / f"{method}.h5")
        assert h_other == h_default
        for k in default:
            np.testing.assert_array_equal(default[k], other[k])
    with h5py.File(tmp_path / "none.h5") as f:
        assert f["events/t_nr_kev"].compression is None
    sizes = {m: (tmp_path / f"{m}.h5").stat().st_size for m in ("deflate", "lzf", "none")}
    assert sizes["deflate"] < sizes["lzf"] < sizes["none"]

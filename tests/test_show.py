"""simcoh show: a PNG of one event at each fidelity (matplotlib's Agg backend), what each fidelity lacks said in
words, the default file name, no silent overwriting, and clear errors for a bad index or a missing matplotlib."""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from simcoh.cli import main
from simcoh.display import event_view
from simcoh.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
MACRO = ROOT / "macros/quickstart.mac"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

RUNS = {
    "truth": ["--set", "run/beamOn=5"],
    "parametric": ["--set", "run/fidelity=parametric", "--set", "run/beamOn=5"],
    "photon": ["--set", "run/fidelity=photon", "--set", "run/beamOn=5"],
    "waveform": ["--set", "run/fidelity=waveform", "--set", "run/beamOn=3", "--set", "run/acWindow=true"],
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("show")
    out = {}
    for name, options in RUNS.items():
        out[name] = d / f"{name}.h5"
        assert main(["run", str(MACRO), "--seed", "3", "--output", str(out[name]), "--no-progress", *options]) == 0
    return out


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels from the PNG header (signature, then the IHDR chunk)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path} is not a PNG file"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("fidelity, min_height", [("truth", 200), ("parametric", 200), ("photon", 600),
                                                   ("waveform", 1000)])
def test_png_for_each_fidelity(files, tmp_path, capsys, fidelity, min_height):
    out = tmp_path / f"{fidelity}.png"
    assert main(["show", str(files[fidelity]), "--event", "1", "--output", str(out)]) == 0
    width, height = png_size(out)
    assert width >= 1000 and min_height <= height <= 3000
    assert out.stat().st_size > 15_000  # drawn text and curves, not an empty canvas
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    if fidelity != "waveform":  # the lower fidelities say what they cannot show
        assert "not shown: waveform and reconstruction" in printed
    assert not list(tmp_path.glob(".*partial*"))


def test_waveform_view_holds_both_windows_and_cuts(files):
    view = event_view(files["waveform"], 2)
    assert view.missing == [] and [w.label for w in view.window_views] == ["C", "AC"]
    c = view.window_views[0]
    assert c.samples.shape == (13750,) and c.pulse_t_ns is not None
    assert {name for name, _ in c.cuts} >= {"roi_pulses", "pe_max", "t_max"}
    # the pulses the display marks are those the file's reconstruction counted in the region of interest
    assert (c.pulse_t_ns >= view.windows_ns["pretrace_ns"]).sum() == c.reco["n_pulses_roi"]
    assert c.selected == bool(view.values["selected"])


def test_truth_panel_names_process_flavour_and_isotope(files):
    from simcoh.display.text import truth_lines

    view = event_view(files["truth"], 0)
    assert view.process == "cevns" and view.isotope in ("Cs133", "I127")
    lines = "\n".join(truth_lines(view))
    assert "E_ν" in lines and "MeV" in lines and "recoil T_nr" in lines
    assert f"{float(view.values['t_nr_kev']):.3f} keV" in lines


def test_default_name_and_no_silent_overwrite(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["show", str(files["photon"]), "--event", "4"]) == 0
    png = tmp_path / "photon_event4.png"
    first = png.read_bytes()
    assert png_size(png)[0] > 0
    assert main(["show", str(files["photon"]), "--event", "4"]) == 3
    assert "--overwrite" in capsys.readouterr().err and png.read_bytes() == first
    os.utime(png, (0, 0))
    assert main(["show", str(files["photon"]), "--event", "4", "--overwrite"]) == 0
    assert png.stat().st_mtime > 0


def test_event_out_of_range_names_the_valid_range(files, tmp_path, capsys):
    assert main(["show", str(files["truth"]), "--event", "5", "--output", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "event 5 is not in the file" in err and "from 0 to 4" in err and not (tmp_path / "x.png").exists()
    with pytest.raises(InputError, match="from 0 to 4"):
        event_view(files["truth"], -1)


def test_missing_matplotlib_is_a_clear_error(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    assert main(["show", str(files["truth"]), "--event", "0", "--output", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "needs matplotlib" in err and "pip install 'simcoh[plots]'" in err


def test_unstored_waveform_is_regenerated_for_the_display(tmp_path, capsys):
    path = tmp_path / "nowf.h5"
    assert main(["run", str(MACRO), "--seed", "3", "--output", str(path), "--no-progress", "--set",
                 "run/fidelity=waveform", "--set", "run/beamOn=2", "--set", "output/waveforms=false"]) == 0
    view = event_view(path, 1)
    assert view.window_views[0].regenerated and view.window_views[0].samples.dtype == np.int16
    assert main(["show", str(path), "--event", "1", "--output", str(tmp_path / "e.png")]) == 0
    assert "regenerated by replaying" in capsys.readouterr().out

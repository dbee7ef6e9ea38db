"""simcoh replay: one event regenerated from its file's provenance equals the file's event bit for bit, at every
fidelity, for files written in chunks of other sizes, as a shard, or by two worker processes (-m slow), and for the csi-2021
backgrounds (brn, nin, ss) mixed with CEvNS; what cannot be reproduced is refused.

The reference for every replayed event is the file itself, read here with the ordinary reader and compared byte
for byte (never a saved replay). The replay's intermediates are checked against the file's own reconstruction."""

from __future__ import annotations

import json
from pathlib import Path

import awkward as ak
import h5py
import numpy as np
import pytest

import simcoh
from simcoh.cli import main
from simcoh.engine import replay as replay_module
from simcoh.engine.replay import ReplayMismatchError, replay
from simcoh.engine.stored_config import config_from_provenance
from simcoh.errors import InputError
from simcoh.io import open_events

ROOT = Path(__file__).resolve().parents[1]
MACRO = ROOT / "macros/quickstart.mac"

#: name -> (options of simcoh run on the CsI 2021 quick-start macro, rows to replay); small runs of several chunks.
#: The backgrounds are spread over the files so that each holds more than one process: NIN (14 expected events
#: against 4890 steady-state ones) only shows up in a small file without CEvNS and SS.
RUNS = {
    "truth": (["--set", "run/beamOn=300", "--set", "run/chunkSize=64"], (0, 63, 64, 299)),
    "parametric": (["--set", "run/fidelity=parametric", "--set", "run/beamOn=60", "--set", "run/chunkSize=25",
                    "--set", "process/disable=cevns", "--set", "process/enable=brn", "--set", "process/enable=nin",
                    "--set", "process/brn/model=template"], None),
    "photon": (["--set", "run/fidelity=photon", "--set", "run/beamOn=40", "--set", "run/chunkSize=7",
                "--set", "process/enable=ss"], None),
    "waveform": (["--set", "run/fidelity=waveform", "--set", "run/beamOn=8", "--set", "run/chunkSize=3",
                  "--set", "run/acWindow=true", "--set", "process/enable=brn", "--set", "process/enable=ss"], None),
}


def run_file(path: Path, options, seed: int = 7) -> Path:
    assert main(["run", str(MACRO), "--seed", str(seed), "--output", str(path), "--no-progress", *options]) == 0
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("replay")
    return {name: run_file(d / f"{name}.h5", options) for name, (options, _) in RUNS.items()}


def file_event(path, row: int) -> dict:
    """Every column of one row of ``path`` as NumPy values, read with the ordinary reader."""
    with open_events(path) as f:
        out = {}
        for name in f.fields:
            values = f.read_column(name, row, row + 1)
            out[name] = ak.to_numpy(values[0]) if isinstance(values, ak.Array) else np.asarray(values)[0]
        return out


def assert_bitwise_equal(replayed, stored: dict) -> None:
    assert list(replayed.columns) == list(stored)
    for name, want in stored.items():
        got = np.asarray(replayed.columns[name])
        want = np.asarray(want)
        assert got.dtype == want.dtype and got.shape == want.shape, name
        assert got.tobytes() == want.tobytes(), name


def rows_of(path, name: str) -> list[int]:
    """Rows to replay: those given, else one row of each process in the file (all four processes where present)."""
    given = RUNS[name][1]
    if given is not None:
        return list(given)
    with open_events(path) as f:
        process = f.read_column("process")
    return [int(np.flatnonzero(process == code)[0]) for code in np.unique(process)]


@pytest.mark.parametrize("name", list(RUNS))
def test_replayed_events_equal_the_file_bit_for_bit(files, name):
    rows = rows_of(files[name], name)
    for row in rows:
        replayed = replay(files[name], row)
        assert replayed.identical and replayed.differences == []
        assert replayed.index == row and replayed.event_id == row  # serial and streamed files keep event order
        assert_bitwise_equal(replayed, file_event(files[name], row))


def test_the_background_runs_really_mix_processes(files):
    """The parametric, photon and waveform files each hold events of two or more processes, together all four
    (cevns 0, brn 1, nin 2, ss 3), so each process's streams are replayed; the BRN events of the parametric file
    come from the released PE template (pe_template set, no recoil energy)."""
    seen = set()
    for name in ("parametric", "photon", "waveform"):
        with open_events(files[name]) as f:
            codes = set(np.unique(f.read_column("process")).tolist())
        assert len(codes) >= 2, name
        seen |= codes
    assert seen == {0, 1, 2, 3}
    with open_events(files["parametric"]) as f:
        process, template = f.read_column("process"), f.read_column("pe_template")
    assert np.isfinite(template[process == 1]).all() and np.isnan(template[process == 2]).all()


def test_replay_is_the_same_for_a_file_split_differently(files, tmp_path):
    """The photon run written in chunks of one event instead of seven: the replay of an event of each process
    equals both files."""
    options = [o.replace("run/chunkSize=7", "run/chunkSize=1") for o in RUNS["photon"][0]]
    assert options != RUNS["photon"][0]
    other = run_file(tmp_path / "chunks1.h5", options)
    for row in rows_of(other, "photon"):
        a, b = replay(other, row), replay(files["photon"], row)
        assert a.identical and b.identical
        for name in a.columns:
            assert np.asarray(a.columns[name]).tobytes() == np.asarray(b.columns[name]).tobytes(), name


@pytest.mark.slow  # two spawned worker processes import simcoh and numba: ~15 s on a loaded machine
def test_file_written_by_two_workers(files, tmp_path):
    """The photon run again with --workers 2 (worker processes generate chunks, this process writes them): its
    events replay bit for bit and equal the serial file's."""
    options = [*RUNS["photon"][0], "--workers", "2"]
    path = run_file(tmp_path / "workers.h5", options)
    for row in rows_of(path, "photon"):
        replayed = replay(path, row)
        assert replayed.identical
        assert_bitwise_equal(replayed, file_event(path, row))
        assert_bitwise_equal(replayed, file_event(files["photon"], row))


def test_shard_file_rows_are_replayed_by_their_global_event_id(tmp_path):
    """An array job's shard file (``--shard 1/2``) starts at global event 100: its row 0 is event_id 100."""
    production = tmp_path / "prod"
    assert main(["run", str(MACRO), "--seed", "7", "--set", "run/beamOn=200", "--shard", "1/2", "--production-dir",
                 str(production), "--output", str(tmp_path / "run.h5"), "--no-progress"]) == 0
    (shard,) = production.glob("shard-0001-*.h5")
    replayed = replay(shard, 0)
    assert replayed.event_id == 100 and replayed.identical
    assert_bitwise_equal(replayed, file_event(shard, 0))


def test_intermediates_agree_with_the_file(files):
    """Waveform fidelity: the pulses found in the replayed waveform give the file's integrated charge and pulse
    counts (sum over the integration window from the onset); the AC window has its own pulses."""
    replayed = replay(files["waveform"], 2)
    q = replayed.quantities()
    for prefix in ("", "ac_"):
        t, pe = q[f"{prefix}pulse_t_ns"], q[f"{prefix}pulse_pe"]
        stored = replayed.stored
        integration_ns = replayed.config.detector.windows.integration_ns
        onset = stored[f"{prefix}onset_ns"]
        if np.isfinite(onset):
            inside = (t >= onset) & (t < onset + integration_ns)
            assert inside.sum() == stored[f"{prefix}n_pulses_integration"]
            assert pe[inside].sum() == pytest.approx(stored[f"{prefix}pe_integrated"], rel=1e-12)
        pretrace = replayed.config.detector.windows.pretrace_ns
        assert (t < pretrace).sum() == stored[f"{prefix}n_pulses_pretrace"]
        assert (t >= pretrace).sum() == stored[f"{prefix}n_pulses_roi"]
    assert replayed.units["pulse_pe"] == "PE" and replayed.units["e_nu_mev"] == "MeV"


def test_transient_waveform_comes_back_as_an_intermediate(tmp_path):
    """With /output/waveforms false the file has no samples; the replay returns them (and they reconstruct to the
    file's columns, which the bit-for-bit comparison covers)."""
    path = run_file(tmp_path / "nowf.h5", ["--set", "run/fidelity=waveform", "--set", "run/beamOn=3",
                                           "--set", "output/waveforms=false"])
    replayed = replay(path, 1)
    assert "waveform" not in replayed.columns and replayed.intermediates["waveform"].shape == (13750,)
    assert replayed.identical


def test_python_api(files):
    replayed = simcoh.replay(files["photon"], 3)
    assert replayed.fidelity == "photon" and replayed.seed == 7
    assert replayed.quantities()["pe_t_ns"].dtype == np.float32


# ------------------------------------------------------------------------------------------------ refusals


def test_event_out_of_range(files, capsys):
    with pytest.raises(InputError, match="0 to 299"):
        replay(files["truth"], 300)
    assert main(["replay", str(files["truth"]), "--event", "-1"]) == 2
    assert "from 0 to 299" in capsys.readouterr().err


def test_other_simcoh_version_is_refused_unless_asked(files, monkeypatch):
    monkeypatch.setattr(replay_module, "__version__", "99.0")
    with pytest.raises(InputError, match="written by simcoh .* this is simcoh 99.0"):
        replay(files["truth"], 1)
    replayed = replay(files["truth"], 1, any_version=True)
    assert replayed.identical and any("replayed by simcoh 99.0" in n for n in replayed.notes)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["detector"]["spe"].update(extra_key=1.0), "the file has config.detector.spe.extra_key"),
    (lambda d: d["physics"].pop("axial"), "this simcoh has config.physics.axial"),
    (lambda d: d["detector"]["target"].update(mass_kg=15.0), "configuration hash"),
])
def test_configuration_that_cannot_be_rebuilt_is_refused(files, change, message):
    with open_events(files["truth"]) as f:
        provenance = dict(f.provenance)
    assert config_from_provenance(provenance).config_hash() == provenance["config_hash"]
    data = json.loads(provenance["config_json"])
    change(data)
    with pytest.raises(InputError, match=message):
        config_from_provenance({**provenance, "config_json": json.dumps(data)}, "x.h5")


def test_a_replay_that_differs_is_reported(files, monkeypatch, capsys):
    """If the code made another event (here: a truth generator that shifts every arrival time by 1 ns), replay
    names the differing columns; the CLI exits 1."""
    from simcoh.generate import truth

    generate = truth.TruthGenerator.generate

    def shifted(self, first, n, out=None):
        result = generate(self, first, n, out)
        result["t_ns"][:] += 1.0
        return result

    monkeypatch.setattr(truth.TruthGenerator, "generate", shifted)
    with pytest.raises(ReplayMismatchError, match="t_ns") as err:
        replay(files["truth"], 4)
    assert err.value.differences == ["t_ns"]
    assert main(["replay", str(files["truth"]), "--event", "4"]) == 1
    assert "did not replay bit for bit" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ command, dumps


def test_command_prints_and_dumps_npz_and_h5(files, tmp_path, capsys):
    path = files["waveform"]
    npz, h5 = tmp_path / "ev.npz", tmp_path / "ev.h5"
    assert main(["replay", str(path), "--event", "3", "--dump", str(npz)]) == 0
    out = capsys.readouterr().out
    assert "identical: all" in out and "pulse_t_ns" in out and "(intermediate, not stored)" in out
    assert main(["replay", str(path), "--event", "3", "--dump", str(h5)]) == 0
    stored = file_event(path, 3)
    with np.load(npz) as z:
        meta = json.loads(str(z["meta_json"]))
        assert meta["event_id"] == 3 and meta["identical_to_file"] and meta["units"]["t_nr_kev"] == "keV"
        for name, value in stored.items():
            assert z[name].tobytes() == np.asarray(value).tobytes(), name
        assert "ac_pulse_pe" in z.files
    with h5py.File(h5, "r") as f:
        assert f.attrs["event_id"] == 3 and f["e_nu_mev"].attrs["unit"] == "MeV"
        assert f["waveform"][()].tobytes() == stored["waveform"].tobytes()
    assert not list(tmp_path.glob(".*partial*"))


def test_dump_is_never_overwritten_silently(files, tmp_path, capsys):
    target = tmp_path / "ev.npz"
    target.write_bytes(b"keep me")
    assert main(["replay", str(files["truth"]), "--event", "0", "--dump", str(target)]) == 3
    assert target.read_bytes() == b"keep me" and "--overwrite" in capsys.readouterr().err
    assert main(["replay", str(files["truth"]), "--event", "0", "--dump", str(target), "--overwrite"]) == 0
    assert np.load(target)["event_id"] == 0


def test_dump_with_unknown_suffix_is_an_input_error(files, tmp_path, capsys):
    assert main(["replay", str(files["truth"]), "--event", "0", "--dump", str(tmp_path / "ev.txt")]) == 2
    err = capsys.readouterr().err
    assert "ev.txt" in err and ".npz" in err and not (tmp_path / "ev.txt").exists()

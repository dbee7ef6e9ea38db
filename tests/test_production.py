"""Productions: sharded runs on local processes, a real Dask cluster and array-style --shard jobs give exactly the
events of a serial run of the same macro and seed; merge refuses shards that do not belong together, naming the
shard and the difference; an interrupted shard is redone alone; manifest and `simcoh status`.

The reference for every parallel run is a serial run of the same macro (never a saved file)."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import awkward as ak
import h5py
import numpy as np
import pytest

from simcoh.cli import main
from simcoh.engine.manifest import ProductionError, load_manifest, update_shard
from simcoh.engine.shards import check_shard_count, parse_shard_spec, plan_shards, shard_range
from simcoh.errors import InputError
from simcoh.io import open_events
from simcoh.io.checksum import seal
from simcoh.macro import load_macro

ROOT = Path(__file__).resolve().parents[1]
MACRO = ROOT / "macros/quickstart.mac"
TRUTH = ["--set", "run/beamOn=30000", "--set", "run/chunkSize=4000", "--no-progress"]
PHOTON = ["--set", "run/beamOn=24000", "--set", "run/chunkSize=3500", "--set", "run/fidelity=photon", "--no-progress"]


def run(*args) -> int:
    return main(["run", str(MACRO), *map(str, args)])


def columns_of(path):
    with open_events(path) as f:
        return {name: f.read_column(name) for name in f.fields}, f.summary, f.columns


def assert_same_events(path, reference):
    """Every column of ``path`` (flat and jagged) equals the reference file's, and so does the summary."""
    got, got_summary, got_columns = columns_of(path)
    want, want_summary, want_columns = columns_of(reference)
    assert list(got) == list(want) and got_columns == want_columns
    for name, values in want.items():
        if isinstance(values, ak.Array):  # jagged: same list lengths and same numbers
            np.testing.assert_array_equal(ak.num(got[name]), ak.num(values), err_msg=name)
            np.testing.assert_array_equal(ak.to_numpy(ak.flatten(got[name])), ak.to_numpy(ak.flatten(values)),
                                          err_msg=name)
        else:
            np.testing.assert_array_equal(got[name], values, err_msg=name)
    assert got_summary == want_summary


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """Serial runs (the reference events) at truth and photon fidelity."""
    d = tmp_path_factory.mktemp("serial")
    assert run("--output", d / "truth.h5", *TRUTH) == 0
    assert run("--output", d / "photon.h5", *PHOTON) == 0
    with open_events(d / "photon.h5") as f:  # the photon run really has jagged per-PE columns to compare
        assert f.columns["pe_t_ns"].jagged and len(ak.flatten(f.read_column("pe_t_ns"))) > f.n_events
    return {"truth": d / "truth.h5", "photon": d / "photon.h5"}


# ---------------------------------------------------------------------------------------------- shard ranges


@pytest.mark.parametrize("n_events", [0, 1, 7, 30000, 10**10 + 3])
@pytest.mark.parametrize("count", [1, 3, 8])
def test_shards_partition_the_events_contiguously(n_events, count):
    ranges = [shard_range(i, count, n_events) for i in range(count)]
    assert ranges[0][0] == 0 and ranges[-1][1] == n_events
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))  # contiguous, no gap, no overlap
    sizes = [b - a for a, b in ranges]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == n_events
    assert [(s.first, s.stop) for s in plan_shards(count, n_events)] == ranges


def test_shard_spec_parsing():
    assert parse_shard_spec("2/5") == (2, 5)
    for bad in ("5/5", "1", "-1/3", "a/b", "0/0"):
        with pytest.raises(InputError):
            parse_shard_spec(bad)


def test_bad_production_options_are_input_errors(tmp_path, capsys):
    out = tmp_path / "x.h5"
    assert run("--output", out, "--shard", "3/3", *TRUTH) == 2
    assert "0..COUNT-1" in capsys.readouterr().err
    assert run("--output", out, "--shard", "0/3", "--workers", "2", *TRUTH) == 2
    assert run("--output", out, "--workers", "0", *TRUTH) == 2
    assert not out.exists() and not (tmp_path / "x.shards").exists()


def test_missing_dask_gives_install_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert run("--output", tmp_path / "x.h5", "--dask", "local", *TRUTH) == 1
    assert "pip install 'simcoh[dask]'" in capsys.readouterr().err


# ------------------------------------------------------------------------------- parallel == serial


def test_local_workers_match_serial_and_manifest_round_trip(serial, tmp_path):
    out = tmp_path / "photon.h5"
    assert run("--output", out, "--workers", 2, "--shards", 3, "--keep-shards", *PHOTON) == 0
    assert_same_events(out, serial["photon"])

    manifest = load_manifest(tmp_path / "photon.shards")  # directory or file both work
    cfg = load_macro(MACRO, set_overrides=[s for s in PHOTON[1::2] if "=" in s], output=str(out)).config
    assert manifest["config_hash"] == cfg.config_hash() and manifest["seed"] == cfg.seed == 20211014
    assert manifest["n_events"] == 24000 and manifest["n_shards"] == 3
    assert manifest["macro_texts"][str(MACRO)] == MACRO.read_text()
    assert manifest["columns"][0] == {"name": "event_id", "dtype": "int64", "unit": "", "jagged": False}
    assert {"simcoh", "numpy", "numba", "h5py"} <= set(manifest["versions"])
    assert [(e["first_event"], e["stop_event"]) for e in manifest["shards"]] == [(0, 8000), (8000, 16000),
                                                                                 (16000, 24000)]
    for entry in manifest["shards"]:
        assert entry["status"] == "complete" and entry["n_events"] == 8000
        assert entry["sha256"] == sha256(tmp_path / "photon.shards" / entry["file"])
    assert manifest["merged"]["sha256"] == sha256(out) and manifest["merged"]["n_events"] == 24000
    with open_events(out) as f:
        assert [m["file"] for m in f.provenance["merged_from"]] == [e["file"] for e in manifest["shards"]]
        assert f.provenance["config_hash"] == cfg.config_hash() and "shard" not in f.provenance


def test_spawned_workers_match_serial(serial, tmp_path):
    """The other start method of local workers (fresh interpreters that rebuild the run from the macro)."""
    from simcoh.engine import prepare_run
    from simcoh.engine.production import run_production

    out = tmp_path / "truth.h5"
    result = load_macro(MACRO, set_overrides=[s for s in TRUTH[1::2] if "=" in s], output=str(out))
    summary = run_production(prepare_run(result), workers=2, n_shards=2, progress=False, start_method="spawn",
                             log=lambda *a, **k: None)
    assert summary.n_events == 30000 and summary.output_path == str(out)
    assert_same_events(out, serial["truth"])
    assert all(e["pid"] != os.getpid() for e in load_manifest(tmp_path / "truth.shards")["shards"])


def test_dask_local_cluster_matches_serial(serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        for fidelity, options in (("photon", PHOTON), ("truth", TRUTH)):
            out = tmp_path / f"{fidelity}.h5"
            assert run("--output", out, "--dask", cluster.scheduler_address, "--shards", 3, *options) == 0
            assert_same_events(out, serial[fidelity])
            manifest = load_manifest(tmp_path / f"{fidelity}.shards")
            assert [e["status"] for e in manifest["shards"]] == ["merged"] * 3  # shard files removed after merge
            assert not list((tmp_path / f"{fidelity}.shards").glob("*.h5"))
            assert len({e["pid"] for e in manifest["shards"]} - {os.getpid()}) >= 1  # ran in worker processes


def test_array_shards_then_merge_match_serial(serial, tmp_path, capsys):
    out = tmp_path / "truth.h5"
    for i in (2, 0, 1):  # any order
        assert run("--output", out, "--shard", f"{i}/3", *TRUTH) == 0
    assert "3 of 3 shards done; merge with: simcoh merge" in capsys.readouterr().out
    assert not out.exists()
    assert main(["merge", str(tmp_path / "truth.shards" / "manifest.json"), "--no-progress"]) == 0
    assert_same_events(out, serial["truth"])
    shards = sorted((tmp_path / "truth.shards").glob("shard-*.h5"))
    assert main(["merge", str(tmp_path / "explicit.h5"), *map(str, shards[::-1])]) == 0  # order does not matter
    assert_same_events(tmp_path / "explicit.h5", serial["truth"])
    assert run("--output", out, "--shard", "1/3", *TRUTH) == 0  # re-submitted job: nothing to do
    assert "already complete" in capsys.readouterr().err


# ------------------------------------------------------------------------------------- kill and resume

SLOW_SUBPROCESS = """
import sys, time
from simcoh.engine import pipeline
run_chunk = pipeline.Pipeline.run_chunk
def slow(self, *args, **kwargs):  # same events, just slower, so the kill lands part way through
    time.sleep(0.05)
    return run_chunk(self, *args, **kwargs)
pipeline.Pipeline.run_chunk = slow
from simcoh.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_killed_shard_is_redone_alone(tmp_path, capsys):
    options = ["--set", "run/beamOn=1500000", "--set", "run/chunkSize=25000", "--no-progress"]
    reference = tmp_path / "serial.h5"
    assert run("--output", reference, *options) == 0
    out, prod = tmp_path / "big.h5", tmp_path / "big.shards"
    assert run("--output", out, "--shard", "0/3", *options) == 0
    assert run("--output", out, "--shard", "2/3", *options) == 0
    kept = {i: (prod / f"shard-000{i}-of-0003.h5").stat().st_mtime_ns for i in (0, 2)}

    proc = subprocess.Popen([sys.executable, "-c", SLOW_SUBPROCESS, "run", str(MACRO), "--output", str(out),
                             "--shard", "1/3", *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    partial = []
    while time.time() < deadline and proc.poll() is None:
        partial = [p for p in prod.glob(".shard-0001-of-0003.h5.partial.*") if p.stat().st_size > 3_000_000]
        if partial:
            break
        time.sleep(0.02)
    assert partial, "the shard should have written part of its events"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (prod / "shard-0001-of-0003.h5").exists()  # killed part way: no shard file

    capsys.readouterr()
    assert main(["status", str(prod)]) == 0
    table = capsys.readouterr().out
    assert "2 of 3 done" in table
    states = {line.split()[0]: line.split()[3] for line in table.splitlines() if line.strip()[:1].isdigit()}
    assert states == {"0": "complete", "1": "interrupted", "2": "complete"}
    assert "to do: shard(s) 1" in table

    assert run("--output", out, "--workers", 2, "--keep-shards", *options) == 0  # resume
    assert "3 shard(s), 2 already done, running 1" in capsys.readouterr().err
    assert {i: (prod / f"shard-000{i}-of-0003.h5").stat().st_mtime_ns for i in (0, 2)} == kept  # not redone
    assert not list(prod.glob(".shard-*partial*"))  # the killed run's temporary file was cleaned up
    assert_same_events(out, reference)  # nothing lost, nothing duplicated
    assert main(["status", str(prod / "manifest.json"), "--verify"]) == 0
    table = capsys.readouterr().out
    assert "3 of 3 done" in table and table.count(" complete ") == 3 and "merged" in table


def test_production_dir_of_another_run_is_refused(tmp_path, capsys):
    out = tmp_path / "a.h5"
    assert run("--output", out, "--shard", "0/3", *TRUTH) == 0
    assert run("--output", out, "--shard", "1/3", "--seed", "5", *TRUTH) == 1
    err = capsys.readouterr().err
    assert "belongs to another production" in err and "seed: the production has 20211014, this run has 5" in err
    assert run("--output", out, "--shard", "1/4", *TRUTH) == 1
    assert "number of shards: the production has 3, this run has 4" in capsys.readouterr().err


def test_second_run_of_a_running_shard_is_refused_up_front(tmp_path, capsys):
    """Issue 16 item 6: two concurrent runs of the same --shard 0/2; the loser left a 70 MB partial file and
    asked for it to be moved by hand. Now it is refused before it writes anything."""
    options = ["--set", "run/beamOn=6000000", "--set", "run/chunkSize=25000", "--no-progress"]  # >= 6 s: still running
    out, prod = tmp_path / "c.h5", tmp_path / "c.shards"
    first = subprocess.Popen([sys.executable, "-c", SLOW_SUBPROCESS, "run", str(MACRO), "--output", str(out),
                              "--shard", "0/2", *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and first.poll() is None and not list(prod.glob(".shard-0000-*.partial.*")):
            time.sleep(0.02)
        assert list(prod.glob(".shard-0000-*.partial.*")), "the first run should be writing its shard"
        before = sorted(p.name for p in prod.iterdir())
        capsys.readouterr()
        assert run("--output", out, "--shard", "0/2", *options) == 1
        err = capsys.readouterr().err
        assert f"shard 0/2 (events [0, 3,000,000)) of production {prod} is being run right now by process {first.pid}" in err
        assert "this run stopped before writing anything" in err and "Wait for that run to finish" in err
        assert "by hand" not in err and "Traceback" not in err
        assert sorted(p.name for p in prod.iterdir()) == before  # nothing of its own left behind
        assert load_manifest(prod)["shards"][0]["pid"] == first.pid  # the manifest still names the first run
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 128 + signal.SIGTERM, first.stderr.read()
    finally:
        first.kill()
        first.communicate(timeout=60)
    assert sorted(p.name for p in prod.iterdir()) == ["manifest.json", "manifest.json.lock"]


def test_lock_of_a_dead_run_is_taken_over(tmp_path, capsys):
    out, prod = tmp_path / "d.h5", tmp_path / "d.shards"
    prod.mkdir()
    lock = prod / ".shard-0001-of-0002.h5.lock"
    lock.write_text("process 4194303 on elsewhere since 2020-01-01T00:00:00Z\n")  # its holder died: not locked
    assert run("--output", out, "--shard", "1/2", *TRUTH) == 0
    assert (prod / "shard-0001-of-0002.h5").exists() and not lock.exists()


@pytest.mark.parametrize("slash", ["/", ""])
def test_output_directory_gets_the_macro_file_name(tmp_path, slash):
    """Issue 16 item 8: `--output newdir/` wrote a file called newdir. An existing directory now receives the
    macro's file name (quickstart.h5), like `cp FILE DIR/`."""
    directory = tmp_path / "newdir"
    directory.mkdir()
    assert run("--output", f"{directory}{slash}", *TRUTH) == 0
    assert [p.name for p in directory.iterdir()] == ["quickstart.h5"]
    with open_events(directory / "quickstart.h5") as f:
        assert f.n_events == 30000


def test_output_directory_that_does_not_exist_is_an_input_error(tmp_path, capsys):
    assert run("--output", f"{tmp_path / 'newdir'}/", *TRUTH) == 2
    err = capsys.readouterr().err
    assert "--output" in err and "newdir/: the directory" in err and "does not exist; create it first" in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ merge refusals


@pytest.fixture(scope="module")
def shard_sets(tmp_path_factory):
    """Shard files of a 3-shard truth production and of productions that differ from it in one way."""
    d = tmp_path_factory.mktemp("shards")

    def shards(name, *extra, spec="{}/3", indices=(0, 1, 2)):
        for i in indices:
            assert run("--output", d / f"{name}.h5", "--shard", spec.format(i), *TRUTH, *extra) == 0
        return sorted((d / f"{name}.shards").glob("shard-*.h5"))

    return {
        "base": shards("base"),
        "seed": shards("seed", "--seed", "99", indices=(1,)),
        "physics": shards("physics", "--set", "physics/formFactor=klein_nystrand", indices=(1,)),
        "columns": shards("columns", "--set", "run/fidelity=parametric", indices=(1,)),
        "halves": shards("halves", spec="{}/2", indices=(0,)),
        "dir": d,
    }


def _merge_fails(tmp_path, capsys, files) -> str:
    out = tmp_path / "merged.h5"
    assert main(["merge", str(out), *map(str, files)]) == 1
    assert not out.exists()
    return capsys.readouterr().err


def test_merge_refuses_other_seed(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    err = _merge_fails(tmp_path, capsys, [base[0], shard_sets["seed"][0], base[2]])
    assert f"{shard_sets['seed'][0]}: differs from {base[0]} in seed (99 vs 20211014)" in err
    assert "seed = 99 vs 20211014" in err  # the configuration difference is spelled out


def test_merge_refuses_other_physics(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    err = _merge_fails(tmp_path, capsys, [base[0], shard_sets["physics"][0], base[2]])
    assert f"{shard_sets['physics'][0]}: differs from {base[0]} in configuration hash" in err
    assert 'physics.form_factor = "klein_nystrand" vs "helm"' in err


def test_merge_refuses_other_columns(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    err = _merge_fails(tmp_path, capsys, [base[0], shard_sets["columns"][0], base[2]])
    assert f"{shard_sets['columns'][0]}: differs from {base[0]} in columns: extra column(s) e_ee_kev" in err


def test_merge_refuses_missing_shard(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    err = _merge_fails(tmp_path, capsys, [base[0], base[2]])
    assert "missing shard: events [10000, 20000) are in no file given (expected shard 1/3 = " \
           "shard-0001-of-0003.h5)" in err
    err = _merge_fails(tmp_path, capsys, [base[0], base[1], tmp_path / "nowhere.h5"])
    assert f"{tmp_path / 'nowhere.h5'}: missing (no such file)" in err and "events [20000, 30000)" in err


def test_merge_refuses_duplicated_and_overlapping_shards(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    err = _merge_fails(tmp_path, capsys, [base[0], base[1], base[1], base[2]])
    assert f"{base[1]}: given twice (duplicated shard)" in err
    copy = tmp_path / "copy-of-1.h5"
    shutil.copy(base[1], copy)
    err = _merge_fails(tmp_path, capsys, [*base, copy])
    assert "duplicates" in err and "shard 1/3, events [10000, 20000)" in err and str(copy) in err
    err = _merge_fails(tmp_path, capsys, [shard_sets["halves"][0], base[1], base[2]])
    assert f"{base[1]}: events [10000, 20000) overlap {shard_sets['halves'][0]} (events [0, 15000))" in err
    assert "number of shards (3 vs 2)" in err


def test_merge_refuses_incomplete_shard(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    broken = tmp_path / "shard-0001-of-0003.h5"
    shutil.copy(base[1], broken)
    with h5py.File(broken, "r+") as f:
        f.attrs["complete"] = False
    err = _merge_fails(tmp_path, capsys, [base[0], broken, base[2]])
    assert f"{broken}: incomplete" in err


def test_merge_refuses_other_software_versions(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    other = tmp_path / "shard-0002-of-0003.h5"
    shutil.copy(base[2], other)
    with h5py.File(other, "r+") as f:
        versions = json.loads(f["provenance/versions"].asstr()[()])
        real = versions["numpy"]
        versions["numpy"] = "1.0.0"
        del f["provenance/versions"]
        f["provenance"].create_dataset("versions", data=json.dumps(versions), dtype=h5py.string_dtype())
        f["provenance/versions"].attrs["encoding"] = "json"
        seal(f)  # a deliberate edit: record the new metadata checksum, as a writer of that version would
    err = _merge_fails(tmp_path, capsys, [base[0], base[1], other])
    assert f"{other}: differs from {base[0]} in software versions: numpy 1.0.0 vs {real}" in err


def test_merge_from_manifest_checks_recorded_checksums(shard_sets, tmp_path, capsys):
    prod = shard_sets["dir"] / "base.shards"
    copy = tmp_path / "prod"
    shutil.copytree(prod, copy)
    with h5py.File(copy / "shard-0002-of-0003.h5", "r+") as f:
        f["events/t_nr_kev"][5] = 1.0  # silently altered after it was written
    assert main(["merge", str(copy), "--output", str(tmp_path / "m.h5")]) == 1
    err = capsys.readouterr().err
    assert f"{copy / 'shard-0002-of-0003.h5'}: its SHA-256 differs from the one the manifest recorded" in err
    update_shard(copy / "manifest.json", 2, sha256=sha256(copy / "shard-0002-of-0003.h5"))
    # the manifest now agrees, but the shard's own checksum of t_nr_kev still catches the change
    assert main(["merge", str(copy), "--output", str(tmp_path / "m.h5")]) == 1
    err = capsys.readouterr().err
    assert "shard-0002-of-0003.h5: /events/t_nr_kev: the values read differ from those written" in err
    assert not (tmp_path / "m.h5").exists()


def test_bad_manifest_is_reported(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text('{"format": "something else"}')
    assert main(["status", str(tmp_path)]) == 1
    assert "not a simcoh production manifest" in capsys.readouterr().err
    with pytest.raises(ProductionError, match="no such manifest"):
        load_manifest(tmp_path / "nothing")


def test_merge_refuses_to_write_over_one_of_its_inputs(shard_sets, tmp_path, capsys):
    """Issue 16: `simcoh merge shard-0000 shard-000{0,1,2} --overwrite` destroyed shard 0."""
    copies = []
    for path in shard_sets["base"]:
        shutil.copy(path, tmp_path / path.name)
        copies.append(tmp_path / path.name)
    before = sha256(copies[0])
    for output in (copies[0], tmp_path / "." / copies[0].name):
        assert main(["merge", str(output), *map(str, copies), "--overwrite"]) == 2
        err = capsys.readouterr().err
        assert f"is also given as the shard file {copies[0]}" in err and "Choose another output file" in err
    os.link(copies[1], tmp_path / "hard-link.h5")  # the same file under another name
    assert main(["merge", str(tmp_path / "hard-link.h5"), *map(str, copies), "--overwrite"]) == 2
    assert sha256(copies[0]) == before
    with open_events(copies[0]) as f:
        assert f.n_events == 10000


def _root_attributes_only(path, like):
    with h5py.File(like) as src, h5py.File(path, "w") as f:
        f.attrs.update(dict(src.attrs))


def test_merge_of_a_file_with_root_attributes_only(shard_sets, tmp_path, capsys):
    base = shard_sets["base"]
    bare = tmp_path / "shard-0001-of-0003.h5"
    _root_attributes_only(bare, base[1])
    err = _merge_fails(tmp_path, capsys, [base[0], bare, base[2]])
    assert f"{bare}: unreadable: {bare}: /events: the group of the event columns is missing" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("content, words", [
    (None, "is an HDF5 file, not a production manifest; to describe an event file use `simcoh info"),
    (bytes(range(256)) * 4, "is not text, so not a simcoh production manifest"),
    (b"{not json", "is not valid JSON"),
    (b'{"shards": "x"}', "not a simcoh production manifest"),
    (b'{"format": "simcoh-production", "format_version": 1, "shards": "x"}',
     'damaged production manifest:\n  "config_hash" should be a string'),
    (b"[1, 2, 3]", "not a simcoh production manifest"),
])
def test_status_and_merge_of_what_is_not_a_manifest(shard_sets, tmp_path, capsys, content, words):
    """Issue 16: `simcoh status run.h5`, a garbage .json and {"shards": "x"} gave tracebacks (status and merge)."""
    target = tmp_path / ("run.h5" if content is None else "manifest.json")
    if content is None:
        shutil.copy(shard_sets["base"][0], target)
    else:
        target.write_bytes(content)
    for command in (["status", str(target)], ["status", str(target), "--verify"],
                    ["merge", str(target), "--output", str(tmp_path / "m.h5")]):
        assert main(command) in (1, 2), command
        err = capsys.readouterr().err
        assert "Traceback" not in err and (words in err or "give a manifest (.json)" in err), err
    assert not (tmp_path / "m.h5").exists()


def test_manifest_with_bad_shard_entries(shard_sets, tmp_path, capsys):
    prod = tmp_path / "prod"
    shutil.copytree(shard_sets["dir"] / "base.shards", prod)
    data = json.loads((prod / "manifest.json").read_text())
    data["shards"][1] = {"index": 1, "first_event": "x", "stop_event": 20000, "file": "../../etc/passwd"}
    (prod / "manifest.json").write_text(json.dumps(data))
    assert main(["status", str(prod)]) == 1
    assert "shard entry 1 should be" in capsys.readouterr().err
    assert main(["merge", str(prod), "--output", str(tmp_path / "m.h5")]) == 1
    assert "shard entry 1 should be" in capsys.readouterr().err


def test_shard_count_limit():
    check_shard_count(10, 1000)  # 100 events each: fine
    check_shard_count(1, 0)  # one shard is always allowed
    for count, n_events in ((11, 1000), (2, 150), (5000, 1000)):
        with pytest.raises(InputError, match=f"use at most {max(1, n_events // 100)} shard"):
            check_shard_count(count, n_events)


def test_too_many_shards_for_the_events_are_refused(tmp_path, capsys):
    """Issue 16: `--workers 2 --shards 5000` on 1,000 events made 5,000 near-empty shards without a word."""
    out = tmp_path / "many.h5"
    code = run("--output", out, "--workers", 2, "--shards", 5000, "--set", "run/beamOn=1000", "--no-progress")
    assert code == 2
    err = capsys.readouterr().err
    assert "5,000 shards for 1,000 events would give shards of 0-1 events each" in err
    assert "use at most 10 shard(s) (--shards 10" in err
    assert run("--output", out, "--shard", "3/11", "--set", "run/beamOn=1000", "--no-progress") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing left behind


@pytest.mark.parametrize("fidelity", ["truth", "photon"])
def test_plain_workers_stream_into_one_file_identical_to_serial(fidelity, tmp_path):
    """`--workers 2` alone: worker processes generate, one process writes; no shard files, same events."""
    common = ["--no-progress", "--set", "run/beamOn=20000", "--set", f"run/fidelity={fidelity}",
              "--set", "run/chunkSize=3000"]
    assert main(["run", str(MACRO), "--output", str(tmp_path / "serial.h5"), *common]) == 0
    assert main(["run", str(MACRO), "--output", str(tmp_path / "par.h5"), "--workers", "2", *common]) == 0
    assert not (tmp_path / "par.shards").exists()
    with open_events(tmp_path / "serial.h5") as a, open_events(tmp_path / "par.h5") as b:
        assert a.fields == b.fields and a.summary == b.summary
        for name in a.fields:
            x, y = a.read_column(name), b.read_column(name)
            if a.columns[name].jagged:
                assert ak.all(ak.num(x) == ak.num(y)) and ak.all(ak.flatten(x) == ak.flatten(y)), name
            else:
                np.testing.assert_array_equal(x, y)


def test_pack_and_unpack_chunks_through_a_slot():
    from simcoh.engine.parallel import pack, unpack

    content = np.arange(10, dtype=np.float32)
    jagged = ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(np.array([2, 2, 5, 9])),
                                                  ak.contents.NumpyArray(content)))  # offsets not from 0
    chunk = {"id": np.arange(3, dtype=np.int64), "w": np.ones((3, 2), np.int16), "pe": jagged}
    slot = np.zeros(1000, np.uint8)
    got = unpack(pack(chunk, slot), slot)
    np.testing.assert_array_equal(got["id"], chunk["id"])
    np.testing.assert_array_equal(got["w"], chunk["w"])
    assert got["pe"].to_list() == [[], [2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]
    assert np.shares_memory(got["id"], slot)  # views, not copies
    assert pack(chunk, np.zeros(100, np.uint8)) is None  # does not fit: the caller pickles the chunk instead


SLOT_SCRIPT = """
import sys, queue
import numpy as np, awkward as ak
from simcoh.macro import load_macro
from simcoh.engine.run import prepare_run, write_events
from simcoh.engine.parallel import ChunkPool

macro, out, slot_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
result = load_macro(macro, set_overrides=["run/beamOn=20000", "run/fidelity=photon"], output=out)
prepared = prepare_run(result)
pool = ChunkPool(prepared, 2, slot_bytes=slot_bytes)  # forked: this process has one thread
free, kinds = queue.Queue(), []
for (first, n), (m, chunk, slot) in zip(prepared.generator.chunk_ranges(3000, 0, 20000),
                                        pool.chunks(prepared.generator.chunk_ranges(3000, 0, 20000), free)):
    kinds.append("slot" if slot is not None else "pickled")
    want = prepared.pipeline.run_chunk(first, n)
    for key, values in want.items():
        if isinstance(values, ak.Array):
            assert ak.all(ak.num(chunk[key]) == ak.num(values)), key
            np.testing.assert_array_equal(ak.to_numpy(ak.flatten(chunk[key])), ak.to_numpy(ak.flatten(values)))
        else:
            np.testing.assert_array_equal(chunk[key], values, err_msg=key)
    if slot is not None:
        free.put(slot)
pool.close()
print(" ".join(sorted(set(kinds))))
"""


@pytest.mark.parametrize("slot_bytes, path", [(16 << 20, "slot"), (4096, "pickled")])
def test_forked_workers_hand_back_chunks_through_shared_slots(tmp_path, slot_bytes, path):
    """In a fresh process (so the workers are forked and share the slots); a chunk too large for its slot
    comes back pickled. Each chunk is compared with the same events generated here."""
    script = tmp_path / "slots.py"
    script.write_text(SLOT_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(MACRO), str(tmp_path / "x.h5"), str(slot_bytes)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [path]


def test_forked_workers_write_the_serial_file(tmp_path):
    """The command line in a fresh process (forked workers, shared slots, parallel compression) against a
    serial run of the same macro."""
    common = [str(MACRO), "--no-progress", "--set", "run/beamOn=60000", "--set", "run/fidelity=photon"]
    assert run("--output", tmp_path / "serial.h5", *common[1:]) == 0
    done = subprocess.run([sys.executable, "-m", "simcoh", "run", *common, "--output", str(tmp_path / "par.h5"),
                           "--workers", "2"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_events(tmp_path / "par.h5", tmp_path / "serial.h5")


@pytest.mark.parametrize("first, stop, chunk_size, workers, min_events",
                         [(0, 4_000_000, 500_000, 2, 16384), (7, 100_003, 30_000, 3, 1000), (0, 5, 3, 2, 16384),
                          (10, 10, 100, 2, 16), (0, 1_000_000, 1000, 4, 16384)])
def test_tapered_ranges_cover_the_run_and_shrink_at_the_end(first, stop, chunk_size, workers, min_events):
    from simcoh.engine.parallel import tapered_ranges

    ranges = list(tapered_ranges(first, stop, chunk_size, workers, min_events))
    starts = [s for s, _ in ranges]
    assert starts == [first + sum(n for _, n in ranges[:i]) for i in range(len(ranges))]  # contiguous
    assert sum(n for _, n in ranges) == stop - first
    for start, n in ranges:
        remaining = stop - start
        assert 1 <= n <= chunk_size
        assert n >= min(min_events, remaining, chunk_size)  # never needlessly tiny
        assert n <= max(min_events, -(-remaining // (4 * workers)))  # a share of what is left
    if stop - first > 8 * workers * max(min_events, chunk_size):
        assert ranges[0][1] == chunk_size and ranges[-1][1] <= min_events


FAULT_SCRIPT = """
import resource, sys
import numpy as np
from simcoh.engine.allocator import keep_freed_memory

if sys.argv[1] == "keep":
    assert keep_freed_memory()
faults = []
for _ in range(4):  # a chunk's worth of stage outputs, allocated, filled and freed four times
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.empty(1 << 20, np.uint8) for _ in range(8)]
    for a in arrays:
        a[::4096] = 1  # touch every page
    del arrays, a
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(faults[-1])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
                    reason="mallopt is glibc's")
def test_freed_chunk_memory_is_reused_without_page_faults(tmp_path):
    """Eight 1 MiB arrays allocated again after being freed: with glibc's defaults the heap is trimmed and all
    2,048 pages fault again each time; after keep_freed_memory the pages are reused."""
    script = tmp_path / "faults.py"
    script.write_text(FAULT_SCRIPT)
    faults = {mode: int(subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True,
                                       check=True).stdout) for mode in ("default", "keep")}
    assert faults["default"] > 1500
    assert faults["keep"] < 100

"""simcoh export / EventFile.to_root / to_parquet: the exports, read back with uproot and pyarrow (not with simcoh),
hold every value of every column of the HDF5 file, the units, descriptions and provenance, and are written
atomically, never over an existing file unless asked."""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import awkward as ak
import h5py
import numpy as np
import pyarrow.parquet as pq
import pytest
import uproot

import simcoh
from simcoh.cli import main
from simcoh.columns import Column
from simcoh.io import EventWriter, open_events

STEP = 2  # events per chunk in these tests, so that every export has several chunks (and a short last one)


@pytest.fixture(scope="module")
def truth_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("truth") / "truth.h5"
    simcoh.simulate(detector="csi-2021", fidelity="truth", n_events=7, seed=11, output=path)
    return path


@pytest.fixture(scope="module")
def waveform_file(tmp_path_factory):
    """Waveform level: flat, jagged (photoelectrons) and fixed-shape (waveform samples) columns."""
    path = tmp_path_factory.mktemp("waveform") / "waveform.h5"
    simcoh.simulate(detector="csi-2021", fidelity="waveform", n_events=5, seed=12, output=path)
    return path


def _hdf5_columns(path):
    """Every column straight from the HDF5 datasets with h5py (independently of simcoh's reader)."""
    out = {}
    with h5py.File(path, "r") as f:
        for name in json.loads(f["events"].attrs["columns"]):
            obj = f["events"][name]
            out[name] = (obj["offsets"][:], obj["data"][:]) if isinstance(obj, h5py.Group) else obj[:]
    return out


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _same_dtype(found: np.dtype, declared: np.dtype) -> bool:
    return found.kind == declared.kind and found.itemsize == declared.itemsize


def check_root(source, exported, fields=None):
    """Every branch of the TTree equals the HDF5 datasets; metadata equal the file's."""
    with open_events(source) as events:
        fields = fields or events.fields
        columns, provenance, summary = events.columns, events.provenance, events.summary
        n = events.n_events
    stored = _hdf5_columns(source)
    with uproot.open(exported) as f:
        tree = f["events"]
        assert tree.num_entries == n
        expected_branches = []
        for name in fields:
            expected_branches += [f"n{name}", name] if columns[name].jagged else [name]
        assert tree.keys() == expected_branches
        for name in fields:
            column = columns[name]
            if column.jagged:
                offsets, data = stored[name]
                values = tree[name].array(library="ak")
                np.testing.assert_array_equal(ak.to_numpy(ak.num(values)), np.diff(offsets))
                np.testing.assert_array_equal(tree[f"n{name}"].array(library="np"), np.diff(offsets))
                flat = ak.to_numpy(ak.flatten(values))
                assert _same_dtype(flat.dtype, column.dtype), name
                np.testing.assert_array_equal(flat, data)
            else:
                values = tree[name].array(library="np")
                assert values.shape == (n, *column.shape) and _same_dtype(values.dtype, column.dtype), name
                np.testing.assert_array_equal(values, stored[name])  # NaN equals NaN here
        records = json.loads(f["columns"])
        assert [r["name"] for r in records] == fields
        for r in records:
            c = columns[r["name"]]
            assert (r["unit"], r["description"], r["dtype"], r["jagged"], tuple(r["shape"])) == (
                c.unit, c.description, c.dtype.name, c.jagged, c.shape)
            assert r.get("root_counter") == (f"n{c.name}" if c.jagged else None)
        assert json.loads(f["provenance"]) == provenance
        assert json.loads(f["summary"]) == summary
        export = json.loads(f["export"])
    assert export["source_sha256"] == _sha256(source) and export["n_events"] == n
    assert export["simcoh_version"] == simcoh.__version__ and export["columns"] == fields
    return provenance


def check_parquet(source, exported, fields=None, step=STEP):
    with open_events(source) as events:
        fields = fields or events.fields
        columns, provenance, summary = events.columns, events.provenance, events.summary
        n = events.n_events
    stored = _hdf5_columns(source)
    parquet = pq.ParquetFile(exported)
    assert parquet.metadata.num_rows == n and parquet.num_row_groups == max(1, math.ceil(n / step))
    table = parquet.read()
    assert table.column_names == fields
    for name in fields:
        column, field = columns[name], table.schema.field(name)
        assert not field.nullable and table[name].null_count == 0
        assert field.metadata == {b"unit": column.unit.encode(), b"description": column.description.encode(),
                                  b"dtype": column.dtype.name.encode()}
        array = table[name].combine_chunks()
        if column.jagged:
            offsets, data = stored[name]
            np.testing.assert_array_equal(np.asarray(array.offsets), offsets)
            values = array.flatten().to_numpy()
            assert _same_dtype(values.dtype, column.dtype)
            np.testing.assert_array_equal(values, data)
        else:
            for _ in column.shape:
                array = array.flatten()
            values = array.to_numpy(zero_copy_only=False).reshape(n, *column.shape)
            assert _same_dtype(values.dtype, column.dtype), name
            np.testing.assert_array_equal(values, stored[name])
    meta = table.schema.metadata
    assert json.loads(meta[b"simcoh.provenance"]) == provenance
    assert json.loads(meta[b"simcoh.summary"]) == summary
    export = json.loads(meta[b"simcoh.export"])
    assert export["source_sha256"] == _sha256(source) and export["columns"] == fields
    return provenance


@pytest.mark.parametrize("which", ["truth_file", "waveform_file"])
def test_root_export_holds_every_value(request, which, tmp_path):
    source = request.getfixturevalue(which)
    with open_events(source) as events:
        out = events.to_root(tmp_path / "out.root", step=STEP)
    provenance = check_root(source, out)
    assert provenance["fidelity"] == which.split("_")[0] and provenance["config_json"] and provenance["seed"]


@pytest.mark.parametrize("which", ["truth_file", "waveform_file"])
def test_parquet_export_holds_every_value(request, which, tmp_path):
    source = request.getfixturevalue(which)
    with open_events(source) as events:
        out = events.to_parquet(tmp_path / "out.parquet", step=STEP)
        whole = events.read()
    check_parquet(source, out)
    back = ak.from_parquet(out)  # awkward sees the same types: lists of non-null numbers, regular waveforms
    assert back.type == whole.type and ak.array_equal(back, whole, equal_nan=True)


def test_multidimensional_fixed_shape_columns(tmp_path):
    columns = [Column("image", "u2", "ADC", "a 2 x 3 image per event", shape=(2, 3)), Column("t_ns", "f4", "ns", "t")]
    with EventWriter(tmp_path / "m.h5", columns, {"config_hash": "0"}) as w:
        w.append({"image": np.arange(30, dtype="u2").reshape(5, 2, 3), "t_ns": np.linspace(0, 1, 5, dtype="f4")})
        w.finish()
    with open_events(tmp_path / "m.h5") as events:
        check_root(tmp_path / "m.h5", events.to_root(tmp_path / "m.root", step=STEP))
        check_parquet(tmp_path / "m.h5", events.to_parquet(tmp_path / "m.parquet", step=STEP))
    with uproot.open(tmp_path / "m.root") as f:
        assert f["events"]["image"].member("fLeaves")[0].member("fTitle") == "image[2][3]"


def test_waveform_export_has_jagged_and_fixed_shape_branches(waveform_file, tmp_path):
    with open_events(waveform_file) as events:
        out = events.to_root(tmp_path / "w.root", columns=["pe_t_ns", "waveform", "t_ns"])
    with uproot.open(out) as f:
        leaves = {b.name: b.member("fLeaves")[0].member("fTitle") for b in f["events"].branches}
    assert leaves == {"npe_t_ns": "npe_t_ns", "pe_t_ns": "pe_t_ns[npe_t_ns]", "waveform": "waveform[13750]",
                      "t_ns": "t_ns"}
    with open_events(waveform_file) as events:
        pq_schema = pq.read_schema(events.to_parquet(tmp_path / "w.parquet", columns=["waveform"]))
    assert pq_schema.field("waveform").type.list_size == 13750


def test_cli_exports_to_the_default_name_and_never_overwrites(waveform_file, tmp_path, capsys):
    source = tmp_path / "run.h5"
    source.write_bytes(waveform_file.read_bytes())
    assert main(["export", str(source), "--to", "root", "--columns", "t_ns, pe_t_ns,waveform", "--step", "3"]) == 0
    out = tmp_path / "run.root"
    check_root(source, out, ["t_ns", "pe_t_ns", "waveform"])
    assert "exported 5 events, 3 column(s)" in capsys.readouterr().out
    before = out.read_bytes()
    assert main(["export", str(source), "--to", "root"]) == 3  # exists: refused, untouched
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["export", str(source), "--to", "root", "--overwrite"]) == 0
    check_root(source, out)
    assert main(["export", str(source), "--to", "parquet", "--output", str(tmp_path / "p.pq")]) == 0
    with open_events(source) as events:
        step = events.default_step()
    check_parquet(source, tmp_path / "p.pq", step=step)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.pq", "run.h5", "run.root"]  # no temporary files


def test_cli_errors_are_input_errors(truth_file, tmp_path, capsys, monkeypatch):
    assert main(["export", str(truth_file), "--to", "root", "--output", str(tmp_path / "x.root"),
                 "--columns", "t_ns,e_nu_mv"]) == 2
    err = capsys.readouterr().err
    assert "no field 'e_nu_mv'" in err and "did you mean 'e_nu_mev'" in err and "one of event_id, process" in err
    text = tmp_path / "notes.h5"
    text.write_text("not an event file\n")
    assert main(["export", str(text), "--to", "parquet"]) == 2
    assert "not an HDF5 file" in capsys.readouterr().err
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = [1, 2]
    assert main(["export", str(tmp_path / "other.h5"), "--to", "root"]) == 2
    assert "not a simcoh event file" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.h5"), "--to", "root"]) == 2
    assert main(["export", str(truth_file), "--to", "root", "--columns", "t_ns,,weight"]) == 2
    assert main(["export", str(truth_file), "--to", "root", "--step", "0"]) == 2
    assert "--step 0: the number of events per chunk must be at least 1" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "uproot", None)  # as if simcoh[root] were not installed
    assert main(["export", str(truth_file), "--to", "root", "--output", str(tmp_path / "y.root")]) == 2
    assert "pip install 'simcoh[root]'" in capsys.readouterr().err
    assert not (tmp_path / "x.root").exists() and not (tmp_path / "y.root").exists()


def test_a_failed_export_leaves_no_file(truth_file, tmp_path, monkeypatch):
    import simcoh.io.export as export

    calls = []

    def failing(pa, values, column):
        calls.append(column.name)
        if len(calls) > 9:  # fail in the second chunk
            raise RuntimeError("disk full")
        return original(pa, values, column)

    original = export._arrow_values
    monkeypatch.setattr(export, "_arrow_values", failing)
    with pytest.raises(RuntimeError, match="disk full"), open_events(truth_file) as events:
        events.to_parquet(tmp_path / "t.parquet", step=STEP)
    assert os.listdir(tmp_path) == []


def test_counter_name_clash_is_refused(tmp_path):
    columns = [Column("x", "f8", "ns", "times", jagged=True), Column("nx", "i4", "", "a count")]
    with EventWriter(tmp_path / "c.h5", columns, {"config_hash": "0"}) as w:
        w.append({"x": ak.Array([[1.0], []]), "nx": np.array([1, 0], "i4")})
        w.finish()
    with open_events(tmp_path / "c.h5") as events, pytest.raises(simcoh.InputError, match="nx .counter of x"):
        events.to_root(tmp_path / "c.root")
    with open_events(tmp_path / "c.h5") as events:  # without the clashing column it works
        check_root(tmp_path / "c.h5", events.to_root(tmp_path / "c.root", columns=["x"]), ["x"])


def test_the_command_offers_exactly_the_formats_the_exporter_writes():
    from simcoh.commands.export import FORMATS
    from simcoh.io.export import SUFFIXES

    assert sorted(FORMATS) == sorted(SUFFIXES)

"""Reading in chunks: EventFile.iterate, simcoh.iterate over a production's shard files, and the dask-awkward
collection of simcoh.io.dask reassemble exactly what a whole read gives (and the merged file of the production),
and files that do not form one sample are refused."""

from __future__ import annotations

import math
import awkward as ak
import h5py
import numpy as np
import pytest

import simcoh
from simcoh.cli import main
from simcoh.columns import Column
from simcoh.io import EventWriter, open_events
from simcoh.io.reader import EventFile

MACRO = """/random/setSeed {seed}
/detector/load csi-2021
/process/enable cevns
/run/fidelity photon
/output/file run.h5
/run/beamOn 300
"""
N_SHARDS = 3


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Three photon-level shard files (flat and jagged columns) and the file `simcoh merge` makes of them."""
    directory = tmp_path_factory.mktemp("production")
    macro = directory / "run.mac"
    macro.write_text(MACRO.format(seed=5))
    for i in range(N_SHARDS):
        assert main(["run", str(macro), "--shard", f"{i}/{N_SHARDS}", "--no-progress",
                     "--production-dir", str(directory / "run.shards")]) == 0
    merged = directory / "merged.h5"
    assert main(["merge", str(directory / "run.shards"), "--output", str(merged), "--no-progress"]) == 0
    shards = sorted((directory / "run.shards").glob("shard-*.h5"))
    assert len(shards) == N_SHARDS
    return directory, shards, merged


def _same(a: ak.Array, b: ak.Array) -> bool:
    return a.fields == b.fields and ak.array_equal(a, b, equal_nan=True, check_parameters=True)


@pytest.mark.parametrize("step", [37, 100, 299, 300, 1000])
def test_iterate_reassembles_the_whole_read(production, step):
    _, _, merged = production
    with open_events(merged) as events:
        whole = events.read()
        chunks = list(events.iterate(step=step))
    assert [len(c) for c in chunks] == [min(step, 300 - i) for i in range(0, 300, step)]
    assert _same(ak.concatenate(chunks), whole)


def test_iterate_with_columns_and_a_range(production):
    _, _, merged = production
    with open_events(merged) as events:
        whole = events.read(["pe_t_ns", "weight"])
        chunks = list(events.iterate(step=40, columns=["pe_t_ns", "weight"], start=50, stop=-10))
        assert list(events.iterate(step=5, start=20, stop=20)) == []
        singles = list(events.iterate(step=1, columns=["pe_t_ns", "weight"], start=-3))
        with pytest.raises(simcoh.InputError, match="positive integer"):
            next(events.iterate(step=0))
        with pytest.raises(simcoh.InputError, match="no field 'pe_t'"):
            next(events.iterate(columns=["pe_t"]))
    assert chunks[0].fields == ["pe_t_ns", "weight"] and [len(c) for c in chunks] == [40] * 6
    assert _same(ak.concatenate(chunks), whole[50:290])
    assert [len(c) for c in singles] == [1, 1, 1] and _same(ak.concatenate(singles), whole[297:])


def test_default_step_follows_the_bytes_per_event(production):
    _, _, merged = production
    with h5py.File(merged, "r") as f:
        pe = f["events/pe_t_ns/data"].shape[0] / 300
    with open_events(merged) as events:  # 8 bytes per float64; the mean numbers x 4 bytes + an int64 offset
        assert events.bytes_per_event(["t_ns", "pe_t_ns"]) == pytest.approx(8 + pe * 4 + 8)
    with open_events(merged) as events:
        assert events.default_step(["t_ns"]) == 64 * 2**20 // 8


def test_many_files_read_as_the_merged_file(production):
    directory, shards, merged = production
    whole = simcoh.read_events(merged)
    chunks = list(simcoh.iterate(str(directory / "run.shards" / "shard-*.h5"), step=64))
    assert max(len(c) for c in chunks) == 64 and len(chunks) == N_SHARDS * math.ceil(100 / 64)
    assert _same(ak.concatenate(chunks), whole)
    np.testing.assert_array_equal(ak.to_numpy(ak.concatenate(chunks).event_id), np.arange(300))
    subset = list(simcoh.iterate([str(s) for s in shards], columns=["event_id", "pe_label"]))
    assert len(subset) == N_SHARDS and _same(ak.concatenate(subset), whole[["event_id", "pe_label"]])
    assert _same(ak.concatenate(list(simcoh.iterate(merged, step=1000))), whole)
    assert _same(ak.concatenate(list(simcoh.iterate(directory / "run.shards"))), whole)  # a production directory


def test_files_of_other_configurations_or_overlapping_events_are_refused(production, tmp_path):
    directory, shards, merged = production
    with pytest.raises(simcoh.InputError, match="overlapping") as info:
        simcoh.iterate([*shards, merged])
    assert "merged file, not both" in str(info.value)
    with pytest.raises(simcoh.InputError, match="overlapping"):
        simcoh.iterate([shards[0], shards[0]])
    macro = tmp_path / "other.mac"
    macro.write_text(MACRO.format(seed=6).replace("beamOn 300", "beamOn 20"))
    assert main(["run", str(macro), "--output", str(tmp_path / "other.h5"), "--no-progress"]) == 0
    with pytest.raises(simcoh.InputError, match=r"configuration hash .* seed = 6 vs 5") as info:
        simcoh.iterate([merged, tmp_path / "other.h5"])
    assert str(tmp_path / "other.h5") in str(info.value)
    mixed = list(simcoh.iterate([merged, tmp_path / "other.h5"], columns=["t_ns"],
                                allow_different_configurations=True))
    assert sum(len(c) for c in mixed) == 320
    with pytest.raises(simcoh.InputError, match="no file matches"):
        simcoh.iterate(str(tmp_path / "nothing-*.h5"))
    (tmp_path / "notes.h5").write_text("text")
    with pytest.raises(simcoh.InputError, match="not an HDF5 file"):
        simcoh.iterate([merged, tmp_path / "notes.h5"])


def test_dask_collection_equals_the_concatenated_read(production, monkeypatch):
    dak = pytest.importorskip("dask_awkward")
    from simcoh.io.dask import from_files

    directory, shards, merged = production
    whole = simcoh.read_events(merged)

    def no_reads(*args, **kwargs):
        raise AssertionError("building the collection read events")

    with monkeypatch.context() as patch:  # the graph is built from the headers alone
        patch.setattr(EventFile, "_slice", no_reads)
        events = from_files(str(directory / "run.shards" / "*.h5"), step=40)
        subset = from_files(shards, columns=["pe_t_ns", "weight"], step=100)
    assert isinstance(events, dak.Array)
    assert events.npartitions == N_SHARDS * math.ceil(100 / 40) and subset.npartitions == N_SHARDS
    assert events.divisions == (0, 40, 80, 100, 140, 180, 200, 240, 280, 300)
    assert events.form == whole.layout.form and subset.fields == ["pe_t_ns", "weight"]
    assert _same(events.compute(), whole)
    assert _same(subset.compute(), whole[["pe_t_ns", "weight"]])


def test_dask_partitions_read_only_the_columns_a_computation_needs(production, monkeypatch):
    dak = pytest.importorskip("dask_awkward")
    from simcoh.io.dask import from_files

    directory, _, merged = production
    whole = simcoh.read_events(merged)
    events = from_files(str(directory / "run.shards" / "*.h5"), step=50)
    reads = []
    original = EventFile.read

    def recording(self, fields=None, start=0, stop=None):
        reads.append(tuple(fields))
        return original(self, fields, start, stop)

    monkeypatch.setattr(EventFile, "read", recording)
    assert float(dak.sum(events.weight, axis=0).compute()) == pytest.approx(float(np.sum(whole.weight)), rel=1e-12)
    assert reads == [("weight",)] * events.npartitions
    reads.clear()
    late = events[events.t_ns > 1000].pe_t_ns
    assert _same(late.compute(), whole[whole.t_ns > 1000].pe_t_ns)
    assert set(reads) == {("t_ns", "pe_t_ns")} and len(reads) == events.npartitions


def test_dask_collection_of_a_file_without_events_has_one_empty_partition(tmp_path):
    pytest.importorskip("dask_awkward")
    from simcoh.io.dask import from_files

    columns = [Column("t_ns", "f8", "ns", "time"), Column("pe_t_ns", "f4", "ns", "times", jagged=True)]
    with EventWriter(tmp_path / "empty.h5", columns, {"config_hash": "0"}) as w:
        w.finish()
    events = from_files(tmp_path / "empty.h5")
    assert events.npartitions == 1 and events.divisions == (0, 0)
    result = events.compute()
    assert len(result) == 0 and result.fields == ["t_ns", "pe_t_ns"]
    assert list(simcoh.iterate(tmp_path / "empty.h5")) == []

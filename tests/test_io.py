"""Event files: round trips, partial reads, provenance, overwrite protection, crash safety, errors.

Expectations come from the input arrays themselves (concatenated with numpy/awkward), from
plain h5py reads, or from facts independent of simcoh (module versions, the clock).
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import awkward as ak
import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcoh
from simcoh.errors import InputError, OutputExistsError, SimcohError
from simcoh.io import (
    Column,
    EventFileError,
    EventWriter,
    IncompleteFileError,
    describe_file,
    open_events,
    read_events,
)

REPO = Path(__file__).resolve().parents[1]

FLAT = [
    Column("i8", "int8", "", "an int8 code"),
    Column("i16", "int16", "", "an int16 index"),
    Column("i32", "int32", "", "an int32 count"),
    Column("event_id", "int64", "", "event number"),
    Column("t_ns", "float32", "ns", "arrival time"),
    Column("e_nu_mev", "float64", "MeV", "neutrino energy"),
    Column("passed", "bool", "", "passes all cuts"),
]
JAGGED = [
    Column("pe_t_ns", "float32", "ns", "photoelectron times", jagged=True),
    Column("pe_channel", "int16", "", "PMT channel of each photoelectron", jagged=True),
    Column("pulse_area", "float64", "PE", "area of each pulse", jagged=True),
]
COLUMNS = FLAT + JAGGED
CHUNK_SIZES = [5, 0, 13, 1, 20, 6, 7]  # the 6-event chunk has only empty lists
ALL_EMPTY = 5


def flat_values(rng, column, n):
    if column.dtype == np.bool_:
        return rng.random(n) < 0.5
    if column.dtype.kind == "i":
        info = np.iinfo(column.dtype)
        values = rng.integers(info.min, info.max, n, endpoint=True, dtype=column.dtype)
        values[: min(n, 2)] = [info.min, info.max][: min(n, 2)]  # the extremes survive
        return values
    values = rng.normal(0.0, 1e3, n).astype(column.dtype)
    values[: min(n, 3)] = [np.nan, np.inf, -0.0][: min(n, 3)]
    return values


def jagged_values(rng, column, n, empty):
    counts = np.zeros(n, int) if empty else rng.integers(0, 6, n)
    if n:
        counts[0] = 0  # an empty list in every chunk
    total = int(counts.sum())
    if column.dtype.kind == "i":
        data = rng.integers(-300, 300, total).astype(column.dtype)
    else:
        data = rng.exponential(100.0, total).astype(column.dtype)
    return counts, data


def as_input(kind, counts, data):
    """The same lists given in the different shapes a caller may use."""
    array = ak.unflatten(data, counts)
    if kind == 0:
        return array
    if kind == 1:
        return array.to_list()
    # a non-contiguous view: reversed twice, so awkward keeps it as a ListArray
    return array[::-1][::-1]


def make_chunks(seed=7):
    """Input chunks and, built independently of the writer, the concatenated expectation."""
    rng = np.random.default_rng(seed)
    chunks, flat_parts, jagged_parts = [], {c.name: [] for c in FLAT}, {c.name: ([], []) for c in JAGGED}
    for index, n in enumerate(CHUNK_SIZES):
        chunk = {}
        for column in FLAT:
            chunk[column.name] = flat_values(rng, column, n)
            flat_parts[column.name].append(chunk[column.name])
        for k, column in enumerate(JAGGED):
            counts, data = jagged_values(rng, column, n, empty=index == ALL_EMPTY)
            chunk[column.name] = as_input((index + k) % 3, counts, data)
            jagged_parts[column.name][0].append(counts)
            jagged_parts[column.name][1].append(data)
        chunks.append(chunk)
    expected = {name: np.concatenate(parts) for name, parts in flat_parts.items()}
    for name, (counts, data) in jagged_parts.items():
        expected[name] = (np.concatenate(counts), np.concatenate(data))
    return chunks, expected


PROVENANCE = {
    "macro_texts": {"csi.mac": "/detector/select csi\n/run/beamOn 100\n", "common.mac": "/source/pot 1e23\n"},
    "expanded_commands": ["/detector/select csi", "/source/pot 1e23", "/run/beamOn 100"],
    "config_json": '{"detector":"csi","seed":12345}',
    "config_hash": "9f2c" * 16,
    "seed": 12345,
    "exposure_pot": 3.2e23,
    "expected_counts": {"cevns": 306.5, "brn": 17.25},
    "command_line": "simcoh run csi.mac --workers 4",
}


def write(path, chunks, columns=COLUMNS, **kwargs):
    with EventWriter(path, columns, PROVENANCE, **kwargs) as writer:
        for chunk in chunks:
            writer.append(chunk)
        writer.finish({"generated": {"cevns": 52}, "note": "test run"})
    return path


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    chunks, expected = make_chunks()
    path = write(tmp_path_factory.mktemp("events") / "run.h5", chunks, chunk_events=4)
    return path, expected


def assert_same(values, name, expected, start=0, stop=None):
    """``values`` (read back) equal events [start, stop) of the expected column ``name``."""
    if isinstance(expected[name], tuple):
        counts, data = expected[name]
        offsets = np.concatenate([[0], np.cumsum(counts)])
        stop = len(counts) if stop is None else stop
        assert ak.num(values, axis=1).to_list() == counts[start:stop].tolist()
        flat = ak.to_numpy(ak.flatten(values))
        assert flat.dtype == data.dtype
        np.testing.assert_array_equal(flat, data[offsets[start] : offsets[stop]])
    else:
        values = np.asarray(values)
        assert values.dtype == expected[name].dtype
        np.testing.assert_array_equal(values, expected[name][start:stop])


def files_in(directory):
    return [p.name for p in Path(directory).iterdir()]


# ----------------------------------------------------------------------------- round trips


def test_round_trip_every_dtype_and_jagged_columns(written):
    path, expected = written
    events = read_events(path)
    assert len(events) == sum(CHUNK_SIZES)
    assert events.fields == [c.name for c in COLUMNS]
    for column in COLUMNS:
        assert_same(events[column.name], column.name, expected)
    assert str(ak.type(events["pe_channel"])).endswith("var * int16")


def test_units_descriptions_and_counts_read_back(written):
    path, _ = written
    with open_events(path) as events:
        assert events.complete
        assert events.n_events == sum(CHUNK_SIZES)
        assert events.fields == [c.name for c in COLUMNS]
        assert list(events.columns.values()) == COLUMNS
        assert events.columns["e_nu_mev"].unit == "MeV"
        assert events.columns["pe_t_ns"].description == "photoelectron times"
        assert events.summary == {"generated": {"cevns": 52}, "note": "test run"}


@pytest.mark.parametrize(
    "start, stop",
    [(0, None), (3, 9), (5, 6), (18, 19), (17, 45), (19, 25), (25, 25), (40, 52), (-10, None), (0, -1)],
)
def test_partial_reads_across_chunk_boundaries(written, start, stop):
    path, expected = written
    fields = ["i16", "pe_t_ns", "passed", "pulse_area"]
    first, last, _ = slice(start, stop).indices(sum(CHUNK_SIZES))  # Python's own slice rules
    with open_events(path) as events:
        part = events.read(fields, start, stop)
        assert part.fields == fields
        assert len(part) == last - first
        for name in fields:
            assert_same(part[name], name, expected, first, last)
            assert_same(events.read_column(name, start, stop), name, expected, first, last)


def test_read_column_types(written):
    path, _ = written
    with open_events(path) as events:
        assert isinstance(events.read_column("e_nu_mev", 2, 7), np.ndarray)
        assert isinstance(events.read_column("pe_channel", 2, 7), ak.Array)
        assert read_events(path, "i8").fields == ["i8"]


def test_jagged_read_touches_only_the_requested_slice(written, monkeypatch):
    path, expected = written
    counts, _ = expected["pe_t_ns"]
    selections = []
    original = h5py.Dataset.__getitem__

    def recording(self, args, **kwargs):
        out = original(self, args, **kwargs)
        if self.name.startswith("/events/"):
            selections.append((self.name, np.size(out)))
        return out

    monkeypatch.setattr(h5py.Dataset, "__getitem__", recording)
    with open_events(path) as events:
        events.check_offsets("pe_t_ns")  # once per column: the offsets (8 bytes per event) never decrease
        selections.clear()
        events.read_column("pe_t_ns", 30, 36)
        events.read_column("pe_t_ns", 30, 36)
    assert 0 < counts[30:36].sum() < counts.sum()
    assert selections == [("/events/pe_t_ns/offsets", 7), ("/events/pe_t_ns/data", int(counts[30:36].sum()))] * 2


def test_flat_and_jagged_columns_readable_with_plain_h5py(written):
    path, expected = written
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "simcoh-events"
        assert f.attrs["format_version"] == 1
        assert bool(f.attrs["complete"]) is True
        assert f.attrs["n_events"] == sum(CHUNK_SIZES)
        energy = f["events/e_nu_mev"]
        np.testing.assert_array_equal(energy[:], expected["e_nu_mev"])
        assert energy.attrs["unit"] == "MeV"
        assert energy.attrs["description"] == "neutrino energy"
        offsets, data = f["events/pe_channel/offsets"][:], f["events/pe_channel/data"][:]
    counts, values = expected["pe_channel"]
    np.testing.assert_array_equal(np.diff(offsets), counts)
    np.testing.assert_array_equal(data, values)


def test_file_with_no_events(tmp_path):
    path = write(tmp_path / "empty.h5", [])
    events = read_events(path)
    assert len(events) == 0
    assert events.fields == [c.name for c in COLUMNS]
    assert str(ak.type(events["pulse_area"])) == "0 * var * float64"


@pytest.mark.parametrize("compression", ["gzip", None])
def test_other_compressions(tmp_path, compression):
    chunks, expected = make_chunks(seed=3)
    path = write(tmp_path / "c.h5", chunks, compression=compression)
    events = read_events(path)
    for column in COLUMNS:
        assert_same(events[column.name], column.name, expected)


@settings(max_examples=25, deadline=None)
@given(
    lists=st.lists(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=4), max_size=30),
    cuts=st.lists(st.integers(0, 30), max_size=4),
    window=st.tuples(st.integers(0, 30), st.integers(0, 30)),
)
def test_any_split_into_chunks_reads_back_the_same_lists(lists, cuts, window):
    columns = [Column("hits", "int32", "", "hit values", jagged=True), Column("n", "int64", "", "list length")]
    bounds = [0, *sorted(min(c, len(lists)) for c in cuts), len(lists)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.h5"
        with EventWriter(path, columns, {}, chunk_events=3) as writer:
            for a, b in zip(bounds[:-1], bounds[1:]):
                writer.append({"hits": lists[a:b], "n": [len(x) for x in lists[a:b]]})
            writer.finish()
        start, stop = sorted(min(w, len(lists)) for w in window)
        events = read_events(path, start=start, stop=stop)
    assert events["hits"].to_list() == lists[start:stop]
    assert events["n"].to_list() == [len(x) for x in lists[start:stop]]


# ----------------------------------------------------------------------------- provenance


def test_provenance_round_trip_with_writer_entries(written):
    path, _ = written
    with open_events(path) as events:
        prov = events.provenance
    assert {k: prov[k] for k in PROVENANCE} == PROVENANCE
    versions = prov["versions"]
    assert versions["simcoh"] == simcoh.__version__
    assert versions["python"] == platform.python_version()
    assert versions["numpy"] == np.__version__
    assert versions["awkward"] == ak.__version__
    assert versions["h5py"] == h5py.__version__
    created = datetime.strptime(prov["created_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 3600


def test_provenance_is_readable_with_plain_h5py(written):
    path, _ = written
    with h5py.File(path, "r") as f:
        group = f["provenance"]
        assert group["config_json"].asstr()[()] == PROVENANCE["config_json"]
        assert group["macro_texts"].asstr()[()] == (
            '{"common.mac":"/source/pot 1e23\\n","csi.mac":"/detector/select csi\\n/run/beamOn 100\\n"}'
        )
        assert group.attrs["seed"] == 12345
        assert group.attrs["exposure_pot"] == 3.2e23


def test_seed_beyond_int64_and_numpy_values_survive(tmp_path):
    prov = {"seed": 2**100 + 7, "expected_counts": {"cevns": np.float64(1.5)}, "n": np.int32(4), "ok": True}
    with EventWriter(tmp_path / "s.h5", FLAT[:1], prov) as writer:
        writer.finish()
    with open_events(tmp_path / "s.h5") as events:
        assert events.provenance["seed"] == 2**100 + 7
        assert events.provenance["expected_counts"] == {"cevns": 1.5}
        assert events.provenance["n"] == 4
        assert events.provenance["ok"] is True


@pytest.mark.parametrize(
    "prov, error, words",
    [
        ({"versions": {}}, ValueError, "filled by the event writer"),
        ({"bad": object()}, TypeError, "provenance entry 'bad'"),
        ({"expected_counts": {"cevns": float("nan")}}, ValueError, "expected_counts"),
        ({"a/b": 1}, ValueError, "'a/b'"),
    ],
)
def test_unstorable_provenance_is_refused_and_nothing_is_left(tmp_path, prov, error, words):
    with pytest.raises(error, match=words):
        EventWriter(tmp_path / "p.h5", FLAT[:1], prov)
    assert files_in(tmp_path) == []


# ----------------------------------------------------------------------------- overwrite protection


def test_refuses_to_overwrite_a_complete_file(written):
    path, _ = written
    before = path.read_bytes()
    with pytest.raises(OutputExistsError) as info:
        EventWriter(path, COLUMNS, PROVENANCE)
    message = str(info.value)
    assert "complete simcoh event file" in message
    assert "/output/overwrite true" in message and "--overwrite" in message
    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


@pytest.mark.parametrize(
    "content, words", [(b"just text\n", "not a simcoh event file"), (None, "incomplete simcoh event file")]
)
def test_refusal_says_what_the_existing_file_is(tmp_path, content, words):
    path = tmp_path / "old.h5"
    if content is None:
        with h5py.File(path, "w") as f:
            f.attrs.update(format="simcoh-events", format_version=1, complete=False)
            f.create_group("events").attrs["columns"] = "[]"
    else:
        path.write_bytes(content)
    with pytest.raises(OutputExistsError, match=words):
        EventWriter(path, FLAT, {})


def test_overwrite_true_replaces_the_file(written, tmp_path):
    path = tmp_path / "replace.h5"
    path.write_bytes(written[0].read_bytes())
    chunks, expected = make_chunks(seed=11)
    write(path, chunks[:2], overwrite=True)
    with open_events(path) as events:
        assert events.n_events == CHUNK_SIZES[0] + CHUNK_SIZES[1]
        assert_same(events.read_column("e_nu_mev"), "e_nu_mev", expected, 0, events.n_events)
    assert files_in(tmp_path) == ["replace.h5"]


def test_file_appearing_during_the_run_is_not_replaced(tmp_path):
    path = tmp_path / "race.h5"
    writer = EventWriter(path, FLAT[:1], {})
    writer.append({"i8": np.arange(4, dtype=np.int8)})
    path.write_bytes(b"someone else's file")
    with pytest.raises(OutputExistsError, match="finished events are in"):
        writer.finish()
    assert path.read_bytes() == b"someone else's file"
    kept = [p for p in tmp_path.iterdir() if p != path]
    assert len(kept) == 1
    np.testing.assert_array_equal(read_events(kept[0])["i8"], np.arange(4))


@pytest.mark.parametrize("where", ["missing/dir/out.h5", "."])
def test_output_location_must_be_usable(tmp_path, where):
    with pytest.raises(InputError, match="does not exist|is a directory"):
        EventWriter(tmp_path / where, FLAT, {})


# ----------------------------------------------------------------------------- nothing half-written


def test_nothing_at_path_until_finish(tmp_path):
    path = tmp_path / "run.h5"
    with EventWriter(path, FLAT[:1], {}) as writer:
        writer.append({"i8": np.zeros(3, np.int8)})
        assert not path.exists()
        assert writer.temp_path.parent == tmp_path and writer.temp_path.name.startswith(".run.h5.partial.")
        writer.finish()
    assert files_in(tmp_path) == ["run.h5"]


def test_abort_leaves_nothing(tmp_path):
    writer = EventWriter(tmp_path / "a.h5", FLAT[:1], {})
    writer.append({"i8": np.zeros(3, np.int8)})
    writer.abort()
    writer.abort()  # harmless twice
    assert files_in(tmp_path) == []
    with pytest.raises(SimcohError, match="aborted"):
        writer.append({"i8": np.zeros(3, np.int8)})


def test_exception_in_with_block_discards_the_file(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with EventWriter(tmp_path / "e.h5", FLAT[:1], {}) as writer:
            writer.append({"i8": np.zeros(3, np.int8)})
            raise RuntimeError("boom")
    assert files_in(tmp_path) == []


def test_leaving_with_block_without_finish_is_an_error(tmp_path):
    with pytest.raises(SimcohError, match="without finish"):
        with EventWriter(tmp_path / "f.h5", FLAT[:1], {}) as writer:
            writer.append({"i8": np.zeros(3, np.int8)})
    assert files_in(tmp_path) == []


def test_bad_summary_can_be_fixed_and_finished(tmp_path):
    with EventWriter(tmp_path / "s.h5", FLAT[:1], {}) as writer:
        writer.append({"i8": np.arange(3, dtype=np.int8)})
        with pytest.raises(TypeError, match="summary entry 'when'"):
            writer.finish({"when": datetime.now()})
        writer.finish({"generated": 3})
    with open_events(tmp_path / "s.h5") as events:
        assert events.summary == {"generated": 3}
        assert events.n_events == 3


def test_no_appends_after_finish(tmp_path):
    with EventWriter(tmp_path / "g.h5", FLAT[:1], {}) as writer:
        writer.finish()
    with pytest.raises(SimcohError, match="finished"):
        writer.append({"i8": np.zeros(1, np.int8)})


CHILD = """
import sys, time
import numpy as np
from simcoh.io import Column, EventWriter

columns = [Column("x", "float64", "", "x"), Column("hits", "int32", "", "hits", jagged=True)]
with EventWriter(sys.argv[1], columns, {"seed": 1}) as writer:
    for k in range(100):
        writer.append({"x": np.arange(10 * k, 10 * k + 10, dtype=float), "hits": [[k] * j for j in range(10)]})
        writer.flush()
        print("flushed", k + 1, flush=True)
        time.sleep(0.1 if k < 2 else 60)
    writer.finish()
"""


def test_sigkill_leaves_no_file_at_path(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    out = tmp_path / "out"
    out.mkdir()
    path = out / "killed.h5"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        for line in child.stdout:
            if line.strip() == "flushed 3":
                break
        else:
            pytest.fail(f"the writing child ended early with code {child.wait()}")
        assert not path.exists()
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()

    assert not path.exists()
    leftovers = list(out.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".killed.h5.partial.")
    with h5py.File(leftovers[0], "r") as f:
        assert bool(f.attrs["complete"]) is False
    with pytest.raises(IncompleteFileError, match="incomplete.*interrupted"):
        open_events(leftovers[0])
    with open_events(leftovers[0], allow_incomplete=True) as events:
        assert not events.complete
        assert events.n_events == 30
        np.testing.assert_array_equal(events.read_column("x"), np.arange(30.0))
        assert events.read_column("hits", 10, 13).to_list() == [[], [1], [1, 1]]


# ----------------------------------------------------------------------------- reader errors


def test_incomplete_file_is_refused_unless_allowed(tmp_path):
    path = tmp_path / "half.h5"
    with h5py.File(path, "w") as f:
        f.attrs.update(format="simcoh-events", format_version=1, complete=False)
        f.create_group("events").attrs["columns"] = '["x"]'
        f["events"].create_dataset("x", data=np.arange(3.0)).attrs.update(unit="", description="x")
    with pytest.raises(IncompleteFileError, match="incomplete") as info:
        open_events(path)
    assert "allow_incomplete=True" in str(info.value)
    with open_events(path, allow_incomplete=True) as events:
        assert events.n_events == 3
    assert "INCOMPLETE" in describe_file(path)


def test_not_hdf5_not_simcoh_newer_format_missing(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("hello")
    with pytest.raises(EventFileError, match="not an HDF5 file"):
        open_events(text)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(EventFileError, match="not a simcoh event file"):
        open_events(other)
    future = tmp_path / "future.h5"
    with h5py.File(future, "w") as f:
        f.attrs.update(format="simcoh-events", format_version=99, complete=True)
    with pytest.raises(EventFileError, match="format version 99"):
        open_events(future)
    with pytest.raises(FileNotFoundError, match="no such file"):
        open_events(tmp_path / "absent.h5")


def test_unknown_field_suggests_the_closest(written):
    path, _ = written
    with open_events(path) as events:
        with pytest.raises(InputError, match="no field 'e_nu_mve'.*did you mean 'e_nu_mev'"):
            events.read(["t_ns", "e_nu_mve"])
        with pytest.raises(InputError, match="no field 'energy'"):
            events.read_column("energy")


@pytest.mark.parametrize("start, stop", [(0, 1000), (10, 5), (-100, None), (None, -2), (60, 70), (-5, 1000)])
def test_event_range_is_clamped_like_a_slice(written, start, stop):
    """start/stop past either end are clamped as numpy slicing clamps them (52 events in the file)."""
    path, expected = written
    ids = expected["event_id"][start:stop]
    with open_events(path) as events:
        assert events.read(start=start, stop=stop)["event_id"].to_list() == ids.tolist()
        flat = events.read_numpy(["event_id", "t_ns"], start=start, stop=stop)
    assert isinstance(flat["event_id"], np.ndarray) and flat["event_id"].tolist() == ids.tolist()
    assert len(read_events(path, start=start, stop=stop)) == len(ids)


def test_read_rejects_non_integer_bounds(written):
    path, _ = written
    with open_events(path) as events, pytest.raises(TypeError, match="integers or None"):
        events.read(start=1.5)


def test_flat_columns_read_as_numpy(written):
    """read() gives NumPy-backed flat fields (no copy); read_numpy() gives plain arrays, jagged ones stay awkward,
    so NumPy reductions give NumPy results."""
    path, _ = written
    with open_events(path) as events:
        record = events.read()
        columns = events.read_numpy()
        jagged = [name for name, c in events.columns.items() if c.jagged]
    t = record["t_ns"].to_numpy()
    assert isinstance(t, np.ndarray) and np.shares_memory(t, np.asarray(record["t_ns"]))
    counts, _ = np.histogram(columns["i32"], bins=5)
    assert isinstance(counts, np.ndarray) and counts.sum() == 52
    assert jagged and all(isinstance(columns[name], ak.Array) for name in jagged)


# ----------------------------------------------------------------------------- chunk and column errors


def good_chunk(n=3):
    return {"x": np.arange(n, dtype=float), "hits": [[1]] * n}


XH = [Column("x", "float64", "", "x"), Column("hits", "int16", "", "hits", jagged=True)]


@pytest.mark.parametrize(
    "chunk, error, words",
    [
        ({"x": np.zeros(3)}, ValueError, "missing column.*hits"),
        ({**good_chunk(), "hitz": [[1]] * 3}, ValueError, "undeclared column 'hitz'.*did you mean 'hits'"),
        ({"x": np.zeros(4), "hits": [[1]] * 3}, ValueError, "same number of events.*x=4, hits=3"),
        ({"x": np.zeros((3, 2)), "hits": [[1]] * 3}, ValueError, "'x' holds one number per event"),
        ({"x": np.zeros(3), "hits": np.zeros(3)}, ValueError, "'hits' is jagged"),
        ({"x": np.zeros(3), "hits": [[1], None, [2]]}, ValueError, "missing values"),
        ({"x": np.zeros(3), "hits": [[1.5], [], [2]]}, TypeError, "declared int16 but the chunk holds float64"),
        ({"x": np.zeros(3), "hits": [[1], [], [40000]]}, ValueError, "declared int16"),
        ([1, 2, 3], TypeError, "dict of column name"),
    ],
)
def test_bad_chunks_are_refused_and_the_writer_stays_usable(tmp_path, chunk, error, words):
    path = tmp_path / "c.h5"
    with EventWriter(path, XH, {}) as writer:
        with pytest.raises(error, match=words):
            writer.append(chunk)
        writer.append(good_chunk())
        writer.finish()
    events = read_events(path)
    assert events["x"].to_list() == [0.0, 1.0, 2.0]
    assert events["hits"].to_list() == [[1], [1], [1]]


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Column("1x", "float64", "", ""), "not allowed"),
        (lambda: Column("a/b", "float64", "", ""), "not allowed"),
        (lambda: Column("s", "U8", "", ""), "not supported"),
        (lambda: Column("c", "complex128", "", ""), "not supported"),
        (lambda: Column("o", "no-such-type", "", ""), "not a numpy dtype"),
        (lambda: Column("u", "float64", None, ""), "unit must be a string"),
    ],
)
def test_bad_column_declarations(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_bad_writer_arguments(tmp_path):
    with pytest.raises(ValueError, match="declared twice"):
        EventWriter(tmp_path / "a.h5", [XH[0], XH[0]], {})
    with pytest.raises(ValueError, match="non-empty list"):
        EventWriter(tmp_path / "a.h5", [], {})
    with pytest.raises(ValueError, match="compression 'zstd'"):
        EventWriter(tmp_path / "a.h5", XH, {}, compression="zstd")
    with pytest.raises(ValueError, match="chunk_events"):
        EventWriter(tmp_path / "a.h5", XH, {}, chunk_events=0)
    assert files_in(tmp_path) == []


def test_failed_write_stops_the_writer(tmp_path, monkeypatch):
    from simcoh.io.chunk_stream import ChunkStream

    calls = []
    original = ChunkStream.grow

    def failing(stream):
        calls.append(stream.dataset.name)
        if len(calls) == 2:  # the second dataset of the first append
            raise OSError("disk full")
        original(stream)

    monkeypatch.setattr(ChunkStream, "grow", failing)
    with pytest.raises(SimcohError, match="without finish"):
        with EventWriter(tmp_path / "d.h5", XH, {}) as writer:
            with pytest.raises(OSError, match="disk full"):
                writer.append(good_chunk())
            with pytest.raises(SimcohError, match="broken by a failed write"):
                writer.append(good_chunk())
    assert files_in(tmp_path) == []



# ----------------------------------------------------------------------------- info


def test_describe_file_lists_what_a_physicist_needs(written):
    path, _ = written
    text = describe_file(path)
    assert "complete" in text and "INCOMPLETE" not in text
    assert "events:       52" in text
    for column in COLUMNS:
        line = next(line for line in text.splitlines() if line.split()[:1] == [column.name])
        assert column.description in line
        if column.unit:
            assert f" {column.unit} " in line
    assert "var * float32" in text
    assert PROVENANCE["config_hash"] in text
    assert "seed:         12345" in text
    assert "3.2e+23 POT" in text
    rows = [line.split() for line in text.splitlines()]
    assert ["cevns", "-", "306.5"] in rows and ["brn", "-", "17.25"] in rows  # process, generated, expected
    assert f"numpy {np.__version__}" in text and f"simcoh {simcoh.__version__}" in text


@pytest.mark.parametrize("compression, compressed", [("lzf", True), ("gzip", True), (None, False)])
def test_compression_is_applied(tmp_path, compression, compressed):
    path = tmp_path / "z.h5"
    with EventWriter(path, [Column("zero", "float64", "", "zeros")], {}, compression=compression) as writer:
        writer.append({"zero": np.zeros(100_000)})
        writer.finish()
    with open_events(path) as events:
        stored = events.stored_bytes("zero")
    assert (stored < 80_000) if compressed else (stored >= 800_000)


def test_fixed_shape_column_round_trip(tmp_path):
    """Waveform-like columns: one fixed-length int16 array per event, written in chunks, read by range."""
    from simcoh.io import Column, EventWriter, open_events

    rng = np.random.default_rng(5)
    cols = [Column("x", "float64", "", "a flat column"), Column("wf", "int16", "ADC", "samples", shape=(37,))]
    parts = [rng.integers(-300, 300, size=(n, 37)).astype(np.int16) for n in (5, 0, 11, 3)]
    path = tmp_path / "wf.h5"
    with EventWriter(path, cols, {}) as w:
        for p in parts:
            w.append({"x": np.arange(len(p), dtype=float), "wf": p})
        w.finish()
    expected = np.concatenate(parts)
    with open_events(path) as f:
        assert f.columns["wf"].shape == (37,) and f.columns["wf"].unit == "ADC"
        np.testing.assert_array_equal(f.read_column("wf"), expected)
        np.testing.assert_array_equal(f.read_column("wf", 4, 9), expected[4:9])
        np.testing.assert_array_equal(np.asarray(f.read(["wf"], 2, 6)["wf"]), expected[2:6])
    with h5py.File(path) as raw:  # plain h5py sees an (n_events, 37) dataset
        assert raw["events/wf"].shape == (19, 37)
    with pytest.raises(ValueError, match=r"array of shape \(37,\) per event"):
        with EventWriter(tmp_path / "bad.h5", cols, {}) as w:
            w.append({"x": np.zeros(2), "wf": np.zeros((2, 36), np.int16)})

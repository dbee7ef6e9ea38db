"""Damaged event files (issue 16, item 3): every damage gives an EventFileError naming the file, the object and
what is wrong; `simcoh info` prints it without a traceback; checksums catch changed values and metadata."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from simcoh.cli import main
from simcoh.io import Column, EventFileError, EventWriter, open_events, read_events
from simcoh.io.checksum import DATASET_ATTR, METADATA_ATTR, ROOT_ATTR

COLUMNS = [
    Column("event_id", "int64", "", "event number"),
    Column("t_ns", "float64", "ns", "arrival time"),
    Column("wave", "float32", "ADC", "samples", shape=(4,)),
    Column("pe_t_ns", "float32", "ns", "photoelectron times", jagged=True),
]
N_EVENTS = 60


def write_file(path, n_events: int = N_EVENTS, seed: int = 16):
    """A small valid file in several HDF5 chunks; event i has i % 9 photoelectrons."""
    rng = np.random.default_rng(seed)
    counts = np.arange(n_events) % 9
    with EventWriter(path, COLUMNS, {"seed": seed, "settings": {"a": [1, 2]}}, chunk_events=16) as w:
        for first in range(0, n_events, 25):
            ids = np.arange(first, min(first + 25, n_events))
            w.append({"event_id": ids, "t_ns": rng.random(len(ids)), "wave": rng.random((len(ids), 4), np.float32),
                      "pe_t_ns": [rng.random(counts[i]).astype(np.float32) for i in ids]})
        w.finish({"n": n_events})
    return path


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    return write_file(tmp_path_factory.mktemp("damaged") / "valid.h5")


@pytest.fixture
def copy(valid, tmp_path):
    path = tmp_path / "damaged.h5"
    shutil.copy(valid, path)
    return path


def _delete_column(f):
    del f["events/t_ns"]


def _delete_unit(f):
    del f["events/t_ns"].attrs["unit"]


def _corrupt_columns(f):
    f["events"].attrs["columns"] = '["event_id", "t_ns"'


def _columns_not_a_list(f):
    f["events"].attrs["columns"] = '{"event_id": 1}'


def _bad_form(f):
    f["events/pe_t_ns"].attrs["form"] = '{"class": "NoSuchForm"}'


def _form_of_records(f):
    f["events/pe_t_ns"].attrs["form"] = '{"class": "RecordArray", "fields": [], "contents": []}'


def _format_version_abc(f):
    f.attrs["format_version"] = "abc"


def _bad_provenance_json(f):
    del f["provenance/settings"]
    f["provenance"].create_dataset("settings", data='{"a": [1, 2', dtype=h5py.string_dtype())
    f["provenance/settings"].attrs["encoding"] = "json"


def _tampered_offsets(f):
    offsets = f["events/pe_t_ns/offsets"]
    offsets[3] = offsets[10] + 5


def _offsets_past_data(f):
    f["events/pe_t_ns/offsets"][-1] = 10**6


def _short_column(f):
    f["events/t_ns"].resize((N_EVENTS - 5,))


def _n_events_text(f):
    f.attrs["n_events"] = "sixty"


def _data_as_text(f):
    del f["events/t_ns"]
    f["events"].create_dataset("t_ns", data=np.array([b"x"] * N_EVENTS))
    f["events/t_ns"].attrs.update(unit="ns", description="arrival time")


def _missing_offsets(f):
    del f["events/pe_t_ns/offsets"]


# (damage, the object the error names, words of what is wrong)
DAMAGES = [
    (_delete_column, "/events/t_ns", "missing"),
    (_delete_unit, "/events/t_ns", "attribute 'unit' is missing"),
    (_corrupt_columns, "/events attribute 'columns'", "not valid JSON"),
    (_columns_not_a_list, "/events attribute 'columns'", "expected a JSON list of column names"),
    (_bad_form, "/events/pe_t_ns attribute 'form'", "not an awkward form"),
    (_form_of_records, "/events/pe_t_ns attribute 'form'", "expected a list of numbers"),
    (_format_version_abc, "root attribute 'format_version'", "expected an integer (1), found 'abc'"),
    (_bad_provenance_json, "/provenance", "entry 'settings' is not valid JSON"),
    (_tampered_offsets, "/events/pe_t_ns/offsets", "offsets[4] = 6 is less than offsets[3] = 41"),
    (_offsets_past_data, "/events/pe_t_ns/offsets", "the last offset is 1000000"),
    (_short_column, "/events/t_ns", "holds 55 events, the file says 60"),
    (_n_events_text, "root attribute 'n_events'", "expected a count of events"),
    (_data_as_text, "/events/t_ns", "expected numbers"),
    (_missing_offsets, "/events/pe_t_ns/offsets", "missing"),
]


@pytest.mark.parametrize("damage, where, what", DAMAGES, ids=[d[0].__name__.strip("_") for d in DAMAGES])
def test_damage_is_an_event_file_error_naming_file_object_and_problem(copy, damage, where, what, capsys):
    with h5py.File(copy, "r+") as f:
        damage(f)
    with pytest.raises(EventFileError) as info:
        read_events(copy)
    message = str(info.value)
    assert str(copy) in message and where in message and what in message, message
    assert "write it again" in message or "simcoh version" in message  # a suggestion
    assert info.value.file == str(copy) and info.value.dataset == where
    assert main(["info", str(copy)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and where in err and "Traceback" not in err


def test_tampered_offsets_never_read_as_107_photoelectrons(copy):
    """The issue's case: offsets[3] = offsets[10] + 5 made event 2 read 107 PE instead of 7 without an error."""
    with h5py.File(copy, "r+") as f:
        _tampered_offsets(f)
    with open_events(copy) as events:
        for start, stop in ((2, 3), (0, None), (3, 4), (40, 50)):
            with pytest.raises(EventFileError, match=r"offsets\[4\]"):
                events.read_column("pe_t_ns", start, stop)


def test_file_with_root_attributes_only(valid, tmp_path, capsys):
    path = tmp_path / "root-only.h5"
    with h5py.File(valid) as src, h5py.File(path, "w") as f:
        f.attrs.update(dict(src.attrs))
    with pytest.raises(EventFileError, match=r"root-only.h5: /events: the group of the event columns is missing"):
        open_events(path)
    assert main(["info", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_changed_values_are_caught_by_checksums(copy, capsys):
    with h5py.File(copy, "r+") as f:
        f["events/t_ns"][7] = 0.5
    with open_events(copy) as events:
        events.read_column("t_ns", 0, 5)  # a partial read out of order is not checked
        with pytest.raises(EventFileError, match=r"/events/t_ns: the values read differ from those written"):
            events.read()
    with open_events(copy) as events:  # reading in order, in blocks (as merge does), checks too
        events.read_column("t_ns", 0, 30)
        with pytest.raises(EventFileError, match=r"/events/t_ns: the values read differ"):
            events.read_column("t_ns", 30, None)
    assert main(["info", "--verify", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "checksums: 4 of 5 datasets OK" in out and "/events/t_ns" in out and "DIFFERS" in out


def test_changed_unit_or_provenance_is_caught_by_the_metadata_checksum(copy):
    with h5py.File(copy, "r+") as f:
        f["events/t_ns"].attrs["unit"] = "us"
    with pytest.raises(EventFileError, match="metadata .* checksum differs"):
        open_events(copy)


def test_info_verify_reports_ok(valid, capsys):
    assert main(["info", "--verify", str(valid)]) == 0
    out = capsys.readouterr().out
    assert "checksums: 5 of 5 datasets OK" in out and "/events/pe_t_ns/offsets  OK" in out


def test_files_without_checksums_still_read(copy, valid, capsys):
    with h5py.File(copy, "r+") as f:
        for key in (ROOT_ATTR, METADATA_ATTR):
            del f.attrs[key]
        for name in ("events/event_id", "events/t_ns", "events/wave", "events/pe_t_ns/offsets",
                     "events/pe_t_ns/data"):
            del f[name].attrs[DATASET_ATTR]
    assert read_events(copy).to_list() == read_events(valid).to_list()
    assert main(["info", "--verify", str(copy)]) == 0
    assert "no checksums" in capsys.readouterr().out


def test_checksum_attribute_removed_from_one_dataset(copy):
    with h5py.File(copy, "r+") as f:
        del f["events/wave"].attrs[DATASET_ATTR]
    with pytest.raises(EventFileError, match="/events/wave: the attribute 'checksum' is missing"):
        open_events(copy)


def test_truncated_file(valid, tmp_path, capsys):
    path = tmp_path / "cut.h5"
    path.write_bytes(valid.read_bytes()[: valid.stat().st_size // 2])
    with pytest.raises(EventFileError, match="cut.h5"):
        read_events(path)
    assert main(["info", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err

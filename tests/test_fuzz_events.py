"""Fuzzing the event-file reader (issue 16, "Done when"): random damage to a valid file must give an
EventFileError naming the file, or a read equal to the undamaged file's; never another exception, never
silently different data or metadata. A few hundred cases here; ``-m slow`` runs 10,000.

Damage is done through h5py (objects and attributes deleted or changed, values changed, datasets resized or
retyped), by flipping bytes inside the stored chunks of the event data, and by truncating the file. Bytes of
HDF5's own metadata are not flipped: the HDF5 library itself can crash or hang on some of those (in a call
as plain as reading a root attribute), which no reader built on it can turn into an error."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simcoh.io import EventFileError, describe_file, open_events
from simcoh.io.info import verify_file

from test_damaged import write_file

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)


class Original:
    """The valid file's bytes and contents, and the path to damage copies at (a short repr for hypothesis)."""

    def __init__(self, valid, path):
        self.data, self.contents, self.path = valid.read_bytes(), _contents(valid), path

    def __repr__(self) -> str:
        return "<valid event file>"


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    valid = write_file(tmp_path_factory.mktemp("fuzz") / "valid.h5")
    return Original(valid, tmp_path_factory.mktemp("fuzzed") / "fuzzed.h5")


def _contents(path):
    """Everything a reader gives: fields and their declarations, counts, provenance, summary, events."""
    with open_events(path) as events:
        declared = {n: (c.unit, c.description, str(c.dtype), c.jagged, c.shape) for n, c in events.columns.items()}
        return (events.fields, declared, events.n_events, events.provenance, events.summary,
                events.read().to_list())


def _objects(f):
    names = []
    f.visit(names.append)
    return sorted(names)


def _datasets(f):
    return [n for n in _objects(f) if isinstance(f[n], h5py.Dataset) and f[n].shape]


ATTRIBUTE_VALUES = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True), st.booleans(), st.text(max_size=30),
    st.sampled_from(["[]", "[\"t_ns\"]", "[\"event_id\", \"event_id\"]", "{}", "null", "abc", "1",
                     '{"class": "ListOffsetArray", "offsets": "i32", "content": "float32"}',
                     '{"class": "ListOffsetArray", "offsets": "i64", "content": "float64"}', "crc32:00000000"]),
)


@st.composite
def damages(draw):
    """One damage: (kind, choices) applied by :func:`_apply`."""
    kind = draw(st.sampled_from(["del_object", "del_attr", "set_attr", "set_value", "resize", "retype",
                                 "flip_bytes", "truncate"]))
    return kind, draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6)), draw(ATTRIBUTE_VALUES)


def _chunk_regions(path) -> list[tuple[int, int]]:
    """(byte offset, size) of every stored chunk of the event datasets."""
    regions = []
    try:
        with h5py.File(path) as f:
            for name in _datasets(f):
                d = f[name]
                if name.startswith("events/") and d.chunks is not None:
                    for i in range(d.id.get_num_chunks()):
                        info = d.id.get_chunk_info(i)
                        regions.append((info.byte_offset, info.size))
    except (OSError, KeyError, ValueError, RuntimeError):
        pass
    return [r for r in regions if r[1] > 0]


def _apply(path, damage) -> None:
    kind, a, b, value = damage
    if path.stat().st_size == 0:
        return
    if kind == "flip_bytes":  # inside the stored (compressed) chunks of the event data
        regions = _chunk_regions(path)
        if regions:
            start, size = regions[a % len(regions)]
            data = bytearray(path.read_bytes())
            for i in range(1 + b % 4):
                data[start + (a // len(regions) + 7919 * i) % size] ^= 1 + (b >> 3) % 255
            path.write_bytes(bytes(data))
        return
    if kind == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: a % len(data)])
        return
    with h5py.File(path, "r+") as f:
        objects, datasets = _objects(f), _datasets(f)
        if not datasets and kind in ("set_value", "resize", "retype"):
            return
        if kind == "del_object" and objects:
            del f[objects[a % len(objects)]]
        elif kind in ("del_attr", "set_attr"):
            owners = [f] + [f[n] for n in objects]
            pairs = [(o, k) for o in owners for k in sorted(o.attrs)]
            if not pairs:
                return
            owner, key = pairs[a % len(pairs)]
            if kind == "del_attr":
                del owner.attrs[key]
            else:
                owner.attrs[key] = value
        elif kind == "set_value":
            d = f[datasets[a % len(datasets)]]
            if not d.shape or d.shape[0] == 0:  # an earlier damage emptied it: nothing to change
                return
            number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else b - 500
            try:
                with np.errstate(all="ignore"):
                    d[b % d.shape[0]] = np.asarray(number).astype(d.dtype, casting="unsafe")
            except (TypeError, ValueError, OverflowError):
                d[b % d.shape[0]] = d[b % d.shape[0]] + 1
        elif kind == "resize":
            name = datasets[a % len(datasets)]
            d = f[name]
            if d.chunks is not None:
                d.resize(b % (2 * d.shape[0] + 2), axis=0)
        elif kind == "retype":
            name = datasets[a % len(datasets)]
            values, attrs = f[name][()], dict(f[name].attrs)
            del f[name]
            dtype = [np.int32, np.float32, np.uint8, np.float64, np.int64][b % 5]
            with np.errstate(all="ignore"):
                f.create_dataset(name, data=np.asarray(values).astype(dtype, casting="unsafe"))
            f[name].attrs.update(attrs)


def _check(path, expected) -> None:
    try:
        found = _contents(path)
        describe_file(path)
        verify_file(path)
    except EventFileError as err:
        assert str(path) in str(err), err
        return
    assert found == expected, "a damaged file read without error but gave other contents"


def _fuzz(original, damage_list):
    expected, path = original.contents, original.path
    path.write_bytes(original.data)
    for damage in damage_list:
        try:
            _apply(path, damage)
        except (OSError, KeyError, ValueError, TypeError, RuntimeError):
            pass  # h5py could not make this damage (e.g. in a file an earlier damage broke): fine
    _check(path, expected)


@settings(max_examples=300, **SETTINGS)
@given(st.lists(damages(), min_size=1, max_size=2))
def test_random_damage_gives_event_file_error_or_the_right_events(original, damage_list):
    _fuzz(original, damage_list)


@pytest.mark.slow
@settings(max_examples=10_000, **SETTINGS)
@given(st.lists(damages(), min_size=1, max_size=3))
def test_random_damage_many_cases(original, damage_list):
    _fuzz(original, damage_list)

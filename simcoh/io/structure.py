"""Checking the structure of an event file as it is opened and read: every attribute, column and offset the
reader relies on, each problem an :class:`EventFileError` naming the file, the object and what is wrong."""

from __future__ import annotations

import json

import awkward as ak
import h5py
import numpy as np

from ..columns import Column
from .checksum import ALGORITHM, DATASET_ATTR, METADATA_ATTR, ROOT_ATTR, metadata_checksum
from .format import DATA, EVENTS, FORMAT_VERSION, OFFSETS, damaged

OFFSET_BLOCK = 1 << 20  # offsets checked at a time


def integer(value) -> int | None:
    """``value`` as an int if it is an integer (not a bool), else None."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        return None
    return int(value)


def text_attribute(path, obj, key: str, where: str) -> str:
    if key not in obj.attrs:
        raise damaged(path, where, f"the attribute '{key}' is missing")
    value = obj.attrs[key]
    if isinstance(value, (bytes, np.bytes_)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise damaged(path, where, f"the attribute '{key}' is not UTF-8 text") from None
    if not isinstance(value, str):
        raise damaged(path, where, f"the attribute '{key}' should be text, not {type(value).__name__} {value!r}")
    return value


def check_root(path, attrs) -> tuple[bool, int | None]:
    """``complete`` and the recorded ``n_events`` (None if not recorded) of a simcoh file's root attributes."""
    version = attrs.get("format_version")
    if integer(version) is None:
        raise damaged(path, "root attribute 'format_version'", f"expected an integer ({FORMAT_VERSION}), found "
                      f"{version!r}")
    if integer(version) != FORMAT_VERSION:
        raise damaged(path, "root attribute 'format_version'",
                      f"the file has event-file format version {version}, this simcoh reads version {FORMAT_VERSION} "
                      f"(written by simcoh {attrs.get('simcoh_version', '?')})",
                      "read it with the simcoh version that wrote it")
    complete = attrs.get("complete", False)
    if not isinstance(complete, (bool, np.bool_)):
        raise damaged(path, "root attribute 'complete'", f"expected true or false, found {complete!r}")
    n_events = attrs.get("n_events")
    if n_events is not None and (integer(n_events) is None or integer(n_events) < 0):
        raise damaged(path, "root attribute 'n_events'", f"expected a count of events (integer >= 0), found "
                      f"{n_events!r}")
    if complete and n_events is None:
        raise damaged(path, "root attribute 'n_events'", "missing in a file marked complete")
    return bool(complete), integer(n_events)


def column_names(path, f: h5py.File, complete: bool) -> list[str]:
    if EVENTS not in f or not isinstance(f[EVENTS], h5py.Group):
        raise damaged(path, f"/{EVENTS}", "the group of the event columns is missing")
    text = text_attribute(path, f[EVENTS], "columns", f"/{EVENTS}")
    try:
        names = json.loads(text)
    except ValueError as err:
        raise damaged(path, f"/{EVENTS} attribute 'columns'", f"not valid JSON ({err})") from None
    if not (isinstance(names, list) and (names or not complete) and all(isinstance(n, str) and n and "/" not in n for n in names)):
        raise damaged(path, f"/{EVENTS} attribute 'columns'", f"expected a JSON list of column names, found "
                      f"{text[:80]!r}")
    if len(set(names)) != len(names):
        raise damaged(path, f"/{EVENTS} attribute 'columns'", "a column is listed twice")
    return names


def jagged_form(path, group: h5py.Group, where: str) -> ak.forms.Form:
    text = text_attribute(path, group, "form", where)
    try:
        form = ak.forms.from_json(text)
    except Exception as err:  # awkward raises several types for bad JSON or an unknown form
        raise damaged(path, f"{where} attribute 'form'", f"not an awkward form ({type(err).__name__}: {err})") from None
    if not (isinstance(form, ak.forms.ListOffsetForm) and form.offsets == "i64"
            and isinstance(form.content, ak.forms.NumpyForm) and form.content.inner_shape == ()):
        raise damaged(path, f"{where} attribute 'form'", f"expected a list of numbers with int64 offsets, found "
                      f"{text[:120]!r}")
    return form


def _dataset(path, obj, where: str, ndim: int | None = None) -> h5py.Dataset:
    if not isinstance(obj, h5py.Dataset):
        raise damaged(path, where, "expected a dataset, found a group")
    if obj.shape is None or (ndim is not None and len(obj.shape) != ndim) or len(obj.shape) < 1:
        raise damaged(path, where, f"expected a {ndim or 'one'}-dimensional dataset, found shape {obj.shape}")
    if obj.dtype.kind not in "biufc":
        raise damaged(path, where, f"expected numbers, found data of type {obj.dtype}")
    return obj


def column(path, events: h5py.Group, name: str) -> Column:
    """The declaration of column ``name``, after checking its objects and attributes."""
    where = f"/{EVENTS}/{name}"
    if name not in events:
        raise damaged(path, where, "the column is listed in /events attribute 'columns' but missing")
    obj = events[name]
    unit = text_attribute(path, obj, "unit", where)
    description = text_attribute(path, obj, "description", where)
    if isinstance(obj, h5py.Group):
        form = jagged_form(path, obj, where)
        for part in (OFFSETS, DATA):
            if part not in obj:
                raise damaged(path, f"{where}/{part}", "missing (a list column holds 'offsets' and 'data')")
        offsets = _dataset(path, obj[OFFSETS], f"{where}/{OFFSETS}", 1)
        data = _dataset(path, obj[DATA], f"{where}/{DATA}", 1)
        if offsets.dtype != np.int64:
            raise damaged(path, f"{where}/{OFFSETS}", f"expected int64 offsets, found {offsets.dtype}")
        dtype = np.dtype(ak.types.numpytype.primitive_to_dtype(form.content.primitive))
        if data.dtype != dtype:
            raise damaged(path, f"{where}/{DATA}", f"its type {data.dtype} differs from the form's {dtype}")
        return Column(name, dtype, unit, description, jagged=True, shape=())
    obj = _dataset(path, obj, where)
    return Column(name, obj.dtype, unit, description, jagged=False, shape=tuple(obj.shape[1:]))


def check_lengths(path, events: h5py.Group, columns: dict[str, Column], n_events: int, complete: bool) -> None:
    """Every column holds ``n_events`` events (complete files); offsets start at 0 and end at the data's end."""
    for name, col in columns.items():
        where = f"/{EVENTS}/{name}"
        if not col.jagged:
            if complete and events[name].shape[0] != n_events:
                raise damaged(path, where, f"holds {events[name].shape[0]} events, the file says {n_events}")
            continue
        offsets, size = events[name][OFFSETS], events[name][DATA].shape[0]
        if complete and offsets.shape[0] != n_events + 1:
            raise damaged(path, f"{where}/{OFFSETS}", f"has {offsets.shape[0]} entries; {n_events} events need "
                          f"{n_events + 1}")
        if offsets.shape[0] and int(offsets[0]) != 0:
            raise damaged(path, f"{where}/{OFFSETS}", f"offsets[0] is {int(offsets[0])}, not 0")
        if complete and int(offsets[-1]) != size:
            raise damaged(path, f"{where}/{OFFSETS}", f"the last offset is {int(offsets[-1])} but the data hold "
                          f"{size} numbers")


def check_offsets(path, group: h5py.Group, where: str) -> None:
    """Offsets never decrease and stay within the data (read in blocks)."""
    offsets, size = group[OFFSETS], group[DATA].shape[0]
    previous = 0
    for start in range(0, offsets.shape[0], OFFSET_BLOCK):
        block = offsets[start:start + OFFSET_BLOCK]
        steps = np.diff(block, prepend=previous)
        if (steps < 0).any():
            i = start + int(np.flatnonzero(steps < 0)[0])
            before = previous if i == start else int(offsets[i - 1])
            raise damaged(path, f"{where}/{OFFSETS}", f"offsets[{i}] = {int(offsets[i])} is less than offsets[{i - 1}] "
                          f"= {before} (offsets must not decrease)")
        if block.size and int(block.max()) > size:
            i = start + int(np.flatnonzero(block > size)[0])
            raise damaged(path, f"{where}/{OFFSETS}", f"offsets[{i}] = {int(offsets[i])} points past the end of the "
                          f"data ({size} numbers)")
        previous = int(block[-1]) if block.size else previous


def check_checksums(path, f: h5py.File, columns: dict[str, Column]) -> bool:
    """True if the file carries checksums (and its metadata checksum matches); False for older files."""
    datasets = [f"/{EVENTS}/{name}/{part}" if col.jagged else f"/{EVENTS}/{name}"
                for name, col in columns.items() for part in ((OFFSETS, DATA) if col.jagged else ("",))]
    carrying = [d for d in datasets if DATASET_ATTR in f[d].attrs]
    if ROOT_ATTR not in f.attrs:
        if carrying:
            raise damaged(path, f"root attribute '{ROOT_ATTR}'", f"missing, though {carrying[0]} carries a checksum")
        return False
    algorithm = f.attrs[ROOT_ATTR]
    if algorithm != ALGORITHM:
        raise damaged(path, f"root attribute '{ROOT_ATTR}'", f"expected '{ALGORITHM}', found {algorithm!r}")
    for d in datasets:
        text_attribute(path, f[d], DATASET_ATTR, d)
    recorded = text_attribute(path, f, METADATA_ATTR, "root")
    if metadata_checksum(f) != recorded:
        raise damaged(path, "metadata (attributes, provenance, summary, shapes)",
                      f"its checksum differs from the one recorded when the file was written ({recorded})")
    return True

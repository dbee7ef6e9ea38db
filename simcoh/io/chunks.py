"""Checking one chunk of events against the declared columns and turning it into numpy arrays.

A whole chunk is checked before anything is written, so a bad chunk never leaves the columns of a
file with different lengths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import awkward as ak
import numpy as np

from ..units import suggest
from ..columns import Column
from .format import BUFFER_KEY, DATA, OFFSETS


@dataclass(frozen=True)
class Jagged:
    """One chunk of a jagged column: ``offsets`` (int64, starting at 0) into ``data``."""

    offsets: np.ndarray
    data: np.ndarray
    form: ak.forms.Form

    def __len__(self) -> int:
        return len(self.offsets) - 1


def _cast(values: np.ndarray, column: Column) -> np.ndarray:
    """``values`` as ``column.dtype``; refuse conversions that could change the numbers silently."""
    target = column.dtype
    if values.dtype == target:
        return values
    if values.size == 0:
        return values.astype(target)
    if not np.can_cast(values.dtype, target, casting="same_kind"):
        raise TypeError(
            f"column '{column.name}' is declared {target} but the chunk holds {values.dtype}; "
            f"convert it explicitly (for example values.astype('{target}')) if that is intended"
        )
    if target.kind in "iu" and values.dtype.kind in "iub":
        info = np.iinfo(target)
        low, high = values.min(), values.max()
        if low < info.min or high > info.max:
            raise ValueError(
                f"column '{column.name}' is declared {target} (range {info.min}..{info.max}) but the "
                f"chunk holds values from {low} to {high}"
            )
    return values.astype(target)


def _flat(values, column: Column) -> np.ndarray:
    if isinstance(values, ak.Array):
        if values.ndim != 1:
            raise ValueError(f"column '{column.name}' is flat (one number per event) but got {values.type}")
        values = ak.to_numpy(values, allow_missing=False)
    values = np.asarray(values)
    if values.ndim != 1 + len(column.shape) or values.shape[1:] != column.shape:
        per_event = f"an array of shape {column.shape}" if column.shape else "one number"
        raise ValueError(
            f"column '{column.name}' holds {per_event} per event but got an array of shape {values.shape}"
        )
    return np.ascontiguousarray(_cast(values, column))


def _jagged(values, column: Column) -> Jagged:
    array = values if isinstance(values, ak.Array) else ak.Array(values)
    if len(array) == 0:  # no events: nothing to learn from the (possibly unknown) type
        offsets, data = np.zeros(1, np.int64), np.empty(0, column.dtype)
    else:
        offsets, data = _offsets_and_data(array, column)
    layout = ak.contents.ListOffsetArray(ak.index.Index64(offsets), ak.contents.NumpyArray(data))
    form, _, buffers = ak.to_buffers(layout, buffer_key=BUFFER_KEY)
    return Jagged(buffers[OFFSETS], buffers[DATA], form)


def _offsets_and_data(array: ak.Array, column: Column) -> tuple[np.ndarray, np.ndarray]:
    """Offsets starting at 0 and the contiguous numbers of a list-of-numbers array."""
    if array.ndim != 2:
        raise ValueError(
            f"column '{column.name}' is jagged (a list of numbers per event) but got {array.type}"
        )
    layout = ak.to_packed(ak.from_regular(array, axis=1)).layout
    if not isinstance(layout, ak.contents.ListOffsetArray):
        raise ValueError(f"column '{column.name}': cannot store {array.type} (missing values are not allowed)")
    offsets = np.asarray(layout.offsets, dtype=np.int64)
    content = layout.content
    if isinstance(content, ak.contents.EmptyArray):
        return offsets - offsets[0], np.empty(0, column.dtype)
    if not (isinstance(content, ak.contents.NumpyArray) and content.data.ndim == 1):
        raise ValueError(
            f"column '{column.name}': cannot store {array.type}; each event needs a list of plain numbers "
            "(no missing values, records or nested lists)"
        )
    data = np.asarray(content.data)[offsets[0]:offsets[-1]]
    return offsets - offsets[0], np.ascontiguousarray(_cast(data, column))


def jagged_form(column: Column) -> ak.forms.Form:
    """The awkward form under which a jagged column is stored."""
    return _jagged([], column).form


def prepare_chunk(chunk: Mapping, columns: dict[str, Column]) -> tuple[int, dict]:
    """Check ``chunk`` against ``columns``; return its number of events and the converted arrays."""
    if not isinstance(chunk, Mapping):
        raise TypeError(f"a chunk must be a dict of column name -> array, not {type(chunk).__name__}")
    missing = [name for name in columns if name not in chunk]
    unknown = [name for name in chunk if name not in columns]
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    for name in unknown:
        problems.append(f"undeclared column '{name}'{suggest(str(name), columns)}")
    if problems:
        raise ValueError("chunk does not match the declared columns: " + "; ".join(problems))
    converted = {
        name: _jagged(chunk[name], column) if column.jagged else _flat(chunk[name], column)
        for name, column in columns.items()
    }
    lengths = {name: len(values) for name, values in converted.items()}
    if len(set(lengths.values())) > 1:
        listing = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"all columns of a chunk need the same number of events; got {listing}")
    return next(iter(lengths.values())), converted

"""Keeping events in memory instead of writing a file: the same chunk checks and conversions as
:class:`~simcoh.io.EventWriter`, and the same awkward record array as :meth:`EventFile.read` at the end."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import awkward as ak
import numpy as np

from ..columns import Column
from .chunks import prepare_chunk


class MemoryWriter:
    """Collect chunks of events (dicts of column name -> array) declared by ``columns``.

    Each chunk is checked and copied (the caller may reuse its buffers); :meth:`finish` joins them into one awkward
    record array whose flat fields are NumPy arrays and whose jagged fields are lists of numbers.
    """

    def __init__(self, columns: Sequence[Column]):
        self.columns = {c.name: c for c in columns}
        self._parts: dict[str, list] = {name: [] for name in self.columns}
        self.n_events = 0

    def append(self, chunk: Mapping) -> None:
        n, converted = prepare_chunk(chunk, self.columns)
        for name, values in converted.items():
            if self.columns[name].jagged:
                self._parts[name].append((values.offsets.copy(), values.data.copy()))
            else:
                self._parts[name].append(np.array(values, copy=True))
        self.n_events += n

    def _column(self, name: str):
        column, parts = self.columns[name], self._parts[name]
        if not column.jagged:
            return np.concatenate(parts) if parts else np.empty((0, *column.shape), column.dtype)
        offsets, end = [np.zeros(1, np.int64)], 0
        for part_offsets, _ in parts:
            offsets.append(part_offsets[1:] + end)
            end += int(part_offsets[-1])
        data = np.concatenate([d for _, d in parts]) if parts else np.empty(0, column.dtype)
        layout = ak.contents.ListOffsetArray(ak.index.Index64(np.concatenate(offsets)), ak.contents.NumpyArray(data))
        return ak.Array(layout)

    def finish(self, summary: Mapping | None = None) -> ak.Array:
        """Every event appended, as an awkward record array (``summary`` is accepted for EventWriter's interface
        and not stored)."""
        events = ak.zip({name: self._column(name) for name in self.columns}, depth_limit=1)
        self._parts = {name: [] for name in self.columns}
        return events

    def __enter__(self) -> MemoryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self._parts = {name: [] for name in self.columns}

"""A dask-awkward collection over event files, for analyses larger than memory (needs ``simcoh[dask]``).

    events = simcoh.io.dask.from_files("run.shards/*.h5", columns=["t_ns", "e_ee_kev", "weight"])
    hist = ...  # build the computation lazily
    total = events.weight.sum().compute()

One partition is one chunk of ``step`` events of one file; building the collection reads only the files' headers
(the form of each partition comes from the column declarations, so no events are read until ``compute``), and
dask-awkward's column projection makes each partition read only the columns a computation uses.
"""

from __future__ import annotations

import itertools

import awkward as ak

from .export import require

try:
    from dask_awkward.lib.io.columnar import ColumnProjectionMixin as _ColumnProjection
except ImportError:  # simcoh[dask] is not installed: from_files says how to install it
    _ColumnProjection = object
from .multi import FileHeader, scan
from .reader import check_step, open_events


class ReadChunk(_ColumnProjection):
    """Reads one partition, ``(path, start, stop)``, of the chosen columns (picklable, for distributed workers).

    With dask-awkward's column projection (``ColumnProjectionMixin``), a computation that needs only some of the
    columns makes each partition read only those."""

    behavior = None
    attrs = None
    use_optimization = True

    def __init__(self, fields: list[str], form: ak.forms.RecordForm):
        self.fields = list(fields)
        self.form = form

    def __call__(self, part: tuple[str, int, int]) -> ak.Array:
        path, start, stop = part
        with open_events(path) as events:
            return events.read(self.fields, start, stop)

    def project_columns(self, columns: frozenset[str]) -> ReadChunk:
        """The same reader for only ``columns`` (at least one column, so that partitions keep their length)."""
        fields = [name for name in self.fields if name in columns] or self.fields[:1]
        return ReadChunk(fields, self.form.select_columns(fields))

    def __dask_tokenize__(self):
        return (type(self).__name__, tuple(self.fields))


def partitions(headers: list[FileHeader], step: int) -> list[tuple[str, int, int]]:
    """``(path, start, stop)`` of every chunk of every file, in order; one empty partition if there are no events
    (a collection needs at least one)."""
    parts = [(str(h.path), start, min(start + step, h.n_events)) for h in headers
             for start in range(0, h.n_events, step)]
    return parts or [(str(headers[0].path), 0, 0)]


def from_files(paths_or_glob, columns=None, step: int | None = None, allow_different_configurations: bool = False):
    """A lazy dask-awkward Array of the events of the files (a path, glob pattern or list; see
    :func:`simcoh.io.multi.scan` for the checks that they form one sample), one partition per chunk of at most
    ``step`` events (default: about 64 MiB) of one file, with known divisions."""
    dak = require("dask_awkward", "dask", "a dask-awkward collection")
    headers = scan(paths_or_glob, columns, allow_different_configurations)
    step = headers[0].step if step is None else check_step(step)
    parts = partitions(headers, step)
    divisions = tuple(itertools.accumulate((stop - start for _, start, stop in parts), initial=0))
    return dak.from_map(ReadChunk(headers[0].fields, headers[0].form), parts, label="simcoh-read",
                        divisions=divisions)

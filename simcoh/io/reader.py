"""Reading simcoh event files: whole files, chosen fields, or ranges of events."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import awkward as ak
import h5py
import numpy as np

from ..errors import Diagnostic, InputError, SimcohError
from ..units import suggest
from .format import (
    BUFFER_KEY,
    DATA,
    EVENTS,
    FORMAT,
    OFFSETS,
    PROVENANCE,
    SUMMARY,
    EventFileError,
    IncompleteFileError,
    damaged,
    looks_partial,
)
from . import structure
from .checksum import DATASET_ATTR, as_text, crc32, dataset_checksum
from .meta import read_meta


#: Uncompressed bytes per chunk that :meth:`EventFile.iterate` and the exports aim at by default.
STEP_BYTES = 64 * 2**20


def check_step(step) -> int:
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, (int, np.integer)) or step < 1:
        raise InputError(f"step={step!r}: the number of events per chunk must be a positive integer (such as "
                         "step=100_000; leave it out for chunks of about 64 MiB)")
    return int(step)


def _open_hdf5(path: Path) -> h5py.File:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise EventFileError(f"{path} is a directory, not an event file")
    hint = " (its name marks a temporary file left by an interrupted run)" if looks_partial(path) else ""
    if not h5py.is_hdf5(path):
        raise EventFileError(f"{path} is not an HDF5 file, so not a simcoh event file{hint}")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise EventFileError(
            f"{path} could not be opened as HDF5; it may be truncated or damaged{hint}: {err}"
        ) from None


class EventFile:
    """An open simcoh event file; use :func:`open_events` to get one.

    Attributes: ``path``, ``complete``, ``n_events``, ``fields`` (column names in order),
    ``columns`` (name -> :class:`Column`), ``provenance`` and ``summary`` (dicts).
    """

    def __init__(self, path: str | os.PathLike, allow_incomplete: bool = False):
        self.path = Path(path)
        self._file = _open_hdf5(self.path)
        try:
            self._load(allow_incomplete)
        except BaseException:
            self._file.close()
            raise

    @contextlib.contextmanager
    def _reading(self, where: str):
        """Turn a failure of HDF5 (or awkward) on damaged contents into an EventFileError naming ``where``."""
        try:
            yield
        except SimcohError:
            raise
        except Exception as err:
            raise damaged(self.path, where, f"cannot be read ({type(err).__name__}: {err})") from None

    def _load(self, allow_incomplete: bool) -> None:
        with self._reading("file structure"):
            self._check_structure(allow_incomplete)

    def _check_structure(self, allow_incomplete: bool) -> None:
        f, path = self._file, self.path
        if f.attrs.get("format") != FORMAT:
            raise EventFileError(
                f"{self.path} is an HDF5 file but not a simcoh event file (no root attribute format='{FORMAT}')"
            )
        self.complete, recorded = structure.check_root(path, f.attrs)
        if not self.complete and not allow_incomplete:
            raise IncompleteFileError(
                f"{self.path} is incomplete: the run that wrote it never finished (most likely it was "
                "interrupted or crashed), so its events may be missing or damaged. Run the simulation "
                "again; to inspect the file anyway, open it with allow_incomplete=True."
            )
        names = structure.column_names(path, f, self.complete)
        events = f[EVENTS]
        self.columns = {name: structure.column(path, events, name) for name in names}
        self.fields = list(self.columns)
        self.provenance = self._meta(PROVENANCE)
        self.summary = self._meta(SUMMARY)
        self.n_events = recorded if self.complete else self._stored_events()
        structure.check_lengths(path, events, self.columns, self.n_events, self.complete)
        self.has_checksums = self.complete and structure.check_checksums(path, f, self.columns)
        self._offsets_checked: set[str] = set()
        self._running: dict[str, tuple[int, int]] = {}  # dataset -> (rows read in order from 0, their CRC-32)

    def _meta(self, key: str) -> dict:
        if key not in self._file:
            return {}
        if not isinstance(self._file[key], h5py.Group):
            raise damaged(self.path, f"/{key}", "expected a group, found a dataset")
        try:
            return read_meta(self._file[key])
        except ValueError as err:
            raise damaged(self.path, f"/{key}", str(err)) from None

    def _stored_events(self) -> int:
        """Events present in every column of an unfinished file."""
        counts = []
        for name, column in self.columns.items():
            obj = self._file[EVENTS][name]
            if column.jagged:  # only events whose numbers all reached the data
                offsets = obj[OFFSETS][:]
                counts.append(max(int(np.searchsorted(offsets, len(obj[DATA]), side="right")) - 1, 0))
            else:
                counts.append(len(obj))
        return min(counts, default=0)

    def _range(self, start: int | None, stop: int | None) -> tuple[int, int]:
        """Events [first, last) meant by ``start`` and ``stop``, as ``events[start:stop]`` would take them from
        a NumPy array: None means the end, negative values count from the end, values past the end are clamped."""
        try:
            first, last, _ = slice(start, stop).indices(self.n_events)
        except TypeError:
            raise TypeError(f"start and stop must be integers or None, not {start!r} and {stop!r}") from None
        return first, max(first, last)

    def _check_fields(self, fields) -> list[str]:
        if fields is None:
            return list(self.fields)
        if isinstance(fields, str):
            fields = [fields]
        fields = list(dict.fromkeys(fields))
        if not fields:
            raise ValueError("no fields requested; pass None to read every field")
        problems = [
            Diagnostic(
                f"the file has no field '{name}'{suggest(name, self.fields)}",
                file=str(self.path),
                expected="one of " + ", ".join(self.fields),
            )
            for name in fields
            if name not in self.columns
        ]
        if problems:
            raise InputError(problems)
        return fields

    def check_offsets(self, name: str | None = None) -> None:
        """Check the offsets of jagged column ``name`` (default: all) once: they never decrease and stay within
        the data. Every read of a jagged column does this first."""
        for key in [name] if name else [n for n, c in self.columns.items() if c.jagged]:
            if key not in self._offsets_checked:
                with self._reading(f"/{EVENTS}/{key}/{OFFSETS}"):
                    structure.check_offsets(self.path, self._file[EVENTS][key], f"/{EVENTS}/{key}")
                self._offsets_checked.add(key)

    def _check_sum(self, dataset: h5py.Dataset, first: int, values: np.ndarray) -> None:
        """Add rows [first, first + len(values)) of ``dataset``, as read, to its running checksum when they
        continue the rows read so far from row 0; once the last row is in, compare with the recorded checksum.
        So whole reads and reads in order (as a merge copies a file) are checked; other reads are not."""
        if not self.has_checksums:
            return
        row, value = self._running.get(dataset.name, (0, 0))
        stop = first + len(values)
        if not first <= row < stop:
            return
        value = crc32(values[row - first:], value)
        self._running[dataset.name] = (stop, value)
        if stop == dataset.shape[0]:
            recorded = dataset.attrs[DATASET_ATTR]
            if as_text(value) != recorded:
                raise damaged(self.path, dataset.name, f"the values read differ from those written (checksum "
                              f"{as_text(value)}, recorded {recorded})")

    def _slice(self, name: str, first: int, last: int):
        if self.columns[name].jagged:
            self.check_offsets(name)
        with self._reading(f"/{EVENTS}/{name}"):
            obj = self._file[EVENTS][name]
            if not self.columns[name].jagged:
                values = obj[first:last]
                self._check_sum(obj, first, values)
                return values
            offsets = obj[OFFSETS][first : last + 1]
            data = obj[DATA][offsets[0] : offsets[-1]]
            self._check_sum(obj[OFFSETS], first, offsets)
            self._check_sum(obj[DATA], int(offsets[0]), data)
            buffers = {OFFSETS: offsets - offsets[0], DATA: data}
            form = structure.jagged_form(self.path, obj, f"/{EVENTS}/{name}")
            return ak.from_buffers(form, last - first, buffers, buffer_key=BUFFER_KEY)

    def verify(self) -> list[tuple[str, str]]:
        """Read every event dataset whole and compare it with its checksum: (dataset, "OK" or what differs).
        Empty for a file written before simcoh recorded checksums (``has_checksums`` is False)."""
        if not self.has_checksums:
            return []
        self.check_offsets()
        out = []
        for name, column in self.columns.items():
            obj = self._file[EVENTS][name]
            for dataset in (obj[OFFSETS], obj[DATA]) if column.jagged else (obj,):
                with self._reading(dataset.name):
                    found, recorded = dataset_checksum(dataset), dataset.attrs[DATASET_ATTR]
                out.append((dataset.name, "OK" if found == recorded else
                            f"DIFFERS: checksum {found}, recorded {recorded} when written"))
        return out

    def read_column(self, name: str, start: int | None = 0, stop: int | None = None):
        """Events [start, stop) of one column: numpy array if flat, awkward array if jagged."""
        (name,) = self._check_fields([name])
        return self._slice(name, *self._range(start, stop))

    def read(self, fields=None, start: int | None = 0, stop: int | None = None) -> ak.Array:
        """Events [start, stop) as an awkward record array with the chosen fields (default: all). ``start`` and
        ``stop`` work as in slicing (``events[start:stop]``): negative from the end, clamped to the file.

        Only the requested slices are read from disk. Flat fields are NumPy-backed: ``.to_numpy()`` does not copy.
        """
        fields = self._check_fields(fields)
        first, last = self._range(start, stop)
        return ak.zip({name: self._slice(name, first, last) for name in fields}, depth_limit=1)

    def read_numpy(self, fields=None, start: int | None = 0, stop: int | None = None) -> dict:
        """Like :meth:`read`, as a dict of column name -> NumPy array (flat columns) or awkward array (jagged
        ones), for NumPy functions such as ``np.histogram`` whose results should be plain arrays."""
        fields = self._check_fields(fields)
        first, last = self._range(start, stop)
        return {name: self._slice(name, first, last) for name in fields}

    def iterate(self, step: int | None = None, columns=None, start: int | None = 0, stop: int | None = None):
        """Yield events [start, stop) as awkward record arrays (as :meth:`read` returns them) of at most ``step``
        events each, in order; only one chunk is in memory at a time. ``step`` defaults to about
        :data:`STEP_BYTES` of uncompressed data (:meth:`default_step`). Reading in order from event 0 also checks
        each dataset against its checksum, as a whole read does."""
        fields = self._check_fields(columns)
        step = self.default_step(fields) if step is None else check_step(step)
        first, last = self._range(start, stop)
        for begin in range(first, last, step):
            yield self.read(fields, begin, min(begin + step, last))

    def bytes_per_event(self, columns=None) -> float:
        """Average uncompressed bytes of one event of the chosen columns (from the datasets' shapes: nothing is
        read). Jagged columns count their numbers and their offsets."""
        total = 0.0
        for name in self._check_fields(columns):
            column, obj = self.columns[name], self._file[EVENTS][name]
            if column.jagged:
                numbers = obj[DATA].shape[0] / max(self.n_events, 1)
                total += numbers * column.dtype.itemsize + np.dtype(np.int64).itemsize
            else:
                total += column.dtype.itemsize * int(np.prod(column.shape, dtype=np.int64))
        return total

    def default_step(self, columns=None) -> int:
        """Events per chunk of :meth:`iterate` and the exports: about :data:`STEP_BYTES` of uncompressed data,
        at least one event."""
        return max(1, int(STEP_BYTES // max(self.bytes_per_event(columns), 1.0)))

    def form(self, columns=None) -> ak.forms.RecordForm:
        """The awkward form of the record arrays that :meth:`read` returns for ``columns``, from the column
        declarations alone (nothing is read)."""
        fields = self._check_fields(columns)
        contents = []
        for name in fields:
            column = self.columns[name]
            form = ak.forms.NumpyForm(ak.types.numpytype.dtype_to_primitive(column.dtype))
            if column.jagged:
                form = ak.forms.ListOffsetForm("i64", form)
            for size in reversed(column.shape):  # ak.zip turns an (n, *shape) NumPy array into regular lists
                form = ak.forms.RegularForm(form, size)
            contents.append(form)
        return ak.forms.RecordForm(contents, fields)

    def to_root(self, path: str | os.PathLike | None = None, columns=None, overwrite: bool = False,
                step: int | None = None) -> Path:
        """Write the chosen columns (default: all) to a ROOT file with uproot (needs ``simcoh[root]``): a TTree
        ``events`` and the provenance. ``path`` defaults to this file's with ``.root``; ``step`` events at a time.
        See :mod:`simcoh.io.export` for the layout. Returns the path written."""
        from .export import write_root

        return write_root(self, path, columns=columns, overwrite=overwrite, step=step)

    def to_parquet(self, path: str | os.PathLike | None = None, columns=None, overwrite: bool = False,
                   step: int | None = None) -> Path:
        """Write the chosen columns (default: all) to a Parquet file with pyarrow (needs ``simcoh[parquet]``), one
        row group per chunk of ``step`` events, units and descriptions in the field metadata. ``path`` defaults to
        this file's with ``.parquet``. See :mod:`simcoh.io.export` for the layout. Returns the path written."""
        from .export import write_parquet

        return write_parquet(self, path, columns=columns, overwrite=overwrite, step=step)

    def stored_bytes(self, name: str) -> int:
        """Bytes that column ``name`` takes on disk (after compression)."""
        (name,) = self._check_fields([name])
        with self._reading(f"/{EVENTS}/{name}"):
            obj = self._file[EVENTS][name]
            parts = obj.values() if isinstance(obj, h5py.Group) else [obj]
            return sum(part.id.get_storage_size() for part in parts)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EventFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE"
        return f"<EventFile {self.path} ({state}, {self.n_events} events, fields {', '.join(self.fields)})>"


def open_events(path: str | os.PathLike, allow_incomplete: bool = False) -> EventFile:
    """Open a simcoh event file for reading (a context manager).

    Raises :class:`EventFileError` for files that are not simcoh event files and
    :class:`IncompleteFileError` for files an interrupted run left unfinished (unless
    ``allow_incomplete``).
    """
    return EventFile(path, allow_incomplete=allow_incomplete)


def read_events(path, fields=None, start: int = 0, stop: int | None = None, allow_incomplete: bool = False):
    """Read events [start, stop) of the chosen fields of a file into an awkward record array."""
    with open_events(path, allow_incomplete=allow_incomplete) as events:
        return events.read(fields, start, stop)


def describe_existing(path: Path) -> str:
    """A few words on what a file in the way of a writer is."""
    try:
        with open_events(path, allow_incomplete=True) as events:
            if events.complete:
                return f"a complete simcoh event file with {events.n_events} events"
            return "an incomplete simcoh event file, probably from an interrupted run"
    except EventFileError:
        return "not a simcoh event file"
    except OSError as err:
        return f"a file that could not be read ({err})"

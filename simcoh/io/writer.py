"""Writing simcoh event files chunk by chunk, safely.

Events go to a hidden temporary file beside the output (``.NAME.partial.PID-N``). Only
:meth:`EventWriter.finish` marks the file complete (its last write) and renames it to the
output path, so a crash, an exception or ``kill -9`` never leaves a file at the output path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np

from .._version import __version__
from ..config import canonical_json
from ..errors import InputError, OutputExistsError, SimcohError
from .chunk_stream import ChunkEncoder, ChunkStream
from .checksum import DATASET_ATTR, as_text, crc32, seal
from .chunks import Jagged, jagged_form, prepare_chunk
from .codec import ALIASES, COMPRESSIONS, DEFAULT_LEVEL, ChunkFilter, canonical, check_level
from ..columns import Column
from .format import (
    DATA,
    EVENTS,
    FORMAT,
    FORMAT_VERSION,
    JAGGED_LAYOUT,
    OFFSETS,
    PROVENANCE,
    SUMMARY,
    temporary_path,
)
from . import partials
from .meta import write_meta
from .provenance import complete_provenance
from .reader import describe_existing

_HOW_TO_OVERWRITE = (
    "To replace it, put '/output/overwrite true' in the macro or pass --overwrite "
    "(overwrite=True in Python); or choose another output file."
)


def check_destination(path: Path, overwrite: bool) -> None:
    """Raise a clear error if events cannot be written to ``path``."""
    if not path.parent.is_dir():
        raise InputError(
            f"cannot write {path}: the directory {path.parent} does not exist; create it first "
            "or choose another output file"
        )
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory; choose an output file name")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} already exists and is {describe_existing(path)}. {_HOW_TO_OVERWRITE}")


class EventWriter:
    """Write events chunk by chunk to an HDF5 file that becomes visible at ``path`` only when finished.

    ``columns`` declares every field; ``provenance`` records how the events were made (the writer
    adds ``versions`` and ``created_utc``). ``compression`` is "deflate" (byte shuffle + deflate, HDF5's
    standard filters; the default; "gzip" is the same), "lzf" (h5py's filter, which HDF5's own tools cannot
    decode) or None; ``compression_level`` is ISA-L's deflate level, 0-3 (see :mod:`simcoh.io.codec`).
    Use as a context manager and call :meth:`finish` at the end; an exception inside the ``with`` block
    discards the file.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        columns: Sequence[Column],
        provenance: Mapping,
        overwrite: bool = False,
        compression: str | None = "deflate",
        chunk_events: int = 65536,
        threads: int | None = None,
        compression_level: int = DEFAULT_LEVEL,
    ):
        self.path = Path(path)
        self.overwrite = bool(overwrite)
        self.columns = _check_columns(columns)
        if canonical(compression) not in COMPRESSIONS:
            raise ValueError(f"compression {compression!r} is not supported; choose one of "
                             f"{', '.join(map(str, COMPRESSIONS))} (or {', '.join(ALIASES)}, 'none')")
        chunk_filter = ChunkFilter(compression, check_level(compression_level))
        if not isinstance(chunk_events, (int, np.integer)) or chunk_events < 1:
            raise ValueError(f"chunk_events must be a positive integer, not {chunk_events!r}")
        if not isinstance(provenance, Mapping):
            raise TypeError(f"provenance must be a dict, not {type(provenance).__name__}")
        provenance = complete_provenance(dict(provenance))
        if os.fspath(path).endswith(("/", os.sep)):
            raise InputError(f"cannot write {os.fspath(path)}: a file name is needed, not a directory; for example "
                             f"{os.path.join(os.fspath(path), 'run.h5')}")
        check_destination(self.path, self.overwrite)
        live = partials.remove_stale(self.path)  # left by killed runs; a live one means a concurrent writer
        if live:
            raise partials.OutputBusyError(partials.busy_message(self.path, live))
        self.n_events = 0
        self._streams: dict[str, ChunkStream] = {}  # per dataset ("name" or "name/data", "name/offsets")
        self._checksums: dict[str, int] = {}  # CRC-32 of the rows given to each stream, in write order
        self._data_sizes = dict.fromkeys(self.columns, 0)  # numbers stored so far per jagged column
        self._encoder = ChunkEncoder(threads)
        self.temp_path = temporary_path(self.path)
        partials.opened(self.temp_path)
        try:
            self._file = h5py.File(self.temp_path, "w-")
        except BaseException:
            partials.closed(self.temp_path)
            self._encoder.close()
            raise
        self._state = "open"
        try:
            self._start(provenance, chunk_filter, int(chunk_events))
        except BaseException:
            self.abort()
            raise

    def _start(self, provenance: dict, chunk_filter: ChunkFilter, chunk_events: int) -> None:
        root = self._file
        root.attrs.update(
            format=FORMAT, format_version=FORMAT_VERSION, simcoh_version=__version__, n_events=0, complete=False
        )
        write_meta(root.create_group(PROVENANCE), provenance, "provenance")
        events = root.create_group(EVENTS)
        events.attrs["columns"] = canonical_json(list(self.columns))
        pipeline = chunk_filter.dataset_options()
        options = dict(maxshape=(None,), chunks=(chunk_events,), **pipeline)
        for name, column in self.columns.items():
            if column.jagged:
                obj = events.create_group(name)
                offsets = obj.create_dataset(OFFSETS, shape=(0,), dtype=np.int64, **options)
                self._streams[f"{name}/{OFFSETS}"] = ChunkStream(offsets, chunk_filter)
                self._streams[f"{name}/{OFFSETS}"].add(np.zeros(1, np.int64))  # the leading 0
                self._checksums[f"{name}/{OFFSETS}"] = crc32(np.zeros(1, np.int64))
                data = obj.create_dataset(DATA, shape=(0,), dtype=column.dtype, **options)
                self._streams[f"{name}/{DATA}"] = ChunkStream(data, chunk_filter)
                obj.attrs["form"] = jagged_form(column).to_json()
                obj.attrs["layout"] = JAGGED_LAYOUT
            elif column.shape:  # fixed-shape per event (waveforms): chunks of about 1 MB
                per_event = column.dtype.itemsize * int(np.prod(column.shape))
                rows = max(1, min(chunk_events, (1 << 20) // per_event))
                obj = events.create_dataset(name, shape=(0, *column.shape), dtype=column.dtype,
                                            maxshape=(None, *column.shape), chunks=(rows, *column.shape),
                                            **pipeline)
                self._streams[name] = ChunkStream(obj, chunk_filter)
            else:
                obj = events.create_dataset(name, shape=(0,), dtype=column.dtype, **options)
                self._streams[name] = ChunkStream(obj, chunk_filter)
            obj.attrs["unit"] = column.unit
            obj.attrs["description"] = column.description

    def _check_open(self, action: str) -> None:
        if self._state != "open":
            raise SimcohError(f"cannot {action}: the writer of {self.path} is already {self._state}")

    def append(self, chunk: Mapping) -> None:
        """Append one chunk: a dict with an array (flat) or list-of-numbers array (jagged) per column.

        Every declared column must be present with the same number of events.
        """
        self._check_open("append events")
        n, arrays = prepare_chunk(chunk, self.columns)
        if n == 0:
            return
        try:
            jobs = []  # (stream, first row, rows) of every HDF5 chunk this append fills
            for name, values in arrays.items():
                if isinstance(values, Jagged):
                    stored = self._data_sizes[name]
                    jobs += self._add(f"{name}/{DATA}", values.data)
                    jobs += self._add(f"{name}/{OFFSETS}", values.offsets[1:] + stored)
                    self._data_sizes[name] = stored + len(values.data)
                else:
                    jobs += self._add(name, values)
            self._encoder.store_all(jobs)
        except BaseException:
            self._state = "broken by a failed write"  # columns may now differ in length
            raise
        self.n_events += n

    def _add(self, key: str, values: np.ndarray) -> list:
        stream = self._streams[key]
        self._checksums[key] = crc32(values, self._checksums.get(key, 0))
        full = stream.add(values)
        stream.grow()
        return [(stream, first, rows) for first, rows in full]

    def flush(self) -> None:
        """Push the events so far to the temporary file (a crash then loses less; it stays incomplete)."""
        self._check_open("flush")
        for stream in self._streams.values():
            stream.write_tail()
        self._file.flush()

    def finish(self, summary: Mapping | None = None) -> Path:
        """Write the summary, mark the file complete and move it to ``path``; return ``path``."""
        self._check_open("finish")
        group = self._file.create_group(SUMMARY)
        try:
            write_meta(group, dict(summary or {}), "summary")
        except BaseException:  # a bad summary: the writer stays open so that finish can be retried
            del self._file[SUMMARY]
            raise
        try:
            for stream in self._streams.values():
                stream.write_tail()
            self._file.attrs["n_events"] = self.n_events
            for key, stream in self._streams.items():
                stream.dataset.attrs[DATASET_ATTR] = as_text(self._checksums.get(key, 0))
            seal(self._file)
            self._file.flush()
            self._file.attrs["complete"] = True  # last: only a finished file claims to be complete
            self._file.close()
        except BaseException:
            self.abort()
            raise
        self._state = "finished"
        self._encoder.close()
        try:
            _place(self.temp_path, self.path, self.overwrite)
        finally:
            partials.closed(self.temp_path)  # a temporary file still there now is stale: the next run removes it
        return self.path

    def abort(self) -> None:
        """Discard the events written so far: close and delete the temporary file."""
        if self._state in ("finished", "aborted"):
            return
        self._state = "aborted"
        try:
            self._encoder.close()
            self._file.close()
        finally:
            self.temp_path.unlink(missing_ok=True)
            partials.closed(self.temp_path)

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        unfinished = self._state not in ("finished", "aborted")
        self.abort()
        if exc_type is None and unfinished:
            raise SimcohError(f"the writer of {self.path} was closed without finish(); the events were discarded")
        return False

    def __repr__(self) -> str:
        return f"<EventWriter {self.path} ({self._state}, {self.n_events} events)>"


def _check_columns(columns: Sequence[Column]) -> dict[str, Column]:
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or not columns:
        raise ValueError("columns must be a non-empty list of Column declarations")
    out: dict[str, Column] = {}
    for column in columns:
        if not isinstance(column, Column):
            raise TypeError(f"columns must be Column objects, not {type(column).__name__}")
        if column.name in out:
            raise ValueError(f"column '{column.name}' is declared twice")
        out[column.name] = column
    return out


def _place(temp: Path, path: Path, overwrite: bool) -> None:
    """Rename the finished ``temp`` to ``path`` atomically, replacing ``path`` only if allowed. If ``path``
    appeared meanwhile, the finished events are kept under a visible name beside it (never as a partial file,
    which the next run would delete)."""
    if overwrite:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)  # atomic, and fails if path exists: no check-then-rename race
    except FileExistsError:
        _keep_beside(temp, path)
    except OSError:  # hard links unsupported here: check, then rename
        if path.exists():
            _keep_beside(temp, path)
        os.replace(temp, path)
        return
    temp.unlink()


def _keep_beside(temp: Path, path: Path) -> None:
    kept = path.with_name(f"{path.stem}.pid{os.getpid()}{path.suffix}")
    os.replace(temp, kept)
    raise OutputExistsError(
        f"{path} appeared while the run was writing and is {describe_existing(path)}; it was left alone. The "
        f"finished events are in {kept}: compare the two files and keep one. {_HOW_TO_OVERWRITE}"
    )

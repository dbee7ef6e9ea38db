"""The simcoh event-file format: names, version and errors shared by the writer and the reader.

Layout of a file (HDF5)::

    /                       attrs: format="simcoh-events", format_version=1, simcoh_version,
                                   n_events, complete (False until the writer finished; set last)
    /events                 attrs: columns (JSON list of the column names, in order)
    /events/<flat>          1-D dataset, one value per event; attrs unit, description
    /events/<jagged>        group; attrs unit, description, form (awkward form JSON), layout
    /events/<jagged>/offsets  int64, n_events + 1 entries, starting at 0
    /events/<jagged>/data     the numbers of all events, one after another: event i holds
                              data[offsets[i]:offsets[i+1]]
    /provenance             how the file was made (see simcoh.io.meta for the encoding)
    /summary                what the run reports at the end (same encoding)

Every event dataset is chunked along the events and stored through HDF5's standard shuffle and deflate filters
(:mod:`simcoh.io.codec`), so any HDF5 library reads it; ``compression="lzf"`` or ``None`` are explicit choices.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from ..errors import SimcohError

FORMAT = "simcoh-events"
FORMAT_VERSION = 1
EVENTS = "events"
PROVENANCE = "provenance"
SUMMARY = "summary"
OFFSETS = "offsets"
DATA = "data"
BUFFER_KEY = "{attribute}"  # ak.to_buffers keys of a list of numbers: "offsets" and "data"
JAGGED_LAYOUT = "event i holds data[offsets[i]:offsets[i+1]]"
PARTIAL_MARK = ".partial."

_counter = itertools.count()


class EventFileError(SimcohError, OSError):
    """A file cannot be read as a simcoh event file."""


def damaged(path, where: str, what: str, suggestion: str | None = None) -> EventFileError:
    """The error for a damaged event file: the file, the object in it (``/events/x``, "root attribute ...")
    and what is wrong, plus what to do."""
    suggestion = suggestion or ("the file was damaged or changed after it was written; write it again (rerun "
                                "the simulation or the merge) or restore a copy")
    err = EventFileError(f"{path}: {where}: {what}; {suggestion}")
    err.file, err.dataset = str(path), where
    return err


class IncompleteFileError(EventFileError):
    """The file was not finished by the run that wrote it."""


def temporary_path(path: Path) -> Path:
    """Hidden name beside ``path`` that a writer fills before renaming it to ``path``."""
    return path.with_name(f".{path.name}{PARTIAL_MARK}{os.getpid()}-{next(_counter)}")


def looks_partial(path: Path) -> bool:
    """True for the name of a writer's temporary file (left behind by an interrupted run)."""
    return path.name.startswith(".") and PARTIAL_MARK in path.name

"""Event files: columnar HDF5 files with per-column units and descriptions, provenance and a
``complete`` flag written last (see :mod:`simcoh.io.format` for the layout)."""

from ..columns import Column
from .format import FORMAT, FORMAT_VERSION, EventFileError, IncompleteFileError
from .info import describe_file
from .memory import MemoryWriter
from .multi import iterate
from .reader import EventFile, open_events, read_events
from .writer import EventWriter

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Column",
    "EventFile",
    "EventFileError",
    "EventWriter",
    "IncompleteFileError",
    "MemoryWriter",
    "describe_file",
    "iterate",
    "open_events",
    "read_events",
]

"""Bounds on what an input may ask of the machine: file sizes, memory per chunk, output size (issue 16).

Every numeric parameter has a physical range in its declaration (:mod:`simcoh.declare`,
:mod:`simcoh.detector.schema`); the bounds here are those that depend on the machine or on files rather than on
physics. :func:`read_bounded_text` reads the data files named in geometries and macros (a device such as
``/dev/zero``, a FIFO or a huge file is an error, not an endless read). :func:`resource_report` estimates the
memory of one chunk and the size of the output of a prepared run: ``simcoh check`` prints it, and ``simcoh run``
refuses a run whose chunk cannot fit in memory, or whose output exceeds the free disk space unless ``--force``.

A base module: it imports only :mod:`simcoh.errors`.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass

from .errors import Diagnostic, InputError

#: Largest data file (table, template, pulse shape) read: the released tables simcoh uses are below 1 MB.
MAX_TABLE_BYTES = 64 << 20
#: Largest geometry file read: geometry files are a few kB.
MAX_GEOMETRY_BYTES = 1 << 20
#: Fraction of the machine's memory one chunk may take: two chunks are in flight (one generated, one written)
#: and the process needs the rest for its tables and the HDF5 writer.
CHUNK_MEMORY_FRACTION = 0.5


def read_bounded_text(path, max_bytes: int = MAX_TABLE_BYTES) -> str:
    """The UTF-8 text of the regular file ``path`` of at most ``max_bytes``.

    OSError as for ``open``; ValueError (not a regular file, too large) with a reason a person can act on;
    UnicodeDecodeError for a binary file.
    """
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"'{path}' is not a regular file (a device, a folder or a pipe cannot be a data file)")
        if info.st_size > max_bytes:
            raise ValueError(f"'{path}' has {info.st_size:,} bytes, more than the {max_bytes:,} allowed")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"'{path}' has more than the {max_bytes:,} bytes allowed")
    return data.decode("utf-8")


def machine_memory_bytes() -> int:
    """Physical memory of this machine (bytes); 0 if unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 0


def free_disk_bytes(output_file: str) -> int | None:
    """Free bytes on the file system that will hold ``output_file`` (None if unknown)."""
    folder = os.path.dirname(os.path.abspath(output_file))
    while folder and not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _size(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


@dataclass(frozen=True)
class ResourceReport:
    """Estimates for one prepared run (uncompressed bytes)."""

    events_per_chunk: int
    chunk_bytes: float  # arrays of one chunk, including those handed between stages only
    output_bytes: float
    memory_bytes: int  # of this machine (0: unknown)
    free_disk_bytes: int | None

    @property
    def memory_ok(self) -> bool:
        return not self.memory_bytes or 2 * self.chunk_bytes <= CHUNK_MEMORY_FRACTION * self.memory_bytes

    @property
    def disk_ok(self) -> bool:
        return self.free_disk_bytes is None or self.output_bytes <= self.free_disk_bytes

    def lines(self) -> list[str]:
        memory = f" of {_size(self.memory_bytes)}" if self.memory_bytes else ""
        disk = f"; {_size(self.free_disk_bytes)} free" if self.free_disk_bytes is not None else ""
        return [f"memory        about {_size(self.chunk_bytes)} per chunk of {self.events_per_chunk:,} events "
                f"(two in flight{memory})",
                f"output size   about {_size(self.output_bytes)} before compression{disk}"]


def resource_report(prepared, share: float = 1.0) -> ResourceReport:
    """Memory per chunk and output size of a prepared run (``simcoh.engine.PreparedRun``); ``share``: the
    fraction of the events this process writes (one shard of N: 1/N)."""
    cfg, pipeline = prepared.config, prepared.pipeline
    per_event = max(float(pipeline.bytes_per_event(transient=True)), 1.0)
    n_chunk = max(1, min(pipeline.chunk_events(cfg.chunk_size), int(prepared.generator.n_events) or 1))
    return ResourceReport(n_chunk, n_chunk * per_event, share * float(prepared.estimated_bytes()),
                          machine_memory_bytes(), free_disk_bytes(cfg.output_file))


def check_resources(prepared, force: bool = False, share: float = 1.0) -> ResourceReport:
    """The resource report of ``prepared`` (``share`` as in :func:`resource_report`); InputError if one chunk
    cannot fit in memory, or (unless ``force``) if the output would not fit on the disk."""
    report = resource_report(prepared, share)
    problems = []
    if not report.memory_ok:
        problems.append(Diagnostic(
            f"one chunk of {report.events_per_chunk:,} events needs about {_size(report.chunk_bytes)}: two in flight "
            f"take more than {CHUNK_MEMORY_FRACTION:.0%} of this machine's {_size(report.memory_bytes)} of memory",
            file="<run>", expected="a chunk that fits in memory (simcoh check prints the estimate)",
            suggestion="shorten the waveform windows, lower the sampling rate or the light yield, or lower "
            "/run/chunkSize"))
    if not report.disk_ok and not force:
        problems.append(Diagnostic(
            f"the output needs about {_size(report.output_bytes)} before compression, more than the "
            f"{_size(report.free_disk_bytes)} free where {prepared.config.output_file} goes",
            file="<run>", expected="an output that fits on the disk",
            suggestion="free space, write elsewhere (--output), lower the number of events, or give --force "
            "(compression may make it fit)"))
    if problems:
        raise InputError(problems)
    return report

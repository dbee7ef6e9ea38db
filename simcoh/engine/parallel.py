"""Local parallel generation for one output file: worker processes run the pipeline on chunks of events and
hand them back in event order; this process writes them through the usual background writer.

Events are the same as in a serial run (each event's random streams depend only on the run seed and its index).
Unlike a sharded production (``--shards``, ``--dask``, ``--shard``), nothing is written twice: there are no shard
files to merge, so no second compression pass. At most ``workers + 1`` chunks are in flight, which bounds memory.

When the workers are forked, a chunk comes back through a slot of shared memory (an anonymous shared mapping
made before the fork): the worker copies its arrays there and returns only their layout, and the writer reads
them in place. Pickling a photon-level chunk and pushing it through a pipe costs about as much as generating it;
the copy costs a tenth of that. A chunk too large for its slot, or any chunk of spawned workers, is pickled.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import itertools
import mmap
import multiprocessing as mp
import os

import awkward as ak
import numpy as np

from ..errors import SimcohError
from . import allocator, signals
from .prepare import prepared_run, remember_prepared
from .processes import set_numba_threads, start_method

_STATE: dict = {}  # per worker process: the prepared run and its reusable truth buffers
_SLOTS: list = []  # shared mappings, made by the parent before it forks the workers
_ALIGN = 64


def _init_worker(result, threads: int, keep_freed: bool, parent_pid: int) -> None:
    signals.init_worker(parent_pid)
    set_numba_threads(threads)
    if keep_freed:  # the parent's allocator settings: inherited when forked, a spawned worker sets them itself
        allocator.keep_freed_memory()
    _STATE["prepared"] = prepared_run(result)  # inherited when forked, rebuilt once when spawned
    _STATE["buffers"] = None


def _run_chunk(first: int, n: int, slot: int | None):
    """Generate events [first, first + n): ("slot", layout) if they were put in shared slot ``slot``, else
    ("chunk", the chunk itself), pickled (copied) on return so the buffers can be reused."""
    with signals.worker_task():  # a stop signal ends the worker (it has no file to clean up)
        pipe = _STATE["prepared"].pipeline
        if _STATE["buffers"] is None or len(_STATE["buffers"]["event_id"]) < n:
            _STATE["buffers"] = pipe.allocate(n)
        chunk = pipe.run_chunk(first, n, _STATE["buffers"])
        layout = None if slot is None or not _SLOTS else pack(chunk, np.frombuffer(_SLOTS[slot], np.uint8))
        return ("chunk", chunk) if layout is None else ("slot", layout)


def tapered_ranges(first: int, stop: int, chunk_size: int, workers: int, min_events: int = 16384):
    """(first, n) of consecutive chunks covering [first, stop): ``chunk_size`` events while plenty remain, then
    each a ``1 / (4 * workers)`` share of what is left (at least ``min_events``), so the workers finish together
    and the writer has only small chunks left to write once they have stopped. Events do not depend on it."""
    start = first
    while start < stop:
        remaining = stop - start
        n = min(chunk_size, remaining, max(min_events, -(-remaining // (4 * workers))))
        yield start, n
        start += n


def _parts(value):
    """("array", [array]) or ("jagged", [offsets, content]) for a chunk column; None if not plain numbers."""
    if isinstance(value, ak.Array):
        layout = value.layout
        if (isinstance(layout, ak.contents.ListOffsetArray) and isinstance(layout.content, ak.contents.NumpyArray)
                and layout.content.data.ndim == 1):
            return "jagged", [np.asarray(layout.offsets), np.asarray(layout.content.data)]
        return None
    value = np.asarray(value)
    return ("array", [value]) if value.dtype.kind in "biuf" else None


def pack(chunk: dict, slot: np.ndarray) -> dict | None:
    """Copy the arrays of ``chunk`` into ``slot`` (uint8); return their layout, or None if they do not fit."""
    layout, position = {}, 0
    for key, value in chunk.items():
        parts = _parts(value)
        if parts is None:
            return None
        kind, arrays = parts
        specs = []
        for array in arrays:
            end = position + array.nbytes
            if end > slot.size:
                return None
            slot[position:end].view(array.dtype).reshape(array.shape)[...] = array
            specs.append((array.dtype.str, array.shape, position))
            position = -(-end // _ALIGN) * _ALIGN
        layout[key] = (kind, specs)
    return layout


def unpack(layout: dict, slot: np.ndarray) -> dict:
    """The chunk whose arrays ``pack`` put in ``slot``, as views of it (valid until the slot is reused)."""
    def view(dtype, shape, position):
        dtype = np.dtype(dtype)
        return slot[position:position + dtype.itemsize * int(np.prod(shape))].view(dtype).reshape(shape)

    chunk = {}
    for key, (kind, specs) in layout.items():
        if kind == "array":
            chunk[key] = view(*specs[0])
        else:
            offsets, content = (view(*spec) for spec in specs)
            chunk[key] = ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(offsets),
                                                              ak.contents.NumpyArray(content)))
    return chunk


class ChunkPool:
    """Worker processes that generate chunks of a prepared run. Create it before this process starts any thread
    (the writer thread, a progress bar), so the workers can be forked: they then inherit the prepared run instead
    of importing simcoh and rebuilding it (seconds each)."""

    def __init__(self, prepared, workers: int, slot_bytes: int = 0):
        remember_prepared(prepared)
        self.workers = workers
        threads = max(1, (os.cpu_count() or 1) // workers)
        method = start_method()
        # slots: one per chunk being generated or waiting (workers + 1), queued (1) and being written (1)
        _SLOTS[:] = [mmap.mmap(-1, slot_bytes) for _ in range(workers + 3)] if method == "fork" and slot_bytes else []
        self.slots = [np.frombuffer(m, np.uint8) for m in _SLOTS]
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method),
                                            initializer=_init_worker,
                                            initargs=(prepared.result, threads, allocator.applied(), os.getpid()))
        # the executor starts processes on demand: start them all now, while this process has one thread
        for future in [self._pool.submit(os.getpid) for _ in range(workers)]:
            future.result()

    def chunks(self, ranges, free_slots=None):
        """Yield ``(n, chunk, slot)`` for each ``(first, n)`` of ``ranges``, in order. ``slot`` is the index of
        the shared slot holding the chunk (None if it came pickled); hand it back through ``free_slots`` (a
        queue, initially empty) once the chunk has been written."""
        ranges = iter(ranges)
        spare = list(range(len(self.slots)))

        def submit(first, n):
            slot = None
            if self.slots:
                slot = spare.pop() if spare else free_slots.get()  # waits for the writer to release one
            return n, slot, self._pool.submit(_run_chunk, first, n, slot)

        pending = collections.deque(submit(*r) for r in itertools.islice(ranges, self.workers + 1))
        while pending:
            n, slot, future = pending.popleft()
            try:
                kind, payload = future.result()
            except cf.process.BrokenProcessPool:
                raise SimcohError("a worker process died (killed or out of memory); no output file was written")
            if kind == "slot":
                chunk = unpack(payload, self.slots[slot])
            else:
                chunk = payload
                if slot is not None:
                    spare.append(slot)
                    slot = None
            following = next(ranges, None)
            if following is not None:
                pending.append(submit(*following))
            elif not pending:  # the last chunk is in: let the workers exit while it is written
                self._pool.shutdown(wait=False)
            yield n, chunk, slot

    def close(self, stop: bool = False):
        """Shut the workers down once their chunks are done; with ``stop`` (after an error or an interrupt),
        end them at once instead."""
        if stop:
            signals.terminate_workers(self._pool)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.slots = []
        _SLOTS.clear()  # the mappings go when the last view of them does

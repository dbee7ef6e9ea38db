"""Appending to a chunked HDF5 dataset one whole chunk at a time, the chunks filtered by a thread pool.

Each stream keeps the rows that do not yet fill an HDF5 chunk (at most one chunk) and hands every full chunk
to the pool to be shuffled and deflated (:mod:`simcoh.io.codec`); the writer then stores the encoded chunks
in order with ``write_direct_chunk``. (LZF, an explicit choice, is left to HDF5: its full chunks are written
through the dataset, one at a time.) No chunk is written twice (HDF5 itself would compress a partly filled
chunk at the end of every append, then read, decompress and compress it again on the next), and the
compression of a chunk of events uses every core. The last, partly filled chunk goes through HDF5 at finish.
"""

from __future__ import annotations

import concurrent.futures as cf
import os

import h5py
import numpy as np

from .codec import ChunkFilter


class ChunkStream:
    """Rows appended to ``dataset`` (chunked along axis 0 in chunks of ``dataset.chunks[0]`` rows)."""

    def __init__(self, dataset: h5py.Dataset, chunk_filter: ChunkFilter):
        self.dataset = dataset
        self.filter = chunk_filter
        self.rows_per_chunk = dataset.chunks[0]
        self.rows = dataset.shape[0]  # rows appended so far (stored, or held in the tail)
        if self.rows % self.rows_per_chunk:
            raise ValueError(f"{dataset.name}: a stream must start at a chunk boundary (it has {self.rows} rows)")
        self._tail = np.empty((self.rows_per_chunk, *dataset.shape[1:]), dataset.dtype)
        self._tail_rows = 0

    def add(self, values: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Take ``values``; return the full chunks to store, as (first row, rows). The returned arrays may be
        views of ``values``: encode them before ``values`` is reused."""
        full: list[tuple[int, np.ndarray]] = []
        size, done = self.rows_per_chunk, 0
        start = self.rows - self._tail_rows  # first row of the tail
        if self._tail_rows:
            done = min(size - self._tail_rows, len(values))
            self._tail[self._tail_rows:self._tail_rows + done] = values[:done]
            self._tail_rows += done
            if self._tail_rows == size:
                full.append((start, self._tail))
                self._tail = np.empty_like(self._tail)  # the filled one is in flight
                self._tail_rows, start = 0, start + size
        while len(values) - done >= size:
            full.append((start, values[done:done + size]))
            done, start = done + size, start + size
        rest = len(values) - done
        self._tail[:rest] = values[done:]
        self._tail_rows += rest
        self.rows += len(values)
        return full

    def grow(self) -> None:
        """Extend the dataset to every row appended so far (chunks are stored only inside its extent)."""
        if self.dataset.shape[0] != self.rows:
            self.dataset.resize(self.rows, axis=0)

    def store(self, first_row: int, encoded: tuple) -> None:
        data, mask = encoded
        self.dataset.id.write_direct_chunk((first_row,) + (0,) * (self.dataset.ndim - 1), data, mask)

    def write_rows(self, first_row: int, rows: np.ndarray) -> None:
        """Store whole chunk rows through HDF5's own filters (for a pipeline not encoded here)."""
        self.dataset[first_row:first_row + len(rows)] = rows

    def write_tail(self) -> None:
        """Write the partly filled last chunk through HDF5's own filters (at finish, or to make a flushed
        file readable so far; the chunk is stored again, whole, once it fills)."""
        self.grow()
        if self._tail_rows:
            self.dataset[self.rows - self._tail_rows:self.rows] = self._tail[:self._tail_rows]


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. under taskset or a batch system's cgroup)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class ChunkEncoder:
    """The thread pool that filters chunks; ``threads`` defaults to the number of usable cores."""

    def __init__(self, threads: int | None = None):
        self._pool = cf.ThreadPoolExecutor(max_workers=threads or usable_cores(), thread_name_prefix="simcoh-compress")

    def store_all(self, jobs: list[tuple[ChunkStream, int, np.ndarray]]) -> None:
        """Encode the chunks of ``jobs`` in parallel and store each, in order, as soon as it is ready."""
        futures = [(stream, first, rows, self._pool.submit(stream.filter.encode, rows) if stream.filter.direct
                    else None) for stream, first, rows in jobs]
        try:
            for stream, first, rows, future in futures:
                if future is None:
                    stream.write_rows(first, rows)
                else:
                    stream.store(first, future.result())
        finally:
            pending = [f for *_, f in futures if f is not None]
            for future in pending:  # after an error: let the pool finish before buffers are reused
                future.cancel()
            cf.wait(pending)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

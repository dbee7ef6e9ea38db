"""Local parallel generation for one output file: worker processes run the pipeline on chunks of events and
hand them back in event order; this process writes them through the usual background writer.

Events are the same as in a serial run (each event's random streams depend only on the run seed and its index).
Unlike a sharded production (``--shards``, ``--dask``, ``--shard``), nothing is written twice: there are no shard
files to merge, so no second compression pass. At most ``workers + 1`` chunks are in flight, which bounds memory.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import itertools
import multiprocessing as mp
import os

from ..errors import SimcohError
from .executors import start_method
from .shard_job import prepared_run, remember_prepared

_STATE: dict = {}  # per worker process: the prepared run and its reusable truth buffers


def _init_worker(result, threads: int) -> None:
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    _STATE["prepared"] = prepared_run(result)  # inherited when forked, rebuilt once when spawned
    _STATE["buffers"] = None


def _run_chunk(first: int, n: int) -> dict:
    pipe = _STATE["prepared"].pipeline
    if _STATE["buffers"] is None or len(_STATE["buffers"]["event_id"]) < n:
        _STATE["buffers"] = pipe.allocate(n)
    return pipe.run_chunk(first, n, _STATE["buffers"])  # pickled (copied) on return, so buffers can be reused


class ChunkPool:
    """Worker processes that generate chunks of a prepared run. Create it before this process starts any thread
    (the writer thread, a progress bar), so the workers can be forked: they then inherit the prepared run instead
    of importing simcoh and rebuilding it (seconds each)."""

    def __init__(self, prepared, workers: int):
        remember_prepared(prepared)
        self.workers = workers
        threads = max(1, (os.cpu_count() or 1) // workers)
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(start_method()),
                                            initializer=_init_worker, initargs=(prepared.result, threads))
        # the executor starts processes on demand: start them all now, while this process has one thread
        for future in [self._pool.submit(os.getpid) for _ in range(workers)]:
            future.result()

    def chunks(self, ranges):
        """Yield ``(n, chunk)`` for each ``(first, n)`` of ``ranges``, in order."""
        ranges = iter(ranges)
        pending = collections.deque((n, self._pool.submit(_run_chunk, first, n))
                                    for first, n in itertools.islice(ranges, self.workers + 1))
        while pending:
            n, future = pending.popleft()
            try:
                chunk = future.result()
            except cf.process.BrokenProcessPool:
                raise SimcohError("a worker process died (killed or out of memory); no output file was written")
            following = next(ranges, None)
            if following is not None:
                pending.append((following[1], self._pool.submit(_run_chunk, *following)))
            yield n, chunk

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)

"""Executors that run shard jobs: in this process, in a pool of local processes, or on a Dask cluster.

Each returns ``(records, failures)``: the manifest record of every shard that finished, by shard index, and the
error text of every shard that did not. A failure never stops the other shards; the caller reports them and a
re-run redoes only those. ``report(n)`` receives the events done, summed over workers (the progress bar).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import queue
import time
import uuid

from ..errors import SimcohError
from .processes import start_method
from .shard_job import ShardJob, run_shard_job

_PROGRESS = None  # the progress queue of a local worker process


def run_serial(jobs: list[ShardJob], report) -> tuple[dict, dict]:
    records, failures = {}, {}
    for job in jobs:
        try:
            records[job.shard.index] = run_shard_job(job, report)
        except Exception as exc:  # noqa: BLE001  (recorded, reported by the caller)
            failures[job.shard.index] = f"{type(exc).__name__}: {exc}"
    return records, failures


def _init_local_worker(progress) -> None:
    global _PROGRESS
    _PROGRESS = progress


def _report_local(n: int) -> None:
    _PROGRESS.put(n)


def _run_local(job: ShardJob) -> dict:
    return run_shard_job(job, _report_local)


def _drain(q, report) -> None:
    while True:
        try:
            report(q.get_nowait())
        except queue.Empty:
            return


def run_local(jobs: list[ShardJob], workers: int, report, method: str | None = None) -> tuple[dict, dict]:
    """Run the jobs in ``workers`` local processes, one shard at a time each (``method``: see start_method)."""
    ctx = mp.get_context(method or start_method())
    progress = ctx.Queue()
    records, failures = {}, {}
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_local_worker,
                                initargs=(progress,)) as pool:
        pending = {pool.submit(_run_local, job): job for job in jobs}
        while pending:
            done, _ = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            _drain(progress, report)
            for future in done:
                job = pending.pop(future)
                try:
                    records[job.shard.index] = future.result()
                except cf.process.BrokenProcessPool:
                    failures[job.shard.index] = "a worker process died (killed or out of memory) during this shard"
                except Exception as exc:  # noqa: BLE001
                    failures[job.shard.index] = f"{type(exc).__name__}: {exc}"
        _drain(progress, report)
    return records, failures


class _DaskReporter:
    """Sends chunk sizes from a Dask worker to the client through a named distributed Queue."""

    def __init__(self, name: str):
        self.name = name
        self._queue = None

    def __call__(self, n: int) -> None:
        if self._queue is None:
            from distributed import Queue

            self._queue = Queue(self.name)
        self._queue.put(n)

    def __getstate__(self):
        return {"name": self.name}

    def __setstate__(self, state):
        self.name, self._queue = state["name"], None


def _run_dask(job: ShardJob, reporter: _DaskReporter) -> dict:
    return run_shard_job(job, reporter)


def import_distributed():
    try:
        import distributed
    except ImportError:
        raise SimcohError("--dask needs dask.distributed, which is not installed; install it with "
                          "pip install 'simcoh[dask]'") from None
    return distributed


def dask_client(address: str, workers: int | None):
    """A Client to ``address``, or to a new LocalCluster of worker processes (one thread each) for "local"."""
    distributed = import_distributed()
    if address == "local":
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count(), threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(address, timeout="30s"), None
    except OSError as err:
        raise SimcohError(f"cannot reach the Dask scheduler at {address}: {err}") from None


def dask_threads(client) -> int:
    """Total worker threads of a cluster (the default number of shards of a Dask production)."""
    return max(1, sum(client.nthreads().values()))


def run_dask(jobs: list[ShardJob], client, report) -> tuple[dict, dict]:
    distributed = import_distributed()
    name = f"simcoh-progress-{uuid.uuid4().hex}"
    progress = distributed.Queue(name, client=client)
    reporter = _DaskReporter(name)
    futures = {client.submit(_run_dask, job, reporter, pure=False, key=f"simcoh-shard-{job.shard.index}-{name}"):
               job for job in jobs}
    records, failures = {}, {}

    def drain():
        n = progress.qsize()
        if n:
            for item in progress.get(batch=n):
                report(item)

    while futures:
        time.sleep(0.2)
        drain()
        for future in [f for f in futures if f.done()]:
            job = futures.pop(future)
            try:
                records[job.shard.index] = future.result()
            except Exception as exc:  # noqa: BLE001  (KilledWorker, errors raised in the shard)
                failures[job.shard.index] = f"{type(exc).__name__}: {exc}"
    drain()
    return records, failures

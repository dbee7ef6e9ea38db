"""Executors that run shard jobs: in this process, in a pool of local processes, or on a Dask cluster.

Each returns ``(records, failures)``: the manifest record of every shard that finished, by shard index, and the
error text of every shard that did not. A failure never stops the other shards; the caller reports them and a
re-run redoes only those. ``report(n)`` receives the events done, summed over workers (the progress bar).
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing as mp
import os
import queue
import time
import uuid

from ..errors import SimcohError
from . import signals
from .processes import start_method
from .shard_job import ShardJob, run_shard_job

_PROGRESS = None  # the progress queue of a local worker process
#: How long an interrupted Dask production waits for its running shards to stop and delete their partial files
DASK_STOP_TIMEOUT_S = 3.0


def run_serial(jobs: list[ShardJob], report) -> tuple[dict, dict]:
    records, failures = {}, {}
    for job in jobs:
        try:
            records[job.shard.index] = run_shard_job(job, report)
        except Exception as exc:  # noqa: BLE001  (recorded, reported by the caller)
            failures[job.shard.index] = f"{type(exc).__name__}: {exc}"
    return records, failures


def _init_local_worker(progress, parent_pid: int) -> None:
    global _PROGRESS
    signals.init_worker(parent_pid)
    _PROGRESS = progress


def _report_local(n: int) -> None:
    _PROGRESS.put(n)


def _run_local(job: ShardJob) -> dict:
    with signals.worker_task():  # a stop signal deletes the shard's partial file, then ends the worker
        return run_shard_job(job, _report_local)


def _drain(q, report) -> None:
    while True:
        try:
            report(q.get_nowait())
        except queue.Empty:
            return


def run_local(jobs: list[ShardJob], workers: int, report, method: str | None = None) -> tuple[dict, dict]:
    """Run the jobs in ``workers`` local processes, one shard at a time each (``method``: see start_method).
    If this process is interrupted, the workers are stopped (they delete their partial files) before it goes on."""
    ctx = mp.get_context(method or start_method())
    progress = ctx.Queue()
    records, failures = {}, {}
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_local_worker,
                                  initargs=(progress, os.getpid()))
    try:
        pending = {pool.submit(_run_local, job): job for job in jobs}
        while pending:
            signals.check()  # a stop signal whose exception Python dropped
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
    except BaseException:
        signals.terminate_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return records, failures


class ShardStopped(SimcohError):
    """A shard running on a Dask worker was told to stop (the client was interrupted)."""


class _DaskReporter:
    """Reports chunk sizes from a Dask worker to the client as events of the topic ``name``
    (``Worker.log_event``: no client in the worker, which would outlive a worker closed under a running shard),
    and stops the shard, deleting its partial file, once the client has cancelled it."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, n: int) -> None:
        from distributed import get_worker

        worker = get_worker()
        worker.log_event(self.name, n)
        task = worker.state.tasks.get(worker.get_current_task())
        if task is None or task.state in ("cancelled", "released", "forgotten"):
            raise ShardStopped("the production was interrupted; this shard stopped and deleted its partial file")


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
        # logs at ERROR only: a cluster closed under a running shard (an interrupt) would warn about each task
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count(), threads_per_worker=1,
                                           processes=True, dashboard_address=":0", silence_logs=logging.ERROR)
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
    reporter = _DaskReporter(name)
    futures = {client.submit(_run_dask, job, reporter, pure=False, key=f"simcoh-shard-{job.shard.index}-{name}"):
               job for job in jobs}
    records, failures = {}, {}
    seen = 0

    def drain():
        nonlocal seen
        events = client.get_events(name)
        for _, n in events[seen:]:
            report(n)
        seen = len(events)

    try:
        while futures:
            signals.check()
            time.sleep(0.2)
            drain()
            for future in [f for f in futures if f.done()]:
                job = futures.pop(future)
                try:
                    records[job.shard.index] = future.result()
                except Exception as exc:  # noqa: BLE001  (KilledWorker, errors raised in the shard)
                    failures[job.shard.index] = f"{type(exc).__name__}: {exc}"
        drain()
    except BaseException:  # interrupted: running shards stop after their current chunk and clean up
        _stop_dask_shards(distributed, client, list(futures))
        raise
    return records, failures


def _executing(dask_worker) -> int:
    return len(dask_worker.state.executing)


def _stop_dask_shards(distributed, client, futures, timeout_s: float = DASK_STOP_TIMEOUT_S) -> None:
    """Cancel the shards (those running stop after their current chunk, deleting their partial file) and wait up
    to ``timeout_s`` for the workers to have none running."""
    deadline = time.monotonic() + timeout_s
    try:
        client.cancel(futures)
        while time.monotonic() < deadline and any(client.run(_executing).values()):
            time.sleep(0.1)
    except Exception:  # noqa: BLE001  (a lost scheduler: closing the cluster stops the rest)
        pass

"""One shard of a production, as a self-contained job that any executor (this process, a local process pool, a Dask
worker, a Slurm array task) can run: build the run from the checked macro, stream the shard's event range into
its shard file, record the result in the manifest."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from .merge import file_sha256
from ..io.provenance import created_utc
from . import allocator, locks
from .manifest import running_fields, update_shard
from .prepare import prepared_run
from .processes import set_numba_threads
from .run import write_events
from .shards import Shard


@dataclass(frozen=True)
class ShardJob:
    """Everything a worker needs (picklable): the checked macro, the shard, where to write and record it."""

    result: object  # MacroResult
    shard: Shard
    path: str
    manifest: str | None = None
    command_line: str = ""
    threads: int | None = None  # numba threads in the worker; None leaves numba's default
    keep_freed_memory: bool = False  # apply the allocator settings in the worker (the simcoh command's own)


def shard_lock(shard: Shard, path: str | os.PathLike):
    """The lock that keeps a second run of ``shard`` (file ``path``) out while this one writes it."""
    directory = Path(path).parent
    return locks.exclusive(path, f"{shard.label} of production {directory}",
                           f"Wait for that run to finish (`simcoh status {directory}` shows the shards), or stop it "
                           "and run this command again.")


def run_shard_job(job: ShardJob, report=None) -> dict:
    """Write one shard file; return the record stored in the manifest. ``report(n)`` is called per chunk.
    Raises locks.BusyError, before anything is written, while another process runs the same shard."""
    with shard_lock(job.shard, job.path):
        return _run_locked(job, report)


def _run_locked(job: ShardJob, report) -> dict:
    manifest = Path(job.manifest) if job.manifest else None
    if manifest is not None:
        update_shard(manifest, job.shard.index, **running_fields())
    try:
        set_numba_threads(job.threads)
        if job.keep_freed_memory:
            allocator.keep_freed_memory()
        prepared = prepared_run(job.result)
        summary = write_events(prepared, progress=False, command_line=job.command_line, first=job.shard.first,
                               stop=job.shard.stop, path=job.path,
                               extra_provenance={"shard": job.shard.provenance()}, on_chunk=report, overwrite=False)
        record = {"status": "complete", "n_events": summary.n_events, "size_bytes": summary.size_bytes,
                  "sha256": file_sha256(job.path), "finished_utc": created_utc(), "host": socket.gethostname(),
                  "pid": os.getpid(), "elapsed_s": round(summary.elapsed_s, 3),
                  "events_per_process": summary.events_per_process, "error": None}
    except BaseException as exc:
        if manifest is not None:
            stopped = isinstance(exc, KeyboardInterrupt) and str(exc)  # "interrupted by SIGTERM"
            update_shard(manifest, job.shard.index, status="failed",
                         error=str(exc) if stopped else f"{type(exc).__name__}: {exc}", finished_utc=created_utc())
        raise
    if manifest is not None:
        update_shard(manifest, job.shard.index, **record)
    return record

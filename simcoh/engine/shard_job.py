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
from . import allocator
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


def _remove_stale_partials(path: Path) -> None:
    """Delete temporary files that interrupted runs of this shard left on this host (their process is gone)."""
    for partial in path.parent.glob(f".{path.name}.partial.*"):
        pid = partial.name.rsplit(".", 1)[-1].split("-")[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            partial.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            pass


def run_shard_job(job: ShardJob, report=None) -> dict:
    """Write one shard file; return the record stored in the manifest. ``report(n)`` is called per chunk."""
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
            update_shard(manifest, job.shard.index, status="failed", error=f"{type(exc).__name__}: {exc}",
                         finished_utc=created_utc())
        raise
    _remove_stale_partials(Path(job.path))
    if manifest is not None:
        update_shard(manifest, job.shard.index, **record)
    return record


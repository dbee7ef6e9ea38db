"""Productions: a run split into shards by event range, written as shard files in a production directory, then
merged into the output file.

    run.h5            the merged output (written last, atomically)
    run.shards/       the production directory
      manifest.json   what is produced and where each shard stands (see simcoh.engine.manifest)
      shard-0000-of-0004.h5 ...

:func:`run_production` plans or resumes a production (only shards that are not complete are run), runs them with
an executor, merges them and records the merged file's checksum; :func:`run_array_shard` runs one shard, for
array jobs; :func:`merge_production` merges the shards of a manifest.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .merge import file_sha256, merge_shards
from ..io.provenance import created_utc
from ..io import partials
from ..io.writer import check_destination
from . import allocator, executors, locks, signals
from .processes import start_method as default_start_method
from .manifest import (ProductionError, load_manifest, manifest_path, new_manifest, open_production,
                       shard_states, update_manifest, update_shard)
from .prepare import RunSummary, remember_prepared, run_notes
from .shard_job import ShardJob, shard_lock
from .shards import Shard, production_dir_for


@dataclass
class Production:
    prepared: object  # PreparedRun
    directory: Path
    manifest_path: Path
    manifest: dict
    output: Path

    @property
    def shards(self) -> list[Shard]:
        n = self.manifest["n_shards"]
        return [Shard(e["index"], n, e["first_event"], e["stop_event"]) for e in self.manifest["shards"]]

    def states(self):
        return shard_states(load_manifest(self.manifest_path), self.directory)

    def job(self, shard: Shard, command_line: str, threads: int | None = None) -> ShardJob:
        return ShardJob(self.prepared.result, shard, str(self.directory / shard.file_name), str(self.manifest_path),
                        command_line, threads, allocator.applied())


def open_or_create(prepared, n_shards: int | None, directory=None, command_line: str = "") -> Production:
    """The production of a prepared run: a new one of ``n_shards`` shards, or the existing one in ``directory``
    (default: beside the output) after checking that it is the same production."""
    output = Path(prepared.config.output_file)
    directory = Path(directory) if directory is not None else production_dir_for(output)
    path = directory / "manifest.json"
    if n_shards is None:
        n_shards = load_manifest(path)["n_shards"] if path.exists() else 1
    if n_shards < 1:
        raise InputError(f"--shards {n_shards}: the number of shards must be at least 1")
    manifest = open_production(path, new_manifest(prepared, n_shards, output, command_line))
    return Production(prepared, directory, path, manifest, output)


def _log(text: str, file=None) -> None:
    """The default ``log`` of the production functions: the ``simcoh`` logger (``file`` is ignored)."""
    from ..progress import LOGGER

    LOGGER.info(text)


def _progress_bar(total: int, initial: int, desc: str, enabled: bool):
    from ..progress import Progress

    return Progress(total, desc, enabled=enabled, initial=initial)


def run_production(prepared, *, workers: int = 1, dask: str | None = None, n_shards: int | None = None,
                   directory=None, progress: bool = True, command_line: str = "", keep_shards: bool = False,
                   start_method: str | None = None, log=None) -> RunSummary:
    """Run (or resume) a sharded production and merge it into the output file.

    ``workers`` local processes, or a Dask cluster at ``dask`` ("local" starts a LocalCluster of ``workers``
    processes; local processes are forked when that is safe, else spawned: ``start_method`` forces one).
    Raises ProductionError naming the shards that failed; their re-run redoes only those. ``log(text, file=...)``
    prints its messages (default: the ``simcoh`` logger, at level INFO).
    """
    log = log or _log
    cfg = prepared.config
    check_destination(Path(cfg.output_file), cfg.overwrite)  # before any work: exit status 3 if it exists
    t0 = time.perf_counter()
    client = cluster = prod = None
    try:
        if dask is not None:
            with signals.deferred():  # a cluster half started or half closed would hang this process's exit
                client, cluster = executors.dask_client(dask, workers if dask == "local" else None)
            if n_shards is None and not manifest_path(production_dir_for(cfg.output_file) if directory is None
                                                      else Path(directory)).exists():
                n_shards = executors.dask_threads(client)
        elif n_shards is None and workers > 1:
            prod_dir = production_dir_for(cfg.output_file) if directory is None else Path(directory)
            if not (prod_dir / "manifest.json").exists():
                n_shards = workers
        prod = open_or_create(prepared, n_shards, directory, command_line)
        states = prod.states()
        todo = [s.shard for s in states if not s.done]
        done_events = sum(s.shard.n_events for s in states if s.done)
        log(f"production {prod.directory}: {len(states)} shard(s), {len(states) - len(todo)} already done, "
            f"running {len(todo)}" + (f" on Dask ({dask})" if dask else f" with {workers} worker(s)"), file=sys.stderr)
        threads = max(1, (os.cpu_count() or 1) // workers) if dask in (None, "local") else None
        jobs = [prod.job(shard, command_line, threads) for shard in todo]
        remember_prepared(prepared)  # forked workers and serial shards reuse it
        method = start_method or (default_start_method() if workers > 1 and len(jobs) > 1 else None)
        bar = _progress_bar(prepared.generator.n_events, done_events, os.path.basename(cfg.output_file), progress)
        try:
            if not jobs:
                records, failures = {}, {}
            elif dask is not None:
                records, failures = executors.run_dask(jobs, client, bar.update)
            elif workers > 1 and len(jobs) > 1:
                records, failures = executors.run_local(jobs, min(workers, len(jobs)), bar.update, method)
            else:
                records, failures = executors.run_serial(jobs, bar.update)
        finally:
            bar.close()
    finally:
        with signals.deferred():
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        if prod is not None:  # the workers are gone: delete what a stopped or killed one left (Dask workers)
            _remove_stale_partials(prod)
    for index, error in failures.items():
        update_shard(prod.manifest_path, index, status="failed", error=error, finished_utc=created_utc())
    if failures:
        lines = [f"shard {i} ({prod.shards[i].file_name}): {err}" for i, err in sorted(failures.items())]
        raise ProductionError(f"{len(failures)} of {len(states)} shard(s) failed; the others are complete and "
                              "kept. Re-run the same command to redo only the failed shards.\n  " + "\n  ".join(lines))
    t_shards = time.perf_counter() - t0
    summary = _merge_and_summarize(prod, progress, command_line, keep_shards, t0)
    log(f"timing: shards {t_shards:.2f} s, merge {summary.elapsed_s - t_shards:.2f} s", file=sys.stderr)
    return summary


def _remove_stale_partials(prod: Production) -> None:
    """Partial and lock files of shards whose writer is gone (a Dask worker closed while its shard ran)."""
    for shard in prod.shards:
        partials.remove_stale(prod.directory / shard.file_name)
        locks.remove_stale(prod.directory / shard.file_name)


def _merge_and_summarize(prod: Production, progress: bool, command_line: str, keep_shards: bool,
                         t0: float) -> RunSummary:
    cfg, gen = prod.prepared.config, prod.prepared.generator
    result = merge_production(prod.manifest_path, output=cfg.output_file, overwrite=cfg.overwrite,
                              progress=progress, command_line=command_line, keep_shards=keep_shards)
    return RunSummary(str(result.path), result.n_events, result.events_per_process, dict(gen.expected),
                      time.perf_counter() - t0, os.path.getsize(result.path), cfg.config_hash(), cfg.mode,
                      gen.weight, run_notes(cfg))


def merge_production(manifest, *, output=None, overwrite: bool = False, progress: bool = False,
                     command_line: str = "", keep_shards: bool = True):
    """Merge the shards of a production (its manifest or directory) into ``output`` (default: the manifest's);
    record the merged file in the manifest; delete the shard files unless ``keep_shards``."""
    path = manifest_path(manifest)
    data = load_manifest(path)
    output = Path(output) if output is not None else Path(data["output"])
    files = [path.parent / e["file"] for e in data["shards"]]
    merged_before = [e["index"] for e in data["shards"] if e.get("status") == "merged"]
    if merged_before:
        raise ProductionError(f"{path}: shard(s) {', '.join(map(str, merged_before))} were deleted after an earlier "
                              f"merge into {data['merged']['file'] if data.get('merged') else 'the output'}; "
                              "nothing left to merge")
    bar = _progress_bar(data["n_events"], 0, f"merge -> {output.name}", progress)
    try:
        result = merge_shards(output, files, overwrite=overwrite, reference=data, command_line=command_line,
                              on_events=bar.update)
    finally:
        bar.close()
    merged = {"file": str(output.resolve()), "n_events": result.n_events, "sha256": file_sha256(result.path),
              "finished_utc": created_utc()}
    update_manifest(path, merged=merged)
    if not keep_shards:
        for entry, file in zip(data["shards"], files):
            file.unlink(missing_ok=True)
            update_shard(path, entry["index"], status="merged")
    return result


def run_array_shard(prepared, index: int, count: int, *, directory=None, progress: bool = True,
                    command_line: str = "", log=None) -> dict | None:
    """Run shard ``index`` of ``count`` in this process (an array job); None if it was already complete.
    Refused up front (locks.BusyError), leaving nothing behind, while another process runs the same shard."""
    log = log or _log
    prod = open_or_create(prepared, count, directory, command_line)
    if prod.manifest["n_shards"] != count:
        raise ProductionError(f"{prod.manifest_path} has {prod.manifest['n_shards']} shards, not {count}")
    shard = prod.shards[index]
    with shard_lock(shard, prod.directory / shard.file_name):
        state = prod.states()[index]
        if state.done:
            log(f"{shard.label} is already {state.state} in {state.path}; nothing to do", file=sys.stderr)
            return None
        if state.path.exists():
            raise ProductionError(f"{state.path} exists but is not a complete shard of this production "
                                  f"({state.detail}); delete it to run {shard.label} again")
        bar = _progress_bar(shard.n_events, 0, shard.file_name, progress)
        try:
            records, failures = executors.run_serial([prod.job(shard, command_line)], bar.update)
        finally:
            bar.close()
    if failures:
        raise ProductionError(f"{shard.label} failed: {failures[index]}")
    return records[index]

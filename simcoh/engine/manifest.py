"""The manifest of a production: one JSON file in the production directory that says what is being made (macro
texts, configuration hash, seed, number of events, schema, software versions) and where each shard stands.

Array jobs update it concurrently, so every change is a locked read-modify-write followed by an atomic rename;
readers never see a half-written manifest. The manifest is a record, not the authority: the shard files carry
their own provenance and ``complete`` flag, and :func:`shard_states` checks the files on disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from ..errors import SimcohError
from ..io.provenance import created_utc, runtime_versions
from .shards import Shard, check_shard_count, plan_shards

MANIFEST_NAME = "manifest.json"
FORMAT = "simcoh-production"
FORMAT_VERSION = 1


class ProductionError(SimcohError):
    """A production directory, manifest or shard does not fit the production being run or merged."""


def manifest_path(target: str | os.PathLike) -> Path:
    """The manifest file of ``target``: the manifest itself or the production directory holding it."""
    target = Path(target)
    return target / MANIFEST_NAME if target.is_dir() else target


def column_schema(columns) -> list[dict]:
    """The schema of an event file as JSON: name, dtype, unit and jaggedness of each column, in order."""
    return [{"name": c.name, "dtype": str(c.dtype), "unit": c.unit, "jagged": c.jagged} for c in columns]


def new_manifest(prepared, count: int, output: str | os.PathLike, command_line: str = "") -> dict:
    """The manifest of a production of ``count`` shards of a prepared run; every shard pending."""
    cfg = prepared.config
    check_shard_count(int(count), int(prepared.generator.n_events))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "output": os.path.abspath(output),
        "created_utc": created_utc(),
        "updated_utc": created_utc(),
        "command_line": command_line,
        "macro_texts": dict(prepared.result.macro_texts),
        "config_hash": cfg.config_hash(),
        "seed": int(cfg.seed),
        "mode": cfg.mode,
        "fidelity": cfg.fidelity,
        "n_events": int(prepared.generator.n_events),
        "n_shards": int(count),
        "columns": column_schema(prepared.pipeline.columns),
        "versions": runtime_versions(),
        "shards": [{"index": s.index, "first_event": s.first, "stop_event": s.stop, "file": s.file_name,
                    "status": "pending"} for s in plan_shards(count, prepared.generator.n_events)],
        "merged": None,
    }


def load_manifest(path: str | os.PathLike) -> dict:
    """The manifest at ``path`` (or in the directory ``path``), checked; ProductionError if it is not one."""
    path = manifest_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProductionError(f"{path}: no such manifest (a production directory holds {MANIFEST_NAME})") from None
    except IsADirectoryError:
        raise ProductionError(f"{path} is a directory without {MANIFEST_NAME}") from None
    if raw.startswith(b"\x89HDF"):
        raise ProductionError(f"{path} is an HDF5 file, not a production manifest; to describe an event file use "
                              f"`simcoh info {path}`; a production's manifest is DIR/{MANIFEST_NAME}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProductionError(f"{path} is not text, so not a simcoh production manifest (expected the JSON file "
                              f"{MANIFEST_NAME} of a production directory)") from None
    except json.JSONDecodeError as err:
        raise ProductionError(f"{path} is not valid JSON ({err}); it is not a simcoh production manifest") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProductionError(f"{path} is not a simcoh production manifest (no \"format\": \"{FORMAT}\")")
    if data.get("format_version") != FORMAT_VERSION:
        raise ProductionError(f"{path} has manifest format version {data.get('format_version')}; this simcoh "
                              f"reads version {FORMAT_VERSION}")
    problems = _manifest_problems(data)
    if problems:
        raise ProductionError(f"{path} is a damaged production manifest:\n  " + "\n  ".join(problems[:10]) +
                              "\nRestore it, or start the production again in a new directory.")
    return data


def _is_int(value, least: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _manifest_problems(data: dict) -> list[str]:
    """What is missing or of the wrong type in a manifest (everything the commands rely on)."""
    problems = []
    for key, kind in (("config_hash", str), ("output", str), ("fidelity", str), ("mode", str), ("columns", list),
                      ("shards", list)):
        if not isinstance(data.get(key), kind):
            problems.append(f"\"{key}\" should be a {'list' if kind is list else 'string'}, not {data.get(key)!r:.40}")
    for key, least in (("seed", -(2**63)), ("n_events", 0), ("n_shards", 1)):
        if not _is_int(data.get(key), least):
            problems.append(f"\"{key}\" should be an integer >= {least}, not {data.get(key)!r:.40}")
    if problems:
        return problems
    if len(data["shards"]) != data["n_shards"]:
        problems.append(f"\"shards\" lists {len(data['shards'])} shards, \"n_shards\" says {data['n_shards']}")
    for i, entry in enumerate(data["shards"]):
        ok = (isinstance(entry, dict) and entry.get("index") == i and _is_int(entry.get("first_event"))
              and _is_int(entry.get("stop_event")) and entry["first_event"] <= entry["stop_event"] <= data["n_events"]
              and isinstance(entry.get("file"), str) and entry["file"] == Path(entry["file"]).name != ""
              and isinstance(entry.get("status", "pending"), str))
        if not ok:
            problems.append(f"shard entry {i} should be {{\"index\": {i}, \"first_event\": N, \"stop_event\": M, "
                            f"\"file\": NAME, \"status\": ...}}, not {entry!r:.80}")
    merged = data.get("merged")
    if merged is not None and not (isinstance(merged, dict) and isinstance(merged.get("file"), str)
                                   and _is_int(merged.get("n_events")) and isinstance(merged.get("sha256"), str)):
        problems.append(f"\"merged\" should be null or {{\"file\", \"n_events\", \"sha256\", ...}}, not {merged!r:.60}")
    return problems


def _write(path: Path, data: dict) -> None:
    data["updated_utc"] = created_utc()
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.replace(temp, path)


@contextlib.contextmanager
def _locked(path: Path):
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def differences(manifest: dict, expected: dict) -> list[str]:
    """What differs between a manifest and the manifest a run would write (ignoring state and times)."""
    out = []
    for key, what in (("config_hash", "configuration hash"), ("seed", "seed"), ("n_events", "number of events"),
                      ("n_shards", "number of shards"), ("columns", "columns")):
        if manifest.get(key) != expected.get(key):
            mine, theirs = manifest.get(key), expected.get(key)
            if key == "config_hash":
                mine, theirs = str(mine)[:16] + "…", str(theirs)[:16] + "…"
            if key == "columns":
                mine = ", ".join(c["name"] for c in mine or [])
                theirs = ", ".join(c["name"] for c in theirs or [])
            out.append(f"{what}: the production has {mine}, this run has {theirs}")
    return out


def open_production(path: Path, expected: dict) -> dict:
    """Create the manifest ``path`` from ``expected``, or check that the existing one describes the same
    production; return the manifest as stored."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        if not path.exists():
            _write(path, expected)
            return expected
        current = load_manifest(path)
        problems = differences(current, expected)
        if problems:
            raise ProductionError(
                f"{path} belongs to another production:\n  " + "\n  ".join(problems) +
                f"\nUse another output file (or --production-dir), or delete {path.parent} to start again.")
        return current


def update_shard(path: Path, index: int, **fields) -> dict:
    """Set ``fields`` of shard ``index`` in the manifest ``path`` (locked); return the new manifest."""
    with _locked(path):
        data = load_manifest(path)
        data["shards"][index].update(fields)
        _write(path, data)
        return data


def update_manifest(path: Path, **fields) -> dict:
    with _locked(path):
        data = load_manifest(path)
        data.update(fields)
        _write(path, data)
        return data


def running_fields() -> dict:
    return {"status": "running", "host": socket.gethostname(), "pid": os.getpid(), "started_utc": created_utc(),
            "error": None}


@dataclass(frozen=True)
class ShardState:
    """Where one shard stands on disk: ``state`` is complete, merged, running, interrupted, failed or missing."""

    shard: Shard
    state: str
    path: Path
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.state in ("complete", "merged")


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, TypeError, ValueError):
        return True
    return True


def shard_states(manifest: dict, directory: Path) -> list[ShardState]:
    """The state of every shard of a manifest, judged from the files in ``directory``."""
    from ..io import EventFileError, open_events

    out = []
    for entry in manifest["shards"]:
        shard = Shard(entry["index"], manifest["n_shards"], entry["first_event"], entry["stop_event"])
        path = directory / entry["file"]
        status = entry.get("status", "pending")
        if path.exists():
            try:
                with open_events(path) as f:
                    prov = f.provenance
                    same = (prov.get("config_hash") == manifest["config_hash"]
                            and prov.get("shard") == shard.provenance() and f.n_events == shard.n_events)
                state = ("complete", "") if same else ("failed", "file does not match the manifest (run "
                                                                 "`simcoh merge` for the difference)")
            except EventFileError as err:
                state = ("failed", str(err))
        elif status == "merged":
            state = ("merged", "shard file removed after the merge")
        else:
            partials = list(directory.glob(f".{entry['file']}.partial.*"))
            local = entry.get("host") == socket.gethostname()
            if status == "running" and not (local and not _pid_alive(entry.get("pid"))):
                state = ("running", f"pid {entry.get('pid')} on {entry.get('host')} since {entry.get('started_utc')}")
            elif status == "failed":
                state = ("failed", entry.get("error") or "")
            elif partials or status == "running":
                state = ("interrupted", "partial file left by a run that did not finish" if partials else
                         f"pid {entry.get('pid')} on {entry.get('host')} is gone")
            else:
                state = ("missing", "")
        out.append(ShardState(shard, state[0], path, state[1]))
    return out


def format_status(manifest: dict, states: list[ShardState], where: Path) -> str:
    """The table printed by ``simcoh status``."""
    done = sum(s.done for s in states)
    lines = [f"production {where}",
             f"  output        {manifest['output']}",
             f"  config hash   {manifest['config_hash']}",
             f"  seed          {manifest['seed']}   events {manifest['n_events']:,}   fidelity {manifest['fidelity']}"
             f"   mode {manifest['mode']}",
             f"  shards        {done} of {manifest['n_shards']} done"]
    merged = manifest.get("merged")
    if merged:
        lines.append(f"  merged        {merged['file']} ({merged['n_events']:,} events, sha256 "
                     f"{merged['sha256'][:16]}…, {merged.get('finished_utc', '?')})")
    lines.append(f"  {'shard':>6}  {'first event':>12}  {'stop event':>12}  {'state':<11}  file / detail")
    for s in states:
        lines.append(f"  {s.shard.index:>6}  {s.shard.first:>12,}  {s.shard.stop:>12,}  {s.state:<11}  "
                     f"{s.path.name}{'  ' + s.detail if s.detail else ''}")
    todo = [s.shard.index for s in states if not s.done]
    if todo:
        lines.append(f"  to do: shard(s) {', '.join(map(str, todo))}; re-run the same command to redo only those")
    elif not merged:
        lines.append(f"  every shard is complete: simcoh merge {where}")
    return "\n".join(lines)

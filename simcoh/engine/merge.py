"""Merging the shard files of a production into one event file.

A shard file is an ordinary event file whose provenance holds ``shard = {index, count, first_event,
stop_event}``. :func:`check_shards` refuses (listing every problem, each naming the shard file and the difference)
shards that are missing, incomplete, duplicated or overlapping, that leave events uncovered, or whose
configuration hash, seed, number of events, columns or software versions differ from the others (or from the
production's manifest). :func:`merge_shards` then copies the events in event order into a new file (written
atomically by :class:`~simcoh.io.EventWriter`), keeps the provenance, records where each part came from under
``merged_from``, and recomputes the summary from the merged events.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, SimcohError
from ..io.multi import settings_difference
from ..io.codec import COMPRESSIONS, DEFAULT_LEVEL, LEVELS, canonical
from ..io.format import EventFileError, IncompleteFileError
from ..io.reader import EventFile, open_events
from ..io.writer import EventWriter
from .shards import plan_shards

#: Provenance keys that differ between the shards of one production and are not compared.
_PER_FILE = ("shard", "versions", "created_utc", "command_line")


class MergeError(SimcohError):
    """Shard files that cannot be merged; the message lists every problem, one per line."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(f"cannot merge: {n} problem{'s' if n > 1 else ''} found\n  " + "\n  ".join(self.problems))


def file_sha256(path: str | os.PathLike, block: int = 1 << 22) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while data := f.read(block):
            digest.update(data)
    return digest.hexdigest()


@dataclass
class ShardFile:
    """A readable shard: the open file and its event range."""

    path: Path
    file: EventFile
    index: int
    count: int
    first: int
    stop: int

    @property
    def provenance(self) -> dict:
        return self.file.provenance

    def __str__(self) -> str:
        return f"shard {self.index}/{self.count} {self.path}"


def _schema(columns) -> list[tuple]:
    return [(c.name, str(c.dtype), c.unit, c.jagged, tuple(c.shape)) for c in columns.values()]


def _schema_difference(mine, theirs) -> str:
    a, b = {c[0]: c for c in mine}, {c[0]: c for c in theirs}
    parts = []
    if extra := [n for n in a if n not in b]:
        parts.append(f"extra column(s) {', '.join(extra)}")
    if missing := [n for n in b if n not in a]:
        parts.append(f"missing column(s) {', '.join(missing)}")
    for name in a.keys() & b.keys():
        for what, i in (("dtype", 1), ("unit", 2), ("jagged", 3)):
            if a[name][i] != b[name][i]:
                parts.append(f"column {name} has {what} {a[name][i]!r}, not {b[name][i]!r}")
    if not parts and [c[0] for c in mine] != [c[0] for c in theirs]:
        parts.append("the columns are in another order")
    return "; ".join(sorted(parts))


def _config_difference(mine: str | None, theirs: str | None) -> str:
    """The settings that differ between two stored configurations (canonical JSON)."""
    return settings_difference(mine, theirs)


def _versions_difference(mine: dict, theirs: dict) -> str:
    keys = sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
    return ", ".join(f"{k} {mine.get(k, 'absent')} vs {theirs.get(k, 'absent')}" for k in keys)


def _open_shard(path: Path, problems: list[str]) -> ShardFile | None:
    try:
        f = open_events(path)
    except FileNotFoundError:
        problems.append(f"{path}: missing (no such file)")
        return None
    except IncompleteFileError:
        problems.append(f"{path}: incomplete (the run writing it never finished); run that shard again")
        return None
    except EventFileError as err:
        problems.append(f"{path}: unreadable: {err}")
        return None
    shard = f.provenance.get("shard")
    if not isinstance(shard, dict):
        f.close()
        problems.append(f"{path}: not a shard file (its provenance has no event range; shard files are written "
                        "by `simcoh run --shard I/N`, `--workers N` or `--dask`)")
        return None
    return ShardFile(path, f, int(shard["index"]), int(shard["count"]), int(shard["first_event"]),
                     int(shard["stop_event"]))


def _compare(s: ShardFile, ref: ShardFile, problems: list[str]) -> None:
    """Problems that make ``s`` a shard of another production than ``ref``."""
    p, q = s.provenance, ref.provenance
    where = f"{s.path}: differs from {ref.path} in"
    if p.get("config_hash") != q.get("config_hash"):
        detail = _config_difference(p.get("config_json"), q.get("config_json"))
        problems.append(f"{where} configuration hash ({str(p.get('config_hash'))[:16]}… vs "
                        f"{str(q.get('config_hash'))[:16]}…)" + (f": {detail}" if detail else ""))
    for key, what in (("seed", "seed"), ("n_events", "number of events of the run")):
        if p.get(key) != q.get(key):
            problems.append(f"{where} {what} ({p.get(key)} vs {q.get(key)})")
    if s.count != ref.count:
        problems.append(f"{where} number of shards ({s.count} vs {ref.count})")
    if diff := _schema_difference(_schema(s.file.columns), _schema(ref.file.columns)):
        problems.append(f"{where} columns: {diff}")
    if diff := _versions_difference(p.get("versions", {}), q.get("versions", {})):
        problems.append(f"{where} software versions: {diff}")


def _check_content(s: ShardFile, problems: list[str]) -> None:
    n = s.file.n_events
    if n != s.stop - s.first:
        problems.append(f"{s.path}: holds {n} events but its range [{s.first}, {s.stop}) needs {s.stop - s.first}")
    elif n and "event_id" in s.file.columns:
        ids = (int(s.file.read_column("event_id", 0, 1)[0]), int(s.file.read_column("event_id", n - 1, n)[0]))
        if ids != (s.first, s.stop - 1):
            problems.append(f"{s.path}: event ids run from {ids[0]} to {ids[1]}, not {s.first} to {s.stop - 1}")


def _check_coverage(shards: list[ShardFile], n_events: int, problems: list[str]) -> None:
    """Duplicated, overlapping and missing event ranges (``shards`` sorted by range)."""
    end, last = 0, None
    for s in shards:
        if last is not None and (s.first, s.stop) == (last.first, last.stop):
            problems.append(f"{s.path}: duplicates {last.path} (both hold shard {s.index}/{s.count}, events "
                            f"[{s.first}, {s.stop}))")
        elif s.first < end:
            problems.append(f"{s.path}: events [{s.first}, {s.stop}) overlap {last.path} (events "
                            f"[{last.first}, {last.stop}))")
        elif s.first > end:
            problems.append(f"missing shard: events [{end}, {s.first}) are in no file given "
                            f"({_missing_names(end, s.first, s)})")
        if s.stop > end:
            end, last = s.stop, s
    if shards and end < n_events:
        problems.append(f"missing shard: events [{end}, {n_events}) are in no file given "
                        f"({_missing_names(end, n_events, shards[-1])})")


def _missing_names(first: int, stop: int, like: ShardFile) -> str:
    n_events = int(like.provenance.get("n_events", stop))
    names = [f"shard {s.index}/{s.count} = {s.file_name}" for s in plan_shards(like.count, n_events)
             if s.first < stop and s.stop > first and s.n_events]
    return "expected " + ", ".join(names) if names else "the ranges do not follow the production's shards"


def check_shards(paths: Sequence[str | os.PathLike], reference: Mapping | None = None) -> list[ShardFile]:
    """Open and check shard files; return them in event order (open) or raise :class:`MergeError`.

    ``reference`` (a production manifest) adds checks against the production: configuration hash, seed, number
    of events, number of shards, columns, and the SHA-256 recorded for each file.
    """
    problems: list[str] = []
    paths = [Path(p) for p in paths]
    if not paths:
        raise MergeError(["no shard files given"])
    seen: set[Path] = set()
    for p in paths:
        if p.resolve() in seen:
            problems.append(f"{p}: given twice (duplicated shard)")
        seen.add(p.resolve())
    shards = [s for p in dict.fromkeys(paths) if (s := _open_shard(p, problems)) is not None]
    try:
        shards.sort(key=lambda s: (s.first, s.stop))
        if shards:
            for s in shards[1:]:
                _compare(s, shards[0], problems)
            for s in shards:
                _check_content(s, problems)
            if reference is not None:
                _check_reference(shards, reference, problems)
            n_events = int(reference["n_events"]) if reference else int(shards[0].provenance.get("n_events", 0))
            _check_coverage(shards, n_events, problems)
        if problems:
            raise MergeError(problems)
    except BaseException:
        for s in shards:
            s.file.close()
        raise
    return shards


def _check_reference(shards: list[ShardFile], reference: Mapping, problems: list[str]) -> None:
    checksums = {e["file"]: e.get("sha256") for e in reference.get("shards", [])}
    schema = [(c["name"], c["dtype"], c["unit"], c["jagged"]) for c in reference.get("columns", [])]
    for s in shards:
        p = s.provenance
        where = f"{s.path}: differs from the manifest in"
        if p.get("config_hash") != reference.get("config_hash"):
            problems.append(f"{where} configuration hash ({str(p.get('config_hash'))[:16]}… vs "
                            f"{str(reference.get('config_hash'))[:16]}…)")
        for key, what in (("seed", "seed"), ("n_events", "number of events of the run")):
            if p.get(key) != reference.get(key):
                problems.append(f"{where} {what} ({p.get(key)} vs {reference.get(key)})")
        if s.count != reference.get("n_shards"):
            problems.append(f"{where} number of shards ({s.count} vs {reference.get('n_shards')})")
        if schema and (diff := _schema_difference(_schema(s.file.columns), schema)):
            problems.append(f"{where} columns: {diff}")
        recorded = checksums.get(s.path.name)
        if recorded and file_sha256(s.path) != recorded:
            problems.append(f"{s.path}: its SHA-256 differs from the one the manifest recorded when the shard was "
                            "written (the file changed since); run that shard again")


@dataclass(frozen=True)
class MergeResult:
    path: Path
    n_events: int
    events_per_process: dict[str, int]
    shards: list[str]


def merged_provenance(shards: list[ShardFile], command_line: str = "") -> dict:
    """The provenance of the merged file: the shards' common provenance plus where each part came from."""
    first = shards[0].provenance
    out = {k: v for k, v in first.items() if k not in _PER_FILE}
    out["command_line"] = first.get("command_line", "")
    out["merge_command_line"] = command_line
    out["producer_versions"] = first.get("versions", {})
    out["merged_from"] = [{"file": s.path.name, "index": s.index, "first_event": s.first, "stop_event": s.stop,
                           "created_utc": s.provenance.get("created_utc", ""),
                           "command_line": s.provenance.get("command_line", "")} for s in shards]
    return out


def _compression_of(shard: ShardFile) -> dict:
    """The event-file compression the production asked for (its resolved configuration; the writer's defaults
    where it does not say), as EventWriter arguments."""
    try:
        config = json.loads(shard.provenance.get("config_json", "{}"))
    except (TypeError, ValueError):
        config = {}
    config = config if isinstance(config, dict) else {}
    method, level = config.get("compression", "deflate"), config.get("compression_level", DEFAULT_LEVEL)
    if canonical(method) not in COMPRESSIONS:
        method = "deflate"
    if isinstance(level, bool) or level not in LEVELS:
        level = DEFAULT_LEVEL
    return {"compression": canonical(method), "compression_level": level}


def _check_output_is_no_input(output: Path, paths: list[Path]) -> None:
    """Refuse to merge into one of the files being merged (that would destroy it)."""
    for p in paths:
        same = output.resolve() == p.resolve()
        if not same and output.exists() and p.exists():
            same = os.path.samefile(output, p)
        if same:
            raise InputError(f"simcoh merge: the output {output} is also given as the shard file {p}; writing it would "
                             "destroy that shard. Choose another output file (shard files stay as they are).")


def merge_shards(output: str | os.PathLike, paths: Sequence[str | os.PathLike], *, overwrite: bool = False,
                 reference: Mapping | None = None, command_line: str = "", block: int = 1_000_000,
                 on_events=None) -> MergeResult:
    """Check the shard files and write their events, in event order, to ``output``.

    ``on_events(n)`` is called after each block of ``n`` events copied.
    """
    _check_output_is_no_input(Path(output), [Path(p) for p in paths])
    shards = check_shards(paths, reference)
    try:
        first = shards[0]
        columns = list(first.file.columns.values())
        codes = first.provenance.get("process_codes", {})
        expected = dict(first.file.summary.get("expected_per_process", first.provenance.get("expected_counts", {})))
        counts = np.zeros(max(codes.values(), default=0) + 1, np.int64)
        # copy in blocks of at most ~64 MB of fixed-size data (waveform columns are ~27 kB per event)
        per_event = sum(c.dtype.itemsize * int(np.prod(c.shape)) for c in columns if not c.jagged)
        block = max(1, min(block, (64 << 20) // max(per_event, 1)))
        with EventWriter(output, columns, merged_provenance(shards, command_line), overwrite=overwrite,
                         **_compression_of(first)) as w:
            for s in shards:
                for start in range(0, s.file.n_events, block):
                    stop = min(start + block, s.file.n_events)
                    chunk = {c.name: s.file.read_column(c.name, start, stop) for c in columns}
                    if "process" in chunk:
                        counts += np.bincount(chunk["process"], minlength=len(counts))[: len(counts)]
                    w.append(chunk)
                    if on_events is not None:
                        on_events(stop - start)
            by_process = {name: int(counts[codes[name]]) for name in expected if name in codes}
            summary = {"events_per_process": by_process, "expected_per_process": expected,
                       "n_events": int(w.n_events), "weight": first.file.summary.get("weight", 0.0)}
            path = w.finish(summary)
        return MergeResult(Path(path), int(w.n_events), by_process, [str(s.path) for s in shards])
    finally:
        for s in shards:
            s.file.close()

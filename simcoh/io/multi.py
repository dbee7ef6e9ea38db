"""Reading many event files as one sample: a production's shard files, or merged outputs of one configuration.

:func:`scan` opens each file once to read its header (events, columns, provenance) and refuses, listing every
problem, files whose configuration hash differs from the first file's (the check ``simcoh merge`` makes; the seed
is part of the configuration), whose columns differ, or whose events overlap another file's (a production's
shards given together with its merged file, or one file twice). :func:`iterate` then reads the files one after
another in chunks.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import awkward as ak

from ..columns import Column
from ..errors import Diagnostic, InputError
from .format import EventFileError
from .reader import check_step, open_events

_GLOB_CHARACTERS = "*?["


@dataclass(frozen=True)
class FileHeader:
    """What :func:`scan` learns from a file without reading its events."""

    path: Path
    n_events: int
    fields: list[str]
    columns: dict[str, Column]
    config_hash: str | None
    config_json: str | None
    first_event: int  # the run's event range the file holds: [first_event, stop_event)
    stop_event: int
    form: ak.forms.Form
    step: int  # default events per chunk


def expand_paths(paths_or_glob) -> list[Path]:
    """Paths from a path, a directory (its ``*.h5`` files, e.g. a production's shards), a glob pattern
    (``run.shards/*.h5``) or a list of these, in the order given (a directory's or pattern's files sorted by name)."""
    items = [paths_or_glob] if isinstance(paths_or_glob, (str, os.PathLike)) else list(paths_or_glob)
    out: list[Path] = []
    for item in items:
        text = os.fspath(item)
        if os.path.isdir(text):
            text = os.path.join(glob.escape(text), "*.h5")
        if any(c in text for c in _GLOB_CHARACTERS):
            matches = sorted(glob.glob(os.path.expanduser(text)))
            if not matches:
                raise InputError(Diagnostic(f"no file matches the pattern {text!r}", file=text,
                                            suggestion="check the directory and the pattern, e.g. 'run.shards/*.h5'"))
            out.extend(Path(m) for m in matches)
        else:
            out.append(Path(text))
    if not out:
        raise InputError("no event files given; pass a path, a glob pattern such as 'run.shards/*.h5', or a list")
    return out


def _header(path: Path, columns) -> FileHeader:
    try:
        events = open_events(path)
    except FileNotFoundError:
        raise InputError(Diagnostic("no such file", file=str(path), expected="a simcoh event file (.h5)")) from None
    except EventFileError as err:
        raise InputError(Diagnostic(str(err), file=str(path), expected="a complete simcoh event file")) from None
    with events:
        fields = events._check_fields(columns)
        shard = events.provenance.get("shard")
        first, stop = ((int(shard["first_event"]), int(shard["stop_event"])) if isinstance(shard, dict)
                       else (0, events.n_events))
        return FileHeader(path, events.n_events, fields, {n: events.columns[n] for n in fields},
                          events.provenance.get("config_hash"), events.provenance.get("config_json"), first, stop,
                          events.form(fields), events.default_step(fields))


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def settings_difference(mine: str | None, theirs: str | None) -> str:
    """Up to five settings that differ between two stored configurations (canonical JSON); "" when either is
    absent or unreadable. Also used by ``simcoh merge`` (engine.merge)."""
    if not mine or not theirs:
        return ""
    try:
        a, b = _flatten(json.loads(mine)), _flatten(json.loads(theirs))
    except (TypeError, ValueError):
        return ""
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k, "—") != b.get(k, "—"))
    shown = [f"{k} = {json.dumps(a.get(k))} vs {json.dumps(b.get(k))}" for k in keys[:5]]
    return "; ".join(shown) + (f" (and {len(keys) - 5} more)" if len(keys) > 5 else "")


def _schema(column: Column) -> tuple:
    return (column.dtype.name, column.unit, column.jagged, column.shape)


def check_headers(headers: list[FileHeader], allow_different_configurations: bool = False) -> None:
    """Raise InputError listing every file that is not part of the same sample as the first."""
    problems = []
    ref = headers[0]
    for h in headers[1:]:
        if not allow_different_configurations and h.config_hash != ref.config_hash:
            detail = settings_difference(h.config_json, ref.config_json)
            problems.append(Diagnostic(
                f"its configuration hash {str(h.config_hash)[:16]}… differs from {str(ref.config_hash)[:16]}… of "
                f"{ref.path}" + (f": {detail}" if detail else ""), file=str(h.path),
                expected="files of one configuration (a production's shards, or its merged file)",
                suggestion="pass allow_different_configurations=True to read them together anyway (their weights "
                           "then stand for different exposures)"))
        if h.fields != ref.fields:
            extra, missing = sorted(set(h.fields) - set(ref.fields)), sorted(set(ref.fields) - set(h.fields))
            problems.append(Diagnostic(
                f"its columns differ from those of {ref.path}: " + "; ".join(
                    part for part in (extra and f"extra {', '.join(extra)}", missing and f"missing {', '.join(missing)}",
                                      not (extra or missing) and "another order") if part),
                file=str(h.path), suggestion="choose the columns to read with columns="))
            continue
        differing = [n for n in ref.fields if _schema(h.columns[n]) != _schema(ref.columns[n])]
        if differing:
            problems.append(Diagnostic(f"column(s) {', '.join(differing)} differ in dtype, unit or shape from "
                                       f"{ref.path}", file=str(h.path), suggestion="read fewer columns with columns="))
    seen: dict[tuple, FileHeader] = {}
    for h in sorted(headers, key=lambda h: (str(h.config_hash), h.first_event)):
        key = (h.config_hash,)
        before = seen.get(key)
        if before is not None and h.first_event < before.stop_event and h.n_events and before.n_events:
            problems.append(Diagnostic(
                f"holds events [{h.first_event}, {h.stop_event}) of the run, overlapping [{before.first_event}, "
                f"{before.stop_event}) in {before.path}", file=str(h.path),
                expected="each event in one file only", suggestion="give either a production's shard files or its "
                "merged file, not both, and each file once"))
        if before is None or h.stop_event > before.stop_event:
            seen[key] = h
    if problems:
        raise InputError(problems)


def scan(paths_or_glob, columns=None, allow_different_configurations: bool = False) -> list[FileHeader]:
    """The headers of the files (see :func:`expand_paths`), checked to form one sample."""
    headers = [_header(path, columns) for path in expand_paths(paths_or_glob)]
    check_headers(headers, allow_different_configurations)
    return headers


def iterate(paths_or_glob, step: int | None = None, columns=None,
            allow_different_configurations: bool = False) -> Iterator[ak.Array]:
    """Yield the events of many files as awkward record arrays of at most ``step`` events (default: about 64 MiB),
    file after file in the order given; a chunk never spans two files. Files of different configurations, with
    other columns, or with overlapping events are refused (InputError) before anything is read."""
    headers = scan(paths_or_glob, columns, allow_different_configurations)
    step = headers[0].step if step is None else check_step(step)
    return _chunks(headers, step)


def _chunks(headers: Iterable[FileHeader], step: int) -> Iterator[ak.Array]:
    for h in headers:
        with open_events(h.path) as events:
            yield from events.iterate(step, h.fields)

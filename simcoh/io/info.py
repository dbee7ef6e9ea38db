"""A human-readable summary of an event file, for ``simcoh info FILE``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py

from ..columns import describe_chain
from .codec import event_pipelines
from .reader import open_events

_MISSING = "(not recorded)"


def _size(n_bytes: int) -> str:
    if n_bytes < 1000:
        return f"{n_bytes} B"
    for unit in ("kB", "MB", "GB"):
        n_bytes /= 1000
        if n_bytes < 1000:
            break
    return f"{n_bytes:.1f} {unit}"


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _table(rows: list[tuple[str, ...]], indent: str = "    ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _compression(path: Path) -> str:
    """The HDF5 filters of the event datasets, and whether HDF5's own tools can read them."""
    try:
        with h5py.File(path, "r") as f:
            pipelines = event_pipelines(f)
    except (OSError, KeyError, RuntimeError, ValueError) as err:  # a damaged file: the checks below name it
        return f"unknown (HDF5 could not read the filters: {err})"
    text = "; ".join(pipelines) or "(no event datasets)"
    if any("lzf" in p or "filter " in p for p in pipelines):
        text += " (h5py reads it; HDF5's own tools and libraries cannot)"
    return text


def describe_file(path: str | os.PathLike, stage_names: dict[str, list[str]] | None = None) -> str:
    """Status, events, stage chain, columns (with units and descriptions), provenance highlights and size.

    The stage chain is the one the file records; for a file written before simcoh recorded it,
    ``stage_names`` (fidelity -> stage names, as ``simcoh info`` passes them) gives the names of its stages."""
    path = Path(path)
    with open_events(path, allow_incomplete=True) as events:
        events.check_offsets()
        prov = events.provenance
        status = (
            "complete"
            if events.complete
            else "INCOMPLETE: the run that wrote it never finished (interrupted or crashed); do not use it"
        )
        lines = [
            f"simcoh event file {path}",
            f"  status:       {status}",
            f"  events:       {events.n_events:,}",
            f"  size:         {_size(path.stat().st_size)}",
            f"  compression:  {_compression(path)}",
            f"  created:      {prov.get('created_utc', _MISSING)}",
            f"  config hash:  {prov.get('config_hash', _MISSING)}",
            f"  seed:         {prov.get('seed', _MISSING)}",
        ]
        exposure = prov.get("exposure_pot")
        lines.append(f"  exposure:     {_MISSING if exposure is None else f'{exposure:.4g} POT'}")
        expected = prov.get("expected_counts")
        lines.append("  expected events per process:" + ("" if expected else f" {_MISSING}"))
        if expected:
            lines += _table([(name, f"{count:.6g}") for name, count in expected.items()])
        fidelity = prov.get("fidelity", "")
        chain = prov.get("stages")
        if chain is None:
            known = (stage_names or {}).get(fidelity)
            names = "truth generation only" if known == [] else " -> ".join(known) if known else _MISSING
            lines.append(f"  stage chain:  {names} (fidelity {fidelity or _MISSING}; columns per stage not recorded "
                         "by the simcoh that wrote this file)")
        else:
            lines += ["  " + line for line in describe_chain(chain, fidelity)]
        lines.append(f"  columns ({len(events.columns)}):")
        rows = [("name", "type", "unit", "stored", "description")]
        for name, column in events.columns.items():
            kind = f"var * {column.dtype}" if column.jagged else str(column.dtype)
            stored = _size(events.stored_bytes(name))
            rows.append((name, kind, column.unit or "-", stored, column.description))
        lines += _table(rows)
        versions = prov.get("versions") or {}
        lines.append("  versions:     " + (", ".join(f"{k} {v}" for k, v in versions.items()) or _MISSING))
        if events.summary:
            lines.append("  summary:")
            lines += _table([(key, _text(value)) for key, value in events.summary.items()])
    return "\n".join(lines)


def verify_file(path: str | os.PathLike) -> tuple[str, bool]:
    """Read every event dataset of a file and compare it with its checksum: (report, all matched)."""
    with open_events(path, allow_incomplete=True) as events:
        if not events.complete:
            return "checksums: none (an incomplete file has no checksums; do not use it)", False
        results = events.verify()
    if not results:
        return "checksums: no checksums (written by a simcoh that did not record them); structure checked", True
    bad = [(name, status) for name, status in results if status != "OK"]
    lines = [f"checksums: {len(results) - len(bad)} of {len(results)} datasets OK" + ("" if not bad else
             "; the file changed after it was written, write it again or restore a copy")]
    lines += _table([(name, status) for name, status in results])
    return "\n".join(lines), not bad

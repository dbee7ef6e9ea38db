"""A human-readable summary of an event file, for ``simcoh info FILE``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py

from .._version import revision_text
from ..columns import describe_chain
from ..units import convert
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


def _configuration(prov: dict) -> dict:
    """The resolved configuration the file records (``config_json``), or {} when absent or unreadable."""
    try:
        config = json.loads(prov.get("config_json") or "{}")
    except (TypeError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def _detector_text(config: dict) -> str:
    detector = config.get("detector") or {}
    if not isinstance(detector, dict):  # a file written by other code: show what it holds
        return str(detector)
    target = detector.get("target") or {}
    name = detector.get("name") or _MISSING
    try:
        return (f"{name} ({target['material']}, {target['mass_kg']:g} kg at {target['distance_cm'] / 100:g} m)"
                if target else name)
    except (KeyError, TypeError):
        return name


def _exposure_text(exposure_pot, config: dict) -> str:
    """``3.198e+23 POT (13.99 GWh at 983 MeV per proton)``; the beam energy from the recorded source."""
    if not isinstance(exposure_pot, (int, float)):
        return _MISSING
    text = f"{exposure_pot:.4g} POT"
    source = config.get("source")
    proton_mev = source.get("proton_energy_mev") if isinstance(source, dict) else None
    if isinstance(proton_mev, (int, float)) and proton_mev > 0:
        text += f" ({convert(exposure_pot * proton_mev, 'MeV', 'GWh'):.4g} GWh at {proton_mev:g} MeV per proton)"
    return text


def _code_text(prov: dict) -> str:
    """The simcoh version and git revision that wrote the file (``versions.simcoh_git``: commit[+dirty])."""
    versions = prov.get("versions") or {}
    version = versions.get("simcoh", _MISSING)
    git = versions.get("simcoh_git")
    if not isinstance(git, str) or not git:
        return f"simcoh {version}, git commit not recorded"
    commit, dirty = git.removesuffix("+dirty"), git.endswith("+dirty")
    return f"simcoh {version}, " + revision_text({"commit": commit, "dirty": dirty})


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
    """Status, detector, fidelity, processes, exposure, events (generated and expected per process), stage chain,
    columns (with units and descriptions), code revision, provenance highlights and size.

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
        config = _configuration(prov)
        processes = config.get("processes") or list(prov.get("expected_counts") or {})
        lines = [
            f"simcoh event file {path}",
            f"  status:       {status}",
            f"  detector:     {_detector_text(config)}",
            f"  fidelity:     {prov.get('fidelity', _MISSING)}; mode {prov.get('mode', _MISSING)}",
            f"  processes:    {', '.join(processes) or _MISSING}",
            f"  exposure:     {_exposure_text(prov.get('exposure_pot'), config)}",
            f"  events:       {events.n_events:,}",
            f"  size:         {_size(path.stat().st_size)}",
            f"  compression:  {_compression(path)}",
            f"  created:      {prov.get('created_utc', _MISSING)}",
            f"  code:         {_code_text(prov)}",
            f"  config hash:  {prov.get('config_hash', _MISSING)}",
            f"  seed:         {prov.get('seed', _MISSING)}",
        ]
        expected = prov.get("expected_counts") or {}
        generated = (events.summary or {}).get("events_per_process") or {}
        lines.append("  events per process:" + ("" if expected or generated else f" {_MISSING}"))
        if expected or generated:
            names = [name for name in processes if name in expected or name in generated]
            names += [name for name in [*expected, *generated] if name not in names]
            rows = [("process", "generated", "expected (for the exposure)")]
            rows += [(name, f"{generated[name]:,}" if name in generated else "-",
                      f"{expected[name]:.6g}" if name in expected else "-") for name in names]
            lines += _table(rows)
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

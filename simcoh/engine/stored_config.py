"""The run configuration stored in an event file, rebuilt as a :class:`~simcoh.config.RunConfig`.

Every event file keeps the canonical JSON of its configuration (provenance ``config_json``, written by
:meth:`RunConfig.to_dict`) and its hash (``config_hash``). :func:`config_from_provenance` turns the JSON back
into the frozen dataclasses and accepts the result only if it gives back exactly the stored JSON and hash: a
configuration that this version of simcoh would describe differently (a field added, removed or renamed, a value
it would not accept) cannot reproduce the file's events, and is refused with an InputError naming the difference.

Geometry tables are stored by content (``*_data``), so the geometry file need not exist any more. Files that the
configuration names by path only (``/source/pulse/table``, ``/process/<name>/table``) are read again from that
path; if they changed, the replayed events differ, which the replay's own comparison reports.
"""

from __future__ import annotations

import dataclasses
import json

from ..config import PhysicsConfig, RunConfig, SourceConfig, canonical_json
from ..detector.model import BackgroundConfig, DetectorConfig, EfficiencyConfig, section_class
from ..errors import Diagnostic, InputError

#: DetectorConfig fields holding a plain section (None or one dataclass of that [section]).
_SECTION_FIELDS = ("target", "quenching", "light", "smearing", "scintillation", "spe", "afterglow", "ionization",
                   "digitizer", "windows", "reco", "cuts", "beam", "dataset")


def _tuples(value):
    """JSON lists back to the tuples the frozen configuration holds (dicts stay dicts)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _build(cls, data, where: str, nested: dict | None = None):
    """``cls(**data)`` with the keys checked against the dataclass fields and ``nested`` fields built by their
    own functions; raise InputError naming the keys that differ."""
    if not isinstance(data, dict):
        raise _mismatch(f"{where} is {type(data).__name__}, expected a table of {cls.__name__} fields")
    names = [f.name for f in dataclasses.fields(cls)]
    unknown, missing = sorted(set(data) - set(names)), sorted(set(names) - set(data))
    if unknown or missing:
        parts = ([f"the file has {where}.{', '.join(unknown)}, which this simcoh does not know"] if unknown else []) \
            + ([f"this simcoh has {where}.{', '.join(missing)}, which the file does not record"] if missing else [])
        raise _mismatch("; ".join(parts))
    nested = nested or {}
    values = {k: nested[k](v, f"{where}.{k}") if k in nested else _tuples(v) for k, v in data.items()}
    return cls(**values)


def _section(name: str):
    def build(data, where):
        return None if data is None else _build(section_class(name), data, where)
    return build


def _quenching(data, where):
    if data is None:
        return None

    def isotopes(pairs, where_iso):
        return tuple((iso, _build(section_class("quenching"), own, f"{where_iso}.{iso}")) for iso, own in pairs)

    return _build(section_class("quenching"), data, where, {"isotopes": isotopes})


def _detector(data, where):
    nested = {name: _section(name) for name in _SECTION_FIELDS}
    nested["quenching"] = _quenching
    nested["efficiency"] = lambda d, w: _build(EfficiencyConfig, d, w, {
        "energy": _section("efficiency.energy"), "time": _section("efficiency.time")})
    nested["background"] = lambda d, w: _build(BackgroundConfig, d, w, {
        part: _section(f"background.{part}") for part in ("brn", "nin", "ss")})
    return _build(DetectorConfig, data, where, nested)


def _mismatch(detail: str) -> InputError:
    return InputError(Diagnostic(
        f"the stored configuration cannot be rebuilt by this version of simcoh: {detail}",
        expected="an event file written by this version of simcoh",
        suggestion="replay the file with the simcoh version that wrote it (simcoh info FILE lists it under "
                   "'versions')"))


def config_from_provenance(provenance: dict, where: str = "<event file>") -> RunConfig:
    """The RunConfig stored in an event file's ``provenance`` (``config_json`` and ``config_hash``), checked to
    give back exactly that JSON and hash (InputError naming ``where`` otherwise)."""
    text, stored_hash = provenance.get("config_json"), provenance.get("config_hash")
    if not isinstance(text, str) or not isinstance(stored_hash, str):
        raise InputError(Diagnostic("the file records no configuration (provenance 'config_json' and "
                                    "'config_hash'), so its events cannot be regenerated", file=where,
                                    expected="an event file written by simcoh run"))
    try:
        data = json.loads(text)
    except ValueError as err:
        raise InputError(Diagnostic(f"provenance 'config_json' is not valid JSON ({err})", file=where)) from None
    if not isinstance(data, dict):
        raise InputError(Diagnostic("provenance 'config_json' is not a table of settings", file=where))
    try:
        cfg = _build(RunConfig, data, "config", {
            "detector": _detector,
            "source": lambda d, w: None if d is None else _build(SourceConfig, d, w),
            "physics": lambda d, w: _build(PhysicsConfig, d, w)})
    except InputError as err:
        raise InputError([dataclasses.replace(d, file=where) for d in err.diagnostics]) from None
    except (TypeError, ValueError) as err:  # a value this version's dataclasses refuse
        raise InputError(dataclasses.replace(_mismatch(str(err)).diagnostics[0], file=where)) from None
    rebuilt = canonical_json(cfg.to_dict())
    if rebuilt != text or cfg.config_hash() != stored_hash:
        raise InputError(dataclasses.replace(_mismatch(_first_difference(data, json.loads(rebuilt))).diagnostics[0],
                                             file=where))
    return cfg


def _first_difference(stored, rebuilt, where: str = "config") -> str:
    """Where two JSON trees first differ, e.g. ``config.detector.spe.mean: file 1.0, rebuilt 1.1``."""
    if isinstance(stored, dict) and isinstance(rebuilt, dict):
        for key in sorted(set(stored) | set(rebuilt)):
            if stored.get(key, ...) != rebuilt.get(key, ...):
                return _first_difference(stored.get(key), rebuilt.get(key), f"{where}.{key}")
    if isinstance(stored, list) and isinstance(rebuilt, list) and len(stored) == len(rebuilt):
        for i, (a, b) in enumerate(zip(stored, rebuilt)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
    if stored == rebuilt:
        return ("the recorded configuration hash is not the hash of the recorded configuration (the provenance "
                "was changed after the file was written)")
    return f"{where}: file {json.dumps(stored)[:80]}, rebuilt {json.dumps(rebuilt)[:80]}"

"""Find, read, validate and convert geometry files into :class:`DetectorConfig`.

``load_geometry("csi-2021")`` reads a built-in geometry; ``load_geometry("my.toml", overrides)``
reads a file and applies macro overrides, validated with the same schema. Every problem (in the file
or in an override) is collected and raised together as one :class:`~simcoh.errors.InputError`, each
with file:line:column, what was expected and a suggestion.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, InputError
from ..limits import MAX_GEOMETRY_BYTES, read_bounded_text
from ..units import suggest
from .catalog import resolve_geometry
from .checks import SECTION_CHECKS, check_isotope_name
from .convert import ValueProblem, convert_value, read_table
from .locate import KeyPath, key_positions
from .model import BackgroundConfig, DetectorConfig, EfficiencyConfig, section_class
from .schema import KEYS, REQUIRED, REQUIRED_SECTIONS, SECTIONS, Key, key_by_dotted, section_keys


def _did_you_mean(word: str, candidates) -> str | None:
    """``"did you mean 'x'?"`` for the closest candidate, or None."""
    return suggest(word, candidates).strip(" ()") or None


@dataclass(frozen=True)
class Override:
    """``key = value`` from a macro, e.g. ``Override("target.distance", "20 m", "run.mac", 3, 21)``.

    ``value`` is the text as written: a number, a quantity with unit, a word, or a TOML list.
    """

    key: str
    value: str
    file: str = "<override>"
    line: int | None = None
    column: int | None = None


# ---- problems and where they are -----------------------------------------------------------------

class _Context:
    """Collects diagnostics and knows where each key was written (geometry file or override)."""

    def __init__(self, file: Path, text: str):
        self.file = file
        self.positions = key_positions(text)
        self.overrides: dict[KeyPath, Override] = {}
        self.diagnostics: list[Diagnostic] = []

    def where(self, path: KeyPath, value: bool = False) -> tuple[str, int | None, int | None]:
        for n in range(len(path), 0, -1):
            prefix = path[:n]
            if prefix in self.overrides:
                o = self.overrides[prefix]
                return o.file, o.line, o.column
            if prefix in self.positions:
                pos = self.positions[prefix]
                column = pos.value_column if value and n == len(path) and pos.value_column else pos.column
                return str(self.file), pos.line, column
        return str(self.file), None, None

    def base_dir(self, path: KeyPath) -> Path:
        """Directory that relative file names in ``path`` are relative to."""
        if path in self.overrides:
            macro = Path(self.overrides[path].file)
            return macro.parent if macro.is_file() else Path.cwd()
        return self.file.parent

    def problem(self, message: str, path: KeyPath, expected: str | None = None, suggestion: str | None = None,
                value: bool = False) -> None:
        file, line, column = self.where(path, value)
        self.diagnostics.append(Diagnostic(message, file, line, column, expected, suggestion))


def _label(path: KeyPath) -> str:
    return "[" + ".".join(path) + "]"


def _example(key: Key) -> str:
    if key.kind in ("quantity", "quantities"):
        from ..units import EXAMPLE_UNITS

        unit = EXAMPLE_UNITS.get(key.dimension, "").split(",")[0]
        one = f'"1 {unit}"' if unit and key.unit else "1"
        return f"[{one}, ...]" if key.kind == "quantities" else one
    return {"choice": f'"{key.choices[0]}"' if key.choices else '""', "str": '"..."', "path": '"file.txt"',
            "int": "1", "float": "1.0", "bool": "true", "numbers": "[1.0, ...]", "strings": '["..."]',
            "table": "{ name = [...] }"}[key.kind]


# ---- reading -------------------------------------------------------------------------------------

def _parse_toml(path: Path) -> tuple[str, dict]:
    try:
        text = read_bounded_text(path, MAX_GEOMETRY_BYTES)
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise InputError(Diagnostic(f"cannot read geometry file: {err}", str(path))) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        m = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        reason = re.sub(r" \(at .*\)$", "", message)
        unquoted = "after a statement" in reason or "Invalid value" in reason
        raise InputError(Diagnostic(
            f"invalid TOML: {reason}", str(path), line, column,
            expected="TOML syntax: key = value, strings in quotes (\"19.3 m\"), [section] headers",
            suggestion='values with units are strings: write mass = "14.57 kg"' if unquoted else None,
        )) from None


def _parse_override_value(text: str) -> Any:
    """A TOML value if the text is one (``0.09``, ``[1, 2]``, ``"x"``, ``true``), else the bare text (``20 m``)."""
    stripped = text.strip()
    try:
        return tomllib.loads(f"v = {stripped}")["v"]
    except tomllib.TOMLDecodeError:
        if stripped[:1] == "[" and stripped[-1:] == "]" and not any(c in stripped[1:-1] for c in '[]{}"'):
            # a list of quantities as the macro tokenizer passes it ("[ 10 MeV , 55 MeV ]", quotes removed)
            items = [item.strip() for item in stripped[1:-1].split(",")]
            if all(items):
                return items
        if stripped[:1] in ("[", "{", '"', "'"):
            raise ValueProblem(f"cannot read '{stripped}' as a value",
                               expected='a number, a quantity like "20 m", a word, or a [list]') from None
        return stripped


def _all_dotted() -> list[str]:
    return [key.dotted for key in KEYS]


def _apply_overrides(raw: dict, overrides: Sequence[Override], ctx: _Context) -> None:
    for o in overrides:
        found = key_by_dotted(o.key)
        if found is None:
            ctx.diagnostics.append(Diagnostic(
                f"unknown geometry key '{o.key}'", o.file, o.line, o.column,
                expected="section.key, e.g. target.distance or efficiency.energy.c",
                suggestion=_did_you_mean(o.key, _all_dotted())))
            continue
        section, key = found
        path = tuple(section.split(".")) + (key.name,)
        try:
            value = _parse_override_value(o.value)
        except ValueProblem as p:
            ctx.diagnostics.append(Diagnostic(p.message, o.file, o.line, o.column, p.expected))
            continue
        table = raw
        for n, part in enumerate(path[:-1], start=1):
            if part not in table:  # a section the override creates is located at the override
                ctx.overrides.setdefault(path[:n], o)
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                ctx.diagnostics.append(Diagnostic(f"cannot override '{o.key}': '{part}' is not a section",
                                                  o.file, o.line, o.column))
                break
        else:
            table[key.name] = value
            ctx.overrides[path] = o


# ---- converting sections -------------------------------------------------------------------------

def _convert(key: Key, value: Any, path: KeyPath, ctx: _Context) -> Any:
    if key.kind != "path":
        return convert_value(key, value)
    name = convert_value(key, value)
    try:
        file = (ctx.base_dir(path) / name).resolve()
    except (OSError, ValueError) as err:  # a NUL character, a symlink loop
        raise ValueProblem(f"{key.name} = {name!r} is not a usable file path: {err}",
                           expected="a path relative to the geometry file") from None
    return str(file), read_table(file)


def _convert_section(section: str, raw: dict, spath: KeyPath, ctx: _Context, located: dict[str, KeyPath] | None = None,
                     skip: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """Convert a section's raw values by key name; None if any problem was found.

    ``located`` maps key names to the path where they were written (for inherited isotope keys).
    """
    keys = section_keys(section)
    values: dict[str, Any] = {}
    ok = True
    for name, value in raw.items():
        if name in skip:
            continue
        where = (located or {}).get(name, spath + (name,))
        key = keys.get(name)
        if key is None:
            ctx.problem(f"unknown key '{name}' in {_label(spath)}", where,
                        expected="one of " + ", ".join(keys), suggestion=_did_you_mean(name, keys))
            ok = False
            continue
        try:
            values[name] = _convert(key, value, where, ctx)
        except ValueProblem as p:
            ctx.problem(p.message, where, p.expected, p.suggestion, value=True)
            ok = False
    for key in keys.values():
        if key.name not in raw and key.default is not REQUIRED:
            values[key.name] = None if key.default is None else convert_value(key, key.default)
    for key in keys.values():
        if key.name in raw or key.default is not REQUIRED:
            continue
        because = ""
        if key.when is not None:
            control, allowed = key.when
            if values.get(control) not in allowed:
                values[key.name] = None
                continue
            because = f" (needed when {control} = {values[control]})"
        ctx.problem(f"missing required key '{key.name}' in {_label(spath)}{because}", spath,
                    expected=f"{key.name} = {_example(key)}: {key.help}")
        ok = False
    if not ok:
        return None
    check = SECTION_CHECKS.get(section)
    if check is not None:
        before = len(ctx.diagnostics)

        def report(message, key_name, expected=None, suggestion=None):
            parts = () if key_name is None else (key_name,) if isinstance(key_name, str) else tuple(key_name)
            where = (located or {}).get(parts[0], spath + parts[:1]) + parts[1:] if parts else spath
            ctx.problem(message, where, expected, suggestion)

        values.update(check(values, report))
        if len(ctx.diagnostics) > before:
            return None
    return values


def _build(section: str, values: dict[str, Any], **extra) -> Any:
    fields: dict[str, Any] = {}
    for key in section_keys(section).values():
        value = values.get(key.name)
        if key.kind == "path":
            fields[f"{key.field_name}_path"], fields[f"{key.field_name}_data"] = value or (None, None)
        else:
            fields[key.field_name] = value
    return section_class(section)(**fields, **extra)


def _quenching(raw: dict, material: str | None, ctx: _Context) -> Any:
    spath = ("quenching",)
    values = _convert_section("quenching", raw, spath, ctx, skip=("isotopes",))
    isotopes_raw = raw.get("isotopes", {})
    if not isinstance(isotopes_raw, dict):
        ctx.problem("quenching.isotopes must be a set of [quenching.isotopes.ISOTOPE] sections", spath + ("isotopes",))
        return None
    isotopes = []
    parent = {k: v for k, v in raw.items() if k != "isotopes"}
    for name, own in sorted(isotopes_raw.items()):
        ipath = spath + ("isotopes", name)
        if not isinstance(own, dict):
            ctx.problem(f"quenching.isotopes.{name} must be a section [quenching.isotopes.{name}]", ipath)
            continue
        if not check_isotope_name(name, material, lambda m, _k, **kw: ctx.problem(m, ipath, **kw)):
            continue
        located = {k: spath + (k,) for k in parent} | {k: ipath + (k,) for k in own}
        ivalues = _convert_section("quenching", parent | own, ipath, ctx, located)
        if ivalues is not None:
            isotopes.append((name, _build("quenching", ivalues)))
    if values is None:
        return None
    return _build("quenching", values, isotopes=tuple(isotopes))


def _check_structure(raw: dict, ctx: _Context) -> None:
    """Unknown sections, and keys written outside any section."""
    top = {s.split(".")[0] for s in SECTIONS}
    for name, value in raw.items():
        if not isinstance(value, dict):
            owners = [k.section for k in KEYS if k.name == name]
            ctx.problem(f"key '{name}' is outside any section", (name,), expected="key = value lines below a [section]",
                        suggestion=f"put it under [{owners[0]}]" if owners else None)
        elif name not in top:
            ctx.problem(f"unknown section [{name}]", (name,), expected="one of " + ", ".join(f"[{s}]" for s in SECTIONS),
                        suggestion=_did_you_mean(name, sorted(top)))
        elif name in ("efficiency", "background"):
            subs = [s for s in SECTIONS if s.startswith(name + ".")]
            listed = " or ".join(f"[{s}]" for s in subs)
            for sub, part in value.items():
                if not isinstance(part, dict):
                    ctx.problem(f"key '{sub}' directly under [{name}]", (name, sub),
                                expected=f"keys under {listed}")
                elif f"{name}.{sub}" not in subs:
                    ctx.problem(f"unknown section [{name}.{sub}]", (name, sub), expected=listed,
                                suggestion=_did_you_mean(f"{name}.{sub}", subs))
    for section in REQUIRED_SECTIONS:
        if not isinstance(raw.get(section), dict):
            ctx.diagnostics.append(Diagnostic(f"missing required section [{section}]", str(ctx.file), None, None,
                                              expected=f"[{section}] with keys " + ", ".join(section_keys(section))))


def _section_raw(raw: dict, section: str) -> dict | None:
    table: Any = raw
    for part in section.split("."):
        table = table.get(part) if isinstance(table, dict) else None
    return table if isinstance(table, dict) else None


def _cross_checks(det: dict[str, Any], ctx: _Context) -> None:
    cuts, windows = det.get("cuts"), det.get("windows")
    if cuts is not None and windows is not None and cuts.pretrace_quiet_ns is not None:
        if cuts.pretrace_quiet_ns > windows.pretrace_ns:
            ctx.problem(f"cuts.pretrace_quiet ({cuts.pretrace_quiet_ns:g} ns) is longer than the pretrace "
                        f"({windows.pretrace_ns:g} ns)", ("cuts", "pretrace_quiet"),
                        expected="pretrace_quiet <= windows.pretrace")
    digitizer = det.get("digitizer")
    if digitizer is not None and windows is not None:  # waveforms have a whole number of samples per part
        for name in ("pretrace", "roi", "integration"):
            n = getattr(windows, f"{name}_ns") * digitizer.sampling_rate_per_ns
            if abs(n - round(n)) > 1e-6 * max(1.0, n):
                ctx.problem(f"windows.{name} is {n:.6g} samples at {digitizer.sampling_rate_per_ns * 1e3:g} MS/s",
                            ("windows", name), expected="a whole number of digitizer samples")


def _dataset_checks(det: dict[str, Any], ctx: _Context) -> None:
    """A data set has an exposure; POT, beam energy and proton energy agree when all are given."""
    dataset, beam = det.get("dataset"), det.get("beam")
    if dataset is None:
        return
    if dataset.pot is None and dataset.beam_energy_mev is None:
        ctx.problem("[dataset] gives no exposure", ("dataset",),
                    expected='pot = "3.198e23 POT" and/or beam_energy = "13.99 GWh"')
        return
    proton = None if beam is None else beam.proton_energy_mev
    if dataset.pot is not None and dataset.beam_energy_mev is not None:
        if proton is None:
            ctx.problem("[dataset] gives both pot and beam_energy but [beam] has no proton_energy to relate them",
                        ("dataset", "beam_energy"), expected='[beam] proton_energy = "<beam_energy / pot>"')
        elif abs(dataset.pot * proton / dataset.beam_energy_mev - 1.0) > 1e-3:
            ctx.problem(f"dataset.pot x beam.proton_energy = {dataset.pot * proton:.6g} MeV differs from "
                        f"dataset.beam_energy = {dataset.beam_energy_mev:.6g} MeV by more than 0.1 %",
                        ("dataset", "pot"), expected="pot x proton_energy = beam_energy (one data set)",
                        suggestion="for another exposure of this detector use /run/exposure; for another data set "
                        f"give pot, beam_energy and beam.proton_energy together (beam_energy / pot = "
                        f"{dataset.beam_energy_mev / dataset.pot:.4g} MeV per proton)")


def load_geometry(name_or_path: str, overrides: Sequence[Override] = (), search_dirs: Iterable[str | Path] = (),
                  origin: Any = None) -> DetectorConfig:
    """Read, validate and convert a geometry (a file path or a built-in name) with ``overrides`` applied.

    ``origin`` (optional; anything with file, line, column) is where a macro named the geometry,
    used if it cannot be found.
    Raises InputError listing every problem.
    """
    path = resolve_geometry(name_or_path, search_dirs, origin)
    text, raw = _parse_toml(path)
    ctx = _Context(path, text)
    _apply_overrides(raw, overrides, ctx)
    _check_structure(raw, ctx)
    material = (raw.get("target") or {}).get("material") if isinstance(raw.get("target"), dict) else None
    material = material if material in section_keys("target")["material"].choices else None

    det: dict[str, Any] = {}
    for section in SECTIONS:
        sraw = _section_raw(raw, section)
        if sraw is None:
            det[section] = None
        elif section == "quenching":
            det[section] = _quenching(sraw, material, ctx)
        else:
            values = _convert_section(section, sraw, tuple(section.split(".")), ctx)
            det[section] = values if section == "detector" else (None if values is None else _build(section, values))
    _cross_checks(det, ctx)
    if not (det.get("beam") is None and _section_raw(raw, "beam") is not None):  # a [beam] that failed: said already
        _dataset_checks(det, ctx)
    if ctx.diagnostics:
        own = str(path)
        ctx.diagnostics = list(dict.fromkeys(ctx.diagnostics))  # isotope sections re-check inherited keys
        ctx.diagnostics.sort(key=lambda d: (d.file != own, d.file, d.line or 0, d.column or 0))
        raise InputError(ctx.diagnostics)
    info = det.pop("detector")
    return DetectorConfig(
        name=info["name"], source_path=str(path), description=info["description"], references=info["references"],
        efficiency=EfficiencyConfig(energy=det.pop("efficiency.energy"), time=det.pop("efficiency.time")),
        background=BackgroundConfig(brn=det.pop("background.brn"), nin=det.pop("background.nin"),
                                    ss=det.pop("background.ss")),
        **det,
    )

"""Typed, frozen detector configuration built from the schema.

Each section of a geometry file becomes a frozen dataclass whose fields are generated from
:data:`.schema.KEYS` (so the schema stays the single source of field names): quantities carry their unit
in the name (``TargetConfig.distance_cm``), lists are tuples, ``path`` keys become ``<name>_path``
(absolute path) and ``<name>_data`` (the file's numeric columns, a tuple per column). Field types follow
the key kind (:func:`field_type`); a key that is optional or needed only by some models may also be None.

These classes are the only declaration of the detector parameters: simulation code (simcoh.response,
simcoh.daq, simcoh.reco) reads the section objects directly, and :func:`default_section` builds a section
from the schema defaults (for a section a detector leaves out, or in tests).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..units import suggest
from .convert import convert_value
from .schema import REQUIRED, SECTIONS, Key, section_keys

#: Section name -> class name of its dataclass.
CLASS_NAMES = {
    "target": "TargetConfig",
    "quenching": "QuenchingConfig",
    "light": "LightConfig",
    "smearing": "SmearingConfig",
    "efficiency.energy": "EnergyEfficiencyConfig",
    "efficiency.time": "TimeEfficiencyConfig",
    "scintillation": "ScintillationConfig",
    "spe": "SpeConfig",
    "afterglow": "AfterglowConfig",
    "ionization": "IonizationConfig",
    "digitizer": "DigitizerConfig",
    "windows": "WindowsConfig",
    "reco": "RecoConfig",
    "cuts": "CutsConfig",
    "beam": "BeamConfig",
    "physics": "PhysicsDataConfig",
    "dataset": "DatasetConfig",
    "background.brn": "BrnBackgroundConfig",
    "background.nin": "NinBackgroundConfig",
    "background.ss": "SsBackgroundConfig",
    "electron_response": "ElectronResponseConfig",
}


def field_names(section: str) -> list[str]:
    """DetectorConfig field names of a section, in schema order."""
    names = []
    for key in section_keys(section).values():
        if key.kind == "path":
            names += [f"{key.field_name}_path", f"{key.field_name}_data"]
        else:
            names.append(key.field_name)
    if section == "quenching":
        names.append("isotopes")  # tuple of (isotope name, QuenchingConfig) pairs
    return names


#: Python type of a stored value per key kind (lists are tuples; quantities are floats in the field unit).
_KIND_TYPES = {
    "str": "str", "int": "int", "float": "float", "bool": "bool", "quantity": "float", "choice": "str",
    "numbers": "tuple[float, ...]", "quantities": "tuple[float, ...]", "strings": "tuple[str, ...]",
    "table": "tuple[tuple[str, tuple[float, ...]], ...]",
}


def field_type(key: Key) -> str:
    """Annotation of a key's field (a string, as ``from __future__ import annotations`` writes them)."""
    # efficiency.energy.columns holds zero-based column indices: the one list of whole numbers
    text = "tuple[int, ...]" if key.kind == "numbers" and key.name == "columns" else _KIND_TYPES[key.kind]
    optional = key.default is None or (key.default is REQUIRED and key.when is not None)
    return f"{text} | None" if optional else text


def _fields(section: str) -> list[tuple[str, str]]:
    out = []
    for key in section_keys(section).values():
        if key.kind == "path":
            optional = " | None" if key.default is None or key.when is not None else ""
            out += [(f"{key.field_name}_path", f"str{optional}"),
                    (f"{key.field_name}_data", f"tuple[tuple[float, ...], ...]{optional}")]
        else:
            out.append((key.field_name, field_type(key)))
    return out


def _make_section_class(section: str) -> type:
    name = CLASS_NAMES[section]
    fields: list = _fields(section)
    if section == "quenching":
        fields.append(("isotopes", "tuple[tuple[str, QuenchingConfig], ...]", dataclasses.field(default=())))
    cls = dataclasses.make_dataclass(name, fields, frozen=True)
    cls.__module__ = __name__
    cls.__qualname__ = name
    cls.__doc__ = f"[{section}] {SECTIONS[section]} Fields: {', '.join(field_names(section))}."
    return cls


_CLASSES = {section: _make_section_class(section) for section in CLASS_NAMES}
globals().update({cls.__name__: cls for cls in _CLASSES.values()})  # importable and picklable by name


def section_class(section: str) -> type:
    return _CLASSES[section]


def default_section(section: str, **fields):
    """A ``section`` object from the schema defaults, with ``fields`` (field names, field units) replacing them.

    Keys needed only by models other than the chosen one are None; a required key without a default
    must be given. The values are not range-checked (geometry files and overrides are, at load)."""
    cls = section_class(section)
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise InputError(f"[{section}] has no field '{unknown[0]}'; fields: {', '.join(known)}"
                         f"{suggest(unknown[0], known)}")
    values: dict[str, Any] = {}
    for key in section_keys(section).values():
        names = [f"{key.field_name}_path", f"{key.field_name}_data"] if key.kind == "path" else [key.field_name]
        given = [n for n in names if n in fields]
        if given:
            values.update({n: fields.get(n) for n in names})
            continue
        if key.default is not REQUIRED:
            default = None if key.default is None or key.kind == "path" else convert_value(key, key.default)
            values.update({n: default for n in names})
            continue
        if key.when is not None:  # needed only when another key (here: given or its default) has some values
            control, allowed = key.when
            if {**values, **fields}.get(control) not in allowed:
                values.update({n: None for n in names})
                continue
        raise InputError(f"[{section}] {key.name} is required here ({key.help}); pass {names[0]}=...")
    values.update({k: v for k, v in fields.items() if k == "isotopes"})
    return cls(**values)


@dataclass(frozen=True)
class EfficiencyConfig:
    """[efficiency.energy] and [efficiency.time]; a part that is None means an efficiency of 1."""

    energy: EnergyEfficiencyConfig | None = None  # noqa: F821 (generated class)
    time: TimeEfficiencyConfig | None = None  # noqa: F821


@dataclass(frozen=True)
class BackgroundConfig:
    """[background.brn], [background.nin], [background.ss]; None: no model of that background for the detector."""

    brn: BrnBackgroundConfig | None = None  # noqa: F821 (generated class)
    nin: NinBackgroundConfig | None = None  # noqa: F821
    ss: SsBackgroundConfig | None = None  # noqa: F821


@dataclass(frozen=True)
class DetectorConfig:
    """One detector configuration in internal units (see docs/geometry.md for every field)."""

    name: str
    source_path: str  # absolute path of the geometry file
    description: str
    references: tuple[str, ...]
    target: TargetConfig  # noqa: F821 (the section classes are generated above)
    quenching: QuenchingConfig | None = None  # noqa: F821
    light: LightConfig | None = None  # noqa: F821
    smearing: SmearingConfig | None = None  # noqa: F821
    efficiency: EfficiencyConfig = EfficiencyConfig()
    scintillation: ScintillationConfig | None = None  # noqa: F821
    spe: SpeConfig | None = None  # noqa: F821
    afterglow: AfterglowConfig | None = None  # noqa: F821
    ionization: IonizationConfig | None = None  # noqa: F821
    digitizer: DigitizerConfig | None = None  # noqa: F821
    windows: WindowsConfig | None = None  # noqa: F821
    reco: RecoConfig | None = None  # noqa: F821
    cuts: CutsConfig | None = None  # noqa: F821
    beam: BeamConfig | None = None  # noqa: F821 (the source of the detector's data set)
    physics: PhysicsDataConfig | None = None  # noqa: F821 (the CEvNS conventions of the data set)
    dataset: DatasetConfig | None = None  # noqa: F821 (the data set and its exposure)
    background: BackgroundConfig = BackgroundConfig()
    electron_response: ElectronResponseConfig | None = None  # noqa: F821 (MeV-scale response to electrons)

    def quenching_for(self, isotope: str):
        """The quenching section that applies to ``isotope`` (``'Na23'``): its own, else the common one."""
        if self.quenching is None:
            return None
        return dict(self.quenching.isotopes).get(isotope, self.quenching)

    def to_dict(self) -> dict:
        """Canonical JSON-able dict for provenance and the configuration hash.

        Paths appear by file name only, so the hash does not depend on where simcoh or the geometry
        is installed; the content of table files is included through the ``*_data`` fields.
        """
        return _jsonable(self)


def _jsonable(obj, name: str = ""):
    if dataclasses.is_dataclass(obj):
        return {f.name: _jsonable(getattr(obj, f.name), f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, str) and (name.endswith("_path")) and obj:
        return Path(obj).name
    if isinstance(obj, (list, tuple)):
        return [_jsonable(x) for x in obj]
    return obj

"""Typed, frozen detector configuration built from the schema.

Each section of a geometry file becomes a frozen dataclass whose fields are generated from
:data:`.schema.KEYS` (so the schema stays the single source of field names): quantities carry their unit
in the name (``TargetConfig.distance_cm``), lists are tuples, ``path`` keys become ``<name>_path``
(absolute path) and ``<name>_data`` (the file's numeric columns, a tuple per column).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .schema import SECTIONS, section_keys

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
    "dataset": "DatasetConfig",
    "background.brn": "BrnBackgroundConfig",
    "background.nin": "NinBackgroundConfig",
    "background.ss": "SsBackgroundConfig",
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


def _make_section_class(section: str) -> type:
    name = CLASS_NAMES[section]
    fields = [(f, Any) for f in field_names(section)]
    if section == "quenching":
        fields[-1] = ("isotopes", Any, dataclasses.field(default=()))
    cls = dataclasses.make_dataclass(name, fields, frozen=True)
    cls.__module__ = __name__
    cls.__qualname__ = name
    cls.__doc__ = f"[{section}] {SECTIONS[section]} Fields: {', '.join(field_names(section))}."
    return cls


_CLASSES = {section: _make_section_class(section) for section in CLASS_NAMES}
globals().update({cls.__name__: cls for cls in _CLASSES.values()})  # importable and picklable by name


def section_class(section: str) -> type:
    return _CLASSES[section]


@dataclass(frozen=True)
class EfficiencyConfig:
    """[efficiency.energy] and [efficiency.time]; a part that is None means an efficiency of 1."""

    energy: Any = None
    time: Any = None


@dataclass(frozen=True)
class BackgroundConfig:
    """[background.brn], [background.nin], [background.ss]; None: no model of that background for the detector."""

    brn: Any = None
    nin: Any = None
    ss: Any = None


@dataclass(frozen=True)
class DetectorConfig:
    """One detector configuration in internal units (see docs/geometry.md for every field)."""

    name: str
    source_path: str  # absolute path of the geometry file
    description: str
    references: tuple[str, ...]
    target: Any  # TargetConfig
    quenching: Any = None  # QuenchingConfig
    light: Any = None  # LightConfig
    smearing: Any = None  # SmearingConfig
    efficiency: EfficiencyConfig = EfficiencyConfig()
    scintillation: Any = None  # ScintillationConfig
    spe: Any = None  # SpeConfig
    afterglow: Any = None  # AfterglowConfig
    ionization: Any = None  # IonizationConfig
    digitizer: Any = None  # DigitizerConfig
    windows: Any = None  # WindowsConfig
    reco: Any = None  # RecoConfig
    cuts: Any = None  # CutsConfig
    beam: Any = None  # BeamConfig: the source of the detector's data set
    dataset: Any = None  # DatasetConfig: the data set and its exposure
    background: BackgroundConfig = BackgroundConfig()

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

"""Detector geometries: TOML files in ``geometries/`` loaded into typed, validated, frozen configs.

>>> det = load_geometry("csi-2021")
>>> det.target.distance_cm, det.light.yield_pe_per_kev
(1930.0, 13.35)

The keys a geometry file may hold are declared once in :mod:`.schema`; ``docs/geometry.md`` is
generated from it.
"""

from .catalog import available_geometries, resolve_geometry
from .loader import Override, load_geometry
from .model import DetectorConfig, EfficiencyConfig
from .schema import schema_reference_markdown

__all__ = [
    "DetectorConfig",
    "EfficiencyConfig",
    "Override",
    "available_geometries",
    "load_geometry",
    "resolve_geometry",
    "schema_reference_markdown",
]

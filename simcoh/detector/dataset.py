"""What a detector's data set contributes to a run: source settings from ``[beam]``, CEvNS model conventions from
``[physics]`` and the default exposure from ``[dataset]``.

The macro builder (and any other code that builds a :class:`~simcoh.config.RunConfig` from a detector) starts
from these and lets explicit settings (``/source/...``, ``/run/exposure``, ``--set``) override them.
"""

from __future__ import annotations

from ..config import BEAM_SOURCE_FIELDS, PHYSICS_DATASET_FIELDS, beam_source_fields, default_exposure_pot, physics_data_fields

__all__ = ["BEAM_SOURCE_FIELDS", "PHYSICS_DATASET_FIELDS", "beam_source_fields", "default_exposure_pot",
           "physics_data_fields"]

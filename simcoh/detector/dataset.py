"""What a detector's data set contributes to a run: source settings from ``[beam]`` and the default exposure
from ``[dataset]``.

The macro builder (and any other code that builds a :class:`~simcoh.config.RunConfig` from a detector) starts
from these and lets explicit settings (``/source/...``, ``/run/exposure``, ``--set``) override them.
"""

from __future__ import annotations

from typing import Any

#: [beam] field names, which are also the :class:`simcoh.config.SourceConfig` field names they set.
BEAM_SOURCE_FIELDS = ("proton_energy_mev", "nu_per_flavour_per_pot", "pulse_shape", "pulse_mean_ns",
                      "pulse_sigma_ns", "include_flight_time")


def beam_source_fields(detector: Any) -> dict[str, Any]:
    """SourceConfig keyword arguments given by the detector's ``[beam]`` section (keys it leaves out are absent)."""
    beam = getattr(detector, "beam", None)
    if beam is None:
        return {}
    return {name: getattr(beam, name) for name in BEAM_SOURCE_FIELDS if getattr(beam, name) is not None}


def default_exposure_pot(detector: Any, proton_energy_mev: float) -> float | None:
    """The data set's exposure in POT (its ``pot``, else ``beam_energy`` / ``proton_energy_mev``); None without a
    ``[dataset]`` section."""
    dataset = getattr(detector, "dataset", None)
    if dataset is None:
        return None
    if dataset.pot is not None:
        return dataset.pot
    return dataset.beam_energy_mev / proton_energy_mev


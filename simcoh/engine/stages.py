"""The stages of a run: which run at each fidelity, and the check that their declared columns chain.

A stage is an object built as ``Stage(cfg, generator)`` with

- ``name``: a short name (``"photon"``);
- ``needs``: the :class:`~simcoh.columns.Column` declarations it reads;
- ``provides``: the columns it returns (``written=False`` for columns handed on to later stages but not
  stored in the event file);
- ``apply(columns) -> dict``: given exactly its needs, returns exactly its provided columns.

:func:`check_chain` runs when a run is prepared: every need must be provided by the truth generator or by
an earlier stage, with the same dtype, jaggedness and shape, and no column may be provided twice. Stages
take their parameters (light yield, SPE law, digitizer, cuts, ...) from the detector description; only
per-event data travels between them, through these declared columns.
"""

from __future__ import annotations

from ..columns import Column
from ..daq.stage import DigitizeStage
from ..errors import InputError
from ..reco.stage import ReconstructStage
from ..response.stages import ParametricStage, PhotonStage

#: Fidelity -> the stage classes that run after truth generation, in order.
STAGES_BY_FIDELITY: dict[str, tuple[type, ...]] = {
    "truth": (),
    "parametric": (ParametricStage,),
    "photon": (PhotonStage,),
    "waveform": (PhotonStage, DigitizeStage, ReconstructStage),
}


def stages_for(fidelity: str) -> tuple[type, ...]:
    """The stage classes of ``fidelity`` (InputError naming the available ones otherwise)."""
    if fidelity not in STAGES_BY_FIDELITY:
        raise InputError(f"fidelity '{fidelity}' is not available; choose one of {', '.join(STAGES_BY_FIDELITY)} "
                         "(/run/fidelity)")
    return STAGES_BY_FIDELITY[fidelity]


def _kind(column: Column) -> str:
    text = str(column.dtype)
    if column.shape:
        text += f"[{','.join(str(n) for n in column.shape)}]"
    return f"var * {text}" if column.jagged else text


def check_chain(truth_columns: list[Column], stages) -> None:
    """Raise InputError unless every stage's needs are provided before it, with the same type.

    A column may be provided once only (by truth or one stage); the error names the stage, the column,
    what was expected and what to do."""
    available: dict[str, tuple[str, Column]] = {c.name: ("truth generation", c) for c in truth_columns}
    for stage in stages:
        for need in stage.needs:
            if need.name not in available:
                known = ", ".join(sorted(available)) or "none"
                raise InputError(
                    f"stage '{stage.name}' needs column '{need.name}' ({_kind(need)}, {need.unit or 'no unit'}) "
                    f"but neither truth generation nor an earlier stage provides it (available: {known}); "
                    "run a stage that provides it first, or choose another /run/fidelity")
            source, have = available[need.name]
            if _kind(have) != _kind(need):
                raise InputError(
                    f"stage '{stage.name}' needs column '{need.name}' as {_kind(need)} but {source} provides "
                    f"{_kind(have)}; the two declarations must agree")
        for column in stage.provides:
            if column.name in available:
                raise InputError(f"stage '{stage.name}' provides column '{column.name}', already provided by "
                                 f"{available[column.name][0]}; each column has one provider")
            available[column.name] = (f"stage '{stage.name}'", column)


def check_output(stage, out: dict) -> None:
    """A stage returned exactly its declared columns (a bug in the stage otherwise)."""
    declared = {c.name for c in stage.provides}
    if set(out) != declared:
        extra, missing = sorted(set(out) - declared), sorted(declared - set(out))
        raise RuntimeError(f"stage '{stage.name}' returned undeclared columns {extra} / left out declared "
                           f"columns {missing}: a stage returns exactly what it declares in provides")


def chain_description(stages) -> list[dict]:
    """The chain as plain data (stored in an event file's provenance under ``stages``)."""
    return [{"name": s.name, "needs": [c.name for c in s.needs],
             "provides": [c.name for c in s.provides if c.written],
             "transient": [c.name for c in s.provides if not c.written]} for s in stages]

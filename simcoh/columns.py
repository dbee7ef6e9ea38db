"""Column declarations of an event file: name, dtype, unit and description of each per-event field."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALLOWED_KINDS = "biuf"  # bool, signed int, unsigned int, float


@dataclass(frozen=True)
class Column:
    """One per-event field of an event file.

    ``unit`` is ``""`` for dimensionless quantities. A flat column holds one number per event; a
    ``jagged`` column holds one variable-length list of numbers per event (for example the times
    of every photoelectron). ``dtype`` is normalised to a :class:`numpy.dtype` and must be a
    boolean, integer or floating-point type. A flat column may hold a fixed-shape array per event
    (``shape``, e.g. ``(13750,)`` samples of a digitized waveform); its dataset is (n_events, *shape).
    ``written=False`` declares a column that pipeline stages hand on to later stages but that is not
    stored in the event file (e.g. waveform samples when ``/output/waveforms false``).
    """

    name: str
    dtype: np.dtype
    unit: str
    description: str
    jagged: bool = False
    shape: tuple = ()
    written: bool = True

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(
                f"column name {self.name!r} is not allowed: use letters, digits and '_', "
                "not starting with a digit (for example 'e_nu_mev')"
            )
        try:
            dtype = np.dtype(self.dtype)
        except TypeError as err:
            raise ValueError(f"column '{self.name}': {self.dtype!r} is not a numpy dtype ({err})") from None
        if dtype.kind not in _ALLOWED_KINDS or dtype.shape:
            raise ValueError(
                f"column '{self.name}': dtype {dtype} is not supported; use bool, an integer or a "
                "floating-point type"
            )
        object.__setattr__(self, "dtype", dtype)
        for attr in ("unit", "description"):
            if not isinstance(getattr(self, attr), str):
                raise ValueError(f"column '{self.name}': {attr} must be a string (use '' if none)")
        if not isinstance(self.jagged, (bool, np.bool_)):
            raise ValueError(f"column '{self.name}': jagged must be True or False")
        object.__setattr__(self, "jagged", bool(self.jagged))
        shape = tuple(int(x) for x in self.shape)
        if any(x <= 0 for x in shape) or (shape and self.jagged):
            raise ValueError(f"column '{self.name}': shape {self.shape} must be positive sizes of a flat column")
        object.__setattr__(self, "shape", shape)
        if not isinstance(self.written, (bool, np.bool_)):
            raise ValueError(f"column '{self.name}': written must be True or False")
        object.__setattr__(self, "written", bool(self.written))


def describe_chain(chain: list[dict], fidelity: str = "") -> list[str]:
    """Readable lines for a stage chain given as plain data (``[{"name", "needs", "provides", "transient"}]``,
    as :func:`simcoh.engine.stages.chain_description` makes it and event files store it): one line per stage,
    ``name: needs -> provides``; columns handed on but not written are marked ``(not written)``."""
    head = f"stage chain ({fidelity}):" if fidelity else "stage chain:"
    if not chain:
        return [head, "  truth generation only"]
    lines = [head]
    for stage in chain:
        provides = list(stage.get("provides", [])) + [f"{n} (not written)" for n in stage.get("transient", [])]
        lines.append(f"  {stage['name']}: {', '.join(stage.get('needs', [])) or '-'} -> {', '.join(provides) or '-'}")
    return lines

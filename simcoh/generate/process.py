"""The contract every interaction process (CEvNS, BRN, NIN, steady state, dark matter) fulfils.

A process is built once per run from a :class:`BuildContext` and then

- reports ``expected``: the expected number of events for the run's exposure (in its truth region: all
  recoils above the run's minimum recoil energy, or, for template processes, as the template defines);
- fills truth arrays for any set of global event indices with :meth:`Process.sample`, drawing random
  numbers only from per-event streams ``rng.stream_start(key, event_id)`` with its own stage key, so
  results never depend on chunking, threads or shards.

Each process module declares itself once, as a :class:`ProcessSpec` named ``PROCESS`` (name, event code,
options, builder and the detectors it has a model for); :mod:`.registry` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..config import PhysicsConfig, SourceConfig
from ..declare import flatten


@dataclass(frozen=True)
class BuildContext:
    """Everything a process builder may need, in internal units."""

    seed: int
    source: SourceConfig
    physics: PhysicsConfig
    material: str
    target_isotopes: list  # physics.nuclei.TargetIsotope
    isotope_index: dict[str, int]  # isotope name -> index in the run's isotope list
    n_pot: float  # protons on target (0: no exposure given; expected counts are then per POT scaled 1)
    distance_cm: float
    target_mass_kg: float  # fiducial mass
    recoil_min_mev: float
    detector: Any = None  # simcoh.detector.DetectorConfig when built from a geometry, else None
    options: dict = field(default_factory=dict)  # per-process options from the macro (/process/<name>/...)


class Process:
    """Base class. Subclasses set ``name`` and implement ``expected`` and ``sample``."""

    name = "process"

    @property
    def expected(self) -> float:
        raise NotImplementedError

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        """Fill ``out`` (truth arrays of len(event_ids)) for the given global event indices.

        Columns to fill: flavour (int8, -1 if not a neutrino), isotope (int16, -1 if none), e_nu_mev (incoming
        neutrino / neutron / χ energy; NaN if none), t_ns (arrival time in the source time frame),
        t_nr_kev (nuclear recoil energy; NaN for processes defined directly in PE), plus any
        ``extra_columns`` of the process.
        """
        raise NotImplementedError

    #: Extra truth columns (name, dtype, unit, description, fill value for other processes).
    extra_columns: tuple = ()

    #: Published selection efficiencies that the process's events already carry ("energy", "time"), e.g.
    #: released templates built after the energy efficiency, or steady-state events taken from selected data.
    #: The parametric stage does not apply these again (it stores 1 for them).
    efficiencies_included: tuple = ()

    #: "nr" (nuclear recoil) or "er" (electron recoil): selects the scintillation pulse shape at photon level
    #: (e.g. the LAr singlet fraction and so F90).
    recoil_type: str = "nr"


class PerPotProcess(Process):
    """A process whose expectation is a rate per proton on target times the exposure (zero without one)."""

    expected_per_pot: float = 0.0
    n_pot: float = 0.0

    @property
    def exposure_scale(self) -> float:
        return self.n_pot if self.n_pot > 0 else 0.0

    @property
    def relative_rate(self) -> float:
        """Expected events per POT (mixes processes in runs without an exposure)."""
        return self.expected_per_pot

    @property
    def expected(self) -> float:
        return self.expected_per_pot * self.exposure_scale


def supported_everywhere(detector, options: dict) -> tuple[str, str, str] | None:
    """The detector hook of a process that needs nothing from the detector beyond its target and beam."""
    return None


@dataclass(frozen=True)
class ProcessSpec:
    """One interaction process, declared in its module and listed in :mod:`.registry`.

    ``code``: the value of the truth column ``process``. ``options``: :class:`simcoh.declare.Param` /
    ``Group`` declarations of its ``/process/<name>/...`` options (keys ``<name>.<field>``); the macro
    commands, defaults and checks come from them. ``supports(detector, options)``: None if the process has a
    model for that detector (a :class:`simcoh.detector.DetectorConfig`) with the macro's options, else
    (message, expected, suggestion) naming the detector, the process and what is missing (for example "a BRN
    flux at its location"; :mod:`.detector_models`); called when the macro is built and again when the process
    is built, before any event is made.
    """

    name: str
    code: int
    summary: str
    build: Callable[[BuildContext], Process]
    options: tuple = ()
    supports: Callable[[Any, dict], tuple[str, str, str] | None] = supported_everywhere
    #: ``settings(detector, options)``: the process's resolved settings (raises InputError on options that do not
    #: go together, e.g. a dark photon lighter than 2 m_chi); called when the macro is built, so the error points at
    #: the macro. None: the options are checked against their declarations only.
    settings: Callable[[Any, dict], Any] | None = None

    def option_defaults(self) -> dict[str, Any]:
        """Option key -> default (``simcoh.declare.REQUIRED`` where the option must be given)."""
        return {p.key: p.default for p in flatten(self.options)}

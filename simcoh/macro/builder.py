"""Turning checked macro commands into a frozen :class:`~simcoh.config.RunConfig`.

:class:`RunBuilder` is the mutable state that commands write to (each value remembers the location
that set it, so cross-checks point at the right line). :func:`build_run` applies a whole command list,
checks the order rules (one ``/run/beamOn``, last), loads the detector through the geometry loader
with every ``/detector/set`` override, and freezes the configuration. All problems, including those
the geometry loader reports, go into one list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ..config import PhysicsConfig, RunConfig, SourceConfig
from ..daq.library import check_library
from ..daq.spec import digitizer_spec
from ..detector import Override, load_geometry
from ..detector.dataset import beam_source_fields, default_exposure_pot, physics_data_fields
from ..errors import Diagnostic, InputError
from ..generate.registry import NAMES as PROCESSES
from ..generate.registry import options_problem, unsupported
from .diagnostics import Location, MacroProblem, Problem, ProblemList
from .params import ResolvedPath

#: ``load_geometry(name_or_path, overrides=(), search_dirs=())`` -> DetectorConfig, raising InputError
GeometryLoader = Callable[..., Any]


def make_override(key: str, value: str, location: Location) -> Override:
    """A detector override carrying the macro location."""
    return Override(key, value, location.file, location.line, location.column)


@dataclass
class _DetectorChoice:
    name: str
    location: Location
    search_dir: str


class RunBuilder:
    """Settings collected from commands, in the units of the configuration fields."""

    def __init__(self, problems: ProblemList, failed: set[str] = frozenset()):
        self.problems = problems
        self.failed = failed
        self.values: dict[str, dict[str, Any]] = {"source": {}, "physics": {}, "run": {}}
        self.where: dict[str, Location] = {}
        self.nsi: dict[str, float] = {}
        self.processes: list[str] = ["cevns"]
        self.process_options: dict[str, Any] = {}
        self.detector: _DetectorChoice | None = None
        self.overrides: list[Any] = []
        self.exposure: tuple[float, str] | None = None
        self.beam_on: tuple[int | None, Location] | None = None

    def set(self, dotted: str, value: Any, location: Location) -> None:
        """Set configuration field ``section.field``; the last setting wins."""
        section, name = dotted.split(".", 1)
        if isinstance(value, ResolvedPath):
            value = value.display
        self.values[section][name] = value
        self.where[dotted] = location

    def load_detector(self, name: str, location: Location, search_dir: str) -> None:
        """Choose the geometry; a new choice drops the overrides given for the previous one."""
        self.detector = _DetectorChoice(name, location, search_dir)
        self.overrides = []

    def override_detector(self, key: str, value: str, location: Location) -> None:
        if self.detector is None and "/detector/load" in self.failed:
            return  # the bad /detector/load is reported already
        if self.detector is None:
            raise MacroProblem(Problem(location, "/detector/set before any /detector/load",
                                       expected="/detector/load NAME_OR_PATH first",
                                       suggestion="move /detector/load above this line"))
        self.overrides.append(make_override(key, value, location))

    def enable_process(self, name: str, location: Location) -> None:
        if name not in self.processes:
            self.processes.append(name)
        self.where["processes"] = location
        self.where[f"processes.{name}"] = location

    def disable_process(self, name: str, location: Location) -> None:
        if name in self.processes:
            self.processes.remove(name)
        self.where["processes"] = location

    def set_exposure(self, amount: float, unit: str, location: Location) -> None:
        """Exposure as beam energy (``unit`` "MeV") or protons on target (``unit`` "POT")."""
        self.exposure = (amount, unit)
        self.where["exposure"] = location

    def set_beam_on(self, n_events: int | None, location: Location) -> None:
        self.beam_on = (n_events, location)


def build_run(invocations: list, problems: ProblemList, loader: GeometryLoader | None,
              end: Location, seed: int | None = None, output: str | None = None,
              failed: set[str] = frozenset(), locations: dict | None = None) -> RunConfig | None:
    """Apply ``invocations`` in order and freeze the run; None if any problem was found.

    ``locations`` (optional, filled in): where each setting was made (``"run.fidelity"``, ``"processes.dm"``,
    ``"detector"``, ``"beamOn"``), so later checks can point at the macro line.

    ``failed``: paths of commands that were written but had bad arguments (already reported);
    their absence is then not reported again (no "missing /run/beamOn" for a bad /run/beamOn).
    """
    builder = RunBuilder(problems, failed)
    beam_on: Location | None = None
    for inv in invocations:
        if beam_on is not None:
            _after_beam_on(inv, beam_on, problems)
            continue
        try:
            _apply(builder, inv)
        except MacroProblem as err:
            problems.add_problem(err.problem)
        if inv.command.path == "/run/beamOn":
            beam_on = inv.location
    if seed is not None:
        builder.set("run.seed", seed, Location("<command line>:--seed"))
    if output is not None:
        builder.set("run.output_file", output, Location("<command line>:--output"))
    config = _freeze(builder, loader, end)
    if locations is not None:
        locations.update(builder.where)
        if builder.detector is not None:
            locations["detector"] = builder.detector.location
        locations["beamOn"] = beam_on or end
    return config


def _apply(builder: RunBuilder, inv) -> None:
    command = inv.command
    if command.apply is not None:
        command.apply(builder, inv)
    elif command.sets is not None:
        builder.set(command.sets, inv.first(), inv.location)


def _after_beam_on(inv, beam_on: Location, problems: ProblemList) -> None:
    if inv.command.path == "/run/beamOn":
        problems.add(inv.location, f"a second /run/beamOn (the first is at {beam_on.short})",
                     expected="exactly one /run/beamOn per macro",
                     suggestion="split the runs into separate macros")
    else:
        problems.add(inv.location, f"{inv.command.path} after /run/beamOn (at {beam_on.short}) would never "
                     "be applied", expected="/run/beamOn as the last command (only /control/... may follow)",
                     suggestion=f"move this line above {beam_on.short}")


def _freeze(b: RunBuilder, loader: GeometryLoader | None, end: Location) -> RunConfig | None:
    anchor = b.beam_on[1] if b.beam_on else end
    if b.beam_on is None and "/run/beamOn" not in b.failed:
        b.problems.add(end, "the macro has no /run/beamOn", expected="/run/beamOn [N] as the last command",
                       suggestion="end the macro with '/run/beamOn 1000' (fixed N) or '/run/beamOn' (physical)")
    detector = _load_detector(b, loader, anchor)
    _cross_check(b, anchor, detector)
    _check_support(b, detector, anchor)
    if len(b.problems):
        return None
    try:
        return _make_config(b, detector)
    except InputError as err:  # a rule of the config classes not covered by the checks above
        for d in err.diagnostics:
            b.problems.add(anchor, d.message)
        return None


def _load_detector(b: RunBuilder, loader: GeometryLoader | None, anchor: Location):
    if b.detector is None:
        if "/detector/load" in b.failed:
            return None
        b.problems.add(anchor, "no detector: the macro never uses /detector/load",
                       expected="/detector/load NAME_OR_PATH before /run/beamOn",
                       suggestion="add a line such as '/detector/load csi-2021'")
        return None
    loader = loader or load_geometry
    choice = b.detector
    try:
        return loader(choice.name, overrides=tuple(b.overrides), search_dirs=(choice.search_dir,))
    except InputError as err:
        for d in err.diagnostics:
            b.problems.add_diagnostic(_attributed(d, choice))
        return None


def _attributed(d: Diagnostic, choice: _DetectorChoice) -> Diagnostic:
    """Loader diagnostics keep their own file:line (or --set item); those without a line point at /detector/load."""
    if d.line is not None or (d.file or "").startswith("<command line>"):
        return d
    loc = choice.location
    named = f" (in {d.file})" if d.file and not d.file.startswith("<") else ""
    message = d.message + named + loc.describe_via()
    return Diagnostic(message, loc.file, loc.line, loc.column, d.expected, d.suggestion)


def _cross_check(b: RunBuilder, anchor: Location, detector=None) -> None:
    """Rules that involve several commands, reported at the command that broke them."""
    source, physics, run = b.values["source"], b.values["physics"], b.values["run"]
    if source.get("pulse_shape") == "table" and not source.get("pulse_table"):
        b.problems.add(b.where["source.pulse_shape"], "pulse shape 'table' needs a pulse table",
                       expected="/source/pulse/table PATH (two columns: t_ns, weight)")
    r_n = physics.get("neutron_rms_radius_fm")
    skin = physics.get("helm_skin_fm", PhysicsConfig.helm_skin_fm)
    if r_n is not None and physics.get("form_factor", "helm") == "helm" and r_n <= math.sqrt(3.0) * skin:
        b.problems.add(b.where["physics.neutron_rms_radius_fm"],
                       f"neutron radius {r_n:g} fm is too small for a Helm skin of {skin:g} fm",
                       expected=f"r_n > sqrt(3) s = {math.sqrt(3.0) * skin:.3g} fm (R0^2 = 5/3 r_n^2 - 5 s^2 > 0)")
    if physics.get("magnetic_moment_mu_b", 0.0) > 0 and run.get("recoil_min_kev", 0.0) <= 0:
        b.problems.add(b.where["physics.magnetic_moment_mu_b"],
                       "a neutrino magnetic moment makes dsigma/dT diverge as 1/T",
                       expected="a minimum recoil energy above zero", suggestion="add '/run/recoilMin 0.1 keV'")
    _check_afterglow_library(b, run, detector)
    if not b.processes:
        b.problems.add(b.where["processes"], "every process is disabled",
                       expected=f"at least one of {', '.join(PROCESSES)} enabled")
    # (without a detector, its own problem is reported already)
    no_dataset = detector is not None and getattr(detector, "dataset", None) is None
    if b.beam_on is not None and b.beam_on[0] is None and b.exposure is None and no_dataset:
        b.problems.add(b.beam_on[1], "/run/beamOn without N (physical mode) needs an exposure, and the detector "
                       "has no [dataset] exposure to default to",
                       expected="/run/exposure before /run/beamOn, e.g. '/run/exposure 13.99 GWh'",
                       suggestion="or give a fixed number of events: '/run/beamOn 1000'")


def _check_afterglow_library(b: RunBuilder, run: dict, detector) -> None:
    """/run/afterglowLibrary: waveform fidelity, and a library that matches the detector's digitizer."""
    path = run.get("afterglow_library")
    if path is None or detector is None:
        return
    at = b.where["run.afterglow_library"]
    if run.get("fidelity", RunConfig.fidelity) != "waveform":
        b.problems.add(at, "an afterglow library is overlaid on rendered waveforms only",
                       expected="/run/fidelity waveform", suggestion="add '/run/fidelity waveform' or drop this line")
        return
    if detector.digitizer is None or detector.windows is None:
        b.problems.add(at, f"detector '{detector.name}' has no [digitizer] or [windows] to render waveforms with")
        return
    try:
        check_library(path, digitizer_spec(detector))
    except InputError as err:
        for d in err.diagnostics:
            b.problems.add(at, d.message, expected=d.expected, suggestion=d.suggestion)


def _check_support(b: RunBuilder, detector, anchor: Location) -> None:
    """Each enabled process must have a model for the detector (the registry's ``supports`` hook);
    reported at the /process/enable that asked for it."""
    if detector is None:
        return
    for name in b.processes:
        problem = unsupported(name, detector, b.process_options) or options_problem(name, detector, b.process_options)
        if problem is not None:
            at = b.where.get(f"processes.{name}") or b.where.get("processes") or anchor
            b.problems.add(at, problem.message, expected=problem.expected, suggestion=problem.suggestion)


def _make_config(b: RunBuilder, detector) -> RunConfig:
    # the detector's data-set beam first, then what the macro states (/source/..., --set)
    source = SourceConfig(**(beam_source_fields(detector) | b.values["source"]))
    physics = PhysicsConfig(**(physics_data_fields(detector) | b.values["physics"]), nsi=tuple(sorted(b.nsi.items())))
    n_events, _ = b.beam_on
    run = dict(b.values["run"])
    pot = exposure_pot(b.exposure, source.proton_energy_mev)
    if b.exposure is None:  # the data set's exposure, a GWh one converted with the proton energy in effect
        pot = default_exposure_pot(detector, source.proton_energy_mev) or 0.0
    return RunConfig(
        detector=detector,
        source=source,
        physics=physics,
        processes=tuple(p for p in PROCESSES if p in b.processes),
        exposure_pot=pot,
        mode="physical" if n_events is None else "fixed",
        n_events=n_events or 0,
        process_options=tuple(sorted(b.process_options.items())),
        **run,
    )


def exposure_pot(exposure: tuple[float, str] | None, proton_energy_mev: float) -> float:
    """Protons on target: given directly, or beam energy / proton energy (N_POT = E_beam / E_p)."""
    if exposure is None:
        return 0.0
    amount, unit = exposure
    return amount if unit == "POT" else amount / proton_energy_mev

"""Running simcoh from Python.

:func:`simulate` describes a run with arguments, :func:`run` and :func:`run_text` take a macro. All three build the
configuration through the macro commands (so values, units, checks and error messages are those of a macro) and
keep the events in memory unless ``output`` names a file, which is then the file ``simcoh run`` writes for the
same macro and seed. The macro's own ``/output/file`` is used by the command line only.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import awkward as ak
import numpy as np

from .config import RunConfig
from .engine import RunSummary, collect_events, prepare_run, write_events
from .errors import Diagnostic, InputError
from .io import read_events
from .macro import MacroResult, load_macro, load_macro_text

_SIMULATE = "simcoh.simulate()"  # the name of the macro simulate() writes, in its messages
_SET_LABEL = "<command line>:--set {}"  # how the macro package labels the n-th override


@dataclass
class Simulation:
    """The outcome of a run: ``summary`` (expected count per process, events per process, weight per event, the
    configuration hash), ``config`` (the resolved RunConfig), ``macro`` (the checked macro) and ``path`` (the
    event file written, or None). ``events`` is an awkward record array: flat fields are NumPy arrays (no copy
    through ``.to_numpy()`` or ``np.asarray``), jagged ones lists of numbers."""

    summary: RunSummary
    macro: MacroResult = field(repr=False)
    path: str | None = None
    _events: ak.Array | None = field(default=None, repr=False)

    @property
    def config(self) -> RunConfig:
        return self.macro.config

    @property
    def events(self) -> ak.Array:
        """The events (read from ``path`` on first use when they were written to a file)."""
        if self._events is None:
            self._events = read_events(self.path)
        return self._events

    @property
    def n_events(self) -> int:
        return self.summary.n_events

    @property
    def expected(self) -> dict[str, float]:
        """Expected events per process for the run's exposure."""
        return dict(self.summary.expected_per_process)

    @property
    def config_hash(self) -> str:
        return self.summary.config_hash

    @property
    def total_weight(self) -> float:
        """Sum of the event weights: the expected number of events the sample stands for."""
        return float(np.sum(self.numpy("weight")["weight"]))

    def numpy(self, fields: str | Iterable[str] | None = None) -> dict:
        """Columns by name: NumPy arrays for flat ones (views, no copy), awkward arrays for jagged ones."""
        names = self.events.fields if fields is None else [fields] if isinstance(fields, str) else list(fields)
        unknown = [n for n in names if n not in self.events.fields]
        if unknown:
            raise KeyError(f"no column {', '.join(map(repr, unknown))}; the events have {', '.join(self.events.fields)}")
        return {n: _numpy_if_flat(self.events[n]) for n in names}


def _numpy_if_flat(column: ak.Array):
    """A NumPy view of a flat column (also fixed-shape ones such as ``waveform``: (n_events, n_samples)); jagged
    columns stay awkward arrays."""
    layout = column.layout
    if isinstance(layout, ak.contents.NumpyArray):
        return layout.data
    if isinstance(layout, ak.contents.RegularArray) and isinstance(layout.content, ak.contents.NumpyArray):
        return ak.to_numpy(column, allow_missing=False)
    return column


def simulate(detector: str = "csi-2021", processes: str | Iterable[str] = ("cevns",),
             exposure: str | None = None, fidelity: str = "truth", n_events: int | None = None,
             seed: int = 0, overrides: Mapping[str, object] | None = None, output: str | os.PathLike | None = None,
             *, overwrite: bool = False, workers: int = 1, progress: bool = False) -> Simulation:
    """Simulate ``detector`` (a built-in name or a geometry file) for ``processes`` and return the events.

    ``exposure``: beam exposure with its unit, as ``/run/exposure`` takes it ("13.99 GWh", "3.198e23 POT");
    None (default): the detector data set's own exposure (``[dataset]`` of its geometry, e.g. 13.99 GWh for
    csi-2021, 6.12 GWh for cenns10-lar);
    ``n_events``: None for the physical mode (a Poisson number of events for the exposure), else that many
    events, each weighted so they sum to the expectation. ``overrides``: more settings, each a macro command path
    or a detector key with its value and unit, as ``simcoh run --set`` takes them:
    ``{"detector.target.distance": "20 m", "physics/formFactor": "klein_nystrand", "source/pulse/mean": "472 ns"}``.
    ``output``: write the event file there instead of keeping the events in memory; ``workers``: local
    processes generating chunks. Raises InputError (naming the argument) on bad input, before any event is made.
    """
    _check_arguments(processes=processes, workers=workers, n_events=n_events, seed=seed)
    processes = [processes] if isinstance(processes, str) else list(processes)
    if not processes:
        raise InputError(Diagnostic("no process to simulate", file="simcoh.simulate(processes=())",
                                    expected="one or more of the /process/enable names",
                                    suggestion="processes=('cevns',)"))
    lines = [("detector", detector, f"/detector/load {detector}")]
    lines += [("processes", p, f"/process/enable {p}") for p in processes]
    if exposure is not None:
        lines.append(("exposure", exposure, f"/run/exposure {exposure}"))
    lines.append(("fidelity", fidelity, f"/run/fidelity {fidelity}"))
    lines.append(("n_events", n_events, "/run/beamOn" if n_events is None else f"/run/beamOn {n_events}"))
    overrides = dict(overrides or {})
    text = "".join(line + "\n" for _, _, line in lines)
    try:
        macro = load_macro_text(text, name=_SIMULATE, set_overrides=[f"{k}={v}" for k, v in overrides.items()],
                                seed=seed, output=_output(output))
    except InputError as err:
        raise _named_after_arguments(err, lines, overrides) from None
    try:
        return _execute(macro, output, overwrite, workers, progress)
    except InputError as err:  # found when the run is prepared (e.g. a fidelity the detector cannot simulate)
        raise _named_after_arguments(err, lines, overrides) from None


def _check_arguments(**values) -> None:
    """Types of simulate()'s Python-only arguments (the others go through the macro commands)."""
    expected = {"processes": ("a process name or a list of them, e.g. ('cevns', 'brn')", _is_names),
                "workers": ("an integer >= 1", lambda v: _is_int(v) and v >= 1),
                "n_events": ("None (physical mode) or an integer >= 0", lambda v: v is None or (_is_int(v) and v >= 0)),
                "seed": ("an integer >= 0", lambda v: _is_int(v) and v >= 0)}
    for name, value in values.items():
        what, ok = expected[name]
        if not ok(value):
            raise InputError(Diagnostic(f"{name}={value!r} is not allowed", file=f"simcoh.simulate({name}=...)",
                                        expected=what))


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_names(value) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, Iterable) and all(isinstance(v, str) for v in value)


def run(path: str | os.PathLike, *, seed: int | None = None, overrides: Mapping[str, object] | None = None,
        output: str | os.PathLike | None = None, overwrite: bool = False, workers: int = 1,
        progress: bool = False) -> Simulation:
    """Run the macro file ``path``; the events stay in memory unless ``output`` names a file. ``seed`` replaces
    ``/random/setSeed``; ``overrides`` are applied just before ``/run/beamOn`` (see :func:`simulate`)."""
    macro = load_macro(path, set_overrides=_set_items(overrides), seed=seed, output=_output(output))
    return _execute(macro, output, overwrite, workers, progress)


def run_text(text: str, *, seed: int | None = None, overrides: Mapping[str, object] | None = None,
             output: str | os.PathLike | None = None, overwrite: bool = False, workers: int = 1,
             progress: bool = False, base_dir: str | os.PathLike = ".") -> Simulation:
    """Run macro ``text`` (paths in it are relative to ``base_dir``); otherwise as :func:`run`."""
    macro = load_macro_text(text, name="<macro text>", base_dir=os.fspath(base_dir),
                            set_overrides=_set_items(overrides), seed=seed, output=_output(output))
    return _execute(macro, output, overwrite, workers, progress)


def _set_items(overrides: Mapping[str, object] | None) -> list[str]:
    if overrides is not None and not isinstance(overrides, Mapping):
        raise TypeError(f"overrides must be a dict of setting -> value, such as {{'run/fidelity': 'photon'}}, "
                        f"not {type(overrides).__name__}")
    return [f"{k}={v}" for k, v in (overrides or {}).items()]


def _output(output) -> str | None:
    return None if output is None else os.fspath(output)


def _execute(macro: MacroResult, output, overwrite: bool, workers: int, progress: bool) -> Simulation:
    if overwrite:
        macro = dataclasses.replace(macro, config=dataclasses.replace(macro.config, overwrite=True))
    prepared = prepare_run(macro)
    if output is None:
        events, summary = collect_events(prepared, progress=progress, workers=workers)
        return Simulation(summary, macro, None, events)
    summary = write_events(prepared, progress=progress, workers=workers)
    return Simulation(summary, macro, summary.output_path)


def _named_after_arguments(err: InputError, lines, overrides: Mapping) -> InputError:
    """``err`` with each problem located at the simulate() argument it comes from instead of a macro line."""
    by_line = {number: f"simcoh.simulate({arg}={value!r})" for number, (arg, value, _) in enumerate(lines, 1)}
    by_set = {_SET_LABEL.format(n): f"simcoh.simulate(overrides={{{k!r}: {v!r}}})"
              for n, (k, v) in enumerate(overrides.items(), 1)}

    def relabel(d: Diagnostic) -> Diagnostic:
        if d.file == _SIMULATE and d.line in by_line:
            return dataclasses.replace(d, file=by_line[d.line], line=None, column=None)
        if d.file in by_set:
            return dataclasses.replace(d, file=by_set[d.file], line=None, column=None)
        return d

    return InputError([relabel(d) for d in err.diagnostics])


__all__ = ["Simulation", "run", "run_text", "simulate"]

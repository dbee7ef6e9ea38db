"""The process registry: the one list of interaction processes.

Each process declares itself in its own module (``PROCESS``, a :class:`~.process.ProcessSpec`); this list
fixes which exist. The event codes (:data:`PROCESS_CODES`), the macro commands ``/process/enable``,
``/process/disable`` and ``/process/<name>/...`` (:mod:`simcoh.macro.process_commands`) and the checks of
process names and detector support are derived from it.
"""

from __future__ import annotations

from ..errors import Diagnostic, InputError
from ..units import suggest
from . import brn, cevns, d2o_cc, d2o_es, dm, i127_cc, nin, o16_cc, steady
from ..declare import resolve
from .process import BuildContext, Process, ProcessSpec

#: Every process, in event-code order (the order of ``RunConfig.processes``).
PROCESSES: tuple[ProcessSpec, ...] = (cevns.PROCESS, brn.PROCESS, nin.PROCESS, steady.PROCESS, dm.PROCESS,
                                     d2o_cc.PROCESS, i127_cc.PROCESS, d2o_es.PROCESS, o16_cc.PROCESS)

BY_NAME: dict[str, ProcessSpec] = {p.name: p for p in PROCESSES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
PROCESS_CODES: dict[str, int] = {p.name: p.code for p in PROCESSES}

if len(set(PROCESS_CODES.values())) != len(PROCESSES) or len(BY_NAME) != len(PROCESSES):
    raise RuntimeError("process names and codes must be unique")
if list(PROCESS_CODES.values()) != sorted(PROCESS_CODES.values()):
    raise RuntimeError("PROCESSES must be listed in code order")
for _p in PROCESSES:
    for _key in _p.option_defaults():
        if not _key.startswith(_p.name + "."):
            raise RuntimeError(f"option {_key} of process {_p.name} must start with '{_p.name}.'")


def registered_processes() -> tuple[str, ...]:
    return NAMES


def spec(name: str) -> ProcessSpec:
    """The declaration of process ``name``; InputError with a suggestion if there is none."""
    if name not in BY_NAME:
        raise InputError(f"process '{name}' is not implemented; choose one of {', '.join(NAMES)}{suggest(name, NAMES)}")
    return BY_NAME[name]


def unsupported(name: str, detector, options: dict | None = None) -> Diagnostic | None:
    """Why process ``name`` cannot run on ``detector`` with the macro's process ``options`` (None if it can):
    names the detector, the process and what is missing, with a suggestion."""
    if detector is None:
        return None
    problem = spec(name).supports(detector, dict(options or {}))
    if problem is None:
        return None
    message, expected, suggestion = problem
    return Diagnostic(message, expected=expected, suggestion=suggestion)


def options_problem(name: str, detector, options: dict) -> Diagnostic | None:
    """Why the process options of ``name`` are not usable (missing, out of range, not going together), or None."""
    process = spec(name)
    try:
        if process.settings is not None:
            process.settings(detector, dict(options))
        else:
            resolve(name, dict(options), process.options)
    except InputError as err:
        first = err.diagnostics[0]
        return Diagnostic(first.message, expected=first.expected or f"the {name} options of /process/{name}/...",
                          suggestion=first.suggestion or f"see `simcoh help /process/{name}/`")
    return None


def build_process(name: str, ctx: BuildContext) -> Process:
    """Build process ``name`` for a run, after checking that it has a model for the run's detector."""
    problem = unsupported(name, ctx.detector, ctx.options)
    if problem is not None:
        raise InputError(problem)
    return spec(name).build(ctx)


__all__ = ["PROCESSES", "BY_NAME", "NAMES", "PROCESS_CODES", "registered_processes", "spec", "unsupported", "options_problem",
           "build_process"]

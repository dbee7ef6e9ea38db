"""The macro language: Geant4-style command files that build a :class:`~simcoh.config.RunConfig`.

::

    result = load_macro("csi.mac", set_overrides=["run/fidelity=photon"], seed=7)
    result.config        # the frozen RunConfig
    result.macro_texts   # every macro file read, by path (stored in the event file)
    result.expanded      # the commands after includes, aliases and loops, with their locations

The whole macro (includes and loops expanded) is checked before anything runs; every problem is
reported in one :class:`~simcoh.errors.InputError` with ``file:line:column``. Commands are declared
in :mod:`.commands`; see ``docs/macro-commands.md`` or :func:`help_text`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..config import RunConfig
from ..errors import Diagnostic, InputError
from . import commands as _commands  # noqa: F401  (registers the standard commands)
from .builder import GeometryLoader, build_run
from .diagnostics import Location, ProblemList
from .params import ParseContext, ResolvedPath
from .parser import MacroReader
from .registry import REGISTRY, Command, Invocation, Registry, command_reference_markdown, help_text


@dataclass(frozen=True)
class MacroResult:
    """A checked macro: the configuration, the text of every file read (by path, for provenance),
    the expanded command lines (``"run.mac:12: /run/beamOn 1000"``) and the ``/control/echo`` texts."""

    config: RunConfig
    macro_texts: dict[str, str]
    expanded: list[str]
    echoes: list[str] = field(default_factory=list)
    #: where each setting was made (macro.builder.build_run), for errors found after the macro is built
    locations: dict = field(default_factory=dict, repr=False, compare=False)


def load_macro(path, set_overrides=(), seed: int | None = None, output: str | None = None,
               geometry_loader: GeometryLoader | None = None, registry: Registry = REGISTRY) -> MacroResult:
    """Read, check and apply the macro file ``path``.

    ``set_overrides``: command-line ``KEY=VALUE`` strings, KEY a command path (``run/fidelity``) applied
    just before /run/beamOn, or ``detector.SECTION.KEY`` meaning ``/detector/set SECTION.KEY VALUE``.
    ``seed`` and ``output`` replace /random/setSeed and /output/file. ``geometry_loader`` replaces
    :func:`simcoh.detector.load_geometry`. Raises InputError listing every problem.
    """
    shown = os.path.normpath(str(path))
    if not os.path.isfile(shown):
        raise InputError(Diagnostic(f"macro file not found: '{path}'", file=shown,
                                    expected="the path of an existing macro file"))
    problems = ProblemList()
    reader = MacroReader(registry, problems)
    reader.open_top(ResolvedPath(shown, os.path.abspath(shown)))
    end = _end_of(reader.texts.get(shown, ""), shown)
    return _finish(reader, problems, end, set_overrides, seed, output, geometry_loader)


def load_macro_text(text: str, name: str = "<string>", base_dir: str = ".", set_overrides=(),
                    seed: int | None = None, output: str | None = None,
                    geometry_loader: GeometryLoader | None = None, registry: Registry = REGISTRY) -> MacroResult:
    """Like :func:`load_macro` for macro text; ``name`` labels it in messages and relative paths in it
    start from ``base_dir``."""
    problems = ProblemList()
    reader = MacroReader(registry, problems)
    reader.read_text(text, name, ParseContext(os.path.abspath(base_dir), os.path.normpath(base_dir)))
    return _finish(reader, problems, _end_of(text, name), set_overrides, seed, output, geometry_loader)


def _end_of(text: str, name: str) -> Location:
    """The position just after the last character of a macro (where a missing command belongs)."""
    lines = text.splitlines() or [""]
    return Location(name, len(lines), len(lines[-1]) + 1)


def _finish(reader: MacroReader, problems: ProblemList, end: Location, set_overrides, seed, output,
            loader) -> MacroResult:
    invocations = _with_overrides(reader.invocations, _read_set_overrides(reader, set_overrides))
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.add(Location("<command line>:--seed"), f"seed {seed!r} is not a non-negative integer",
                     expected="an integer >= 0")
        seed = None
    locations: dict = {}
    config = build_run(invocations, problems, loader, end, seed=seed, output=output,
                       failed=reader.failed_paths, locations=locations)
    problems.raise_if_any()
    expanded = [f"{inv.location.short}: {inv.text}{_via_note(inv)}" for inv in invocations]
    return MacroResult(config, dict(reader.texts), expanded, list(reader.echoes), locations)


def _via_note(inv: Invocation) -> str:
    return f"  # via {' -> '.join(inv.location.via)}" if inv.location.via else ""


def _read_set_overrides(reader: MacroReader, set_overrides) -> list[Invocation]:
    """Read ``--set KEY=VALUE`` items as command lines (no alias substitution)."""
    first = len(reader.invocations)
    here = ParseContext(os.path.abspath("."), ".")
    for number, item in enumerate(set_overrides, start=1):
        location = Location(f"<command line>:--set {number}")
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            reader.problems.add(location, f"'{item}' is not KEY=VALUE",
                                expected="KEY=VALUE, e.g. run/fidelity=photon or detector.target.distance=20 m")
            continue
        if key.startswith("detector."):
            line = f"/detector/set {key[len('detector.'):]} {value}"
        else:
            path = key if key.startswith("/") else "/" + key
            command = reader.registry.get(path)
            if command is not None and command.control:
                reader.problems.add(location, f"{path} cannot be used with --set",
                                    expected="a configuration command such as run/fidelity")
                continue
            line = f"{path} {value}"
        reader.read_line(line, location, here, aliases=False)
    added = reader.invocations[first:]
    del reader.invocations[first:]
    return added


def _with_overrides(invocations: list[Invocation], extra: list[Invocation]) -> list[Invocation]:
    """Put command-line commands just before /run/beamOn; a --set run/beamOn replaces the macro's."""
    at = next((i for i, inv in enumerate(invocations) if inv.command.path == "/run/beamOn"), len(invocations))
    plain = [inv for inv in extra if inv.command.path != "/run/beamOn"]
    beam = [inv for inv in extra if inv.command.path == "/run/beamOn"][-1:]
    rest = invocations[at:]
    if beam and rest:
        rest = rest[1:]
    return invocations[:at] + plain + beam + rest


__all__ = ["MacroResult", "load_macro", "load_macro_text", "help_text", "command_reference_markdown",
           "REGISTRY", "Registry", "Command", "InputError"]

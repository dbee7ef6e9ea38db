"""Declarations of configurable parameters: each one is written once, as a :class:`Param`.

A declaration names the stored key (``"source.pulse_mean_ns"``, ``"brn.rate_per_gwh"``), its macro
command, its kind, unit, allowed range or choices, default, help text and the source of the default.
Everything else is derived from it:

- the macro command and its argument checking (:mod:`simcoh.macro.declared`), hence ``--set``;
- the defaults and the range/choice checks of the configuration objects (:func:`check`,
  :func:`resolve`), used by :mod:`simcoh.config` and the processes' settings;
- ``simcoh help`` and ``docs/macro-commands.md`` (through the macro command registry).

This module is a base module: it imports only :mod:`simcoh.units` and :mod:`simcoh.errors`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Iterable

from . import units
from .errors import InputError


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Default of a parameter that must be given (e.g. the dark-matter mass when dm is enabled).
REQUIRED: Any = _Required()

KINDS = ("float", "int", "bool", "choice", "quantity", "path", "str")


def bounds_text(low, high, low_open: bool, high_open: bool) -> str:
    """``">= 0 and < 1"``: the allowed range as the messages and the help write it."""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


def in_bounds(value, low, high, low_open: bool, high_open: bool) -> bool:
    """Whether ``value`` lies in the range (a NaN never does)."""
    if value != value:
        return False
    return not ((low is not None and (value < low or (low_open and value == low)))
                or (high is not None and (value > high or (high_open and value == high))))


#: Bound of a time in the source frame, in ns, and its reason (used by every time parameter and geometry key).
TIME_BOUND_NS = 1e9
TIME_BOUND_WHY = "SNS beam pulses come every 16.7 ms (60 Hz); times within 1 s cover any time frame"


@dataclass(frozen=True)
class Param:
    """One configurable quantity.

    ``key``: ``SECTION.FIELD``, where SECTION is a configuration section (source, physics, run) or a
    process name and FIELD the stored name with its internal unit (``pulse_mean_ns``).
    ``command``: the macro command that sets it (None: set by a :class:`Group` command).
    ``kind``: one of :data:`KINDS`; a ``quantity`` is stored in ``unit`` and written in a macro with any
    unit of the same dimension (``example``: ``"690 ns"``).
    ``default``: the value when nothing sets it (:data:`REQUIRED`: must be given; None: unset).
    ``source``: where the default comes from (paper, arXiv id, data release).
    ``label``: name in error messages (default: the key). ``arg``/``arg_help``: the macro argument.
    ``omitted``: the value of a command written without its argument (``/run/acWindow`` = true).
    ``initial``: "when not used" text if the default alone does not say it (``"3 m_chi"``).
    ``relative_to``: for paths, "macro" (the macro's directory, must exist) or "cwd" (may not exist yet).
    ``why``: why the range (``min``/``max``) is what it is: every numeric parameter has a physical range, so
    that no input can overflow, exhaust memory or run forever (issue 16); the reason is shown with a value
    out of range.
    """

    key: str
    command: str | None
    kind: str
    help: str
    default: Any = REQUIRED
    unit: str = ""
    example: str = ""
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    source: str = ""
    label: str = ""
    arg: str = "X"
    arg_help: str = ""
    omitted: Any = REQUIRED
    initial: str | None = None
    relative_to: str = "macro"
    why: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "quantity":
            units.parse_unit(self.unit)  # a declared unit must exist
        if self.kind == "choice" and self.default not in self.choices + (REQUIRED, None):
            raise ValueError(f"{self.key}: default {self.default!r} is not among its choices")

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def field(self) -> str:
        return self.key.split(".", 1)[1]

    @property
    def name(self) -> str:
        """The name in messages."""
        return self.label or self.key

    @property
    def dimension(self) -> tuple[int, int, int, int]:
        return units.parse_unit(self.unit)[1] if self.kind == "quantity" else units.DIMENSIONLESS

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def summary(self) -> str:
        return self.help.strip().splitlines()[0] if self.help.strip() else ""

    def bounds(self) -> str:
        return bounds_text(self.min, self.max, self.min_open, self.max_open)

    def expected(self) -> str:
        """What a valid value is, in the stored unit (``"a time >= 0 ns"``)."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind in ("path", "str"):
            return "a file path" if self.kind == "path" else "a word"
        what = {"int": "an integer", "float": "a number"}.get(self.kind)
        if what is None:
            what = f"{'an' if units.dimension_name(self.dimension)[0] in 'aeiou' else 'a'} " \
                   f"{units.dimension_name(self.dimension)}"
        bound = self.bounds()
        return f"{what}{' ' + bound if bound else ''}{' ' + self.unit if bound and self.unit else ''}"

    def format(self, value: Any) -> str:
        """A value as a macro would write it (``690 ns``, ``true``, ``not set``)."""
        if value is None:
            return "not set"
        if value is REQUIRED:
            return "none: required"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:g}{' ' + self.unit if self.unit else ''}"
        return str(value)

    def initial_text(self) -> str:
        """What holds when the parameter is not set."""
        return self.initial if self.initial is not None else self.format(self.default)

    def check(self, value: Any) -> Any:
        """``value`` if it is allowed (an int for integer kinds), else an InputError naming the parameter."""
        if value is None and self.default is None:  # an optional parameter left unset
            return None
        if self.kind == "choice":
            if value not in self.choices:
                raise InputError(f"{self.name}: '{value}' is not allowed; choose one of {', '.join(self.choices)}"
                                 f"{units.suggest(str(value), self.choices)}")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise InputError(f"{self.name}: {value!r} is not allowed; expected true or false")
            return value
        if self.kind in ("path", "str"):
            if not isinstance(value, str):
                raise InputError(f"{self.name}: {value!r} is not allowed; expected {self.expected()}")
            return value
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value) or (
                self.kind == "int" and float(value) != int(value)):
            what = "an integer" if self.kind == "int" else "a finite number"
            raise InputError(f"{self.name} = {value!r} is not {what}; expected {self.expected()}")
        if not in_bounds(value, self.min, self.max, self.min_open, self.max_open):
            raise InputError(f"{self.name} = {value!r} is out of range; expected {self.expected()}"
                             + (f" ({self.why})" if self.why else ""))
        return int(value) if self.kind == "int" else value


@dataclass(frozen=True)
class Group:
    """Several parameters set together by one macro command (``/process/ss/window START END``)."""

    command: str
    params: tuple[Param, ...]
    help: str
    initial: str | None = None

    def initial_text(self) -> str:
        if self.initial is not None:
            return self.initial
        return " ".join(p.format(p.default) for p in self.params)


def flatten(decls: Iterable[Param | Group]) -> tuple[Param, ...]:
    """Every parameter of a declaration list, groups opened, in order."""
    out: list[Param] = []
    for d in decls:
        out += list(d.params) if isinstance(d, Group) else [d]
    return tuple(out)


def by_field(decls: Iterable[Param | Group]) -> dict[str, Param]:
    return {p.field: p for p in flatten(decls)}


def defaults(decls: Iterable[Param | Group]) -> dict[str, Any]:
    """Field name -> default of every parameter (REQUIRED where there is none)."""
    return {p.field: p.default for p in flatten(decls)}


def check(obj, decls: Iterable[Param | Group]) -> None:
    """Check every declared field of the configuration object ``obj`` against its declaration."""
    for p in flatten(decls):
        p.check(getattr(obj, p.field))


def resolve(section: str, options: dict, decls: Iterable[Param | Group]) -> dict:
    """The options of ``section`` (``{"brn.rate_per_gwh": 5.0, ...}``; other sections' keys are ignored)
    with defaults filled in and every value checked: unknown keys, missing required values (naming the macro
    command that sets them) and values out of range or choice are InputErrors."""
    params = {p.key: p for p in flatten(decls)}
    mine = {k: v for k, v in options.items() if k.split(".", 1)[0] == section}
    unknown = sorted(set(mine) - set(params))
    if unknown:
        raise InputError(f"unknown {section} option(s) {', '.join(unknown)}; known: {', '.join(params)}")
    out = {}
    missing = []
    for key, p in params.items():
        if key in mine:
            out[key] = p.check(mine[key])
        elif p.required:
            missing.append(f"{key} (macro: {p.command or _group_command(decls, p)})")
        else:
            out[key] = p.default
    if missing:
        raise InputError(f"the {section} process needs " + " and ".join(missing))
    return out


def _group_command(decls, param: Param) -> str:
    return next((d.command for d in decls if isinstance(d, Group) and param in d.params), "?")


__all__ = ["REQUIRED", "KINDS", "Param", "Group", "flatten", "by_field", "defaults", "check", "resolve",
           "bounds_text", "in_bounds"]

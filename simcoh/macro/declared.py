"""Macro commands derived from parameter declarations (:mod:`simcoh.declare`).

A :class:`~simcoh.declare.Param` becomes one command whose argument is read, unit-converted and
range-checked as declared; a :class:`~simcoh.declare.Group` becomes one command with an argument per
parameter. Configuration parameters (source, physics, run) are stored with ``sets``; process options
go to ``RunConfig.process_options`` under their key.
"""

from __future__ import annotations

from ..declare import REQUIRED, Group
from ..declare import Param as Declared
from .params import Bool, Choice, Float, Int, Param, Path, Quantity, String
from .registry import Command


def argument(p: Declared, name: str | None = None) -> Param:
    """The macro argument that reads declaration ``p``."""
    name = name or p.arg
    default = p.omitted
    bounds = dict(min=p.min, max=p.max, min_open=p.min_open, max_open=p.max_open, why=p.why)
    if p.kind == "float":
        return Float(name, p.arg_help, default=default, **bounds)
    if p.kind == "int":
        return Int(name, p.arg_help, default=default, min=p.min, max=p.max, why=p.why)
    if p.kind == "quantity":
        return Quantity(name, p.arg_help, default=default, dims=p.dimension, unit=p.unit,
                        example=p.example or f"{p.default:g} {p.unit}", **bounds)
    if p.kind == "choice":
        return Choice(name, p.arg_help, default=default, choices=p.choices)
    if p.kind == "bool":
        return Bool(name, p.arg_help, default=default)
    if p.kind == "path":
        return Path(name, p.arg_help, default=default, relative_to=p.relative_to,
                    must_exist=p.relative_to == "macro")
    return String(name, p.arg_help, default=default)


def _example(p: Declared) -> str:
    if p.example:
        return p.example
    if p.kind == "choice":
        return str(p.default if p.default not in (None, REQUIRED) else p.choices[0])
    if p.kind == "bool":
        return "true"
    if p.kind == "path":
        return "table.txt"
    return p.format(p.default) if p.default not in (None, REQUIRED) else "1"


def _store(keys: tuple[str, ...]):
    def apply(builder, inv) -> None:
        for key, param in zip(keys, inv.command.params):
            value = inv.values[param.name]
            builder.process_options[key] = getattr(value, "display", value)
    return apply


def _help(text: str, params: tuple[Declared, ...]) -> str:
    """The declared help, with the source of the default(s) appended."""
    distinct = {p.source for p in params if p.source}
    if len(distinct) > 1:
        sources = [f"{p.field}: {p.source}" for p in params if p.source]
    else:
        sources = sorted(distinct)
    return text.strip() + ("\nSource of the default: " + "; ".join(sources) + "." if sources else "")


def command(decl: Declared | Group, option: bool = False) -> Command:
    """The command of one declaration; ``option``: a process option (stored in process_options)."""
    if isinstance(decl, Group):
        params = decl.params
        args = tuple(argument(p) for p in params)
        example = f"{decl.command} " + " ".join(_example(p) for p in params)
        return Command(decl.command, args, _help(decl.help, params), apply=_store(tuple(p.key for p in params)),
                       initial=decl.initial_text(), examples=(example,), declared=params)
    p = decl
    return Command(p.command, (argument(p),), _help(p.help, (p,)),
                   sets=None if option else p.key, apply=_store((p.key,)) if option else None,
                   initial=p.initial_text(), examples=(f"{p.command} {_example(p)}",), declared=(p,))


def commands(decls, option: bool = False) -> list[Command]:
    """Commands of a declaration list (parameters without a command of their own are in a Group)."""
    return [command(d, option) for d in decls if isinstance(d, Group) or d.command is not None]

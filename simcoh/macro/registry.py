"""The command registry: every macro command declared once, as data.

A :class:`Command` names its path, its parameters (kinds from :mod:`.params`), its help text and
what it does: either the configuration field it ``sets`` (``"source.pulse_mean_ns"``) or an ``apply``
function on the run builder. The registry drives argument checking (:meth:`Registry.parse`), the
``simcoh help`` text (:func:`help_text`) and the reference ``docs/macro-commands.md``
(:func:`command_reference_markdown`). The standard commands are declared in :mod:`.commands`; later
work adds its own with :meth:`Registry.register` (for example per-process commands).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import Diagnostic, InputError
from .diagnostics import Location, ProblemList
from .lexer import Token
from .params import ArgError, Param, ParseContext, Quantity, did_you_mean
from .topics import declared_param_command, detector_key_help, detector_keys


@dataclass(frozen=True)
class Command:
    """One macro command.

    ``help``: first line is the summary, the rest explains. ``sets``: dotted configuration field
    (``section.field`` with section source, physics or run) given the first parameter's value.
    ``apply(builder, invocation)``: custom action (used when ``sets`` is not enough). ``control``:
    handled while reading the macro (``/control/...``), not by the builder. ``initial``: what holds
    when the command is not used. Commands of declared parameters are made by :mod:`.declared`.
    """

    path: str
    params: tuple[Param, ...] = ()
    help: str = ""
    sets: str | None = None
    apply: Callable[[Any, "Invocation"], None] | None = None
    control: bool = False
    initial: str | None = None
    examples: tuple[str, ...] = ()
    declared: tuple = ()  # the simcoh.declare.Param declarations the command was made from

    @property
    def directory(self) -> str:
        return self.path.rsplit("/", 1)[0] + "/"

    @property
    def summary(self) -> str:
        return self.help.strip().splitlines()[0] if self.help.strip() else ""

    @property
    def usage(self) -> str:
        return " ".join([self.path] + [p.usage() for p in self.params])

    def initial_text(self) -> str | None:
        """What the setting is when the macro does not use this command."""
        return self.initial


def format_value(value: Any, param: Param | None) -> str:
    """A setting as a macro would write it (``690 ns``, ``true``)."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(param, Quantity) and isinstance(value, (int, float)):
        return f"{value:g} {param.unit}"
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Invocation:
    """One use of a command with its arguments read: ``values`` by parameter name, ``columns`` of the
    first token of each given parameter, and the line text after alias substitution."""

    command: Command
    values: dict[str, Any]
    columns: dict[str, int]
    location: Location
    context: ParseContext
    text: str

    def at(self, name: str) -> Location:
        """The location of parameter ``name`` (of the command itself if it was not written)."""
        return self.location.at(self.columns.get(name, self.location.column))

    def first(self) -> Any:
        return self.values[self.command.params[0].name] if self.command.params else None


class Registry:
    """Commands by path."""

    def __init__(self):
        self._commands: dict[str, Command] = {}

    def register(self, command: Command) -> Command:
        if not command.path.startswith("/") or command.path.endswith("/"):
            raise ValueError(f"command path {command.path!r} must start with '/' and name a command")
        if command.path in self._commands:
            raise ValueError(f"command {command.path} is already registered")
        self._commands[command.path] = command
        return command

    def get(self, path: str) -> Command | None:
        return self._commands.get(path)

    def commands(self) -> list[Command]:
        """All commands, sorted by directory then in declaration order."""
        order = {path: i for i, path in enumerate(self._commands)}
        return sorted(self._commands.values(), key=lambda c: (c.directory, order[c.path]))

    def suggestion(self, path: str) -> str | None:
        """Did-you-mean for an unknown command path."""
        close = did_you_mean(path, self._commands)
        if close:
            return close
        leaf = path.rsplit("/", 1)[-1]
        same_leaf = [p for p in self._commands if p.rsplit("/", 1)[-1].lower() == leaf.lower()]
        if same_leaf:
            return f"did you mean '{same_leaf[0]}'?"
        return "run 'simcoh help' for the list of commands"

    def parse(self, command: Command, tokens: list[Token], location: Location, context: ParseContext,
              end_column: int, text: str, problems: ProblemList) -> Invocation | None:
        """Read the arguments of one command; on a problem, record it and return None."""
        values: dict[str, Any] = {}
        columns: dict[str, int] = {}
        pos = 0
        try:
            for param in command.params:
                if pos >= len(tokens):
                    if not param.optional:
                        raise ArgError(f"missing argument {param.name} of {command.path}", None,
                                       expected=param.expected())
                    values[param.name] = param.default
                    continue
                columns[param.name] = tokens[pos].column
                values[param.name], pos = param.take(tokens, pos, context)
            if pos < len(tokens):
                count = len(command.params)
                raise ArgError(f"too many arguments for {command.path} (it takes {count}): "
                               f"'{tokens[pos].text}' is not used", tokens[pos])
        except ArgError as err:
            column = err.token.column if err.token is not None else end_column
            problems.add(location.at(column), err.message, expected=err.expected,
                         suggestion=err.suggestion or f"usage: {command.usage}")
            return None
        return Invocation(command, values, columns, location, context, text)


#: The registry of the standard commands (filled by :mod:`simcoh.macro.commands`).
REGISTRY = Registry()


def help_text(command: str | None = None, registry: Registry = REGISTRY) -> str:
    """Help for ``simcoh help [TOPIC]``: the command list, one command in full, a directory, a declared
    parameter by its key (``brn.rate_per_gwh``) or a detector key (``target.distance``, :mod:`.topics`).

    An unknown topic raises InputError with a did-you-mean suggestion.
    """
    if command is None:
        return _overview(registry)
    path = command if command.startswith("/") else "/" + command
    found = registry.get(path)
    if found is not None:
        return _command_help(found)
    directory = path if path.endswith("/") else path + "/"
    inside = [c for c in registry.commands() if c.path.startswith(directory)]
    if inside:
        return "\n".join(_listing(c, 0) for c in inside)
    if "." in command and not command.startswith("/"):
        setter = declared_param_command(command, registry)
        if setter is not None:
            return _command_help(setter)
        text = detector_key_help(command)
        if text is not None:
            return text
        hint = did_you_mean(command if command.startswith("detector.") else "detector." + command,
                            detector_keys())
        raise InputError(Diagnostic(f"unknown help topic '{command}'", file="<command line>",
                                    expected="a macro command (/run/beamOn) or a detector key (target.distance)",
                                    suggestion=hint or "run 'simcoh help' for the list of commands"))
    raise InputError(Diagnostic(f"unknown command '{command}'", file="<command line>",
                                expected="a macro command such as /run/beamOn",
                                suggestion=registry.suggestion(path)))


def _overview(registry: Registry) -> str:
    lines = ["Macro commands (simcoh help COMMAND for details):"]
    directory = None
    for c in registry.commands():
        if c.directory != directory:
            directory = c.directory
            lines.append(f"\n{directory}")
        lines.append(_listing(c, 2))
    return "\n".join(lines)


#: Width of the ``simcoh help`` listing: the usage column, then the whole description wrapped to this width.
USAGE_WIDTH, LISTING_WIDTH = 46, 118


def _listing(c: Command, indent: int) -> str:
    """One command of a listing: its usage and its whole description (every line of its help, wrapped under the
    description column; a usage wider than the column puts the description on the next line)."""
    import textwrap

    head = " " * indent + f"{c.usage:<{USAGE_WIDTH}} "
    pad = " " * len(head)
    text = " ".join(c.help.split())
    if len(c.usage) > USAGE_WIDTH:
        return head.rstrip() + "\n" + textwrap.fill(text, LISTING_WIDTH, initial_indent=pad, subsequent_indent=pad,
                                                     break_on_hyphens=False)
    # break only at spaces: a word such as chi-nucleus stays whole (and searchable)
    return textwrap.fill(text, LISTING_WIDTH, initial_indent=head, subsequent_indent=pad, break_on_hyphens=False)


def _command_help(c: Command) -> str:
    lines = [f"usage: {c.usage}", "", c.help.strip()]
    if c.params:
        lines += ["", "parameters:"]
        for p in c.params:
            default = "" if not p.optional else f" [default if omitted: {format_value(p.default, p)}]"
            lines.append(f"  {p.usage():<16} {p.kind}: {p.expected()}{default}")
            if p.help:
                lines.append(f"  {'':<16} {p.help}")
    if c.initial_text() is not None:
        lines += ["", f"when not used: {c.initial_text()}"]
    if c.examples:
        lines += ["", "example:"] + [f"  {e}" for e in c.examples]
    return "\n".join(lines)


_MARKDOWN_INTRO = """\
# Macro command reference

<!-- Generated from the command registry by simcoh.macro.command_reference_markdown(); do not edit.
     Regenerate with: python -c "import simcoh.macro as m; print(m.command_reference_markdown(), end='')"
     > docs/macro-commands.md -->

A macro is a text file of Geant4-style commands, one per line: `/directory/command value [unit]`.
Command paths are case-sensitive. `#` starts a comment (a whole line or the end of a line); blank
lines are ignored; a value with spaces is written in double quotes. `{NAME}` is replaced by the value
of an alias set with `/control/alias`. Quantities take a number and a unit separated by a space
(`19.3 m`, `690 ns`). Every command may appear several times; the last one wins, except
`/run/beamOn`, which must appear exactly once and be the last command other than `/control/...`.
The whole macro is checked before anything runs and every problem is reported with its
`file:line:column`.
"""


def command_reference_markdown(registry: Registry = REGISTRY) -> str:
    """The command reference in Markdown (the content of docs/macro-commands.md)."""
    out = [_MARKDOWN_INTRO]
    directory = None
    for c in registry.commands():
        if c.directory != directory:
            directory = c.directory
            out.append(f"## `{directory}`\n")
        out.append(f"### `{c.usage}`\n")
        out.append(c.help.strip() + "\n")
        if c.params:
            out.append("| parameter | kind | expected | if omitted |")
            out.append("|---|---|---|---|")
            for p in c.params:
                omitted = format_value(p.default, p) if p.optional else "required"
                meaning = f"{p.help}: {p.expected()}" if p.help else p.expected()
                if getattr(p, "why", ""):
                    meaning += f" (why: {p.why})"
                out.append(f"| `{p.usage()}` | {p.kind} | {_cell(meaning)} | {_cell(omitted)} |")
            out.append("")
        if c.initial_text() is not None:
            out.append(f"When not used: {c.initial_text()}.\n")
        if c.examples:
            out.append("```\n" + "\n".join(c.examples) + "\n```\n")
    return "\n".join(out).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")

"""Reading macro files: lines to checked command invocations, with the Geant4 control commands.

:class:`MacroReader` reads a macro line by line (see :mod:`.lexer`), checks every command and its
arguments against the registry, and carries out ``/control/execute`` (include), ``/control/alias``,
``/control/loop``, ``/control/foreach`` and ``/control/echo`` as it goes. The result is the flat list
of the other commands, each an :class:`~.registry.Invocation` that remembers where it was written and
through which include or loop lines it was reached. Problems are collected, never raised here.
"""

from __future__ import annotations

import math
import os

from ..limits import read_bounded_text
from .diagnostics import Location, ProblemList
from .lexer import end_column, strip_comment, substitute_aliases, tokenize
from .params import ParseContext, ResolvedPath
from .registry import Invocation, Registry


#: Guard against runaway loops: at most this many lines read after expansion, every kind counted (control
#: commands, comments and blank lines too), so that a loop of loops fails before it is expanded.
MAX_COMMANDS = 1_000_000
#: Longest line after alias substitution (characters): real lines are far below 1,000 characters; doubling
#: aliases (/control/alias x {x}{x}) reach this bound after a few lines instead of exhausting memory.
MAX_LINE_CHARS = 100_000
#: Total characters of all expanded lines (a million commands of 64 characters).
MAX_TOTAL_CHARS = 64_000_000
#: Largest macro file read (bytes); a macro is text written by hand or by a short script.
MAX_MACRO_BYTES = 10_000_000


class MacroReader:
    """Reads macro text into ``invocations``; ``texts`` holds every file read, by displayed path."""

    def __init__(self, registry: Registry, problems: ProblemList):
        self.registry = registry
        self.problems = problems
        self.aliases: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.invocations: list[Invocation] = []
        self.echoes: list[str] = []
        self._open_files: list[tuple[str, str]] = []  # (real path, displayed path) of the include chain
        self.failed_paths: set[str] = set()  # commands that appeared with bad arguments
        self._too_many = False
        self._lines = 0  # lines read so far, every kind
        self._chars = 0  # characters of those lines after alias substitution

    # --- files ------------------------------------------------------------------------------------
    def read_text(self, text: str, display: str, context: ParseContext, via: tuple[str, ...] = ()) -> None:
        """Read the lines of one macro; ``display`` names it in messages. A UTF-8 byte-order mark at the start
        (as some Windows editors write) is dropped."""
        text = text.removeprefix("\ufeff")
        self.texts.setdefault(display, text)
        for number, raw in enumerate(text.splitlines(), start=1):
            if self._too_many:
                return
            self.read_line(raw, Location(display, number, 1, via), context)

    def read_file(self, path: ResolvedPath, via: tuple[str, ...], at: Location) -> None:
        """Read a macro file reached from the line at ``at`` (include, loop or foreach)."""
        real = os.path.realpath(path.absolute)
        if any(real == open_real for open_real, _ in self._open_files):
            chain = " -> ".join([shown for _, shown in self._open_files] + [path.display])
            self.problems.add(at, f"include cycle: {chain}", expected="a macro that does not include itself",
                              suggestion="remove this line or the line that includes this macro")
            return
        try:
            text = read_bounded_text(path.absolute, MAX_MACRO_BYTES)
        except (OSError, UnicodeDecodeError, ValueError) as err:
            self.problems.add(at, f"cannot read macro '{path.display}': {err}", expected="a readable text file")
            return
        directory = ParseContext(os.path.dirname(path.absolute), os.path.dirname(path.display) or ".")
        self._open_files.append((real, path.display))
        try:
            self.read_text(text, path.display, directory, via)
        finally:
            self._open_files.pop()

    def open_top(self, path: ResolvedPath) -> None:
        """Read the top-level macro file."""
        self._open_files = []
        self.read_file(path, (), Location(path.display))

    # --- lines ------------------------------------------------------------------------------------
    def read_line(self, raw: str, location: Location, context: ParseContext, aliases: bool = True) -> None:
        """Read one line: skip blanks and comments, substitute aliases, check and run or keep it."""
        if not self._count(location, len(raw)):
            return
        code = strip_comment(raw)
        if not code.strip():
            return
        text, columns = code, list(range(1, len(code) + 1))
        if aliases:
            text, columns, problems = substitute_aliases(code, self.aliases, location, MAX_LINE_CHARS)
            if problems:
                for problem in problems:
                    self.problems.add_problem(problem)
                return
            if not self._count(location, len(text) - len(raw), line=False):
                return
        tokens, problems = tokenize(text, columns, location)
        for problem in problems:
            self.problems.add_problem(problem)
        if problems or not tokens:
            return
        head, args = tokens[0], tokens[1:]
        here = location.at(head.column)
        command = self.registry.get(head.text)
        if command is None:
            self._unknown(head.text, here)
            return
        invocation = self.registry.parse(command, args, here, context, end_column(code), text.strip(),
                                         self.problems)
        if invocation is None:
            self.failed_paths.add(command.path)
            return
        if command.control:
            self._control(invocation)
        else:
            self.invocations.append(invocation)

    def _count(self, location: Location, chars: int, line: bool = True) -> bool:
        """Count one line (and its characters) against the expansion bounds; False once they are exceeded."""
        self._lines += line
        self._chars += chars
        if self._too_many:
            return False
        if self._lines > MAX_COMMANDS or self._chars > MAX_TOTAL_CHARS:
            self._stop()
            what = f"{MAX_COMMANDS:,} lines" if self._lines > MAX_COMMANDS else f"{MAX_TOTAL_CHARS:,} characters"
            self.problems.add(location, f"the macro expands to more than {what} (loops, includes and aliases "
                              "expanded; control commands count)", expected="a macro that expands to fewer commands",
                              suggestion="check the FIRST, LAST and STEP of /control/loop and nested loops")
            return False
        return True

    def _stop(self) -> None:
        """Stop reading; the commands not read (/detector/load, /run/beamOn) are then not reported missing."""
        self._too_many = True
        self.failed_paths.update(("/run/beamOn", "/detector/load"))

    def _unknown(self, word: str, here: Location) -> None:
        if len(word) > 80:
            word = f"{word[:60]}... ({len(word):,} characters)"
        if not word.startswith("/"):
            close = self.registry.suggestion("/" + word)
            self.problems.add(here, f"'{word}' is not a command", expected="a command starting with '/'",
                              suggestion=close)
        else:
            self.problems.add(here, f"unknown command '{word}'", expected="a command from 'simcoh help'",
                              suggestion=self.registry.suggestion(word))

    # --- /control/ ---------------------------------------------------------------------------------
    def _control(self, inv: Invocation) -> None:
        name = inv.command.path.rsplit("/", 1)[1]
        values = inv.values
        if name == "execute":
            self.read_file(values["FILE"], self._via(inv), inv.at("FILE"))
        elif name == "alias":
            self.aliases[values["NAME"]] = values["VALUE"]
        elif name == "echo":
            self.echoes.append(values["TEXT"])
        elif name == "loop":
            self._loop(inv)
        elif name == "foreach":
            for value in values["VALUES"].split():
                self._run_with_alias(inv, values["ALIAS"], value)
                if self._too_many:
                    return

    def _loop(self, inv: Invocation) -> None:
        first, last, step = inv.values["FIRST"], inv.values["LAST"], inv.values["STEP"]
        if step == 0:
            self.problems.add(inv.at("STEP"), "loop STEP is zero", expected="a non-zero STEP")
            return
        span = (last - first) / step + 1e-9  # may be infinite: 0 to 2 in steps of 1e-308
        count = 0 if span < 0 else math.floor(span) + 1 if span < MAX_COMMANDS else MAX_COMMANDS + 1
        left = MAX_COMMANDS - self._lines
        if count > left:  # each iteration reads at least one line: refuse before expanding anything
            shown = f"{count:,}" if count <= MAX_COMMANDS else f"more than {MAX_COMMANDS:,}"
            self.problems.add(inv.location, f"loop of {shown} iterations would expand the macro past "
                              f"{MAX_COMMANDS:,} lines ({max(left, 0):,} left at this point)",
                              expected=f"at most {max(left, 0):,} iterations here",
                              suggestion="check FIRST, LAST and STEP, and loops around this one")
            self._stop()
            return
        for k in range(max(count, 0)):
            value = first + k * step  # written with 12 significant digits: 0.2 + 2 * 0.05 gives "0.3"
            self._run_with_alias(inv, inv.values["COUNTER"], f"{value:.12g}")
            if self._too_many:
                return

    def _run_with_alias(self, inv: Invocation, alias: str, value: str) -> None:
        self.aliases[alias] = value
        self.read_file(inv.values["MACRO"], self._via(inv, f"{alias}={value}"), inv.at("MACRO"))

    @staticmethod
    def _via(inv: Invocation, note: str | None = None) -> tuple[str, ...]:
        step = inv.location.short + (f" ({inv.command.path} {note})" if note else "")
        return inv.location.via + (step,)

"""Where a macro command came from, and problems found in it.

Every command keeps its :class:`Location`: the file, line and column it was written at, plus the
chain of ``/control/execute``, ``/control/loop`` and ``/control/foreach`` lines that led to it.
Problems are collected as :class:`Problem` objects while reading a macro and turned into one
:class:`~simcoh.errors.InputError` at the end, so that every problem is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import Diagnostic, InputError


@dataclass(frozen=True)
class Location:
    """A place in a macro. ``via`` lists the lines that included or looped into this file,
    outermost first, already formatted (``"run.mac:4 (/control/loop i=2)"``)."""

    file: str
    line: int | None = None
    column: int | None = None
    via: tuple[str, ...] = ()

    def at(self, column: int | None) -> Location:
        """The same line at another column."""
        return replace(self, column=column)

    @property
    def short(self) -> str:
        """``file:line`` (or just ``file``)."""
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def describe_via(self) -> str:
        """``" (via run.mac:4)"`` or an empty string for a top-level line."""
        return f" (via {' -> '.join(self.via)})" if self.via else ""


@dataclass(frozen=True)
class Problem:
    """One problem in a macro, at a location."""

    location: Location
    message: str
    expected: str | None = None
    suggestion: str | None = None

    def to_diagnostic(self) -> Diagnostic:
        loc = self.location
        return Diagnostic(
            message=self.message + loc.describe_via(),
            file=loc.file,
            line=loc.line,
            column=loc.column,
            expected=self.expected,
            suggestion=self.suggestion,
        )


class MacroProblem(Exception):
    """Raised inside the macro package to abort one command; carries a :class:`Problem`."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


#: Problems reported at most; a macro with more (a generated one, a bomb) gets a count of the rest.
MAX_PROBLEMS = 200


class ProblemList:
    """Collects problems and diagnostics; the same problem seen again (for example in every
    iteration of a loop) is kept once, and at most :data:`MAX_PROBLEMS` are kept."""

    def __init__(self):
        self._items: list[Diagnostic] = []
        self._seen: set[tuple] = set()
        self._dropped = 0

    def add(self, location: Location, message: str, expected: str | None = None,
            suggestion: str | None = None) -> None:
        self.add_problem(Problem(location, message, expected, suggestion))

    def add_problem(self, problem: Problem) -> None:
        loc = problem.location
        key = (loc.file, loc.line, loc.column, problem.message)
        if key not in self._seen:
            self._keep(key, problem.to_diagnostic())

    def add_diagnostic(self, diagnostic: Diagnostic) -> None:
        key = (diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.message)
        if key not in self._seen:
            self._keep(key, diagnostic)

    def _keep(self, key: tuple, diagnostic: Diagnostic) -> None:
        if len(self._items) >= MAX_PROBLEMS:
            self._dropped += 1
            return
        self._seen.add(key)
        self._items.append(diagnostic)

    def __len__(self) -> int:
        return len(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            more = [Diagnostic(f"{self._dropped:,} more problems not shown", self._items[-1].file,
                               suggestion="fix the problems above first")] if self._dropped else []
            raise InputError(list(self._items) + more)

"""Errors a person can act on: every input problem carries file:line:column, what was expected and
a suggestion, and all problems of one input are reported together in one exception."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One problem in an input file (macro, geometry) or value."""

    message: str
    file: str = "<input>"
    line: int | None = None
    column: int | None = None
    expected: str | None = None
    suggestion: str | None = None

    @property
    def location(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def __str__(self) -> str:
        text = f"{self.location}: error: {self.message}"
        if self.expected:
            text += f"\n    expected: {self.expected}"
        if self.suggestion:
            text += f"\n    suggestion: {self.suggestion}"
        return text


class SimcohError(Exception):
    """Base class of all errors simcoh raises on purpose."""


class InputError(SimcohError, ValueError):
    """One or more problems in user input; ``diagnostics`` lists them all."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.diagnostics)
        head = "" if n == 1 else f"{n} problems found:\n"
        return head + "\n".join(str(d) for d in self.diagnostics)


class OutputExistsError(SimcohError, FileExistsError):
    """The output file exists and is complete; it is never overwritten unless asked."""

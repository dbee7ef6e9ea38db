"""Splitting one macro line into tokens with their column numbers.

A line is read in three steps, as Geant4 does: the comment is cut off (``#`` outside double quotes),
``{NAME}`` aliases are replaced by their values, and the rest is split at white space, a double-quoted
string being one token. Columns are 1-based and always refer to the line as written: characters that
came from an alias carry the column of the ``{`` that produced them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..units import suggest
from .diagnostics import Location, Problem


@dataclass(frozen=True)
class Token:
    """One word of a command line; ``quoted`` if it was written in double quotes."""

    text: str
    column: int
    quoted: bool = False


def strip_comment(text: str) -> str:
    """``text`` without its comment: everything from the first ``#`` outside double quotes."""
    in_quotes = False
    for i, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif char == "#" and not in_quotes:
            return text[:i]
    return text


def substitute_aliases(
    text: str, aliases: dict[str, str], location: Location, max_chars: int | None = None
) -> tuple[str, list[int], list[Problem]]:
    """Replace every ``{NAME}`` by its alias value.

    Returns the new text, the original 1-based column of each of its characters, and the problems
    (undefined alias, unmatched brace). An undefined alias is left as written.
    """
    out: list[str] = []
    columns: list[int] = []
    problems: list[Problem] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "{":
            out.append(char)
            columns.append(i + 1)
            i += 1
            continue
        close = text.find("}", i + 1)
        if close < 0:
            problems.append(Problem(location.at(i + 1), "'{' without a matching '}'",
                                    expected="an alias reference such as {name}"))
            out.append(text[i:])
            columns.extend(range(i + 1, len(text) + 1))
            break
        name = text[i + 1:close]
        if name in aliases:
            value = aliases[name]
        else:
            problems.append(Problem(
                location.at(i + 1), f"undefined alias '{{{name}}}'",
                expected="an alias defined earlier with /control/alias NAME VALUE"
                + (f" (defined: {', '.join(sorted(aliases))})" if aliases else ""),
                suggestion=_alias_suggestion(name, aliases),
            ))
            value = text[i:close + 1]
        if max_chars is not None and len(columns) + len(value) > max_chars:
            problems.append(Problem(location.at(i + 1), f"the line is longer than {max_chars:,} characters after "
                                    f"replacing aliases (alias '{{{name}}}' is {len(value):,} characters)",
                                    expected="aliases that expand to a line of reasonable length",
                                    suggestion="check /control/alias lines that use the alias in its own value"))
            break
        out.append(value)
        columns.extend([i + 1] * len(value))
        i = close + 1
    return "".join(out), columns, problems


def _alias_suggestion(name: str, aliases: dict[str, str]) -> str:
    hint = suggest(name, aliases).strip()
    if hint:
        return hint.strip("()")
    return f"define it first: /control/alias {name} VALUE"


def tokenize(text: str, columns: list[int], location: Location) -> tuple[list[Token], list[Problem]]:
    """Split ``text`` at white space; a double-quoted string (quotes removed) is one token."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close < 0:
                problem = Problem(location.at(columns[start]), "unterminated quoted string",
                                  expected='a closing double quote (")')
                return tokens, [problem]
            tokens.append(Token(text[i + 1:close], columns[start], quoted=True))
            i = close + 1
            continue
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        tokens.append(Token(text[start:i], columns[start]))
    return tokens, []


def end_column(text: str) -> int:
    """The column just after the last non-blank character of a line (where a missing word goes)."""
    return len(strip_comment(text).rstrip()) + 1

"""Convert one raw TOML value to its stored form, as the schema :class:`~.schema.Key` says.

Raises :class:`ValueProblem` (message, expected, suggestion) for anything wrong; the loader attaches
the file position. Quantities end up in the unit of the field (``"19.3 m"`` -> 1930.0 for ``distance_cm``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .. import units
from ..limits import MAX_TABLE_BYTES, read_bounded_text
from .schema import Key


class ValueProblem(Exception):
    """A value that does not fit its key."""

    def __init__(self, message: str, expected: str | None = None, suggestion: str | None = None):
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.suggestion = suggestion


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _describe(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, (list, dict)) else kind


def quantity_to_field(key: Key, value: Any) -> float:
    """``"19.3 m"`` -> 1930.0 for a key stored in cm; bare numbers only for dimensionless keys."""
    dim = key.dimension
    example = units.EXAMPLE_UNITS.get(dim, "").split(",")[0]
    if _is_number(value):
        if dim == units.DIMENSIONLESS:
            return float(value)
        raise ValueProblem(
            f"missing unit: {key.name} = {value!r} needs {_article(units.dimension_name(dim))} unit",
            expected=f"a string with a unit, e.g. \"{value} {example}\"",
            suggestion=f"write {key.name} = \"{value} {example}\"",
        )
    if not isinstance(value, str):
        raise ValueProblem(f"{key.name} is {_describe(value)}", expected=f"a string with a unit, e.g. \"1 {example}\"")
    try:
        number, unit = units.split_quantity(value)
        internal = units.to_internal(number, unit, dim)
    except units.UnitError as err:
        text = str(err)
        if text.startswith("missing unit"):
            raise ValueProblem(f"missing unit in {key.name} = \"{value}\"", expected=text.split(": ", 1)[1],
                               suggestion=f"write \"{value.strip()} {example}\"") from None
        bound = f", {_allowed(key)}{' ' + key.unit if key.unit else ''}" if key.maximum is not None else ""
        raise ValueProblem(f"{key.name} = \"{value}\": {text}",
                           expected=f"a {units.dimension_name(dim)} ({units.EXAMPLE_UNITS.get(dim, '')}){bound}",
                           suggestion=f"the range is physical: {key.why}" if key.why else None) from None
    return internal / units.parse_unit(key.unit)[0] if key.unit else internal


def check_range(key: Key, number: float) -> None:
    """Raise ValueProblem if ``number`` (in the field's unit) is outside the key's range."""
    if not math.isfinite(number):
        raise ValueProblem(f"{key.name} is not a finite number: {number!r}", expected=f"{key.name} {_allowed(key)}")
    low_bad = key.minimum is not None and (number < key.minimum or (key.min_open and number == key.minimum))
    high_bad = key.maximum is not None and (number > key.maximum or (key.max_open and number == key.maximum))
    if low_bad or high_bad:
        shown = f"{number:g}" + (f" {key.unit}" if key.unit else "")
        bounds = []
        if key.minimum is not None:
            bounds.append(f"{'>' if key.min_open else '>='} {key.minimum:g}")
        if key.maximum is not None:
            bounds.append(f"{'<' if key.max_open else '<='} {key.maximum:g}")
        what = "negative" if number < 0 and key.minimum == 0 else "out of range"
        raise ValueProblem(f"{key.name} is {what}: {shown}",
                           expected=f"{key.name} {' and '.join(bounds)}" + (f" {key.unit}" if key.unit else ""),
                           suggestion=f"the range is physical: {key.why}" if key.why else None)


def _allowed(key: Key) -> str:
    bounds = [f"{'>' if key.min_open else '>='} {key.minimum:g}" if key.minimum is not None else "",
              f"{'<' if key.max_open else '<='} {key.maximum:g}" if key.maximum is not None else ""]
    return " and ".join(b for b in bounds if b) or "finite"


def _scalar(key: Key, value: Any) -> Any:
    kind = key.kind
    if kind in ("str", "path"):
        if not isinstance(value, str):
            raise ValueProblem(f"{key.name} is {_describe(value)}", expected="a string in quotes")
        return value
    if kind == "choice":
        if value not in key.choices:
            close = units.suggest(str(value), key.choices)
            raise ValueProblem(f"{key.name} = {value!r} is not allowed", expected="one of " + ", ".join(key.choices),
                               suggestion=close.strip(" ()") or None)
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueProblem(f"{key.name} is {_describe(value)}", expected="true or false")
        return value
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueProblem(f"{key.name} is {_describe(value)}", expected="an integer")
        check_range(key, value)
        return value
    if kind in ("float", "numbers", "table"):
        if not _is_number(value):
            raise ValueProblem(f"{key.name} is {_describe(value)}", expected="a finite number")
        check_range(key, value)
        return value if kind == "numbers" and isinstance(value, int) else float(value)
    if kind in ("quantity", "quantities"):
        number = quantity_to_field(key, value)
        check_range(key, number)
        return number
    raise AssertionError(f"unknown kind {kind}")


def _as_list(key: Key, value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise ValueProblem(f"{key.name} is {_describe(value)}", expected=f"a list of {what} in [ ]")
    if key.length is not None and len(value) != key.length:
        raise ValueProblem(f"{key.name} has {len(value)} entries", expected=f"exactly {key.length} entries")
    if not value:
        raise ValueProblem(f"{key.name} is empty", expected=f"a list of {what}")
    return value


def convert_value(key: Key, value: Any) -> Any:
    """The stored value of ``value`` for ``key`` (tuples for lists, a tuple of pairs for tables)."""
    if key.kind == "strings":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueProblem(f"{key.name} must be a list of strings", expected='["arXiv:2110.07730", ...]')
        return tuple(value)
    if key.kind == "numbers":
        return tuple(_scalar(key, v) for v in _as_list(key, value, "numbers"))
    if key.kind == "quantities":
        return tuple(_scalar(key, v) for v in _as_list(key, value, "values with units"))
    if key.kind == "table":
        if not isinstance(value, dict):
            raise ValueProblem(f"{key.name} is {_describe(value)}", expected="an inline table { name = [..], ... }")
        return tuple(sorted((name, tuple(_scalar(key, v) for v in _as_list(key, entry, "numbers")))
                            for name, entry in value.items()))
    return _scalar(key, value)


def read_table(path: Path) -> tuple[tuple[float, ...], ...]:
    """Numeric columns of a whitespace- or comma-separated text file; ``#`` starts a comment."""
    try:
        text = read_bounded_text(path)
    except OSError as err:
        raise ValueProblem(f"cannot read table file {path}: {err.strerror}",
                           expected="a path relative to the geometry file") from None
    except (ValueError, UnicodeDecodeError) as err:  # not a regular file, too large, or binary
        raise ValueProblem(f"cannot read table file {path}: {err}",
                           expected=f"a text file of at most {MAX_TABLE_BYTES >> 20} MB with rows of numbers",
                           suggestion="name a regular text file relative to the geometry file") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].replace(",", " ").split()
        if not body:
            continue
        try:
            row = [float(x) for x in body]
        except ValueError:
            raise ValueProblem(f"{path}:{number}: cannot read numbers from '{line.strip()}'",
                               expected="rows of numbers") from None
        if rows and len(row) != len(rows[0]):
            raise ValueProblem(f"{path}:{number}: {len(row)} columns where earlier rows have {len(rows[0])}",
                               expected="the same number of columns in every row")
        rows.append(row)
    if not rows:
        raise ValueProblem(f"table file {path} has no data rows", expected="rows of numbers")
    return tuple(tuple(col) for col in zip(*rows))


def _article(noun: str) -> str:
    """``noun`` with its indefinite article ("an inverse energy", "a length")."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"

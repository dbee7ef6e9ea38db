"""Parameter kinds of macro commands: how each argument is read, checked and described.

Each kind knows how many tokens it takes, how to convert them (raising :class:`ArgError` with the
offending token), and how to describe what it expects; the same description feeds error messages,
``simcoh help`` and the generated command reference.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..declare import REQUIRED, bounds_text, in_bounds  # REQUIRED: an argument without a default
from ..errors import InputError
from ..units import DIMENSIONLESS, UNITS, UnitError, dimension_name, parse_unit, to_internal
from ..units import suggest as _suggest
from .lexer import Token



class ArgError(Exception):
    """A bad argument; ``token`` is None when the argument is missing."""

    def __init__(self, message: str, token: Token | None, expected: str | None = None,
                 suggestion: str | None = None):
        super().__init__(message)
        self.message = message
        self.token = token
        self.expected = expected
        self.suggestion = suggestion


@dataclass(frozen=True)
class ParseContext:
    """Where relative paths of a command are resolved: the directory of the macro file it is in
    (absolute, and as shown to the user)."""

    base_dir: str = "."
    base_display: str = "."


def did_you_mean(word: str, candidates) -> str | None:
    """``"did you mean 'x'?"`` for the closest candidate, or None."""
    hint = _suggest(word, candidates).strip()
    return hint[1:-1] if hint else None


_GLUED = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([A-Za-zµ%].*)$")


def read_number(token: Token, what: str = "a number") -> float:
    """The finite float written in ``token``."""
    try:
        value = float(token.text)
    except ValueError:
        glued = _GLUED.match(token.text)
        hint = f"separate number and unit: '{glued[1]} {glued[2]}'" if glued and _is_unit(glued[2]) else None
        raise ArgError(f"'{token.text}' is not a number", token, expected=what, suggestion=hint) from None
    if not math.isfinite(value):
        raise ArgError(f"'{token.text}' is not a finite number", token, expected=what)
    return value


def _a(noun: str) -> str:
    """``noun`` with its indefinite article."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _is_unit(text: str) -> bool:
    try:
        parse_unit(text)
    except UnitError:
        return False
    return True


def _check_range(value, token, param, unit: str = "") -> None:
    """The declared range rule (:func:`simcoh.declare.in_bounds`), reported at ``token``."""
    if not in_bounds(value, param.min, param.max, param.min_open, param.max_open):
        shown = f"{value:g}{' ' + unit if unit else ''}"
        why = getattr(param, "why", "")
        raise ArgError(f"{param.name} = {shown} is out of range", token,
                       expected=param.expected() + (f" (the range is physical: {why})" if why else ""))


@dataclass(frozen=True)
class Param:
    """Base of all parameter kinds: one token, converted by :meth:`convert`."""

    name: str
    help: str = ""
    default: Any = REQUIRED

    kind = "value"

    @property
    def optional(self) -> bool:
        return self.default is not REQUIRED

    def usage(self) -> str:
        return f"[{self.name}]" if self.optional else self.name

    def expected(self) -> str:
        return self.kind

    def take(self, tokens: list[Token], pos: int, ctx: ParseContext) -> tuple[Any, int]:
        """Read this parameter from ``tokens[pos:]``; return the value and the next position."""
        return self.convert(tokens[pos], ctx), pos + 1

    def convert(self, token: Token, ctx: ParseContext) -> Any:
        return token.text


@dataclass(frozen=True)
class Int(Param):
    min: int | None = None
    max: int | None = None
    why: str = ""  # the reason for the range (shown with a value out of it)
    min_open = False
    max_open = False
    kind = "integer"

    def expected(self) -> str:
        bound = bounds_text(self.min, self.max, False, False)
        return f"an integer{' ' + bound if bound else ''}"

    def convert(self, token: Token, ctx: ParseContext) -> int:
        try:
            value = int(token.text)
        except ValueError:
            number = read_number(token, self.expected())
            if number != int(number) or abs(number) > 2**53:
                raise ArgError(f"'{token.text}' is not an integer", token, expected=self.expected()) from None
            value = int(number)
        _check_range(value, token, self)
        return value


@dataclass(frozen=True)
class Float(Param):
    min: float | None = None
    max: float | None = None
    why: str = ""
    min_open: bool = False
    max_open: bool = False
    kind = "number"

    def expected(self) -> str:
        bound = bounds_text(self.min, self.max, self.min_open, self.max_open)
        return f"a number{' ' + bound if bound else ''}"

    def convert(self, token: Token, ctx: ParseContext) -> float:
        value = read_number(token, self.expected())
        _check_range(value, token, self)
        return value


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


@dataclass(frozen=True)
class Bool(Param):
    kind = "boolean"

    def expected(self) -> str:
        return "true or false (also 1/0, yes/no, on/off)"

    def convert(self, token: Token, ctx: ParseContext) -> bool:
        word = token.text.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ArgError(f"'{token.text}' is not a boolean", token, expected=self.expected(),
                       suggestion=did_you_mean(word, _TRUE + _FALSE))


@dataclass(frozen=True)
class String(Param):
    """A single word; ``check`` (raising InputError) validates it further."""

    check: Callable[[str], Any] | None = None
    describe: str = "a word"
    kind = "string"

    def expected(self) -> str:
        return self.describe

    def convert(self, token: Token, ctx: ParseContext) -> str:
        if self.check is not None:
            try:
                self.check(token.text)
            except InputError as err:
                raise ArgError(err.diagnostics[0].message, token, expected=self.expected()) from None
        return token.text


@dataclass(frozen=True)
class Choice(Param):
    choices: tuple[str, ...] = ()
    kind = "choice"

    def expected(self) -> str:
        return "one of " + ", ".join(self.choices)

    def convert(self, token: Token, ctx: ParseContext) -> str:
        if token.text not in self.choices:
            raise ArgError(f"'{token.text}' is not a valid {self.name}", token, expected=self.expected(),
                           suggestion=did_you_mean(token.text, self.choices))
        return token.text


def units_of(dim) -> list[str]:
    """Every unit name of dimension ``dim`` that units.py knows."""
    return [name for name, (_, d) in UNITS.items() if d == dim and name != "1"]


@dataclass(frozen=True)
class Quantity(Param):
    """A number followed by a unit.

    With one dimension ``dims`` (a dimension vector) the value is returned in ``unit``. With several,
    ``dims`` maps each accepted dimension to its target unit, and ``(value, target unit)`` is returned
    (``/run/exposure`` takes an energy or a count of POT). ``count_units`` restricts which
    dimensionless unit names are accepted. ``example`` is shown in messages (``"690 ns"``).
    """

    dims: Any = None
    unit: str = ""
    example: str = ""
    count_units: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    why: str = ""
    min_open: bool = False
    max_open: bool = False
    kind = "quantity"

    def _targets(self) -> dict:
        return dict(self.dims) if isinstance(self.dims, dict) else {self.dims: self.unit}

    def accepted_units(self) -> list[str]:
        names: list[str] = []
        for dim, target in self._targets().items():
            named = list(self.count_units) if dim == DIMENSIONLESS and self.count_units else units_of(dim)
            names += named or [target]  # a compound unit such as cm^2 has no named units of its own
        return names

    def expected(self) -> str:
        what = " or ".join(dimension_name(d) if d != DIMENSIONLESS else "count" for d in self._targets())
        bound = bounds_text(self.min, self.max, self.min_open, self.max_open)
        text = f"{_a(what)} with a unit, e.g. '{self.example}'"
        if bound:
            text += f", {bound}{' ' + self.unit if self.unit else ''}"
        return text + f" (units: {', '.join(self.accepted_units())})"

    def usage(self) -> str:
        inner = f"{self.name} UNIT"
        return f"[{inner}]" if self.optional else inner

    def take(self, tokens: list[Token], pos: int, ctx: ParseContext) -> tuple[Any, int]:
        number_token = tokens[pos]
        value = read_number(number_token, self.expected())
        unit_token = tokens[pos + 1] if pos + 1 < len(tokens) else None
        if unit_token is None:
            raise ArgError(f"missing unit after '{number_token.text}'", number_token,
                           expected=self.expected(), suggestion=f"write it as '{self.example}'")
        return self._convert_unit(value, unit_token), pos + 2

    def _convert_unit(self, value: float, token: Token):
        targets = self._targets()
        try:
            _, dim = parse_unit(token.text)
        except UnitError as err:
            known = str(err).startswith("unknown unit") or str(err).startswith("cannot read")
            raise ArgError(f"unknown unit '{token.text}'" if known else str(err), token, expected=self.expected(),
                           suggestion=did_you_mean(token.text, self.accepted_units())) from err
        if dim not in targets or (dim == DIMENSIONLESS and self.count_units
                                  and token.text not in self.count_units):
            raise ArgError(f"'{token.text}' is {_a(dimension_name(dim))} unit, not accepted here", token,
                           expected=self.expected(), suggestion=did_you_mean(token.text, self.accepted_units()))
        target = targets[dim]
        try:
            converted = to_internal(value, token.text, dim) / parse_unit(target)[0]
        except UnitError as err:
            raise ArgError(str(err), token, expected=self.expected()) from err
        _check_range(converted, token, self, target)
        return converted if not isinstance(self.dims, dict) else (converted, target)


@dataclass(frozen=True)
class ResolvedPath:
    """A file path as shown to the user (relative to where they run simcoh) and as an absolute path."""

    display: str
    absolute: str


@dataclass(frozen=True)
class Path(Param):
    """A file path; ``relative_to`` is "macro" (the macro file's directory) or "cwd"."""

    relative_to: str = "macro"
    must_exist: bool = True
    kind = "path"

    def expected(self) -> str:
        where = "the macro file's directory" if self.relative_to == "macro" else "the working directory"
        return f"a file path (relative paths start from {where})"

    def convert(self, token: Token, ctx: ParseContext) -> ResolvedPath:
        bad = next((c for c in token.text if ord(c) < 32 or ord(c) == 127), None)
        if bad is not None:
            raise ArgError(f"file path {token.text!r} contains the control character {bad!r}", token,
                           expected=self.expected(), suggestion="write the path with printable characters only")
        text = os.path.expanduser(token.text)
        if os.path.isabs(text) or self.relative_to == "cwd":
            resolved = ResolvedPath(os.path.normpath(text), os.path.abspath(text))
        else:
            resolved = ResolvedPath(os.path.normpath(os.path.join(ctx.base_display, text)),
                                    os.path.normpath(os.path.join(ctx.base_dir, text)))
        if self.must_exist and not os.path.isfile(resolved.absolute):
            raise ArgError(f"file not found: '{token.text}' (looked for {resolved.absolute})", token,
                           expected=self.expected(), suggestion="check the spelling and the directory")
        return resolved


@dataclass(frozen=True)
class Text(Param):
    """The rest of the line as free text (words joined by one space; quotes removed)."""

    kind = "text"

    def expected(self) -> str:
        return "free text (rest of the line)"

    def usage(self) -> str:
        return f"[{self.name}...]" if self.optional else f"{self.name}..."

    def take(self, tokens: list[Token], pos: int, ctx: ParseContext) -> tuple[Any, int]:
        return " ".join(t.text for t in tokens[pos:]), len(tokens)


@dataclass(frozen=True)
class KeyValue(Param):
    """A ``KEY VALUE`` pair: a key checked by ``check`` (raising InputError), then either the rest of
    the line as raw text (``value`` None) or one value read by the parameter ``value``.
    Returns ``(key, value)``."""

    check: Callable[[str], Any] | None = None
    value: Param | None = None
    key_help: str = "KEY"
    kind = "key value"

    def usage(self) -> str:
        value = "VALUE [UNIT]" if self.value is None else self.value.usage()
        return f"{self.key_help} {value}"

    def expected(self) -> str:
        value = "a value (with its unit if it has one)" if self.value is None else self.value.expected()
        return f"a key ({self.key_help}) followed by {value}"

    def take(self, tokens: list[Token], pos: int, ctx: ParseContext) -> tuple[Any, int]:
        key_token = tokens[pos]
        if self.check is not None:
            try:
                self.check(key_token.text)
            except InputError as err:
                raise ArgError(err.diagnostics[0].message, key_token, expected=self.expected()) from None
        if pos + 1 >= len(tokens):
            raise ArgError(f"missing value after key '{key_token.text}'", None, expected=self.expected())
        if self.value is None:
            return (key_token.text, " ".join(t.text for t in tokens[pos + 1:])), len(tokens)
        value, end = self.value.take(tokens, pos + 1, ctx)
        return (key_token.text, value), end


__all__ = ["REQUIRED", "ArgError", "ParseContext", "Param", "Int", "Float", "Bool", "String", "Choice",
           "Quantity", "Path", "ResolvedPath", "Text", "KeyValue", "did_you_mean"]

"""Line and column of every key in a TOML text.

``tomllib`` gives values but no positions, so diagnostics find their line here. The scanner
understands what geometry files use: ``[table]`` and ``[dotted.table]`` headers, ``key = value``
lines with bare, quoted or dotted keys, inline tables ``{ a = [..], b = 1 }`` (recursively), multi-line
arrays, strings of all four kinds, and comments. It never judges validity (tomllib does that).
"""

from __future__ import annotations

from dataclasses import dataclass

KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class Position:
    """1-based line of a key; ``column`` of the key itself, ``value_column`` of its value."""

    line: int
    column: int
    value_column: int | None = None


class _Cursor:
    def __init__(self, text: str):
        self.text = text
        self.i = 0

    def peek(self, n: int = 1) -> str:
        return self.text[self.i:self.i + n]

    def at_end(self) -> bool:
        return self.i >= len(self.text)

    def position(self, i: int | None = None) -> tuple[int, int]:
        i = self.i if i is None else i
        line = self.text.count("\n", 0, i) + 1
        column = i - (self.text.rfind("\n", 0, i) + 1) + 1
        return line, column

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces and comments (and newlines when ``newlines``)."""
        while not self.at_end():
            c = self.text[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            else:
                return

    def skip_line(self) -> None:
        end = self.text.find("\n", self.i)
        self.i = len(self.text) if end < 0 else end + 1

    def read_string(self) -> str:
        """Read a basic, literal or multi-line string starting at the cursor; return its raw body."""
        for quote in ('"""', "'''", '"', "'"):
            if self.text.startswith(quote, self.i):
                break
        self.i += len(quote)
        start = self.i
        while not self.at_end() and not self.text.startswith(quote, self.i):
            if quote[0] == '"' and self.text[self.i] == "\\":
                self.i += 1
            if len(quote) == 1 and self.text[self.i] == "\n":
                break
            self.i += 1
        body = self.text[start:self.i]
        self.i += len(quote)
        return body

    def read_key(self) -> list[tuple[str, int]]:
        """Read a (dotted) key; return its parts with their start offsets."""
        parts = []
        while True:
            self.skip_blank(newlines=False)
            start = self.i
            if self.peek() in ('"', "'"):
                name = self.read_string()
            else:
                while not self.at_end() and (self.text[self.i].isalnum() or self.text[self.i] in "_-"):
                    self.i += 1
                name = self.text[start:self.i]
            if not name and start == self.i:
                return parts
            parts.append((name, start))
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return parts
            self.i += 1


def key_positions(text: str) -> dict[KeyPath, Position]:
    """Map every key path (``("quenching", "variants", "sys0_plus")``) and table header to its position."""
    cur = _Cursor(text)
    found: dict[KeyPath, Position] = {}
    table: KeyPath = ()
    while True:
        cur.skip_blank(newlines=True)
        if cur.at_end():
            return found
        if cur.peek() == "[":
            double = cur.peek(2) == "[["
            cur.i += 2 if double else 1
            parts = cur.read_key()
            if parts:
                table = tuple(name for name, _ in parts)
                line, column = cur.position(parts[0][1])
                for n in range(1, len(table) + 1):  # [a.b] also locates a not written elsewhere
                    found.setdefault(table[:n], Position(line, column))
            cur.skip_line()
            continue
        if not _read_assignment(cur, table, found):
            cur.skip_line()


def _read_assignment(cur: _Cursor, prefix: KeyPath, found: dict[KeyPath, Position]) -> bool:
    parts = cur.read_key()
    cur.skip_blank(newlines=False)
    if not parts or cur.peek() != "=":
        return False
    cur.i += 1
    cur.skip_blank(newlines=False)
    path = prefix + tuple(name for name, _ in parts)
    line, column = cur.position(parts[0][1])
    found.setdefault(path, Position(line, column, cur.position()[1]))
    _skip_value(cur, path, found)
    return True


def _skip_value(cur: _Cursor, path: KeyPath, found: dict[KeyPath, Position]) -> None:
    """Move past one value; inline tables record their keys under ``path``."""
    c = cur.peek()
    if c in ('"', "'"):
        cur.read_string()
    elif c == "{":
        cur.i += 1
        while True:
            cur.skip_blank(newlines=True)
            if cur.at_end() or cur.peek() == "}":
                cur.i += 1
                return
            if cur.peek() == ",":
                cur.i += 1
                continue
            if not _read_assignment(cur, path, found):
                cur.i += 1
    elif c == "[":
        cur.i += 1
        while True:
            cur.skip_blank(newlines=True)
            if cur.at_end() or cur.peek() == "]":
                cur.i += 1
                return
            if cur.peek() == ",":
                cur.i += 1
                continue
            before = cur.i
            _skip_value(cur, path, found)
            if cur.i == before:
                cur.i += 1
    else:
        while not cur.at_end() and cur.text[cur.i] not in ",]}\n#":
            cur.i += 1

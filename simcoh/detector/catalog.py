"""Finding geometry files: built-in geometries shipped with simcoh, or a file path."""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, InputError
from ..units import suggest


def _builtin_geometries() -> dict[str, Path]:
    """Built-in geometry name -> file: the installed ``simcoh.geometries`` data, then a source checkout."""
    roots: list[Any] = []
    try:
        roots.append(importlib.resources.files("simcoh.geometries"))
    except ModuleNotFoundError:
        pass
    checkout = Path(__file__).resolve().parents[2] / "geometries"  # simcoh/detector/ -> the checkout
    if checkout.is_dir():
        roots.append(checkout)
    found: dict[str, Path] = {}
    for root in roots:
        for entry in root.iterdir():
            if isinstance(entry, Path) and entry.suffix == ".toml" and entry.is_file():
                found.setdefault(entry.stem, entry.resolve())
    return found


def available_geometries() -> list[str]:
    """Names of the built-in geometries (``csi-2021``, ``cenns10-lar``, ...), sorted."""
    return sorted(_builtin_geometries())


def resolve_geometry(name_or_path: str, search_dirs: Iterable[str | Path] = (), origin: Any = None) -> Path:
    """The geometry file meant by ``name_or_path``: an existing file (absolute, or relative to each of
    ``search_dirs`` then the working directory), else a built-in geometry name with or without .toml.

    ``origin`` (anything with ``file``, ``line``, ``column``, e.g. a macro location) is where the name
    was written; an unknown name is reported there.
    """
    given = Path(name_or_path).expanduser()
    candidates = [given] if given.is_absolute() else [Path(d) / given for d in search_dirs] + [Path.cwd() / given]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    builtin = _builtin_geometries()
    stem = name_or_path[:-5] if name_or_path.endswith(".toml") else name_or_path
    if stem in builtin:
        return builtin[stem]
    raise InputError(Diagnostic(
        f"unknown geometry '{name_or_path}': no such file and no built-in geometry of that name",
        file=getattr(origin, "file", "<geometry>"), line=getattr(origin, "line", None),
        column=getattr(origin, "column", None),
        expected="a path to a geometry .toml file or a built-in name: " + ", ".join(sorted(builtin)),
        suggestion=suggest(stem, builtin).strip(" ()") or None,
    ))

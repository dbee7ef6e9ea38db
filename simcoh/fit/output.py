"""Writing analysis results: JSON files, atomically (temporary file + rename), never over a finished file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import InputError, OutputExistsError


def jsonable(obj):
    """``obj`` with NumPy arrays and scalars (also inside dicts, lists and tuples) as plain Python values."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def write_json(path: str | os.PathLike, data: dict, *, overwrite: bool = False, make_dirs: bool = False,
               sort_keys: bool = True) -> Path:
    """Write ``data`` (NumPy values allowed) as JSON to ``path`` via a temporary file in the same directory and a
    rename; an existing file is replaced only with ``overwrite`` (else OutputExistsError). ``make_dirs``: create
    missing parent directories (else an InputError)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; give another name or --overwrite to replace it")
    if make_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise InputError(f"{path}: the directory {path.parent} does not exist; create it first")
    with atomic_path(path) as temp:
        temp.write_text(json.dumps(jsonable(data), indent=1, sort_keys=sort_keys) + "\n")
    return path


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".partial") -> Iterator[Path]:
    """A new temporary file beside ``path`` (name ending in ``suffix``) to write; renamed onto ``path`` when the
    block ends, removed if it raises."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(temp)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)

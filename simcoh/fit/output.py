"""Writing analysis results: JSON files, atomically (temporary file + rename), never over a finished file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import InputError, OutputExistsError


def write_json(path: str | os.PathLike, data: dict, *, overwrite: bool = False) -> Path:
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; give another name or --overwrite to replace it")
    if not path.parent.is_dir():
        raise InputError(f"{path}: the directory {path.parent} does not exist; create it first")
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
    return path

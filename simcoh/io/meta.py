"""Storing small dictionaries (provenance, summary) in an HDF5 group, readable without simcoh.

Each entry becomes one HDF5 object named by its key:

- numbers and booleans: an attribute of the group (integers beyond int64 are stored as JSON);
- strings: a scalar UTF-8 string dataset (datasets have no size limit, unlike attributes);
- everything else (dicts, lists, None): a scalar string dataset holding canonical JSON, with the
  attribute ``encoding = "json"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import h5py
import numpy as np

from ..config import canonical_json

_INT64 = np.iinfo(np.int64)


def _plain(value, where: str):
    """Turn numpy scalars and arrays into Python objects so that they can become JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"{where}: cannot store a {type(value).__name__}; use numbers, strings, lists or dicts")


def write_meta(group: h5py.Group, entries: Mapping, what: str) -> None:
    """Store every entry of ``entries`` in ``group`` (``what`` names the mapping in errors)."""
    for key, value in entries.items():
        if not isinstance(key, str) or not key or "/" in key or key == ".":
            raise ValueError(f"{what} key {key!r} is not allowed: use a non-empty string without '/'")
        where = f"{what} entry '{key}'"
        value = _plain(value, where)
        if isinstance(value, bool):
            group.attrs[key] = np.bool_(value)
        elif isinstance(value, int) and _INT64.min <= value <= _INT64.max:
            group.attrs[key] = np.int64(value)
        elif isinstance(value, float):
            group.attrs[key] = np.float64(value)
        elif isinstance(value, str):
            group.create_dataset(key, data=value, dtype=h5py.string_dtype())
        else:
            try:
                text = canonical_json(value)
            except ValueError as err:  # NaN or infinity inside a dict or list
                raise ValueError(f"{where} cannot be stored as JSON: {err}") from None
            dataset = group.create_dataset(key, data=text, dtype=h5py.string_dtype())
            dataset.attrs["encoding"] = "json"


def read_meta(group: h5py.Group) -> dict:
    """Inverse of :func:`write_meta`; keys come back sorted. Raises ValueError naming the entry that cannot be
    decoded (a damaged file)."""
    out = {}
    for key, value in group.attrs.items():
        out[key] = value.item() if isinstance(value, np.generic) else value
    for key, dataset in group.items():
        if not isinstance(dataset, h5py.Dataset) or dataset.shape != () or not h5py.check_string_dtype(dataset.dtype):
            raise ValueError(f"entry '{key}' should be a text dataset (JSON or a string)")
        try:
            text = dataset.asstr()[()]
        except UnicodeDecodeError:
            raise ValueError(f"entry '{key}' is not UTF-8 text") from None
        if dataset.attrs.get("encoding") == "json":
            try:
                out[key] = json.loads(text)
            except ValueError as err:
                raise ValueError(f"entry '{key}' is not valid JSON ({err}): {text[:60]!r}") from None
        else:
            out[key] = text
    return dict(sorted(out.items()))

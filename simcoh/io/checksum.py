"""Checksums of event files: one CRC-32 per event dataset and one over the file's metadata.

- Each event dataset (``/events/<flat>``, ``/events/<jagged>/offsets``, ``/events/<jagged>/data``) carries
  the attribute ``checksum = "crc32:xxxxxxxx"``: zlib's CRC-32 of its values, uncompressed, in row order
  (the bytes of the NumPy array one reads back). The writer computes it as rows are appended, in write order,
  so it costs one pass over data already in memory.
- The root carries ``checksums = "crc32"`` (files written before checksums existed have neither) and
  ``metadata_checksum``: a CRC-32 over every attribute (but ``complete`` and itself), the name, type and shape
  of every object, and the contents of the small datasets outside ``/events`` (provenance, summary). A changed
  unit, description, provenance entry or number of events is therefore caught when the file is opened.

Readers check the metadata checksum on opening and a dataset's checksum whenever they read it whole;
``simcoh info --verify`` reads every dataset.
"""

from __future__ import annotations

import zlib

import h5py
import numpy as np

ALGORITHM = "crc32"
ROOT_ATTR = "checksums"
DATASET_ATTR = "checksum"
METADATA_ATTR = "metadata_checksum"
_NOT_IN_METADATA = ("complete", METADATA_ATTR)
BLOCK_BYTES = 1 << 24  # rows read at a time when a whole dataset is checked


def crc32(values: np.ndarray, value: int = 0) -> int:
    """CRC-32 of the bytes of ``values`` (C order), continuing from ``value``."""
    return zlib.crc32(np.ascontiguousarray(values).view(np.uint8).reshape(-1), value)


def as_text(value: int) -> str:
    return f"{ALGORITHM}:{value:08x}"


def dataset_checksum(dataset: h5py.Dataset) -> str:
    """The checksum of a whole dataset, read in blocks of about 16 MB."""
    row_bytes = dataset.dtype.itemsize * int(np.prod(dataset.shape[1:], dtype=np.int64))
    step = max(1, BLOCK_BYTES // max(row_bytes, 1))
    value = 0
    for start in range(0, dataset.shape[0], step):
        value = crc32(dataset[start:start + step], value)
    return as_text(value)


def _attribute_bytes(value) -> bytes:
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return b"b" + value
    array = np.asarray(value)
    if array.dtype.kind == "O":
        return b"o" + "\x00".join(map(str, array.reshape(-1).tolist())).encode("utf-8", "surrogatepass")
    return f"{array.dtype.str}{array.shape}".encode() + array.tobytes()


def metadata_checksum(f: h5py.File) -> str:
    """The checksum of everything in ``f`` but the event data (see the module docstring)."""
    value = 0

    def add(data: bytes) -> None:
        nonlocal value
        value = zlib.crc32(data, value)

    def add_attributes(obj, skip=()) -> None:
        for key in sorted(obj.attrs):
            if key not in skip:
                add(key.encode() + b"=" + _attribute_bytes(obj.attrs[key]) + b";")

    add_attributes(f, _NOT_IN_METADATA)
    names: list[str] = []
    f.visit(names.append)
    for name in sorted(names):
        obj = f[name]
        add(b"\n" + name.encode())
        if isinstance(obj, h5py.Dataset):
            add(f"dataset {obj.dtype.str} {obj.shape}".encode())
            if not name.startswith("events/"):
                add(_attribute_bytes(obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]))
        else:
            add(b"group")
        add_attributes(obj)
    return as_text(value)


def seal(f: h5py.File) -> None:
    """Record the metadata checksum of ``f`` (open for writing): the writer's last step before ``complete``.
    Also for deliberate edits of a file's metadata (tests that make a file of another software version)."""
    f.attrs[ROOT_ATTR] = ALGORITHM
    f.attrs[METADATA_ATTR] = metadata_checksum(f)

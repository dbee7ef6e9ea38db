"""Exporting an event file to ROOT (with uproot) or Parquet (with pyarrow), one chunk of events at a time.

ROOT file (``simcoh[root]``)::

    events        TTree, one entry per event. A flat column is a branch of one number (``t_ns/D``); a fixed-shape
                  column a fixed-size array (``waveform[13750]/S``); a jagged column a variable-length array with
                  a counter branch that uproot adds and names ``n`` + column (``pe_t_ns[npe_t_ns]/F``, counter
                  ``npe_t_ns/I``).
    columns       TObjString: JSON list of the exported columns (name, dtype, unit, description, jagged, shape,
                  and the ROOT counter branch of a jagged one). uproot writes each branch's title as its leaf list
                  (``t_ns/D``) and has no way to set another, so units and descriptions live here.
    provenance    TObjString: the source file's provenance as JSON (configuration JSON, configuration hash, seed,
                  versions including simcoh's, command line, ...).
    summary       TObjString: the source file's summary as JSON.
    export        TObjString: JSON: source file name, its SHA-256 and event count, the exported columns, the simcoh
                  version that exported and the time.

Parquet file (``simcoh[parquet]``): one column per event column (``list<...>`` for jagged columns, fixed-size
lists for fixed-shape ones, never null), one row group per chunk; each field's metadata holds ``unit``,
``description`` and ``dtype``; the schema metadata holds ``simcoh.provenance``, ``simcoh.summary`` and
``simcoh.export`` (JSON, as above). pyarrow is used directly because ``awkward.to_parquet`` does not write
field metadata.

Both are written to a hidden temporary file beside the output and renamed when complete; an existing file is
replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
from pathlib import Path

import awkward as ak
import numpy as np

from .._version import __version__
from ..columns import Column
from ..config import canonical_json
from ..errors import InputError, OutputExistsError
from .format import FORMAT, FORMAT_VERSION, temporary_path
from .provenance import created_utc

#: Output formats and the suffix of their default file name.
SUFFIXES = {"root": ".root", "parquet": ".parquet"}
#: Name of the TTree in an exported ROOT file.
TREE = "events"
#: uproot's default name of the counter branch of a jagged branch, passed explicitly so that it stays documented.
COUNTER_PREFIX = "n"
_INT32_MAX = np.iinfo(np.int32).max


def default_output(source: str | os.PathLike, to: str) -> Path:
    """``source`` with the suffix of format ``to``: ``run.h5`` -> ``run.root``."""
    return Path(source).with_suffix(SUFFIXES[to])


def require(module: str, extra: str, purpose: str):
    """Import an optional dependency, or raise InputError saying which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"{purpose} needs the Python package '{module}', which is not installed; install it with "
                         f"pip install 'simcoh[{extra}]'") from None


def file_sha256(path: str | os.PathLike, block: int = 1 << 22) -> str:
    """SHA-256 of a file's bytes (hex), as production manifests record it."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while data := f.read(block):
            digest.update(data)
    return digest.hexdigest()


def check_output(source: Path, path: str | os.PathLike | None, to: str, overwrite: bool) -> Path:
    """The output path (default: ``source`` with the format's suffix), checked: its directory exists, it is not
    the source, and it does not exist unless ``overwrite``."""
    out = default_output(source, to) if path is None else Path(path)
    if not out.parent.is_dir():
        raise InputError(f"cannot write {out}: the directory {out.parent} does not exist; create it first or "
                         "choose another output file")
    if out.is_dir():
        raise InputError(f"cannot write {out}: it is a directory; choose an output file name")
    if out.exists() and out.resolve() == source.resolve():
        raise InputError(f"cannot export {source} onto itself; choose another output file")
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} already exists; pass --overwrite (overwrite=True in Python) to replace it, "
                                "or choose another output file with --output")
    return out


@contextlib.contextmanager
def _atomic(path: Path):
    """A temporary path beside ``path``, renamed to ``path`` if the block succeeds and removed if it fails."""
    tmp = temporary_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def column_record(column: Column) -> dict:
    """A column's declaration as plain data (stored in the exports)."""
    return {"name": column.name, "dtype": column.dtype.name, "unit": column.unit, "description": column.description,
            "jagged": column.jagged, "shape": list(column.shape)}


def export_record(events, fields: list[str], to: str) -> dict:
    """What an export records about itself: the source file (name, SHA-256, events), the columns, simcoh's
    version and the time."""
    return {"format": to, "source_file": events.path.name, "source_sha256": file_sha256(events.path),
            "source_format": f"{FORMAT} version {FORMAT_VERSION}", "n_events": events.n_events,
            "columns": fields, "simcoh_version": __version__, "exported_utc": created_utc()}


def as_json(value) -> str:
    """Canonical JSON of ``value``; JSON with ``NaN``/``Infinity`` (as Python writes and reads it) if it holds
    such numbers (a summary may)."""
    try:
        return canonical_json(value)
    except ValueError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))


# ----------------------------------------------------------------------------------------------------- ROOT

def _root_branch_type(column: Column):
    if column.jagged:
        return f"var * {ak.types.numpytype.dtype_to_primitive(column.dtype)}"
    return np.dtype((column.dtype, column.shape)) if column.shape else column.dtype


def _counters(columns: list[Column]) -> dict[str, str]:
    """The counter branch of each jagged column; refuse names that clash with an exported column."""
    names = {c.name for c in columns}
    counters = {c.name: COUNTER_PREFIX + c.name for c in columns if c.jagged}
    clashes = [f"{counter} (counter of {name})" for name, counter in counters.items() if counter in names]
    if clashes:
        raise InputError(f"cannot export to ROOT: the counter branch of a list column would have the name of another "
                         f"column: {', '.join(clashes)}; leave one of them out with --columns")
    return counters


def write_root(events, path: str | os.PathLike | None = None, columns=None, overwrite: bool = False,
               step: int | None = None) -> Path:
    """Write ``columns`` (default: all) of the open event file ``events`` to the ROOT file ``path`` (default: the
    event file's name with ``.root``), ``step`` events (default: about 64 MiB) at a time. Returns the path."""
    uproot = require("uproot", "root", "exporting to ROOT")
    fields = events._check_fields(columns)
    out = check_output(events.path, path, "root", overwrite)
    exported = [events.columns[name] for name in fields]
    counters = _counters(exported)
    records = [{**column_record(c), **({"root_counter": counters[c.name]} if c.jagged else {})} for c in exported]
    with _atomic(out) as tmp:
        with uproot.recreate(tmp) as f:
            tree = f.mktree(TREE, {c.name: _root_branch_type(c) for c in exported},
                            title="simcoh events (units and descriptions: the TObjString 'columns')",
                            counter_name=lambda name: COUNTER_PREFIX + name)
            for chunk in events.iterate(step, fields):
                tree.extend({c.name: chunk[c.name] if c.jagged else ak.to_numpy(chunk[c.name]) for c in exported})
            f["columns"] = as_json(records)
            f["provenance"] = as_json(events.provenance)
            f["summary"] = as_json(events.summary)
            f["export"] = as_json(export_record(events, fields, "root"))
    return out


# -------------------------------------------------------------------------------------------------- Parquet

def _arrow_type(pa, column: Column):
    """The Arrow type of a column; list items are never null (so awkward reads ``var * float32``, not ``?float32``)."""
    kind = pa.from_numpy_dtype(column.dtype)
    if column.jagged:
        return pa.list_(pa.field("item", kind, nullable=False))
    for size in reversed(column.shape):
        kind = pa.list_(pa.field("item", kind, nullable=False), size)
    return kind


def _arrow_values(pa, values: ak.Array, column: Column):
    kind = _arrow_type(pa, column)
    if column.jagged:
        layout = ak.to_packed(values).layout
        offsets = np.asarray(layout.offsets)
        if offsets[-1] > _INT32_MAX:
            raise InputError(f"column '{column.name}': one chunk holds {offsets[-1]} numbers, more than a Parquet "
                             "list column takes at once; export with a smaller step")
        data = layout.content.data if isinstance(layout.content, ak.contents.NumpyArray) else []
        return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)),
                                        pa.array(np.asarray(data, dtype=column.dtype)), type=kind)
    out = pa.array(ak.to_numpy(values).reshape(-1))
    types = [kind]
    for _ in column.shape:
        types.append(types[-1].value_type)
    for list_type in reversed(types[:-1]):  # innermost list first
        out = pa.FixedSizeListArray.from_arrays(out, type=list_type)
    return out


def _arrow_schema(pa, columns: list[Column], metadata: dict):
    fields = [pa.field(c.name, _arrow_type(pa, c), nullable=False,
                       metadata={"unit": c.unit, "description": c.description, "dtype": c.dtype.name})
              for c in columns]
    return pa.schema(fields, metadata=metadata)


def write_parquet(events, path: str | os.PathLike | None = None, columns=None, overwrite: bool = False,
                  step: int | None = None) -> Path:
    """Write ``columns`` (default: all) of the open event file ``events`` to the Parquet file ``path`` (default: the
    event file's name with ``.parquet``), one row group of ``step`` events (default: about 64 MiB) at a time.
    Returns the path."""
    pa = require("pyarrow", "parquet", "exporting to Parquet")
    pq = require("pyarrow.parquet", "parquet", "exporting to Parquet")
    fields = events._check_fields(columns)
    out = check_output(events.path, path, "parquet", overwrite)
    exported = [events.columns[name] for name in fields]
    schema = _arrow_schema(pa, exported, {
        "simcoh.provenance": as_json(events.provenance),
        "simcoh.summary": as_json(events.summary),
        "simcoh.export": as_json(export_record(events, fields, "parquet")),
    })
    with _atomic(out) as tmp:
        with pq.ParquetWriter(tmp, schema) as writer:
            for chunk in events.iterate(step, fields):
                table = pa.Table.from_arrays([_arrow_values(pa, chunk[c.name], c) for c in exported], schema=schema)
                writer.write_table(table, row_group_size=max(len(table), 1))
    return out


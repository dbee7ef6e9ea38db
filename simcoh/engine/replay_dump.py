"""Writing a replayed event's quantities to a file (``simcoh replay --dump``), and the atomic placement of any
small output file (also used for ``simcoh show``'s PNG).

``.npz``: one array per quantity (NumPy scalars as 0-d arrays) and ``meta_json``, a 0-d string array holding the
file, row, event_id, seed, configuration hash, fidelity and each quantity's unit and description as JSON
(``json.loads(str(np.load(path)["meta_json"]))``; no pickle needed). ``.h5``/``.hdf5``: one dataset per
quantity with ``unit`` and ``description`` attributes, the same metadata as attributes of the root group.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import h5py
import numpy as np

from ..errors import Diagnostic, InputError, OutputExistsError

DUMP_SUFFIXES = (".npz", ".h5", ".hdf5")


def check_output_path(path: str | os.PathLike, overwrite: bool, what: str, option: str = "--overwrite") -> Path:
    """``path`` if a file can be written there: its directory exists, it is not a directory, and it does not
    exist unless ``overwrite`` (OutputExistsError then, naming ``option``)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(Diagnostic(f"cannot write the {what} to {path}: it is a directory", file=str(path),
                                    expected="a file name"))
    if not path.parent.is_dir():
        raise InputError(Diagnostic(f"cannot write the {what} to {path}: the directory {path.parent} does not exist",
                                    file=str(path), suggestion="create it first, or choose another file name"))
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} already exists; it was left alone. Pass {option} to replace it, or "
                                "choose another file name")
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False):
    """Yield a temporary path beside ``path``; when the block ends without error, move it to ``path`` in one step
    (never replacing an existing file unless ``overwrite``), else delete it."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.partial.{os.getpid()}{path.suffix}")
    try:
        yield temp
        if overwrite:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)  # atomic, and fails if the file appeared meanwhile
            except FileExistsError:
                raise OutputExistsError(f"{path} appeared while it was being written; it was left alone") from None
            except OSError:  # no hard links here: check, then rename
                if path.exists():
                    raise OutputExistsError(f"{path} appeared while it was being written; it was left alone") from None
                os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def dump_metadata(replayed) -> dict:
    """What the dump records besides the arrays."""
    return {"file": os.path.abspath(replayed.path), "index": replayed.index, "event_id": replayed.event_id,
            "seed": replayed.seed, "config_hash": replayed.config.config_hash(), "fidelity": replayed.fidelity,
            "identical_to_file": replayed.identical, "differences": list(replayed.differences),
            "units": dict(replayed.units), "descriptions": dict(replayed.descriptions)}


def check_dump_path(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """``path`` if a dump can be written there (a known suffix, see :func:`check_output_path`)."""
    path = Path(path)
    if path.suffix.lower() not in DUMP_SUFFIXES:
        raise InputError(Diagnostic(f"--dump {path}: unknown file type '{path.suffix or '(none)'}'", file=str(path),
                                    expected="a file name ending in .npz (NumPy) or .h5 (HDF5)",
                                    suggestion=f"--dump {path.with_suffix('.npz')}"))
    return check_output_path(path, overwrite, "replayed event", "--overwrite")


def write_dump(replayed, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write every quantity of ``replayed`` (engine.replay.ReplayedEvent) to ``path`` (.npz, .h5 or .hdf5)."""
    path = check_dump_path(path, overwrite)
    arrays = {name: np.asarray(value) for name, value in replayed.quantities().items()}
    meta = dump_metadata(replayed)
    with atomic_output(path, overwrite) as temp:
        if path.suffix.lower() == ".npz":
            with open(temp, "wb") as f:
                np.savez_compressed(f, meta_json=np.array(json.dumps(meta)), **arrays)
        else:
            with h5py.File(temp, "w") as f:
                for key, value in meta.items():
                    if key not in ("units", "descriptions"):
                        f.attrs[key] = json.dumps(value) if isinstance(value, list) else value
                for name, value in arrays.items():
                    dataset = f.create_dataset(name, data=value)
                    dataset.attrs["unit"] = meta["units"].get(name, "")
                    dataset.attrs["description"] = meta["descriptions"].get(name, "")
    return path

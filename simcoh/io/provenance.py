"""What the writer adds to the caller's provenance: software versions and the creation time."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from importlib import metadata

import h5py

from .._version import __version__, code_revision

#: Distributions whose versions are recorded when installed (looked up without importing them).
DEPENDENCIES = ("numpy", "numba", "awkward", "h5py", "scipy")

#: Provenance keys that the writer fills itself.
WRITER_KEYS = ("versions", "created_utc")


def runtime_versions() -> dict[str, str]:
    """Versions of simcoh, Python, the HDF5 library and each installed dependency; ``simcoh_git``: the git commit
    of the simcoh code that ran, with ``+dirty`` when its checkout had uncommitted changes (see
    :func:`simcoh._version.code_revision`; absent when unknown, e.g. installed from an sdist built without git)."""
    versions = {"simcoh": __version__, "python": platform.python_version(), "hdf5": h5py.version.hdf5_version}
    revision = code_revision()
    if revision["commit"]:
        versions["simcoh_git"] = revision["commit"] + ("+dirty" if revision["dirty"] else "")
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def created_utc() -> str:
    """The current time as ISO 8601 UTC, e.g. ``2024-05-01T12:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def complete_provenance(provenance: dict) -> dict:
    """The caller's provenance plus the writer's own entries; the caller may not set those."""
    clash = [key for key in WRITER_KEYS if key in provenance]
    if clash:
        raise ValueError(
            f"provenance key(s) {', '.join(clash)} are filled by the event writer itself; "
            "leave them out (store other information under another key)"
        )
    return {**provenance, "versions": runtime_versions(), "created_utc": created_utc()}

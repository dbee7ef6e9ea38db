"""The HDF5 filters of event files (byte shuffle, then deflate), applied outside HDF5.

HDF5 runs its filters inside the library, one chunk at a time under h5py's global lock, so a writer that lets
HDF5 compress uses one core however many it has. Here each HDF5 chunk is filtered by a thread of a pool
(NumPy's copy and ISA-L's deflate both release the GIL) and stored with ``write_direct_chunk``; the bytes are
exactly what HDF5's standard pipeline decodes, so every HDF5 tool and library reads the files (h5dump, h5py,
the C/C++/Fortran/Java libraries, HDF5.jl, MATLAB's h5read).

Filters (both standard, built into every HDF5 library):

- shuffle, HDF5 filter 2 (H5Z_FILTER_SHUFFLE): byte j of element i of a chunk of n elements goes to position
  j·n + i (HDF5 source, ``H5Zshuffle.c``); a chunk of one-byte elements is left as it is.
- deflate, HDF5 filter 1 (H5Z_FILTER_DEFLATE): one zlib stream (RFC 1950 around RFC 1951 deflate) per chunk.
  Encoded by python-isal's ``isal_zlib`` (Intel ISA-L, https://github.com/intel/isa-l), whose levels are 0-3;
  when isal cannot be imported, by Python's ``zlib`` at the same level number (0 is raised to 1, since zlib's 0
  stores without compressing). Both release the GIL while they compress.

A filter that would not shrink a chunk is skipped for that chunk and marked in the chunk's filter mask, as HDF5
does itself for optional filters (h5py declares deflate optional).

LZF (h5py's filter 32000) is written, when asked for explicitly, by HDF5 itself through h5py's bundled liblzf,
one chunk at a time in the writer's thread: :attr:`ChunkFilter.direct` is False for it. Files written with it
read back with h5py but not with HDF5's own tools.
"""

from __future__ import annotations

import numpy as np

from ..config import RUN_PARAMS
from ..declare import by_field

try:  # python-isal: zlib-compatible deflate from Intel ISA-L, several times faster than zlib at similar size
    from isal import isal_zlib as _zlib

    DEFLATE_LIBRARY = "isal"
except ImportError:  # pragma: no cover - isal is a dependency; the standard library's zlib is the fallback
    import zlib as _zlib

    DEFLATE_LIBRARY = "zlib"

COMPRESSIONS = ("deflate", "lzf", None)
ALIASES = {"gzip": "deflate"}  # h5py's name for the deflate filter (and simcoh's before deflate became default)
_LEVEL = by_field(RUN_PARAMS)["compression_level"]  # declared once, with /output/compressionLevel
LEVELS = tuple(range(_LEVEL.min, _LEVEL.max + 1))  # ISA-L's deflate levels, 0-3
DEFAULT_LEVEL = _LEVEL.default  # chosen with benchmarks/bench_io.py (docs/event-file-integrity.md, "Compression")


def shuffle_bytes(raw: np.ndarray, itemsize: int) -> np.ndarray:
    """HDF5 byte shuffle of ``raw`` (uint8, a whole number of ``itemsize``-byte elements): a transposed copy,
    which NumPy makes without holding the GIL."""
    if raw.size % itemsize:
        raise ValueError(f"{raw.size} bytes are not a whole number of {itemsize}-byte elements")
    return np.ascontiguousarray(raw.reshape(-1, itemsize).T).reshape(-1)


def unshuffle_bytes(shuffled: np.ndarray, itemsize: int) -> np.ndarray:
    """The inverse of :func:`shuffle_bytes` (HDF5's decoding direction)."""
    return np.ascontiguousarray(shuffled.reshape(itemsize, -1).T).reshape(-1)


def deflate(data, level: int = DEFAULT_LEVEL) -> bytes:
    """``data`` (bytes-like) as one zlib stream, by ISA-L (or zlib when isal is missing) at ``level``."""
    if DEFLATE_LIBRARY == "zlib":
        level = max(level, 1)
    return _zlib.compress(data, level)


def canonical(compression: str | None) -> str | None:
    """The compression name the writer uses for ``compression`` ("gzip" is deflate; "none" is None)."""
    if compression == "none":
        return None
    return ALIASES.get(compression, compression)


def check_level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or int(level) not in LEVELS:
        raise ValueError(f"compression level must be one of {', '.join(map(str, LEVELS))} (ISA-L's deflate "
                         f"levels; 1 is the default), not {level!r}")
    return int(level)


class ChunkFilter:
    """Filter whole HDF5 chunks as a dataset's pipeline would: ``encode(array) -> (bytes-like, filter_mask)``.

    ``compression`` is "deflate" (with the byte shuffle before it), "lzf" (left to HDF5: ``direct`` is False,
    ``encode`` is not used) or None (stored as it is). Safe to call from several threads at once.
    """

    def __init__(self, compression: str | None, level: int = DEFAULT_LEVEL):
        compression = canonical(compression)
        if compression not in COMPRESSIONS:
            raise ValueError(f"no chunk filter for compression {compression!r}")
        self.compression = compression
        self.level = check_level(level)
        self.shuffle = compression is not None  # nearly free; integers and smooth floats compress far better
        self.direct = compression != "lzf"
        self._compressor_index = 1 if self.shuffle else 0  # its position in the pipeline (mask bit)

    def dataset_options(self) -> dict:
        """Keyword arguments of ``h5py.Group.create_dataset`` that declare this pipeline."""
        if self.compression == "deflate":  # the level only matters to HDF5 for chunks it compresses itself
            return dict(compression="gzip", compression_opts=max(self.level, 1), shuffle=True)
        return dict(compression=self.compression, shuffle=self.shuffle)

    def encode(self, values: np.ndarray) -> tuple[np.ndarray | bytes, int]:
        if not self.direct:
            raise ValueError(f"{self.compression} chunks are filtered by HDF5, not encoded here")
        raw = np.ascontiguousarray(values).reshape(-1).view(np.uint8)
        data = raw
        if self.shuffle and values.dtype.itemsize > 1:
            data = shuffle_bytes(raw, values.dtype.itemsize)
        if self.compression is None:
            return data, 0
        packed = deflate(data, self.level)
        return (packed, 0) if len(packed) < data.size else (data, 1 << self._compressor_index)


def describe_pipeline(dataset) -> str:
    """The filters of an h5py dataset in pipeline order, e.g. "shuffle + deflate (level 1)"."""
    plist = dataset.id.get_create_plist()
    names = []
    for i in range(plist.get_nfilters()):
        code, _flags, values, name = plist.get_filter(i)
        label = {1: "deflate", 2: "shuffle", 3: "fletcher32", 32000: "lzf"}.get(code, f"filter {code}")
        if code == 1 and values:
            label += f" (level {values[0]})"
        names.append(label)
    return " + ".join(names) or "none"


def event_pipelines(f) -> list[str]:
    """The distinct filter pipelines of the event datasets of an open event file (h5py.File), most used first."""
    import h5py

    counts: dict[str, int] = {}

    def visit(_name, obj):
        if isinstance(obj, h5py.Dataset):
            label = describe_pipeline(obj)
            counts[label] = counts.get(label, 0) + 1

    if "events" in f and isinstance(f["events"], h5py.Group):
        f["events"].visititems(visit)
    return sorted(counts, key=lambda label: -counts[label])

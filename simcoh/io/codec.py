"""The HDF5 filters of event files (byte shuffle, then LZF or deflate), applied outside HDF5.

HDF5 runs its filters inside the library, one chunk at a time under h5py's global lock, so a writer that lets
HDF5 compress uses one core however many it has. Here each HDF5 chunk is filtered by a thread of a pool
(numba kernels and zlib both release the GIL) and stored with ``write_direct_chunk``; the bytes are what
HDF5's own pipeline decodes, so files read back with plain h5py.

Formats (decoders: HDF5 and h5py):
- shuffle: HDF5 filter 2 (H5Z_FILTER_SHUFFLE): byte j of element i goes to position j·n + i.
- LZF: h5py's filter 32000, the LZF stream of liblzf (M. Lehmann, http://oldhome.schmorp.de/marc/liblzf.html):
  a control byte c < 32 starts c + 1 literal bytes; otherwise L = c >> 5 (plus a following byte when L = 7)
  and a 13-bit distance d (the low 5 bits of c, then a byte) copy L + 2 bytes from d + 1 bytes back.
  This encoder is greedy with a 2^14-entry hash of 3-byte prefixes and, like LZ4, looks less often the longer
  it goes without finding a long match; its output differs from liblzf's byte for byte but decodes to the same
  data. On photon-level event files it is about twice as fast as liblzf for files 1-2 % larger.
- deflate: HDF5 filter 1 (H5Z_FILTER_DEFLATE), a zlib stream (RFC 1950) at h5py's default level 4.

A filter that would not shrink a chunk is skipped for that chunk and marked in the chunk's filter mask, as
HDF5 does for optional filters.
"""

from __future__ import annotations

import zlib

import numba as nb
import numpy as np

HASH_BITS = 14
MAX_DISTANCE = 1 << 13  # 13-bit back-reference distance
MAX_MATCH = 2 + 7 + 255  # longest back-reference
SKIP_SHIFT = 4  # after 16·k positions without a long match, k more bytes go out as literals unexamined (as LZ4)
LONG_MATCH = 8  # shorter matches (common in the noisy low bytes of floats) save little and keep the skipping
GZIP_LEVEL = 4  # h5py's default for compression="gzip"


def shuffle_bytes(raw: np.ndarray, itemsize: int) -> np.ndarray:
    """HDF5 byte shuffle of ``raw`` (uint8, a whole number of ``itemsize``-byte elements): a transposed copy,
    which NumPy makes without the GIL at several GB/s."""
    return np.ascontiguousarray(raw.reshape(-1, itemsize).T).reshape(-1)


@nb.njit(nogil=True, cache=True)
def lzf_compress(src, dst, table):
    """LZF-encode ``src`` (uint8) into ``dst``; return the encoded length, or 0 if it would not fit in ``dst``.

    ``table`` is scratch: int64[2**HASH_BITS].
    """
    n = src.size
    table[:] = -1
    limit = dst.size
    ip = 0
    op = 1  # dst[0] is reserved for the control byte of the first literal run
    run = 0  # literal bytes in the open run
    misses = 0  # positions since the last match: after a long stretch without one, look less often
    while ip + 2 < n:
        key = (np.int64(src[ip]) << 16) | (np.int64(src[ip + 1]) << 8) | np.int64(src[ip + 2])
        h = ((key * 2654435761) >> 18) & ((1 << HASH_BITS) - 1)
        ref = table[h]
        table[h] = ip
        distance = ip - ref - 1
        if (ref >= 0 and distance < MAX_DISTANCE and src[ref] == src[ip] and src[ref + 1] == src[ip + 1]
                and src[ref + 2] == src[ip + 2]):
            longest = min(MAX_MATCH, n - ip)
            length = 3
            while length < longest and src[ref + length] == src[ip + length]:
                length += 1
            if op + 4 > limit:
                return 0
            if run > 0:
                dst[op - run - 1] = run - 1  # close the literal run
            else:
                op -= 1  # no literals: drop the reserved control byte
            code = length - 2
            if code < 7:
                dst[op] = (distance >> 8) + (code << 5)
                op += 1
            else:
                dst[op] = (distance >> 8) + (7 << 5)
                dst[op + 1] = code - 7
                op += 2
            dst[op] = distance & 0xFF
            op += 2  # and reserve the next run's control byte
            run = 0
            ip += length
            if length >= LONG_MATCH:  # a short match in noisy bytes does not end the fast skipping
                misses = 0
        else:
            misses += 1
            for _ in range(min(1 + (misses >> SKIP_SHIFT), n - 2 - ip)):  # literals, not looked up
                if op + 2 > limit:
                    return 0
                dst[op] = src[ip]
                op += 1
                ip += 1
                run += 1
                if run == 32:  # longest literal run
                    dst[op - 33] = 31
                    run = 0
                    op += 1
    while ip < n:
        if op + 2 > limit:
            return 0
        dst[op] = src[ip]
        op += 1
        ip += 1
        run += 1
        if run == 32:
            dst[op - 33] = 31
            run = 0
            op += 1
    if run > 0:
        dst[op - run - 1] = run - 1
    else:
        op -= 1
    return op


class ChunkFilter:
    """Filter whole HDF5 chunks as a dataset's pipeline would: ``encode(array) -> (bytes-like, filter_mask)``.

    ``compression`` is "lzf", "gzip" or None; ``shuffle`` adds the byte shuffle first (as the writer does
    whenever it compresses). Safe to call from several threads at once.
    """

    def __init__(self, compression: str | None, shuffle: bool):
        if compression not in ("lzf", "gzip", None):
            raise ValueError(f"no chunk filter for compression {compression!r}")
        self.compression = compression
        self.shuffle = bool(shuffle)
        self._compressor_index = 1 if self.shuffle else 0  # its position in the pipeline (mask bit)

    def encode(self, values: np.ndarray) -> tuple[np.ndarray | bytes, int]:
        raw = np.ascontiguousarray(values).reshape(-1).view(np.uint8)
        data = raw
        if self.shuffle and values.dtype.itemsize > 1:
            data = shuffle_bytes(raw, values.dtype.itemsize)
        if self.compression is None:
            return data, 0
        skipped = 1 << self._compressor_index
        if self.compression == "lzf":
            out = np.empty(data.size, np.uint8)  # smaller than the input, or not worth it
            size = lzf_compress(data, out, np.empty(1 << HASH_BITS, np.int64))
            return (out[:size], 0) if size else (data, skipped)
        packed = zlib.compress(data, GZIP_LEVEL)
        return (packed, 0) if len(packed) < data.size else (data, skipped)

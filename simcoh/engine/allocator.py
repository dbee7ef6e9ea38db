"""Keep freed chunk memory in the process instead of handing it back to the kernel after every chunk.

Each chunk allocates and frees the same large arrays (stage outputs, photoelectron lists, compressed HDF5
chunks). With glibc's defaults, arrays above the mmap threshold (128 KiB, raised dynamically at most to the size
of the largest one freed) are mapped and unmapped each time, and the heap top is trimmed; every reuse then
page-faults and the kernel zeroes each 4 KiB page again. On the photon-level benchmark (4·10⁶ events, measured
with getrusage and ``perf``) this took the page faults from 135–150k to 104k with one worker and from 365k to
about 200k with two, and the system time of a two-worker run from 1.0–1.8 s to 0.6–0.8 s. The settings below make
arrays up to 32 MiB come from the heap and leave freed memory mapped, so a chunk reuses the pages of the one
before. Peak memory barely changes (benchmarks/run_all.py, one core: truth 370 → 387 MiB, photon 717 → 732 MiB,
waveform 959 → 954 MiB); with a 256 MiB threshold the waveform run's heap fragmented to 1208 MiB.

The settings change the whole process, so a library call never applies them: the ``simcoh`` command does (before
it forks workers, which inherit them; spawned workers apply them when their parent had), and a Python caller may
call :func:`keep_freed_memory` itself. Only glibc (Linux) has ``mallopt``; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD_BYTES = 32 << 20  # smaller arrays come from the heap; larger ones (few, and long to fill) are mapped
TRIM_THRESHOLD_BYTES = 1 << 30  # free heap top kept before it is returned to the kernel
TOP_PAD_BYTES = 64 << 20  # extra heap obtained per growth, so growing does not happen chunk by chunk

_done = False


def applied() -> bool:
    """True once :func:`keep_freed_memory` has changed this process's allocator settings."""
    return _done


def keep_freed_memory() -> bool:
    """Apply the settings above to this process (and the processes it forks later); True if they took."""
    global _done
    if _done:
        return True
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc: musl, macOS, Windows
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    _done = all(mallopt(param, value) == 1 for param, value in ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
                                                               (_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
                                                               (_M_TOP_PAD, TOP_PAD_BYTES)))
    return _done

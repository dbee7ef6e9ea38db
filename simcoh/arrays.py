"""Output arrays for parallel numba kernels.

A fresh large array from ``np.empty`` has no physical pages yet: the kernel that first writes it takes a page
fault per 4 kB, and page faults of several threads on one memory mapping serialize in the kernel. Measured
here on the photon-level fill (13 M photoelectrons, 117 MB): 1.42× on two threads with fresh arrays, 1.98× with
arrays touched once beforehand. ``prefaulted`` touches the pages in one sequential pass (≈ 5 GB/s), which is
much cheaper than faulting them from competing threads.
"""

from __future__ import annotations

import numpy as np


def prefaulted(shape, dtype) -> np.ndarray:
    """``np.empty(shape, dtype)`` with every page already mapped (contents zero)."""
    out = np.empty(shape, dtype)
    out.fill(0)
    return out

"""Settings of the processes that generate events: how worker processes start, and numba's thread count."""

from __future__ import annotations

import multiprocessing as mp


def start_method() -> str:
    """"fork" when this process is safe to fork (one thread, numba's thread pool not started): the workers then
    inherit the imported modules and the prepared run and start at once; otherwise "spawn" (fresh interpreters
    that import simcoh and rebuild the run, about two seconds each)."""
    import threading

    from numba.np.ufunc import parallel

    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1 and not parallel._is_initialized:
        return "fork"
    return "spawn"


def set_numba_threads(threads: int | None) -> None:
    """Use ``threads`` numba threads in this process (at most numba's maximum); None leaves numba's default."""
    if threads:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))

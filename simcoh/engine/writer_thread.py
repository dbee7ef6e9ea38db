"""Overlap generation and writing: chunks are handed to a writer thread through a bounded queue.

numba kernels run with ``nogil=True`` and the writer compresses in a thread pool whose encoders release the GIL
(simcoh.io.codec), so generation of chunk k+1 proceeds while chunk k is compressed and written. Buffers travel
back to the producer through ``free``, so memory is bounded by the number of buffers in flight.
"""

from __future__ import annotations

import queue
import threading


class BackgroundWriter:
    """Calls ``append(chunk)`` in a separate thread; ``put`` blocks when ``depth`` chunks are pending."""

    _STOP = object()

    def __init__(self, append, depth: int = 2):
        self._append = append
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self.free: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._discard = False
        self._thread = threading.Thread(target=self._loop, name="simcoh-writer", daemon=True)
        self._thread.start()

    def _loop(self):
        while True:
            item = self._queue.get()
            if item is self._STOP:
                return
            chunk, token = item
            if self._error is None and not self._discard:
                try:
                    self._append(chunk)
                except BaseException as exc:  # re-raised in the producer thread
                    self._error = exc
            if token is not None:
                self.free.put(token)

    def _check(self):
        if self._error is not None:
            raise self._error

    def put(self, chunk, token=None):
        """Queue a chunk; ``token`` (e.g. the buffer set) is returned through ``free`` once written."""
        self._check()
        self._queue.put((chunk, token))

    def close(self, discard: bool = False):
        """Wait for every queued chunk to be written; re-raise a writer error. With ``discard`` (the run is being
        abandoned), chunks not yet written are dropped and a writer error is not raised."""
        self._discard = discard
        self._queue.put(self._STOP)
        self._thread.join()
        if not discard:
            self._check()

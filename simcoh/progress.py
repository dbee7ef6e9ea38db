"""Progress bars and the ``simcoh`` logger: the glue between long loops and what a person sees.

Informational messages go through the ``simcoh`` logger (``logging.getLogger("simcoh")``). The library never
installs a handler, so from Python they follow the caller's logging set-up (by default only warnings are shown);
the command line installs one with :func:`configure_logging` (``-q``: warnings and errors only, ``-v``: debug).
Progress bars are ``tqdm.auto`` bars (widgets in a notebook, text in a terminal), written to stderr.

numba compiles the kernels of a run the first time they are used and caches the machine code on disk
(``cache=True``; beside the package, or in ``NUMBA_CACHE_DIR``). A bar would then show a rate that includes
the compilation, so :class:`Progress` watches numba's compile events: before the first compilation of the
process it logs "compiling numba kernels (first run only, cached in DIR)", and once the chunk that compiled is
done it restarts the bar's clock, so the rate it shows counts generation only.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

LOGGER = logging.getLogger("simcoh")

#: -q, default, -v: the ``simcoh`` logger's level.
LEVELS = {-1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}


class _BarFriendlyHandler(logging.StreamHandler):
    """A stderr handler that writes between progress-bar redraws (tqdm.write), so a message never lands in the
    middle of a bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm.auto import tqdm

            tqdm.write(self.format(record), file=self.stream)
        except Exception:  # noqa: BLE001 - logging must never raise; report it the logging way
            self.handleError(record)


def configure_logging(verbosity: int = 0, stream=None):
    """For the command line: send the ``simcoh`` logger's messages to stderr at the level of ``verbosity``
    (-1 quiet: warnings and errors, 0: information, 1 verbose: debug). Returns a function that restores the
    logger as it was (``simcoh.cli.main`` calls it when the command ends, so library use after it is unchanged)."""
    level = LEVELS[max(-1, min(1, verbosity))]
    before = (LOGGER.level, LOGGER.propagate, list(LOGGER.handlers))
    handler = _BarFriendlyHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s" if level > logging.DEBUG else "%(levelname)s: %(message)s"))
    for old in before[2]:
        LOGGER.removeHandler(old)
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level)
    LOGGER.propagate = False  # the command line owns stderr: no second copy through the root logger

    def restore() -> None:
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(before[0])
        LOGGER.propagate = before[1]
        for old in before[2]:
            LOGGER.addHandler(old)

    return restore


def quiet() -> bool:
    """Whether the ``simcoh`` logger hides information (``simcoh -q``): progress bars are then off too."""
    return not LOGGER.isEnabledFor(logging.INFO)


class _CompileWatch:
    """Counts the seconds numba spends compiling (cache misses only: a kernel loaded from the on-disk cache
    fires no compile event), and says once per process that it is compiling."""

    def __init__(self):
        self.seconds = 0.0
        self.count = 0
        self.announced = False
        self._lock = threading.Lock()
        self._depth = 0
        self._t0 = 0.0
        self._installed = False

    def install(self) -> None:
        with self._lock:
            if self._installed:
                return
            from numba.core import event

            class Listener(event.Listener):
                def on_start(listener, ev):  # noqa: N805 - the watch is the closure's self
                    self._start(ev)

                def on_end(listener, ev):  # noqa: N805
                    self._end()

            event.register("numba:compile", Listener())
            self._installed = True

    def _start(self, ev) -> None:
        with self._lock:
            self._depth += 1
            if self._depth > 1:  # a kernel compiled while compiling its caller: count the outer one only
                return
            self._t0 = time.perf_counter()
            self.count += 1
            announce = not self.announced
            self.announced = True
        if announce:
            LOGGER.info("compiling numba kernels (first run only, cached in %s); the rate shown starts after "
                        "compilation", _cache_dir(ev))

    def _end(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self.seconds += time.perf_counter() - self._t0


def _cache_dir(ev) -> str:
    """Where numba caches the kernels: NUMBA_CACHE_DIR, or the __pycache__ folder beside each module."""
    import numba

    if numba.config.CACHE_DIR:
        return numba.config.CACHE_DIR
    try:
        where = str(ev.data["dispatcher"]._cache._cache_path)
    except (AttributeError, KeyError, TypeError):
        where = "__pycache__ beside each module"
    return f"{where} and the like; set NUMBA_CACHE_DIR to choose"


COMPILATION = _CompileWatch()


class Progress:
    """A ``tqdm.auto`` bar of events (``update(n)``, ``close()``) whose rate excludes numba compilation: after an
    update during which numba compiled, the bar starts again from its count with a fresh clock."""

    def __init__(self, total: int, desc: str = "", enabled: bool = True, initial: int = 0):
        COMPILATION.install()
        self.enabled = enabled and not quiet()
        self.total, self.desc, self.n = total, desc, initial
        self._compile_s = COMPILATION.seconds
        self._bar = self._new_bar()

    def _new_bar(self):
        from tqdm.auto import tqdm

        return tqdm(total=self.total, initial=self.n, unit="ev", unit_scale=True, disable=not self.enabled,
                    file=sys.stderr, desc=self.desc, dynamic_ncols=True)

    def update(self, n: int) -> None:
        self.n += n
        compiled = COMPILATION.seconds - self._compile_s
        if compiled > 0:  # this update's events waited for numba: restart the rate from here
            self._compile_s = COMPILATION.seconds
            LOGGER.info("numba kernels compiled in %.1f s", compiled)
            self._bar.leave = False  # the bar that counted the compilation goes; a fresh one takes its place
            self._bar.close()
            self._bar = self._new_bar()
            self._bar.refresh()
        else:
            self._bar.update(n)

    def close(self) -> None:
        self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

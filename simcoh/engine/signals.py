"""Stopping on SIGINT, SIGTERM and SIGHUP, in the simcoh command and in its worker processes.

The command (:func:`stop_on_signals`) turns the first of these signals into :class:`Interrupted`, raised in its
main thread: ``with`` and ``finally`` blocks then run as for Ctrl-C (a writer deletes its partial file, a pool
stops its workers, a Dask cluster is closed), and the command exits with status 128 + the signal's number.
Signals that arrive while it is stopping are ignored, so the clean-up is not cut short, and :func:`deferred` holds
a signal back during work that must not be cut half way.

A worker process (:func:`init_worker`) dies with its parent: on Linux the kernel sends it SIGTERM when the parent
dies (``PR_SET_PDEATHSIG``), even by ``kill -9``. A signal that reaches a worker while it runs a task
(:func:`worker_task`) unwinds the task, so the task's own clean-up runs, then the worker exits; an idle worker
exits at once, and one still cleaning up after ``WORKER_GRACE_S`` is ended by SIGALRM (its parent deletes what
it left). Nothing is left waiting for a parent that is gone.

Python drops an exception raised in a signal handler when it lands in a weakref callback or a ``__del__``; the
loops of a run call :func:`check` once per chunk, which raises it again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``signum`` is its number. A KeyboardInterrupt, so code that handles Ctrl-C
    handles SIGTERM and SIGHUP the same way."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = int(signum)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        return f"interrupted by {self.name}"


def _ignore(_signum, _frame) -> None:
    """A handler that does nothing (not SIG_IGN: a signal already caught but not yet handled when SIG_IGN is set
    makes Python print "Signal N ignored due to race condition")."""


def _ignore_stop_signals() -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, _ignore)


_DEFER = False  # in the main process: within deferred(), a stop signal is held back
_PENDING: list[int] = []  # the stop signal held back
_STOPPING: list[int] = []  # the stop signal that was raised (in the main process or a worker)


def _stop(signum: int):
    _ignore_stop_signals()  # the clean-up that the exception starts must not be interrupted in turn
    _STOPPING[:] = [signum]
    raise Interrupted(signum)


def _raise_once(signum, _frame):
    if _DEFER:
        _PENDING.append(signum)
        return
    _stop(signum)


def _unraisable(info) -> None:
    """sys.unraisablehook: a stop signal's exception dropped where it could not propagate is not news (check()
    raises it again); anything else is reported as usual."""
    if not isinstance(info.exc_value, Interrupted):
        sys.__unraisablehook__(info)


def check() -> None:
    """Raise :class:`Interrupted` again if a stop signal was raised and the run goes on: Python drops an exception
    raised where it cannot propagate (a weakref callback, a ``__del__`` during garbage collection), so the loops
    of a run call this once per chunk. Does nothing while no stop signal came."""
    if _STOPPING:
        raise Interrupted(_STOPPING[0])


@contextlib.contextmanager
def deferred():
    """Within the block, a stop signal is held back, then raised as :class:`Interrupted` when the block ends: for
    work that must not be cut half way (starting or closing a Dask cluster, whose objects would otherwise hang
    the interpreter's exit)."""
    global _DEFER
    outer, _DEFER = _DEFER, True
    try:
        yield
    finally:
        _DEFER = outer
    if not outer and _PENDING:
        signum = _PENDING[0]
        _PENDING.clear()
        _stop(signum)


@contextlib.contextmanager
def stop_on_signals():
    """Within the block, the first SIGINT, SIGTERM or SIGHUP raises :class:`Interrupted` in this (main) thread
    and later ones are ignored; the previous handlers are restored after it. Does nothing outside the main
    thread, where Python cannot handle signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _STOPPING.clear()
    previous = {signum: signal.signal(signum, _raise_once) for signum in STOP_SIGNALS}
    previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        _PENDING.clear()
        _STOPPING.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# ------------------------------------------------------------------------------------------- worker processes

_IN_TASK = False  # in a worker: whether a task is running (a signal then unwinds it before the worker exits)


#: Seconds a worker may spend cleaning up after a stop signal before it exits regardless (its parent then deletes
#: what it left)
WORKER_GRACE_S = 5.0


def _worker_handler(signum, _frame):
    if not _IN_TASK:
        os._exit(128 + signum)
    signal.setitimer(signal.ITIMER_REAL, WORKER_GRACE_S)  # then SIGALRM ends it (no thread: safe in a handler)
    _stop(signum)  # worker_task catches it once the task has cleaned up, and exits


def _die_with(parent_pid: int) -> None:
    """Have the kernel send SIGTERM to this process when its parent dies (Linux); elsewhere a thread watches."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0:
            if os.getppid() != parent_pid:  # the parent died before the request was made
                os._exit(128 + signal.SIGTERM)
            return

    def watch():
        import time

        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="simcoh-parent-watch", daemon=True).start()


def init_worker(parent_pid: int) -> None:
    """Call first in a worker process's initializer: it stops on the stop signals and dies with its parent."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _worker_handler)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the grace period's end terminates the worker
    sys.unraisablehook = _unraisable
    _die_with(parent_pid)


@contextlib.contextmanager
def worker_task():
    """Run a worker's task: a stop signal raises :class:`Interrupted` in it; once the task's ``with`` and
    ``finally`` blocks have run (its partial file deleted), the worker exits with status 128 + the signal."""
    global _IN_TASK
    try:
        _IN_TASK = True
        yield
        if _STOPPING:  # the signal's exception was dropped (see check) and the task ran to its end
            os._exit(128 + _STOPPING[0])
    except Interrupted as stop:
        os._exit(stop.exit_status)
    finally:
        _IN_TASK = False


def terminate_workers(executor) -> None:
    """Send SIGTERM to every worker process of a ``concurrent.futures.ProcessPoolExecutor`` (they clean up and
    exit; see :func:`worker_task`), so that shutting it down does not wait for their tasks to finish."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if process.is_alive():
                process.terminate()

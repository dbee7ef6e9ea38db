"""Exclusive locks on the shards of a production, so that two runs of the same shard (two array jobs given the
same ``--shard I/N``, a resumed production while an array job still runs) never write it at once.

A lock is a hidden file beside the shard file, held with ``flock`` and holding the holder's process id, host and
start time (for the message that refuses a second run). The kernel releases the lock when its holder dies, even by
``kill -9``, so a lock file left by a dead run is simply taken over; a finished run deletes its lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path

from ..errors import SimcohError
from ..io.provenance import created_utc

_HELD: set[str] = set()  # lock files this process holds (a holder may take its own lock again)


class BusyError(SimcohError):
    """Another live process holds the lock."""


def lock_path(path: str | os.PathLike) -> Path:
    """The lock file of ``path`` (a shard file): ``.NAME.lock`` beside it."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


def _holder(lock: Path) -> str:
    try:
        text = lock.read_text().strip()
    except OSError:
        text = ""
    return text or "another process"


def _acquire(lock: Path) -> int | None:
    """A descriptor of ``lock`` locked by this process, or None if another process holds it."""
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:  # the holder before us may have deleted the file after we opened it: then lock the new one
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def exclusive(path: str | os.PathLike, what: str, advice: str):
    """Hold the lock of ``path`` within the block; raise BusyError naming ``what`` (e.g. "shard 0/2 of
    production DIR") and the holder, with ``advice``, if a live process holds it."""
    lock = lock_path(path)
    key = os.path.abspath(lock)
    if key in _HELD:
        yield
        return
    fd = _acquire(lock)
    if fd is None:
        raise BusyError(f"{what} is being run right now by {_holder(lock)} (lock {lock}); this run stopped "
                        f"before writing anything. {advice}")
    _HELD.add(key)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()} on {socket.gethostname()} since {created_utc()}\n".encode())
        yield
    finally:
        _HELD.discard(key)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)  # before the lock is released: a waiting run then makes a new file (see _acquire)
        os.close(fd)


def remove_stale(path: str | os.PathLike) -> bool:
    """Delete the lock file of ``path`` if no live process holds it: its holder died before it could delete it (a
    Dask worker closed under a running shard). A lock a live process holds is kept. True if a file was deleted."""
    lock = lock_path(path)
    if os.path.abspath(lock) in _HELD:
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        return True
    finally:
        os.close(fd)

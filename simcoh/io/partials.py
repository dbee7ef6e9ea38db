"""Partial files: the hidden ``.NAME.partial.PID-N`` beside an output NAME that a writer fills before renaming it
to NAME (see :func:`simcoh.io.format.temporary_path`).

A run that was killed (``kill -9``, a crash of the machine) cannot delete its partial file. The next writer to
the same output removes the partial files whose writer is gone, saying so in one line, and refuses to start while
a live process is writing the same output. A writer is judged by the process id in the file name, on this host:
the process is gone when no process of that id exists, or when it is this process and none of its writers has
the file open.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import SimcohError
from .format import PARTIAL_MARK

_OPEN: set[str] = set()  # partial files that writers of this process have open (absolute paths)


class OutputBusyError(SimcohError):
    """Another live process is writing the same output file."""


def opened(temp: Path) -> None:
    """Record that a writer of this process is filling ``temp``."""
    _OPEN.add(os.path.abspath(temp))


def closed(temp: Path) -> None:
    _OPEN.discard(os.path.abspath(temp))


def partial_files(path: str | os.PathLike) -> list[Path]:
    """The partial files of output ``path`` that exist now, in name order."""
    path = Path(path)
    prefix = f".{path.name}{PARTIAL_MARK}"
    try:
        names = os.listdir(path.parent if str(path.parent) else ".")
    except OSError:
        return []
    return [path.with_name(name) for name in sorted(names) if name.startswith(prefix)]


def writer_pid(partial: Path) -> int | None:
    """The process id in a partial file's name (``...partial.PID-N``); None if the name has none."""
    tail = partial.name.rsplit(PARTIAL_MARK, 1)[-1]
    pid = tail.split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _process_exists(pid: int) -> bool:
    if pid <= 0:  # 0 and negative numbers name process groups, never a writer
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


def is_live(partial: Path) -> bool:
    """True while the writer of ``partial`` may still be writing it (and for names without a process id)."""
    pid = writer_pid(partial)
    if pid is None:
        return True
    if pid == os.getpid():
        return os.path.abspath(partial) in _OPEN
    return _process_exists(pid)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def remove_stale(path: str | os.PathLike, log=None) -> list[Path]:
    """Delete the partial files of output ``path`` whose writer is gone, reporting them in one line through
    ``log`` (default: standard error); return the partial files of live writers, which are left alone."""
    live, removed, size = [], [], 0
    for partial in partial_files(path):
        if is_live(partial):
            live.append(partial)
            continue
        size += _size(partial)
        try:
            partial.unlink()
        except FileNotFoundError:
            continue
        except OSError:  # not ours to delete (permissions): leave it and say nothing
            continue
        removed.append(partial)
    if removed:
        pids = sorted({str(writer_pid(p)) for p in removed})
        (log or _stderr)(f"simcoh: removed {len(removed)} partial file(s) of {Path(path).name} left by interrupted "
                         f"run(s) (process {', '.join(pids)} gone; {size / 1e6:.3g} MB): "
                         + ", ".join(p.name for p in removed))
    return live


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def busy_message(path: Path, live: list[Path]) -> str:
    pids = ", ".join(sorted({str(writer_pid(p)) for p in live}))
    return (f"{path} is being written right now by another simcoh run (process {pids}, partial file "
            f"{live[0].name}); this run stopped before writing anything. Wait for that run to finish or stop it, "
            "or choose another output file (--output)")

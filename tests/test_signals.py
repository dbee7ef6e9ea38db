"""Stopping a run: SIGTERM, SIGHUP and SIGINT sent to serial, streamed-worker, sharded and Dask runs end every process
within 10 s, leave no partial file, exit with status 128 + the signal and a one-line message, and a rerun gives the
events of a serial run (issue 16, items 1 and 2). Partial files left by killed runs are removed by the next run to
the same output; a live writer's are left alone and a second writer is refused.

Runs are real ``simcoh run`` processes. Each is signalled once its partial file exists (polled, never a blind
sleep), or, in the slow randomized test, at a seeded random moment."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simcoh.cli import main
from simcoh.io import open_events
from simcoh.io.partials import partial_files, remove_stale

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process table in /proc")

ROOT = Path(__file__).resolve().parents[1]

#: The issue's long.mac: waveform fidelity without stored waveforms, long enough to be mid-run when signalled.
LONG = """/random/setSeed 20211014
/detector/load csi-2021
/source/model analytic
/process/enable cevns
/run/fidelity waveform
/output/waveforms false
/output/file long.h5
/run/beamOn 600000
"""

#: A cheap macro made slow without changing its events (each chunk sleeps first, also in forked workers), so a
#: signal lands part way through and a rerun to completion takes seconds.
CHEAP = """/random/setSeed 7
/detector/load csi-2021
/source/model analytic
/process/enable cevns
/run/fidelity truth
/output/file cheap.h5
/run/chunkSize 2000
/run/beamOn 60000
"""
SLOW_RUNNER = """
import sys, time
from simcoh.engine import pipeline
run_chunk = pipeline.Pipeline.run_chunk
def slow(self, *args, **kwargs):
    time.sleep(0.15)
    return run_chunk(self, *args, **kwargs)
pipeline.Pipeline.run_chunk = slow
from simcoh.cli import main
sys.exit(main(sys.argv[1:]))
"""

MODES = {"serial": [], "workers": ["--workers", "2"], "shards": ["--workers", "2", "--shards", "3"],
         "dask": ["--dask", "local", "--workers", "2"], "shard": ["--shard", "0/2"]}
STOP_SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT, "SIGHUP": signal.SIGHUP}


def _has_distributed() -> bool:
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


# ------------------------------------------------------------------------------------------------- processes

def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            table[int(entry)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    table, found, frontier = process_table(), set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pids) -> set[int]:
    """Those of ``pids`` that still run (zombies have ended: only their exit status is left to collect)."""
    table = process_table()
    return {pid for pid in pids if pid in table and table[pid][1] not in "ZX"}


def leftovers(directory: Path) -> list[str]:
    """Partial and lock files of shards anywhere under ``directory``."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob(".*")
                  if ".partial." in p.name or (p.name.startswith(".shard-") and p.name.endswith(".lock")))


def start(tmp_path: Path, macro: str, args, slow: bool = False) -> subprocess.Popen:
    path = tmp_path / "run.mac"
    path.write_text(macro)
    command = [sys.executable, *(["-c", SLOW_RUNNER] if slow else ["-m", "simcoh"]), "run", str(path), "--output",
               str(tmp_path / "out.h5"), "--no-progress", *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def wait_for_partial(proc: subprocess.Popen, directory: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if any(".partial." in p.name for p in directory.rglob(".*")):
            return
        time.sleep(0.05)
    raise AssertionError(f"no partial file appeared (exit status {proc.poll()})")


#: A stopped run must end within this time (a hang is the failure looked for; closing a Dask LocalCluster takes
#: several seconds on a loaded 2-core machine, so the bound leaves room for that).
STOP_WITHIN_S = 20


def stop_and_check(proc: subprocess.Popen, signum: int, directory: Path, may_have_finished: bool = False,
                   group: bool = False) -> str:
    """Send ``signum`` to the run (with ``group``, to all its processes, as Ctrl-C in a terminal does); check its
    exit status and message, that every process of it has ended STOP_WITHIN_S later and that no partial file is left.
    Returns its standard error."""
    family = descendants(proc.pid)
    if group:
        os.killpg(proc.pid, signum)  # the run leads its own session and process group (start_new_session)
    else:
        proc.send_signal(signum)
    deadline = time.monotonic() + STOP_WITHIN_S
    try:
        _, err = proc.communicate(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        raise AssertionError(f"the run did not end within {STOP_WITHIN_S} s of {signal.Signals(signum).name}; its "
                             f"standard error:\n{err[-3000:]}") from None
    while running(family) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(family), f"processes still running {STOP_WITHIN_S} s after the signal: {sorted(running(family))}"
    assert not leftovers(directory), leftovers(directory)
    finished = may_have_finished and proc.returncode == 0
    if not finished:
        name = signal.Signals(signum).name
        assert proc.returncode in (128 + signum, -signum), (proc.returncode, err[-2000:])
        if proc.returncode > 0:
            assert f"interrupted by {name}: stopped, and its partial files were removed" in err, err[-2000:]
            assert "Traceback" not in err, err[-3000:]
    return err


def kill_all(proc: subprocess.Popen, family=()) -> None:
    """Clean up after a test, whatever happened: the run's session and any process of it still there."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its process group (start_new_session), workers included
    except (ProcessLookupError, PermissionError):
        pass
    for pid in {proc.pid, *family} | (descendants(proc.pid) if proc.poll() is None else set()):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.communicate(timeout=30)
    except (subprocess.TimeoutExpired, ValueError):
        pass


def events(path: Path) -> dict:
    with open_events(path) as f:
        return {name: f.read_column(name) for name in f.fields}


def assert_same_events(path: Path, reference: Path) -> None:
    import awkward as ak
    import numpy as np

    got, want = events(path), events(reference)
    assert list(got) == list(want)
    for name, values in want.items():
        if isinstance(values, ak.Array):
            assert ak.to_list(got[name]) == ak.to_list(values), name
        else:
            np.testing.assert_array_equal(got[name], values, err_msg=name)


# ------------------------------------------------------------------------------------- signals, default suite

@pytest.mark.parametrize("signame, mode, group", [("SIGTERM", "workers", False), ("SIGHUP", "serial", False),
                                                  ("SIGTERM", "shards", False), ("SIGINT", "shard", False),
                                                  ("SIGINT", "shards", True), ("SIGTERM", "dask", False)])
def test_signal_mid_run_ends_every_process_and_removes_partials(tmp_path, signame, mode, group):
    """Issue 16 item 1: `kill -TERM` of `simcoh run long.mac --workers 2` left workers waiting forever and a
    hidden partial file. ``group``: Ctrl-C in a terminal, which reaches the workers too."""
    if mode == "dask":
        pytest.importorskip("distributed")
    proc = start(tmp_path, LONG, MODES[mode])
    family = set()
    try:
        wait_for_partial(proc, tmp_path)
        family = descendants(proc.pid)
        if mode in ("workers", "shards"):
            assert len(family) >= 2, "the run should have its worker processes"
        err = stop_and_check(proc, STOP_SIGNALS[signame], tmp_path, group=group)
    finally:
        kill_all(proc, family)
    assert not (tmp_path / "out.h5").exists()
    assert "race condition" not in err and "Traceback" not in err, err[-3000:]


@pytest.mark.parametrize("mode", ["workers", "shards"])
def test_workers_die_with_a_killed_parent(tmp_path, mode):
    """`kill -9` of the parent cannot be handled by it: its workers notice (PR_SET_PDEATHSIG on Linux), delete
    their shard's partial file and exit instead of waiting forever."""
    proc = start(tmp_path, LONG, MODES[mode])
    family = set()
    try:
        wait_for_partial(proc, tmp_path)
        family = descendants(proc.pid)
        assert len(family) >= 2, "the run should have its worker processes"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        deadline = time.monotonic() + 10
        while running(family) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(family), f"workers still running 10 s after their parent was killed: {running(family)}"
        if mode == "shards":  # the workers wrote the partial files, and deleted them
            assert not leftovers(tmp_path), leftovers(tmp_path)
    finally:
        kill_all(proc, family)


def test_interrupted_production_resumes_to_the_serial_events(tmp_path):
    """SIGTERM part way through a sharded production, then the same command again: it completes, and its
    events are those of a serial run."""
    reference = tmp_path / "serial.h5"
    (tmp_path / "ref.mac").write_text(CHEAP)
    assert main(["run", str(tmp_path / "ref.mac"), "--output", str(reference), "--no-progress"]) == 0
    work = tmp_path / "prod"
    work.mkdir()
    proc = start(work, CHEAP, MODES["shards"], slow=True)
    family = set()
    try:
        wait_for_partial(proc, work)
        family = descendants(proc.pid)
        stop_and_check(proc, signal.SIGTERM, work)
    finally:
        kill_all(proc, family)
    rerun = start(work, CHEAP, MODES["shards"], slow=True)
    try:
        _, err = rerun.communicate(timeout=300)
    finally:
        kill_all(rerun)
    assert rerun.returncode == 0, err[-3000:]
    assert_same_events(work / "out.h5", reference)


def test_stop_signals_raise_interrupted_once_and_can_be_held_back():
    from simcoh.engine.signals import Interrupted, deferred, stop_on_signals

    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as caught:
        with stop_on_signals():
            with deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.01)  # Python runs its handlers between bytecodes: still here, held back
                held = True
    assert held and caught.value.signum == signal.SIGTERM and caught.value.exit_status == 143
    assert str(caught.value) == "interrupted by SIGTERM" and isinstance(caught.value, KeyboardInterrupt)
    assert signal.getsignal(signal.SIGTERM) is previous  # restored

    with pytest.raises(Interrupted, match="SIGHUP"):
        with stop_on_signals():
            try:
                os.kill(os.getpid(), signal.SIGHUP)
                time.sleep(1)
            finally:  # the clean-up after the first signal is not interrupted by the next ones
                os.kill(os.getpid(), signal.SIGTERM)
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.01)


# ---------------------------------------------------------------------------------------------- stale partials

def dead_pid() -> int:
    """The process id of a process that has ended (and been collected)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    return proc.pid


def run_cheap(tmp_path: Path, output: Path, *args) -> int:
    macro = tmp_path / "cheap.mac"
    macro.write_text(CHEAP.replace("/run/beamOn 60000", "/run/beamOn 3000"))
    return main(["run", str(macro), "--output", str(output), "--no-progress", *map(str, args)])


def test_partials_of_killed_runs_are_removed_by_the_next_run(tmp_path, capsys):
    """Issue 16 item 2: the partial file of a killed run stayed forever; the next run now removes it, in one line."""
    out = tmp_path / "out.h5"
    stale = [tmp_path / f".out.h5.partial.{dead_pid()}-0", tmp_path / f".out.h5.partial.{os.getpid()}-7"]
    for path in stale:  # a killed run's, and one of this process that no writer has open
        path.write_bytes(b"\0" * 1000)
    other = tmp_path / f".other.h5.partial.{dead_pid()}-0"  # another output's: not this run's business
    other.write_bytes(b"")
    assert run_cheap(tmp_path, out) == 0
    err = capsys.readouterr().err
    assert not any(p.exists() for p in stale) and other.exists() and out.exists()
    lines = [line for line in err.splitlines() if "partial file" in line]
    assert len(lines) == 1 and "removed 2 partial file(s) of out.h5 left by interrupted run(s)" in lines[0], err


def test_killed_serial_run_leaves_a_partial_that_the_next_run_removes(tmp_path, capsys):
    proc = start(tmp_path, LONG, [])
    try:
        wait_for_partial(proc, tmp_path)
        proc.send_signal(signal.SIGKILL)  # nothing can clean up after kill -9
        proc.communicate(timeout=60)
    finally:
        kill_all(proc)
    assert partial_files(tmp_path / "out.h5")
    assert run_cheap(tmp_path, tmp_path / "out.h5") == 0
    assert f"process {proc.pid} gone" in capsys.readouterr().err
    assert not partial_files(tmp_path / "out.h5") and not leftovers(tmp_path)


def test_a_live_writer_is_left_alone_and_a_second_writer_refused(tmp_path, capsys):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live = tmp_path / f".out.h5.partial.{sleeper.pid}-0"
        live.write_bytes(b"being written")
        assert remove_stale(tmp_path / "out.h5", log=pytest.fail) == [live]
        assert run_cheap(tmp_path, tmp_path / "out.h5", "--overwrite") == 1
        err = capsys.readouterr().err
        assert f"out.h5 is being written right now by another simcoh run (process {sleeper.pid}" in err
        assert "choose another output file" in err and "Traceback" not in err
        assert live.read_bytes() == b"being written" and not (tmp_path / "out.h5").exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [live.name]
    finally:
        sleeper.kill()
        sleeper.wait(timeout=60)


# ---------------------------------------------------------------------------------- signals, slow and random

@pytest.mark.slow
@pytest.mark.parametrize("mode", [m if m != "dask" else pytest.param(m, marks=pytest.mark.skipif(
    not _has_distributed(), reason="needs dask.distributed")) for m in MODES])
@pytest.mark.parametrize("signame", list(STOP_SIGNALS))
def test_signal_at_a_random_moment_then_rerun_equals_serial(tmp_path, signame, mode):
    """Every stop signal, every mode, at a seeded random moment (during start-up, the shards, the merge, or
    after the end): nothing survives, nothing partial is left, and a rerun gives the serial run's events."""
    rng = random.Random(f"{signame}-{mode}")
    anchor = rng.choice(["start", "writing"])  # counted from the start, or from the first partial file
    delay = rng.uniform(0.3, 8.0) if anchor == "start" else rng.uniform(0.0, 3.0)
    reference = tmp_path / "serial.h5"
    (tmp_path / "ref.mac").write_text(CHEAP)
    assert main(["run", str(tmp_path / "ref.mac"), "--output", str(reference), "--no-progress"]) == 0
    work = tmp_path / "work"
    work.mkdir()
    slow = mode != "dask"  # Dask workers are spawned: they would not inherit the slow chunks
    proc = start(work, CHEAP, MODES[mode], slow=slow)
    family = set()
    try:
        if anchor == "writing":
            wait_for_partial(proc, work)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and proc.poll() is None:
            family |= descendants(proc.pid)
            time.sleep(0.05)
        stop_and_check(proc, STOP_SIGNALS[signame], work, may_have_finished=True)
        print(f"{signame} to {mode} {delay:.1f} s after its {anchor}: exit status {proc.returncode}")
    finally:
        kill_all(proc, family)
    reruns = [MODES[mode]] if mode != "shard" else [["--shard", "0/2"], ["--shard", "1/2"]]
    for args in reruns if not (work / "out.h5").exists() else []:  # (unless the signal came after the end)
        rerun = start(work, CHEAP, args, slow=slow)
        try:
            _, err = rerun.communicate(timeout=600)
        finally:
            kill_all(rerun)
        assert rerun.returncode == 0, err[-3000:]
    if mode == "shard":
        assert main(["merge", str(work / "out.shards"), "--no-progress"]) == 0
    assert_same_events(work / "out.h5", reference)
    assert not leftovers(work)


def test_a_lock_left_by_a_dead_holder_is_removed_and_a_live_one_kept(tmp_path):
    """After a Dask production is interrupted, the parent deletes lock files their dead holders left (a worker
    closed under a running shard) and keeps those a live process still holds."""
    from simcoh.engine import locks

    shard = tmp_path / "shard-0000-of-0002.h5"
    locks.lock_path(shard).write_text("process 1 on elsewhere since then\n")  # holder gone: no flock on it
    assert locks.remove_stale(shard) and not locks.lock_path(shard).exists()
    assert not locks.remove_stale(shard)  # nothing there
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], "
                               "os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); "
                               "time.sleep(60)", str(locks.lock_path(shard))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not locks.remove_stale(shard) and locks.lock_path(shard).exists()  # a live holder keeps it
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert locks.remove_stale(shard) and not locks.lock_path(shard).exists()  # the kernel released it on death

"""Engine benchmarks through the real command line: events per second per core, peak memory, and the scaling
from 1 to 2 workers, for every fidelity the pipeline offers; plus the memory benchmark of long runs.

    python benchmarks/run_all.py                       # speed: truth, parametric, photon (+ waveform if wired)
    python benchmarks/run_all.py --memory              # also: truth 1e8 and photon 1e7 events, peak RSS
    python benchmarks/run_all.py --memory --truth-events 1e7 --photon-events 1e6     # shorter
    python benchmarks/run_all.py --only photon --events photon=2e6

Each measurement runs ``python -m simcoh run macros/quickstart.mac`` in a subprocess with NUMBA_NUM_THREADS=1
(one core per worker), writes to a scratch directory under /tmp (deleted afterwards) and samples the resident
memory of the whole process tree (parent plus workers) every 0.1 s. ``--workers 1`` is the serial engine
(generation, with lzf compression and writing in a background thread); ``--workers 2`` is a production of two
shards merged at the end: its time is split into the shard phase and the merge, both printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MACRO = ROOT / "macros" / "quickstart.mac"
DEFAULT_EVENTS = {"truth": 20_000_000, "parametric": 10_000_000, "photon": 2_000_000, "waveform": 200_000}


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def run_measured(args: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; return (completed process, wall seconds, peak RSS of its process tree in MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], sum(_rss_kib(p) for p in _tree(proc.pid)))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.join()
    done = subprocess.CompletedProcess(args, proc.returncode, out, err)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    return done, wall, peak[0] / 1024


def engine_run(fidelity: str, n_events: int, workers: int, scratch: Path, chunk: int | None = None) -> dict:
    out = scratch / f"{fidelity}-{workers}w.h5"
    cmd = [sys.executable, "-m", "simcoh", "run", str(MACRO), "--output", str(out), "--no-progress", "--overwrite",
           "--set", f"run/beamOn={n_events}", "--set", f"run/fidelity={fidelity}", "--workers", str(workers)]
    if chunk:
        cmd += ["--set", f"run/chunkSize={chunk}"]
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    done, wall, peak_mib = run_measured(cmd, env)
    written = re.search(r"in ([\d.]+) s \(", done.stdout)
    timing = re.search(r"timing: shards ([\d.]+) s, merge ([\d.]+) s", done.stderr)
    run_s = float(written.group(1))
    shards_s, merge_s = (float(timing.group(1)), float(timing.group(2))) if timing else (run_s, 0.0)
    size = out.stat().st_size
    shutil.rmtree(out.with_name(out.stem + ".shards"), ignore_errors=True)
    out.unlink()
    return {"fidelity": fidelity, "workers": workers, "events": n_events, "wall_s": wall, "run_s": run_s,
            "shards_s": shards_s, "merge_s": merge_s, "peak_rss_mib": peak_mib, "file_mb": size / 1e6}


def available_fidelities() -> list[str]:
    from simcoh.response.stages import STAGES_BY_FIDELITY

    return list(STAGES_BY_FIDELITY)  # truth, parametric, photon (and waveform once simcoh.daq is wired in)


def speed(fidelities, events: dict, scratch: Path) -> None:
    print(f"{'fidelity':<11}{'workers':>8}{'events':>12}{'ev/s (run)':>13}{'ev/s/core':>12}{'shards s':>10}"
          f"{'merge s':>9}{'peak RSS':>11}{'file':>10}")
    for fidelity in fidelities:
        n = events[fidelity]
        one, two = (engine_run(fidelity, n, w, scratch) for w in (1, 2))
        for r in (one, two):
            rate = r["events"] / r["run_s"]
            print(f"{fidelity:<11}{r['workers']:>8}{r['events']:>12,}{rate:>13,.0f}{rate / r['workers']:>12,.0f}"
                  f"{r['shards_s']:>10.2f}{r['merge_s']:>9.2f}{r['peak_rss_mib']:>8.0f} MiB{r['file_mb']:>7.0f} MB")
        print(f"{'':<11}speed-up 1 -> 2 workers: {one['run_s'] / two['run_s']:.2f}x end to end (incl. merge), "
              f"{one['run_s'] / two['shards_s']:.2f}x for the event generation (shard phase)")


def memory(truth_events: int, photon_events: int, scratch: Path) -> None:
    print("memory benchmark (serial engine, whole run, peak RSS of the process):")
    for fidelity, n in (("truth", truth_events), ("photon", photon_events)):
        r = engine_run(fidelity, n, 1, scratch)
        verdict = "OK" if r["peak_rss_mib"] < 2048 else "OVER the 2 GB budget"
        print(f"  {fidelity:<7}{n:>14,} events  {n / r['run_s']:>11,.0f} ev/s  {r['run_s']:>8.1f} s  "
              f"file {r['file_mb'] / 1e3:6.2f} GB  peak RSS {r['peak_rss_mib']:6.0f} MiB  ({verdict} < 2 GB)")


def _count(text: str) -> int:
    return int(float(text))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", default=None, help="fidelities to time (default: every one available)")
    ap.add_argument("--events", nargs="*", default=[], metavar="FIDELITY=N", help="events per speed run")
    ap.add_argument("--memory", action="store_true", help="also run the long-run memory benchmark")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed benchmark")
    ap.add_argument("--truth-events", type=_count, default=100_000_000)
    ap.add_argument("--photon-events", type=_count, default=10_000_000)
    ap.add_argument("--scratch", default=tempfile.gettempdir(), help="where files are written (and deleted)")
    args = ap.parse_args()
    events = dict(DEFAULT_EVENTS)
    for item in args.events:
        name, _, n = item.partition("=")
        events[name] = _count(n)
    fidelities = args.only or available_fidelities()
    scratch = Path(tempfile.mkdtemp(prefix="simcoh-bench-", dir=args.scratch))
    print(f"simcoh engine benchmarks on {os.cpu_count()} CPU(s); NUMBA_NUM_THREADS=1 per process; scratch {scratch}")
    try:
        if not args.no_speed:
            speed(fidelities, events, scratch)
        if args.memory:
            memory(args.truth_events, args.photon_events, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

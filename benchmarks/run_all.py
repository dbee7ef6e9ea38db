"""Engine benchmarks through the real command line: events per second per core, peak memory, and the scaling
from 1 to 2 workers, for every fidelity the pipeline offers; plus the memory benchmark of long runs.

    python benchmarks/run_all.py                       # speed: truth, parametric, photon, waveform
    python benchmarks/run_all.py --memory              # also: truth 1e8 and photon 1e7 events, peak RSS
    python benchmarks/run_all.py --memory --truth-events 1e7 --photon-events 1e6     # shorter
    python benchmarks/run_all.py --only photon --events photon=4e6 --repeat 7

Each measurement runs ``python -m simcoh run macros/quickstart.mac`` in a subprocess with NUMBA_NUM_THREADS=1,
writes to a scratch directory under /tmp (deleted afterwards) and samples the resident memory of the whole
process tree (parent plus workers) every 0.2 s. The time is the run's own (events generated and written, start-up
excluded). Each round runs every set-up once, so a slow spell of a shared machine falls on all of them alike;
the median of ``--repeat`` rounds is shown. Set-ups per fidelity:

- ``1 core``:     ``--workers 1`` confined to one core (CPU affinity): generation, compression and writing share it;
- ``2 cores``:    ``--workers 2`` confined to two cores: two worker processes generate, this process compresses
                  (a thread per core) and writes;
- ``all cores``:  ``--workers 1`` with no affinity: the serial engine compresses on the other cores meanwhile;
- ``2 x 1 core``: two independent ``--workers 1`` runs at once, one on each of the two cores (their combined
                  rate). A reference: the same serial engine twice, sharing nothing but the machine, so how far it
                  falls below 2x is what the machine itself costs (shared caches and memory bandwidth, a virtual
                  machine's host).

The speed-up from 1 to 2 workers is ``1 core`` over ``2 cores``: the same work with twice the cores. It is
printed next to ``1 core`` over ``2 x 1 core``.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MACRO = ROOT / "macros" / "quickstart.mac"
DEFAULT_EVENTS = {"truth": 20_000_000, "parametric": 10_000_000, "photon": 8_000_000, "waveform": 200_000}


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
    """``root`` and all its descendants (from /proc/PID/task/TID/children: cheap, so sampling does not slow the
    run it measures)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def run_measured(args: list[str], env: dict, cores=None) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command (on ``cores`` only, if given); return (completed process, wall seconds, peak RSS of its
    process tree in MiB)."""
    t0 = time.perf_counter()
    pin = None if cores is None else (lambda: os.sched_setaffinity(0, cores))
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=pin)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], sum(_rss_kib(p) for p in _tree(proc.pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.join()
    done = subprocess.CompletedProcess(args, proc.returncode, out, err)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    return done, wall, peak[0] / 1024


def engine_run(fidelity: str, n_events: int, workers: int, scratch: Path, cores: list[int] | None = None,
               tag: str = "") -> dict:
    """One run of the quick-start macro; ``cores``: the CPUs it may use (None: any)."""
    out = scratch / f"{fidelity}-{workers}w{tag}.h5"
    cmd = [sys.executable, "-m", "simcoh", "run", str(MACRO), "--output", str(out), "--no-progress", "--overwrite",
           "--set", f"run/beamOn={n_events}", "--set", f"run/fidelity={fidelity}", "--workers", str(workers)]
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    done, wall, peak_mib = run_measured(cmd, env, cores)
    run_s = float(re.search(r"in ([\d.]+) s \(", done.stdout).group(1))
    size = out.stat().st_size
    out.unlink()
    return {"fidelity": fidelity, "workers": workers, "events": n_events, "wall_s": wall, "run_s": run_s,
            "peak_rss_mib": peak_mib, "file_mb": size / 1e6}


def available_fidelities() -> list[str]:
    from simcoh.engine.stages import STAGES_BY_FIDELITY

    return list(STAGES_BY_FIDELITY)


def _pair_run(fidelity: str, n: int, scratch: Path, cores) -> dict:
    """Two independent one-core runs at once, one on each of ``cores``: their combined time per ``n`` events is
    the slower one's time halved."""
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda i: engine_run(fidelity, n, 1, scratch, [cores[i]], tag=f"-{i}"), (0, 1)))
    return {**runs[0], "run_s": max(r["run_s"] for r in runs) / 2,
            "peak_rss_mib": sum(r["peak_rss_mib"] for r in runs)}


def _median(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["run_s"])
    median = dict(ordered[len(ordered) // 2])
    median["all_run_s"] = [r["run_s"] for r in runs]  # in the order they ran
    median["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    return median


def speed(fidelities, events: dict, scratch: Path, repeat: int) -> None:
    """Every set-up once per round, ``repeat`` rounds, so that a slow spell of a shared machine falls on all of
    them alike; the median of each set-up's runs is shown."""
    usable = sorted(os.sched_getaffinity(0))
    setups = [("1 core", 1, usable[:1], 1)]
    if len(usable) >= 2:
        setups += [("2 cores", 2, usable[:2], 2), ("all cores", 1, None, len(usable)), ("2 x 1 core", 1, usable[:2], 2)]
    else:
        print(f"only {len(usable)} usable core: the 2-core set-ups need two; skipped")
    print(f"{'fidelity':<11}{'set-up':<11}{'workers':>8}{'events':>12}{'ev/s':>12}{'ev/s/core':>11}"
          f"{'peak RSS':>11}{'file':>9}   run times (s), in order")
    for fidelity in fidelities:
        n = events[fidelity]
        runs = {label: [] for label, *_ in setups}
        for _ in range(repeat):
            for label, workers, cores, _n_cores in setups:
                runs[label].append(_pair_run(fidelity, n, scratch, cores) if label == "2 x 1 core"
                                   else engine_run(fidelity, n, workers, scratch, cores))
        results = {label: _median(r) for label, r in runs.items()}
        for label, workers, _cores, n_cores in setups:
            r = results[label]
            rate = r["events"] / r["run_s"]
            times = " ".join(f"{t:.2f}" for t in r["all_run_s"])
            print(f"{fidelity:<11}{label:<11}{workers:>8}{n:>12,}{rate:>12,.0f}{rate / n_cores:>11,.0f}"
                  f"{r['peak_rss_mib']:>8.0f} MiB{r['file_mb']:>6.0f} MB   {times}")
        if "2 cores" in results:
            one = results["1 core"]["run_s"]
            print(f"{'':<11}speed-up 1 -> 2 workers (1 core -> 2 cores): {one / results['2 cores']['run_s']:.2f}x;  "
                  f"two independent serial runs: {one / results['2 x 1 core']['run_s']:.2f}x")


def memory(truth_events: int, photon_events: int, scratch: Path) -> None:
    print("memory benchmark (whole run, peak RSS of the process tree: writer plus workers):")
    for fidelity, n, workers in (("truth", truth_events, 1), ("truth", truth_events, 2),
                                 ("photon", photon_events, 1), ("photon", photon_events, 2)):
        r = engine_run(fidelity, n, workers, scratch)
        verdict = "OK" if r["peak_rss_mib"] < 2048 else "OVER the 2 GB budget"
        print(f"  {fidelity:<7}{n:>14,} events  {workers} worker(s) {n / r['run_s']:>11,.0f} ev/s  {r['run_s']:>8.1f} s  "
              f"file {r['file_mb'] / 1e3:6.2f} GB  peak RSS {r['peak_rss_mib']:6.0f} MiB  ({verdict} < 2 GB)")


def _count(text: str) -> int:
    return int(float(text))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", default=None, help="fidelities to time (default: every one available)")
    ap.add_argument("--events", nargs="*", default=[], metavar="FIDELITY=N", help="events per speed run")
    ap.add_argument("--memory", action="store_true", help="also run the long-run memory benchmark")
    ap.add_argument("--repeat", type=int, default=3, help="runs per set-up; the median is shown (default 3)")
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
    print(f"simcoh engine benchmarks on {os.cpu_count()} CPU(s) ({len(os.sched_getaffinity(0))} usable); "
          f"NUMBA_NUM_THREADS=1 per process; scratch {scratch}")
    try:
        if not args.no_speed:
            speed(fidelities, events, scratch, args.repeat)
        if args.memory:
            memory(args.truth_events, args.photon_events, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Same-run speed comparison of two source trees (for example this commit and the previous one), fidelity by
fidelity, on one core each.

    git worktree add /tmp/simcoh-prev HEAD~1
    python benchmarks/compare_revisions.py /tmp/simcoh-prev                 # reference tree vs this tree
    python benchmarks/compare_revisions.py /tmp/simcoh-prev --repeat 7 --events photon=2e6

Each round runs the quick-start macro once with the reference tree and once with this one (alternating which
goes first), as ``python -m simcoh run`` subprocesses with ``PYTHONPATH`` pointing at the tree, NUMBA_NUM_THREADS=1
and pinned to one core, so a slow spell of a shared machine falls on both alike. Printed per fidelity: the median
events per second and peak RSS of each tree and the ratio this/reference (below 1: this tree is slower). Kernels
are compiled (numba cache) by a short warm-up run of each tree before timing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from statistics import median

from run_all import run_measured  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

HERE = Path(__file__).resolve().parents[1]
DEFAULT_EVENTS = {"truth": 10_000_000, "parametric": 4_000_000, "photon": 2_000_000, "waveform": 50_000}


def run_tree(tree: Path, fidelity: str, n_events: int, scratch: Path, core: int) -> dict:
    out = scratch / f"{tree.name}-{fidelity}.h5"
    cmd = [sys.executable, "-m", "simcoh", "run", str(tree / "macros" / "quickstart.mac"), "--output", str(out),
           "--no-progress", "--overwrite", "--set", f"run/beamOn={n_events}", "--set", f"run/fidelity={fidelity}",
           "--workers", "1"]
    env = dict(os.environ, NUMBA_NUM_THREADS="1", PYTHONPATH=str(tree))
    done, _wall, peak_mib = run_measured(cmd, env, [core])
    run_s = float(re.search(r"in ([\d.]+) s \(", done.stdout).group(1))
    out.unlink(missing_ok=True)
    return {"ev_s": n_events / run_s, "rss": peak_mib}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference", type=Path, help="root of the reference source tree (a git worktree)")
    ap.add_argument("--tree", type=Path, default=HERE, help="tree to measure (default: this one)")
    ap.add_argument("--only", nargs="*", default=list(DEFAULT_EVENTS), help="fidelities")
    ap.add_argument("--events", nargs="*", default=[], metavar="FIDELITY=N")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    events = dict(DEFAULT_EVENTS)
    for item in args.events:
        name, _, n = item.partition("=")
        events[name] = int(float(n))
    trees = {"reference": args.reference.resolve(), "this": args.tree.resolve()}
    core = sorted(os.sched_getaffinity(0))[-1]
    scratch = Path(tempfile.mkdtemp(prefix="simcoh-cmp-"))
    print(f"reference {trees['reference']}  vs  this {trees['this']}; one core (CPU {core}), median of {args.repeat}")
    print(f"{'fidelity':<11}{'events':>11}{'reference ev/s':>16}{'this ev/s':>12}{'this/ref':>10}"
          f"{'RSS ref':>10}{'RSS this':>10}")
    try:
        for fidelity in args.only:
            n = events[fidelity]
            for tree in trees.values():  # warm-up: compile and cache the kernels
                run_tree(tree, fidelity, max(1000, n // 100), scratch, core)
            runs = {label: [] for label in trees}
            for i in range(args.repeat):
                order = list(trees) if i % 2 == 0 else list(reversed(trees))
                for label in order:
                    runs[label].append(run_tree(trees[label], fidelity, n, scratch, core))
            ref = median(r["ev_s"] for r in runs["reference"])
            this = median(r["ev_s"] for r in runs["this"])
            print(f"{fidelity:<11}{n:>11,}{ref:>16,.0f}{this:>12,.0f}{this / ref:>10.3f}"
                  f"{max(r['rss'] for r in runs['reference']):>7.0f} MiB{max(r['rss'] for r in runs['this']):>7.0f} MiB",
                  flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

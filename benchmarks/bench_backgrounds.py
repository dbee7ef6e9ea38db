"""Truth-level generation speed of the background processes (brn, nin, ss; brn/nin also as templates) for the
CsI 2021 detector (goal: within a factor 2 of 5e6 events/s per core).

    python benchmarks/bench_backgrounds.py [--events 10000000] [--chunk 1000000] [--threads 1]

Prints, per process and model, the events per second (median of the chunk rates) and the peak resident memory.
Each run draws the events of one process only (one process enabled), into reused buffers.
"""

import argparse
import os
import resource
import statistics
import time

CASES = [
    ("brn", {}),
    ("brn", {"brn.model": "template"}),
    ("nin", {}),
    ("nin", {"nin.model": "template"}),
    ("ss", {}),
]


def rate(process: str, options: dict, events: int, chunk: int) -> float:
    from simcoh.config import PhysicsConfig, SourceConfig
    from simcoh.detector import load_geometry
    from simcoh.generate import TruthGenerator

    # the background models are the csi-2021 detector's ([background.*] in geometries/csi-2021.toml)
    gen = TruthGenerator(source=SourceConfig(), physics=PhysicsConfig(), material="CsI", mass_kg=14.57,
                         distance_cm=1930.0, n_pot=3.198e23, seed=1, n_events=events, processes=(process,),
                         process_options=options, detector=load_geometry("csi-2021"))
    buffers = gen.allocate(chunk)
    gen.generate(0, min(1000, events), out=buffers)  # compile / load the numba cache
    rates = []
    for first, n in gen.chunk_ranges(chunk):
        t0 = time.perf_counter()
        gen.generate(first, n, out=buffers)
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))
    print(f"truth-level CsI backgrounds: {args.events:,} events per case in chunks of {args.chunk:,}, "
          f"{args.threads} thread(s); goal 5e6/s per core (factor 2: >= 2.5e6/s)")
    for process, options in CASES:
        model = options.get(f"{process}.model", "spectrum" if process != "ss" else "parametric")
        r = rate(process, options, args.events, args.chunk)
        print(f"  {process:4s} {model:10s} {r:14,.0f} events/s   {r / 5e6:5.2f} x goal")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()

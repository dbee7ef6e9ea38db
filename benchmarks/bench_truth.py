"""Truth-level CEvNS generation speed and memory (issue: foundations; goal ≥ 5e6 events/s per core for CsI,
memory flat in the number of events).

    python benchmarks/bench_truth.py [--events 20000000] [--chunk 1000000] [--threads 1]

Prints events per second (median of the chunk rates, and overall) and the peak resident memory; run it with
two run lengths to see that memory does not grow with the number of events.
"""

import argparse
import os
import resource
import statistics
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--chunk", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--material", default="CsI")
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))

    from simcoh.config import PhysicsConfig, SourceConfig
    from simcoh.generate import TruthGenerator

    gen = TruthGenerator(source=SourceConfig(), physics=PhysicsConfig(), material=args.material, mass_kg=14.57,
                         distance_cm=1930.0, n_pot=3.198e23, seed=1, n_events=args.events)
    buffers = gen.allocate(args.chunk)
    gen.generate(0, min(1000, args.events), out=buffers)  # compile / load the numba cache
    rates = []
    t_start = time.perf_counter()
    for first, n in gen.chunk_ranges(args.chunk):
        t0 = time.perf_counter()
        gen.generate(first, n, out=buffers)
        rates.append(n / (time.perf_counter() - t0))
    total = time.perf_counter() - t_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"truth-level {args.material} CEvNS: {args.events:,} events in chunks of {args.chunk:,}, "
          f"{args.threads} thread(s)")
    print(f"  events/s (median over chunks): {statistics.median(rates):,.0f}")
    print(f"  events/s (overall):            {args.events / total:,.0f}")
    print(f"  peak resident memory:          {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()

"""Truth-level dark-matter (vector portal) generation speed (issue: backgrounds and dark matter; goal within a
factor 2 of 5e6 events/s per core, as CEvNS).

    python benchmarks/bench_dm.py [--events 10000000] [--chunk 1000000] [--threads 1] [--mchi 1 10 30 100]

For each χ mass (m_A' = 3 m_χ, ε = 1e-4, α_D = 0.5, CsI 2021 geometry, all recoils) prints the set-up time
(χ flux Monte Carlo + tables) and the events per second (median over chunks, and overall). The sampling speed
depends on the mass through the rejection step (dm_kernels.sample_chi_recoil_mev): its envelope ignores the
form factor, which costs most for heavy mediators with energetic χ.
"""

import argparse
import os
import statistics
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mchi", type=float, nargs="+", default=[1.0, 10.0, 30.0, 100.0])
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))

    from simcoh.config import PhysicsConfig, SourceConfig
    from simcoh.generate import TruthGenerator

    print(f"truth-level CsI dark matter: {args.events:,} events in chunks of {args.chunk:,}, "
          f"{args.threads} thread(s)")
    for m_chi in args.mchi:
        # η yield 1e-3/POT only so that m_chi = 100 MeV (m_A' = 300 MeV, above the π thresholds) has events
        opts = {"dm.m_chi_mev": m_chi, "dm.epsilon": 1e-4, "dm.eta_per_pot": 1e-3}
        t0 = time.perf_counter()
        gen = TruthGenerator(source=SourceConfig(), physics=PhysicsConfig(), material="CsI", mass_kg=14.57,
                             distance_cm=1930.0, n_pot=3.198e23, seed=1, processes=("dm",),
                             n_events=args.events, process_options=opts)
        setup = time.perf_counter() - t0
        buffers = gen.allocate(args.chunk)
        gen.generate(0, min(1000, args.events), out=buffers)  # compile / load the numba cache
        rates = []
        t_start = time.perf_counter()
        for first, n in gen.chunk_ranges(args.chunk):
            t1 = time.perf_counter()
            gen.generate(first, n, out=buffers)
            rates.append(n / (time.perf_counter() - t1))
        total = time.perf_counter() - t_start
        print(f"  m_chi = {m_chi:6g} MeV: set-up {setup:5.2f} s, expected {gen.expected['dm']:.3g} events, "
              f"events/s median {statistics.median(rates):,.0f}, overall {args.events / total:,.0f}")


if __name__ == "__main__":
    main()

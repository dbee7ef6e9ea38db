"""Event-file write speed: N events of typical truth columns, written in chunks.

Usage: PYTHONPATH=. python benchmarks/bench_io.py [N] [--chunk EVENTS] [--compression lzf|gzip|none]
       [--pe-per-event MEAN] [--threads N]

Prints the time, MB/s (uncompressed bytes per second), events per second and the compression
ratio. With ``--pe-per-event`` a jagged column of photoelectron times (Poisson mean per event) is
added. ``--threads`` sets the writer's compression threads (default: one per usable core).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import awkward as ak
import numpy as np

from simcoh.io import Column, EventWriter, open_events

TRUTH = [
    Column("event_id", "int64", "", "event number within the run"),
    Column("process", "int8", "", "interaction process code"),
    Column("flavour", "int8", "", "neutrino flavour code"),
    Column("e_nu_mev", "float64", "MeV", "neutrino energy"),
    Column("t_ns", "float64", "ns", "arrival time after the proton pulse start"),
    Column("isotope", "int16", "", "index of the struck isotope"),
    Column("t_nr_kev", "float64", "keV", "nuclear recoil energy"),
    Column("weight", "float64", "", "event weight"),
    Column("x_cm", "float64", "cm", "interaction x position"),
    Column("y_cm", "float64", "cm", "interaction y position"),
    Column("z_cm", "float64", "cm", "interaction z position"),
]
PE = Column("pe_times_ns", "float32", "ns", "photoelectron arrival times", jagged=True)


def make_chunk(rng: np.random.Generator, first: int, n: int, pe_mean: float) -> dict:
    chunk = {
        "event_id": np.arange(first, first + n, dtype=np.int64),
        "process": rng.integers(0, 3, n).astype(np.int8),
        "flavour": rng.integers(0, 4, n).astype(np.int8),
        "e_nu_mev": rng.uniform(0.0, 52.8, n),
        "t_ns": rng.normal(690.0, 140.0, n) + rng.exponential(2200.0, n),
        "isotope": rng.integers(0, 2, n).astype(np.int16),
        "t_nr_kev": rng.exponential(10.0, n),
        "weight": np.full(n, 1.0e-3),
        "x_cm": rng.uniform(-5.5, 5.5, n),
        "y_cm": rng.uniform(-5.5, 5.5, n),
        "z_cm": rng.uniform(-16.5, 16.5, n),
    }
    if pe_mean > 0:
        counts = rng.poisson(pe_mean, n)
        times = rng.exponential(600.0, counts.sum()).astype(np.float32)
        chunk[PE.name] = ak.unflatten(times, counts)
    return chunk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2_000_000, help="events to write")
    parser.add_argument("--chunk", type=int, default=1_000_000, help="events per appended chunk")
    parser.add_argument("--compression", default="lzf", choices=["lzf", "gzip", "none"])
    parser.add_argument("--pe-per-event", type=float, default=0.0, help="mean PE per event (jagged column)")
    parser.add_argument("--threads", type=int, default=None, help="compression threads (default: usable cores)")
    args = parser.parse_args()
    columns = TRUTH + ([PE] if args.pe_per_event > 0 else [])
    compression = None if args.compression == "none" else args.compression

    rng = np.random.default_rng(1)
    chunks = [make_chunk(rng, i, min(args.chunk, args.n - i), args.pe_per_event) for i in range(0, args.n, args.chunk)]
    raw_bytes = sum(
        ak.to_layout(v).nbytes if isinstance(v, ak.Array) else v.nbytes for c in chunks for v in c.values()
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.h5"
        start = time.perf_counter()
        with EventWriter(path, columns, {"seed": 1}, compression=compression,
                         threads=args.threads) as writer:
            for chunk in chunks:
                writer.append(chunk)
            writer.finish()
        write_s = time.perf_counter() - start
        start = time.perf_counter()
        with open_events(path) as events:
            events.read()
        read_s = time.perf_counter() - start
        size = path.stat().st_size

    print(f"{args.n:,} events, {len(columns)} columns, {len(chunks)} chunk(s), compression {args.compression}, "
          f"{args.threads or 'all usable'} compression thread(s)")
    print(f"write: {write_s:.3f} s  {raw_bytes / write_s / 1e6:8.1f} MB/s  {args.n / write_s:12,.0f} events/s")
    print(f"read:  {read_s:.3f} s  {raw_bytes / read_s / 1e6:8.1f} MB/s  {args.n / read_s:12,.0f} events/s")
    print(f"size:  {size / 1e6:.1f} MB on disk for {raw_bytes / 1e6:.1f} MB of data (ratio {raw_bytes / size:.2f})")


if __name__ == "__main__":
    main()

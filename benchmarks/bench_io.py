"""Event-file write speed, peak memory and size, compression by compression, in the same run.

Usage: PYTHONPATH=. python benchmarks/bench_io.py [N] [--pe-per-event MEAN] [--input FILE] [--threads T]
       [--variants deflate,lzf,none,deflate0,deflate2,deflate3] [--baseline TREE] [--repeat R]
       PYTHONPATH=. python benchmarks/bench_io.py --gil

Each measurement runs in its own subprocess (so its peak memory is its own): it builds the input events, writes
them once to warm up (numba compilation), then writes all N with the writer of a source tree and prints the
time, events/s, MB/s (uncompressed bytes per second), the CPU time of all its threads, the peak resident memory
while writing (above the memory the input already took) and the file size. Rounds run every variant once, so a slow spell of a shared machine
falls on all alike; the median of ``--repeat`` rounds is shown.

Variants: ``deflate`` (the default: shuffle + deflate by ISA-L at the default level), ``deflateL`` (level L),
``zlib`` (deflate by the standard library's zlib, the fallback when isal is missing), ``lzf`` (h5py's LZF
filter run by HDF5), ``none``; and with ``--baseline TREE`` (another checkout, e.g. of the commit before
deflate became the default: ``git worktree add /tmp/prev-io bb31e92``) ``base-lzf``: that tree's writer with its
hand-written parallel LZF encoder, its default then.

``--gil`` instead checks whether the deflate encoders release the GIL: a worker thread makes one long call
(about 30 MB) while the main thread runs Python code and records the longest time it was kept from running; that
is about the call's duration for a call holding the GIL (a pure-Python call is shown for scale), and about the
interpreter's switch interval (5 ms) for one releasing it.

Input: synthetic truth columns (``--pe-per-event`` adds a jagged column of photoelectron times, Poisson mean per
event), or with ``--input FILE`` the columns of an existing event file (for example one written by
``simcoh run macros/quickstart.mac --set run/fidelity=photon``), repeated up to N events.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import awkward as ak
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 1_000_000  # events per append, as a run's default chunk size


def _columns_and_maker(args):
    from simcoh.io import Column

    truth = [
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
    pe = Column("pe_times_ns", "float32", "ns", "photoelectron arrival times", jagged=True)

    def synthetic(rng, first, n):
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
        if args.pe_per_event > 0:
            counts = rng.poisson(args.pe_per_event, n)
            chunk[pe.name] = ak.unflatten(rng.exponential(600.0, counts.sum()).astype(np.float32), counts)
        return chunk

    if not args.input:
        return truth + ([pe] if args.pe_per_event > 0 else []), synthetic

    from simcoh.io import open_events

    with open_events(args.input) as f:
        columns = list(f.columns.values())
        source = {c.name: f.read_column(c.name) for c in columns}
        n_source = f.n_events

    def from_file(rng, first, n):
        start = first % n_source
        idx = (start + np.arange(n)) % n_source
        return {name: values[idx] for name, values in source.items()}

    return columns, from_file


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure_one(args) -> dict:
    """One variant in this process (``--one``): warm-up write, then the timed write."""
    from simcoh.io import EventWriter

    columns, make = _columns_and_maker(args)
    rng = np.random.default_rng(1)
    chunks = [make(rng, i, min(CHUNK, args.n - i)) for i in range(0, args.n, CHUNK)]
    raw_bytes = sum(ak.to_layout(v).nbytes if isinstance(v, ak.Array) else v.nbytes for c in chunks for v in c.values())
    variant = args.one
    options = {"threads": args.threads}
    if variant.startswith("deflate") or variant == "zlib":
        options["compression"] = "gzip" if variant == "zlib" else "deflate"
        if variant[7:]:
            options["compression_level"] = int(variant[7:])
    else:
        options["compression"] = {"lzf": "lzf", "base-lzf": "lzf", "none": None}[variant]
    if variant == "zlib":
        import zlib

        from simcoh.io import codec
        codec._zlib, codec.DEFLATE_LIBRARY = zlib, "zlib"
    with tempfile.TemporaryDirectory(dir=args.scratch) as tmp:
        warm = {k: v[:200_000] for k, v in chunks[0].items()}
        with EventWriter(Path(tmp) / "warm.h5", columns, {"seed": 1}, **options) as w:
            w.append(warm)
            w.finish()
        path = Path(tmp) / "bench.h5"
        rss_before = _rss_kib("VmRSS")
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset the peak resident size (VmHWM) to the current one
        except OSError:
            pass
        cpu0, start = time.process_time(), time.perf_counter()
        with EventWriter(path, columns, {"seed": 1}, **options) as w:
            for chunk in chunks:
                w.append(chunk)
            w.finish()
        write_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu0
        peak = _rss_kib("VmHWM")
        size = path.stat().st_size
    return {"variant": variant, "events": args.n, "write_s": write_s, "cpu_s": cpu_s, "raw_bytes": raw_bytes,
            "size": size, "peak_mib": max(0, peak - rss_before) / 1024}


def gil_probe() -> None:
    import threading
    import zlib

    from simcoh.io.codec import DEFLATE_LIBRARY, deflate, shuffle_bytes

    values = np.sort(np.random.default_rng(1).uniform(0, 15000, 4_000_000))
    data = shuffle_bytes(values.view(np.uint8), 8)

    def longest_stall(call) -> tuple[float, float]:
        done, duration = threading.Event(), [0.0]

        def worker():
            start = time.perf_counter()
            call()
            duration[0] = time.perf_counter() - start
            done.set()

        stall, last = 0.0, time.perf_counter()
        thread = threading.Thread(target=worker)
        thread.start()
        while not done.is_set():
            now = time.perf_counter()
            stall, last = max(stall, now - last), now
        thread.join()
        return duration[0], stall

    calls = {f"simcoh deflate ({DEFLATE_LIBRARY}, level 1)": lambda: deflate(data, 1),
             "zlib.compress, level 1": lambda: zlib.compress(data, 1),
             "pure Python (holds the GIL)": lambda: sum(range(3_000_000))}
    print(f"switch interval {sys.getswitchinterval() * 1e3:.1f} ms; {data.size / 1e6:.0f} MB per call")
    for name, call in calls.items():
        longest_stall(call)  # warm up
        duration, stall = longest_stall(call)
        print(f"{name:34s} call {duration * 1e3:7.1f} ms   longest stall of the main thread {stall * 1e3:6.1f} ms")


def run_variant(args, variant: str) -> dict:
    tree = Path(args.baseline) if variant.startswith("base-") else ROOT
    cmd = [sys.executable, str(Path(__file__).resolve()), str(args.n), "--one", variant, "--threads",
           str(args.threads), "--pe-per-event", str(args.pe_per_event), "--scratch", args.scratch]
    if args.input:
        cmd += ["--input", str(Path(args.input).resolve())]
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_NUM_THREADS=str(args.threads))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{variant} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=4_000_000, help="events to write")
    parser.add_argument("--pe-per-event", type=float, default=0.0, help="mean PE per event (jagged column)")
    parser.add_argument("--input", help="take the events of this event file (repeated up to N)")
    parser.add_argument("--threads", type=int, default=2, help="compression threads (default 2)")
    parser.add_argument("--variants", default="deflate,lzf,none", help="comma-separated (see above)")
    parser.add_argument("--baseline", help="another source tree: adds its LZF writer as base-lzf")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median shown)")
    parser.add_argument("--scratch", default=tempfile.gettempdir(), help="directory for the files written")
    parser.add_argument("--gil", action="store_true", help="only check whether the encoders release the GIL")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gil:
        gil_probe()
        return
    if args.one:
        print(json.dumps(measure_one(args)))
        return
    variants = args.variants.split(",") + (["base-lzf"] if args.baseline else [])
    results: dict[str, list[dict]] = {v: [] for v in variants}
    for round_ in range(args.repeat):
        order = variants if round_ % 2 == 0 else variants[::-1]
        for v in order:
            results[v].append(run_variant(args, v))
    source = args.input or ("synthetic truth" + (f" + {args.pe_per_event:g} PE/event" if args.pe_per_event else ""))
    print(f"{args.n:,} events ({source}), {args.threads} compression thread(s), median of {args.repeat} round(s)")
    print(f"{'variant':10s} {'write s':>8s} {'best s':>7s} {'events/s':>12s} {'MB/s':>7s} {'cpu s':>6s} "
          f"{'peak MiB':>9s} {'size MB':>8s} {'ratio':>6s}")
    for v, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in ("write_s", "cpu_s", "size", "peak_mib")}
        best = min(r["write_s"] for r in rows)
        raw = rows[0]["raw_bytes"]
        print(f"{v:10s} {med['write_s']:8.3f} {best:7.3f} {args.n / med['write_s']:12,.0f} "
              f"{raw / med['write_s'] / 1e6:7.1f} {med['cpu_s']:6.2f} {med['peak_mib']:9.1f} {med['size'] / 1e6:8.1f} "
              f"{raw / med['size']:6.2f}")
    print("write s, events/s, MB/s, cpu s (CPU time of all threads), peak MiB: medians; best s: the fastest round. "
          "MB/s counts uncompressed bytes; peak MiB is the resident memory the write added to the input's.")

if __name__ == "__main__":
    main()

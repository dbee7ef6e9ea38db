"""Benchmark of waveform rendering + reconstruction + cuts (simcoh.daq, simcoh.reco) for CsI[Na] windows.

One window = 40 µs pretrace + 15 µs ROI at 250 MS/s (13,750 int16 samples), csi-2021 geometry: a CEvNS
nuclear recoil on ¹³³Cs (E_nr from the stopped-pion recoil spectrum of bench_photon.py, 2021 quenching,
13.35 PE/keVee, [scintillation], [spe]) at a time uniform in the ROI, plus the csi-2021 afterglow
(49.4 kHz), built by simcoh.response.photon_response. Timed per chunk: rendering (noise + pulses + ADC),
reconstruction (baseline, pulses, onset, integrated PE) and the cuts; the photon generation is timed
separately. Chunks reuse one int16 buffer, so memory stays flat with run length.

Usage: python benchmarks/bench_waveform.py [--windows N] [--chunk N]
(runs exact and fast noise on 1 and 2 threads, each in its own process with NUMBA_NUM_THREADS set)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def run(n_windows: int, chunk: int, mode: str) -> dict:
    import tracemalloc

    import numba

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_photon import cevns_recoil_sampler

    from simcoh.daq import Digitizer
    from simcoh.detector import load_geometry
    from simcoh.reco import apply_cuts, cut_set, reco_params, reconstruct
    from simcoh.response import Polynomial, photon_response, spe_section, window_length_ns
    from simcoh.rng import stage_key

    det = load_geometry("csi-2021")
    dig = Digitizer(det, 1, noise_mode=mode)
    params, cuts = reco_params(det), cut_set(det)
    quench, light, scint, spe, ag = (Polynomial(det.quenching.coefficients), det.light, det.scintillation,
                                     spe_section(det), det.afterglow)
    windows = det.windows
    keys = stage_key(1, "bench.signal"), stage_key(1, "bench.afterglow")
    sampler = cevns_recoil_sampler()
    rng = np.random.default_rng(12345)
    buffer = np.empty((chunk, dig.spec.n_samples), np.int16)

    def one_chunk(first: int, n: int):
        e_ee = quench.e_ee_kev(sampler(rng.random(n)))
        t0 = time.perf_counter()
        pe = photon_response(e_ee, rng.uniform(0, windows.roi_ns, n), *keys, light=light, scint=scint, spe=spe,
                             afterglow=ag, pretrace_ns=windows.pretrace_ns, window_ns=window_length_ns(windows),
                             event_index=np.arange(first, first + n), is_nr=True)
        t1 = time.perf_counter()
        wf = dig.render(pe, out=buffer[:n])
        reco = reconstruct(wf.samples, params)
        flags = apply_cuts(reco, cuts)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, int(flags["selected"].sum()), int(pe.offsets[-1])

    one_chunk(0, min(chunk, 500))  # compile / load the numba cache
    tracemalloc.start()
    t_pe = t_wf = 0.0
    done = selected = n_pe = 0
    while done < n_windows:
        n = min(chunk, n_windows - done)
        a, b, s, p = one_chunk(done, n)
        t_pe, t_wf, selected, n_pe, done = t_pe + a, t_wf + b, selected + s, n_pe + p, done + n
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"mode": mode, "threads": numba.get_num_threads(), "windows": n_windows, "chunk": chunk,
            "windows_per_s": n_windows / t_wf, "with_pe_windows_per_s": n_windows / (t_wf + t_pe),
            "pe_per_window": n_pe / n_windows, "selected_fraction": selected / n_windows,
            "peak_traced_mib": traced_peak / 2**20,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--windows", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=2_000)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(run(args.windows, args.chunk, args.worker)))
        return
    results = {}
    for mode in ("gaussian", "gaussian_fast"):
        for threads in (1, 2):
            env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
            out = subprocess.run([sys.executable, __file__, "--worker", mode, "--windows", str(args.windows),
                                  "--chunk", str(args.chunk)], env=env, check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[mode, threads] = r
            print(f"{mode:13s} threads={threads}  {r['windows_per_s']:9,.0f} windows/s render+reco+cuts "
                  f"({r['with_pe_windows_per_s']:,.0f} with photon generation; {r['pe_per_window']:.1f} PE/window, "
                  f"{r['selected_fraction']:.3f} selected)  peak traced {r['peak_traced_mib']:.0f} MiB, "
                  f"peak RSS {r['peak_rss_mib']:.0f} MiB")
    for mode in ("gaussian", "gaussian_fast"):
        print(f"{mode}: speed-up on 2 threads {results[mode, 2]['windows_per_s'] / results[mode, 1]['windows_per_s']:.2f}x")


if __name__ == "__main__":
    main()

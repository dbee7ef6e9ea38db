"""Benchmark of the photon-mode response (simcoh.response.photon_response) for CsI[Na] CEvNS-like events.

Events: nuclear recoils on ¹³³Cs with E_nr drawn (outside the timed region) from the flux-averaged
CEvNS recoil spectrum of a stopped-pion source on 0–15 keVnr (shape only: prompt νμ line at 29.79 MeV
plus the νe and ν̄μ Michel spectra, vector cross section ∝ M [1 − M T/(2Eν²)] F²(q) with the Helm form
factor; formulas of PHYSICS.md §1–2). Response: CsI[Na] 2021 quenching polynomial, 13.35 PE/keVee,
Poisson PE, 0.6 µs scintillation, Gamma SPE (relative width 0.542), afterglow on with an
ILLUSTRATIVE rate (0.05 PE/µs mean, gamma-distributed with shape 2, 5 % bright waveforms ×10; not a
published value), recoil arrival times uniform in the 15 µs ROI. Timed: quenching + PE counts, times,
charges, afterglow and the merged per-event list, chunk by chunk (global event indices), so memory
stays flat with run length.

Usage: python benchmarks/bench_photon.py [--events N] [--chunk N]   (runs 1 and 2 threads, each in
its own process with NUMBA_NUM_THREADS set, and prints events/s and peak memory)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def cevns_recoil_sampler(t_max_kev: float = 15.0, n_grid: int = 3001):
    """Inverse-CDF table of the stopped-pion CEvNS recoil spectrum on ¹³³Cs (shape only)."""
    m_mu, m_pi = 105.6583755, 139.57039  # MeV, PDG
    a_mass, hbarc = 133, 197.3269804  # mass number, MeV fm
    m_nuc = 132.905451961 * 931.49410242  # MeV (AME2020 atomic mass of 133Cs; electrons negligible here)
    e_prompt = (m_pi**2 - m_mu**2) / (2 * m_pi)
    e_nu = np.linspace(0.01, m_mu / 2, 2000)
    x = e_nu / m_mu
    michel = (192 / m_mu) * x**2 * (0.5 - x) + (64 / m_mu) * x**2 * (0.75 - x)  # νe + ν̄μ
    t_mev = np.linspace(1e-6, t_max_kev, n_grid) * 1e-3
    q = np.sqrt(2 * m_nuc * t_mev + t_mev**2) / hbarc  # fm^-1
    s = 0.9
    c = 1.23 * a_mass ** (1 / 3) - 0.60
    r0 = np.sqrt(c**2 + 7 / 3 * np.pi**2 * 0.52**2 - 5 * s**2)
    qr = q * r0
    j1 = np.sin(qr) / qr**2 - np.cos(qr) / qr
    ff2 = (3 * j1 / qr * np.exp(-(q * s) ** 2 / 2)) ** 2

    def kin(e):
        return np.clip(1 - m_nuc * t_mev[:, None] / (2 * e**2), 0, None)

    rate = ff2 * (kin(np.array([e_prompt]))[:, 0] + np.trapezoid(kin(e_nu) * michel, e_nu, axis=1))
    cdf = np.concatenate(([0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(t_mev))))
    cdf /= cdf[-1]
    return lambda u: np.interp(u, cdf, t_mev * 1e3)


def run(n_events: int, chunk: int) -> dict:
    import tracemalloc

    import numba

    from simcoh.detector.model import default_section
    from simcoh.response import Polynomial, build_spe_table, photon_response
    from simcoh.rng import stage_key

    # CsI[Na] 2021 numbers (arXiv:2110.07730): 13.35 PE/keVee, one ~0.6 us decay, 40 us + 15 us window
    quench = Polynomial.csi_2021()
    light = default_section("light", yield_pe_per_kev=13.35)
    scint = default_section("scintillation", tau_ns=(600.0,), fractions=(1.0,))
    table = build_spe_table(default_section("spe", model="gamma", mean=1.0, relative_width=0.542))
    afterglow = default_section("afterglow", model="poisson", rate_per_ns=0.05e-3, rate_distribution="gamma",
                                rate_shape=2.0, bright_probability=0.05, bright_factor=10.0)
    windows = default_section("windows", pretrace_ns=40_000.0, roi_ns=15_000.0, integration_ns=3_000.0)
    k_sig, k_ag = stage_key(1, "response.photon"), stage_key(1, "response.afterglow")
    sampler = cevns_recoil_sampler()
    rng = np.random.default_rng(12345)

    def one_chunk(first: int, n: int):
        t_nr = sampler(rng.random(n))
        t_arrival = rng.uniform(0.0, windows.roi_ns, n)
        idx = np.arange(first, first + n, dtype=np.int64)
        t0 = time.perf_counter()
        e_ee = quench.e_ee_kev(t_nr)
        pe = photon_response(e_ee, t_arrival, k_sig, k_ag, light=light, scint=scint, spe=table,
                             afterglow=afterglow, pretrace_ns=windows.pretrace_ns,
                             window_ns=windows.pretrace_ns + windows.roi_ns, event_index=idx, is_nr=True)
        return time.perf_counter() - t0, int(pe.offsets[-1])

    one_chunk(0, 1000)  # compile / load the numba cache
    elapsed, n_pe, done = 0.0, 0, 0
    while done < n_events:  # timed pass (tracemalloc off: it would tax every allocation)
        n = min(chunk, n_events - done)
        dt, npe = one_chunk(done, n)
        elapsed += dt
        n_pe += npe
        done += n
    traced = []  # memory pass: peak traced allocations for 4 and for 12 chunks (flat if equal)
    for n_chunks in (4, 12):
        tracemalloc.start()
        for k in range(n_chunks):
            one_chunk(k * chunk, chunk)
        traced.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    traced_peak = traced[-1] * 2**20
    return {
        "traced_4_12_mib": traced,
        "threads": numba.get_num_threads(),
        "events": n_events,
        "chunk": chunk,
        "events_per_s": n_events / elapsed,
        "pe_per_event": n_pe / n_events,
        "peak_traced_mib": traced_peak / 2**20,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=250_000)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(run(args.events, args.chunk)))
        return
    results = []
    for threads in (1, 2):
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
        out = subprocess.run([sys.executable, __file__, "--worker", "--events", str(args.events), "--chunk",
                              str(args.chunk)], env=env, check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for r in results:
        print(f"threads={r['threads']}  {r['events_per_s']:,.0f} events/s  ({r['pe_per_event']:.2f} PE/event, "
              f"chunk {r['chunk']:,}, {r['events']:,} events)  peak traced {r['traced_4_12_mib'][0]:.1f} MiB "
              f"over 4 chunks, {r['traced_4_12_mib'][1]:.1f} MiB over 12, peak RSS {r['peak_rss_mib']:.0f} MiB")
    print(f"speed-up on 2 threads: {results[1]['events_per_s'] / results[0]['events_per_s']:.2f}x")


if __name__ == "__main__":
    main()

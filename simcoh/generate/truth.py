"""Truth-level event generation: which process, flavour, Eν, arrival time, isotope and recoil energy.

Two modes (config.RUN_MODES):
- fixed: exactly ``n_events`` events; each carries ``weight`` = expected events for the exposure / n_events.
- physical: the number of events is Poisson-distributed around the expectation for the exposure; weight 1.

Event ``i`` (a global index, 0 ≤ i < n_events) first picks its process from the stream of stage
"truth.process" in proportion to the expected counts, then the process fills it from its own stream; so any
chunking, thread count or sharding gives identical events, and a single event can be replayed.
"""

from __future__ import annotations

import math

import zlib

import numba as nb
import numpy as np

from ..config import FLAVOURS, RunConfig
from ..errors import InputError
from ..physics.nuclei import material_isotopes
from ..rng import draw_uniform, stage_key, stream_start
from .process import BuildContext
from .registry import PROCESS_CODES, build_process

FLAVOUR_CODES = {f: i for i, f in enumerate(FLAVOURS)}  # -1: not a neutrino

#: (name, dtype, unit, description) of the truth columns, in file order.
TRUTH_COLUMNS = [
    ("event_id", "int64", "", "global event index; with the run seed it identifies the random streams"),
    ("process", "int8", "", "interaction process code: "
     + ", ".join(f"{code} {name}" for name, code in PROCESS_CODES.items())),
    ("flavour", "int8", "", "neutrino flavour code: 0 nu_e, 1 nu_mu, 2 nu_mu_bar, 3 nu_e_bar; -1 none"),
    ("isotope", "int16", "", "index of the struck isotope in the run's isotope list (provenance 'isotopes'); -1 none"),
    ("e_nu_mev", "float64", "MeV", "energy of the incoming particle (neutrino, neutron or dark-matter χ)"),
    ("t_ns", "float64", "ns", "arrival time relative to the proton-pulse time origin"),
    ("t_nr_kev", "float64", "keV", "nuclear recoil kinetic energy"),
    ("weight", "float64", "events", "expected events represented by this event (1 in physical mode)"),
]


@nb.njit(nogil=True, cache=True)
def _pick_processes(key, first, n, cum, codes, out):
    for j in range(n):
        s = stream_start(key, first + j)
        s, u = draw_uniform(s)
        k = 0
        while k < cum.shape[0] - 1 and u >= cum[k]:
            k += 1
        out[j] = codes[k]


def check_expected_count(total: float, expected: dict) -> None:
    """The expected number of events must be a finite count a run can hold (a Poisson draw of more than ~1e19
    fails, and 1e15 events are 10 PB): each input has a physical range, but their product may still be absurd."""
    from ..config import MAX_EVENTS

    if not (math.isfinite(total) and total <= MAX_EVENTS):
        detail = ", ".join(f"{name} {value:.3g}" for name, value in expected.items())
        raise InputError(f"the run expects {total:.3g} events ({detail}), more than the {MAX_EVENTS:g} a run can hold",
                         ) from None


class TruthGenerator:
    """Builds the processes of a run once, then generates any range of events."""

    def __init__(self, *, source, physics, material: str, mass_kg: float, distance_cm: float, n_pot: float,
                 seed: int, processes=("cevns",), mode: str = "fixed", n_events: int = 0,
                 recoil_min_kev: float = 0.0, fiducial_fraction: float = 1.0, detector=None,
                 process_options=None):
        if mass_kg <= 0:
            raise InputError(f"target mass {mass_kg} kg must be positive")
        if distance_cm <= 0:
            raise InputError(f"distance {distance_cm} cm must be positive")
        if not processes:
            raise InputError("no process enabled: enable at least one with /process/enable")
        self.seed = int(seed)
        self.mode = mode
        target = material_isotopes(material)
        self.isotopes = [t.isotope for t in target]
        ctx = BuildContext(
            seed=self.seed, source=source, physics=physics, material=material, target_isotopes=target,
            isotope_index={iso.name: i for i, iso in enumerate(self.isotopes)}, n_pot=n_pot,
            distance_cm=distance_cm, target_mass_kg=mass_kg * fiducial_fraction,
            recoil_min_mev=recoil_min_kev * 1e-3, detector=detector, options=dict(process_options or {}),
        )
        self.processes = {name: build_process(name, ctx) for name in processes}
        self.expected = {name: p.expected for name, p in self.processes.items()}
        total = sum(self.expected.values())
        check_expected_count(total, self.expected)
        rates = np.array([self.expected[n] for n in processes], float)
        if rates.sum() <= 0:  # no exposure: template runs mix processes by their per-POT rates
            rates = np.array([getattr(self.processes[n], "relative_rate", 1.0) for n in processes], float)
        if rates.sum() <= 0:  # no process can occur (e.g. closed dark-matter channels): equal mix, zero weights
            rates = np.ones(len(processes))
        self._cum = np.cumsum(rates) / rates.sum()
        self._codes = np.array([PROCESS_CODES[n] for n in processes], np.int8)
        if mode == "physical":
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
                self.seed, spawn_key=(zlib.crc32(b"run.count"),))))
            self.n_events = int(rng.poisson(total))
            self.weight = 1.0
        else:
            self.n_events = int(n_events)
            self.weight = total / n_events if n_events > 0 else 0.0
        # one column per name: several processes may share one (brn/nin templates and ss all fill pe_template)
        self.extra_columns = list({c[0]: c for p in self.processes.values() for c in p.extra_columns}.values())

    @classmethod
    def from_run_config(cls, cfg: RunConfig) -> "TruthGenerator":
        t = cfg.detector.target
        return cls(source=cfg.source, physics=cfg.physics, material=t.material, mass_kg=t.mass_kg,
                   distance_cm=t.distance_cm, n_pot=cfg.exposure_pot, seed=cfg.seed, processes=cfg.processes,
                   mode=cfg.mode, n_events=cfg.n_events, recoil_min_kev=cfg.recoil_min_kev,
                   fiducial_fraction=t.fiducial_fraction, detector=cfg.detector,
                   process_options=dict(cfg.process_options))

    @property
    def isotope_names(self) -> list[str]:
        return [i.name for i in self.isotopes]

    @property
    def columns(self) -> list[tuple]:
        return TRUTH_COLUMNS + [c[:4] for c in self.extra_columns]

    def allocate(self, n: int) -> dict[str, np.ndarray]:
        """Empty truth buffers for up to ``n`` events (reuse them across chunks with ``generate(out=...)``)."""
        return {name: np.empty(n, dtype) for name, dtype, *_ in self.columns}

    def generate(self, first: int, n: int, out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Truth arrays of events [first, first + n). With ``out`` (from :meth:`allocate`), the arrays are
        written into those buffers and views of length n are returned."""
        if first < 0 or n < 0 or first + n > self.n_events:
            raise ValueError(f"event range [{first}, {first + n}) outside [0, {self.n_events})")
        buffers = self.allocate(n) if out is None else out
        out = {k: v[:n] for k, v in buffers.items()}
        out["event_id"][:] = np.arange(first, first + n, dtype=np.int64)
        out["weight"][:] = self.weight
        for name, _dtype, _unit, _doc, fill in self.extra_columns:
            out[name][:] = fill
        if len(self.processes) == 1:
            (name, proc), = self.processes.items()
            out["process"][:] = PROCESS_CODES[name]
            proc.sample(self.seed, out["event_id"], out)
            return out
        _pick_processes(stage_key(self.seed, "truth.process"), first, n, self._cum, self._codes, out["process"])
        for name, proc in self.processes.items():
            idx = np.flatnonzero(out["process"] == PROCESS_CODES[name])
            if len(idx) == 0:
                continue
            sub = {k: v[idx] for k, v in out.items()}
            proc.sample(self.seed, sub["event_id"], sub)
            for k, v in sub.items():
                out[k][idx] = v
        return out

    def chunk_ranges(self, chunk_size: int, first: int = 0, stop: int | None = None):
        """(first, n) of consecutive chunks covering events [first, stop)."""
        stop = self.n_events if stop is None else stop
        for start in range(first, stop, chunk_size):
            yield start, min(chunk_size, stop - start)

"""Truth-level event generation: which process, flavour, Eν, arrival time, isotope and recoil energy.

Two modes (config.RUN_MODES):
- fixed: exactly ``n_events`` events; each carries ``weight`` = expected events for the exposure / n_events.
- physical: the number of events is Poisson-distributed around the expectation for the exposure; weight 1.

Event ``i`` (a global index, 0 ≤ i < n_events) is generated from its own random stream, so any chunking,
thread count or sharding gives identical events, and a single event can be replayed.
"""

from __future__ import annotations

import zlib

import numpy as np

from ..config import FLAVOURS, RunConfig
from ..errors import InputError
from ..physics.nuclei import material_isotopes
from ..rng import stage_key
from ..source.spectra import make_source
from ..source.timing import EMISSION_TABLE, make_pulse
from .cevns import build_cevns
from .kernels import sample_cevns

PROCESS_CODES = {"cevns": 0, "brn": 1, "nin": 2, "ss": 3, "dm": 4}
FLAVOUR_CODES = {f: i for i, f in enumerate(FLAVOURS)}  # -1: not a neutrino

#: (name, dtype, unit, description) of the truth columns, in file order.
TRUTH_COLUMNS = [
    ("event_id", "int64", "", "global event index; with the run seed it identifies the random stream"),
    ("process", "int8", "", "interaction process code (see attrs/provenance: 0 cevns, 1 brn, 2 nin, 3 ss, 4 dm)"),
    ("flavour", "int8", "", "neutrino flavour code (0 nu_e, 1 nu_mu, 2 nu_mu_bar, 3 nu_e_bar; -1 none)"),
    ("isotope", "int16", "", "index of the struck isotope in the run's isotope list (provenance 'isotopes')"),
    ("e_nu_mev", "float64", "MeV", "incoming neutrino energy"),
    ("t_ns", "float64", "ns", "arrival time relative to the proton-pulse time origin"),
    ("t_nr_kev", "float64", "keV", "nuclear recoil kinetic energy"),
    ("weight", "float64", "events", "expected events represented by this event (1 in physical mode)"),
]


class TruthGenerator:
    """Builds the process tables of a run once, then generates any range of events."""

    def __init__(self, *, source, physics, material: str, mass_kg: float, distance_cm: float, n_pot: float,
                 seed: int, processes=("cevns",), mode: str = "fixed", n_events: int = 0,
                 recoil_min_kev: float = 0.0, fiducial_fraction: float = 1.0):
        if mass_kg <= 0:
            raise InputError(f"target mass {mass_kg} kg must be positive")
        if distance_cm <= 0:
            raise InputError(f"distance {distance_cm} cm must be positive")
        unsupported = [p for p in processes if p != "cevns"]
        if unsupported:
            raise InputError(f"process(es) {', '.join(unsupported)} are not implemented yet; only cevns is")
        self.seed = int(seed)
        self.mode = mode
        self.source_config = source
        self.distance_cm = distance_cm
        self.n_pot = n_pot
        self.target = material_isotopes(material)
        self.isotopes = [t.isotope for t in self.target]
        index = {iso.name: i for i, iso in enumerate(self.isotopes)}
        self.target_mass_kg = mass_kg * fiducial_fraction
        # With no exposure (fixed-N template runs) the channel mix is still needed: build it per POT.
        scale_pot = n_pot if n_pot > 0 else 1.0
        self.cevns = build_cevns(make_source(source), physics, self.target, index, scale_pot, distance_cm,
                                 self.target_mass_kg, recoil_min_kev * 1e-3)
        per_pot = 1.0 if n_pot > 0 else 0.0
        self.expected = {"cevns": self.cevns.expected * per_pot}
        self.recoil_min_mev = recoil_min_kev * 1e-3
        self._pack(make_pulse(source))
        total = sum(self.expected.values())
        if mode == "physical":
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
                self.seed, spawn_key=(zlib.crc32(b"run.count"),))))
            self.n_events = int(rng.poisson(total))
            self.weight = 1.0
        else:
            self.n_events = int(n_events)
            self.weight = total / n_events if n_events > 0 else 0.0
        self._key = stage_key(self.seed, "truth.cevns")

    @classmethod
    def from_run_config(cls, cfg: RunConfig) -> "TruthGenerator":
        t = cfg.detector.target
        return cls(source=cfg.source, physics=cfg.physics, material=t.material, mass_kg=t.mass_kg,
                   distance_cm=t.distance_cm, n_pot=cfg.exposure_pot, seed=cfg.seed, processes=cfg.processes,
                   mode=cfg.mode, n_events=cfg.n_events, recoil_min_kev=cfg.recoil_min_kev,
                   fiducial_fraction=getattr(t, "fiducial_fraction", 1.0))

    def _pack(self, pulse):
        ch = self.cevns.channels
        rates = np.array([c.expected for c in ch])
        if rates.sum() <= 0:
            raise InputError("no CEvNS events are possible: every channel has zero cross section above the "
                             "minimum recoil energy")
        self._cum = np.cumsum(rates) / rates.sum()
        self._params = np.stack([c.params for c in ch])
        width = max(len(c.energy_table_mev) for c in ch)
        self._etables = np.stack([np.interp(np.linspace(0, 1, width), np.linspace(0, 1, len(c.energy_table_mev)),
                                            c.energy_table_mev) for c in ch])
        self._flavour = np.array([FLAVOUR_CODES[c.flavour] for c in ch], np.int8)
        self._isotope = np.array([c.isotope_index for c in ch], np.int16)
        self._ekind = np.array([c.spectrum.emission.kind for c in ch], np.int64)
        twidth = max(len(c.spectrum.emission.table_ns) for c in ch)
        self._etime = np.stack([c.spectrum.emission.table_ns if c.spectrum.emission.kind == EMISSION_TABLE
                                else np.zeros(twidth) for c in ch])
        self._pulse = pulse

    @property
    def isotope_names(self) -> list[str]:
        return [i.name for i in self.isotopes]

    def allocate(self, n: int) -> dict[str, np.ndarray]:
        """Empty truth buffers for up to ``n`` events (reuse them across chunks with ``generate(out=...)``)."""
        return {name: np.empty(n, dtype) for name, dtype, _unit, _doc in TRUTH_COLUMNS}

    def generate(self, first: int, n: int, out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Truth arrays of events [first, first + n). With ``out`` (from :meth:`allocate`), the arrays are
        written into those buffers and views of length n are returned."""
        if first < 0 or n < 0 or first + n > self.n_events:
            raise ValueError(f"event range [{first}, {first + n}) outside [0, {self.n_events})")
        buffers = self.allocate(n) if out is None else out
        out = {k: v[:n] for k, v in buffers.items()}
        ids = out["event_id"]
        ids[:] = np.arange(first, first + n, dtype=np.int64)
        out["process"][:] = PROCESS_CODES["cevns"]
        out["weight"][:] = self.weight
        p = self._pulse
        sample_cevns(self._key, ids, self._cum, self._params, self._etables, self._flavour, self._isotope,
                     self._ekind, self._etime, p.kind, p.mean_ns, p.sigma_ns, p.table_ns, self.distance_cm,
                     self.source_config.include_flight_time, self.recoil_min_mev,
                     out["flavour"], out["isotope"], out["e_nu_mev"], out["t_ns"], out["t_nr_kev"])
        return out

    def chunk_ranges(self, chunk_size: int, first: int = 0, stop: int | None = None):
        """(first, n) of consecutive chunks covering events [first, stop)."""
        stop = self.n_events if stop is None else stop
        for start in range(first, stop, chunk_size):
            yield start, min(chunk_size, stop - start)

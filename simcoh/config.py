"""Typed, frozen configuration of a run. Macros, geometry files and the Python API all build these
objects; nothing else carries configuration.

All values are in internal units named in the field (``*_ns``, ``*_cm``, ``*_mev``, ``*_kev``,
``*_kg``). ``to_dict()`` gives the canonical JSON-able form stored in event files and hashed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .units import suggest

FLAVOURS = ("nu_e", "nu_mu", "nu_mu_bar", "nu_e_bar")
FORM_FACTORS = ("helm", "klein_nystrand", "none")
COUPLINGS = ("tree", "radiative")
SOURCE_MODELS = ("analytic", "geant4")
PULSE_SHAPES = ("gaussian", "table", "delta")
FIDELITIES = ("truth", "parametric", "photon", "waveform")
PROCESSES = ("cevns", "brn", "nin", "ss", "dm")
RUN_MODES = ("fixed", "physical")
COMPRESSIONS = ("lzf", "gzip", "none")


def check_choice(name: str, value: str, allowed) -> None:
    """Raise a clear InputError if ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise InputError(
            f"{name}: '{value}' is not allowed; choose one of {', '.join(allowed)}{suggest(value, allowed)}"
        )


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    if not (value > 0 or (allow_zero and value == 0)):
        raise InputError(f"{name}: {value!r} must be {'non-negative' if allow_zero else 'positive'}")


@dataclass(frozen=True)
class SourceConfig:
    """Stopped-pion neutrino source (PHYSICS.md §1).

    A run on a detector takes these from the detector's data set first (the ``[beam]`` section of its geometry
    file, :mod:`simcoh.detector.dataset`), then from the macro (``/source/...``). The defaults here are the
    generic fallback for a geometry without ``[beam]``: 0.0848 ν per flavour per POT (COHERENT flux paper,
    arXiv:2109.11049), 1 GeV protons (SNS nominal), and a Gaussian proton pulse of σ = 140 ns at 690 ns, which
    reproduces the CsI 2017 released arrival-time PDFs (arXiv:1804.09459) when convolved with the π and μ
    lifetimes. In that time frame the neutrino flight time is absorbed in the pulse mean, so
    ``include_flight_time`` is off by default; switch it on (and give the proton-on-target pulse mean) for
    absolute times.
    """

    model: str = "analytic"  # "analytic" (πDAR spectra) or "geant4" (SNS Geant4 histograms)
    nu_per_flavour_per_pot: float = 0.0848
    proton_energy_mev: float = 1000.0
    pulse_shape: str = "gaussian"  # gaussian | table | delta
    pulse_mean_ns: float = 690.0
    pulse_sigma_ns: float = 140.0
    pulse_table: str | None = None  # path of a two-column (t_ns, weight) table for pulse_shape="table"
    include_flight_time: bool = False  # add the neutrino flight time L/c to arrival times

    def __post_init__(self):
        check_choice("source model", self.model, SOURCE_MODELS)
        check_choice("pulse shape", self.pulse_shape, PULSE_SHAPES)
        check_positive("neutrinos per flavour per POT", self.nu_per_flavour_per_pot)
        check_positive("proton energy", self.proton_energy_mev)
        check_positive("pulse sigma", self.pulse_sigma_ns, allow_zero=True)
        if self.pulse_shape == "table" and not self.pulse_table:
            raise InputError("pulse shape 'table' needs a pulse table file (/source/pulse/table PATH)")


@dataclass(frozen=True)
class PhysicsConfig:
    """CEvNS model choices (PHYSICS.md §2), each an option with a documented default.

    - form_factor: Helm (Lewin & Smith, Astropart. Phys. 6, 87 (1996)) by default;
      Klein–Nystrand (PRC 60, 014903 (1999)); or none.
    - couplings: "radiative" (default) uses the PDG radiatively corrected g_p^V = 0.0298,
      g_n^V = -0.5117; "tree" uses g_p = 1/2 - 2 sin²θ_W, g_n = -1/2.
    - charge_radius: flavour-dependent neutrino charge-radius terms (PHYSICS.md §2, the "Giunti" set:
      +0.0212 νe, +0.0123 νμ, +0.0077 ντ on g_p^V). The PDG value 0.0298 is the νμ coupling and already
      holds the νμ charge radius, so simcoh adds the difference to νμ: g_p(νe) = 0.0298 + 0.0089 = 0.0387,
      g_p(νμ) = 0.0298 (Cadeddu et al., PRD 98, 113010 (2018), arXiv:1810.05606, quote 0.0401 and 0.0318).
      On by default. CsI flux-averaged cross section (Helm): 191.1 × 10⁻⁴⁰ cm² with it, 192.6 without,
      187.4 at tree level (sin²θ_W = 0.23857); published 189 ± 6.
    - nsi: quark-level vector NSI ε^{q}_{αβ}, keys like "u_ee", "d_emu" (Barranco et al.,
      JHEP 12 (2005) 021).
    - magnetic_moment_mu_b: effective neutrino magnetic moment in Bohr magnetons.
    """

    form_factor: str = "helm"
    couplings: str = "radiative"
    sin2_theta_w: float = 0.23857
    charge_radius: bool = True
    axial: bool = True
    helm_skin_fm: float = 0.9
    neutron_rms_radius_fm: float | None = None  # if set, Helm R0 = sqrt(5/3 r_n^2 - 5 s^2)
    kn_range_fm: float = 0.7
    nsi: tuple[tuple[str, float], ...] = ()
    magnetic_moment_mu_b: float = 0.0

    def __post_init__(self):
        check_choice("form factor", self.form_factor, FORM_FACTORS)
        check_choice("couplings", self.couplings, COUPLINGS)
        if not 0.0 < self.sin2_theta_w < 1.0:
            raise InputError(f"sin2 theta_W: {self.sin2_theta_w} must lie between 0 and 1")
        check_positive("Helm skin thickness", self.helm_skin_fm)
        for key, _ in self.nsi:
            parse_nsi_key(key)

    def nsi_dict(self) -> dict[str, float]:
        return dict(self.nsi)


_NSI_FLAVOURS = ("e", "mu", "tau")


def parse_nsi_key(key: str) -> tuple[str, str, str]:
    """Split an NSI key ``'u_emu'`` into ('u', 'e', 'mu'); raise InputError if malformed."""
    ok = False
    if "_" in key:
        quark, pair = key.split("_", 1)
        if quark in ("u", "d"):
            for a in _NSI_FLAVOURS:
                if pair.startswith(a) and pair[len(a):] in _NSI_FLAVOURS:
                    return quark, a, pair[len(a):]
    if not ok:
        raise InputError(
            f"NSI parameter '{key}' is not of the form QUARK_ALPHABETA with QUARK in u, d and "
            f"ALPHA, BETA in e, mu, tau (for example u_ee, d_emu)"
        )


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run. ``detector`` is a :class:`simcoh.detector.DetectorConfig`."""

    detector: Any
    source: SourceConfig = field(default_factory=SourceConfig)
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)
    processes: tuple[str, ...] = ("cevns",)
    exposure_pot: float = 0.0
    fidelity: str = "truth"
    mode: str = "fixed"  # fixed: n_events with weights; physical: Poisson(expected)
    n_events: int = 0
    seed: int = 0
    chunk_size: int = 1_000_000
    recoil_min_kev: float = 0.0  # lowest recoil energy generated (needed > 0 with a magnetic moment)
    output_file: str = "simcoh_events.h5"
    overwrite: bool = False
    process_options: tuple[tuple[str, Any], ...] = ()  # per-process parameters (/process/<name>/...)
    ac_window: bool = False  # waveform fidelity: also an anti-coincident window per trigger
    store_waveforms: bool = True  # waveform fidelity: write the int16 samples
    compression: str = "lzf"  # event-file compression: lzf (fast), gzip (small), none (fastest writing)

    def __post_init__(self):
        for p in self.processes:
            check_choice("process", p, PROCESSES)
        check_choice("fidelity", self.fidelity, FIDELITIES)
        check_choice("run mode", self.mode, RUN_MODES)
        check_choice("compression", self.compression, COMPRESSIONS)
        check_positive("exposure", self.exposure_pot, allow_zero=self.mode == "fixed")
        if self.mode == "fixed" and self.n_events < 0:
            raise InputError(f"number of events {self.n_events} must be >= 0")
        if self.seed < 0:
            raise InputError(f"seed {self.seed} must be a non-negative integer")
        check_positive("chunk size", self.chunk_size)
        check_positive("minimum recoil energy", self.recoil_min_kev, allow_zero=True)
        if self.physics.magnetic_moment_mu_b != 0 and self.recoil_min_kev <= 0:
            raise InputError(
                "a neutrino magnetic moment makes dσ/dT diverge as 1/T: set a minimum recoil energy "
                "(/run/recoilMin 0.1 keV)"
            )

    def to_dict(self) -> dict:
        """Canonical JSON-able dictionary (internal units in key names)."""
        return _to_jsonable(self)

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of everything that changes the events.

        The output path, the overwrite flag, the chunk size and the compression do not change events and are
        left out.
        """
        d = self.to_dict()
        for key in ("output_file", "overwrite", "chunk_size", "compression"):
            d.pop(key, None)
        return hashlib.sha256(canonical_json(d).encode()).hexdigest()


def _to_jsonable(obj):
    if hasattr(obj, "to_dict") and not isinstance(obj, RunConfig):
        return obj.to_dict()  # e.g. DetectorConfig: location-independent canonical form
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    return obj


def canonical_json(d) -> str:
    """Sorted-key, compact JSON: the same configuration always gives the same text."""
    return json.dumps(d, sort_keys=True, separators=(",", ":"), allow_nan=False)

"""Validated, frozen parameters of the detector response.

One dataclass per section of the detector configuration ([light], [smearing], [efficiency.energy],
[efficiency.time], [scintillation], [spe], [afterglow], [ionization], [windows]). Field names are the
configuration keys with the internal unit appended where the value has one (``yield`` →
``yield_pe_per_kevee``, ``t0`` → ``t0_ns``); ``from_section`` accepts a mapping keyed exactly by the
configuration keys (values already converted to internal units: keV, ns), so a configuration
adapter is a one-line call per section. Every invalid value raises :class:`InputError` naming the
configuration key, e.g. ``light.yield must be positive``.

Numerical defaults are the published COHERENT values listed in PHYSICS.md §3, each with its
source in the field comment; parameters without a published default have none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..errors import InputError
from ..units import suggest

#: Afterglow / efficiency / smearing model names accepted per section.
PE_MODELS = ("poisson", "binomial")
SMEARING_MODELS = ("gamma", "poisson", "gaussian", "none")
ENERGY_EFFICIENCY_MODELS = ("logistic", "logistic_step", "table", "none")
EFFICIENCY_VARIABLES = ("pe", "kevee", "kevnr")
TIME_EFFICIENCY_MODELS = ("exp_after", "none")
SPE_MODELS = ("gamma", "polya", "table")
AFTERGLOW_MODELS = ("none", "poisson")
AFTERGLOW_RATE_DISTRIBUTIONS = ("fixed", "gamma")


# --- checks --------------------------------------------------------------------------------------
def _fail(key: str, message: str) -> None:
    raise InputError(f"{key} {message}")


def require_positive(key: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.number)) and math.isfinite(value) and value > 0):
        _fail(key, f"must be positive (got {value!r})")


def require_non_negative(key: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.number)) and math.isfinite(value) and value >= 0):
        _fail(key, f"must be non-negative (got {value!r})")


def require_probability(key: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.number)) and 0.0 <= value <= 1.0):
        _fail(key, f"must lie in [0, 1] (got {value!r})")


def require_choice(key: str, value: str, allowed) -> None:
    if value not in allowed:
        _fail(key, f"'{value}' is not allowed; choose one of {', '.join(allowed)}{suggest(str(value), allowed)}")


def require_finite(key: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.number)) and math.isfinite(value)):
        _fail(key, f"must be a finite number (got {value!r})")


def as_float_tuple(key: str, values) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise InputError(f"{key} must be a list of numbers (got {values!r})") from None
    if not all(math.isfinite(v) for v in out):
        _fail(key, f"must contain only finite numbers (got {values!r})")
    return out


def _check_fractions(key: str, fractions: tuple[float, ...], n_components: int) -> None:
    if len(fractions) != n_components:
        _fail(key, f"must have one entry per scintillation.tau component ({n_components}), got {len(fractions)}")
    if any(f < 0 for f in fractions):
        _fail(key, f"must be non-negative (got {fractions})")
    if abs(sum(fractions) - 1.0) > 1e-6:
        _fail(key, f"must sum to one (got sum {sum(fractions):.6g})")


class _Section:
    """Mixin: build from a mapping keyed by configuration keys (``_KEYS``: key → field)."""

    _SECTION = ""
    _KEYS: dict[str, str] = {}

    @classmethod
    def from_section(cls, section: Mapping[str, Any]):
        kwargs = {}
        for key, value in section.items():
            if key not in cls._KEYS:
                raise InputError(
                    f"{cls._SECTION}.{key} is not a known key; known keys: {', '.join(cls._KEYS)}"
                    f"{suggest(key, cls._KEYS)}"
                )
            kwargs[cls._KEYS[key]] = value
        return cls(**kwargs)

    def to_section(self) -> dict[str, Any]:
        return {key: getattr(self, name) for key, name in self._KEYS.items()}


# --- [light] -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LightParams(_Section):
    """Photoelectron production. ``poisson``: N_PE ~ Poisson(yield · E_ee). ``binomial``: the
    photon number is its mean photon_yield · E_ee (rounded stochastically so the mean is exact;
    no production fluctuation) and each photon becomes a PE with probability collection_efficiency.

    Default yield 13.35 PE/keVee: CsI[Na] 2021, arXiv:2110.07730 (PHYSICS.md §3)."""

    yield_pe_per_kevee: float = 13.35
    pe_model: str = "poisson"
    photon_yield_per_kev: float | None = None
    collection_efficiency: float | None = None

    _SECTION = "light"
    _KEYS = {
        "yield": "yield_pe_per_kevee",
        "pe_model": "pe_model",
        "photon_yield": "photon_yield_per_kev",
        "collection_efficiency": "collection_efficiency",
    }

    def __post_init__(self):
        require_choice("light.pe_model", self.pe_model, PE_MODELS)
        if self.pe_model == "poisson":
            require_positive("light.yield", self.yield_pe_per_kevee)
        else:
            if self.photon_yield_per_kev is None or self.collection_efficiency is None:
                _fail("light.photon_yield", "and light.collection_efficiency are required for pe_model = binomial")
            require_positive("light.photon_yield", self.photon_yield_per_kev)
            require_probability("light.collection_efficiency", self.collection_efficiency)

    @property
    def mean_pe_per_kevee(self) -> float:
        """Mean number of PE per keVee for either model."""
        if self.pe_model == "poisson":
            return float(self.yield_pe_per_kevee)
        return float(self.photon_yield_per_kev * self.collection_efficiency)


# --- [smearing] ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmearingParams(_Section):
    """Parametric energy smearing. Defaults: gamma with b = 0.716 μ (CsI[Na] 2021,
    arXiv:2110.07730 / [P20]); resolution_a = 0.58 is the CENNS-10 LAr σ/E = 0.58/√(E/keVee)
    (arXiv:2003.10630), used only by model = gaussian."""

    model: str = "gamma"
    gamma_b_per_pe: float = 0.716
    resolution_a: float = 0.58

    _SECTION = "smearing"
    _KEYS = {"model": "model", "gamma_b_per_pe": "gamma_b_per_pe", "resolution_a": "resolution_a"}

    def __post_init__(self):
        require_choice("smearing.model", self.model, SMEARING_MODELS)
        require_positive("smearing.gamma_b_per_pe", self.gamma_b_per_pe)
        require_positive("smearing.resolution_a", self.resolution_a)


# --- [efficiency.energy] -------------------------------------------------------------------------
@dataclass(frozen=True)
class EnergyEfficiencyParams(_Section):
    """Energy efficiency eff(x) = a/(1 + exp(−b(x − c))) + d clipped to [0, 1]; ``logistic_step``
    multiplies by H(x − step); ``table`` interpolates (table_x, table_eff) linearly (0 outside).
    Defaults: CsI[Na] 2021 nominal curve in PE, ``effCoefficients.txt`` of arXiv:2110.07730."""

    model: str = "logistic"
    variable: str = "pe"
    a: float = 1.32045
    b: float = 0.285979
    c: float = 10.8646
    d: float = -0.333322
    step: float = 0.0
    table_x: tuple[float, ...] = ()
    table_eff: tuple[float, ...] = ()

    _SECTION = "efficiency.energy"
    _KEYS = {
        "model": "model", "variable": "variable", "a": "a", "b": "b", "c": "c", "d": "d",
        "step": "step", "table_x": "table_x", "table_eff": "table_eff",
    }

    def __post_init__(self):
        require_choice("efficiency.energy.model", self.model, ENERGY_EFFICIENCY_MODELS)
        require_choice("efficiency.energy.variable", self.variable, EFFICIENCY_VARIABLES)
        for key in ("a", "b", "c", "d", "step"):
            require_finite(f"efficiency.energy.{key}", getattr(self, key))
        if self.model == "table":
            x = as_float_tuple("efficiency.energy.table_x", self.table_x)
            eff = as_float_tuple("efficiency.energy.table_eff", self.table_eff)
            if len(x) < 2 or len(x) != len(eff):
                _fail("efficiency.energy.table_x", "and table_eff must have the same length, at least 2")
            if any(x2 <= x1 for x1, x2 in zip(x, x[1:])):
                _fail("efficiency.energy.table_x", "must be strictly increasing")
            if any(not 0.0 <= e <= 1.0 for e in eff):
                _fail("efficiency.energy.table_eff", "values must lie in [0, 1]")
            object.__setattr__(self, "table_x", x)
            object.__setattr__(self, "table_eff", eff)


# --- [efficiency.time] ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeEfficiencyParams(_Section):
    """Time efficiency: 1 for t < t0, exp(−rate (t − t0)) after. Defaults: CsI[Na] 2021,
    t0 = 0.52 µs, rate = 0.0494 /µs (arXiv:2110.07730, PHYSICS.md §3)."""

    model: str = "exp_after"
    t0_ns: float = 520.0
    rate_per_ns: float = 0.0494e-3

    _SECTION = "efficiency.time"
    _KEYS = {"model": "model", "t0": "t0_ns", "rate": "rate_per_ns"}

    def __post_init__(self):
        require_choice("efficiency.time.model", self.model, TIME_EFFICIENCY_MODELS)
        require_finite("efficiency.time.t0", self.t0_ns)
        require_non_negative("efficiency.time.rate", self.rate_per_ns)


# --- [scintillation] -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ScintillationParams(_Section):
    """Scintillation time profile: a sum of exponentials with decay times ``tau_ns``; a PE comes
    from component j with probability fractions[j] (electron recoils) or nr_fractions[j] (nuclear
    recoils; defaults to ``fractions``). No default: see :meth:`lar` and :meth:`csi_na`."""

    tau_ns: tuple[float, ...]
    fractions: tuple[float, ...]
    nr_fractions: tuple[float, ...] | None = None

    _SECTION = "scintillation"
    _KEYS = {"tau": "tau_ns", "fractions": "fractions", "nr_fractions": "nr_fractions"}

    def __post_init__(self):
        tau = as_float_tuple("scintillation.tau", self.tau_ns)
        if not tau:
            _fail("scintillation.tau", "must list at least one decay time")
        for t in tau:
            require_positive("scintillation.tau", t)
        fr = as_float_tuple("scintillation.fractions", self.fractions)
        _check_fractions("scintillation.fractions", fr, len(tau))
        nr = fr if self.nr_fractions is None else as_float_tuple("scintillation.nr_fractions", self.nr_fractions)
        _check_fractions("scintillation.nr_fractions", nr, len(tau))
        object.__setattr__(self, "tau_ns", tau)
        object.__setattr__(self, "fractions", fr)
        object.__setattr__(self, "nr_fractions", nr)

    @classmethod
    def lar(cls) -> "ScintillationParams":
        """Liquid argon: singlet 6 ns, triplet 1.5 µs (PHYSICS.md §3, CENNS-10 arXiv:2003.10630).
        Singlet fractions 0.25 (electron recoils; singlet/triplet ≈ 0.3 for electrons, Hitachi et
        al., Phys. Rev. B 27, 5279 (1983)) and 0.70 (nuclear recoils), chosen to give the F90 of
        PHYSICS.md §3: ≈ 0.29 for ER and ≈ 0.72 for NR (0.6–0.75 quoted)."""
        return cls(tau_ns=(6.0, 1500.0), fractions=(0.25, 0.75), nr_fractions=(0.70, 0.30))

    @classmethod
    def csi_na(cls) -> "ScintillationParams":
        """CsI[Na]: a single ≈ 0.6 µs decay (PHYSICS.md §3: fast component ≈ 0.6 µs; the slower
        components are not published in a usable form and are left to the configuration)."""
        return cls(tau_ns=(600.0,), fractions=(1.0,))


# --- [spe] ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SPEParams(_Section):
    """Single-photoelectron charge spectrum. ``gamma``/``polya``: mean and relative width
    (σ/mean); the Polya gain distribution with parameter θ is a Gamma of shape 1 + θ, so with
    (mean, relative_width) both give the same law (polya needs relative_width ≤ 1, θ ≥ 0).
    ``table``: histogram with bin edges table_charge and weights table_weights.

    Default relative_width 0.542: the width with which photon counting reproduces the published
    CsI[Na] 2021 Gamma smearing over 10–60 PE to within ±2.7 % in σ (docs/response.md)."""

    model: str = "gamma"
    mean: float = 1.0
    relative_width: float = 0.542
    table_charge: tuple[float, ...] = ()
    table_weights: tuple[float, ...] = ()

    _SECTION = "spe"
    _KEYS = {
        "model": "model", "mean": "mean", "relative_width": "relative_width",
        "table_charge": "table_charge", "table_weights": "table_weights",
    }

    def __post_init__(self):
        require_choice("spe.model", self.model, SPE_MODELS)
        require_positive("spe.mean", self.mean)
        if self.model in ("gamma", "polya"):
            require_positive("spe.relative_width", self.relative_width)
            if self.model == "polya" and self.relative_width > 1.0:
                _fail("spe.relative_width", f"must be ≤ 1 for the Polya model (θ = 1/w² − 1 ≥ 0), got {self.relative_width}")
        else:
            edges = as_float_tuple("spe.table_charge", self.table_charge)
            weights = as_float_tuple("spe.table_weights", self.table_weights)
            if len(edges) < 2 or len(weights) != len(edges) - 1:
                _fail("spe.table_charge", "must hold bin edges, one more than spe.table_weights")
            if any(e2 <= e1 for e1, e2 in zip(edges, edges[1:])) or edges[0] < 0:
                _fail("spe.table_charge", "must be non-negative and strictly increasing")
            if any(w < 0 for w in weights) or sum(weights) <= 0:
                _fail("spe.table_weights", "must be non-negative with a positive sum")
            object.__setattr__(self, "table_charge", edges)
            object.__setattr__(self, "table_weights", weights)


# --- [afterglow] ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AfterglowParams(_Section):
    """Afterglow: single PE spread uniformly over the whole waveform window, a Poisson process of
    rate R per waveform; R = rate (``fixed``) or R ~ Gamma(rate_shape, rate/rate_shape)
    (``gamma``, mean rate); with probability bright_probability, R is multiplied by bright_factor.
    No published default rate: the rate is a detector/run parameter."""

    model: str = "none"
    rate_per_ns: float = 0.0
    rate_distribution: str = "fixed"
    rate_shape: float = 1.0
    bright_probability: float = 0.0
    bright_factor: float = 1.0

    _SECTION = "afterglow"
    _KEYS = {
        "model": "model", "rate": "rate_per_ns", "rate_distribution": "rate_distribution",
        "rate_shape": "rate_shape", "bright_probability": "bright_probability", "bright_factor": "bright_factor",
    }

    def __post_init__(self):
        require_choice("afterglow.model", self.model, AFTERGLOW_MODELS)
        require_choice("afterglow.rate_distribution", self.rate_distribution, AFTERGLOW_RATE_DISTRIBUTIONS)
        require_non_negative("afterglow.rate", self.rate_per_ns)
        require_positive("afterglow.rate_shape", self.rate_shape)
        require_probability("afterglow.bright_probability", self.bright_probability)
        require_positive("afterglow.bright_factor", self.bright_factor)

    def rate_moments_per_ns(self) -> tuple[float, float]:
        """Mean and variance of the per-waveform rate R (in 1/ns) under this mixture."""
        p, f = self.bright_probability, self.bright_factor
        mean_g = self.rate_per_ns
        second_g = mean_g**2 * (1.0 + 1.0 / self.rate_shape) if self.rate_distribution == "gamma" else mean_g**2
        mean = mean_g * (1.0 - p + p * f)
        second = second_g * (1.0 - p + p * f * f)
        return mean, second - mean**2


# --- [ionization] --------------------------------------------------------------------------------
@dataclass(frozen=True)
class IonizationParams(_Section):
    """Ionization (Ge PPC) energy resolution σ² = σ0² + F·ε·E (E in keVee). No defaults: σ0
    (electronic noise) is detector specific; F and ε are material constants the geometry states
    (Ge at 77 K: ε ≈ 2.96 eV, G.F. Knoll, Radiation Detection and Measurement, 4th ed., ch. 12)."""

    resolution_sigma0_kev: float
    fano: float
    pair_energy_kev: float

    _SECTION = "ionization"
    _KEYS = {"resolution_sigma0": "resolution_sigma0_kev", "fano": "fano", "pair_energy": "pair_energy_kev"}

    def __post_init__(self):
        require_non_negative("ionization.resolution_sigma0", self.resolution_sigma0_kev)
        require_non_negative("ionization.fano", self.fano)
        require_positive("ionization.pair_energy", self.pair_energy_kev)


# --- [windows] -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class WindowParams(_Section):
    """Waveform window: pretrace then region of interest; times are relative to the window start.
    Defaults: CsI[Na] 2021, 40 µs pretrace and 15 µs ROI (arXiv:2110.07730, PHYSICS.md §3)."""

    pretrace_ns: float = 40_000.0
    roi_ns: float = 15_000.0

    _SECTION = "windows"
    _KEYS = {"pretrace": "pretrace_ns", "roi": "roi_ns"}

    def __post_init__(self):
        require_non_negative("windows.pretrace", self.pretrace_ns)
        require_positive("windows.roi", self.roi_ns)

    @property
    def length_ns(self) -> float:
        return float(self.pretrace_ns + self.roi_ns)


__all__ = [
    "LightParams", "SmearingParams", "EnergyEfficiencyParams", "TimeEfficiencyParams",
    "ScintillationParams", "SPEParams", "AfterglowParams", "IonizationParams", "WindowParams",
]

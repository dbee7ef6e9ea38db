"""Quenching: electron-equivalent energy E_ee (keVee) of a nuclear recoil of kinetic energy T (keVnr).

Models (PHYSICS.md §3), each a frozen dataclass with vectorised ``e_ee_kev(t_nr_kev)``, its inverse
``t_nr_kev(e_ee_kev)`` and ``validate(valid_range_kev)``:

- :class:`Polynomial`  E_ee[MeVee] = Σ_i c_i x^i, x = T[MeVnr] (CsI[Na] 2021, arXiv:2110.07730,
  ``scintRespCoefficients.txt``: nominal and four systematic variants).
- :class:`Constant`    E_ee = factor · T (CsI[Na] 2017: 0.0878, arXiv:1708.01294 data release).
- :class:`Linear`      E_ee = T · (offset + slope · T[keVnr]) (CENNS-10 LAr: 0.246 + 0.00078 T,
  arXiv:2003.10630).
- :class:`Lindhard`    E_ee = T · k g/(1 + k g), ε = 11.5 Z^(-7/3) T[keV], g = 3ε^0.15 + 0.7ε^0.6 + ε,
  k = 0.133 Z^(2/3) A^(-1/2) by default (J. Lindhard et al., Mat. Fys. Medd. Dan. Vid. Selsk. 33, 10
  (1963); the parametrisation of g is the one in PHYSICS.md §3).
- :class:`Table`       linear interpolation of measured (T, E_ee) pairs.

Per-isotope choice: :class:`IsotopeQuenching` maps an isotope index to a model. :func:`quenching_model` and
:func:`isotope_quenching` build them from a detector's [quenching] sections (whose values the geometry
loader has range-checked; :meth:`QuenchingModel.validate` checks a curve's shape).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from ..errors import InputError


def _floats(key: str, values) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise InputError(f"{key} must be a list of numbers (got {values!r})") from None

#: Number of grid points used by numerical inversion before Newton refinement.
_INVERSION_GRID = 4097
#: Default upper end (keVnr) of the range where the inverse is computed and validated.
DEFAULT_T_NR_MAX_KEV = 100.0


class QuenchingModel:
    """Shared behaviour: numerical inverse and validation. Subclasses define ``e_ee_kev`` and
    ``_de_ee_dt`` (derivative in keVee/keVnr)."""

    key = "quenching"

    def e_ee_kev(self, t_nr_kev):  # pragma: no cover - abstract
        raise NotImplementedError

    def _de_ee_dt(self, t_nr_kev):
        """Derivative by central differences; subclasses with a closed form override this."""
        t = np.asarray(t_nr_kev, dtype=float)
        h = 1e-6 * np.maximum(t, 1.0)
        return (self.e_ee_kev(t + h) - self.e_ee_kev(np.maximum(t - h, 0.0))) / (t + h - np.maximum(t - h, 0.0))

    def quenching_factor(self, t_nr_kev):
        """E_ee / T (dimensionless); at T = 0 the limit is taken from 1e-9 keVnr."""
        t = np.maximum(np.asarray(t_nr_kev, dtype=float), 1e-9)
        return self.e_ee_kev(t) / t

    def t_nr_kev(self, e_ee_kev, t_nr_max_kev: float = DEFAULT_T_NR_MAX_KEV):
        """Inverse of ``e_ee_kev`` on [0, t_nr_max_kev]: a fine table, linear interpolation, then
        Newton steps to 1e-12 relative accuracy. NaN where E_ee lies beyond the range. Requires
        the model to be monotonic there (see :meth:`validate`)."""
        e = np.asarray(e_ee_kev, dtype=float)
        grid = np.linspace(0.0, t_nr_max_kev, _INVERSION_GRID)
        e_grid = self.e_ee_kev(grid)
        if np.any(np.diff(e_grid) <= 0):
            self.validate((0.0, t_nr_max_kev))
        t = np.interp(e, e_grid, grid)
        for _ in range(4):
            slope = self._de_ee_dt(t)
            step = np.where(slope > 0, (self.e_ee_kev(t) - e) / np.where(slope > 0, slope, 1.0), 0.0)
            t = np.clip(t - step, 0.0, t_nr_max_kev)
        return np.where((e < 0) | (e > e_grid[-1]), np.nan, t)

    def validate(self, valid_range_kev: tuple[float, float] = (0.0, DEFAULT_T_NR_MAX_KEV)) -> None:
        """Raise InputError if E_ee is negative or not strictly increasing on the range (keVnr)."""
        lo, hi = valid_range_kev
        if not (0.0 <= lo < hi):
            raise InputError(f"{self.key}: valid range must satisfy 0 <= low < high keVnr (got {valid_range_kev})")
        t = np.linspace(lo, hi, 20001)
        e = self.e_ee_kev(t)
        bad = np.flatnonzero(~np.isfinite(e) | (e < 0))
        if bad.size:
            raise InputError(
                f"{self.key} gives a negative or invalid E_ee = {e[bad[0]]:.4g} keVee at "
                f"T = {t[bad[0]]:.4g} keVnr inside the valid range [{lo}, {hi}] keVnr"
            )
        dec = np.flatnonzero(np.diff(e) <= 0)
        if dec.size:
            raise InputError(
                f"{self.key} is not monotonic: E_ee stops increasing at T = {t[dec[0]]:.4g} keVnr inside "
                f"the valid range [{lo}, {hi}] keVnr, so it cannot be inverted there"
            )


@dataclass(frozen=True)
class Polynomial(QuenchingModel):
    """E_ee[MeVee] = Σ_{i≥1} coefficients[i-1] · x^i with x = T in MeVnr (E_ee(0) = 0).

    Above ``t_nr_max_kev`` (the geometry's ``quenching.valid_range``) the quenching factor is held at its value
    there, E_ee = QF(t_max)·T: a quartic fitted to 3–60 keVnr data grows without bound outside its range (the
    CsI 2021 one gives a quenching factor of 0.21 at 100 keVnr and 14 at 300 keVnr), which would make
    high-energy neutron recoils unphysical. CEvNS recoils (≤ 45 keVnr in CsI) are not affected."""

    coefficients: tuple[float, ...]
    t_nr_max_kev: float | None = None
    key = "quenching.coefficients"

    #: CsI[Na] 2021 ``scintRespCoefficients.txt`` (arXiv:2110.07730 ancillary files), c1..c4.
    CSI_2021 = {
        "nominal": (0.0554628, 4.30681, -111.707, 840.384),
        "syst0_plus": (0.0613632, 3.51547, -85.5548, 595.562),
        "syst0_minus": (0.0495624, 5.09815, -137.858, 1085.2),
        "syst1_plus": (0.055413, 3.93597, -93.1045, 630.092),
        "syst1_minus": (0.0555126, 4.67765, -130.309, 1050.68),
    }

    def __post_init__(self):
        c = _floats(self.key, self.coefficients)
        if not c:
            raise InputError(f"{self.key} must list at least one coefficient (c1, c2, ...)")
        object.__setattr__(self, "coefficients", c)

    @classmethod
    def csi_2021(cls, variant: str = "nominal") -> "Polynomial":
        if variant not in cls.CSI_2021:
            raise InputError(f"quenching.variant '{variant}' is not a CsI 2021 variant; choose one of "
                             f"{', '.join(cls.CSI_2021)}")
        return cls(cls.CSI_2021[variant])

    def _polynomial_kev(self, t_nr_kev):
        x = np.asarray(t_nr_kev, dtype=float) * 1e-3
        acc = np.zeros_like(x)
        for c in reversed(self.coefficients):  # Horner: ((c4 x + c3) x + c2) x + c1) x
            acc = (acc + c) * x
        return acc * 1e3

    def e_ee_kev(self, t_nr_kev):
        t = np.asarray(t_nr_kev, dtype=float)
        e = self._polynomial_kev(t)
        if self.t_nr_max_kev is None:
            return e
        t_max = self.t_nr_max_kev
        qf_max = self._polynomial_kev(t_max) / t_max
        return np.where(t > t_max, qf_max * t, e)

    def _de_ee_dt(self, t_nr_kev):
        t = np.asarray(t_nr_kev, dtype=float)
        x = t * 1e-3
        acc = np.zeros_like(x)
        for i in range(len(self.coefficients), 0, -1):
            acc = acc * x + i * self.coefficients[i - 1]
        if self.t_nr_max_kev is not None:  # constant quenching factor beyond the valid range
            t_max = self.t_nr_max_kev
            acc = np.where(t > t_max, self._polynomial_kev(t_max) / t_max, acc)
        return acc  # MeVee/MeVnr = keVee/keVnr


@dataclass(frozen=True)
class Constant(QuenchingModel):
    """E_ee = factor · T."""

    factor: float
    key = "quenching.factor"

    @classmethod
    def csi_2017(cls) -> "Constant":
        """Flat QF 0.0878 ± 0.0166, CsI[Na] 2017 release (coherent_parameters.yaml, arXiv:1804.09459)."""
        return cls(0.0878)

    def e_ee_kev(self, t_nr_kev):
        return self.factor * np.asarray(t_nr_kev, dtype=float)

    def _de_ee_dt(self, t_nr_kev):
        return np.full_like(np.asarray(t_nr_kev, dtype=float), self.factor)

    def t_nr_kev(self, e_ee_kev, t_nr_max_kev: float = np.inf):
        e = np.asarray(e_ee_kev, dtype=float)
        return np.where((e < 0) | (e > self.factor * t_nr_max_kev), np.nan, e / self.factor)


@dataclass(frozen=True)
class Linear(QuenchingModel):
    """Quenching factor linear in T: E_ee = T · (offset + slope_per_kev · T[keVnr])."""

    offset: float
    slope_per_kev: float
    key = "quenching.offset"

    @classmethod
    def lar_2020(cls) -> "Linear":
        """CENNS-10 LAr, QF = 0.246 + 0.00078 T[keVnr] (arXiv:2003.10630)."""
        return cls(0.246, 0.00078)

    def e_ee_kev(self, t_nr_kev):
        t = np.asarray(t_nr_kev, dtype=float)
        return t * (self.offset + self.slope_per_kev * t)

    def _de_ee_dt(self, t_nr_kev):
        return self.offset + 2.0 * self.slope_per_kev * np.asarray(t_nr_kev, dtype=float)

    def t_nr_kev(self, e_ee_kev, t_nr_max_kev: float = DEFAULT_T_NR_MAX_KEV):
        """Closed form: the positive root of s T² + o T − E = 0, written to avoid cancellation."""
        e = np.asarray(e_ee_kev, dtype=float)
        o, s = self.offset, self.slope_per_kev
        with np.errstate(invalid="ignore"):
            t = 2.0 * e / (o + np.sqrt(o * o + 4.0 * s * e))
        return np.where((e < 0) | (t > t_nr_max_kev) | ~np.isfinite(t), np.nan, t)


@dataclass(frozen=True)
class Lindhard(QuenchingModel):
    """Lindhard et al. (1963) quenching for a target of charge ``z`` and mass number ``a``."""

    z: float
    a: float
    k: float | None = None
    key = "quenching.k"

    def __post_init__(self):
        if self.k is None:
            object.__setattr__(self, "k", 0.133 * self.z ** (2.0 / 3.0) * self.a ** -0.5)

    def e_ee_kev(self, t_nr_kev):
        t = np.asarray(t_nr_kev, dtype=float)
        eps = 11.5 * self.z ** (-7.0 / 3.0) * np.maximum(t, 0.0)
        g = 3.0 * eps**0.15 + 0.7 * eps**0.6 + eps
        return t * self.k * g / (1.0 + self.k * g)


@dataclass(frozen=True)
class Table(QuenchingModel):
    """Linear interpolation of (t_nr_kev, e_ee_kev) pairs; (0, 0) is added if missing. Beyond the
    last point the last quenching factor E_ee/T is kept constant."""

    t_nr_kev_points: tuple[float, ...]
    e_ee_kev_points: tuple[float, ...]
    key = "quenching.table"

    def __post_init__(self):
        t = _floats("quenching.table", self.t_nr_kev_points)
        e = _floats("quenching.table", self.e_ee_kev_points)
        if len(t) < 1 or len(t) != len(e):
            raise InputError("quenching.table must hold (E_nr keV, E_ee keV) pairs of equal length")
        if any(t2 <= t1 for t1, t2 in zip(t, t[1:])) or t[0] < 0:
            raise InputError("quenching.table E_nr values must be non-negative and strictly increasing")
        if t[0] > 0:
            t, e = (0.0,) + t, (0.0,) + e
        object.__setattr__(self, "t_nr_kev_points", t)
        object.__setattr__(self, "e_ee_kev_points", e)

    def e_ee_kev(self, t_nr_kev):
        t = np.asarray(t_nr_kev, dtype=float)
        tp, ep = np.asarray(self.t_nr_kev_points), np.asarray(self.e_ee_kev_points)
        last_qf = ep[-1] / tp[-1] if tp[-1] > 0 else 0.0
        return np.where(t <= tp[-1], np.interp(t, tp, ep), t * last_qf)

    def t_nr_kev(self, e_ee_kev, t_nr_max_kev: float = DEFAULT_T_NR_MAX_KEV):
        """Exact inverse of the piecewise-linear table (requires strictly increasing E_ee)."""
        tp, ep = np.asarray(self.t_nr_kev_points), np.asarray(self.e_ee_kev_points)
        if np.any(np.diff(ep) <= 0):
            self.validate((0.0, float(tp[-1])))
        e = np.asarray(e_ee_kev, dtype=float)
        last_qf = ep[-1] / tp[-1] if tp[-1] > 0 else np.inf
        t = np.where(e <= ep[-1], np.interp(e, ep, tp), e / last_qf)
        return np.where((e < 0) | (t > t_nr_max_kev), np.nan, t)


@dataclass(frozen=True)
class IsotopeQuenching:
    """Per-isotope quenching: ``overrides[i]`` for isotope index i, ``default`` otherwise."""

    default: QuenchingModel
    overrides: Mapping[int, QuenchingModel] = field(default_factory=dict)

    def model_for(self, isotope_index: int) -> QuenchingModel:
        return self.overrides.get(int(isotope_index), self.default)

    def e_ee_kev(self, t_nr_kev, isotope_index):
        """E_ee (keVee) per event, each with the model of its isotope."""
        t = np.asarray(t_nr_kev, dtype=float)
        iso = np.broadcast_to(np.asarray(isotope_index), t.shape)
        out = self.default.e_ee_kev(t)
        for index, model in self.overrides.items():
            sel = iso == index
            if np.any(sel):
                out[sel] = model.e_ee_kev(t[sel])
        return out

    def validate(self, valid_range_kev: tuple[float, float] = (0.0, DEFAULT_T_NR_MAX_KEV)) -> None:
        self.default.validate(valid_range_kev)
        for model in self.overrides.values():
            model.validate(valid_range_kev)


def quenching_model(section, isotope=None) -> QuenchingModel:
    """One quenching model from a [quenching] section (Lindhard needs the isotope for Z and A)."""
    if section.model == "polynomial":
        return Polynomial(section.coefficients, t_nr_max_kev=section.valid_range_kev)
    if section.model == "constant":
        return Constant(section.factor)
    if section.model == "linear":
        return Linear(section.offset, section.slope_per_kev)
    if section.model == "lindhard":
        return Lindhard(isotope.z, isotope.a, section.k)
    if section.model == "table":
        t_nr, e_ee = section.table_data[0], section.table_data[1]
        return Table(tuple(t_nr), tuple(e_ee))
    raise InputError(f"quenching.model '{section.model}' is not supported")


def isotope_quenching(det, isotopes) -> IsotopeQuenching:
    """Per-isotope quenching for the run's isotope list (the detector's per-isotope sections applied)."""
    if det.quenching is None:
        raise InputError(f"detector '{det.name}' has no [quenching] section; it is needed above truth fidelity "
                         "(add one to the geometry, or use /run/fidelity truth)")
    models = {i: quenching_model(det.quenching_for(iso.name), iso) for i, iso in enumerate(isotopes)}
    default = models[0]
    return IsotopeQuenching(default, {i: m for i, m in models.items() if i != 0})

"""The outcome of a fit, and its JSON form (written atomically)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .output import jsonable, write_json


@dataclass(frozen=True)
class MinosError:
    """Asymmetric MINOS interval: ``lower`` (< 0) and ``upper`` (> 0) offsets from the best fit."""

    lower: float
    upper: float
    valid: bool
    message: str = ""


@dataclass
class FitResult:
    """Best-fit ``values``, HESSE ``errors`` (0 for fixed parameters), ``minos`` intervals, ``covariance`` of the
    ``free`` parameters (in that order), −ln L at the minimum (``nll``), the Baker–Cousins deviance per channel,
    expected counts per channel and sample at the best fit (``expected``) and the profiled Barlow–Beeston
    factors (``gammas``). ``extra`` holds derived quantities added by callers (significance, cross section)."""

    model: str
    parameters: list
    values: dict
    errors: dict
    minos: dict
    free: list
    covariance: np.ndarray
    nll: float
    valid: bool
    deviance: dict
    n_bins: int
    n_free: int
    fixed: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)
    gammas: dict = field(default_factory=dict)
    edm: float = float("nan")
    extra: dict = field(default_factory=dict)

    @property
    def correlation(self) -> np.ndarray:
        """Correlation matrix of the free parameters."""
        d = np.sqrt(np.clip(np.diag(self.covariance), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            c = self.covariance / np.outer(d, d)
        return np.nan_to_num(c)

    @property
    def chi2(self) -> float:
        """Total Baker–Cousins Poisson deviance over all channels at the best fit."""
        return float(sum(self.deviance.values()))

    @property
    def ndof(self) -> int:
        """Bins minus free parameters."""
        return int(self.n_bins - self.n_free)

    def interval(self, name: str) -> tuple[float, float]:
        """(lower, upper) 1σ offsets: MINOS when available and valid, else ∓HESSE."""
        me = self.minos.get(name)
        if me is not None and me.valid:
            return me.lower, me.upper
        return -self.errors[name], self.errors[name]

    def to_dict(self) -> dict:
        def arr(a):
            return np.asarray(a, dtype=float).tolist()

        return {
            "model": self.model,
            "valid": self.valid,
            "nll": self.nll,
            "edm": self.edm,
            "parameters": {n: {"value": self.values[n], "hesse": self.errors[n],
                               "minos": ([self.minos[n].lower, self.minos[n].upper] if n in self.minos else None),
                               "fixed": n not in self.free} for n in self.parameters},
            "free": list(self.free),
            "covariance": arr(self.covariance),
            "correlation": arr(self.correlation),
            "deviance_baker_cousins": dict(self.deviance),
            "chi2": self.chi2,
            "n_bins": self.n_bins,
            "ndof": self.ndof,
            "expected": {c: {s: arr(v) for s, v in d.items()} for c, d in self.expected.items()},
            "gammas": {c: arr(g) for c, g in self.gammas.items()},
            "extra": jsonable(self.extra),
        }


def write_json_atomic(path: str | os.PathLike, payload: dict, overwrite: bool = False) -> Path:
    """Write ``payload`` as JSON to ``path`` via a temporary file and rename, creating its directory; refuse to
    replace an existing file unless ``overwrite`` (:func:`simcoh.fit.output.write_json`)."""
    return write_json(path, payload, overwrite=overwrite, make_dirs=True, sort_keys=False)

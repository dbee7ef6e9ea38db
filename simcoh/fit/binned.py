"""A small binned Poisson likelihood with one parameter of interest and Gaussian-constrained normalisations.

The model the limit, NSI, sensitivity and coverage studies run their many pseudo-experiments on:

    ν_i(μ, θ) = μ S_i + Σ_k θ_k B_ki,
    −2 ln L = 2 Σ_i [ν_i − n_i + n_i ln(n_i/ν_i)] + Σ_k (θ_k − a_k)²/σ_k²

(the Poisson deviance, so −2 ln L of a perfect fit is 0, plus one Gaussian term per constrained
normalisation θ_k with auxiliary measurement a_k, nominally 1). μ scales the signal template S; each background
template B_k has a normalisation θ_k that is constrained (relative uncertainty σ_k), free (no constraint) or
fixed at 1. Minimisation by iminuit (MIGRAD with the analytic gradient, HESSE errors).

Not modelled here (the fit core in ``simcoh.fit`` has them): shape nuisances and the statistical
uncertainty of the templates themselves (Barlow-Beeston). Build templates from enough simulated events that
their relative statistical error per bin is small against the data's (the builders report it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError

#: ν is floored at this value inside the logarithm so that empty template bins with no data stay harmless.
NU_FLOOR = 1e-300


@dataclass(frozen=True)
class Background:
    """A background template (expected events per bin at θ = 1) and its normalisation: ``sigma`` the relative
    Gaussian uncertainty (None: free), or ``fixed`` True (θ = 1)."""

    name: str
    template: np.ndarray
    sigma: float | None = None
    fixed: bool = False
    source: str = ""  # where the normalisation and its uncertainty come from


@dataclass(frozen=True)
class FitResult:
    twice_nll: float  # −2 ln L at the minimum (Poisson deviance + constraint terms)
    values: np.ndarray  # (μ, θ_1, ..., θ_K) of the floating backgrounds
    errors: np.ndarray  # HESSE errors (NaN where a parameter was fixed)
    valid: bool

    @property
    def mu(self) -> float:
        return float(self.values[0])

    @property
    def mu_error(self) -> float:
        return float(self.errors[0])


@dataclass
class BinnedModel:
    """Signal template ``signal`` (events per bin at μ = 1) plus ``backgrounds``; ``mu_bounds`` the allowed μ."""

    signal: np.ndarray
    backgrounds: tuple[Background, ...]
    mu_bounds: tuple[float | None, float | None] = (None, None)
    poi_name: str = "mu"
    _floating: list = field(init=False, repr=False)

    def __post_init__(self):
        self.signal = np.asarray(self.signal, float).ravel()
        shape = self.signal.shape
        for b in self.backgrounds:
            t = np.asarray(b.template, float).ravel()
            if t.shape != shape:
                raise InputError(f"background '{b.name}' has {t.size} bins, the signal {self.signal.size}: "
                                 "templates of one model must share their binning")
            if not np.all(np.isfinite(t)) or np.any(t < 0):
                raise InputError(f"background '{b.name}': template values must be finite and >= 0")
            if b.sigma is not None and not b.sigma > 0:
                raise InputError(f"background '{b.name}': sigma {b.sigma!r} must be > 0 (or None for free)")
        if not np.all(np.isfinite(self.signal)) or np.any(self.signal < 0):
            raise InputError("signal template values must be finite and >= 0")
        self._floating = [b for b in self.backgrounds if not b.fixed]
        self._fixed_sum = sum((np.asarray(b.template, float).ravel() for b in self.backgrounds if b.fixed),
                              np.zeros(shape))
        self._b = np.array([np.asarray(b.template, float).ravel() for b in self._floating]).reshape(-1, shape[0])
        self._sigma = np.array([np.inf if b.sigma is None else b.sigma for b in self._floating])
        self._constrained = np.isfinite(self._sigma)

    # --- parameters ------------------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [self.poi_name] + [f"theta_{b.name}" for b in self._floating]

    @property
    def n_bins(self) -> int:
        return self.signal.size

    def nominal(self, mu: float = 1.0) -> np.ndarray:
        """Parameter vector at μ with every normalisation at 1."""
        return np.concatenate([[mu], np.ones(len(self._floating))])

    def default_aux(self) -> np.ndarray:
        """Auxiliary measurements a_k = 1 (NaN for free normalisations)."""
        return np.where(self._constrained, 1.0, np.nan)

    def expected(self, params) -> np.ndarray:
        params = np.asarray(params, float)
        return params[0] * self.signal + params[1:] @ self._b + self._fixed_sum

    # --- likelihood --------------------------------------------------------------------------------------------
    def twice_nll(self, params, data, aux) -> float:
        nu = np.maximum(self.expected(params), NU_FLOOR)
        n = data
        with np.errstate(divide="ignore", invalid="ignore"):
            log_term = np.where(n > 0, n * np.log(n / nu), 0.0)
        c = self._constrained
        pull = (np.asarray(params[1:])[c] - aux[c]) / self._sigma[c]
        return float(2.0 * np.sum(nu - n + log_term) + pull @ pull)

    def grad_twice_nll(self, params, data, aux) -> np.ndarray:
        nu = np.maximum(self.expected(params), NU_FLOOR)
        r = 2.0 * (1.0 - data / nu)
        g = np.empty(len(params))
        g[0] = r @ self.signal
        g[1:] = self._b @ r
        c = self._constrained
        g[1:][c] += 2.0 * (np.asarray(params[1:])[c] - aux[c]) / self._sigma[c] ** 2
        return g

    def fit(self, data, aux=None, *, mu: float | None = None, start=None, errors: bool = True) -> FitResult:
        """Minimise −2 ln L for ``data`` (counts per bin) and ``aux`` (auxiliary measurements; default 1);
        ``mu`` given: μ fixed there (the conditional fit of a profile)."""
        from iminuit import Minuit

        data = np.asarray(data, float).ravel()
        if data.shape != self.signal.shape:
            raise InputError(f"data have {data.size} bins, the model {self.signal.size}")
        aux = self.default_aux() if aux is None else np.asarray(aux, float)
        x0 = self._start(data, mu) if start is None else np.array(start, float)
        if mu is not None:
            x0[0] = mu
        m = Minuit(lambda x: self.twice_nll(x, data, aux), x0, grad=lambda x: self.grad_twice_nll(x, data, aux),
                   name=self.names)
        m.errordef = Minuit.LEAST_SQUARES  # the function is −2 ln L: Δ = 1 is one standard deviation
        m.print_level = 0
        m.strategy = 1
        m.limits[self.poi_name] = self.mu_bounds
        for b in self._floating:
            m.limits[f"theta_{b.name}"] = (0.0, None)
        if mu is not None:
            m.fixed[self.poi_name] = True
        if len(x0) == 1 and mu is not None:  # nothing floats
            return FitResult(self.twice_nll(x0, data, aux), x0, np.full(1, np.nan), True)
        m.migrad()
        if errors and m.valid:
            m.hesse()
        values = np.array(m.values)
        errs = np.array(m.errors) if errors else np.full(len(values), np.nan)
        if mu is not None:
            errs[0] = np.nan
        return FitResult(float(m.fval), values, errs, bool(m.valid))

    def _start(self, data, mu) -> np.ndarray:
        """Start values: every θ at 1 and μ from the excess over the background (clipped into its bounds)."""
        x = self.nominal(1.0)
        s = self.signal.sum()
        if mu is None and s > 0:
            excess = (data.sum() - self.expected(self.nominal(0.0)).sum()) / s
            lo, hi = self.mu_bounds
            x[0] = np.clip(excess, -np.inf if lo is None else lo, np.inf if hi is None else hi)
        return x

    def profile(self, data, aux=None, mu_values=(), best: FitResult | None = None) -> tuple[FitResult, np.ndarray]:
        """The unconditional fit and −2Δ ln L(μ) = −2 ln L(μ, θ̂̂) − (−2 ln L(μ̂, θ̂)) at each μ of ``mu_values``
        (clipped at 0: the conditional minimum cannot lie below the global one)."""
        best = self.fit(data, aux, errors=False) if best is None else best
        out = np.array([self.fit(data, aux, mu=float(m), start=best.values, errors=False).twice_nll
                        for m in mu_values]) - best.twice_nll
        return best, np.maximum(out, 0.0)

    # --- pseudo-experiments ------------------------------------------------------------------------------------
    def draw(self, params, rng: np.random.Generator, aux_centre=None) -> tuple[np.ndarray, np.ndarray]:
        """One pseudo-experiment at ``params``: Poisson counts per bin, and auxiliary measurements drawn from
        N(θ_k, σ_k) (``aux_centre`` overrides the centre, e.g. the nominal 1 in a frequentist construction)."""
        params = np.asarray(params, float)
        data = rng.poisson(self.expected(params)).astype(float)
        centre = params[1:] if aux_centre is None else np.asarray(aux_centre, float)
        aux = np.where(self._constrained, rng.normal(centre, np.where(self._constrained, self._sigma, 1.0)), np.nan)
        return data, aux

"""Binned Poisson likelihood of a :class:`~simcoh.fit.model.FitModel`, minimised and profiled with iminuit.

−ln L(θ) = Σ_channels Σ_b [ν_b − n_b ln ν_b + ln Γ(n_b + 1)] + ½ Σ_k (α_k − a_k)² + ½ Σ_b ((γ_b − 1)/σ_b)²,

with ν_b = γ_b · Σ_{s ∈ staterror} ν_sb(θ) + Σ_{s ∉ staterror} ν_sb(θ) (model.py gives ν_sb). The Barlow–Beeston-lite
factors γ_b are profiled analytically bin by bin (the positive root of ∂(−ln L)/∂γ_b = 0, a quadratic), so iminuit
only sees the model parameters; this is the exact profile, the same minimum and the same curvature in the other
parameters as fitting the γ_b explicitly (as pyhf does). a_k (``Parameter.aux``, 0 by default) are the centres of
the Gaussian constraints. Constants (ln Γ(n + 1)) are kept so that −ln L equals
pyhf's −logpdf up to the Gaussian normalisation constants.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.special import gammaln

from ..errors import Diagnostic, InputError
from .extra import require
from .model import FitModel, HistoSys, NormFactor, NormSys
from .results import FitResult, MinosError

_TINY = 1e-300


def require_fit_extra():
    """Import iminuit, or raise an InputError saying how to install the ``fit`` extra."""
    return require("iminuit", "fitting")


class _ChannelArrays:
    """Precomputed arrays of one channel for fast evaluation: the nominal templates as a (sample × bin) matrix,
    each sample's factors (NormFactor, NormSys) as parameter indices, every HistoSys as rows of one matrix."""

    def __init__(self, channel, index):
        self.name = channel.name
        self.data = channel.data
        self.const = float(np.sum(gammaln(channel.data + 1.0)))
        samples = channel.samples
        self.names = [s.name for s in samples]
        self.nominal = np.array([s.nominal for s in samples]).reshape(-1, channel.n_bins)
        self.norm = [[index[m.parameter] for m in s.modifiers if isinstance(m, NormFactor)] for s in samples]
        self.normsys = [[(index[m.parameter], float(m.lo), float(m.hi)) for m in s.modifiers if isinstance(m, NormSys)]
                        for s in samples]
        # HistoSys m of sample s(m): + α (hi − nominal) for α ≥ 0, + |α| (lo − nominal) below; rows [all hi; all lo]
        hs = [(i, index[m.parameter], m.hi - s.nominal, m.lo - s.nominal) for i, s in enumerate(samples)
              for m in s.modifiers if isinstance(m, HistoSys)]
        self.hs_param = np.array([h[1] for h in hs], dtype=int)
        self.hs_rows = np.array([h[2] for h in hs] + [h[3] for h in hs]).reshape(-1, channel.n_bins)
        self.hs_sample = np.array([h[0] for h in hs] * 2, dtype=int)
        self.hs_map = np.zeros((len(samples), 2 * len(hs)))  # sample × row incidence
        self.hs_map[self.hs_sample, np.arange(2 * len(hs))] = 1.0
        self.stat = np.array([bool(s.staterror and s.sumw2 is not None) for s in samples], dtype=bool)
        self.split = np.array([self.stat, ~self.stat], dtype=float)  # (staterror part, other part) × sample
        sumw2 = sum((s.sumw2 for s, st in zip(samples, self.stat) if st), np.zeros(channel.n_bins))
        nom = self.nominal[self.stat].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(nom > 0, np.sqrt(sumw2) / np.where(nom > 0, nom, 1.0), 0.0)
        self.bb_sigma = rel  # relative MC uncertainty per bin; 0 = no factor
        self.bb_mask = rel > 0
        self.bb_s2 = np.where(self.bb_mask, rel ** 2, 1.0)
        self.has_bb = bool(np.any(self.bb_mask))

    def _terms(self, xs, x):
        """(counts per sample before the normalisation factors, clipped at 0 (sample × bin), the product of each
        sample's factors) at parameter vector ``x`` (``xs``: the same as a list of floats, faster for scalars)."""
        f = []
        for norm, normsys in zip(self.norm, self.normsys):
            fi = 1.0
            for k in norm:
                fi *= xs[k]
            for k, lo, hi in normsys:
                fi *= hi ** xs[k] if xs[k] >= 0 else lo ** (-xs[k])
            f.append(fi)
        f = np.array(f)
        if not self.hs_param.size:
            return self.nominal, f
        a = x[self.hs_param]
        coeff = np.maximum(np.concatenate((a, -a)), 0.0)
        base = self.nominal + (self.hs_map * coeff) @ self.hs_rows
        return np.maximum(base, 0.0, out=base), f

    def components(self, x):
        """Expected counts per sample before the Barlow–Beeston factors, and whether each takes part."""
        base, f = self._terms(x.tolist(), x)
        return [(name, base[i] * f[i], bool(self.stat[i])) for i, name in enumerate(self.names)]

    def gamma(self, a, c):
        """Profiled BB-lite factors for staterror part ``a`` and other part ``c`` of the expectation."""
        n = self.data
        s2 = self.bb_s2
        # (γ − 1)(γa + c)/σ² + a(γa + c) − n a = 0  →  A γ² + B γ + C = 0
        A = a / s2
        B = c / s2 - a / s2 + a * a
        C = a * c - c / s2 - n * a
        with np.errstate(divide="ignore", invalid="ignore"):
            disc = np.sqrt(np.maximum(B * B - 4 * A * C, 0.0))
            g = np.where(A > 0, (-B + disc) / (2 * np.where(A > 0, A, 1.0)), 1.0)
        return np.where(self.bb_mask, np.maximum(g, 0.0), 1.0)

    def _expectation(self, xs, x, bb):
        """(base, f, γ or None, ν per bin) at ``x``."""
        base, f = self._terms(xs, x)
        if bb and self.has_bb:
            a, c = (self.split * f) @ base
            g = self.gamma(a, c)
            return base, f, g, g * a + c
        return base, f, None, f @ base

    def evaluate(self, x, bb=True, xs=None):
        """(expected counts per bin, γ per bin or None without factors, −ln L of the channel incl. the BB
        constraint)."""
        _, _, g, nu = self._expectation(x.tolist() if xs is None else xs, x, bb)
        nll = float(nu.sum() - self.data @ np.log(np.maximum(nu, _TINY)) + self.const)
        if g is not None:
            nll += float(0.5 * (np.where(self.bb_mask, (g - 1.0) ** 2, 0.0) @ (1.0 / self.bb_s2)))
        return nu, g, nll

    def gradient(self, xs, x, bb, out):
        """Add ∂(−ln L of the channel)/∂x to ``out``. The profiled γ_b sit where ∂(−ln L)/∂γ_b = 0, so they
        drop out (envelope theorem): ∂/∂x_k = Σ_b (1 − n_b/ν_b) Σ_s γ_b^(s) ∂ν_sb/∂x_k (γ^(s) = 1 for samples
        without staterror)."""
        base, f, g, nu = self._expectation(xs, x, bb)
        r = 1.0 - self.data / np.maximum(nu, _TINY)
        w = np.where(self.stat[:, None], r * g, r) if g is not None else np.broadcast_to(r, base.shape)
        wb = np.einsum("sb,sb->s", w, base).tolist()  # Σ_b w_sb × counts before the factors, per sample
        for i, (norm, normsys) in enumerate(zip(self.norm, self.normsys)):
            for j, k in enumerate(norm):  # ∂/∂x_k of Π x: the other factors
                others = 1.0
                for jj, kk in enumerate(norm):
                    if jj != j:
                        others *= xs[kk]
                for kk, lo, hi in normsys:
                    others *= hi ** xs[kk] if xs[kk] >= 0 else lo ** (-xs[kk])
                out[k] += wb[i] * others
            for k, lo, hi in normsys:  # d/dα of hi^α or lo^(−α)
                out[k] += wb[i] * f[i] * (math.log(hi) if xs[k] >= 0 else -math.log(lo))
        if self.hs_param.size:
            # ∂ν_sb/∂α = f_s (hi − nominal)_b for α ≥ 0, −f_s (lo − nominal)_b below, 0 where ν_sb is clipped at 0
            wf = (w * np.where(base > 0, f[:, None], 0.0))[self.hs_sample]
            per_row = np.einsum("mb,mb->m", wf, self.hs_rows)
            m = self.hs_param.size
            a = x[self.hs_param]
            d = np.where(a >= 0, per_row[:m], -per_row[m:])
            out += np.bincount(self.hs_param, weights=d, minlength=out.size)


class Likelihood:
    """−ln L of ``model`` as a function of its parameters (in ``model.parameter_names`` order).

    ``barlow_beeston``: profile the Barlow–Beeston-lite factors (default True); False treats templates as exact.
    ``channels``: restrict to these channels (default all)."""

    def __init__(self, model: FitModel, barlow_beeston: bool = True, channels=None):
        self.model = model
        self.barlow_beeston = barlow_beeston
        self.parameters = model.parameter_names
        self.index = {n: i for i, n in enumerate(self.parameters)}
        chans = model.channels if channels is None else [model.channel(c) for c in channels]
        self._channels = [_ChannelArrays(c, self.index) for c in chans]
        self._constrained = np.array([p.constraint == "normal" for p in model.parameters], dtype=bool)
        self._aux = np.array([p.aux for p in model.parameters], dtype=float)[self._constrained]

    # --- evaluation -------------------------------------------------------------------------------------------
    def vector(self, values: Mapping[str, float] | None = None) -> np.ndarray:
        """Parameter vector from a mapping (missing parameters take their ``init``)."""
        values = dict(values or {})
        unknown = set(values) - set(self.parameters)
        if unknown:
            raise KeyError(f"unknown parameter(s) {sorted(unknown)}; the model has {self.parameters}")
        return np.array([float(values.get(p.name, p.init)) for p in self.model.parameters])

    def nll(self, x) -> float:
        """−ln L at parameter vector ``x`` (Barlow–Beeston factors profiled)."""
        x = np.asarray(x, dtype=float)
        xs = x.tolist()
        pull = x[self._constrained] - self._aux
        total = 0.5 * float(pull @ pull)
        for ch in self._channels:
            total += ch.evaluate(x, self.barlow_beeston, xs)[2]
        return total

    def __call__(self, x) -> float:
        return self.nll(x)

    def grad(self, x) -> np.ndarray:
        """∂(−ln L)/∂x, analytic (Barlow–Beeston factors profiled; checked against finite differences in
        tests/test_fit_core.py). MIGRAD uses it: a few times fewer −ln L evaluations than numerical derivatives."""
        x = np.asarray(x, dtype=float)
        xs = x.tolist()
        out = np.zeros(x.size)
        out[self._constrained] = x[self._constrained] - self._aux
        for ch in self._channels:
            ch.gradient(xs, x, self.barlow_beeston, out)
        return out

    def channel_summary(self, values) -> dict:
        """At ``values``, per channel: {"expected": counts per bin, "samples": {sample: counts} (staterror samples
        scaled by γ), "gammas": γ per bin (1 without factors), "deviance": Baker–Cousins χ²_λ}, in one evaluation."""
        x = values if isinstance(values, np.ndarray) else self.vector(values)
        out = {}
        for ch in self._channels:
            nu, g, _ = ch.evaluate(x, self.barlow_beeston)
            g = np.ones(ch.data.size) if g is None else g
            n = ch.data
            floored = np.maximum(nu, _TINY)
            with np.errstate(divide="ignore", invalid="ignore"):
                term = np.where(n > 0, n * np.log(n / floored), 0.0)
            out[ch.name] = {"expected": nu, "gammas": g, "deviance": float(2 * np.sum(floored - n + term)),
                            "samples": {name: (v * g if st else v) for name, v, st in ch.components(x)}}
        return out

    def expected(self, values: Mapping[str, float] | np.ndarray | None = None, per_sample: bool = False) -> dict:
        """Expected counts per channel (flattened) at ``values``, Barlow–Beeston factors included; with
        ``per_sample`` a dict channel -> {sample: counts} (each staterror sample scaled by the channel's γ)."""
        key = "samples" if per_sample else "expected"
        return {name: c[key] for name, c in self.channel_summary(values).items()}

    def gammas(self, values) -> dict:
        """The profiled Barlow–Beeston factors per channel at ``values``."""
        return {name: c["gammas"] for name, c in self.channel_summary(values).items()}

    def deviance(self, values) -> dict:
        """Baker–Cousins Poisson deviance χ²_λ = 2 Σ [ν − n + n ln(n/ν)] per channel (S. Baker, R. Cousins,
        NIM 221, 437 (1984)) at ``values``; constraint terms are not included."""
        return {name: c["deviance"] for name, c in self.channel_summary(values).items()}

    @property
    def n_bins(self) -> int:
        return int(sum(ch.data.size for ch in self._channels))


def _minuit(lik: Likelihood, init: Mapping | None, fixed: Mapping | None):
    iminuit = require_fit_extra()
    x0 = lik.vector({**(init or {}), **(fixed or {})})
    m = iminuit.Minuit(lik.nll, x0, grad=lik.grad, name=lik.parameters)
    m.errordef = iminuit.Minuit.LIKELIHOOD
    m.tol = 0.01  # EDM goal 2e-5 (iminuit: 0.002 × tol × errordef); the default 0.1 leaves ~1e-4 offsets
    for p in lik.model.parameters:
        if p.bounds is not None:
            m.limits[p.name] = p.bounds
        if p.constraint == "normal":
            m.errors[p.name] = 0.5
        else:
            m.errors[p.name] = max(0.1 * abs(p.init), 0.01)
    for name in (fixed or {}):
        m.fixed[name] = True
    return m


def fit(model_or_likelihood, *, init: Mapping | None = None, fixed: Mapping | None = None, hesse: bool = True,
        minos=False, barlow_beeston: bool = True) -> FitResult:
    """Maximum-likelihood fit with iminuit (MIGRAD, then HESSE; MINOS for ``minos`` = True (all free POIs) or a
    list of parameter names). ``fixed``: parameters held at the given values; ``init``: starting values."""
    lik = _as_likelihood(model_or_likelihood, barlow_beeston)
    if set(lik.parameters) <= set(fixed or {}):  # nothing floats (or no parameter): −ln L at the fixed values
        x = lik.vector(fixed)
        return _make_result(lik, dict(zip(lik.parameters, x.tolist())), dict.fromkeys(lik.parameters, 0.0), [],
                            np.zeros((0, 0)), lik.nll(x), True, 0.0, {}, fixed)
    m = _minuit(lik, init, fixed)
    m.strategy = 1
    m.migrad(ncall=100_000)
    if not m.valid:  # one retry from the first minimum with the more careful strategy
        m.strategy = 2
        m.migrad(ncall=100_000)
    if hesse and any(not m.fixed[n] for n in lik.parameters):
        m.hesse()
    minos_errors = {}
    free = [n for n in lik.parameters if not m.fixed[n]]
    if minos:
        names = [n for n in (lik.model.pois if minos is True else list(minos)) if n in free]
        for name in names:
            try:
                m.minos(name)
                me = m.merrors[name]
                minos_errors[name] = MinosError(float(me.lower), float(me.upper), bool(me.is_valid))
            except RuntimeError as err:  # iminuit refuses MINOS on an invalid minimum
                minos_errors[name] = MinosError(float("nan"), float("nan"), False, str(err))
    return _result(lik, m, minos_errors, fixed)


def _as_likelihood(obj, barlow_beeston=True) -> Likelihood:
    if isinstance(obj, Likelihood):
        return obj
    if isinstance(obj, FitModel):
        return Likelihood(obj, barlow_beeston=barlow_beeston)
    raise TypeError(f"expected a FitModel or Likelihood, not {type(obj).__name__}")


def _result(lik: Likelihood, m, minos_errors, fixed) -> FitResult:
    values = {n: float(m.values[n]) for n in lik.parameters}
    errors = {n: (0.0 if m.fixed[n] else float(m.errors[n])) for n in lik.parameters}
    free = [n for n in lik.parameters if not m.fixed[n]]
    cov = np.zeros((len(free), len(free)))
    if m.covariance is not None and free:
        full = np.array(m.covariance)
        idx = [lik.parameters.index(n) for n in free]
        cov = full[np.ix_(idx, idx)]
    return _make_result(lik, values, errors, free, cov, float(m.fval), bool(m.valid),
                        float(m.fmin.edm) if m.fmin is not None else float("nan"), minos_errors, fixed)


def _make_result(lik: Likelihood, values, errors, free, cov, nll, valid, edm, minos_errors, fixed) -> FitResult:
    summary = lik.channel_summary(lik.vector(values))
    return FitResult(model=lik.model.name, parameters=list(lik.parameters), values=values, errors=errors,
                     minos=minos_errors, free=free, covariance=cov, nll=nll, valid=valid,
                     deviance={c: v["deviance"] for c, v in summary.items()}, n_bins=lik.n_bins, n_free=len(free),
                     fixed=dict(fixed or {}), expected={c: v["samples"] for c, v in summary.items()},
                     gammas={c: v["gammas"] for c, v in summary.items()}, edm=edm)


def profile(model_or_likelihood, name: str, values, *, fixed: Mapping | None = None,
            best: FitResult | None = None, barlow_beeston: bool = True) -> np.ndarray:
    """Profile likelihood ratio −2 ln λ(x) = 2 [min −ln L | name = x] − 2 min −ln L for each x in ``values``."""
    lik = _as_likelihood(model_or_likelihood, barlow_beeston)
    best = best or fit(lik, fixed=fixed, hesse=False)
    out = []
    start = dict(best.values)
    for v in values:
        r = fit(lik, init=start, fixed={**(fixed or {}), name: float(v)}, hesse=False)
        out.append(2.0 * (r.nll - best.nll))
        start = dict(r.values)
    return np.maximum(np.array(out), 0.0)


def significance(model_or_likelihood, poi: str | None = None, null: float = 0.0, *, best: FitResult | None = None,
                 barlow_beeston: bool = True) -> tuple[float, float]:
    """Discovery test of ``poi`` against ``poi = null`` with the profile likelihood ratio:
    q0 = −2 ln λ(null) (0 when the best fit is below null), Z = √q0 by Wilks' theorem (one degree of freedom,
    one-sided; S. Wilks, Ann. Math. Stat. 9, 60 (1938); G. Cowan et al., arXiv:1007.1727). Returns (q0, Z)."""
    lik = _as_likelihood(model_or_likelihood, barlow_beeston)
    poi = poi or lik.model.poi
    if poi is None:
        raise InputError(Diagnostic(f"model '{lik.model.name}' names no poi for the significance",
                                    suggestion="add poi = \"<parameter>\" to [model]"))
    best = best or fit(lik, hesse=False)
    if best.values[poi] <= null:
        return 0.0, 0.0
    null_fit = fit(lik, init=best.values, fixed={poi: null}, hesse=False)
    q0 = discovery_q0(lik, best, null_fit)
    return q0, float(np.sqrt(q0))


def discovery_q0(lik: "Likelihood", best: FitResult, null_fit: FitResult) -> float:
    """q0 = 2 (min −ln L | null − min −ln L) ≥ 0, and ∞ when the null hypothesis expects no event in a bin that
    has some (no background there): L(null) is then 0, not the floor at which ln ν is evaluated."""
    expected = lik.expected(null_fit.values)
    if any(np.any((c.data > 0) & (expected[c.name] <= 0)) for c in lik.model.channels):
        return math.inf
    return max(2.0 * (null_fit.nll - best.nll), 0.0)

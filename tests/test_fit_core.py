"""The binned likelihood against hand calculations: a 2-bin toy, the Barlow–Beeston-lite profile against an
explicit minimisation over γ, and its limits (no MC error → exact templates; huge MC error → template free)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

pytest.importorskip("iminuit")

from simcoh.fit import (Axis, Channel, FitModel, HistoSys, Likelihood, NormFactor, NormSys, Parameter,  # noqa: E402
                        Sample, fit, profile, significance)

AX2 = Axis("x", [0.0, 1.0, 2.0], unit="PE")


def _two_bin(data=(12.0, 7.0), sig=(5.0, 2.0), bkg=(6.0, 4.0), sumw2=None, mods=()):
    s = Sample("sig", sig, sumw2=sumw2, modifiers=(NormFactor("mu"), *mods))
    b = Sample("bkg", bkg, sumw2=None)
    params = [Parameter("mu", 1.0, (0.0, 20.0), poi=True)]
    params += [Parameter(m.parameter, 0.0, (-5, 5), "normal") for m in mods]
    return FitModel("toy", [Channel("c", [AX2], data, [s, b])], params, poi="mu")


def test_nll_matches_hand_calculation():
    m = _two_bin(mods=(NormSys("flux", 0.9, 1.2),))
    lik = Likelihood(m)
    mu, a = 1.3, -0.7
    nu = np.array([5.0, 2.0]) * mu * 0.9 ** 0.7 + np.array([6.0, 4.0])
    n = np.array([12.0, 7.0])
    hand = sum(nu[i] - n[i] * math.log(nu[i]) + math.lgamma(n[i] + 1) for i in range(2)) + 0.5 * a * a
    assert lik.nll(lik.vector({"mu": mu, "flux": a})) == pytest.approx(hand, rel=1e-12)
    # positive side of the exponential interpolation
    nu = np.array([5.0, 2.0]) * mu * 1.2 ** 0.4 + np.array([6.0, 4.0])
    hand = sum(nu[i] - n[i] * math.log(nu[i]) + math.lgamma(n[i] + 1) for i in range(2)) + 0.5 * 0.4 ** 2
    assert lik.nll(lik.vector({"mu": mu, "flux": 0.4})) == pytest.approx(hand, rel=1e-12)


def test_histosys_linear_interpolation():
    hs = HistoSys("qf", lo=[4.0, 1.0], hi=[7.0, 2.5])
    m = _two_bin(mods=(hs,))
    exp = Likelihood(m).expected({"mu": 1.0, "qf": 0.5})["c"]
    assert exp == pytest.approx([5.0 + 0.5 * 2.0 + 6.0, 2.0 + 0.5 * 0.5 + 4.0])
    exp = Likelihood(m).expected({"mu": 1.0, "qf": -0.5})["c"]
    assert exp == pytest.approx([5.0 - 0.5 * 1.0 + 6.0, 2.0 - 0.5 * 1.0 + 4.0])


def test_one_bin_fit_analytic():
    """One bin, signal s·μ + known b: μ̂ = (n − b)/s, HESSE σ = √n / s, −2 ln λ(0) = 2[n ln(n/b) − (n − b)]."""
    ax = Axis("x", [0.0, 1.0])
    n, s, b = 40.0, 20.0, 10.0
    m = FitModel("one", [Channel("c", [ax], [n], [Sample("sig", [s], modifiers=(NormFactor("mu"),)),
                                                  Sample("bkg", [b])])],
                 [Parameter("mu", 1.0, (0.0, 10.0), poi=True)], poi="mu")
    r = fit(m, minos=True)
    assert r.values["mu"] == pytest.approx((n - b) / s, abs=1e-3)
    assert r.errors["mu"] == pytest.approx(math.sqrt(n) / s, rel=2e-3)
    q0, z = significance(m, best=r)
    assert q0 == pytest.approx(2 * (n * math.log(n / b) - (n - b)), rel=1e-5)
    assert z == pytest.approx(math.sqrt(q0))
    # MINOS: −2 ln λ = 1 at the interval ends (solve the one-bin profile by hand)
    lo, hi = r.minos["mu"].lower, r.minos["mu"].upper

    def q(mu):
        nu = s * mu + b
        return 2 * (nu - n - n * math.log(nu / n))

    assert q(r.values["mu"] + lo) == pytest.approx(1.0, abs=2e-3)
    assert q(r.values["mu"] + hi) == pytest.approx(1.0, abs=2e-3)
    scan = profile(m, "mu", [r.values["mu"] + hi], best=r)
    assert scan[0] == pytest.approx(1.0, abs=2e-3)
    # Baker–Cousins deviance of a perfect fit is 0, with one bin and one parameter ndof = 0
    assert r.chi2 == pytest.approx(0.0, abs=1e-6) and r.ndof == 0


def test_barlow_beeston_lite_equals_explicit_gamma_minimisation():
    """The analytic γ profile equals a numerical minimisation over γ in each bin."""
    sumw2 = np.array([1.5, 0.8])
    m = _two_bin(sumw2=sumw2)
    lik = Likelihood(m)
    mu = 1.4
    x = lik.vector({"mu": mu})
    a = np.array([5.0, 2.0]) * mu
    c = np.array([6.0, 4.0])
    n = np.array([12.0, 7.0])
    sig = np.sqrt(sumw2) / np.array([5.0, 2.0])
    total = 0.0
    for i in range(2):
        def f(g, i=i):
            nu = g * a[i] + c[i]
            return nu - n[i] * math.log(nu) + math.lgamma(n[i] + 1) + 0.5 * ((g - 1) / sig[i]) ** 2

        res = minimize_scalar(f, bounds=(1e-6, 10), method="bounded", options={"xatol": 1e-10})
        total += res.fun
        assert lik.gammas(x)["c"][i] == pytest.approx(res.x, abs=1e-6)
    assert lik.nll(x) == pytest.approx(total, rel=1e-10)


def test_barlow_beeston_limits():
    """σ → 0: the exact-template likelihood; σ → ∞ in one bin: that bin is fitted exactly (γ absorbs it)."""
    exact = Likelihood(_two_bin(sumw2=None))
    tiny = Likelihood(_two_bin(sumw2=[1e-14, 1e-14]))
    for mu in (0.5, 1.0, 2.0):
        assert tiny.nll(tiny.vector({"mu": mu})) == pytest.approx(exact.nll(exact.vector({"mu": mu})), rel=1e-9)
    # huge MC error on the signal-only sample of a channel without background: ν_b = n_b at the profile
    ax = Axis("x", [0.0, 1.0, 2.0])
    m = FitModel("free", [Channel("c", [ax], [9.0, 3.0], [Sample("s", [4.0, 4.0], sumw2=[1e8, 1e8])])],
                 [Parameter("mu", 1.0, (0, 10))])
    m = FitModel("free", [Channel("c", [ax], [9.0, 3.0],
                                  [Sample("s", [4.0, 4.0], sumw2=[1e8, 1e8], modifiers=(NormFactor("mu"),))])],
                 [Parameter("mu", 1.0, (0, 10))])
    lik = Likelihood(m)
    assert lik.expected({"mu": 1.0})["c"] == pytest.approx([9.0, 3.0], rel=1e-6)


def test_fit_recovers_mu_and_bb_widens_the_error():
    rng = np.random.default_rng(7)
    ax = Axis("x", np.linspace(0, 10, 11))
    sig = 30 * np.exp(-0.5 * (ax.centers - 4) ** 2)
    bkg = np.full(10, 20.0)
    data = rng.poisson(1.5 * sig + bkg).astype(float)
    base = dict(modifiers=(NormFactor("mu"),))
    par = [Parameter("mu", 1.0, (0, 10), poi=True)]
    r0 = fit(FitModel("a", [Channel("c", [ax], data, [Sample("s", sig, **base), Sample("b", bkg)])], par))
    r1 = fit(FitModel("b", [Channel("c", [ax], data, [Sample("s", sig, sumw2=0.04 * sig ** 2, **base),
                                                       Sample("b", bkg)])], par))
    # 1.5 within 3σ (σ ≈ √(Σ(s+b)) / Σs for this shape: ≈ 0.1)
    assert abs(r0.values["mu"] - 1.5) < 3 * r0.errors["mu"]
    # 20 % relative MC error per bin, averaged over ~6 bins: σ_μ grows, by roughly √(σ0² + (0.2/√6 · μ)²)
    assert r1.errors["mu"] > r0.errors["mu"]
    assert r1.errors["mu"] == pytest.approx(math.hypot(r0.errors["mu"], 0.2 * r0.values["mu"] / math.sqrt(6)),
                                            rel=0.35)


def test_constraint_centre_aux():
    """A shifted global observable moves the constraint: with no data sensitivity to α, α̂ = aux."""
    ax = Axis("x", [0.0, 1.0])
    m = FitModel("aux", [Channel("c", [ax], [10.0], [Sample("s", [10.0], modifiers=(NormFactor("mu"),
                                                                                   NormSys("a", 0.9, 1.1)))])],
                 [Parameter("mu", 1.0, (0, 5), poi=True), Parameter("a", 0.0, (-5, 5), "normal")])
    r = fit(m.with_aux({"a": 0.7}))
    assert r.values["a"] == pytest.approx(0.7, abs=0.02)  # mu absorbs the normalisation
    lik = Likelihood(m.with_aux({"a": 0.7}))
    base = Likelihood(m)
    x = lik.vector({"mu": 1.0, "a": 0.2})
    assert lik.nll(x) - base.nll(x) == pytest.approx(0.5 * (0.2 - 0.7) ** 2 - 0.5 * 0.2 ** 2)
    with pytest.raises(KeyError):
        m.with_aux({"mu": 1.0})


def _gradient_model():
    """Two channels; every modifier kind, a parameter shared by several samples, a product of two normfactors,
    Barlow–Beeston factors on some samples and a histosys template that reaches 0 in one bin."""
    rng = np.random.default_rng(3)
    ax = Axis("x", np.arange(7.0))
    s1, s2, s3 = rng.uniform(5, 20, 6), rng.uniform(1, 10, 6), rng.uniform(2, 4, 6)
    lo3 = s3 * 0.8
    lo3[2] = 0.0
    c1 = Channel("c1", [ax], rng.poisson(s1 + s2 + s3).astype(float), [
        Sample("a", s1, sumw2=0.05 * s1, modifiers=(NormFactor("mu"), NormSys("flux", 0.9, 1.15), NormFactor("k"))),
        Sample("b", s2, sumw2=0.1 * s2, modifiers=(HistoSys("shape", s2 * rng.uniform(0.7, 1, 6),
                                                            s2 * rng.uniform(1, 1.4, 6)), NormSys("flux", 0.95, 1.1))),
        Sample("c", s3, modifiers=(NormFactor("k"), HistoSys("shape", lo3, s3 * 1.3)), staterror=False)])
    c2 = Channel("c2", [ax], rng.poisson(s2 + s3).astype(float), [
        Sample("b", s2, sumw2=0.2 * s2, modifiers=(NormFactor("k"),)), Sample("c", s3, modifiers=(NormFactor("mu"),))])
    params = (Parameter("mu"), Parameter("k"), Parameter("flux", 0.0, constraint="normal", aux=0.3),
              Parameter("shape", 0.0, constraint="normal"))
    return FitModel("grad", (c1, c2), params, poi="mu")


@pytest.mark.parametrize("bb", [True, False])
@pytest.mark.parametrize("x", [(1.2, 0.8, 0.4, -0.6), (0.7, 1.3, -0.5, 0.9), (0.0, 1.1, 0.2, -1.2)])
def test_analytic_gradient_matches_finite_differences(bb, x):
    """Likelihood.grad (used by MIGRAD) against central differences of nll: both sides of every interpolation
    (α < 0, α > 0), μ = 0 in a product of normfactors, a clipped bin (α = −1.2 on a template whose −1σ bin is
    0). Central differences with h = 1e-6 are accurate to ~1e-7 here (ν ~ 10, second derivatives ~ 1)."""
    lik = Likelihood(_gradient_model(), barlow_beeston=bb)
    x = np.array(x)
    h = 1e-6
    numeric = np.array([(lik.nll(x + h * e) - lik.nll(x - h * e)) / (2 * h) for e in np.eye(x.size)])
    np.testing.assert_allclose(lik.grad(x), numeric, rtol=1e-6, atol=2e-6)


def test_a_fit_with_nothing_to_float_is_the_poisson_likelihood_by_hand():
    """Every parameter fixed, or a model without parameters (fixed backgrounds only): −ln L is the Poisson sum
    Σ [ν − n ln ν + ln n!] (+ ½ α² for a constrained parameter), evaluated without MIGRAD."""
    from simcoh.fit.signal_background import Background, signal_background_model

    b, n = np.array([1.0, 2.0]), np.array([1.0, 3.0])
    poisson = float(np.sum(b - n * np.log(b)) + math.log(1) + math.log(6))
    none_free = signal_background_model(None, (Background("b", b, fixed=True),), data=n)
    assert fit(none_free).nll == pytest.approx(poisson, rel=1e-12)
    s = np.array([0.5, 0.5])
    model = signal_background_model(s, (Background("b", b, sigma=0.1),), data=n)
    r = fit(model, fixed={"mu": 2.0, "alpha_b": 1.0})
    nu = 2.0 * s + 1.1 * b
    assert r.nll == pytest.approx(float(np.sum(nu - n * np.log(nu))) + math.log(6) + 0.5, rel=1e-12)
    assert r.free == [] and r.values == {"mu": 2.0, "alpha_b": 1.0}

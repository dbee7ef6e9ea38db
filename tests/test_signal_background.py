"""The signal-plus-background models of the toy studies (simcoh.fit.signal_background) fitted by the fit core,
against an independent hand-written −2 ln L minimised with scipy.optimize: best fit, −2Δ ln L profile and the
HESSE error (against the inverse of a finite-difference Hessian of the hand-written function)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

pytest.importorskip("iminuit")

from simcoh.errors import InputError  # noqa: E402
from simcoh.fit import fit, profile  # noqa: E402
from simcoh.fit.signal_background import Background, signal_background_model, theta  # noqa: E402

X = np.arange(8) + 0.5
SIGNAL = np.exp(-X / 2)
FLAT = Background("flat", np.full(8, 30.0), sigma=0.1)
FREE = Background("free", 5 * X)
FIXED = Background("fixed", np.full(8, 2.0), fixed=True)
DATA = np.array([65.0, 74.0, 52.0, 60.0, 66.0, 73.0, 64.0, 61.0])  # Poisson draw at n_sig = 20 (numpy seed 4)


def _hand_twice_nll(p):
    """−2 ln L written out: Poisson deviance of ν = n_sig S + θ_flat B_flat + θ_free B_free + B_fixed, plus the
    Gaussian constraint ((θ_flat − 1)/0.1)²."""
    n_sig, th_flat, th_free = p
    nu = n_sig * SIGNAL + th_flat * FLAT.template + th_free * FREE.template + FIXED.template
    return 2 * np.sum(nu - DATA + DATA * np.log(DATA / nu)) + ((th_flat - 1) / 0.1) ** 2


def _hand_fit(n_sig=None):
    bounds = [(0.0, None), (0.0, None), (0.0, None)]
    x0 = [10.0, 1.0, 1.0]
    if n_sig is not None:
        bounds[0] = (n_sig, n_sig)
        x0[0] = n_sig
    r = optimize.minimize(_hand_twice_nll, x0, method="L-BFGS-B", bounds=bounds,
                          options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 10_000})
    assert r.success
    return r


def _model():
    return signal_background_model(SIGNAL, (FLAT, FREE, FIXED), poi="n_sig", poi_bounds=(0.0, None), data=DATA)


def test_best_fit_and_profile_against_scipy():
    model = _model()
    best = fit(model)
    hand = _hand_fit()
    assert best.valid
    # MIGRAD stops at EDM < 2e-5 (−ln L units): the minimum to ~1e-5, the parameters to ~0.5 % of their errors
    assert best.chi2 + best.values["alpha_flat"] ** 2 == pytest.approx(hand.fun, abs=1e-5)
    assert best.values["n_sig"] == pytest.approx(hand.x[0], abs=5e-3 * best.errors["n_sig"])
    assert theta(FLAT, best.values) == pytest.approx(hand.x[1], abs=5e-3 * 0.1 * best.errors["alpha_flat"])
    assert theta(FREE, best.values) == pytest.approx(hand.x[2], abs=5e-3 * best.errors["theta_free"])
    grid = np.array([best.values["n_sig"] + 5, best.values["n_sig"] + 10, 1.0])
    expected = [_hand_fit(g).fun - hand.fun for g in grid]
    np.testing.assert_allclose(profile(model, "n_sig", grid, best=best), expected, rtol=1e-4, atol=1e-5)


def test_hesse_error_against_the_hand_written_curvature():
    """σ(n_sig) = √(2 [H⁻¹]₀₀) of −2 ln L (H from central differences; errors of −ln L are √(H⁻¹) of −ln L,
    i.e. √(2 H⁻¹) of −2 ln L), in θ; the fit core works in α = (θ_flat − 1)/0.1, which leaves σ(n_sig) alone."""
    best = fit(_model())
    p = _hand_fit().x
    h = np.array([1e-3, 1e-5, 1e-5])
    hess = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            ei, ej = np.eye(3)[i] * h[i], np.eye(3)[j] * h[j]
            hess[i, j] = (_hand_twice_nll(p + ei + ej) - _hand_twice_nll(p + ei - ej) - _hand_twice_nll(p - ei + ej)
                          + _hand_twice_nll(p - ei - ej)) / (4 * h[i] * h[j])
    assert best.errors["n_sig"] == pytest.approx(np.sqrt(2 * np.linalg.inv(hess)[0, 0]), rel=2e-3)


def test_backgrounds_only_and_input_errors():
    """Backgrounds only: one flat template of 240 events with σ = 10 %, 264 observed. ∂(−2 ln L)/∂θ = 0 gives
    2 (240 − 264/θ) + 2 (θ − 1)/0.01 = 0, i.e. 100 θ² + 140 θ − 264 = 0."""
    m = signal_background_model(None, (FLAT,), data=np.full(8, 33.0))
    assert m.poi is None
    r = fit(m)
    exact = (-140 + np.sqrt(140**2 + 4 * 100 * 264)) / 200
    assert theta(FLAT, r.values) == pytest.approx(exact, abs=5e-3 * 0.1 * r.errors["alpha_flat"])
    with pytest.raises(InputError, match="share their binning"):
        signal_background_model(SIGNAL, (Background("short", np.ones(3)),))
    with pytest.raises(InputError, match="must be > 0"):
        signal_background_model(SIGNAL, (Background("bad", np.ones(8), sigma=0.0),))
    with pytest.raises(InputError, match="needs a signal or"):
        signal_background_model(None, ())


def test_significance_is_infinite_where_the_null_expects_nothing():
    """Signal only: μ = 0 expects no event in bins that have some, so L(0) = 0 and q0 = ∞ (not the ln-ν floor);
    with a background the same data give the finite q0 of the hand-written likelihood ratio."""
    from simcoh.fit import significance

    signal = np.array([3.0, 5.0, 2.0])
    data = np.array([4.0, 6.0, 1.0])
    q0, z = significance(signal_background_model(signal, poi="mu", poi_bounds=(0.0, None), data=data))
    assert q0 == np.inf and z == np.inf
    flat = Background("b", np.full(3, 1.0), fixed=True)
    q0, _ = significance(signal_background_model(signal, (flat,), poi="mu", poi_bounds=(0.0, None), data=data))

    def twice_nll(mu):
        nu = mu * signal + 1.0
        return 2 * np.sum(nu - data * np.log(nu))

    mu_hat = optimize.minimize_scalar(twice_nll, bounds=(0.0, 10.0), method="bounded", options={"xatol": 1e-10}).x
    assert q0 == pytest.approx(twice_nll(0.0) - twice_nll(mu_hat), rel=1e-5)

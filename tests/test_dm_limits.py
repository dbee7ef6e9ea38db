"""Dark-matter limits (simcoh.fit.dm_limits) and Feldman-Cousins critical values (simcoh.fit.fc)."""

import math

import numpy as np
import pytest
from scipy import stats

from simcoh.errors import InputError
from simcoh.fit import dm_limits as D
from simcoh.fit.signal_background import Background, signal_background_model
from simcoh.fit.fc import critical_values, upper_limit
from simcoh.fit.simulated import Binning, Template

ONE_BIN = Binning("pe", np.array([0.0, 1e9]), np.array([-1e12, 1e12]))


def test_y_and_epsilon_by_hand():
    # Y = ε² α_D (m_χ/m_A')⁴ = 1e-8 · 0.5 / 81
    assert D.y_value(1e-4, 10.0, 30.0) == pytest.approx(1e-8 * 0.5 / 81)
    # 16 times fewer events: ε halves (counts ∝ ε⁴)
    assert D.epsilon_limit(1.0, 16.0, 1e-4) == pytest.approx(0.5e-4)


def test_dm_counts_scale_as_epsilon_to_the_fourth():
    """The χ template comes from the generator: doubling ε multiplies it by 16 (production ε², detection ε²);
    the same seed gives the same events, so the ratio is exact up to rounding."""
    fast = {"setupDecays": 100_000}
    a = D.dm_template(10.0, epsilon_ref=1e-4, n_events=2000, seed=3, binning=ONE_BIN, options=fast)
    b = D.dm_template(10.0, epsilon_ref=2e-4, n_events=2000, seed=3, binning=ONE_BIN, options=fast)
    assert a.total > 0
    assert b.total / a.total == pytest.approx(16.0, rel=1e-9)


def test_empty_signal_template_is_an_input_error():
    empty = Template("dm", np.zeros(1), np.zeros(1), 0, 0.0)
    bkg = Template("ss", np.ones(1), np.ones(1), 10, 1.0)
    with pytest.raises(InputError, match="no events in the analysis region"):
        D.limit_model(empty, {"ss": bkg})


def test_upper_limit_interpolates_the_crossing():
    mu = np.array([0.0, 1.0, 2.0, 3.0])
    t_obs = np.array([0.0, 1.0, 2.0, 4.0])
    assert upper_limit(mu, t_obs, np.full(4, 3.0)) == pytest.approx(2.5)
    assert math.isnan(upper_limit(mu, t_obs, np.full(4, 5.0)))


def _exact_fc_critical(mu: float, b: float, cl: float) -> tuple[float, float, float]:
    """Exact FC critical value of a one-bin Poisson counting experiment with known background b, by
    enumerating n (G. J. Feldman, R. D. Cousins, PRD 57, 3873 (1998)); returns (t_c, CDF just below, CDF at)."""
    n = np.arange(0, int(mu + b + 20 * math.sqrt(mu + b + 1)))
    p = stats.poisson.pmf(n, mu + b)

    def dev(nu):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2 * (nu - n + np.where(n > 0, n * np.log(n / nu), 0.0))

    t = dev(mu + b) - dev(np.maximum(n - b, 0.0) + b)
    order = np.argsort(t, kind="stable")
    values, cdf = t[order], np.cumsum(p[order])
    k = int(np.searchsorted(cdf, cl - 1e-12))
    return float(values[k]), float(cdf[k - 1]) if k else 0.0, float(cdf[k])


def test_fc_critical_values_match_exact_enumeration():
    """One bin, background b = 2 known, μ = 2: the toy quantile equals the exact FC critical value (the
    discrete t jumps across the 90 % point with a margin of several standard errors of the toy CDF)."""
    model = signal_background_model(np.ones(1), (Background("b", np.full(1, 2.0), fixed=True),), poi_bounds=(0.0, None))
    n_toys = 1500
    exact, below, at = _exact_fc_critical(2.0, 2.0, 0.9)
    se = math.sqrt(0.09 / n_toys)
    assert below < 0.9 - 3 * se and at > 0.9 + 3 * se  # the test case is not on a knife edge
    cv = critical_values(model, [2.0], n_toys=n_toys, nuisances="nominal", seed=11)
    assert cv.t_crit[0] == pytest.approx(exact, abs=1e-4)


def test_fc_critical_value_tends_to_wilks_far_from_the_boundary():
    """Large counts, μ far from 0, a 5 % constrained background: t_c → χ²(1 dof) 90 % quantile 2.706
    (tolerance: 4 standard errors of an empirical quantile from 1000 toys, ≈ 4 × 0.18)."""
    model = signal_background_model(np.array([100.0, 60.0, 40.0]), (Background("b", np.array([300.0, 300.0, 300.0]),
                                                                              sigma=0.05),), poi_bounds=(0.0, None))
    n_toys = 1000
    cv = critical_values(model, [3.0], n_toys=n_toys, nuisances="nominal", seed=5)
    se = math.sqrt(0.09 / n_toys) / stats.chi2.pdf(2.706, 1)
    assert abs(cv.t_crit[0] - stats.chi2.ppf(0.9, 1)) < 4 * se


@pytest.mark.slow
def test_csi2021_expected_limit_at_10_mev_near_published():
    """The fit core's CsI 2021 model + χ at m_χ = 10 MeV: the median expected 90 % CL limit on N_DM (FC critical
    values from 100 pseudo-experiments per point) against the published N_DM < 27 (arXiv:2110.11453; D. Pershey,
    Dec. 2020), within a factor 1.5; the observed limit is finite (docs/dm-limits.md explains why it is lower)."""
    from simcoh.fit import dm_core as C
    from simcoh.fit import load_model

    model = load_model("csi-2021")
    signal = D.dm_template(10.0, n_events=20_000, binning=C.channel_binning(model))
    with_dm = C.with_dm(model, signal)
    cv = critical_values(with_dm, np.arange(0.0, 50.1, 10.0), n_toys=100, seed=1, workers=2)
    fine = np.arange(0.0, 60.01, 1.0)
    expected = upper_limit(fine, C.expected_profile(with_dm, fine), cv.at(fine))
    assert 27 / 1.5 < expected < 27 * 1.5
    observed = upper_limit(fine, C.profile_n_dm(with_dm, fine)[1], cv.at(fine))
    assert 0 < observed < 60


def test_core_fc_critical_values_match_exact_enumeration():
    """The same exact check for a model made by simcoh.fit.dm_core.with_dm (χ sample with Monte Carlo variances,
    so Barlow-Beeston factors take part): one bin, known background 0.2, N = 1.5;
    the exact 90 % critical value is 3.0 with the CDF jumping from 0.79 to 0.97 there (> 4 standard errors of
    300 toys either side)."""
    from simcoh.fit import dm_core
    from simcoh.fit.model import Axis, Channel, FitModel, Sample

    exact, below, at = _exact_fc_critical(1.5, 0.2, 0.9)
    assert exact == pytest.approx(3.0, abs=1e-9) and below < 0.83 and at > 0.96
    base = FitModel("one-bin", (Channel("c", (Axis("pe", [0.0, 1.0], column="pe"), Axis("t", [0.0, 1.0])),
                                        np.zeros(1), (Sample("b", np.full(1, 0.2), staterror=False),)),), ())
    model = dm_core.with_dm(base, Template("dm", np.ones(1), np.zeros(1), 100, 1.0))
    cv = critical_values(model, [1.5], n_toys=300, seed=2)
    assert cv.t_crit[0] == pytest.approx(exact, abs=2e-3)

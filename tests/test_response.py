"""Tests of simcoh.response against hand calculations, published values and exact distributions.

Statistical checks use fixed seeds; tolerances come from the sample size (5 σ of the sampling error,
or KS / χ² critical values at small p), so a wrong model fails and a right one does not flake.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from simcoh.detector import Override, load_geometry
from simcoh.detector.model import default_section
from simcoh.errors import InputError
from simcoh.response import (Constant, IsotopeQuenching, Lindhard, Linear, Polynomial, Table, accept,
                             afterglow_pe, apply_efficiency, build_spe_table, energy_efficiency, f90,
                             ionization_energy, photon_response, quenching_model, rate_moments_per_ns, signal_pe,
                             smear, time_efficiency)
from simcoh.rng import stage_key

#: Statistical tests fail below p = 1e-6 (≈ 5 σ two-sided, like the moment checks); the KS distance
#: bound at that p is KS_CRIT/√n with KS_CRIT = √(−ln(P_MIN/2)/2) (asymptotic Kolmogorov law).
P_MIN = 1e-6
KS_CRIT = math.sqrt(-math.log(P_MIN / 2) / 2)  # 2.69
KEY = stage_key(2024, "response.photon")
KEY_AG = stage_key(2024, "response.afterglow")
CSI_LY = 13.35  # PE/keVee, CsI[Na] 2021 (PHYSICS.md §3)

# Parameters are detector sections (simcoh.detector.model), built here from explicit numbers:
LIGHT = default_section("light", yield_pe_per_kev=CSI_LY)  # Poisson PE, CsI[Na] 2021 yield
SPE = default_section("spe", model="gamma", mean=1.0, relative_width=0.542)  # CsI[Na] 2021 (docs/response.md)
CSI_NA = default_section("scintillation", tau_ns=(600.0,), fractions=(1.0,))  # one ≈ 0.6 µs decay (PHYSICS.md §3)
# LAr: singlet 6 ns, triplet 1.5 µs (arXiv:2003.10630); singlet fraction 0.25 (ER), 0.70 (NR)
LAR = default_section("scintillation", tau_ns=(6.0, 1500.0), fractions=(0.25, 0.75), nr_fractions=(0.70, 0.30))
PRETRACE_NS, ROI_NS = 40_000.0, 15_000.0  # CsI[Na] 2021 window (arXiv:2110.07730)
WINDOW_NS = PRETRACE_NS + ROI_NS


def light(**fields):
    return default_section("light", **{"yield_pe_per_kev": CSI_LY, **fields})


def afterglow(**fields):
    return default_section("afterglow", model="poisson", **fields)


def csi(**over):
    return load_geometry("csi-2021", [Override(k, str(v)) for k, v in over.items()])


# --- quenching -----------------------------------------------------------------------------------
def test_csi_2021_polynomial_matches_hand_values():
    # E_ee = 0.0554628 x + 4.30681 x² − 111.707 x³ + 840.384 x⁴ (x in MeVnr), evaluated by hand with
    # exact rational arithmetic: 3, 5, 10, 15 keVnr → 0.202202, 0.371546, 0.882006, 1.466508 keVee.
    q = Polynomial.csi_2021()
    expected = [0.2022016721, 0.371546115, 0.88200584, 1.466507565]
    np.testing.assert_allclose(q.e_ee_kev([3.0, 5.0, 10.0, 15.0]), expected, rtol=1e-9)
    assert round(float(q.e_ee_kev(10.0)), 3) == 0.882  # PHYSICS.md §3 headline


def test_csi_2017_constant_and_lar_linear():
    np.testing.assert_allclose(Constant.csi_2017().e_ee_kev([10.0, 20.0]), [0.878, 1.756], rtol=1e-12)
    # LAr: QF = 0.246 + 0.00078 T → at 20 keVnr QF = 0.2616, E_ee = 5.232 keVee; at 50: 0.285 → 14.25
    np.testing.assert_allclose(Linear.lar_2020().e_ee_kev([20.0, 50.0]), [5.232, 14.25], rtol=1e-12)


def test_lindhard_germanium_matches_independent_values():
    # k = 0.133 · 32^(2/3) / √72.63 = 0.1573; ε = 11.5 · 32^(−7/3) · T; QF = k g/(1 + k g)
    # computed independently: QF(1, 5, 10, 20 keV) = 0.17126, 0.21272, 0.23445, 0.25969
    q = Lindhard(z=32, a=72.63)
    assert q.k == pytest.approx(0.15730, abs=1e-5)
    np.testing.assert_allclose(q.quenching_factor([1.0, 5.0, 10.0, 20.0]), [0.17126, 0.21272, 0.23445, 0.25969],
                               atol=2e-5)
    assert 0.2 < float(q.quenching_factor(10.0)) < 0.25  # ≈ 0.2 around 10 keV (PHYSICS.md §3)


@pytest.mark.parametrize(
    "model",
    [Polynomial.csi_2021(), Polynomial.csi_2021("syst0_minus"), Constant.csi_2017(), Linear.lar_2020(),
     Lindhard(z=32, a=72.63), Table((2.0, 5.0, 10.0, 30.0), (0.1, 0.4, 0.9, 3.0))],
)
def test_quenching_inverse_round_trip(model):
    model.validate((0.0, 30.0))
    t = np.array([0.5, 1.0, 3.7, 8.0, 12.5, 29.0])
    np.testing.assert_allclose(model.t_nr_kev(model.e_ee_kev(t)), t, rtol=1e-9, atol=1e-9)


def test_quenching_validation_names_the_key():
    with pytest.raises(InputError, match="quenching.coefficients.*negative"):
        Polynomial((-0.01, 1.0)).validate((0.0, 5.0))  # E_ee < 0 below 10 keVnr
    with pytest.raises(InputError, match="quenching.coefficients.*not monotonic"):
        Polynomial((0.1, -10.0)).validate((0.0, 10.0))  # peaks at 5 keVnr
    with pytest.raises(InputError, match="factor"):
        load_geometry("csi-2017", [Override("quenching.factor", "-0.1")])
    with pytest.raises(InputError, match="polynomal"):
        load_geometry("csi-2021", [Override("quenching.model", "polynomal")])
    section = default_section("quenching", model="linear", offset=0.246, slope_per_kev=0.00078)
    assert quenching_model(section) == Linear.lar_2020()


def test_per_isotope_quenching_selects_model():
    iso = IsotopeQuenching(default=Constant(0.15), overrides={1: Constant(0.10)})  # NaI: I, Na (PHYSICS.md)
    np.testing.assert_allclose(iso.e_ee_kev([10.0, 10.0, 20.0], [0, 1, 1]), [1.5, 1.0, 2.0])
    assert iso.model_for(1) == Constant(0.10)


# --- parameters ----------------------------------------------------------------------------------
@pytest.mark.parametrize("key, value, message", [
    ("light.yield", "-13.35 PE/keV", "yield is negative: -13.35"),
    ("scintillation.fractions", "[0.5, 0.6]", "fractions sum to 1.1, not 1"),
    ("scintillation.nr_fractions", "[1.0]", "nr_fractions has 1 entries but tau has 2"),
    ("spe.relative_width", "0", "relative_width is out of range: 0"),
    ("afterglow.bright_probability", "1.5", "bright_probability is out of range: 1.5"),
    ("light.yeild", "13.35 PE/keV", "did you mean 'light.yield'?"),
])
def test_bad_parameters_raise_input_error_naming_the_key(key, value, message):
    """Detector parameters are checked once, by the geometry loader (schema ranges, cross-key checks)."""
    with pytest.raises(InputError) as err:
        csi(**{key: value})
    assert message in str(err.value)


def test_good_parameters_load():
    assert csi(**{"light.yield": "8 PE/keV"}).light.yield_pe_per_kev == 8.0
    assert csi(**{"spe.model": "polya"}).spe.model == "polya"  # width 0.542 <= 1: a valid Polya law


def test_polya_spe_wider_than_one_is_rejected_at_load():
    with pytest.raises(InputError, match="relative_width = 1.2 is above 1"):
        csi(**{"spe.model": "polya", "spe.relative_width": "1.2"})


def test_missing_spe_section_takes_the_schema_defaults():
    from simcoh.response import spe_section

    det = load_geometry("cenns10-lar")
    assert det.spe is None and spe_section(det) == SPE


# --- SPE table -----------------------------------------------------------------------------------
def test_spe_gamma_table_is_exact_to_table_resolution():
    table = build_spe_table(default_section("spe", model="gamma", mean=2.0, relative_width=0.5))
    law = stats.gamma(4.0, scale=0.5)
    m = table.size
    np.testing.assert_allclose(table.quantiles[:-1], law.ppf(np.arange(m) / m), rtol=1e-12)
    # sampled through the kernel: many zero-energy-free events with fixed mean PE
    pe = signal_pe(np.full(20000, 30.0 / CSI_LY), KEY, LIGHT, CSI_NA, table)
    n = pe.charge.size
    d = stats.kstest(pe.charge.astype(float), law.cdf).statistic
    assert d < KS_CRIT / math.sqrt(n) + 1.0 / m  # KS critical value at P_MIN, plus table resolution
    assert abs(pe.charge.mean() - 2.0) < 5 * 1.0 / math.sqrt(n)  # σ = 2 · 0.5


def test_spe_histogram_table():
    # file rows: bin edges 0, 0.5, 1, 2 with densities 1, 0, 3 (the last row's density is not used)
    spe = default_section("spe", model="table", mean=1.0, table_path="spe.txt",
                          table_data=((0.0, 0.5, 1.0, 2.0), (1.0, 0.0, 3.0, 0.0)))
    pe = signal_pe(np.full(20000, 20.0 / CSI_LY), KEY, LIGHT, CSI_NA, spe)
    q = pe.charge.astype(float)

    def cdf(x):  # piecewise-uniform: 1/4 on [0, 0.5), 3/4 on [1, 2)
        return np.clip(x / 0.5, 0, 1) * 0.25 + np.clip(x - 1.0, 0, 1) * 0.75

    assert stats.kstest(q, cdf).pvalue > P_MIN
    # the empty bin receives at most the one table cell (probability 1/M) that straddles it
    m = build_spe_table(spe).size
    assert np.sum((q > 0.5) & (q < 1.0)) <= q.size / m + 5 * math.sqrt(q.size / m)


# --- photon mode ---------------------------------------------------------------------------------
def _compound_poisson_gamma_cdf(x, mu, w):
    """Exact CDF of Σ_{k≤N} X_k / E[X], N ~ Poisson(μ), X ~ Gamma with relative width w."""
    k = np.arange(1, int(mu + 15 * math.sqrt(mu) + 30))
    pk = stats.poisson.pmf(k, mu)
    return math.exp(-mu) + (pk[:, None] * stats.gamma.cdf(np.atleast_1d(x)[None, :], k[:, None] / w**2,
                                                          scale=w**2)).sum(axis=0)


@pytest.mark.parametrize("mu", [10.0, 30.0, 60.0])
def test_photon_charge_reproduces_published_csi_gamma_smearing(mu):
    """charge_pe in photon mode vs the CsI[Na] 2021 Gamma (mean μ, b = 0.716 μ).

    For N ~ Poisson(μ) and SPE relative width w, var(Q) = μ(1 + w²); the Gamma has variance
    μ²/(1 + 0.716 μ). The default w = 0.542 solves 1 + w² = √(r(10) r(60)), r(μ) = μ/(1 + 0.716μ),
    so σ agrees within ±2.7 % over 10–60 PE; the exact Kolmogorov distance between the two laws is
    0.020 (10 PE), 0.012 (30 PE), 0.010 (60 PE) (docs/response.md)."""
    w = 0.542
    n = 20000
    pe = signal_pe(np.full(n, mu / CSI_LY), KEY, LIGHT, CSI_NA,
                   default_section("spe", model="gamma", relative_width=w), event_index=np.arange(n) + int(mu) * 10**6)
    q = pe.charge_pe
    # 1. the kernel samples the compound Poisson-Gamma law exactly
    assert stats.kstest(q, lambda x: _compound_poisson_gamma_cdf(x, mu, w)).pvalue > P_MIN
    assert abs(q.mean() - mu) < 5 * math.sqrt(mu * (1 + w**2) / n)
    # 2. which is close to the published Gamma smearing
    b = 0.716 * mu
    gamma_law = stats.gamma(1 + b, scale=mu / (1 + b))
    d_exact = {10.0: 0.020, 30.0: 0.012, 60.0: 0.011}[mu]
    assert stats.kstest(q, gamma_law.cdf).statistic < d_exact + KS_CRIT / math.sqrt(n)
    var_ratio = q.var() / gamma_law.var()
    # analytic spread of σ²_photon/σ²_Gamma over 10–60 PE is 0.949–1.055; sampling error of a variance
    # is √((2 + excess kurtosis)/n), the factor 1.5 covers the kurtosis (< 0.3 for μ ≥ 10)
    assert abs(var_ratio - 1) < 0.055 + 5 * math.sqrt(2 / n) * 1.5


def test_photon_pe_counts_and_scintillation_times():
    n = 20000
    e_ee = np.full(n, 1.5)
    scint = default_section("scintillation", tau_ns=(30.0, 600.0), fractions=(0.4, 0.6), nr_fractions=(0.8, 0.2))
    pe = signal_pe(e_ee, KEY, LIGHT, scint, SPE, is_nr=np.arange(n) % 2 == 0)
    mu = CSI_LY * 1.5
    counts = pe.n_pe_signal
    assert abs(counts.mean() - mu) < 5 * math.sqrt(mu / n)
    assert abs(counts.var() / mu - 1) < 5 * math.sqrt(2 / n)  # Poisson: variance = mean
    per_pe_nr = np.repeat(np.arange(n) % 2 == 0, counts)

    def mix_cdf(f_fast):
        return lambda t: f_fast * (1 - np.exp(-t / 30.0)) + (1 - f_fast) * (1 - np.exp(-t / 600.0))

    assert stats.kstest(pe.t_ns[~per_pe_nr].astype(float), mix_cdf(0.4)).pvalue > P_MIN
    assert stats.kstest(pe.t_ns[per_pe_nr].astype(float), mix_cdf(0.8)).pvalue > P_MIN


def test_binomial_pe_model():
    n = 20000
    binomial = light(pe_model="binomial", yield_pe_per_kev=15.0, photon_yield_per_kev=50.0, collection_efficiency=0.3)
    pe = signal_pe(np.full(n, 2.0), KEY, binomial, CSI_NA, SPE)
    # 100 photons, Binomial(100, 0.3): mean 30, variance 21
    assert abs(pe.n_pe_signal.mean() - 30.0) < 5 * math.sqrt(21.0 / n)
    assert abs(pe.n_pe_signal.var() / 21.0 - 1) < 5 * math.sqrt(2 / n)


@pytest.mark.parametrize("nuclear, expected", [(True, 0.71747), (False, 0.29368)])
def test_lar_f90(nuclear, expected):
    # p = f_singlet (1 − e^{−90/6}) + f_triplet (1 − e^{−90/1500}); defaults give 0.717 (NR), 0.294 (ER),
    # PHYSICS.md §3: ~0.6–0.75 for nuclear recoils, ~0.3 for electron recoils.
    n = 5000
    pe = signal_pe(np.full(n, 20.0), KEY, light(yield_pe_per_kev=8.0), LAR, SPE, is_nr=nuclear)
    values = f90(pe)
    sigma = math.sqrt(np.mean(expected * (1 - expected) / pe.n_pe_signal) / n)
    assert abs(values.mean() - expected) < 5 * sigma
    assert (0.6 < values.mean() < 0.75) if nuclear else (0.25 < values.mean() < 0.35)


# --- afterglow -----------------------------------------------------------------------------------
def test_afterglow_pretrace_counts_follow_poisson_mixture():
    ag = afterglow(rate_per_ns=0.1e-3, rate_distribution="gamma", rate_shape=3.0, bright_probability=0.1,
                   bright_factor=5.0)
    n = 40000
    pe = afterglow_pe(KEY_AG, ag, WINDOW_NS, SPE, event_index=np.arange(n))
    counts = np.bincount(pe.pe_event_index()[pe.t_ns < PRETRACE_NS], minlength=n)
    # Exact law: a two-component mixture of negative binomials (gamma-mixed Poisson), mean m = λT.
    t = PRETRACE_NS

    def nb_pmf(k, mean):
        return stats.nbinom.pmf(k, 3.0, 3.0 / (3.0 + mean))

    k = np.arange(400)
    pmf = 0.9 * nb_pmf(k, 0.1e-3 * t) + 0.1 * nb_pmf(k, 5 * 0.1e-3 * t)
    mean = (k * pmf).sum()
    var = ((k - mean) ** 2 * pmf).sum()
    m4 = ((k - mean) ** 4 * pmf).sum()
    r_mean, r_var = rate_moments_per_ns(ag)  # E[R] T and E[R] T + Var(R) T² by hand: 5.6, 5.6 + 11.52 + ...
    assert r_mean * t == pytest.approx(mean, rel=1e-9)
    assert r_mean * t + r_var * t * t == pytest.approx(var, rel=1e-9)
    assert abs(counts.mean() - mean) < 5 * math.sqrt(var / n)
    assert abs(counts.var() - var) < 5 * math.sqrt((m4 - var**2) / n)
    # χ² of the histogram against the exact pmf (bins with ≥ 5 expected)
    observed = np.bincount(counts, minlength=k.size)[: k.size]
    expected = pmf * n
    keep = expected >= 5
    obs = np.append(observed[keep], n - observed[keep].sum())
    exp = np.append(expected[keep], n - expected[keep].sum())
    assert stats.chisquare(obs, exp).pvalue > P_MIN
    # times uniform over the whole window
    assert stats.kstest(pe.t_ns.astype(float) / WINDOW_NS, "uniform").pvalue > P_MIN
    assert np.all(pe.label == 1)


def test_photon_response_merges_signal_and_afterglow():
    ag = afterglow(rate_per_ns=0.05e-3)
    n = 500
    e_ee = np.linspace(0.2, 2.0, n)
    t_arrival = np.linspace(0.0, 6000.0, n)
    merged = photon_response(e_ee, t_arrival, KEY, KEY_AG, light=LIGHT, scint=CSI_NA, spe=SPE, afterglow=ag,
                             pretrace_ns=PRETRACE_NS, window_ns=WINDOW_NS)
    alone = signal_pe(e_ee, KEY, LIGHT, CSI_NA, SPE, onset_ns=PRETRACE_NS + t_arrival)
    glow = afterglow_pe(KEY_AG, ag, WINDOW_NS, SPE, event_index=np.arange(n))
    for i in (0, 17, 250, 499):
        a, b = merged.offsets[i], merged.offsets[i + 1]
        lab = merged.label[a:b]
        sig = lab == 0
        s0, s1 = alone.offsets[i], alone.offsets[i + 1]
        np.testing.assert_array_equal(merged.t_ns[a:b][sig], alone.t_ns[s0:s1])  # afterglow leaves signal as is
        assert np.all(merged.t_ns[a:b][sig] >= PRETRACE_NS + t_arrival[i] - 1e-3)
        g0, g1 = glow.offsets[i], glow.offsets[i + 1]
        np.testing.assert_array_equal(merged.t_ns[a:b][~sig], glow.t_ns[g0:g1])
    np.testing.assert_array_equal(merged.n_pe_signal + merged.n_pe_afterglow, np.diff(merged.offsets))
    arr = merged.to_awkward()
    assert len(arr) == n and int(arr.n_pe_signal[3]) == int(np.sum(np.asarray(arr.label[3]) == 0))


def test_same_seed_identical_regardless_of_chunking_and_threads():
    ag = afterglow(rate_per_ns=0.05e-3, rate_distribution="gamma", rate_shape=2.0, bright_probability=0.05,
                   bright_factor=10.0)
    rng = np.random.default_rng(7)
    n = 3000
    e_ee = rng.uniform(0.0, 2.0, n)
    t_arr = rng.uniform(0.0, 15000.0, n)
    kwargs = dict(light=LIGHT, scint=LAR, spe=SPE, afterglow=ag, pretrace_ns=PRETRACE_NS, window_ns=WINDOW_NS)

    def run(chunk):
        parts = [photon_response(e_ee[i:i + chunk], t_arr[i:i + chunk], KEY, KEY_AG,
                                 event_index=np.arange(i, min(i + chunk, n)), is_nr=True, **kwargs)
                 for i in range(0, n, chunk)]
        return tuple(np.concatenate([getattr(p, f) for p in parts]) for f in ("t_ns", "charge", "label",
                                                                                  "n_pe_signal", "charge_pe"))

    threads_before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        reference = run(n)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        for chunk in (n, 701, 64):
            for a, b in zip(reference, run(chunk)):
                np.testing.assert_array_equal(a, b)
    finally:
        numba.set_num_threads(threads_before)
    other = photon_response(e_ee, t_arr, stage_key(2025, "response.photon"), KEY_AG, is_nr=True, **kwargs)
    assert not np.array_equal(other.n_pe_signal, reference[3])  # a different seed differs


# --- parametric ----------------------------------------------------------------------------------
def test_parametric_gamma_smearing_matches_published_law():
    mu = 25.0
    n = 20000
    gamma = default_section("smearing", model="gamma", gamma_b_per_pe=0.716)  # CsI[Na] 2021 (arXiv:2110.07730)
    out = smear(np.full(n, mu / CSI_LY), KEY, gamma, LIGHT)
    b = 0.716 * mu
    assert stats.kstest(out.pe, stats.gamma(1 + b, scale=mu / (1 + b)).cdf).pvalue > P_MIN
    np.testing.assert_allclose(out.e_ee_kev * CSI_LY, out.pe)


def test_parametric_poisson_and_gaussian():
    n = 20000
    pois = smear(np.full(n, 1.0), KEY, default_section("smearing", model="poisson"), light(yield_pe_per_kev=13.348))
    assert np.all(pois.pe == np.round(pois.pe))
    assert abs(pois.pe.mean() - 13.348) < 5 * math.sqrt(13.348 / n)
    gaussian = default_section("smearing", model="gaussian", resolution_a=0.58)
    gauss = smear(np.full(n, 40.0), KEY, gaussian, light(yield_pe_per_kev=1.0))
    sigma = 0.58 * math.sqrt(40.0)  # σ/E = 0.58/√(E/keVee) (CENNS-10)
    assert stats.kstest(gauss.e_ee_kev, stats.norm(40.0, sigma).cdf).pvalue > P_MIN


def test_efficiencies_match_hand_values():
    eff = csi().efficiency.energy  # CsI 2021 nominal, x in PE
    # a/2 + d at x = c: 0.660225 − 0.333322; x = 20: 1.32045/(1 + e^{−2.612533}) − 0.333322; x = 5 < 0 → 0
    np.testing.assert_allclose(energy_efficiency([5.0, 10.8646, 20.0], eff), [0.0, 0.326903, 0.896893], atol=1e-6)
    step = default_section("efficiency.energy", model="logistic_step", variable="pe", a=0.6655, b=0.4942, c=10.8507,
                           d=0.0, step=5.0)
    assert energy_efficiency([4.99], step)[0] == 0.0
    assert energy_efficiency([10.8507], step)[0] == pytest.approx(0.33275)
    table = default_section("efficiency.energy", model="table", variable="kevee", table_path="eff.txt",
                            table_data=((0.25, 0.75), (9.0, 9.0), (0.0, 0.2)), columns=(0, 2))
    assert energy_efficiency([0.5], table)[0] == pytest.approx(0.1)
    # time: exp(−0.0494/µs (t − 0.52 µs)) → 0.976567 at 1 µs, 0.762836 at 6 µs
    np.testing.assert_allclose(time_efficiency([300.0, 1000.0, 6000.0], csi().efficiency.time),
                               [1.0, 0.976567, 0.762836], atol=1e-6)


def test_accept_reject_is_seeded_and_unbiased():
    n = 40000
    eff = np.full(n, 0.3)
    weight, ok = apply_efficiency(eff, "reject", KEY, np.arange(n))
    assert abs(ok.mean() - 0.3) < 5 * math.sqrt(0.21 / n)
    np.testing.assert_array_equal(ok[1000:2000], accept(eff[1000:2000], KEY, np.arange(1000, 2000)))
    w, all_ok = apply_efficiency(eff, "weight")
    assert np.all(all_ok) and np.all(w == 0.3)


def test_ionization_resolution():
    params = default_section("ionization", resolution_sigma0_kev=0.07, fano=0.11, pair_energy_ev=2.96)
    n = 20000
    e = ionization_energy(np.full(n, 10.0), KEY, params)
    sigma = math.sqrt(0.07**2 + 0.11 * 2.96e-3 * 10.0)  # 0.09031 keV
    assert stats.kstest(e, stats.norm(10.0, sigma).cdf).pvalue > P_MIN
    with pytest.raises(InputError, match="pair_energy"):
        load_geometry("ge-ppc", [Override("ionization.pair_energy", "0 eV")])


def test_polynomial_quenching_keeps_its_end_point_quenching_factor_beyond_the_valid_range():
    from simcoh.response.quenching import Polynomial

    c = (0.0554628, 4.30681, -111.707, 840.384)  # CsI 2021; fitted to 3–60 keVnr data (arXiv:2111.02477)
    q = Polynomial(c, t_nr_max_kev=60.0)
    x = 0.06  # MeV
    qf60 = (c[0] * x + c[1] * x**2 + c[2] * x**3 + c[3] * x**4) / x  # 0.094 by hand
    np.testing.assert_allclose(q.e_ee_kev([10.0, 45.0, 60.0]), Polynomial(c).e_ee_kev([10.0, 45.0, 60.0]), rtol=1e-14)
    np.testing.assert_allclose(q.e_ee_kev([300.0, 1000.0]), qf60 * np.array([300.0, 1000.0]), rtol=1e-12)
    assert 0.09 < qf60 < 0.1  # a sane quenching factor, not 733 (the bare quartic at 1 MeVnr)
    np.testing.assert_allclose(q.t_nr_kev(q.e_ee_kev([20.0, 300.0]), t_nr_max_kev=2000.0), [20.0, 300.0], rtol=1e-6)

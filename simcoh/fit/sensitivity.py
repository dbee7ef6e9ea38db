"""Expected CEvNS sensitivity of a detector for an exposure: significance and cross-section uncertainty.

The model (docs/sensitivity.md): the CEvNS template of the detector from a simcoh run (parametric fidelity,
weighted events, the detector's efficiencies; a hard cut at its nominal threshold converted to keVee where it
has no efficiency curve), binned in reconstructed energy (keVee) and time; the signal strength μ = σ/σ_SM is
free. Backgrounds are the detector's own models (brn, nin, ss sections of its geometry) run through simcoh, or
a flat steady-state rate the user gives with its source; a detector without either gives an error unless the
user asks for a signal-only result, which the report then says in its first line.

Results: from the Asimov data set (the expectation itself; G. Cowan, K. Cranmer, E. Gross, O. Vitells,
EPJC 71, 1554 (2011), arXiv:1007.1727) the discovery significance Z = √q₀ and the uncertainty of μ (HESSE);
from an ensemble of pseudo-experiments (Poisson data, auxiliary measurements of the background normalisations
drawn around the truth) their median and central 68 % range. The neutrino-flux normalisation (10 %,
arXiv:2109.11049) is exactly degenerate with μ and is added in quadrature to the cross-section uncertainty.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .likelihood import Likelihood, discovery_q0, fit
from .model import FitModel
from .signal_background import Background, signal_background_model
from .simulated import Binning, Template
from .toys import pseudo_experiment, run_toys

POI = "mu"

#: One SNS beam year: 5000 beam hours at the design power 1.4 MW = 7.0 GWh (S. Henderson et al., NIM A 763,
#: 610 (2014)); the nominal exposure of simcoh's planned detectors ([dataset] of lar-750, nai-3t, ...).
SNS_YEAR_GWH = 7.0
#: SNS design beam power and repetition rate (Henderson et al. 2014): the number of beam spills, hence the
#: open time of the beam windows that see the steady-state background, for an exposure.
SNS_POWER_W = 1.4e6
SNS_RATE_HZ = 60.0
#: Neutrino yield uncertainty, 10 % (COHERENT flux paper, arXiv:2109.11049).
FLUX_UNCERTAINTY = 0.10
#: Time bins, ns, in the detector's time frame (prompt pulse ≲ 1.5 µs, delayed ν_e/ν̄_μ to ~10 µs).
T_EDGES_NS = np.array([0.0, 500.0, 1000.0, 1500.0, 2000.0, 3000.0, 4000.0, 6000.0, 8000.0, 10000.0])
N_ENERGY_BINS = 10
DETECTOR_BACKGROUNDS = ("brn", "nin", "ss")


def exposure_argument(text: str) -> tuple[str, str]:
    """(value for /run/exposure, description) of ``--exposure``: a number of SNS beam years ("1 year",
    "3 years": N × 7.0 GWh), or an energy or POT as /run/exposure takes it ("13.99 GWh", "3e23 POT")."""
    from ..units import UnitError, split_quantity

    try:
        value, unit = split_quantity(text)
    except UnitError as err:
        raise InputError(f"--exposure '{text}': {err}; give e.g. '1 year', '7 GWh' or '1.6e23 POT'") from None
    if unit in ("year", "years", "yr"):
        if not value > 0:
            raise InputError(f"--exposure '{text}': the number of years must be > 0")
        gwh = value * SNS_YEAR_GWH
        return f"{gwh!r} GWh", (f"{value:g} SNS year(s) = {gwh:g} GWh (5000 beam hours × 1.4 MW a year, "
                                "Henderson et al., NIM A 763, 610 (2014))")
    return text, text


@dataclass(frozen=True)
class FlatBackground:
    """A steady-state rate flat in reconstructed energy and time, in counts per keVee per kg per day, with its
    source (a measurement or an assumption, printed with the result) and relative uncertainty."""

    rate_per_kevee_kg_day: float
    source: str
    sigma: float | None = None  # None: the in-situ (anti-coincidence) measurement's Poisson error

    def template(self, binning: Binning, mass_kg: float, exposure_mev: float) -> np.ndarray:
        """Counts per bin: rate × ΔE × mass × open time of the beam windows in the bin (Δt per spill ×
        number of spills at 1.4 MW, 60 Hz)."""
        spills = exposure_mev / (SNS_POWER_W / SNS_RATE_HZ * 6.241509074e12)  # J in MeV (SI 2019)
        de_kev = np.diff(binning.x_edges)[:, None]
        dt_day = np.diff(binning.t_edges_ns)[None, :] * 1e-9 * spills / 86400.0
        return (self.rate_per_kevee_kg_day * de_kev * mass_kg * dt_day).ravel()


@dataclass
class SensitivityModel:
    detector: str
    exposure: str
    binning: Binning
    cevns: Template
    backgrounds: list = field(default_factory=list)  # Background objects
    notes: list = field(default_factory=list)
    signal_only: bool = False

    def model(self) -> FitModel:
        """μ × CEvNS + the backgrounds (:mod:`simcoh.fit.signal_background`), no data yet."""
        return signal_background_model(self.cevns.values, self.backgrounds, poi=POI, name=f"sensitivity-{self.detector}")


def threshold_kevee(config) -> float | None:
    """The detector's nominal nuclear-recoil threshold in keVee (the lowest over its isotopes), None without
    one or without quenching."""
    from ..physics.nuclei import material_isotopes
    from ..response.quenching import isotope_quenching

    det = config.detector
    t_nr = getattr(det.target, "threshold_kev", None)
    if not t_nr or getattr(det, "quenching", None) is None:
        return None
    isotopes = [t.isotope for t in material_isotopes(det.target.material)]
    q = isotope_quenching(det, isotopes)
    return float(min(q.e_ee_kev(np.array([t_nr]), np.array([i]))[0] for i in range(len(isotopes))))


def build_model(detector: str, exposure: str = "1 year", *, n_events: int = 200_000, seed: int = 1,
                flat: FlatBackground | None = None, signal_only: bool = False,
                threshold: float | None = None) -> SensitivityModel:
    """Run simcoh for ``detector`` (CEvNS and the detector's background models) and build the model."""
    from ..api import simulate
    from ..generate.registry import PROCESS_CODES
    from ..detector import load_geometry
    from ..generate.detector_models import MODELS

    run_exposure, described = exposure_argument(exposure)
    det = load_geometry(detector)
    own = [p for p in DETECTOR_BACKGROUNDS if MODELS[p].of(det) is not None]
    if not own and flat is None and not signal_only:
        raise InputError(
            f"detector '{detector}' has no background model (no [background.brn], [background.nin] or "
            "[background.ss] section in its geometry): give one explicitly, e.g. a flat steady-state rate with "
            "its source, --ss-rate '1e-3 1/keVee/kg/day' --ss-source 'assumption: ...', or ask for a signal-only "
            "result with --signal-only")
    notes: list[str] = []
    sim = simulate(detector, ["cevns"], exposure=run_exposure, fidelity="parametric", n_events=n_events, seed=seed)
    cfg = sim.config
    ev = sim.numpy(["e_rec_kevee", "t_ns", "weight", "eff_energy", "eff_time"])
    has_efficiency = bool(np.any(ev["eff_energy"] < 1))
    if threshold is None and not has_efficiency:
        threshold = threshold_kevee(cfg)
        if threshold is None:
            raise InputError(f"detector '{detector}' has neither an efficiency curve nor a threshold and "
                             "quenching to set the energy threshold: give --threshold (keVee)")
        notes.append(f"energy threshold: {threshold:.3g} keVee (the detector's nominal "
                     f"{cfg.detector.target.threshold_kev:g} keVnr, quenched; lowest over its isotopes)")
    elif threshold is not None:
        notes.append(f"energy threshold: {threshold:.3g} keVee (--threshold)")
    else:
        threshold = 0.0
        notes.append("energy threshold: the detector's efficiency curve")
    w = ev["weight"] * ev["eff_energy"] * ev["eff_time"] * (ev["e_rec_kevee"] >= threshold)
    top = float(np.quantile(ev["e_rec_kevee"][w > 0], 0.995)) if np.any(w > 0) else threshold + 1.0
    binning = Binning("e_rec_kevee", np.linspace(threshold, top, N_ENERGY_BINS + 1), T_EDGES_NS,
                      "reconstructed energy [keVee]")
    cevns = Template("cevns", *binning.histogram(ev["e_rec_kevee"], ev["t_ns"], w), int(w.astype(bool).sum()),
                     float(sim.expected["cevns"]))
    backgrounds = []
    for p in own:
        b = simulate(detector, [p], exposure=run_exposure, fidelity="parametric", n_events=n_events // 2,
                     seed=seed + 1 + PROCESS_CODES[p], overrides={"process/disable": "cevns"})
        e = b.numpy(["e_rec_kevee", "t_ns", "weight", "eff_energy", "eff_time", "pe"])
        x = e["e_rec_kevee"]
        values = binning.histogram(x, e["t_ns"], e["weight"] * e["eff_energy"] * e["eff_time"])[0]
        sigma, source = _own_uncertainty(p, values.sum())
        backgrounds.append(Background(p, values, sigma=sigma, source=source))
        notes.append(f"background {p}: the detector's model ({MODELS[p].section}), {values.sum():.4g} events, "
                     f"±{100 * sigma:.3g} % ({source})")
    if flat is not None:
        exposure_mev = cfg.exposure_pot * cfg.source.proton_energy_mev
        mass = cfg.detector.target.mass_kg * getattr(cfg.detector.target, "fiducial_fraction", 1.0)
        values = flat.template(binning, mass, exposure_mev)
        sigma = flat.sigma if flat.sigma is not None else 1 / math.sqrt(max(values.sum(), 1.0))
        backgrounds.append(Background("flat", values, sigma=sigma, source=flat.source))
        notes.append(f"background flat steady state: {flat.rate_per_kevee_kg_day:g} /keVee/kg/day over "
                     f"{mass:g} kg, {values.sum():.4g} events, ±{100 * sigma:.3g} % (source: {flat.source})")
    missing = [p for p in DETECTOR_BACKGROUNDS if p not in own]
    if signal_only and not backgrounds:
        notes.insert(0, "SIGNAL ONLY: no background in this result (--signal-only)")
    elif missing:
        notes.append(f"not modelled for {detector} (no geometry section): {', '.join(missing)}")
    return SensitivityModel(detector, described, binning, cevns, backgrounds, notes, signal_only)


def _own_uncertainty(process: str, expected: float) -> tuple[float, str]:
    if process == "brn":
        return 0.25, "BRN normalisation ±25 % as the CsI 2021 release (arXiv:2110.07730)"
    if process == "nin":
        return 0.36, "NIN normalisation ±36 % as the CsI 2021 release (arXiv:2110.07730)"
    return (1 / math.sqrt(max(expected, 1.0)),
            "Poisson error of an in-situ anti-coincidence measurement of equal length (as CsI 2021)")


@dataclass(frozen=True)
class Result:
    z: float  # discovery significance √q₀
    mu_error: float  # uncertainty of σ/σ_SM from the fit (statistics and backgrounds)
    valid: bool = True

    @property
    def total_mu_error(self) -> float:
        """With the 10 % flux normalisation in quadrature."""
        return math.hypot(self.mu_error, FLUX_UNCERTAINTY)


def fit_result(model: FitModel) -> Result:
    """Z = √q₀ (:func:`simcoh.fit.significance`) and the HESSE error of μ for ``model``'s data. Z is infinite
    when μ = 0 expects no event in a bin that has some (no background there, e.g. ``--signal-only``): L(μ = 0)
    is 0, not the floor the likelihood evaluates ln ν at."""
    lik = Likelihood(model)
    best = fit(lik)
    null = fit(lik, init=best.values, fixed={POI: 0.0}, hesse=False)
    q0 = discovery_q0(lik, best, null) if best.values[POI] > 0 else 0.0  # one-sided, as fit.significance
    return Result(math.sqrt(q0), best.errors[POI], best.valid and null.valid)


def asimov(model: FitModel) -> Result:
    """The result for the Asimov data set: the expectation at μ = 1 with the nuisances at their nominal values."""
    nominal = {p.name: p.init for p in model.parameters}
    return fit_result(model.with_data(Likelihood(model).expected({**nominal, POI: 1.0})))


def _toy(lik: Likelihood, truth: dict, toy: int, rng) -> tuple[float, float, float]:
    r = fit_result(pseudo_experiment(lik, truth, rng))
    return r.z, r.mu_error, float(r.valid)


@dataclass(frozen=True)
class Ensemble:
    z: np.ndarray
    mu_error: np.ndarray
    n_failed: int

    def band(self, values) -> tuple[float, float, float]:
        """(median, 16 %, 84 %); without interpolation where some are infinite (no background, Z = ∞)."""
        values = np.asarray(values, float)
        method = "linear" if np.all(np.isfinite(values)) else "inverted_cdf"  # inf − inf would give NaN
        return tuple(float(v) for v in np.quantile(values, [0.5, 0.16, 0.84], method=method))


def ensemble(model: FitModel, n_toys: int, *, seed: int = 0, workers: int = 1) -> Ensemble:
    """Pseudo-experiments at μ = 1 and nominal nuisances (auxiliary measurements drawn around them)."""
    truth = {**{p.name: p.init for p in model.parameters}, POI: 1.0}
    task = functools.partial(_toy, Likelihood(model), truth)
    out = np.array(run_toys(task, n_toys, seed=seed, workers=workers)).reshape(-1, 3)
    ok = out[:, 2] > 0
    return Ensemble(out[ok, 0], out[ok, 1], int((~ok).sum()))

"""Dark-matter limits with the CsI 2021 data (vector portal, scalar χ; docs/dm-limits.md).

Model (the CsI 2021 analysis, arXiv:2110.07730 and the dark-matter search arXiv:2110.11453): CEvNS + BRN + NIN +
steady state (SS) + χ templates from simcoh runs in (PE, t_rec), PE < 60, 0 ≤ t < 6 µs; the parameter of
interest is N_DM, the number of χ events in the region after the efficiencies (the χ template is normalised to
one event); each background has a Gaussian-constrained normalisation (:data:`BACKGROUND_UNCERTAINTIES`).
Limits on N_DM use Feldman-Cousins critical values (``simcoh.fit.fc``); the published analysis found them
independent of the χ mass, and so does this one (tests/test_dm_limits.py, validation/cases/dm_limits.py).

Because counts scale as ε⁴ at fixed masses and α_D (production ε², detection ε²), a limit N_lim on the χ events
becomes ε_lim⁴ = ε_ref⁴ N_lim / N_ref (N_ref: the χ events in the region at ε_ref) and
Y = ε_lim² α_D (m_χ/m_A′)⁴.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .likelihood import fit, profile
from .model import FitModel
from .signal_background import Background, signal_background_model
from .simulated import CSI_2021_BINNING, Binning, Template, simulate_binnings, simulate_each

#: Conventions of the COHERENT CsI dark-matter search (arXiv:2110.11453): α_D = 0.5, m_A′ = 3 m_χ.
ALPHA_D = 0.5
MASS_RATIO = 3.0

#: χ recoils are generated above 2 keVnr for the CsI templates. Light-mediator spectra fall as 1/T² (at
#: m_χ = 1 MeV the mean recoil is 0.15 keV, docs/darkmatter.md), so without a cut almost every simulated event
#: lands below the ~7-PE efficiency turn-on and the template is made of a few events. 2 keVnr is 0.13 keVee,
#: 1.7 PE on average (CsI 2021 quenching and light yield); measured at m_χ = 1 MeV (seed 5): 73.0 ± 1.7 events in
#: the region with the cut, 74.3 ± 5.3 without it (200,000 events) and 73.9 ± 2.7 with 1 keVnr, so the loss
#: is ≲ 2 %.
RECOIL_MIN_KEV = 2.0

#: Published CsI 2021 90 % CL limits on the number of χ events, m_χ [MeV] -> N_DM (D. Pershey, COHERENT talk,
#: Dec. 2020; COHERENT arXiv:2110.11453).
PUBLISHED_N_DM_90 = {1.0: 18.0, 10.0: 27.0, 100.0: 35.0}

#: Relative normalisation uncertainty of each background in the analysis region, with its source.
BACKGROUND_UNCERTAINTIES = {
    "cevns": (0.129, "SM prediction 333 ± 11 (theory) ± 42 (experimental) events: √(11² + 42²)/333 "
                     "(D. Pershey, COHERENT talk, Dec. 2020; arXiv:2110.07730)"),
    "brn": (0.25, "BRN 18.4 ± 25 % (arXiv:2110.07730 ancillary brnPE/brnTrec templates)"),
    "nin": (0.36, "NIN 5.6 ± 36 % (arXiv:2110.07730 ancillary ninPE/ninTrec templates)"),
    "ss": (0.0278, "Poisson error of the 1295 released anti-coincident events in the region, 1/√1295 "
                   "(arXiv:2110.07730 ancillary dataBeamOnAC.txt)"),
}
BACKGROUNDS = tuple(BACKGROUND_UNCERTAINTIES)


def dm_template(m_chi_mev: float, *, epsilon_ref: float = 1e-4, alpha_d: float = ALPHA_D,
                mass_ratio: float = MASS_RATIO, n_events: int = 20_000, seed: int = 1,
                binning: Binning = CSI_2021_BINNING, detector: str = "csi-2021",
                options: dict | None = None, recoil_min_kev: float = RECOIL_MIN_KEV):
    """The χ template at ``m_chi_mev`` from the simcoh ``dm`` process (expected events per bin at ε_ref).
    ``options``: more ``/process/dm/...`` settings by command name (``{"etaPerPOT": 1e-3}``);
    ``recoil_min_kev``: recoils generated above this (see :data:`RECOIL_MIN_KEV`). ``binning`` may be a tuple
    of binnings: then one run gives a tuple of templates."""
    if not m_chi_mev > 0:
        raise InputError(f"m_chi {m_chi_mev!r} MeV: the dark-matter mass must be > 0")
    m_chi_mev, epsilon_ref, alpha_d = float(m_chi_mev), float(epsilon_ref), float(alpha_d)
    overrides = {"process/dm/mChi": f"{m_chi_mev!r} MeV", "process/dm/epsilon": f"{epsilon_ref!r}",
                 "process/dm/alphaD": f"{alpha_d!r}", "process/dm/mAprime": f"{float(mass_ratio) * m_chi_mev!r} MeV"}
    overrides["run/recoilMin"] = f"{float(recoil_min_kev)!r} keV"
    overrides.update({f"process/dm/{k}": v for k, v in (options or {}).items()})
    many = isinstance(binning, (tuple, list))
    out = simulate_binnings(detector, ["dm"], binning if many else (binning,), n_events=n_events, seed=seed,
                            overrides=overrides)
    return tuple(t["dm"] for t in out) if many else out[0]["dm"]


def csi2021_backgrounds(*, n_events: int = 200_000, seed: int = 2021,
                        binning: Binning = CSI_2021_BINNING) -> dict[str, Template]:
    """CEvNS, BRN, NIN and SS templates of the csi-2021 detector (its own background models)."""
    return simulate_each("csi-2021", BACKGROUNDS, binning, n_events=n_events, seed=seed)


def limit_model(signal: Template, backgrounds: dict[str, Template], data=None) -> FitModel:
    """N_DM ≥ 0 model: the χ template normalised to one event, backgrounds with their constraints, observed
    ``data`` (counts per bin; default none yet)."""
    if not signal.total > 0:
        raise InputError("the χ template has no events in the analysis region (below every production "
                         "threshold? m_A′ > 138.3 MeV needs η production: /process/dm/etaPerPOT)")
    bkg = tuple(Background(name, t.values, sigma=BACKGROUND_UNCERTAINTIES[name][0],
                           source=BACKGROUND_UNCERTAINTIES[name][1]) for name, t in backgrounds.items())
    return signal_background_model(signal.values / signal.total, bkg, poi="n_dm", poi_bounds=(0.0, None), data=data,
                                   name="dm-limit")


def epsilon_limit(n_limit: float, n_ref: float, epsilon_ref: float) -> float:
    """ε at which the expected χ events equal ``n_limit`` (counts ∝ ε⁴)."""
    return float(epsilon_ref * (n_limit / n_ref) ** 0.25)


def y_value(epsilon: float, m_chi_mev: float, m_aprime_mev: float, alpha_d: float = ALPHA_D) -> float:
    """Y = ε² α_D (m_χ/m_A′)⁴ (arXiv:2110.11453)."""
    return float(epsilon**2 * alpha_d * (m_chi_mev / m_aprime_mev) ** 4)


@dataclass(frozen=True)
class MassLimit:
    m_chi_mev: float
    n_ref: float  # χ events in the region at ε_ref
    epsilon_ref: float
    n_dm_best: float  # best-fit N_DM
    n_dm_limit: float  # CL upper limit on N_DM
    epsilon_limit: float
    y_limit: float
    mu_grid: np.ndarray
    t_obs: np.ndarray


def mass_limit(m_chi_mev: float, signal: Template, backgrounds: dict[str, Template], data, t_crit, *,
               epsilon_ref: float, mu_grid, alpha_d: float = ALPHA_D, mass_ratio: float = MASS_RATIO) -> MassLimit:
    """The upper limit on N_DM at one mass from the observed ``data`` and critical values ``t_crit``
    (a :class:`simcoh.fit.fc.CriticalValues`), and the corresponding ε and Y."""
    from .fc import upper_limit

    model = limit_model(signal, backgrounds, data)
    best = fit(model, hesse=False)
    t_obs = profile(model, "n_dm", mu_grid, best=best)
    n_lim = upper_limit(mu_grid, t_obs, t_crit.at(mu_grid))
    eps = epsilon_limit(n_lim, signal.total, epsilon_ref)
    return MassLimit(m_chi_mev, signal.total, epsilon_ref, best.values["n_dm"], n_lim, eps,
                     y_value(eps, m_chi_mev, mass_ratio * m_chi_mev, alpha_d), np.asarray(mu_grid), t_obs)

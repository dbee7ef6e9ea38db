"""CEvNS with non-standard interactions ε^u_ee, ε^d_ee by reweighting Standard-Model CEvNS events.

Quark-level vector NSI change the vector weak charge of an electron-flavour (ν_e, ν̄_e) channel on a nucleus
(Z, N) by δ = Z(2ε^u_ee + ε^d_ee) + N(ε^u_ee + 2ε^d_ee) (Barranco, Miranda, Rashba, JHEP 12 (2005) 021,
hep-ph/0508299): G_V → G_V + δ (times the form factor). With the cross section of ``simcoh.physics.cevns``,
dσ/dT ∝ F² [G_V² A + 2 G_V G_A B + G_A² C] with y = 1 − T/Eν, r = MT/Eν², A = 1 + y² − r, B = 1 − y²,
C = 1 + y² + r, the weight of an event becomes

    w(ε) = w [1 + ((2 G_V δ + δ²) A + 2 δ G_A B) / (G_V² A + 2 G_V G_A B + G_A² C)],

exact per event (F² cancels), so a template at any (ε^u_ee, ε^d_ee) is the SM template plus δ times one
coefficient histogram plus δ² times another, per isotope. μ-flavour events are unchanged. The SM run must have
no NSI and no neutrino magnetic moment (both would change the denominator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import PhysicsConfig
from ..errors import InputError
from .likelihood import fit
from .signal_background import Background, signal_background_model
from .simulated import Binning


def weak_charge_shift(z: int, n: int, eps_u: float, eps_d: float) -> float:
    """δ = Z(2ε^u + ε^d) + N(ε^u + 2ε^d) (Barranco et al. 2005)."""
    return z * (2 * eps_u + eps_d) + n * (eps_u + 2 * eps_d)


def event_coefficients(e_nu_mev, t_nr_kev, isotope_index, flavour_code, isotopes, physics: PhysicsConfig):
    """Per event (c1, c2) with w(ε)/w = 1 + δ c1 + δ² c2 for electron-flavour events (0 for the others)."""
    from ..config import FLAVOURS
    from ..physics.cevns import FLAVOUR_LEPTON, weak_charges

    if physics.nsi or physics.magnetic_moment_mu_b:
        raise InputError("NSI reweighting starts from a Standard-Model run: the run has "
                         f"{'NSI ' + str(dict(physics.nsi)) if physics.nsi else 'a neutrino magnetic moment'}; "
                         "simulate without /physics/nsi and /physics/magneticMoment")
    e = np.asarray(e_nu_mev, float)
    t = np.asarray(t_nr_kev, float) * 1e-3
    iso = np.asarray(isotope_index)
    fl = np.asarray(flavour_code)
    c1, c2 = np.zeros(e.size), np.zeros(e.size)
    for k, name in enumerate(FLAVOURS):
        if FLAVOUR_LEPTON[name] != "e":
            continue
        for i, isotope in enumerate(isotopes):
            sel = (fl == k) & (iso == i)
            if not sel.any():
                continue
            gv, _, ga = weak_charges(isotope, name, physics)
            y = 1.0 - t[sel] / e[sel]
            r = isotope.nuclear_mass_mev * t[sel] / e[sel] ** 2
            a, b, c = 1 + y * y - r, 1 - y * y, 1 + y * y + r
            den = gv * gv * a + 2 * gv * ga * b + ga * ga * c
            c1[sel] = (2 * gv * a + 2 * ga * b) / den
            c2[sel] = a / den
    return c1, c2


@dataclass(frozen=True)
class NsiTemplates:
    """CEvNS template of an SM run and its NSI coefficient histograms, per isotope (Z, N)."""

    sm: np.ndarray
    c1: np.ndarray  # (isotope, bin)
    c2: np.ndarray
    zn: tuple  # ((Z, N), ...) per isotope

    def template(self, eps_u: float, eps_d: float) -> np.ndarray:
        out = self.sm.copy()
        for k, (z, n) in enumerate(self.zn):
            d = weak_charge_shift(z, n, eps_u, eps_d)
            out += d * self.c1[k] + d * d * self.c2[k]
        return np.maximum(out, 0.0)

    def rate_factor(self, eps_u: float, eps_d: float) -> float:
        """Events in the template at ε over those of the SM."""
        return float(self.template(eps_u, eps_d).sum() / self.sm.sum())


def nsi_templates(events: dict, isotopes, physics: PhysicsConfig, binning: Binning, weights) -> NsiTemplates:
    """Build :class:`NsiTemplates` from CEvNS events (``e_nu_mev``, ``t_nr_kev``, ``isotope``, ``flavour``,
    binning columns) with per-event ``weights`` (weight × efficiencies)."""
    c1, c2 = event_coefficients(events["e_nu_mev"], events["t_nr_kev"], events["isotope"], events["flavour"],
                                isotopes, physics)
    x, t = events[binning.x_column], events["t_ns"]
    sm = binning.histogram(x, t, weights)[0]
    h1, h2 = [], []
    for i, _ in enumerate(isotopes):
        on = events["isotope"] == i
        h1.append(binning.histogram(x, t, weights * c1 * on)[0])
        h2.append(binning.histogram(x, t, weights * c2 * on)[0])
    return NsiTemplates(sm, np.array(h1), np.array(h2), tuple((iso.z, iso.n) for iso in isotopes))


def simulate_nsi_templates(detector: str, binning: Binning, *, n_events: int, seed: int,
                           exposure: str | None = None) -> NsiTemplates:
    """Run ``detector`` (SM CEvNS, parametric fidelity) once and build its NSI templates."""
    from ..api import simulate
    from ..physics.nuclei import material_isotopes

    sim = simulate(detector, ["cevns"], exposure=exposure, fidelity="parametric", n_events=n_events, seed=seed)
    ev = sim.numpy(["e_nu_mev", "t_nr_kev", "isotope", "flavour", "t_ns", "weight", "eff_energy", "eff_time",
                    binning.x_column])
    isotopes = [t.isotope for t in material_isotopes(sim.config.detector.target.material)]
    return nsi_templates(ev, isotopes, sim.config.physics, binning, ev["weight"] * ev["eff_energy"] * ev["eff_time"])


@dataclass(frozen=True)
class NsiPlane:
    eps_u: np.ndarray
    eps_d: np.ndarray
    delta_chi2: np.ndarray  # (len(eps_u), len(eps_d)), −2Δ ln L from the grid minimum
    rate_factor: np.ndarray  # CEvNS events in the region over the SM, same shape


def profile_plane(nsi: NsiTemplates, backgrounds: dict, data, eps_u, eps_d, *, cevns_sigma: float) -> NsiPlane:
    """−2 ln L of the data over an (ε^u_ee, ε^d_ee) grid, every background normalisation and the CEvNS
    normalisation (relative uncertainty ``cevns_sigma``) profiled. ``backgrounds``: name -> (template, σ)."""
    eps_u, eps_d = np.asarray(eps_u, float), np.asarray(eps_d, float)
    chi2 = np.empty((eps_u.size, eps_d.size))
    rate = np.empty_like(chi2)
    bkg = tuple(Background(name, t, sigma=s) for name, (t, s) in backgrounds.items())
    start = None
    for i, u in enumerate(eps_u):
        for j, d in enumerate(eps_d):
            cevns = nsi.template(u, d)
            model = signal_background_model(None, (Background("cevns", cevns, sigma=cevns_sigma),) + bkg, data=data)
            best = fit(model, init=start, hesse=False)
            start = best.values
            chi2[i, j] = 2.0 * best.nll
            rate[i, j] = cevns.sum() / nsi.sm.sum()
    return NsiPlane(eps_u, eps_d, chi2 - chi2.min(), rate)

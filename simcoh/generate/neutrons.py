"""Neutron–nucleus elastic scattering shared by the beam-related (brn) and neutrino-induced (nin) neutron
processes: exact two-body kinematics, neutron energy spectra, and the numba sampling kernel.

Kinematics (exact, relativistic). A neutron of mass m and kinetic energy E hits a nucleus of mass M at rest.
With s = (m + M)² + 2ME and the lab momentum p² = E² + 2mE, the CM momentum is p*² = M² p² / s. The recoil
kinetic energy is T = −t / 2M with −t = 2 p*² (1 − cos θ*), so

    T_max = 2 M (E² + 2mE) / ((m + M)² + 2ME)  →  4 m M / (m + M)² · E   for E ≪ m,

and for scattering isotropic in the CM (cos θ* uniform) T is uniform on [0, T_max] — exact, not an
approximation. Isotropic CM scattering is the default (and only) angular model: real elastic scattering of
MeV neutrons on Cs and I is forward-peaked (diffraction), which softens the recoil spectrum; the released
CsI 2021 templates are more peaked at low PE than the isotropic model (docs/backgrounds.md gives the size).

Spectra: the energy of the neutrons that scatter in the target (flux × σ_el), given as a power law or
exponential with cut-offs (brn), an evaporation E·exp(−E/T) or Maxwellian √E·exp(−E/T) spectrum (nin), or a
two-column table. The elastic cross section is taken energy independent and ∝ A^{2/3} per isotope
(geometric), which only sets how recoils share among isotopes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from scipy import special

from ..constants import MUON_LIFETIME_NS, NEUTRON_MASS_MEV, PION_LIFETIME_NS
from ..declare import Param
from ..limits import read_bounded_text
from ..errors import InputError
from ..rng import draw_exponential, draw_normal, draw_uniform, stage_key, stream_start
from ..source.timing import inverse_cdf_table, make_pulse
from .kernels import pick_channel, sample_pulse_ns, table_lookup
from .process import BuildContext, PerPotProcess

TABLE_SIZE = 16385
SPECTRA = ("power_law", "exponential", "evaporation", "maxwellian", "table")


def max_recoil_mev(e_n_mev, target_mass_mev, neutron_mass_mev: float = NEUTRON_MASS_MEV):
    """Exact maximum recoil kinetic energy (MeV) of elastic n + A at lab neutron kinetic energy ``e_n_mev``."""
    e = np.asarray(e_n_mev, float)
    m, big_m = neutron_mass_mev, target_mass_mev
    return 2.0 * big_m * (e * e + 2.0 * m * e) / ((m + big_m) ** 2 + 2.0 * big_m * e)


def max_recoil_fraction_nonrel(target_mass_mev: float, neutron_mass_mev: float = NEUTRON_MASS_MEV) -> float:
    """Non-relativistic T_max / E = 4 m M / (m + M)²."""
    m, big_m = neutron_mass_mev, target_mass_mev
    return 4.0 * m * big_m / (m + big_m) ** 2


@nb.njit(inline="always", cache=True)
def _t_max(e, m, big_m):
    return 2.0 * big_m * (e * e + 2.0 * m * e) / ((m + big_m) * (m + big_m) + 2.0 * big_m * e)


@nb.njit(inline="always", cache=True)
def sample_elastic_recoil_mev(state, e_n, target_mass):
    """Recoil kinetic energy (MeV) for isotropic CM scattering: uniform on [0, T_max(E)] (exact)."""
    state, u = draw_uniform(state)
    return state, u * _t_max(e_n, NEUTRON_MASS_MEV, target_mass)


# --- spectra -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NeutronSpectrum:
    """Energy distribution of the scattering neutrons, with an inverse-CDF table for sampling.

    ``kind`` is one of SPECTRA; ``params`` (index, slope or temperature, in MeV where dimensioned);
    [e_min_mev, e_max_mev] the cut-offs. Analytic shapes have their inverse CDF evaluated exactly at the
    table nodes (power law and exponential in closed form, evaporation and Maxwellian through the inverse
    regularised incomplete gamma function, shapes 2 and 3/2); the kernel interpolates linearly between
    16,385 nodes. Tables are piecewise flat in each bin.
    """

    kind: str
    param: float
    e_min_mev: float
    e_max_mev: float
    table_mev: np.ndarray

    def mean_mev(self) -> float:
        """Mean energy of the tabulated distribution (trapezoid over the u grid)."""
        t = self.table_mev
        return float(np.mean(0.5 * (t[1:] + t[:-1])))


def _check_range(what: str, e_min: float, e_max: float) -> None:
    if not (math.isfinite(e_min) and math.isfinite(e_max) and 0.0 <= e_min < e_max):
        raise InputError(f"{what}: energy range [{e_min!r}, {e_max!r}] MeV is not allowed; "
                         f"need 0 <= E_min < E_max (finite, in MeV)")


def power_law(index: float, e_min_mev: float, e_max_mev: float, size: int = TABLE_SIZE) -> NeutronSpectrum:
    """dN/dE ∝ E^(−index) on [e_min, e_max] (e_min > 0)."""
    _check_range("power-law neutron spectrum", e_min_mev, e_max_mev)
    if e_min_mev <= 0.0:
        raise InputError(f"power-law neutron spectrum: E_min = {e_min_mev!r} MeV must be > 0 (E^-index diverges "
                         f"at 0)")
    if not math.isfinite(index):
        raise InputError(f"power-law neutron spectrum: index {index!r} must be a finite number")
    u = np.linspace(0.0, 1.0, size)
    if abs(index - 1.0) < 1e-12:
        table = e_min_mev * (e_max_mev / e_min_mev) ** u
    else:
        a = 1.0 - index
        table = (e_min_mev**a + u * (e_max_mev**a - e_min_mev**a)) ** (1.0 / a)
    table[0], table[-1] = e_min_mev, e_max_mev
    return NeutronSpectrum("power_law", float(index), e_min_mev, e_max_mev, table)


def exponential(e0_mev: float, e_min_mev: float, e_max_mev: float, size: int = TABLE_SIZE) -> NeutronSpectrum:
    """dN/dE ∝ exp(−E / e0) on [e_min, e_max]."""
    _check_range("exponential neutron spectrum", e_min_mev, e_max_mev)
    if not (math.isfinite(e0_mev) and e0_mev > 0):
        raise InputError(f"exponential neutron spectrum: slope E0 = {e0_mev!r} MeV must be > 0")
    u = np.linspace(0.0, 1.0, size)
    table = e_min_mev - e0_mev * np.log1p(-u * -np.expm1(-(e_max_mev - e_min_mev) / e0_mev))
    table[-1] = e_max_mev
    return NeutronSpectrum("exponential", float(e0_mev), e_min_mev, e_max_mev, table)


def _gamma_shape(kind: str, shape: float, t_mev: float, e_min_mev: float, e_max_mev: float,
                 size: int) -> NeutronSpectrum:
    _check_range(f"{kind} neutron spectrum", e_min_mev, e_max_mev)
    if not (math.isfinite(t_mev) and t_mev > 0):
        raise InputError(f"{kind} neutron spectrum: temperature T = {t_mev!r} MeV must be > 0")
    lo, hi = special.gammainc(shape, e_min_mev / t_mev), special.gammainc(shape, e_max_mev / t_mev)
    if hi - lo <= 0.0:
        raise InputError(f"{kind} neutron spectrum: no probability between {e_min_mev} and {e_max_mev} MeV "
                         f"for T = {t_mev} MeV")
    u = np.linspace(0.0, 1.0, size)
    table = t_mev * special.gammaincinv(shape, lo + u * (hi - lo))
    table = np.clip(table, e_min_mev, e_max_mev)
    table[0], table[-1] = e_min_mev, e_max_mev
    return NeutronSpectrum(kind, float(t_mev), e_min_mev, e_max_mev, table)


def evaporation(t_mev: float, e_min_mev: float = 0.0, e_max_mev: float = 20.0,
                size: int = TABLE_SIZE) -> NeutronSpectrum:
    """Weisskopf evaporation spectrum dN/dE ∝ E exp(−E/T) (V. Weisskopf, Phys. Rev. 52, 295 (1937))."""
    return _gamma_shape("evaporation", 2.0, t_mev, e_min_mev, e_max_mev, size)


def maxwellian(t_mev: float, e_min_mev: float = 0.0, e_max_mev: float = 20.0,
               size: int = TABLE_SIZE) -> NeutronSpectrum:
    """Maxwellian dN/dE ∝ √E exp(−E/T)."""
    return _gamma_shape("maxwellian", 1.5, t_mev, e_min_mev, e_max_mev, size)


def tabulated(path: str, size: int = TABLE_SIZE) -> NeutronSpectrum:
    """Two columns: bin-centre energy (MeV, increasing, > 0 spacing) and weight (>= 0); '#' comments."""
    try:
        data = np.loadtxt(read_bounded_text(path).splitlines(), comments="#", ndmin=2, delimiter=None)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read neutron spectrum table '{path}': {exc}") from None
    if data.shape[1] < 2 or len(data) < 2:
        raise InputError(f"neutron spectrum table '{path}': expected two columns (E_MeV, weight) and >= 2 rows")
    e, w = data[:, 0], data[:, 1]
    if np.any(np.diff(e) <= 0) or np.any(w < 0) or e[0] < 0 or not np.all(np.isfinite(data[:, :2])) or w.sum() <= 0:
        raise InputError(f"neutron spectrum table '{path}': energies must increase from >= 0 MeV and weights "
                         f"be >= 0 with a positive sum")
    edges = np.concatenate([[max(e[0] - 0.5 * (e[1] - e[0]), 0.0)], 0.5 * (e[1:] + e[:-1]),
                            [e[-1] + 0.5 * (e[-1] - e[-2])]])
    table = inverse_cdf_table(edges, w, size)
    return NeutronSpectrum("table", 0.0, float(edges[0]), float(edges[-1]), table)


def make_spectrum(kind: str, param: float, e_min_mev: float, e_max_mev: float,
                  table_path: str | None = None) -> NeutronSpectrum:
    """The spectrum of ``kind`` (SPECTRA) with its one shape parameter (index, E0 or T in MeV)."""
    if kind == "power_law":
        return power_law(param, e_min_mev, e_max_mev)
    if kind == "exponential":
        return exponential(param, e_min_mev, e_max_mev)
    if kind == "evaporation":
        return evaporation(param, e_min_mev, e_max_mev)
    if kind == "maxwellian":
        return maxwellian(param, e_min_mev, e_max_mev)
    if kind == "table":
        if not table_path:
            raise InputError("neutron spectrum 'table' needs a table file (two columns: E_MeV, weight)")
        return tabulated(table_path)
    raise InputError(f"neutron spectrum '{kind}' is not allowed; choose one of {', '.join(SPECTRA)}")


def spectrum_options(process: str, spectra: tuple[str, ...], e_min_mev: float, e_max_mev: float,
                     source: str) -> tuple[Param, ...]:
    """Declarations of ``/process/<process>/model|spectrum|eMin|eMax|table`` shared by brn and nin
    (``source``: where the default spectrum comes from)."""
    cmd = f"/process/{process}/"
    return (
        Param(f"{process}.model", cmd + "model", "choice",
              "Recoils from a neutron spectrum (physics model), or PE and time from a released template.\n"
              "Template events have no recoil energy (t_nr_kev NaN); their PE is in the pe_template column.",
              default="spectrum", choices=("spectrum", "template"), label=f"{process} model", arg="MODEL",
              example="template"),
        Param(f"{process}.spectrum", cmd + "spectrum", "choice",
              "Energy spectrum of the neutrons that scatter in the target (physics model).", default=spectra[0],
              choices=spectra, label=f"{process} spectrum", arg="SHAPE", source=source),
        Param(f"{process}.e_min_mev", cmd + "eMin", "quantity", "Lower cut-off of the neutron energy spectrum.",
              default=e_min_mev, unit="MeV", example="0.1 MeV", min=0.0,
              label=f"{process} minimum neutron energy", arg="E", source=source,
              max=1e4, why="SNS neutrons stay below the 1 GeV proton energy; evaporation neutrons have a few MeV"),
        Param(f"{process}.e_max_mev", cmd + "eMax", "quantity", "Upper cut-off of the neutron energy spectrum.",
              default=e_max_mev, unit="MeV", example="100 MeV", min=0.0, min_open=True,
              label=f"{process} maximum neutron energy", arg="E", source=source,
              max=1e4, why="SNS neutrons stay below the 1 GeV proton energy; evaporation neutrons have a few MeV"),
        Param(f"{process}.table", cmd + "table", "path",
              "Neutron energy table for spectrum 'table' (relative to the macro's directory).", default=None,
              label=f"{process} spectrum table", arg="PATH", arg_help="two columns: E_MeV (bin centre), weight",
              example="neutrons.txt"),
    )


# --- targets -------------------------------------------------------------------------------------------
def isotope_weights(target_isotopes) -> np.ndarray:
    """Share of elastic scatters per isotope: nuclei per kg × A^{2/3} (geometric cross section), normalised."""
    w = np.array([t.nuclei_per_kg * t.isotope.a ** (2.0 / 3.0) for t in target_isotopes], float)
    return w / w.sum()


@dataclass(frozen=True)
class RecoilTargets:
    """Arrays the kernel needs: cumulative isotope probabilities, isotope indices and nuclear masses."""

    cum: np.ndarray
    index: np.ndarray  # int16, index into the run's isotope list
    mass_mev: np.ndarray

    @classmethod
    def from_context(cls, ctx) -> "RecoilTargets":
        w = isotope_weights(ctx.target_isotopes)
        idx = np.array([ctx.isotope_index[t.isotope.name] for t in ctx.target_isotopes], np.int16)
        mass = np.array([t.isotope.nuclear_mass_mev for t in ctx.target_isotopes], float)
        return cls(np.cumsum(w) / w.sum(), idx, mass)


# --- timing modes of the kernel ------------------------------------------------------------------------
TIME_BEAM = 0  # t = pulse + Normal(delay mean, delay sigma) [or, delayed share: + Exp(τπ) + Exp(τμ)] (brn)
TIME_NEUTRINO = 1  # t = pulse + Exp(τπ) [+ Exp(τμ) unless prompt νμ] + fixed delay   (nin)

#: flavour codes (simcoh.config.FLAVOURS order) used by the nin kernel
NU_E, NU_MU, NU_MU_BAR = 0, 1, 2


@nb.njit(nogil=True, cache=True)
def sample_neutron_events(key, event_ids, iso_cum, iso_index, iso_mass, energy_table, time_mode,
                          pulse_kind, pulse_mean, pulse_sigma, pulse_table, delay_mean, delay_sigma, nc_fraction,
                          t_min_mev, out_flavour, out_isotope, out_e, out_t, out_t_nr):
    """Fill truth arrays of neutron-scattering events ``event_ids`` (global indices), one stream per event.

    time_mode TIME_BEAM: flavour −1, t = pulse + N(delay_mean, delay_sigma); with probability ``nc_fraction``
    (the delayed-component share, brn) instead t = pulse + Exp(τπ) + Exp(τμ) (no uniform is drawn when it is 0,
    so a prompt-only model keeps its streams).
    time_mode TIME_NEUTRINO: with probability ``nc_fraction`` the neutron comes from a neutral-current
    interaction of νe, νμ or ν̄μ (equal shares), else from νe charged current; t = pulse + Exp(τπ)
    (+ Exp(τμ) for νe, ν̄μ) + delay_mean.
    Recoils below ``t_min_mev`` are rejected and the whole (isotope, E, T) triple is redrawn, which samples
    the distribution conditional on T ≥ T_min exactly (the builder checks the acceptance is not tiny).
    """
    for j in range(event_ids.shape[0]):
        s = stream_start(key, event_ids[j])
        while True:
            s, u = draw_uniform(s)
            k = pick_channel(iso_cum, u)
            s, u = draw_uniform(s)
            e_n = table_lookup(energy_table, u)
            s, t_nr = sample_elastic_recoil_mev(s, e_n, iso_mass[k])
            if t_nr >= t_min_mev:
                break
        s, t_p = sample_pulse_ns(s, pulse_kind, pulse_mean, pulse_sigma, pulse_table)
        flav = -1
        if time_mode == TIME_BEAM:
            delayed = False
            if nc_fraction > 0.0:
                s, u = draw_uniform(s)
                delayed = u < nc_fraction
            if delayed:
                s, delay = draw_exponential(s, PION_LIFETIME_NS)
                s, t_mu = draw_exponential(s, MUON_LIFETIME_NS)
                delay += t_mu
            else:
                delay = delay_mean
                if delay_sigma > 0.0:
                    s, z = draw_normal(s)
                    delay += delay_sigma * z
        else:
            flav = NU_E
            s, u = draw_uniform(s)
            if u < nc_fraction:
                s, v = draw_uniform(s)
                flav = NU_E if v < 1.0 / 3.0 else (NU_MU if v < 2.0 / 3.0 else NU_MU_BAR)
            s, delay = draw_exponential(s, PION_LIFETIME_NS)
            if flav != NU_MU:
                s, t_mu = draw_exponential(s, MUON_LIFETIME_NS)
                delay += t_mu
            delay += delay_mean
        out_flavour[j] = flav
        out_isotope[j] = iso_index[k]
        out_e[j] = e_n
        out_t[j] = t_p + delay
        out_t_nr[j] = t_nr * 1e3


def fraction_above(energy_table: np.ndarray, targets: RecoilTargets, t_min_mev: float) -> float:
    """P(T ≥ T_min) for recoils of this spectrum on these targets: the mean over isotopes and over the table's
    u-grid (midpoints) of max(0, 1 − T_min / T_max(E)), exact for the uniform-in-T recoil distribution."""
    if t_min_mev <= 0:
        return 1.0
    e = 0.5 * (energy_table[1:] + energy_table[:-1])
    probs = np.diff(np.concatenate([[0.0], targets.cum]))
    total = 0.0
    for p, mass in zip(probs, targets.mass_mev):
        t_hi = max_recoil_mev(e, mass)
        with np.errstate(divide="ignore"):
            total += p * float(np.mean(np.where(t_hi > t_min_mev, 1.0 - t_min_mev / t_hi, 0.0)))
    return total


class NeutronRecoilProcess(PerPotProcess):
    """Recoils from neutrons of a spectrum; the time model comes from the subclass' kernel arguments."""

    extra_columns = ()
    stage = "truth.neutron"

    def __init__(self, ctx: BuildContext, spectrum, expected_per_pot: float, time_mode: int,
                 delay_mean_ns: float, delay_sigma_ns: float, nc_fraction: float = 0.0):
        self.spectrum = spectrum
        self.targets = RecoilTargets.from_context(ctx)
        self.t_min_mev = ctx.recoil_min_mev
        self.acceptance = fraction_above(spectrum.table_mev, self.targets, self.t_min_mev)
        if self.acceptance < 1e-6:
            raise InputError(f"{self.name}: the neutron spectrum (up to {spectrum.e_max_mev:g} MeV) gives almost no "
                             f"recoils above the minimum recoil energy {self.t_min_mev * 1e3:g} keV "
                             f"(fraction {self.acceptance:.2g}); lower /run/recoilMin or raise the spectrum's E_max")
        self.expected_per_pot = expected_per_pot * self.acceptance
        self.n_pot = ctx.n_pot
        self._pulse = make_pulse(ctx.source)
        self._mode = time_mode
        self._delay = (delay_mean_ns, delay_sigma_ns)
        self._nc = nc_fraction

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        p = self._pulse
        sample_neutron_events(stage_key(seed, self.stage), event_ids, self.targets.cum, self.targets.index,
                              self.targets.mass_mev, self.spectrum.table_mev, self._mode, p.kind, p.mean_ns,
                              p.sigma_ns, p.table_ns, self._delay[0], self._delay[1], self._nc, self.t_min_mev,
                              out["flavour"], out["isotope"], out["e_nu_mev"], out["t_ns"], out["t_nr_kev"])


__all__ = ["SPECTRA", "NeutronSpectrum", "RecoilTargets", "max_recoil_mev", "max_recoil_fraction_nonrel",
           "make_spectrum", "power_law", "exponential", "evaporation", "maxwellian", "tabulated",
           "isotope_weights", "sample_neutron_events", "sample_elastic_recoil_mev", "TIME_BEAM", "TIME_NEUTRINO",
           "fraction_above", "NeutronRecoilProcess", "spectrum_options"]

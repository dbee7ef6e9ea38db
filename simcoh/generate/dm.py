"""Accelerator-produced dark matter (vector portal, PHYSICS.md §5) as a truth-level process.

Chain: SNS meson → A′ → χχ*; χ flies to the detector and scatters elastically on a nucleus
(cross sections and branching ratios in :mod:`simcoh.physics.darkmatter`; model, sources and approximations
in docs/darkmatter.md).

Set-up (once per run):
1. χ flux at the detector for each production channel, in χ per cm² per POT, as a histogram in χ total energy:
   - π⁰ → γA′ (and η → γA′): Monte Carlo of ``setup_decays`` chains with π⁰ momenta drawn from the SNS Geant4
     π⁰ sample (``simcoh/data/sns_pi0``; or mesons at rest); A′ isotropic in the meson frame, χ isotropic in the
     A′ frame, Lorentz boosts. The flux in the detector direction (polar angle θ_d to the proton beam) is
     estimated with azimuthal symmetry about the beam: the χ with cos θ in a band of full width Δ around
     cos θ_d, per solid angle 2πΔ. The random streams come from stage "setup.dm.<channel>" of the run seed, so
     the same seed gives the same tables.
   - π⁻p → nA′ at rest: the A′ is monochromatic and isotropic, so the χ energy is uniform between the
     two-body end points and the flux is 2 Y_π⁻ BR / (4π L²), exactly.
2. Per (channel, isotope): flux × σ(E; T ≥ T_min) on 400 energy bins, the expected events
   N = N_POT · n_iso · Σ φ_b σ(E_b), and an inverse-CDF table of E.

Sampling (per event, exact apart from the energy discretisation): channel ∝ expected, E from its table, T by
rejection from dσ/dT (dm_kernels.sample_chi_recoil_mev), arrival time = proton-pulse time + χ delay.
The detector is treated as point-like at ``distance`` (its size is ≪ L, a relative flux change ~ (r/L)²) and
χ attenuation in shielding is neglected (σ ≲ 1e-35 cm² per nucleus for ε ≲ 1e-3).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..constants import C_CM_PER_NS
from ..declare import Param, check, defaults, resolve
from ..errors import InputError
from ..physics.darkmatter import (DEFAULT_ALPHA_D, MESONS, PI_MINUS_CAPTURE_MAX_APRIME_MEV, DarkSector,
                                  aprime_energy_from_capture_mev, channel_params, chi_energy_range_mev,
                                  chi_t_max_mev, dsigma_dt_cm2_per_mev, meson_to_gamma_aprime_br,
                                  pi_minus_capture_br, sigma_cm2)
from ..rng import stage_key
from ..source.timing import inverse_cdf_table, make_pulse
from .dm_kernels import chi_kinematics_mc, sample_dm
from .process import BuildContext, PerPotProcess, ProcessSpec

ENERGY_TABLE_SIZE = 16385
FLUX_BINS = 400
PRODUCTION_CODES = {"pi0": 0, "pi_minus": 1, "eta": 2}

_PYCEVNS = "pyCEvNS (Dutta et al., arXiv:1906.10745), DMFluxFromPi0Decay"
_YIELDS = "SNS Geant4 simulation quoted in PHYSICS.md section 5 (pyCEvNS: 0.106 pi0, 0.0366 pi-)"


def _mass(key: str, command: str, help: str, label: str, example: str, **kw) -> Param:
    return Param(key, command, "quantity", help, unit="MeV", example=example, min=0.0, min_open=True,
                 label=label, arg="M", max=1e4, why="pi0 and eta decays at the SNS make particles below 548 MeV; "
                 "10 GeV bounds any mass reachable at a 1 GeV proton beam", **kw)


#: /process/dm/... options (keys ``dm.<field>`` in RunConfig.process_options). η: 0 by default, because 1 GeV
#: protons are below the free-NN threshold T_p = 2m_η + m_η²/2m_p = 1.256 GeV; sub-threshold production in Hg
#: is not given by the project's sources, so it is left to the user. Detector direction 90° to the beam: simcoh's
#: assumption of a detector broadside to the target (the surveyed angles are not among the project's references).
#: It is not a pyCEvNS convention: pyCEvNS's angular cut is disabled, so its flux is the 4π average, which
#: angular_band = 2 reproduces (docs/darkmatter.md).
PARAMS = (
    _mass("dm.m_chi_mev", "/process/dm/mChi", "Dark-matter (chi) mass; required when the dm process is "
          "enabled.", "m_chi", "10 MeV", initial="none: required for dm"),
    Param("dm.chi_spin", "/process/dm/chiSpin", "choice",
          "Spin of chi: complex scalar (default) or Dirac fermion; sets the chi-nucleus cross section\n"
          "(scalar: x1.13 events in CsI over all recoils at m_chi = 10 MeV, m_A' = 30 MeV; docs/darkmatter.md).",
          default="scalar", choices=("scalar", "fermion"), label="chi spin", arg="SPIN",
          source="scalar chi: the model of COHERENT's CsI dark-matter search, arXiv:2110.11453; fermion: pyCEvNS "
          "(Dutta et al., arXiv:1906.10745)"),
    _mass("dm.m_aprime_mev", "/process/dm/mAprime", "Dark-photon mass; must exceed 2 m_chi (on-shell decay "
          "A' -> chi chi*).", "m_A'", "30 MeV", default=None, initial="3 m_chi"),
    Param("dm.epsilon", "/process/dm/epsilon", "float",
          "Kinetic mixing epsilon of the dark photon with the photon; required when dm is enabled.\n"
          "Event counts scale as epsilon^4 (production and detection each epsilon^2).", min=0.0, label="epsilon",
          arg="EPS", arg_help="kinetic mixing", example="1e-4", initial="none: required for dm",
          max=1.0, why="a kinetic-mixing parameter; experiments probe 1e-5..1e-3"),
    Param("dm.alpha_d", "/process/dm/alphaD", "float", "Dark coupling alpha_D = g_D^2 / 4 pi.",
          default=DEFAULT_ALPHA_D, min=0.0, min_open=True, label="alpha_D", arg="ALPHA",
          arg_help="dark coupling g_D^2/4pi", source="benchmark value of the vector-portal literature (PHYSICS.md "
          "section 5)",
          max=10.0, why="perturbative dark couplings are below ~1"),
    Param("dm.pi0_per_pot", "/process/dm/pi0PerPOT", "float",
          "Neutral pions produced per proton on target (SNS Geant4 value, PHYSICS.md section 5).", default=0.105,
          min=0.0, label="pi0_per_pot", arg_help="pi0 per POT", source=_YIELDS,
          max=10.0, why="a 1 GeV proton makes ~0.1 pi0"),
    Param("dm.pi_minus_per_pot", "/process/dm/piMinusPerPOT", "float",
          "Negative pions captured at rest per proton on target (PHYSICS.md section 5).", default=0.04, min=0.0,
          label="pi_minus_per_pot", arg_help="captured pi- per POT", source=_YIELDS,
          max=10.0, why="a 1 GeV proton makes ~0.04 pi-"),
    Param("dm.eta_per_pot", "/process/dm/etaPerPOT", "float",
          "Eta mesons per proton on target (decaying at rest).\n"
          "Default 0: 1 GeV protons are below the free-nucleon threshold (1.256 GeV); set a value to include "
          "eta -> gamma A' (the only source for m_A' above 138 MeV).", default=0.0, min=0.0,
          label="eta_per_pot", arg_help="eta per POT", example="1e-3",
          max=10.0, why="a 1 GeV proton makes far fewer than one eta"),
    Param("dm.capture_fraction", "/process/dm/captureFraction", "float",
          "Fraction of pi- captures that emit A' at rate epsilon^2 (pi- p -> n A').\n"
          "1 follows pyCEvNS; 0.392 = 1/(1 + Panofsky ratio) for free protons.", default=1.0, min=0.0, max=1.0,
          label="capture fraction", arg="F", arg_help="fraction", example="0.392", source=_PYCEVNS),
    Param("dm.detector_angle_deg", "/process/dm/detectorAngle", "float",
          "Direction of the detector seen from the target, as the angle to the proton beam (degrees).",
          default=90.0, min=0.0, max=180.0, label="detector angle (deg)", arg="DEG",
          arg_help="polar angle to the proton beam in degrees",
          source="assumption: a detector broadside to the beam (surveyed angles not in simcoh's references); "
          "'/process/dm/angularBand 2' gives the 4pi average that pyCEvNS uses"),
    Param("dm.angular_band", "/process/dm/angularBand", "float",
          "Width in cos(theta) of the band around the detector direction used to estimate the pi0/eta "
          "chi flux per solid angle.", default=0.2, min=0.0, max=2.0, min_open=True, label="angular band",
          arg="WIDTH", arg_help="full width in cos(theta)"),
    Param("dm.setup_decays", "/process/dm/setupDecays", "int",
          "Meson decays simulated at set-up to build the chi energy spectrum at the detector.", default=2_000_000,
          min=1000, label="setup decays", arg="N", arg_help="meson decays",
          max=100_000_000, why="two chi energies (16 bytes) per decay are held in memory at set-up: 1e8 decays are "
          "1.6 GB, and the default 2e6 already gives percent-level statistics"),
    Param("dm.meson_kinematics", "/process/dm/mesonKinematics", "choice",
          "pi0 momenta from the SNS Geant4 pi0 sample, or all mesons at rest.", default="sample",
          choices=("sample", "rest"), label="meson kinematics", arg="MODE"),
)

#: Option key -> default (REQUIRED: must be given), derived from PARAMS.
OPTIONS = {p.key: p.default for p in PARAMS}
_SECTOR = ("m_chi_mev", "epsilon", "alpha_d", "m_aprime_mev", "chi_spin")  # options that make the DarkSector
_SETTINGS = tuple(p for p in PARAMS if p.field not in _SECTOR)
_D = defaults(_SETTINGS)


@dataclass(frozen=True)
class DmSettings:
    """Resolved /process/dm options in internal units (checked against PARAMS)."""

    dark: DarkSector
    pi0_per_pot: float = _D["pi0_per_pot"]
    pi_minus_per_pot: float = _D["pi_minus_per_pot"]
    eta_per_pot: float = _D["eta_per_pot"]
    capture_fraction: float = _D["capture_fraction"]
    detector_angle_deg: float = _D["detector_angle_deg"]
    angular_band: float = _D["angular_band"]
    setup_decays: int = _D["setup_decays"]
    meson_kinematics: str = _D["meson_kinematics"]

    def __post_init__(self):
        check(self, _SETTINGS)

    @classmethod
    def from_options(cls, options: dict) -> "DmSettings":
        """From RunConfig.process_options (keys ``dm.*``; other processes' keys are ignored)."""
        o = {k[len("dm."):]: v for k, v in resolve("dm", options, PARAMS).items()}
        dark = DarkSector(m_chi_mev=float(o.pop("m_chi_mev")), epsilon=float(o.pop("epsilon")),
                          alpha_d=float(o.pop("alpha_d")), m_aprime_mev=o.pop("m_aprime_mev"),
                          chi_spin=o.pop("chi_spin"))
        return cls(dark=dark, **o)


@functools.cache
def pi0_sample() -> np.ndarray:
    """SNS π⁰ momenta as rows (E, px, py, p_beam) in MeV with the last axis along the proton beam.

    The file's columns are (angle to the beam in degrees, px, py, pz, E, T); the angle equals
    arccos(−pz/|p|) to 1e-3 degrees, so the beam runs along −z of the file.
    """
    text = resources.files("simcoh.data").joinpath("sns_pi0").joinpath("Pi0_Info.txt").read_text()
    d = np.loadtxt(text.splitlines(), comments="#", ndmin=2)
    return np.ascontiguousarray(np.column_stack([d[:, 4], d[:, 1], d[:, 2], -d[:, 3]]))


@dataclass(frozen=True)
class ChiFlux:
    """χ flux of one production channel at the detector: bin edges (MeV, total energy) and χ per cm² per POT
    in each bin."""

    channel: str
    edges_mev: np.ndarray
    per_pot_cm2: np.ndarray

    @property
    def total_per_pot_cm2(self) -> float:
        return float(self.per_pot_cm2.sum())


def meson_flux(settings: DmSettings, meson: str, yield_per_pot: float, distance_cm: float, seed: int) -> ChiFlux | None:
    """Monte Carlo χ flux from M → γA′ → γχχ* in the detector direction (None if closed or zero)."""
    dark = settings.dark
    m_meson = MESONS[meson][0]
    br = meson_to_gamma_aprime_br(meson, dark.epsilon, dark.m_aprime_mev)
    if yield_per_pot <= 0 or dark.m_aprime_mev >= m_meson:
        return None
    if meson == "pi0" and settings.meson_kinematics == "sample":
        mesons = pi0_sample()
    else:
        mesons = np.array([[m_meson, 0.0, 0.0, 0.0]])
    c0 = math.cos(math.radians(settings.detector_angle_deg))
    half = 0.5 * settings.angular_band
    lo, hi = max(-1.0, c0 - half), min(1.0, c0 + half)
    n = int(settings.setup_decays)
    e_kept = np.empty(2 * n)
    kept = chi_kinematics_mc(stage_key(seed, f"setup.dm.{meson}"), n, mesons, m_meson, dark.m_aprime_mev,
                             dark.m_chi_mev, lo, hi, e_kept)
    if kept == 0:
        return None
    e = e_kept[:kept]
    # χ per steradian per A′ in the band, times A′ per POT, over L²
    per_sr = kept / n / (2.0 * math.pi * (hi - lo))
    norm = yield_per_pot * br * per_sr / distance_cm**2
    e_lo, e_hi = float(e.min()), float(e.max())
    if e_hi <= e_lo:
        e_hi = e_lo * (1 + 1e-9)
    edges = np.linspace(e_lo, e_hi, FLUX_BINS + 1)
    counts, _ = np.histogram(e, bins=edges)
    return ChiFlux(meson, edges, norm * counts / kept)


def capture_flux(settings: DmSettings, distance_cm: float) -> ChiFlux | None:
    """χ flux from π⁻p → nA′ at rest: isotropic, χ energy uniform between the two-body end points."""
    dark = settings.dark
    br = pi_minus_capture_br(dark.epsilon, dark.m_aprime_mev, settings.capture_fraction)
    if settings.pi_minus_per_pot <= 0 or dark.m_aprime_mev >= PI_MINUS_CAPTURE_MAX_APRIME_MEV:
        return None
    e_lo, e_hi = chi_energy_range_mev(aprime_energy_from_capture_mev(dark.m_aprime_mev), dark.m_aprime_mev,
                                      dark.m_chi_mev)
    edges = np.linspace(e_lo, e_hi, FLUX_BINS + 1)
    total = 2.0 * settings.pi_minus_per_pot * br / (4.0 * math.pi * distance_cm**2)
    return ChiFlux("pi_minus", edges, np.full(FLUX_BINS, total / FLUX_BINS))


def e_chi_min_mev(t_min_mev: float, m_chi: float, mass: float) -> float:
    """Smallest χ total energy that can give a recoil ≥ t_min (T_max(E) is increasing in E); by bisection."""
    if t_min_mev <= 0:
        return m_chi
    lo, hi = m_chi, m_chi + 1.0
    while chi_t_max_mev(hi, m_chi, mass) < t_min_mev:
        hi = m_chi + 2.0 * (hi - m_chi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if chi_t_max_mev(mid, m_chi, mass) < t_min_mev else (lo, mid)
    return hi


@dataclass(frozen=True)
class DmChannel:
    production: str
    isotope_name: str
    isotope_index: int
    expected: float  # for the exposure (per POT if the run has none)
    params: np.ndarray
    flux: ChiFlux
    sigma_cm2: np.ndarray  # σ(E_b; T ≥ T_min) at the flux-bin midpoints
    n_nuclei: float
    energy_table_mev: np.ndarray


class DarkMatterProcess(PerPotProcess):
    """χ–nucleus elastic scattering of accelerator-produced dark matter."""

    name = "dm"
    extra_columns = (
        ("dm_production", "int8", "",
         "dark-matter production channel: 0 pi0 -> gamma A', 1 pi- p -> n A', 2 eta -> gamma A'; -1 other "
         "processes. For dm events e_nu_mev is the chi total energy (mass included)", -1),
    )

    def __init__(self, settings: DmSettings, channels: list[DmChannel], fluxes: dict, pulse, source,
                 distance_cm: float, t_min_mev: float, n_pot: float):
        self.settings = settings
        self.channels = channels
        self.fluxes = fluxes
        self.n_pot = n_pot
        self._pulse = pulse
        self._flight_ns = distance_cm / C_CM_PER_NS
        self._add_flight = bool(source.include_flight_time)
        self._t_min_mev = t_min_mev
        rates = np.array([c.expected for c in channels])
        if len(channels) and rates.sum() > 0:
            self._cum = np.cumsum(rates) / rates.sum()
            self._params = np.stack([c.params for c in channels])
            self._etables = np.stack([c.energy_table_mev for c in channels])
            self._iso = np.array([c.isotope_index for c in channels], np.int16)
            self._prod = np.array([PRODUCTION_CODES[c.production] for c in channels], np.int8)

    @property
    def expected_per_pot(self) -> float:
        return float(sum(c.expected for c in self.channels))

    def expected_by_channel(self) -> dict[tuple[str, str], float]:
        """{(production channel, isotope name): expected events for the exposure}."""
        return {(c.production, c.isotope_name): c.expected * self.exposure_scale for c in self.channels}

    def chi_flux_cm2(self) -> dict[str, float]:
        """χ (+ χ*) per cm² at the detector for the exposure, per production channel."""
        return {k: f.total_per_pot_cm2 * self.exposure_scale for k, f in self.fluxes.items()}

    def recoil_spectrum(self, t_edges_kev) -> np.ndarray:
        """Expected events for the exposure in recoil-energy bins ``t_edges_kev`` (keV), restricted to
        T ≥ the run's minimum recoil, by 8-point Gauss–Legendre quadrature in each bin."""
        edges = np.asarray(t_edges_kev, float) * 1e-3
        gx, gw = np.polynomial.legendre.leggauss(8)
        mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * np.diff(edges)
        t = (mid[:, None] + half[:, None] * gx[None, :]).ravel()
        w = (half[:, None] * gw[None, :]).ravel()
        keep = t >= self._t_min_mev
        out = np.zeros(len(mid))
        for c in self.channels:
            e_mid = 0.5 * (c.flux.edges_mev[1:] + c.flux.edges_mev[:-1])
            dens = np.zeros(t.shape)
            for e, phi in zip(e_mid, c.flux.per_pot_cm2):
                if phi > 0:
                    dens += phi * dsigma_dt_cm2_per_mev(e, t, c.params)
            out += (dens * w * keep).reshape(len(mid), -1).sum(axis=1) * c.n_nuclei
        return out * self.exposure_scale

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        if not hasattr(self, "_cum"):
            raise InputError("no dark-matter events are possible for these masses and yields (expected = 0)")
        p = self._pulse
        out["flavour"][:] = -1
        sample_dm(stage_key(seed, "truth.dm"), event_ids, self._cum, self._params, self._etables, self._iso,
                  self._prod, p.kind, p.mean_ns, p.sigma_ns, p.table_ns, self._flight_ns, self._add_flight,
                  self._t_min_mev, out["isotope"], out["e_nu_mev"], out["t_ns"], out["t_nr_kev"],
                  out["dm_production"])


def build_channels(settings: DmSettings, fluxes: dict[str, ChiFlux], ctx: BuildContext) -> list[DmChannel]:
    channels = []
    for production, flux in fluxes.items():
        e_mid = 0.5 * (flux.edges_mev[1:] + flux.edges_mev[:-1])
        for ti in ctx.target_isotopes:
            iso = ti.isotope
            params = channel_params(settings.dark, iso, ctx.physics)
            sig = sigma_cm2(e_mid, params, ctx.recoil_min_mev)
            w = flux.per_pot_cm2 * sig
            n_nuclei = ti.nuclei_per_kg * ctx.target_mass_kg
            if w.sum() <= 0:
                continue
            lo = e_chi_min_mev(ctx.recoil_min_mev, settings.dark.m_chi_mev, iso.nuclear_mass_mev)
            table = np.maximum(inverse_cdf_table(flux.edges_mev, w, ENERGY_TABLE_SIZE), lo)
            channels.append(DmChannel(production, iso.name, ctx.isotope_index[iso.name],
                                      float(w.sum() * n_nuclei), params, flux, sig, n_nuclei, table))
    return channels


def build_dm(ctx: BuildContext) -> DarkMatterProcess:
    settings = DmSettings.from_options(ctx.options)
    fluxes = {}
    for meson, y in (("pi0", settings.pi0_per_pot), ("eta", settings.eta_per_pot)):
        f = meson_flux(settings, meson, y, ctx.distance_cm, ctx.seed)
        if f is not None:
            fluxes[meson] = f
    f = capture_flux(settings, ctx.distance_cm)
    if f is not None:
        fluxes["pi_minus"] = f
    channels = build_channels(settings, fluxes, ctx)
    return DarkMatterProcess(settings, channels, fluxes, make_pulse(ctx.source), ctx.source, ctx.distance_cm,
                             ctx.recoil_min_mev, ctx.n_pot)


PROCESS = ProcessSpec("dm", 4, "accelerator-produced dark matter, vector portal", build_dm, PARAMS,
                      settings=lambda det, o: DmSettings.from_options(o))

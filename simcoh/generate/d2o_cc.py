"""νe + d → p + p + e⁻ in heavy water (process "d2o_cc", code 5): the flux-normalisation channel of COH-D2O
(COHERENT, JINST 16 (2021) P08048, arXiv:2104.09605).

Expected events: N = Φ_νe · N_d · ⟨σ⟩, with Φ_νe = r N_POT / (4π L²) the νe fluence of the run's source (Michel
spectrum from μ⁺ decay at rest), N_d = 2 × (D2O molecules in the target mass), and ⟨σ⟩ = ∫ φ(Eν) σ(Eν) dEν from
the cross-section table (:mod:`simcoh.physics.deuteron`: the NSGK calculation shipped with simcoh, or
``d2o_cc.xs_table``).

Per event: Eν from the σ-weighted spectrum (inverse-CDF table), arrival time = proton pulse + π and μ decay times
(delayed νe, as for CEvNS), electron kinetic energy T_e = Eν − Q (Q = 1.442 MeV; the pp pair's energy is neglected,
so T_e is an upper bound), Cherenkov photons ~ Poisson(Y · (T_e − T_thr)) with Y the Frank-Tamm yield per MeV
(:mod:`simcoh.physics.cherenkov`) and photoelectrons ~ Binomial(photons, coverage × QE) when coverage and QE
are given (no defaults: the design's are not sourced here; otherwise ``n_pe_cherenkov`` = −1). The electron direction,
the light transport in the vessel and the PMT response are not modelled (docs/d2o.md); νe ¹⁶O CC and ν-e scattering
in the same water are the processes o16_cc and d2o_es.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from ..constants import C_CM_PER_NS
from ..declare import Param, resolve
from ..errors import InputError
from ..physics import cherenkov
from ..physics.deuteron import XsTable, builtin_xs_table, flux_average, q_value_mev, read_xs_table
from ..rng import draw_binomial, draw_poisson, draw_uniform, stage_key, stream_start
from ..source.flux import flux_per_cm2
from ..source.spectra import make_source
from ..source.timing import inverse_cdf_table, make_pulse
from .kernels import sample_emission_ns, sample_pulse_ns, table_lookup
from .process import BuildContext, PerPotProcess, ProcessSpec

NAME = "d2o_cc"
TABLE_SIZE = 16385
_C = f"/process/{NAME}/"

def cross_section_and_light_params(name: str, reaction: str, table_initial: str, table_example: str,
                                   table_source: str, unc_initial: str, unc_example: str,
                                   table_note: str = "") -> tuple[Param, ...]:
    """The four parameters every heavy-water channel declares: its cross-section table and uncertainty, and the
    photocathode coverage and quantum efficiency that turn its Cherenkov photons into photoelectrons."""
    c = f"/process/{name}/"
    return (
        Param(f"{name}.xs_table", c + "xsTable", "path",
              f"Cross-section table of {reaction}: E_nu [MeV], sigma [cm2], relative uncertainty (docs/d2o.md)."
              + table_note,
              default=None, initial=table_initial, label=f"{name} cross-section table",
              arg="PATH", arg_help="three columns: E_nu_MeV sigma_cm2 rel_unc", example=table_example,
              source=table_source),
        Param(f"{name}.xs_rel_unc", c + "xsUncertainty", "float",
              "Relative 1-sigma uncertainty of the cross section, replacing the table's column.",
              default=None, initial=unc_initial, min=0.0, max=1.0, max_open=True,
              label=f"{name} cross-section uncertainty", example=unc_example, why="a relative uncertainty below 100 %"),
        Param(f"{name}.coverage", c + "coverage", "float",
              "Fraction of the Cherenkov photons that reach a photocathode (geometric coverage x transport).",
              default=None, initial="photoelectrons not counted", label=f"{name} photocathode coverage", min=0.0,
              max=1.0, min_open=True, example="0.1", why="a fraction of the emitted photons"),
        Param(f"{name}.qe", c + "quantumEfficiency", "float",
              "Photocathode quantum efficiency averaged over the wavelength band.", default=None,
              initial="photoelectrons not counted", label=f"{name} quantum efficiency",
              min=0.0, max=1.0, min_open=True, example="0.25", why="a probability"),
    )


PARAMS = cross_section_and_light_params(
    NAME, "nu_e d -> p p e-", "the NSGK table shipped with simcoh", "nud-cc.txt",
    "S. Nakamura et al., Nucl. Phys. A 696, 491 (2001), nucl-th/0009012 (simcoh/data/PROVENANCE.md)",
    "the table's third column", "0.02") + (
    Param(f"{NAME}.lambda_min_nm", _C + "lambdaMin", "float", "Shortest photon wavelength counted (nm).",
          default=300.0, min=100.0, max=2000.0, label="d2o_cc shortest wavelength", arg_help="nm",
          source="bialkali PMT spectral range 300-650 nm (Hamamatsu R5912 data sheet)",
          why="water and PMT glass are opaque below ~200 nm; photocathodes are blind beyond ~1 um"),
    Param(f"{NAME}.lambda_max_nm", _C + "lambdaMax", "float", "Longest photon wavelength counted (nm).",
          default=650.0, min=100.0, max=2000.0, label="d2o_cc longest wavelength", arg_help="nm",
          source="bialkali PMT spectral range 300-650 nm (Hamamatsu R5912 data sheet)",
          why="water and PMT glass are opaque below ~200 nm; photocathodes are blind beyond ~1 um"),
    Param(f"{NAME}.refractive_index", _C + "refractiveIndex", "float", "Refractive index of the heavy water.",
          default=cherenkov.N_WATER, min=1.0, max=3.0, min_open=True, label="d2o_cc refractive index",
          source="n = 1.33 (D2O: 1.328 at 589 nm, CRC Handbook)", why="liquids have 1 < n < 3"),
    Param(f"{NAME}.stopping_mev_per_cm", _C + "stoppingPower", "float",
          "Constant electron stopping power that turns kinetic energy into Cherenkov track length (MeV/cm).",
          default=cherenkov.STOPPING_WATER_MEV_PER_CM, min=0.1, max=100.0, label="d2o_cc stopping power",
          arg_help="MeV/cm", source="water minimum ionisation 1.992 MeV cm2/g (PDG atomic and nuclear properties)",
          why="electron stopping powers in liquids are 1-10 MeV/cm"),
)

EXTRA_COLUMNS = (
    ("t_e_mev", "float64", "MeV", "electron kinetic energy (d2o_cc: E_nu - Q, the pp energy neglected); NaN for "
     "other processes", np.nan),
    ("n_cherenkov", "int64", "photons", "Cherenkov photons in the counted band (d2o_cc); -1 for other processes",
     -1),
    ("n_pe_cherenkov", "int64", "PE", "photoelectrons from those photons (d2o_cc); -1 for other processes", -1),
)


@dataclass(frozen=True)
class D2oCcSettings:
    xs_table: str | None
    xs_rel_unc: float | None
    coverage: float | None
    qe: float | None
    lambda_min_nm: float
    lambda_max_nm: float
    refractive_index: float
    stopping_mev_per_cm: float

    @classmethod
    def from_options(cls, options: dict) -> "D2oCcSettings":
        s = cls(**{k[len(NAME) + 1:]: v for k, v in resolve(NAME, options, PARAMS).items()})
        if s.lambda_max_nm <= s.lambda_min_nm:
            raise InputError(f"d2o_cc wavelength band [{s.lambda_min_nm:g}, {s.lambda_max_nm:g}] nm is empty; "
                             f"lambdaMax must exceed lambdaMin")
        if (s.coverage is None) != (s.qe is None):
            raise InputError("d2o_cc counts photoelectrons only with both /process/d2o_cc/coverage and "
                             "/process/d2o_cc/quantumEfficiency; give both (or neither: photons only)")
        return s

    @property
    def p_detect(self) -> float:
        """Photon -> photoelectron probability; -1 when photoelectrons are not counted."""
        return photoelectron_probability(self.coverage, self.qe)

    @property
    def photons_per_mev(self) -> float:
        return cherenkov.photons_per_mev(self.lambda_min_nm, self.lambda_max_nm, self.refractive_index,
                                         self.stopping_mev_per_cm)


@nb.njit(nogil=True, cache=True)
def sample_d2o_cc(key, event_ids, e_table, q_mev, t_thr_mev, photons_per_mev, p_detect, emission_kind,
                  emission_table, pulse_kind, pulse_mean, pulse_sigma, pulse_table, flight_ns,
                  out_e_nu, out_t, out_te, out_ng, out_npe):
    for j in range(event_ids.shape[0]):
        s = stream_start(key, event_ids[j])
        s, u = draw_uniform(s)
        e_nu = table_lookup(e_table, u)
        s, t_p = sample_pulse_ns(s, pulse_kind, pulse_mean, pulse_sigma, pulse_table)
        s, t_e = sample_emission_ns(s, emission_kind, emission_table)
        te = max(e_nu - q_mev, 0.0)
        s, ng = draw_poisson(s, photons_per_mev * max(te - t_thr_mev, 0.0))
        npe = -1
        if p_detect >= 0.0:
            s, npe = draw_binomial(s, ng, p_detect)
        out_e_nu[j] = e_nu
        out_t[j] = t_p + t_e + flight_ns
        out_te[j] = te
        out_ng[j] = ng
        out_npe[j] = npe


class CherenkovCcProcess(PerPotProcess):
    """A νe charged current on one nucleus of a heavy-water target with a Cherenkov electron: Eν from the
    σ-weighted νe spectrum, T_e = Eν − Q, photons and photoelectrons (kernel ``sample_d2o_cc``). d2o_cc and
    o16_cc differ only in the nucleus, Q, the table and the optical settings."""

    extra_columns = EXTRA_COLUMNS
    recoil_type = "er"

    def __init__(self, ctx: BuildContext, table: XsTable, isotope: str, q_mev: float, xs_rel_unc: float | None,
                 threshold_mev: float, photons_per_mev: float, p_detect: float):
        self.table = table
        spec = make_source(ctx.source).flavours.get("nu_e")
        if spec is None or spec.is_line:
            raise InputError(f"process {self.name} needs the nu_e spectrum of a pion-decay-at-rest source")
        self.sigma_avg_cm2, self.sigma_rel_unc, weights = flux_average(table, spec.edges_mev, spec.prob, self.name)
        if xs_rel_unc is not None:
            self.sigma_rel_unc = xs_rel_unc
        self.n_targets = sum(t.nuclei_per_kg for t in ctx.target_isotopes if t.isotope.name == isotope) \
            * ctx.target_mass_kg
        self.fluence_per_pot_cm2 = flux_per_cm2(1.0, spec.yield_per_pot, ctx.distance_cm)
        self.expected_per_pot = self.fluence_per_pot_cm2 * self.n_targets * self.sigma_avg_cm2
        self.n_pot = ctx.n_pot
        self.q_mev = q_mev
        self._optics = (threshold_mev, photons_per_mev, p_detect)
        self._e_table = np.maximum(inverse_cdf_table(spec.edges_mev, weights, TABLE_SIZE), table.e_nu_mev[0])
        self._emission = spec.emission
        self._pulse = make_pulse(ctx.source)
        self._flight_ns = ctx.distance_cm / C_CM_PER_NS if ctx.source.include_flight_time else 0.0

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        p, em = self._pulse, self._emission
        out["flavour"][:] = 0  # nu_e (config.FLAVOURS)
        out["isotope"][:] = -1
        out["t_nr_kev"][:] = np.nan
        sample_d2o_cc(stage_key(seed, f"truth.{self.name}"), event_ids, self._e_table, self.q_mev, *self._optics,
                      em.kind, em.table_ns, p.kind, p.mean_ns, p.sigma_ns, p.table_ns, self._flight_ns,
                      out["e_nu_mev"], out["t_ns"], out["t_e_mev"], out["n_cherenkov"], out["n_pe_cherenkov"])


class D2oCcProcess(CherenkovCcProcess):
    name = NAME

    def __init__(self, ctx: BuildContext, settings: D2oCcSettings, table: XsTable):
        self.settings = settings
        super().__init__(ctx, table, "H2", q_value_mev(), settings.xs_rel_unc,
                         cherenkov.threshold_kinetic_mev(settings.refractive_index), settings.photons_per_mev,
                         settings.p_detect)

    @property
    def n_deuterons(self) -> float:
        return self.n_targets


def heavy_water_only(name: str):
    """The ``supports`` check of a heavy-water channel (d2o_cc, d2o_es, o16_cc): only a D2O target has a model."""
    def supports(detector, options: dict):
        if detector is None or getattr(detector.target, "material", None) == "D2O":
            return None
        return (f"process '{name}' has no model for detector '{detector.name}': it needs a heavy-water target "
                f"(material D2O)", "a detector with [target] material = \"D2O\"", "load the detector d2o")
    return supports


def photoelectron_probability(coverage: float | None, qe: float | None) -> float:
    """Photon -> photoelectron probability coverage x QE; -1 when photoelectrons are not counted (no coverage)."""
    return -1.0 if coverage is None else coverage * qe


def build_d2o_cc(ctx: BuildContext) -> D2oCcProcess:
    settings = D2oCcSettings.from_options(ctx.options)
    table = read_xs_table(settings.xs_table) if settings.xs_table else builtin_xs_table()
    return D2oCcProcess(ctx, settings, table)


PROCESS = ProcessSpec(NAME, 5, "nu_e d -> p p e- in heavy water (flux normalisation)", build_d2o_cc, PARAMS,
                      heavy_water_only(NAME), settings=lambda det, o: D2oCcSettings.from_options(o))

"""Released COHERENT background templates as PE–time generators (brn, nin and steady-state options).

A template event has no recoil: it carries a reconstructed PE value (``pe_template`` column) and an arrival
time, drawn independently from the released one-dimensional PE and time histograms (the releases give only
the projections), each piecewise flat inside its bins.

Normalisation, as published:
- CsI 2021 (arXiv:2110.07730v2 ancillary files, simcoh/data/coherent_csi_2021/): the t_rec histograms
  ``brnTrec``/``ninTrec`` (10-ns bins, −0.25 to 6.25 µs, no timing efficiency) sum to the expected events over
  the whole 0–250 PE range for 13.99 GWh; the PE histograms (1-PE bins, energy efficiency applied) sum to 1
  over PE < 60. Hence BRN 27.63 events per 13.99 GWh over 0–250 PE, of which Σ_{PE<60}/Σ = 66.8 % →
  18.45 in PE < 60 (the published 18.4 ± 25 %); NIN 7.565 → 5.67 (published 5.6 ± 36 %).
  The time axis is the 2021 t_rec frame, used as the source time frame (docs/backgrounds.md: in that frame
  the proton pulse is centred at ≈ 472 ns, not 690 ns; ``time_shift_ns`` moves template times).
- CsI 2017 (arXiv:1708.01294 release): ``promptPDF`` is prompt-neutron counts per GWh per 1-PE bin (0–50 PE)
  without acceptance (±25 %); ``arrivalTimePDF_promptNeutrons`` is a 0.5-µs-bin PDF (0–12 µs) in the 2017
  frame, where the default source pulse (690 ns, σ 140 ns) reproduces the neutrino PDFs.
- CENNS-10 LAr 2020 (release arXiv:2006.12659, Zenodo 10.5281/zenodo.3903810; simcoh.generate.lar_release):
  ``brnpdf``/``delbrnpdf`` are 3-D (keVee × F90 × t_trig) predictions in counts per bin for 6.12 GWh, after
  every selection, in the analysis region 0–120 keVee, F90 0.5–0.9, −0.1 ≤ t < 4.9 µs: 497 prompt and 33
  delayed BRN events (arXiv:2003.10630, Table I). Their energy axis is keVee; a run converts it to PE with the
  detector's light yield, so that the pipeline's PE → keVee conversion returns the released keVee. In both
  files time factorises from (energy, F90) (max deviation 2e-5 events per bin), and the two share one
  energy–F90 shape, so drawing energy and time independently reproduces their energy–time distribution.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numba as nb
import numpy as np

from ..declare import Param
from ..errors import InputError
from ..rng import draw_uniform, stage_key, stream_start
from ..source.timing import inverse_cdf_table
from . import lar_release
from .kernels import table_lookup
from .process import BuildContext, PerPotProcess

TABLE_SIZE = 16385
#: CENNS-10 brn templates: name -> released components (simcoh.generate.lar_release)
LAR_TEMPLATES = {"cenns10-lar": ("prompt", "delayed"), "cenns10-lar-prompt": ("prompt",),
                 "cenns10-lar-delayed": ("delayed",)}
GWH_CSI_2021 = 13.99  # beam exposure of the CsI 2021 data set, GWh (arXiv:2110.07730)

#: The extra truth column of PE-defined processes (name, dtype, unit, description, fill value).
PE_COLUMN = ("pe_template", "float64", "PE",
             "reconstructed photoelectrons drawn from a released template or spectrum (brn/nin template options, "
             "ss); efficiencies as the template defines them; NaN for recoil-level events", np.nan)


def data_text(folder: str, name: str) -> str:
    return resources.files("simcoh.data").joinpath(folder).joinpath(name).read_text()


def read_histogram(folder: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(bin edges, contents) of a released histogram given as (bin centre, content) rows of equal width."""
    rows = [line.replace(",", " ").split() for line in data_text(folder, name).splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    data = np.array(rows, float)
    centres, contents = data[:, 0], data[:, 1]
    width = float(np.median(np.diff(centres)))
    edges = np.concatenate([centres - 0.5 * width, [centres[-1] + 0.5 * width]])
    return edges, contents


@dataclass(frozen=True)
class PeTimeTemplate:
    """A PE histogram, a time histogram (ns) and the expected events per GWh over their full range."""

    name: str
    pe_edges: np.ndarray
    pe_counts: np.ndarray
    t_edges_ns: np.ndarray
    t_counts: np.ndarray
    events_per_gwh: float
    uncertainty: float  # relative normalisation uncertainty as published
    efficiencies_included: tuple = ()  # published efficiencies already applied in the release
    energy_unit: str = "PE"  # unit of pe_edges: "PE", or "keVee" (converted with the detector's light yield)

    def pe_table(self, pe_per_kevee: float | None = None) -> np.ndarray:
        edges = self.pe_edges
        if self.energy_unit == "keVee":
            if not pe_per_kevee:
                raise InputError(f"template '{self.name}' is given in keVee: it needs the detector's light yield "
                                 f"([light] yield, PE/keVee) to become PE")
            edges = edges * pe_per_kevee
        return inverse_cdf_table(edges, self.pe_counts, TABLE_SIZE)

    def time_table_ns(self) -> np.ndarray:
        return inverse_cdf_table(self.t_edges_ns, self.t_counts, TABLE_SIZE)

    def fraction_pe_below(self, pe_max: float) -> float:
        """Fraction of the template's events with PE < pe_max (piecewise flat inside bins)."""
        cdf = np.concatenate([[0.0], np.cumsum(self.pe_counts)]) / self.pe_counts.sum()
        return float(np.interp(pe_max, self.pe_edges, cdf))


def _csi2021(kind: str, uncertainty: float) -> PeTimeTemplate:
    pe_edges, pe = read_histogram("coherent_csi_2021", f"{kind}PE.txt")
    t_edges_us, t = read_histogram("coherent_csi_2021", f"{kind}Trec.txt")
    # the PE templates have the energy efficiency applied, the t_rec templates no timing efficiency
    return PeTimeTemplate(f"csi-2021 {kind}", pe_edges, pe, t_edges_us * 1e3, t,
                          events_per_gwh=float(t.sum()) / GWH_CSI_2021, uncertainty=uncertainty,
                          efficiencies_included=("energy",))


@functools.cache
def template(process: str, name: str) -> PeTimeTemplate:
    """The released template ``name`` (csi-2021, csi-2017) of ``process`` (brn, nin)."""
    if process == "brn" and name == "csi-2021":
        return _csi2021("brn", 0.25)
    if process == "nin" and name == "csi-2021":
        return _csi2021("nin", 0.36)
    if process == "brn" and name == "csi-2017":
        pe_edges, pe = read_histogram("coherent_csi_2017", "promptPDF.txt")
        t_edges_us, t = read_histogram("coherent_csi_2017", "arrivalTimePDF_promptNeutrons.txt")
        return PeTimeTemplate("csi-2017 prompt neutrons", pe_edges, pe, t_edges_us * 1e3, t,
                              events_per_gwh=float(pe.sum()), uncertainty=0.25)
    if process == "brn" and name in LAR_TEMPLATES:
        components = LAR_TEMPLATES[name]
        e_edges, e, t_edges_ns, t, uncertainty = lar_release.brn_projections(components)
        return PeTimeTemplate(f"cenns10-lar {' + '.join(components)} BRN", e_edges, e, t_edges_ns, t,
                              events_per_gwh=float(t.sum()) / lar_release.GWH_LAR_2020, uncertainty=uncertainty,
                              efficiencies_included=("energy", "time"), energy_unit="keVee")
    known = {"brn": ", ".join(("csi-2021", "csi-2017", *LAR_TEMPLATES)), "nin": "csi-2021"}.get(process, "none")
    raise InputError(f"{process} template '{name}' is not available; choose one of {known}")


@nb.njit(nogil=True, cache=True)
def sample_pe_time(key, event_ids, pe_table, t_table, t_shift_ns, out_pe, out_t):
    """PE and time of template events from their inverse-CDF tables (independent draws, one stream per
    event). A two-point time table [a, b] gives times uniform on [a, b]."""
    for j in range(event_ids.shape[0]):
        s = stream_start(key, event_ids[j])
        s, u = draw_uniform(s)
        out_pe[j] = table_lookup(pe_table, u)
        s, u = draw_uniform(s)
        out_t[j] = table_lookup(t_table, u) + t_shift_ns


def fill_pe_event(out: dict, t_nr_nan: bool = True) -> None:
    """Columns a PE-defined event leaves empty: no flavour, isotope, incoming energy or recoil."""
    out["flavour"][:] = -1
    out["isotope"][:] = -1
    out["e_nu_mev"][:] = np.nan
    if t_nr_nan:
        out["t_nr_kev"][:] = np.nan


def pe_per_kevee(detector) -> float | None:
    """Mean PE per keVee of ``detector``'s [light] section (None without one); the same rule as
    simcoh.response.photon.mean_pe_per_kevee, which the pipeline uses to turn template PE back into keVee."""
    light = getattr(detector, "light", None)
    if light is None:
        return None
    if light.pe_model == "poisson":
        return float(light.yield_pe_per_kev)
    return float(light.photon_yield_per_kev * light.collection_efficiency)


def exposure_gwh(n_pot: float, proton_energy_mev: float) -> float:
    """Beam energy in GWh delivered by ``n_pot`` protons of ``proton_energy_mev`` (1 GWh = 2.247e22 POT at 1 GeV)."""
    from ..units import UNITS

    return n_pot * proton_energy_mev / UNITS["GWh"][0]


def template_options(process: str, names: tuple[str, ...]) -> tuple[Param, ...]:
    """Declarations of ``/process/<process>/template|templateScale|timeShift`` (model ``template``)."""
    cmd = f"/process/{process}/"
    return (
        Param(f"{process}.template", cmd + "template", "choice", "Released template used by model 'template'.",
              default=names[0], choices=names, label=f"{process} template", arg="NAME",
              source="CsI 2021: arXiv:2110.07730 ancillary files; CsI 2017: arXiv:1708.01294 data release; "
                     "CENNS-10 LAr: arXiv:2006.12659 data release (cenns10-lar = prompt + delayed BRN)"),
        Param(f"{process}.template_scale", cmd + "templateScale", "float",
              "Scale the template's published normalisation (e.g. for its uncertainty).", default=1.0, min=0.0,
              label=f"{process} template scale", arg_help="factor on the published normalisation",
              example="1.25",
              max=1e6, why="a scale of the published template; 1e6 bounds the expected event count"),
        Param(f"{process}.time_shift_ns", cmd + "timeShift", "quantity",
              "Add a constant to template times (the 2021 t_rec frame is the default source frame;\n"
              "+218 ns moves it to the frame of the default 690-ns proton pulse, docs/backgrounds.md).",
              default=0.0, unit="ns", example="218 ns", label=f"{process} template time shift", arg="T",
              min=-1e9, max=1e9, why="SNS pulses come every 16.7 ms (60 Hz); times within 1 s "
                  "cover any time frame"),
    )


class TemplateProcess(PerPotProcess):
    """PE and time from a released template; expected = events per GWh × GWh × scale."""

    extra_columns = (PE_COLUMN,)

    def __init__(self, name: str, ctx: BuildContext, tmpl, scale: float, time_shift_ns: float):
        self.name = name
        self.template = tmpl
        self.efficiencies_included = tmpl.efficiencies_included
        self.stage = f"truth.{name}.template"
        gwh_per_pot = exposure_gwh(1.0, ctx.source.proton_energy_mev)
        self.expected_per_pot = tmpl.events_per_gwh * gwh_per_pot * scale
        self.n_pot = ctx.n_pot
        self._pe = tmpl.pe_table(pe_per_kevee(ctx.detector) if tmpl.energy_unit == "keVee" else None)
        self._t = tmpl.time_table_ns()
        self._shift = time_shift_ns

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        fill_pe_event(out)
        sample_pe_time(stage_key(seed, self.stage), event_ids, self._pe, self._t, self._shift,
                       out["pe_template"], out["t_ns"])

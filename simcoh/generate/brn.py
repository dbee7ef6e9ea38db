"""Beam-related neutrons (process "brn", code 1): fast neutrons from the SNS target that reach the detector with
the proton pulse and scatter elastically on the target nuclei.

Two models (option ``brn.model``):

- ``spectrum`` (default): neutron energy E from a parametrised spectrum of the scattering neutrons (power law
  E^−α or exponential exp(−E/E0) with cut-offs, or a table), recoil T from exact two-body kinematics,
  isotropic in the CM (simcoh.generate.neutrons), arrival time t = proton-pulse time + delay, the delay
  Gaussian with a configurable mean and width. Expected events = ``brn.rate_per_gwh`` × beam energy (GWh,
  from the run's POT and proton energy) × P(T ≥ run minimum recoil).
- ``template``: PE and time drawn from the released CsI 2021 brnPE/brnTrec templates, the CsI 2017
  promptPDF/arrivalTimePDF_promptNeutrons, or the CENNS-10 LAr brnpdf/delbrnpdf (``cenns10-lar``: prompt +
  delayed; ``cenns10-lar-prompt``, ``cenns10-lar-delayed``: one of them; simcoh.generate.lar_release),
  normalised as published (simcoh.generate.templates); t_nr_kev is NaN and the PE goes into the
  ``pe_template`` column.

The model and its values belong to the detector: its [background.brn] section (geometry file), which
/process/brn/... options override; a detector without one has no BRN (simcoh.generate.detector_models).
The csi-2021 values (geometries/csi-2021.toml; docs/backgrounds.md derives each):
- spectrum: power law, α = 1.2 on 0.1–100 MeV: the best of a grid of power laws and exponentials whose PE
  spectrum through the CsI 2021 response (quenching polynomial, 13.35 PE/keVee, Gamma smearing, ε_E) is
  closest to the released brnPE shape.
- delay: mean 189 ns, σ 67 ns relative to the pulse: the released brnTrec has mean 661 ns and rms 156 ns in
  the 2021 t_rec frame, whose proton pulse a fit of ninTrec to Gauss(μ, σ) ⊗ Exp(τπ) ⊗ Exp(τμ) puts at
  μ = 472 ns, σ = 141 ns; 661 − 472 = 189 ns and √(156² − 141²) = 67 ns.
- rate: 6.19 recoils per GWh (all recoil energies), the single normalisation factor, tuned so that the CsI
  2021 configuration (13.99 GWh, 14.57 kg at 19.3 m) gives the published 18.4 BRN events in PE < 60,
  t < 6 µs after the published energy and time efficiencies (tests/test_backgrounds.py re-derives it).

A second, delayed component (``brn.delayed_rate_per_gwh``, optional) shares the spectrum and arrives with the
muon-decay timing t = pulse + Exp(τπ) + Exp(τμ): a model of the "delayed BRN" of the CENNS-10 LAr analysis
(arXiv:2003.10630; geometries/cenns10-lar.toml, docs/backgrounds.md). The released delbrnpdf puts them all in
1.4–1.9 µs instead; the cenns10-lar default, the template ``cenns10-lar``, has that timing. expected = (rate + delayed rate) × GWh ×
P(T ≥ T_min); each event is delayed with probability delayed rate / (rate + delayed rate).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..declare import TIME_BOUND_NS, TIME_BOUND_WHY, Param, flatten, resolve
from .neutrons import TIME_BEAM, NeutronRecoilProcess, make_spectrum, spectrum_options
from .detector_models import detector_options, per_detector, supports
from .process import BuildContext, Process, ProcessSpec
from .templates import LAR_TEMPLATES, TemplateProcess, exposure_gwh, template, template_options

_FIT = "best power law / exponential of a grid fitted to the released CsI 2021 brnPE shape (docs/backgrounds.md)"
_TREC = ("released CsI 2021 brnTrec (arXiv:2110.07730 ancillary files) minus the ninTrec pulse fit "
         "(mu 472 ns, sigma 141 ns), docs/backgrounds.md")

#: /process/brn/... options (keys ``brn.<field>`` in RunConfig.process_options, internal units in the names).
PARAMS = spectrum_options("brn", ("power_law", "exponential", "table"), 0.1, 100.0, _FIT) + (
    Param("brn.index", "/process/brn/index", "float", "Index alpha of the power-law spectrum dN/dE ~ E^-alpha.",
          default=None, label="brn power-law index", arg="ALPHA", arg_help="power-law index",
          min=-100.0, max=100.0, why="fitted power-law indices are of order 1"),
    Param("brn.e0_mev", "/process/brn/slope", "quantity", "Slope E0 of the exponential spectrum dN/dE ~ exp(-E/E0).",
          default=None, unit="MeV", example="2 MeV", min=0.0, min_open=True, label="brn slope E0", arg="E0",
          max=1e4, why="SNS neutrons are below the 1 GeV proton energy"),
    Param("brn.rate_per_gwh", "/process/brn/rate", "float",
          "Normalisation of the physics model: BRN recoils in the target per GWh of beam energy.\n"
          "The csi-2021 value is tuned to the published CsI 2021 BRN count (18.4 in PE<60, t<6 us after the "
          "efficiencies, arXiv:2110.07730).", default=None, min=0.0,
          label="brn rate (recoils per GWh)", arg="R", arg_help="recoils per GWh of beam (all recoil energies)",
          max=1e9, why="measured BRN rates are a few per GWh (CsI: 6.19); 1e9 bounds the expected event "
              "count"),
    Param("brn.delay_mean_ns", "/process/brn/delayMean", "quantity",
          "Mean delay of the neutron arrival after the proton-pulse time (Gaussian delay).", default=None,
          unit="ns", example="189 ns", label="brn delay mean", arg="T",
          min=-TIME_BOUND_NS, max=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    Param("brn.delay_sigma_ns", "/process/brn/delaySigma", "quantity",
          "Width (standard deviation) of the Gaussian arrival delay.", default=None, unit="ns", example="67 ns",
          min=0.0, label="brn delay width", arg="T",
          max=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    Param("brn.delayed_rate_per_gwh", "/process/brn/delayedRate", "float",
          "Delayed BRN component of the physics model: recoils per GWh (same spectrum) arriving with the "
          "muon-decay timing, pulse + Exp(tau_pi) + Exp(tau_mu), added to /process/brn/rate; 0: none.\n"
          "The cenns10-lar value is tuned to the published 33 +- 33 delayed BRN events (arXiv:2003.10630).",
          default=None, min=0.0, label="brn delayed rate (recoils per GWh)", arg="R",
          arg_help="delayed recoils per GWh of beam (all recoil energies)",
          max=1e9, why="measured BRN rates are a few per GWh; 1e9 bounds the expected event count"),
) + template_options("brn", ("csi-2021", "csi-2017", *LAR_TEMPLATES))

#: Values that a detector's [background.brn] section holds have no default here: a run takes them from the
#: detector, the macro overrides them (per_detector, simcoh.generate.detector_models).
PARAMS = per_detector("brn", PARAMS)

#: Option key -> default, derived from PARAMS.
OPTIONS = {p.key: p.default for p in flatten(PARAMS)}


class BrnProcess(NeutronRecoilProcess):
    name = "brn"
    stage = "truth.brn"


@dataclass(frozen=True)
class BrnSettings:
    """Resolved /process/brn options (checked against PARAMS); ``shape_param`` is the index or E0."""

    model: str
    spectrum: str
    shape_param: float
    e_min_mev: float
    e_max_mev: float
    table: str | None
    rate_per_gwh: float
    delay_mean_ns: float
    delay_sigma_ns: float
    delayed_rate_per_gwh: float | None
    template: str
    template_scale: float
    time_shift_ns: float

    @classmethod
    def from_options(cls, options: dict) -> "BrnSettings":
        o = {k[len("brn."):]: v for k, v in resolve("brn", options, PARAMS).items()}
        shape = o.pop("index") if o["spectrum"] == "power_law" else o["e0_mev"]
        o.pop("index", None)
        o.pop("e0_mev")
        return cls(shape_param=shape, **o)


def build_brn(ctx: BuildContext) -> Process:
    # the detector's [background.brn] model, macro options over it (InputError if the detector has none)
    s = BrnSettings.from_options(detector_options("brn", ctx.detector, ctx.options))
    if s.model == "template":
        return TemplateProcess("brn", ctx, template("brn", s.template), s.template_scale, s.time_shift_ns)
    spectrum = make_spectrum(s.spectrum, s.shape_param, s.e_min_mev, s.e_max_mev, s.table)
    delayed = s.delayed_rate_per_gwh or 0.0
    total = s.rate_per_gwh + delayed
    per_pot = total * exposure_gwh(1.0, ctx.source.proton_energy_mev)
    # the delayed share rides on the kernel's second-component fraction (TIME_BEAM: muon-decay timing)
    share = delayed / total if total > 0 else 0.0
    return BrnProcess(ctx, spectrum, per_pot, TIME_BEAM, s.delay_mean_ns, s.delay_sigma_ns, share)


PROCESS = ProcessSpec("brn", 1, "beam-related neutrons", build_brn, PARAMS, supports("brn"),
                      settings=lambda det, o: BrnSettings.from_options(detector_options("brn", det, o)))

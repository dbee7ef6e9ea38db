"""Beam-related neutrons (process "brn", code 1): fast neutrons from the SNS target that reach the detector with
the proton pulse and scatter elastically on the target nuclei.

Two models (option ``brn.model``):

- ``spectrum`` (default): neutron energy E from a parametrised spectrum of the scattering neutrons (power law
  E^−α or exponential exp(−E/E0) with cut-offs, or a table), recoil T from exact two-body kinematics,
  isotropic in the CM (simcoh.generate.neutrons), arrival time t = proton-pulse time + delay, the delay
  Gaussian with a configurable mean and width. Expected events = ``brn.rate_per_gwh`` × beam energy (GWh,
  from the run's POT and proton energy) × P(T ≥ run minimum recoil).
- ``template``: PE and time drawn from the released CsI 2021 brnPE/brnTrec templates or the CsI 2017
  promptPDF/arrivalTimePDF_promptNeutrons, normalised as published (simcoh.generate.templates);
  t_nr_kev is NaN and the PE goes into the ``pe_template`` column.

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
"""

from __future__ import annotations

from dataclasses import dataclass

from .detector_models import detector_options
from .neutrons import TIME_BEAM, NeutronRecoilProcess, make_spectrum
from .process import BuildContext, Process, register_process
from .templates import TemplateProcess, choice_option, exposure_gwh, number_option, options_of, template

MODELS = ("spectrum", "template")
BRN_SPECTRA = ("power_law", "exponential", "table")

#: /process/brn/... options (key in RunConfig.process_options -> default), internal units in the key names.
#: None: a per-detector value, from the detector's [background.brn] (simcoh.generate.detector_models).
OPTIONS = {
    "brn.model": None,
    "brn.spectrum": None,
    "brn.index": None,  # power-law index α (dN/dE ∝ E^−α)
    "brn.e0_mev": None,  # exponential slope E0
    "brn.e_min_mev": None,
    "brn.e_max_mev": None,
    "brn.table": None,  # two columns E_MeV, weight (brn.spectrum table)
    "brn.rate_per_gwh": None,
    "brn.delay_mean_ns": None,
    "brn.delay_sigma_ns": None,
    "brn.template": None,
    "brn.template_scale": 1.0,
    "brn.time_shift_ns": 0.0,
}


class BrnProcess(NeutronRecoilProcess):
    name = "brn"
    stage = "truth.brn"


@dataclass(frozen=True)
class BrnSettings:
    model: str
    spectrum: str
    shape_param: float
    e_min_mev: float
    e_max_mev: float
    table: str | None
    rate_per_gwh: float
    delay_mean_ns: float
    delay_sigma_ns: float
    template: str
    template_scale: float
    time_shift_ns: float

    @classmethod
    def from_options(cls, options: dict) -> "BrnSettings":
        o = options_of("brn", options, OPTIONS)
        spectrum = choice_option("brn spectrum", o["brn.spectrum"], BRN_SPECTRA)
        return cls(
            model=choice_option("brn model", o["brn.model"], MODELS),
            spectrum=spectrum,
            shape_param=number_option("brn power-law index" if spectrum == "power_law" else "brn slope E0 (MeV)",
                                o["brn.index"] if spectrum == "power_law" else o["brn.e0_mev"],
                                positive=spectrum == "exponential"),
            e_min_mev=number_option("brn minimum neutron energy (MeV)", o["brn.e_min_mev"], non_negative=True),
            e_max_mev=number_option("brn maximum neutron energy (MeV)", o["brn.e_max_mev"], positive=True),
            table=o["brn.table"],
            rate_per_gwh=number_option("brn rate (recoils per GWh)", o["brn.rate_per_gwh"], non_negative=True),
            delay_mean_ns=number_option("brn delay mean (ns)", o["brn.delay_mean_ns"]),
            delay_sigma_ns=number_option("brn delay width (ns)", o["brn.delay_sigma_ns"], non_negative=True),
            template=o["brn.template"],
            template_scale=number_option("brn template scale", o["brn.template_scale"], non_negative=True),
            time_shift_ns=number_option("brn template time shift (ns)", o["brn.time_shift_ns"]),
        )


def build_brn(ctx: BuildContext) -> Process:
    # the detector's [background.brn] model, macro options over it (InputError if the detector has none)
    s = BrnSettings.from_options(detector_options("brn", ctx.detector, ctx.options))
    if s.model == "template":
        return TemplateProcess("brn", ctx, template("brn", s.template), s.template_scale, s.time_shift_ns)
    spectrum = make_spectrum(s.spectrum, s.shape_param, s.e_min_mev, s.e_max_mev, s.table)
    per_pot = s.rate_per_gwh * exposure_gwh(1.0, ctx.source.proton_energy_mev)
    return BrnProcess(ctx, spectrum, per_pot, TIME_BEAM, s.delay_mean_ns, s.delay_sigma_ns)


register_process("brn", build_brn)

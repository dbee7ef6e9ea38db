"""Macro commands of the background processes (/process/brn/..., /process/nin/..., /process/ss/...), stored in
RunConfig.process_options under ``brn.*``, ``nin.*`` and ``ss.*`` keys and checked again (ranges, combinations)
by the processes' settings classes when the run is built. Physics, defaults and their sources:
docs/backgrounds.md; the defaults shown here are those of simcoh.generate.brn/nin/steady OPTIONS."""

from __future__ import annotations

from ..generate import brn as _brn
from ..generate import nin as _nin
from ..generate import steady as _ss
from ..generate.detector_models import MODELS
from ..units import AREA, ENERGY, INVERSE_TIME, MASS, POWER, TIME
from .params import Choice, Float, Path, Quantity
from .registry import REGISTRY, Command


def _store(*keys: str):
    def apply(builder, inv) -> None:
        for key, param in zip(keys, inv.command.params):
            value = inv.values[param.name]
            builder.process_options[key] = getattr(value, "display", value)
    return apply


def _default(options: dict, key: str, unit: str = "") -> str:
    model = MODELS.get(key.split(".", 1)[0])
    geometry_key = model.commands.get(key, (None, None))[1] if model else None
    if geometry_key:  # a per-detector value (simcoh.generate.detector_models)
        return f"the detector's {model.section}.{geometry_key}"
    value = options[key]
    if value is None:
        return "not set"
    return f"{value:g}{' ' + unit if unit else ''}" if isinstance(value, float) else str(value)


def _energy(name: str, example: str, positive: bool = True) -> Quantity:
    return Quantity(name, dims=ENERGY, unit="MeV", example=example, min=0.0, min_open=positive)


def _time(name: str, example: str, **bounds) -> Quantity:
    return Quantity(name, dims=TIME, unit="ns", example=example, **bounds)


def _common(proc: str, options: dict, templates: tuple[str, ...], spectra: tuple[str, ...]) -> list[Command]:
    """Commands shared by brn and nin."""
    d = lambda key, unit="": _default(options, f"{proc}.{key}", unit)  # noqa: E731
    return [
        Command(f"/process/{proc}/model", (Choice("MODEL", choices=("spectrum", "template")),),
                "Recoils from a neutron spectrum (physics model), or PE and time from a released template.\n"
                "Template events have no recoil energy (t_nr_kev NaN); their PE is in the pe_template column.",
                apply=_store(f"{proc}.model"), initial=d("model"), examples=(f"/process/{proc}/model template",)),
        Command(f"/process/{proc}/spectrum", (Choice("SHAPE", choices=spectra),),
                "Energy spectrum of the neutrons that scatter in the target (physics model).",
                apply=_store(f"{proc}.spectrum"), initial=d("spectrum"),
                examples=(f"/process/{proc}/spectrum {spectra[0]}",)),
        Command(f"/process/{proc}/eMin", (_energy("E", "0.1 MeV", positive=False),),
                "Lower cut-off of the neutron energy spectrum.", apply=_store(f"{proc}.e_min_mev"),
                initial=d("e_min_mev", "MeV"), examples=(f"/process/{proc}/eMin 0.1 MeV",)),
        Command(f"/process/{proc}/eMax", (_energy("E", "100 MeV"),),
                "Upper cut-off of the neutron energy spectrum.", apply=_store(f"{proc}.e_max_mev"),
                initial=d("e_max_mev", "MeV"), examples=(f"/process/{proc}/eMax 100 MeV",)),
        Command(f"/process/{proc}/table", (Path("PATH", "two columns: E_MeV (bin centre), weight"),),
                "Neutron energy table for spectrum 'table' (relative to the macro's directory).",
                apply=_store(f"{proc}.table"), initial="not set", examples=(f"/process/{proc}/table neutrons.txt",)),
        Command(f"/process/{proc}/template", (Choice("NAME", choices=templates),),
                "Released template used by model 'template'.", apply=_store(f"{proc}.template"),
                initial=d("template"), examples=(f"/process/{proc}/template {templates[0]}",)),
        Command(f"/process/{proc}/templateScale", (Float("X", "factor on the published normalisation", min=0.0),),
                "Scale the template's published normalisation (e.g. for its uncertainty).",
                apply=_store(f"{proc}.template_scale"), initial=d("template_scale"),
                examples=(f"/process/{proc}/templateScale 1.25",)),
        Command(f"/process/{proc}/timeShift", (_time("T", "218 ns"),),
                "Add a constant to template times (the 2021 t_rec frame is the default source frame;\n"
                "+218 ns moves it to the frame of the default 690-ns proton pulse, docs/backgrounds.md).",
                apply=_store(f"{proc}.time_shift_ns"), initial=d("time_shift_ns", "ns"),
                examples=(f"/process/{proc}/timeShift 218 ns",)),
    ]


B = _brn.OPTIONS
BRN_COMMANDS = _common("brn", B, ("csi-2021", "csi-2017"), _brn.BRN_SPECTRA) + [
    Command("/process/brn/index", (Float("ALPHA", "power-law index"),),
            "Index alpha of the power-law spectrum dN/dE ~ E^-alpha.", apply=_store("brn.index"),
            initial=_default(B, "brn.index"), examples=("/process/brn/index 1.2",)),
    Command("/process/brn/slope", (_energy("E0", "2 MeV"),),
            "Slope E0 of the exponential spectrum dN/dE ~ exp(-E/E0).", apply=_store("brn.e0_mev"),
            initial=_default(B, "brn.e0_mev", "MeV"), examples=("/process/brn/slope 2 MeV",)),
    Command("/process/brn/rate", (Float("R", "recoils per GWh of beam (all recoil energies)", min=0.0),),
            "Normalisation of the physics model: BRN recoils in the target per GWh of beam energy.\n"
            "The default is tuned to the published CsI 2021 BRN count (18.4 in PE<60, t<6 us after the "
            "efficiencies); scale it for other detectors or shielding.",
            apply=_store("brn.rate_per_gwh"), initial=_default(B, "brn.rate_per_gwh"),
            examples=("/process/brn/rate 6.19",)),
    Command("/process/brn/delayMean", (_time("T", "189 ns"),),
            "Mean delay of the neutron arrival after the proton-pulse time (Gaussian delay).",
            apply=_store("brn.delay_mean_ns"), initial=_default(B, "brn.delay_mean_ns", "ns"),
            examples=("/process/brn/delayMean 189 ns",)),
    Command("/process/brn/delaySigma", (_time("T", "67 ns", min=0.0),),
            "Width (standard deviation) of the Gaussian arrival delay.", apply=_store("brn.delay_sigma_ns"),
            initial=_default(B, "brn.delay_sigma_ns", "ns"), examples=("/process/brn/delaySigma 67 ns",)),
]

N = _nin.OPTIONS
NIN_COMMANDS = _common("nin", N, ("csi-2021",), _nin.NIN_SPECTRA) + [
    Command("/process/nin/temperature", (_energy("T", "0.8 MeV"),),
            "Temperature T of the evaporation (E exp(-E/T)) or Maxwellian (sqrt(E) exp(-E/T)) neutron spectrum.",
            apply=_store("nin.temperature_mev"), initial=_default(N, "nin.temperature_mev", "MeV"),
            examples=("/process/nin/temperature 0.8 MeV",)),
    Command("/process/nin/sigmaCC", (Quantity("SIGMA", dims=AREA, unit="cm^2", example="3.62e-39 cm^2", min=0.0),),
            "Flux-averaged 208Pb(nu_e, e-) cross section for the Michel nu_e spectrum.\n"
            "Default: Kolbe & Langanke, PRC 63, 025802 (2001).", apply=_store("nin.sigma_cc_cm2"),
            initial=_default(N, "nin.sigma_cc_cm2", "cm^2"), examples=("/process/nin/sigmaCC 3.62e-39 cm^2",)),
    Command("/process/nin/neutronsPerCC", (Float("M", "mean neutrons per CC interaction", min=0.0),),
            "Mean number of neutrons emitted per charged-current interaction.",
            apply=_store("nin.neutrons_per_cc"), initial=_default(N, "nin.neutrons_per_cc"),
            examples=("/process/nin/neutronsPerCC 1",)),
    Command("/process/nin/sigmaNC", (Quantity("SIGMA", dims=AREA, unit="cm^2", example="1e-40 cm^2", min=0.0),),
            "Per-flavour flux-averaged neutral-current neutron-emission cross section on 208Pb (0: NC off).\n"
            "Applied to nu_e, nu_mu (prompt timing) and nu_mu_bar alike.", apply=_store("nin.sigma_nc_cm2"),
            initial="0 cm^2 (off)", examples=("/process/nin/sigmaNC 1e-40 cm^2",)),
    Command("/process/nin/neutronsPerNC", (Float("M", "mean neutrons per NC interaction", min=0.0),),
            "Mean number of neutrons emitted per neutral-current interaction.",
            apply=_store("nin.neutrons_per_nc"), initial=_default(N, "nin.neutrons_per_nc"),
            examples=("/process/nin/neutronsPerNC 1",)),
    Command("/process/nin/leadMass", (Quantity("M", dims=MASS, unit="kg", example="2.5 t", min=0.0),),
            "Mass of the lead shielding (taken as 208Pb).", apply=_store("nin.lead_mass_kg"),
            initial=_default(N, "nin.lead_mass_kg", "kg"), examples=("/process/nin/leadMass 2.5 t",)),
    Command("/process/nin/reachProbability", (Float("P", "probability", min=0.0, max=1.0),),
            "Probability that an emitted neutron scatters in the target: the normalisation factor.\n"
            "The default is tuned to the published CsI 2021 NIN count (5.6 in PE<60, t<6 us after the "
            "efficiencies).", apply=_store("nin.reach_probability"),
            initial=_default(N, "nin.reach_probability"), examples=("/process/nin/reachProbability 9.33e-4",)),
    Command("/process/nin/delay", (_time("T", "20 ns"),),
            "Constant added to NIN arrival times (neutron flight from the shield).", apply=_store("nin.delay_ns"),
            initial=_default(N, "nin.delay_ns", "ns"), examples=("/process/nin/delay 20 ns",)),
]

S = _ss.OPTIONS
SS_COMMANDS = [
    Command("/process/ss/spectrum", (Choice("SHAPE", choices=_ss.SPECTRA),),
            "PE spectrum of the steady-state background: the fit to the CsI 2021 AC events, their histogram, "
            "or a table.", apply=_store("ss.spectrum"), initial=_default(S, "ss.spectrum"),
            examples=("/process/ss/spectrum parametric",)),
    Command("/process/ss/shape", (Float("A", "low-PE excess amplitude", min=0.0),
                                  Float("LAMBDA", "excess slope in PE", min=0.0, min_open=True),
                                  Float("X0", "turn-on position in PE"),
                                  Float("W", "turn-on width in PE", min=0.0, min_open=True)),
            "Parameters of the parametric spectrum (1 + A exp(-x/LAMBDA)) / (1 + exp(-(x - X0)/W)).",
            apply=_store("ss.excess", "ss.slope_pe", "ss.turn_on_pe", "ss.turn_on_width_pe"),
            initial="the detector's background.ss excess, slope, turn_on, turn_on_width",
            examples=("/process/ss/shape 1.815 16.89 9.313 0.7218",)),
    Command("/process/ss/peMax", (Float("X", "PE", min=0.0, min_open=True),),
            "Upper end of the parametric spectrum; the rate refers to 0 <= PE < X.", apply=_store("ss.pe_max"),
            initial=_default(S, "ss.pe_max", "PE"), examples=("/process/ss/peMax 250",)),
    Command("/process/ss/table", (Path("PATH", "two columns: PE (bin centre), weight"),),
            "PE table for spectrum 'table' (relative to the macro's directory).", apply=_store("ss.table"),
            initial="not set", examples=("/process/ss/table ss-pe.txt",)),
    Command("/process/ss/rate", (Quantity("R", dims=INVERSE_TIME, unit="Hz", example="0.3776 Hz", min=0.0),),
            "Steady-state rate of selected events per second of open window (live time).\n"
            "Default from the 4890 CsI 2021 AC events in 13.99 GWh (docs/backgrounds.md).",
            apply=_store("ss.rate_hz"), initial=_default(S, "ss.rate_hz", "Hz"),
            examples=("/process/ss/rate 0.3776 Hz",)),
    Command("/process/ss/window", (_time("START", "0 us"), _time("END", "6 us")),
            "Time window (source frame) in which steady-state events are uniform; its width enters the live time.",
            apply=_store("ss.window_start_ns", "ss.window_end_ns"), initial="the detector's background.ss window_start, window_end",
            examples=("/process/ss/window 0 us 6 us",)),
    Command("/process/ss/beamPower", (Quantity("P", dims=POWER, unit="MW", example="1.4 MW", min=0.0, min_open=True),),
            "Beam power used to turn the exposure into beam spills (N = E_beam x f_rep / P).",
            apply=_store("ss.beam_power_mw"), initial=_default(S, "ss.beam_power_mw", "MW"),
            examples=("/process/ss/beamPower 1.4 MW",)),
    Command("/process/ss/repetitionRate", (Quantity("F", dims=INVERSE_TIME, unit="Hz", example="60 Hz", min=0.0,
                                                    min_open=True),),
            "Beam repetition rate used to turn the exposure into beam spills.",
            apply=_store("ss.repetition_hz"), initial=_default(S, "ss.repetition_hz", "Hz"),
            examples=("/process/ss/repetitionRate 60 Hz",)),
    Command("/process/ss/liveTime", (Quantity("T", dims=TIME, unit="s", example="12951 s", min=0.0),),
            "Live time (open-window seconds) given directly instead of from the exposure.",
            apply=_store("ss.live_time_s"), initial="from the exposure", examples=("/process/ss/liveTime 12951 s",)),
]

for _command in BRN_COMMANDS + NIN_COMMANDS + SS_COMMANDS:
    REGISTRY.register(_command)

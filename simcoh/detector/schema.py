"""The geometry-file schema: one declarative table of every section and key.

This table drives everything about geometry files: which keys exist, their type and unit, allowed
ranges and values, defaults, which keys a model needs, the field names of :class:`DetectorConfig`,
overrides from macros (validated exactly like file values) and the reference ``docs/geometry.md``
(:func:`schema_reference_markdown`). Physics cross-checks that involve several keys (fractions
summing to 1, a monotonic quenching curve, ``adc_min < adc_max``) live in :mod:`.checks`.

Kinds of value:

- ``str``, ``int``, ``float``, ``bool`` — plain TOML values.
- ``quantity`` — a string with a unit, ``"19.3 m"``; stored converted to the field's unit. A
  dimensionless quantity (``pe_max``) may be a bare number or carry a count unit (``"60 PE"``).
- ``numbers`` / ``quantities`` / ``strings`` — lists of those.
- ``choice`` — one string out of ``choices``.
- ``path`` — a file name relative to the geometry file; the loader stores the absolute path in
  ``<field>_path`` and the file's numeric columns in ``<field>_data``.
- ``table`` — an inline table of named number lists, ``{ name = [1, 2, 3, 4], ... }``.

Ranges (``minimum``/``maximum``) are in the field's unit and apply to every element of a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import units
from ..config import PHYSICS_DATASET_FIELDS, PHYSICS_PARAMS, SOURCE_PARAMS
from ..declare import TIME_BOUND_NS, TIME_BOUND_WHY

#: Marks a key that must be given (or, with ``when``, must be given when the condition holds).
REQUIRED = "<required>"

KINDS = ("str", "int", "float", "bool", "quantity", "numbers", "quantities", "strings", "choice", "path", "table")

#: Pattern of per-isotope quenching sections; ``*`` is an isotope name such as Na23.
ISOTOPE_SECTION = "quenching.isotopes.*"


@dataclass(frozen=True)
class Key:
    """One key of a geometry file section."""

    section: str
    name: str
    kind: str
    help: str
    unit: str | None = None  # unit of the stored field (quantities); its dimension is the one expected
    field: str | None = None  # DetectorConfig field name; defaults to ``name``
    default: Any = REQUIRED  # value as written in a file; None: optional, stored as None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False  # minimum excluded
    max_open: bool = False
    length: int | None = None  # exact list length
    when: tuple[str, tuple[str, ...]] | None = None  # (key, values): needed only when key has one of values
    why: str = ""  # the reason for the range: every numeric key has a physical one (issue 16), shown when exceeded

    @property
    def field_name(self) -> str:
        return self.field or self.name

    @property
    def dimension(self) -> tuple[int, int, int, int]:
        return units.parse_unit(self.unit)[1] if self.unit else units.DIMENSIONLESS

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.name}"


def _k(section: str, name: str, kind: str, help: str, **kw) -> Key:
    return Key(section=section, name=name, kind=kind, help=help, **kw)


def _model(*models: str) -> tuple[str, tuple[str, ...]]:
    """Condition "needed when this section's model is one of ``models``"."""
    return ("model", models)


#: Section name -> help text (the DetectorConfig attribute has the same dotted name).
SECTIONS: dict[str, str] = {
    "detector": "Identification of the detector configuration.",
    "target": "Target material, mass and position relative to the SNS mercury target.",
    "quenching": "Nuclear-recoil quenching: electron-equivalent energy E_ee as a function of recoil energy E_nr. "
    "Per-isotope sections `[quenching.isotopes.Na23]` take the same keys and inherit the values they do not set.",
    "light": "Scintillation light yield and photoelectron statistics.",
    "smearing": "Analytic energy smearing used at parametric fidelity.",
    "efficiency.energy": "Analysis efficiency as a function of energy (applied as a weight or an acceptance).",
    "efficiency.time": "Analysis efficiency as a function of the reconstructed time after the beam.",
    "scintillation": "Scintillation pulse shape: sum of exponentials with the given decay constants and fractions.",
    "spe": "Single-photoelectron charge distribution, in units of the mean SPE charge. Absent: the defaults "
    "below (a gamma law of relative width 0.542, the CsI[Na] 2021 value derived in docs/response.md).",
    "afterglow": "Delayed single-photoelectron emission (afterglow, e.g. CsI[Na] phosphorescence) in each waveform.",
    "ionization": "Ionization detectors (Ge PPC): charge statistics and electronic noise.",
    "digitizer": "Waveform digitizer: sampling, ADC range, baseline, noise and the single-PE pulse.",
    "windows": "Waveform windows per trigger.",
    "reco": "Waveform reconstruction (simcoh.reco): pulse finding on digitized waveforms. Absent: the defaults "
    "below (assumptions, see docs/waveforms.md).",
    "cuts": "Reconstruction cuts. An absent key means that cut is not applied.",
    "beam": "The neutrino source of the detector's data set (SNS beam and time frame). A run takes its source "
    "settings from here; `/source/...` macro commands and `--set` override them. An absent key (or section) "
    "leaves simcoh's generic default (`simcoh.config.SourceConfig`) in place.",
    "physics": "The CEvNS model conventions of the detector's data set (what its published analysis used). A run "
    "takes its physics settings from here; `/physics/...` macro commands and `--set` override them. An absent key "
    "(or section) leaves simcoh's default (`simcoh.config.PhysicsConfig`) in place.",
    "dataset": "The data set the detector's numbers describe and its exposure. `/run/exposure` defaults to it; "
    "a GWh exposure is turned into POT with `beam.proton_energy`. `status = \"nominal\"` marks an exposure "
    "that is an assumption (planned detectors), not a published one.",
    "background.brn": "Beam-related neutrons (process `brn`) at this detector's location: a neutron spectrum with "
    "its normalisation and arrival delay, and/or a released PE-time template. Without this section, "
    "`/process/enable brn` is an error. `/process/brn/...` commands override single values.",
    "background.nin": "Neutrino-induced neutrons from the lead shielding (process `nin`) of this detector. Without "
    "this section, `/process/enable nin` is an error. `/process/nin/...` commands override single values.",
    "background.ss": "Steady-state (beam-unrelated) background (process `ss`) of this detector, in reconstructed PE. "
    "Without this section, `/process/enable ss` is an error. `/process/ss/...` commands override single values.",
    "electron_response": "MeV-scale response to electron-type events (charged-current electrons and their "
    "de-excitation gammas, truth column `e_dep_mev`) at parametric fidelity: Gaussian resolution "
    "sigma/E = a/sqrt(E/MeV) (+) b (in quadrature), the mean contained fraction, and the analysis window and "
    "efficiency. Processes with such events (i127_cc) are refused on a detector without this section, and at photon "
    "or waveform fidelity (docs/naive-cc.md).",
}

REQUIRED_SECTIONS = ("detector", "target")

#: Target materials allowed in [target] material (element symbols of a compound follow nuclei.MATERIALS).
MATERIALS = ("CsI", "NaI", "Ar", "Ge", "Xe", "D2O", "C8H10")

_Q = "quenching"
_QUENCHING_KEYS = [
    _k(_Q, "model", "choice", "Quenching model.", choices=("polynomial", "constant", "linear", "lindhard", "table")),
    _k(_Q, "coefficients", "numbers", "Polynomial E_ee[MeVee] = sum_i c_i x^i, i = 1..4, x = E_nr[MeVnr] "
       "(no constant term).", length=4, when=_model("polynomial"),
       minimum=-1e5, maximum=1e5, why="fitted polynomial coefficients are below ~1e3"),
    _k(_Q, "variant", "str", "Which coefficient set to use: `nominal` (= `coefficients`) or a name in `variants`. "
       "DetectorConfig stores the selected set in `coefficients`.", default="nominal"),
    _k(_Q, "variants", "table", "Systematic variants of `coefficients`, `{ name = [c1, c2, c3, c4], ... }`.",
       default={}, length=4),
    _k(_Q, "valid_range", "quantity", "Upper end of the E_nr range over which the model is checked to be positive, "
       "monotonic and below E_nr.", unit="keV", field="valid_range_kev", default="100 keV", minimum=0, min_open=True,
       maximum=1e4, why="CEvNS recoils stay below ~1 MeV"),
    _k(_Q, "factor", "float", "Constant quenching factor E_ee / E_nr.", minimum=0, maximum=1, min_open=True,
       when=_model("constant")),
    _k(_Q, "offset", "float", "Linear model QF = offset + slope * E_nr: the offset.", when=_model("linear"),
       minimum=-10, maximum=10, why="a quenching factor is between 0 and 1"),
    _k(_Q, "slope", "quantity", "Linear model: the slope, per keVnr.", unit="1/keV", field="slope_per_kev",
       when=_model("linear"),
       minimum=-10, maximum=10, why="a quenching factor is between 0 and 1 over keV recoils"),
    _k(_Q, "k", "float", "Lindhard k. Absent: computed per isotope as 0.133 Z^(2/3) A^(-1/2).", default=None,
       minimum=0, min_open=True,
       maximum=10, why="Lindhard k is ~0.1-0.2 for any nucleus"),
    _k(_Q, "table", "path", "Two-column file: E_nr[keV] E_ee[keV], E_nr increasing.", field="table",
       when=_model("table")),
]

_L = "light"
_EE = "efficiency.energy"
_ET = "efficiency.time"
_S = "scintillation"
_AG = "afterglow"
_D = "digitizer"
_C = "cuts"
_R = "reco"
_B = "beam"
_DS = "dataset"
_PH = "physics"
_BRN = "background.brn"
_NIN = "background.nin"
_SS = "background.ss"
_ER = "electron_response"

#: Released templates simcoh ships (simcoh/data), by process.
TEMPLATES = {"brn": ("csi-2021", "csi-2017", "cenns10-lar", "cenns10-lar-prompt", "cenns10-lar-delayed"),
             "nin": ("csi-2021",), "ss": ("csi-2021",)}
#: Released steady-state spectra simcoh ships (for the ss spectrum `released`).
SS_RELEASES = ("cenns10-lar",)

def _from_source_param(name: str, field: str, **changes) -> Key:
    """A [beam] key declared by the /source parameter it sets (config.SOURCE_PARAMS: help, unit, range, choices,
    source): the data set's value of that parameter, so the two are one declaration. Absent: the /source default."""
    param = next(p for p in SOURCE_PARAMS if p.field == field)
    kind = "quantity" if param.kind == "quantity" else param.kind
    help = param.help + (f" Source of the /source default: {param.source}." if param.source else "")
    values = dict(unit=param.unit if kind == "quantity" else None, field=field, default=None,
                  choices=param.choices, minimum=param.min, maximum=param.max, min_open=param.min_open,
                  max_open=param.max_open, why=param.why)
    values.update(changes)
    return _k(_B, name, kind, f"The data set's `{param.command}`. " + help, **values)


_BEAM_KEYS = (
    _from_source_param("proton_energy", "proton_energy_mev"),
    _from_source_param("nu_per_pot", "nu_per_flavour_per_pot"),
    # a table pulse needs a file that only a macro names (/source/pulse/table)
    _from_source_param("pulse_shape", "pulse_shape",
                       choices=tuple(c for c in next(p for p in SOURCE_PARAMS if p.field == "pulse_shape").choices
                                     if c != "table")),
    _from_source_param("pulse_mean", "pulse_mean_ns"),
    _from_source_param("pulse_sigma", "pulse_sigma_ns"),
    _from_source_param("flight_time", "include_flight_time"),
    _k(_B, "time_frame", "str", "Which time frame `pulse_mean` refers to (documentation).", default=""),
)

def _from_physics_param(field: str) -> Key:
    """A [physics] key declared by the /physics parameter it sets (config.PHYSICS_PARAMS), like the [beam] keys."""
    param = next(p for p in PHYSICS_PARAMS if p.field == field)
    help = param.help.replace("\n", " ") + (f" Source of the /physics default: {param.source}." if param.source else "")
    name = field[:-3] if field.endswith("_fm") else field
    return _k(_PH, name, param.kind, f"The data set's `{param.command}`. " + help,
              unit=param.unit if param.kind == "quantity" else None, field=field, default=None,
              choices=param.choices, minimum=param.min, maximum=param.max, min_open=param.min_open,
              max_open=param.max_open, why=param.why)


_PHYSICS_KEYS = tuple(_from_physics_param(f) for f in PHYSICS_DATASET_FIELDS)

_DATASET_KEYS = (
    _k(_DS, "name", "str", "Name of the data set."),
    _k(_DS, "status", "choice", "`published`: the exposure of a published data set; `nominal`: an assumed "
       "exposure (planned detector).", choices=("published", "nominal")),
    _k(_DS, "reference", "str", "Where the exposure comes from (paper, arXiv id, data release).", default=""),
    _k(_DS, "pot", "quantity", "Exposure in protons on target (the default exposure when given).", unit="",
       field="pot", default=None, minimum=0, min_open=True,
       maximum=1e+30, why="the SNS delivers ~1e23 POT a year; 1e30 is ten million years"),
    _k(_DS, "beam_energy", "quantity", "Exposure as integrated beam energy (used when `pot` is absent, converted "
       "with `beam.proton_energy`).", unit="MeV", field="beam_energy_mev", default=None, minimum=0,
       min_open=True,
       maximum=1e33, why="1e30 POT of 1 GeV protons"),
)

_BRN_KEYS = (
    _k(_BRN, "model", "choice", "The detector's default BRN model.", choices=("spectrum", "template")),
    _k(_BRN, "reference", "str", "Source of the model and its normalisation.", default=""),
    _k(_BRN, "spectrum", "choice", "spectrum model: neutron energy spectrum shape.",
       choices=("power_law", "exponential"), default=None),
    _k(_BRN, "index", "float", "power_law: index alpha of dN/dE ~ E^-alpha.", default=None,
       minimum=-100, maximum=100, why="fitted indices are of order 1"),
    _k(_BRN, "e0", "quantity", "exponential: slope E0 of dN/dE ~ exp(-E/E0).", unit="MeV", field="e0_mev",
       default=None, minimum=0, min_open=True,
       maximum=1e4, why="SNS neutrons are below the 1 GeV proton energy"),
    _k(_BRN, "e_min", "quantity", "spectrum model: lower neutron-energy cut-off.", unit="MeV", field="e_min_mev",
       default=None, minimum=0,
       maximum=1e4, why="SNS neutrons are below the 1 GeV proton energy"),
    _k(_BRN, "e_max", "quantity", "spectrum model: upper neutron-energy cut-off.", unit="MeV", field="e_max_mev",
       default=None, minimum=0, min_open=True,
       maximum=1e4, why="SNS neutrons are below the 1 GeV proton energy"),
    _k(_BRN, "rate", "quantity", "spectrum model: BRN recoils in the target per GWh of beam (all recoil "
       "energies): the normalisation at this location.", unit="1/GWh", field="rate_per_gwh", default=None,
       minimum=0,
       maximum=1e9, why="measured rates are a few per GWh (CsI: 6.19)"),
    _k(_BRN, "delay_mean", "quantity", "spectrum model: mean neutron arrival delay after the proton-pulse time.",
       unit="ns", field="delay_mean_ns", default=None,
       minimum=-TIME_BOUND_NS, maximum=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    _k(_BRN, "delay_sigma", "quantity", "spectrum model: width of the Gaussian arrival delay.", unit="ns",
       field="delay_sigma_ns", default=None, minimum=0,
       maximum=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    _k(_BRN, "delayed_rate", "quantity", "spectrum model: a second, delayed BRN component (recoils per GWh, same "
       "spectrum) arriving with the muon-decay timing, pulse + Exp(tau_pi) + Exp(tau_mu); 0 or absent: none.",
       unit="1/GWh", field="delayed_rate_per_gwh", default=None, minimum=0,
       maximum=1e9, why="measured rates are a few per GWh (CsI: 6.19)"),
    _k(_BRN, "template", "choice", "template model: the released PE-time template of this data set.",
       choices=TEMPLATES["brn"], default=None),
)

_NIN_KEYS = (
    _k(_NIN, "model", "choice", "The detector's default NIN model.", choices=("spectrum", "template")),
    _k(_NIN, "reference", "str", "Source of the model and its normalisation.", default=""),
    _k(_NIN, "spectrum", "choice", "spectrum model: neutron energy spectrum shape.",
       choices=("evaporation", "maxwellian"), default=None),
    _k(_NIN, "temperature", "quantity", "spectrum model: temperature T of the spectrum.", unit="MeV",
       field="temperature_mev", default=None, minimum=0, min_open=True,
       maximum=1e3, why="evaporation temperatures are ~1 MeV"),
    _k(_NIN, "lead_mass", "quantity", "spectrum model: mass of the lead shielding around the detector.",
       unit="kg", field="lead_mass_kg", default=None, minimum=0,
       maximum=10000000.0, why="shields weigh tonnes; 10 kt bounds any"),
    _k(_NIN, "cross_section", "choice", "spectrum model: how neutrons per nu_e and shield nucleus are obtained "
       "(/process/nin/crossSection). Absent: constant (sigma_cc x neutrons_per_cc).",
       choices=("constant", "pb208-emv2003"), default=None),
    _k(_NIN, "shield", "choice", "spectrum model: nucleus of the shield (the whole shield is taken as it). "
       "Absent: Pb208.", choices=("Pb208", "Fe56"), default=None),
    _k(_NIN, "sigma_cc", "quantity", "spectrum model: flux-averaged charged-current cross section on the shield "
       "nucleus. Absent: the 208Pb value of /process/nin/sigmaCC.", unit="cm^2", field="sigma_cc_cm2",
       default=None, minimum=0, maximum=1e-30, why="neutrino-nucleus cross sections at SNS energies are below "
       "1e-38 cm^2"),
    _k(_NIN, "neutrons_per_cc", "float", "spectrum model: mean neutrons emitted per charged-current interaction. "
       "Absent: 1.", default=None, minimum=0, maximum=100,
       why="a nucleus emits a few neutrons per interaction"),
    _k(_NIN, "reach_probability", "float", "spectrum model: probability that an emitted neutron scatters in the "
       "target (the normalisation).", default=None, minimum=0, maximum=1),
    _k(_NIN, "delay", "quantity", "spectrum model: constant added to NIN arrival times.", unit="ns",
       field="delay_ns", default=None,
       minimum=-TIME_BOUND_NS, maximum=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    _k(_NIN, "template", "choice", "template model: the released PE-time template of this data set.",
       choices=TEMPLATES["nin"], default=None),
)

_ER_KEYS = (
    _k(_ER, "stochastic", "float", "Stochastic resolution term a in sigma/E = a/sqrt(E/MeV) (+) b, in sqrt(MeV) "
       "(NaI[Tl]: ~7 % FWHM at 662 keV gives a = 0.024).", minimum=0,
       maximum=1.0, why="scintillator resolutions at 1 MeV are below 100 %"),
    _k(_ER, "constant", "float", "Constant resolution term b (non-uniformity, calibration, leakage between crystals).",
       minimum=0, maximum=1.0, why="a resolution above 100 % measures nothing"),
    _k(_ER, "containment", "float", "Mean fraction of the deposited energy that is reconstructed (1: full "
       "containment, an upper bound).", default=1.0, minimum=0, min_open=True, maximum=1.0,
       why="a detector cannot see more than the deposited energy"),
    _k(_ER, "window", "quantities", "Analysis window [low, high) in reconstructed energy; events outside get "
       "eff_energy = 0. Absent: no window.", unit="MeV", field="window_mev", default=None, length=2, minimum=0,
       maximum=300.0, why="SNS decay-at-rest neutrinos are below 53 MeV"),
    _k(_ER, "efficiency", "float", "Analysis efficiency inside the window (flat).", default=1.0, minimum=0,
       maximum=1.0, why="an efficiency is a probability"),
    _k(_ER, "reference", "str", "Sources of the values above.", default=""),
)

_SS_KEYS = (
    _k(_SS, "spectrum", "choice", "The detector's default steady-state PE spectrum: the parametric fit below, "
       "the histogram of the released anti-coincidence events named by `ac_data`, or the released steady-state "
       "energy spectrum named by `release`.",
       choices=("parametric", "ac-histogram", "released")),
    _k(_SS, "reference", "str", "Source of the spectrum and rate.", default=""),
    _k(_SS, "excess", "float", "parametric: low-PE excess amplitude a.", default=None, minimum=0,
       maximum=1e9, why="fitted amplitudes of order 1"),
    _k(_SS, "slope", "float", "parametric: excess slope lambda, in PE.", field="slope_pe", default=None,
       minimum=0, min_open=True,
       maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_SS, "turn_on", "float", "parametric: threshold turn-on position x0, in PE.", field="turn_on_pe",
       default=None,
       minimum=-1e6, maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_SS, "turn_on_width", "float", "parametric: turn-on width w, in PE.", field="turn_on_width_pe",
       default=None, minimum=0, min_open=True,
       maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_SS, "pe_max", "float", "Upper end of the spectrum; the rate refers to 0 <= PE < pe_max.", default=None,
       minimum=0, min_open=True,
       maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_SS, "rate", "quantity", "Selected steady-state events per second of open window (live time).",
       unit="Hz", field="rate_hz", default=None, minimum=0,
       maximum=1e9, why="selected rates are below 1 Hz (CsI: 0.38 Hz)"),
    _k(_SS, "window_start", "quantity", "Start of the time window (source frame) the events fill uniformly.",
       unit="ns", field="window_start_ns", default=None,
       minimum=-TIME_BOUND_NS, maximum=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    _k(_SS, "window_end", "quantity", "End of that window; its width enters the live time.", unit="ns",
       field="window_end_ns", default=None,
       minimum=-TIME_BOUND_NS, maximum=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    _k(_SS, "ac_data", "choice", "Released anti-coincidence events of this data set (for `ac-histogram`).",
       choices=TEMPLATES["ss"], default=None),
    _k(_SS, "release", "choice", "Released steady-state energy spectrum of this data set (for `released`: "
       "cenns10-lar = the keVee projection of the CENNS-10 bkgpdf, arXiv:2006.12659, converted to PE with the "
       "detector's light yield).", choices=SS_RELEASES, default=None),
)

KEYS: tuple[Key, ...] = (
    _k("detector", "name", "str", "Short name of the configuration (stored in event files)."),
    _k("detector", "description", "str", "One-line description.", default=""),
    _k("detector", "references", "strings", "Papers, arXiv ids and data releases the numbers come from.", default=[]),
    _k("target", "material", "choice", "Target material.", choices=MATERIALS),
    _k("target", "mass", "quantity", "Active target mass.", unit="kg", field="mass_kg", minimum=0, min_open=True,
       maximum=1e6, why="CEvNS detectors are kg to tonne scale (planned: 3 t NaI, 750 kg LAr); 1 kt bounds any"),
    _k("target", "distance", "quantity", "Distance from the SNS mercury target.", unit="cm", field="distance_cm",
       minimum=0, min_open=True,
       maximum=1e6, why="SNS detectors sit 19-30 m from the target; 10 km bounds any site"),
    _k("target", "threshold", "quantity", "Nominal nuclear-recoil threshold (keVnr).", unit="keV",
       field="threshold_kev", minimum=0,
       maximum=1e4, why="CEvNS recoils from 53 MeV neutrinos stay below ~1 MeV"),
    _k("target", "fiducial_fraction", "float", "Fraction of `mass` that is fiducial.", default=1.0, minimum=0,
       maximum=1, min_open=True),
    *_QUENCHING_KEYS,
    _k(_L, "yield", "quantity", "Light yield in photoelectrons per keVee (CsI[Na] 2021: 13.35 PE/keVee, "
       "arXiv:2110.07730).", unit="1/keV", field="yield_pe_per_kev",
       minimum=0, min_open=True,
       maximum=100, why="no scintillator gives more than ~70 photons/keV (LaBr3: 63), and PE <= photons; bounds the "
           "photoelectrons per event (CsI[Na]: 13.35)"),
    _k(_L, "yield_window", "quantity", "Time from the scintillation onset within which `yield` is measured. Set: "
       "`yield` is the mean charge inside this window (the published CsI[Na] light yield and PE axis are the charge "
       "integrated over 3 us from the onset, arXiv:2110.07730), so the photon level draws yield*E_ee/F PE in total, "
       "F the fraction of the [scintillation] profile (electron or nuclear recoil) inside the window. Absent: "
       "`yield` counts all the light.", unit="ns", field="yield_window_ns", default=None, minimum=0, min_open=True,
       maximum=1e6, why="integration windows are ns (LAr) to us (CsI); 1 ms bounds any scintillation decay"),
    _k(_L, "pe_model", "choice", "Photoelectron statistics: Poisson with mean yield*E_ee, or binomial "
       "collection of Poisson photons.", choices=("poisson", "binomial"), default="poisson"),
    _k(_L, "photon_yield", "quantity", "Scintillation photons per keVee (binomial mode).", unit="1/keV",
       field="photon_yield_per_kev", minimum=0, min_open=True, when=("pe_model", ("binomial",)),
       maximum=100, why="no scintillator gives more than ~70 photons/keV (LaBr3: 63)"),
    _k(_L, "collection_efficiency", "float", "Probability that a photon gives a photoelectron (binomial mode); "
       "photon_yield * collection_efficiency must equal yield.", minimum=0, maximum=1, min_open=True,
       when=("pe_model", ("binomial",))),
    _k("smearing", "model", "choice", "Reconstructed-energy smearing at parametric fidelity.",
       choices=("gamma", "poisson", "gaussian", "none")),
    _k("smearing", "gamma_b_per_pe", "float", "Gamma model: P(x) ~ x^b exp(-(1+b) x / mu) with b = gamma_b_per_pe * mu, "
       "mu the mean PE (CsI[Na] 2021: 0.716, arXiv:2110.07730 [P20]).", minimum=0, min_open=True, when=_model("gamma"),
       maximum=1e3, why="a resolution parameter of order 1"),
    _k("smearing", "resolution_a", "float", "Gaussian model: sigma/E = a / sqrt(E / keVee) (CENNS-10 LAr: 0.58, "
       "arXiv:2003.10630).", minimum=0,
       when=_model("gaussian"),
       maximum=1e3, why="a resolution parameter of order 1"),
    _k(_EE, "model", "choice", "Efficiency curve: eff = a/(1+exp(-b(x-c))) + d clipped to [0, 1] (logistic); "
       "the same times a step at `step` (logistic_step); a table; or 1 (none).",
       choices=("logistic", "logistic_step", "table", "none")),
    _k(_EE, "variable", "choice", "Variable x of the curve: reconstructed PE, keVee or true keVnr.",
       choices=("pe", "kevee", "kevnr"), when=_model("logistic", "logistic_step", "table")),
    _k(_EE, "a", "float", "Logistic amplitude (CsI[Na] 2021 nominal a, b, c, d = 1.32045, 0.285979, 10.8646, "
       "-0.333322 in PE: effCoefficients.txt of arXiv:2110.07730; CsI[Na] 2017: 0.6655, 0.4942, 10.8507, 0 with "
       "step 5 PE, arXiv:1804.09459 release).", when=_model("logistic", "logistic_step"),
       minimum=-1e6, maximum=1e6, why="fit parameters of order 1-10"),
    _k(_EE, "b", "float", "Logistic steepness, per unit of x.", minimum=0, min_open=True,
       when=_model("logistic", "logistic_step"),
       maximum=1e6, why="fit parameters of order 1-10"),
    _k(_EE, "c", "float", "Logistic midpoint, in units of x.", when=_model("logistic", "logistic_step"),
       minimum=-1e6, maximum=1e6, why="fit parameters of order 1-10"),
    _k(_EE, "d", "float", "Logistic offset.", default=0.0,
       minimum=-1e6, maximum=1e6, why="fit parameters of order 1-10"),
    _k(_EE, "variant", "str", "`nominal` (a, b, c, d as given) or a name in `variants`; DetectorConfig stores the "
       "selected values in a, b, c, d.", default="nominal"),
    _k(_EE, "variants", "table", "Systematic variants `{ name = [a, b, c, d], ... }`.", default={}, length=4),
    _k(_EE, "step", "float", "logistic_step: efficiency is 0 for x < step.", minimum=0,
       when=_model("logistic_step"),
       maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_EE, "half_step_width", "float", "logistic_step: efficiency is halved for step <= x < step + "
       "half_step_width (the CsI 2017 modified Heaviside function uses 1).", default=0.0, minimum=0,
       maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_EE, "table", "path", "Efficiency table file (x, efficiency columns).", when=_model("table")),
    _k(_EE, "columns", "numbers", "Zero-based columns of `table` holding x and the efficiency.", default=[0, 1],
       length=2, minimum=0,
       maximum=1000, why="column numbers of a table of a few columns"),
    _k(_ET, "model", "choice", "Time efficiency: 1 before t0 and exp(-rate (t - t0)) after (exp_after), or 1.",
       choices=("exp_after", "none")),
    _k(_ET, "t0", "quantity", "Time after which the efficiency falls (CsI[Na] 2021: 0.52 us, "
       "arXiv:2110.07730).", unit="ns", field="t0_ns", minimum=0,
       when=_model("exp_after"),
       maximum=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    _k(_ET, "rate", "quantity", "Exponential fall-off rate (CsI[Na] 2021: 0.0494 /us, arXiv:2110.07730).",
       unit="1/ns", field="rate_per_ns", minimum=0,
       when=_model("exp_after"),
       maximum=10, why="decay rates of ~0.05/us; 10/ns is faster than any digitizer"),
    _k(_S, "tau", "quantities", "Decay constants of the scintillation components (LAr: singlet 6 ns, "
       "triplet 1.5 us, arXiv:2003.10630; CsI[Na]: ~0.6 us, PHYSICS.md section 3).", unit="ns", field="tau_ns",
       minimum=0, min_open=True,
       maximum=1e9, why="scintillation decay times are ns to us (CsI[Na]: 0.6 and 3.5 us)"),
    _k(_S, "fractions", "numbers", "Light fraction of each component for electron recoils (sum to 1; "
       "LAr singlet 0.25: singlet/triplet ~ 0.3 for electrons, Hitachi et al., PRB 27, 5279 (1983)).",
       minimum=0, maximum=1),
    _k(_S, "nr_fractions", "numbers", "Light fractions for nuclear recoils (sum to 1). Absent: same as `fractions`. "
       "(LAr singlet 0.70: gives F90 ~ 0.72 for nuclear recoils, 0.6-0.75 quoted in arXiv:2003.10630.)",
       default=None, minimum=0, maximum=1),
    _k(_S, "rise", "quantity", "Rise time of the scintillation pulse (0: instantaneous).", unit="ns",
       field="rise_ns", default="0 ns", minimum=0,
       maximum=1e6, why="rise times are ns"),
    _k("spe", "model", "choice", "SPE charge distribution (gamma or Polya with the given relative width, or a table).",
       choices=("gamma", "polya", "table"), default="gamma"),
    _k("spe", "mean", "float", "Mean SPE charge in PE.", default=1.0, minimum=0, min_open=True,
       maximum=1e3, why="in units of the mean SPE charge (1)"),
    _k("spe", "relative_width", "float", "sigma / mean of the SPE charge (Polya: at most 1). Default 0.542: the "
       "width with which photon counting reproduces the published CsI[Na] 2021 Gamma smearing (b = 0.716 mu, "
       "arXiv:2110.07730) over 10-60 PE within +-2.7 % in sigma (derivation in docs/response.md).",
       default=0.542, minimum=0, min_open=True,
       maximum=100, why="relative SPE widths are ~0.5"),
    _k("spe", "table", "path", "Two-column file: charge[PE] (bin edges, increasing) and the probability density "
       "of the bin starting there (the last row's density is not used).", when=_model("table")),
    _k(_AG, "model", "choice", "Afterglow model: none, or Poisson single PE uniform in the waveform.",
       choices=("none", "poisson")),
    _k(_AG, "rate", "quantity", "Mean afterglow single-PE rate.", unit="1/ns", field="rate_per_ns", minimum=0,
       when=_model("poisson"),
       maximum=0.1, why="CsI[Na] afterglow is ~50 kHz; 100 MHz puts a photoelectron in every few samples and bounds "
           "the Poisson draw per window"),
    _k(_AG, "rate_distribution", "choice", "Waveform-to-waveform spread of the rate.", choices=("fixed", "gamma"),
       default="fixed"),
    _k(_AG, "rate_shape", "float", "Gamma shape of the rate spread (mean stays `rate`).", minimum=0, min_open=True,
       when=("rate_distribution", ("gamma",)),
       maximum=1e6, why="a gamma shape; large values mean a fixed rate"),
    _k(_AG, "bright_probability", "float", "Probability that a waveform falls in a bright period.", default=0.0,
       minimum=0, maximum=1),
    _k(_AG, "bright_factor", "float", "Rate multiplier in bright periods.", default=1.0, minimum=1,
       maximum=1e3, why="bright windows are a few times brighter"),
    _k("ionization", "resolution_sigma0", "quantity", "Electronic-noise energy resolution (sigma).", unit="keV",
       field="resolution_sigma0_kev", minimum=0,
       maximum=1e3, why="electronic noise of keV-threshold detectors is below 1 keV"),
    _k("ionization", "fano", "float", "Fano factor of the charge statistics.", minimum=0,
       maximum=10, why="Fano factors are below 1"),
    _k("ionization", "pair_energy", "quantity", "Mean energy per electron-hole pair (Ge at 77 K: 2.96 eV, "
       "G.F. Knoll, Radiation Detection and Measurement, 4th ed., ch. 12).", unit="eV",
       field="pair_energy_ev", minimum=0, min_open=True,
       maximum=1e3, why="pair energies are a few eV (Ge: 2.96 eV)"),
    _k(_D, "sampling_rate", "quantity", "Sampling rate.", unit="1/ns", field="sampling_rate_per_ns", minimum=0,
       min_open=True,
       maximum=10, why="waveform digitizers sample at 0.1-5 GS/s; 10 GS/s bounds the samples per window"),
    _k(_D, "adc_bits", "int", "ADC resolution in bits.", minimum=1, maximum=32),
    _k(_D, "adc_min", "int", "Lowest ADC code (samples are clipped to it).",
       minimum=-(2**31), maximum=2**31 - 1, why="ADC codes fit 32 bits (adc_bits <= 32)"),
    _k(_D, "adc_max", "int", "Highest ADC code (samples are clipped to it).",
       minimum=-(2**31), maximum=2**31 - 1, why="ADC codes fit 32 bits (adc_bits <= 32)"),
    _k(_D, "baseline", "float", "Baseline in ADC counts.",
       minimum=-(2**31), maximum=2**31 - 1, why="ADC codes fit 32 bits (adc_bits <= 32)"),
    _k(_D, "noise_rms", "float", "Electronic noise RMS in ADC counts.", default=0.0, minimum=0,
       maximum=1e6, why="in ADC counts (CsI: 3)"),
    _k(_D, "noise_mode", "choice", "Noise: white Gaussian with noise_rms drawn per sample (gaussian), read from a "
       "precomputed table of 2^22 Gaussian samples at per-waveform random offsets (gaussian_fast), or read the same "
       "way from the recorded samples in `noise_table` (table).",
       choices=("gaussian", "gaussian_fast", "table"), default="gaussian"),
    _k(_D, "noise_table", "path", "One-column file of baseline-subtracted noise samples in ADC counts.",
       when=("noise_mode", ("table",))),
    _k(_D, "polarity", "choice", "Pulse polarity.", choices=("negative", "positive"), default="negative"),
    _k(_D, "spe_amplitude", "float", "Pulse-peak amplitude of one PE in ADC counts.", minimum=0, min_open=True,
       maximum=1e6, why="in ADC counts (CsI: 40)"),
    _k(_D, "spe_shape", "choice", "Single-PE pulse shape.", choices=("gaussian", "table"), default="gaussian"),
    _k(_D, "spe_width", "quantity", "Gaussian SPE pulse sigma.", unit="ns", field="spe_width_ns", minimum=0,
       min_open=True, when=("spe_shape", ("gaussian",)),
       maximum=1e6, why="SPE pulses are ns wide"),
    _k(_D, "spe_table", "path", "Two-column file: time[ns] amplitude (peak normalised to 1).",
       when=("spe_shape", ("table",))),
    _k("windows", "pretrace", "quantity", "Pretrace length before the region of interest (CsI[Na] 2021: 40 us, "
       "arXiv:2110.07730).", unit="ns",
       field="pretrace_ns", minimum=0,
       maximum=1e6, why="waveform windows are tens of us (CsI: 40 us pretrace + 15 us ROI); 1 ms bounds the "
           "samples per window"),
    _k("windows", "roi", "quantity", "Region-of-interest length (CsI[Na] 2021: 15 us, arXiv:2110.07730).",
       unit="ns", field="roi_ns", minimum=0,
       min_open=True,
       maximum=1e6, why="waveform windows are tens of us (CsI: 40 us pretrace + 15 us ROI); 1 ms bounds the "
           "samples per window"),
    _k("windows", "integration", "quantity", "Integration window from the event onset.", unit="ns",
       field="integration_ns", minimum=0, min_open=True,
       maximum=1e6, why="waveform windows are tens of us (CsI: 40 us pretrace + 15 us ROI); 1 ms bounds the "
           "samples per window"),
    _k(_R, "pulse_threshold", "float", "Pulse-finding threshold on the baseline-subtracted signal, in units of "
       "`digitizer.spe_amplitude` (assumption: 0.375, i.e. 15 ADC = 5 noise rms for csi-2021).", default=0.375,
       minimum=0, min_open=True,
       maximum=1e6, why="in PE"),
    _k(_R, "pulse_extension", "quantity", "Samples added on each side of a threshold crossing region to collect "
       "the pulse tails (assumption: 12 ns = 3 SPE sigma for csi-2021).", unit="ns", field="pulse_extension_ns",
       default="12 ns", minimum=0,
       maximum=1e6, why="waveform windows are tens of us (CsI: 40 us pretrace + 15 us ROI); 1 ms bounds the "
           "samples per window"),
    _k(_R, "pulse_merge", "quantity", "Crossing regions whose gap (end of one to start of the next) is at most "
       "this are one pulse: the pulse-pair resolution of the peak finder (assumption; default 0: only touching "
       "regions merge).", unit="ns", field="pulse_merge_ns", default="0 ns", minimum=0,
       maximum=1e6, why="waveform windows are tens of us (CsI: 40 us pretrace + 15 us ROI); 1 ms bounds the "
           "samples per window"),
    _k(_C, "saturation", "bool", "Reject waveforms with a sample at adc_min or adc_max (PMT saturation, digitizer "
       "overflow).", default=None),
    _k(_C, "muon_veto", "bool", "Reject events flagged by the muon veto (a truth flag in simulation).", default=None),
    _k(_C, "pretrace_max_pulses", "int", "Reject a waveform with this many or more pulses in the pretrace.",
       default=None, minimum=1,
       maximum=1_000_000, why="pulses in a window of at most 1 ms"),
    _k(_C, "pretrace_quiet", "quantity", "Reject if any pulse lies in this last part of the pretrace.", unit="ns",
       field="pretrace_quiet_ns", default=None, minimum=0,
       maximum=1e6, why="waveform windows are tens of us (CsI: 40 us pretrace + 15 us ROI); 1 ms bounds the "
           "samples per window"),
    _k(_C, "max_dt_first_second", "quantity", "Reject if the second pulse follows the first by more than this.",
       unit="ns", field="max_dt_first_second_ns", default=None, minimum=0,
       maximum=1e6, why="waveform windows are tens of us (CsI: 40 us pretrace + 15 us ROI); 1 ms bounds the "
           "samples per window"),
    _k(_C, "roi_min_pulses", "int", "Afterglow-coincidence cut on the number of pulses in the ROI.", default=None,
       minimum=0,
       maximum=1_000_000, why="pulses in a window of at most 1 ms"),
    _k(_C, "roi_pulses_window", "choice", "Where roi_min_pulses counts pulses: 'roi' (the whole region of "
       "interest, afterglow pulses outside the event included) or 'integration' (the event's integration window "
       "from the onset). Default 'roi'.", default="roi", choices=("roi", "integration")),
    _k(_C, "pe_threshold", "quantity", "Lowest integrated PE kept.", unit="", field="pe_threshold", default=None,
       minimum=0,
       maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_C, "pe_max", "quantity", "Integrated PE must be below this.", unit="", field="pe_max", default=None,
       minimum=0, min_open=True,
       maximum=1e6, why="waveforms saturate far below 1e6 PE"),
    _k(_C, "t_max", "quantity", "Reconstructed time must be below this.", unit="ns", field="t_max_ns", default=None,
       minimum=0, min_open=True,
       maximum=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    *_BEAM_KEYS,
    *_PHYSICS_KEYS,
    *_DATASET_KEYS,
    *_BRN_KEYS,
    *_NIN_KEYS,
    *_SS_KEYS,
    *_ER_KEYS,
)


def section_keys(section: str) -> dict[str, Key]:
    """Keys of ``section`` by name; a per-isotope quenching section has the quenching keys."""
    if section == ISOTOPE_SECTION or section.startswith("quenching.isotopes."):
        section = "quenching"
    return {k.name: k for k in KEYS if k.section == section}


def key_by_dotted(dotted: str) -> tuple[str, Key] | None:
    """``"efficiency.energy.c"`` -> ("efficiency.energy", Key); isotope sections included."""
    section, _, name = dotted.rpartition(".")
    if section in SECTIONS or section.startswith("quenching.isotopes."):
        key = section_keys(section).get(name)
        return (section, key) if key else None
    return None


# ---- reference documentation ---------------------------------------------------------------------

def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return "`{}`" if not value else str(value)
    return f"`{value}`"


def _type_text(key: Key) -> str:
    if key.kind in ("quantity", "quantities"):
        dim = units.dimension_name(key.dimension)
        if key.dimension == units.DIMENSIONLESS:
            dim = "number or count (`60` or `\"60 PE\"`)"
        return f"{'list of ' if key.kind == 'quantities' else ''}{dim}"
    names = {"numbers": "list of numbers", "strings": "list of strings", "table": "table of number lists",
             "path": "file path", "choice": "choice"}
    text = names.get(key.kind, key.kind)
    if key.length:
        text += f" (length {key.length})"
    return text


def _allowed_text(key: Key) -> str:
    if key.choices:
        return ", ".join(f"`{c}`" for c in key.choices)
    parts = []
    if key.minimum is not None:
        parts.append(f"{'>' if key.min_open else '>='} {key.minimum:g}")
    if key.maximum is not None:
        parts.append(f"{'<' if key.max_open else '<='} {key.maximum:g}")
    return " and ".join(parts) + (f" (why: {key.why})" if key.why else "")


def _default_text(key: Key) -> str:
    if key.default is REQUIRED:
        if key.when:
            name, values = key.when
            return f"required if {name} = {' or '.join(values)}"
        return "required"
    if key.default is None:
        return "absent: None"
    return _fmt(key.default)


def _field_text(key: Key, attr: str) -> str:
    if key.kind == "path":
        return f"`{attr}.{key.field_name}_path`, `{attr}.{key.field_name}_data`"
    if key.section == "detector":
        return f"`det.{key.field_name}`"
    return f"`{attr}.{key.field_name}`"


def schema_reference_markdown() -> str:
    """The reference page ``docs/geometry.md``, generated from :data:`KEYS`."""
    out = [
        "# Geometry file reference",
        "",
        "<!-- Generated by simcoh.detector.schema.schema_reference_markdown(); do not edit by hand. -->",
        "",
        "A geometry file is a TOML file describing one detector configuration (`geometries/*.toml`).",
        "Load one with `simcoh.detector.load_geometry(\"csi-2021\")` or `/detector/geometry csi-2021` in a macro;",
        "single keys can be overridden from a macro (`target.distance = \"20 m\"`).",
        "",
        "Every dimensional value is a string with a unit (`\"19.3 m\"`, `\"13.35 PE/keVee\"`, `\"0.52 us\"`);",
        "dimensionless values are bare numbers. Values are converted once, to the unit in the field name of",
        "`DetectorConfig` (`det.target.distance_cm`). File paths are relative to the geometry file; table files",
        "are read into the configuration so its hash covers their content.",
        "",
        f"Sections `[{']` and `['.join(REQUIRED_SECTIONS)}]` are required. Any other section may be absent: it is then",
        "`None` in `DetectorConfig` (for `[efficiency.energy]` and `[efficiency.time]`: `det.efficiency.energy` /",
        "`det.efficiency.time` are `None`, meaning an efficiency of 1).",
        "Keys marked \"required if ...\" are needed only by the models named; keys a model does not use are ignored.",
        "",
        "A built-in detector also carries its data set: `[beam]` (proton energy, neutrinos per POT, proton pulse in",
        "the data set's time frame) sets the run's source and `[dataset]` its default exposure (macro `/source/...`,",
        "`/run/exposure` and `--set` override them); `[background.brn]`, `[background.nin]` and `[background.ss]` are",
        "the background models defined for the detector (docs/backgrounds.md). A background process enabled on a",
        "detector without its section is an error before any event is made.",
        "",
        "Checks beyond single values: quenching positive, monotonic and below E_nr on (0, valid_range] for",
        "every variant; `variant` names an entry of `variants`; per-isotope sections name an isotope of the target;",
        "scintillation fractions have one entry per decay constant and sum to 1; efficiency tables lie in [0, 1]",
        "with increasing x; binomial light needs photon_yield x collection_efficiency = yield;",
        "adc_min < adc_max within 2^adc_bits codes with the baseline between them; integration <= roi;",
        "cuts.pretrace_quiet <= windows.pretrace; [dataset] has pot and/or beam_energy, and with both",
        "pot x beam.proton_energy = beam_energy within 0.1 %.",
        "",
        "Every number has a physical range (\"allowed\", with the reason): values beyond it are input errors, so",
        "that no geometry can overflow a computation or ask for more memory than a run can have. Data files",
        "(`table`, `template`) must be regular files of at most 64 MB.",
        "",
    ]
    for section, help in SECTIONS.items():
        attr = "det" if section == "detector" else f"det.{section}"
        out += [f"## [{section}]", "", help, "", "| key | type | allowed | default | description | field |",
                "|---|---|---|---|---|---|"]
        for key in section_keys(section).values():
            out.append(f"| `{key.name}` | {_type_text(key)} | {_allowed_text(key)} | {_default_text(key)} | "
                       f"{key.help} | {_field_text(key, attr)} |")
        out.append("")
    out += [
        "## [quenching.isotopes.ISOTOPE]",
        "",
        "Per-isotope quenching (ISOTOPE = element symbol + mass number: `Cs133`, `I127`, `Na23`, `Ar40`, `Ge72`).",
        "Same keys as `[quenching]`; keys not set are inherited from `[quenching]`. Stored in",
        "`det.quenching.isotopes` as `(name, section)` pairs; `det.quenching_for(\"Na23\")` picks the right one.",
        "",
    ]
    return "\n".join(out)

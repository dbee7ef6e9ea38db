"""Typed, frozen configuration of a run. Macros, geometry files and the Python API all build these
objects; nothing else carries configuration.

All values are in internal units named in the field (``*_ns``, ``*_cm``, ``*_mev``, ``*_kev``,
``*_kg``). ``to_dict()`` gives the canonical JSON-able form stored in event files and hashed.

Every source, physics, run and output parameter is declared once, in :data:`SOURCE_PARAMS`,
:data:`PHYSICS_PARAMS` and :data:`RUN_PARAMS` (:class:`simcoh.declare.Param`: macro command, unit, range,
default, help, source). The dataclass fields take their defaults from there and ``__post_init__`` checks
every field against its declaration; the macro commands are derived from the same declarations
(:mod:`simcoh.macro.declared`). Process names are checked by the process registry
(:mod:`simcoh.generate.registry`), which this base module does not import.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .declare import TIME_BOUND_NS, TIME_BOUND_WHY, Param, by_field, check, defaults
from .errors import InputError
from .units import suggest

FLAVOURS = ("nu_e", "nu_mu", "nu_mu_bar", "nu_e_bar")
RUN_MODES = ("fixed", "physical")

#: Largest exposure (POT): the SNS delivers ~1e23 POT a year; 1e30 POT is ten million years of it.
MAX_EXPOSURE_POT = 1e30
#: Largest number of events of a run: event indices are 64-bit; 1e15 events of 10 bytes are 10 PB.
MAX_EVENTS = 10**15

def _from_physics(default_text: str) -> str:
    """'When not used' text of a physics parameter that the detector's data set may fix ([physics])."""
    return f"the detector's [physics] value (geometry file); {default_text} if it gives none"


def _from_beam(default_text: str) -> str:
    """'When not used' text of a source parameter that the detector's data set sets first."""
    return f"the detector's [beam] value (geometry file); {default_text} if it gives none"


#: /source/...: the stopped-pion neutrino source (PHYSICS.md §1). The pulse defaults are the CsI 2017 time frame.
SOURCE_PARAMS = (
    Param("source.model", "/source/model", "choice", "Neutrino source model: analytic stopped-pion spectra, or "
          "the SNS Geant4 histograms.", default="analytic", choices=("analytic", "geant4"), label="source model",
          arg="MODEL"),
    Param("source.nu_per_flavour_per_pot", "/source/nuPerPOT", "float",
          "Neutrino yield: neutrinos of each flavour per proton on target.", default=0.0848, min=0.0,
          min_open=True, source="COHERENT flux paper, arXiv:2109.11049 (CsI 2021 analysis value)",
          label="neutrinos per flavour per POT", arg_help="neutrinos per flavour per POT",
          initial=_from_beam("0.0848"),
          max=1.0, why="a 1 GeV proton makes ~0.1 stopped pi+ (0.0848 per flavour, arXiv:2109.11049); 1 per flavour "
              "is 10x any spallation source"),
    Param("source.proton_energy_mev", "/source/protonEnergy", "quantity",
          "Proton kinetic energy; converts a beam-energy exposure to POT (N_POT = E_beam / E_p).",
          default=1000.0, unit="MeV", example="1 GeV", min=0.0, min_open=True,
          source="SNS proton beam energy, 1 GeV (arXiv:2109.11049)", label="proton energy", arg="E",
          initial=_from_beam("1000 MeV"),
          max=1e6, why="stopped-pion sources use ~1 GeV protons (SNS: 1 GeV); 1 TeV bounds any accelerator"),
    Param("source.pulse_shape", "/source/pulse/shape", "choice",
          "Time profile of the proton pulse: Gaussian, a table, or a delta at the mean.", default="gaussian",
          choices=("gaussian", "table", "delta"), label="pulse shape", arg="SHAPE", initial=_from_beam("gaussian")),
    Param("source.pulse_mean_ns", "/source/pulse/mean", "quantity", "Mean time of the proton pulse.",
          default=690.0, unit="ns", example="690 ns", label="pulse mean", arg="T",
          source="reproduces the CsI 2017 released arrival-time PDFs (arXiv:1708.01294 data release) with "
          "the pi and mu lifetimes; the flight time is absorbed in it", initial=_from_beam("690 ns"),
          min=-TIME_BOUND_NS, max=TIME_BOUND_NS, why=TIME_BOUND_WHY),
    Param("source.pulse_sigma_ns", "/source/pulse/sigma", "quantity",
          "Standard deviation of the Gaussian proton pulse.", default=140.0, unit="ns", example="140 ns",
          min=0.0, label="pulse sigma", arg="T", source="as the pulse mean (arXiv:1708.01294 data release)",
          initial=_from_beam("140 ns"),
          max=1e6, why="SNS proton pulses are ~0.4 us wide; 1 ms stays well inside the 16.7 ms beam period"),
    Param("source.pulse_table", "/source/pulse/table", "path",
          "Proton pulse profile table for /source/pulse/shape table (relative to the macro's directory).",
          default=None, label="pulse table", arg="PATH", arg_help="two columns: t_ns, weight"),
    Param("source.include_flight_time", "/source/flightTime", "bool",
          "Add the neutrino flight time L/c to arrival times.", default=False, label="flight time", arg="ON",
          initial=_from_beam("false")),
)

#: /physics/...: CEvNS model choices (PHYSICS.md §2); the references are in the PhysicsConfig docstring.
PHYSICS_PARAMS = (
    Param("physics.form_factor", "/physics/formFactor", "choice",
          "Nuclear form factor: Helm (Lewin-Smith), Klein-Nystrand, or none (F = 1).", default="helm",
          choices=("helm", "klein_nystrand", "none"), label="form factor", arg="MODEL",
          source="Helm: Lewin & Smith, Astropart. Phys. 6, 87 (1996)", initial=_from_physics("helm")),
    Param("physics.helm_radius", "/physics/helmRadius", "choice",
          "Helm box radius R0: Lewin-Smith (c = 1.23 A^1/3 - 0.60 fm, a = 0.52 fm), or COHERENT's rate code\n"
          "(R0 = 1.2 A^1/3 fm). Used for protons, and for neutrons unless /physics/neutronRadii gives r_n.",
          default="lewin_smith", choices=("lewin_smith", "coherent"), label="Helm radius", arg="SET",
          source="Lewin & Smith, Astropart. Phys. 6, 87 (1996); coherent: COHERENT's public rate code "
          "(github.com/BarbeauGroup/cohfit, form_factors.py)", initial=_from_physics("lewin_smith")),
    Param("physics.neutron_radii", "/physics/neutronRadii", "choice",
          "Per-isotope neutron rms radii: same (one form factor for protons and neutrons), or coherent\n"
          "(separate Helm F_n from r_n = 5.104 fm for Cs133, 4.8 fm for I127; G_V = Z g_p F_p + N g_n F_n).",
          default="same", choices=("same", "coherent"), label="neutron radii", arg="SET",
          source="coherent: COHERENT's public CsI rate code configuration (github.com/BarbeauGroup/cohfit, "
          "examples/config/csi.json)", initial=_from_physics("same")),
    Param("physics.couplings", "/physics/couplings", "choice",
          "Weak couplings: tree level, or radiatively corrected (PDG) with neutrino charge radii.",
          default="radiative", choices=("tree", "radiative"), label="couplings", arg="SET",
          source="PDG radiatively corrected g_p^V = 0.0298, g_n^V = -0.5117"),
    Param("physics.sin2_theta_w", "/physics/sin2ThetaW", "float",
          "Weak mixing angle sin^2(theta_W) at low momentum transfer.", default=0.23857, min=0.0, max=1.0,
          min_open=True, max_open=True, label="sin2 theta_W", source="PDG low-energy value sin^2 theta_W(0)"),
    Param("physics.charge_radius", "/physics/chargeRadius", "bool",
          "Include the flavour-dependent neutrino charge-radius corrections.", default=True,
          label="charge radius", arg="ON", source="Cadeddu et al., PRD 98, 113010 (2018), arXiv:1810.05606"),
    Param("physics.axial", "/physics/axial", "bool", "Include the axial (spin-dependent) term for odd-A nuclei.",
          default=True, label="axial term", arg="ON"),
    Param("physics.helm_skin_fm", "/physics/helmSkin", "quantity", "Helm form factor skin thickness s.",
          default=0.9, unit="fm", example="0.9 fm", min=0.0, min_open=True, label="Helm skin thickness",
          arg="S", arg_help="skin thickness s", source="Lewin & Smith, Astropart. Phys. 6, 87 (1996)",
          initial=_from_physics("0.9 fm"),
          max=2.0, why="nuclear surface thicknesses are ~1 fm (Lewin-Smith: 0.9 fm); thicker skins make the Helm "
              "radius of light nuclei imaginary"),
    Param("physics.neutron_rms_radius_fm", "/physics/neutronRadius", "quantity",
          "Neutron rms radius; sets the Helm radius R0 = sqrt(5/3 r_n^2 - 5 s^2).", default=None, unit="fm",
          example="5.5 fm", min=0.0, min_open=True, label="neutron rms radius", arg="R",
          arg_help="neutron rms radius r_n",
          max=20.0, why="the heaviest nuclei have rms radii ~6 fm"),
    Param("physics.kn_range_fm", "/physics/knRange", "quantity",
          "Range a_k of the Yukawa potential in the Klein-Nystrand form factor.", default=0.7, unit="fm",
          example="0.7 fm", min=0.0, min_open=True, label="Klein-Nystrand range", arg="A",
          arg_help="Yukawa range a_k", source="Klein & Nystrand, PRC 60, 014903 (1999)",
          max=10.0, why="nuclear-force ranges are ~1 fm"),
    Param("physics.magnetic_moment_mu_b", "/physics/magneticMoment", "float",
          "Effective neutrino magnetic moment in Bohr magnetons (needs /run/recoilMin > 0).", default=0.0,
          min=0.0, label="magnetic moment", arg_help="in Bohr magnetons", example="1e-10",
          max=1e-06, why="laboratory limits are ~1e-11 mu_B (GEMMA, Borexino); 1e-6 is far above any allowed value"),
)

#: /run/..., /output/... and /random/setSeed: how the run is made and written.
RUN_PARAMS = (
    Param("run.seed", "/random/setSeed", "int", "Root seed of the run's random streams (numpy SeedSequence).\n"
          "The same seed and configuration give the same events on any number of workers.", default=0, min=0,
          label="seed", arg="N", arg_help="root seed", example="12345",
          max=2**63 - 1, why="stored as a 64-bit signed integer in the event file"),
    Param("run.fidelity", "/run/fidelity", "choice",
          "How far the simulation goes: truth, parametric smearing, photon counting, or waveforms.",
          default="truth", choices=("truth", "parametric", "photon", "waveform"), label="fidelity", arg="LEVEL",
          example="photon"),
    Param("run.chunk_size", "/run/chunkSize", "int",
          "Events per chunk: bounds memory and is the unit of work; events do not depend on it\n"
          "(random streams are keyed by event index).", default=1_000_000, min=1, label="chunk size", arg="N",
          example="100000",
          max=100_000_000, why="a chunk is held in memory; simcoh check prints the memory per chunk"),
    Param("run.recoil_min_kev", "/run/recoilMin", "quantity", "Lowest nuclear recoil energy generated.",
          default=0.0, unit="keV", example="0.1 keV", min=0.0, label="minimum recoil energy", arg="T",
          max=1e4, why="CEvNS recoils from 53 MeV neutrinos stay below ~1 MeV on any nucleus"),
    Param("run.ac_window", "/run/acWindow", "bool",
          "Waveform fidelity: also render and reconstruct an anti-coincident (AC) window before the beam\n"
          "(afterglow and noise only), stored with the prefix ac_.", default=False, omitted=True,
          label="AC window", arg="ON", example="true"),
    Param("run.afterglow_library", "/run/afterglowLibrary", "path",
          "Waveform fidelity: overlay recorded beam-off windows from this HDF5 library (relative to the macro's\n"
          "directory) instead of the detector's [afterglow] model and simulated noise (docs/afterglow-library.md).",
          default=None, label="afterglow library", arg="PATH", arg_help="HDF5 file of recorded windows",
          example="afterglow.h5"),
    Param("run.output_file", "/output/file", "path", "Event file to write (HDF5), relative to the working directory.",
          default="simcoh_events.h5", relative_to="cwd", label="output file", arg="PATH", example="csi-run1.h5"),
    Param("run.store_waveforms", "/output/waveforms", "bool",
          "Waveform fidelity: store the digitized int16 samples of each window (on by default; off keeps\n"
          "only the reconstruction and cut flags, for smaller files).", default=True, omitted=True,
          label="store waveforms", arg="ON", example="false"),
    Param("run.compression", "/output/compression", "choice",
          "Compression of the event file: deflate (default: HDF5's standard byte shuffle + deflate filters,\n"
          "readable by every HDF5 tool and library; encoded on every core by ISA-L), lzf (h5py's filter:\n"
          "HDF5's own tools, C/C++, Julia and MATLAB cannot read it; written on one core), none (largest).",
          default="deflate", choices=("deflate", "lzf", "none"), label="compression", arg="METHOD",
          example="none"),
    Param("run.compression_level", "/output/compressionLevel", "int",
          "Deflate level (ISA-L's levels 0-3; events do not depend on it). 1, the default, was the fastest\n"
          "and as small as 2 and 3 in benchmarks/bench_io.py (docs/event-file-integrity.md).",
          default=1, min=0, max=3, why="ISA-L (python-isal) offers deflate levels 0 to 3",
          label="compression level", arg="N", example="2"),
    Param("run.overwrite", "/output/overwrite", "bool", "Allow replacing an existing complete event file.",
          default=False, omitted=True, label="overwrite", arg="ON", example="true"),
)

#: Choices shared with other modules, from the declarations above.
FIDELITIES = by_field(RUN_PARAMS)["fidelity"].choices
COMPRESSIONS = by_field(RUN_PARAMS)["compression"].choices

_SOURCE = defaults(SOURCE_PARAMS)
_PHYSICS = defaults(PHYSICS_PARAMS)
_RUN = defaults(RUN_PARAMS)


def check_choice(name: str, value: str, allowed) -> None:
    """Raise a clear InputError if ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise InputError(
            f"{name}: '{value}' is not allowed; choose one of {', '.join(allowed)}{suggest(value, allowed)}"
        )


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    if not (value > 0 or (allow_zero and value == 0)):
        raise InputError(f"{name}: {value!r} must be {'non-negative' if allow_zero else 'positive'}")


@dataclass(frozen=True)
class SourceConfig:
    """Stopped-pion neutrino source (PHYSICS.md §1); one field per declaration of :data:`SOURCE_PARAMS`.

    A run on a detector takes these from the detector's data set first (the ``[beam]`` section of its geometry
    file, :mod:`simcoh.detector.dataset`), then from the macro (``/source/...``). The defaults here are the
    generic fallback for a geometry without ``[beam]``: 0.0848 ν per flavour per POT (COHERENT flux paper,
    arXiv:2109.11049), 1 GeV protons (SNS nominal), and a Gaussian proton pulse of σ = 140 ns at 690 ns, which
    reproduces the CsI 2017 released arrival-time PDFs (arXiv:1804.09459) when convolved with the π and μ
    lifetimes. In that time frame the neutrino flight time is absorbed in the pulse mean, so
    ``include_flight_time`` is off by default; switch it on (and give the proton-on-target pulse mean) for
    absolute times.
    """

    model: str = _SOURCE["model"]  # "analytic" (πDAR spectra) or "geant4" (SNS Geant4 histograms)
    nu_per_flavour_per_pot: float = _SOURCE["nu_per_flavour_per_pot"]
    proton_energy_mev: float = _SOURCE["proton_energy_mev"]
    pulse_shape: str = _SOURCE["pulse_shape"]  # gaussian | table | delta
    pulse_mean_ns: float = _SOURCE["pulse_mean_ns"]
    pulse_sigma_ns: float = _SOURCE["pulse_sigma_ns"]
    pulse_table: str | None = _SOURCE["pulse_table"]  # two-column (t_ns, weight) table for pulse_shape="table"
    include_flight_time: bool = _SOURCE["include_flight_time"]  # add the neutrino flight time L/c

    def __post_init__(self):
        check(self, SOURCE_PARAMS)
        if self.pulse_shape == "table" and not self.pulse_table:
            raise InputError("pulse shape 'table' needs a pulse table file (/source/pulse/table PATH)")


@dataclass(frozen=True)
class PhysicsConfig:
    """CEvNS model choices (PHYSICS.md §2), one field per declaration of :data:`PHYSICS_PARAMS`, plus ``nsi``.

    - form_factor: Helm (Lewin & Smith, Astropart. Phys. 6, 87 (1996)) by default;
      Klein–Nystrand (PRC 60, 014903 (1999)); or none.
    - helm_radius: the Helm box radius, Lewin–Smith (default) or COHERENT's rate code, R₀ = 1.2 A^{1/3} fm.
    - neutron_radii: "same" (one form factor) or "coherent": separate proton and neutron Helm form factors,
      the neutron one from per-isotope rms radii (simcoh.physics.formfactors.NEUTRON_RMS_RADII_FM).
    - couplings: "radiative" (default) uses the PDG radiatively corrected g_p^V = 0.0298,
      g_n^V = -0.5117; "tree" uses g_p = 1/2 - 2 sin²θ_W, g_n = -1/2.
    - charge_radius: flavour-dependent neutrino charge-radius terms (PHYSICS.md §2, the "Giunti" set:
      +0.0212 νe, +0.0123 νμ, +0.0077 ντ on g_p^V). The PDG value 0.0298 is the νμ coupling and already
      holds the νμ charge radius, so simcoh adds the difference to νμ: g_p(νe) = 0.0298 + 0.0089 = 0.0387,
      g_p(νμ) = 0.0298 (Cadeddu et al., PRD 98, 113010 (2018), arXiv:1810.05606, quote 0.0401 and 0.0318).
      On by default. CsI flux-averaged cross section (Helm): 191.1 × 10⁻⁴⁰ cm² with it, 192.6 without,
      187.4 at tree level (sin²θ_W = 0.23857); published 189 ± 6.
    - nsi: quark-level vector NSI ε^{q}_{αβ}, keys like "u_ee", "d_emu" (Barranco et al.,
      JHEP 12 (2005) 021).
    - magnetic_moment_mu_b: effective neutrino magnetic moment in Bohr magnetons.
    """

    form_factor: str = _PHYSICS["form_factor"]
    couplings: str = _PHYSICS["couplings"]
    sin2_theta_w: float = _PHYSICS["sin2_theta_w"]
    charge_radius: bool = _PHYSICS["charge_radius"]
    axial: bool = _PHYSICS["axial"]
    helm_radius: str = _PHYSICS["helm_radius"]
    neutron_radii: str = _PHYSICS["neutron_radii"]
    helm_skin_fm: float = _PHYSICS["helm_skin_fm"]
    neutron_rms_radius_fm: float | None = _PHYSICS["neutron_rms_radius_fm"]  # set: R0 = sqrt(5/3 r_n^2 - 5 s^2)
    kn_range_fm: float = _PHYSICS["kn_range_fm"]
    nsi: tuple[tuple[str, float], ...] = ()
    magnetic_moment_mu_b: float = _PHYSICS["magnetic_moment_mu_b"]

    def __post_init__(self):
        check(self, PHYSICS_PARAMS)
        for key, _ in self.nsi:
            parse_nsi_key(key)

    def nsi_dict(self) -> dict[str, float]:
        return dict(self.nsi)


_NSI_FLAVOURS = ("e", "mu", "tau")


def parse_nsi_key(key: str) -> tuple[str, str, str]:
    """Split an NSI key ``'u_emu'`` into ('u', 'e', 'mu'); raise InputError if malformed."""
    ok = False
    if "_" in key:
        quark, pair = key.split("_", 1)
        if quark in ("u", "d"):
            for a in _NSI_FLAVOURS:
                if pair.startswith(a) and pair[len(a):] in _NSI_FLAVOURS:
                    return quark, a, pair[len(a):]
    if not ok:
        raise InputError(
            f"NSI parameter '{key}' is not of the form QUARK_ALPHABETA with QUARK in u, d and "
            f"ALPHA, BETA in e, mu, tau (for example u_ee, d_emu)"
        )


#: [beam] field names of a detector's data set, which are also the :class:`SourceConfig` field names they set.
BEAM_SOURCE_FIELDS = ("proton_energy_mev", "nu_per_flavour_per_pot", "pulse_shape", "pulse_mean_ns",
                      "pulse_sigma_ns", "include_flight_time")


def beam_source_fields(detector: Any) -> dict[str, Any]:
    """SourceConfig keyword arguments given by the detector's ``[beam]`` section (keys it leaves out are absent).

    The macro builder, the Python API and a :class:`RunConfig` built without a source all start from these;
    explicit settings (``/source/...``, ``--set``) override them."""
    beam = getattr(detector, "beam", None)
    if beam is None:
        return {}
    return {name: getattr(beam, name) for name in BEAM_SOURCE_FIELDS if getattr(beam, name, None) is not None}


#: /physics parameters a data set may fix in its [physics] section (the model conventions of its published prediction).
PHYSICS_DATASET_FIELDS = ("form_factor", "helm_radius", "neutron_radii", "helm_skin_fm")


def physics_data_fields(detector: Any) -> dict[str, Any]:
    """PhysicsConfig keyword arguments given by the detector's ``[physics]`` section (keys it leaves out are
    absent); explicit settings (``/physics/...``, ``--set``) override them."""
    physics = getattr(detector, "physics", None)
    if physics is None:
        return {}
    return {name: getattr(physics, name) for name in PHYSICS_DATASET_FIELDS if getattr(physics, name, None) is not None}


def default_exposure_pot(detector: Any, proton_energy_mev: float) -> float | None:
    """The data set's exposure in POT (its ``pot``, else ``beam_energy`` / ``proton_energy_mev``); None without a
    ``[dataset]`` section."""
    dataset = getattr(detector, "dataset", None)
    if dataset is None:
        return None
    if dataset.pot is not None:
        return dataset.pot
    return dataset.beam_energy_mev / proton_energy_mev


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run. ``detector`` is a :class:`simcoh.detector.DetectorConfig`.

    Fields after ``process_options`` are declared in :data:`RUN_PARAMS`. ``processes`` are names of the
    process registry (:mod:`simcoh.generate.registry`), which checks them when the run is built.
    """

    detector: Any
    source: SourceConfig | None = None  # None: the detector data set's [beam] (beam_source_fields)
    physics: PhysicsConfig | None = None  # None: the detector data set's [physics] (physics_data_fields)
    processes: tuple[str, ...] = ("cevns",)
    exposure_pot: float | None = None  # None: the data set's exposure (default_exposure_pot), else 0
    mode: str = "fixed"  # fixed: n_events with weights; physical: Poisson(expected)
    n_events: int = 0
    process_options: tuple[tuple[str, Any], ...] = ()  # per-process parameters (/process/<name>/...)
    fidelity: str = _RUN["fidelity"]
    seed: int = _RUN["seed"]
    chunk_size: int = _RUN["chunk_size"]
    recoil_min_kev: float = _RUN["recoil_min_kev"]  # lowest recoil energy generated (> 0 with a magnetic moment)
    output_file: str = _RUN["output_file"]
    overwrite: bool = _RUN["overwrite"]
    ac_window: bool = _RUN["ac_window"]  # waveform fidelity: also an anti-coincident window per trigger
    afterglow_library: str | None = _RUN["afterglow_library"]  # waveform fidelity: recorded beam-off windows
    store_waveforms: bool = _RUN["store_waveforms"]  # waveform fidelity: write the int16 samples
    compression: str = _RUN["compression"]  # deflate (standard HDF5 filters), lzf (h5py only), none
    compression_level: int = _RUN["compression_level"]  # ISA-L deflate level 0-3

    def __post_init__(self):
        if self.source is None:  # built in Python without a source: the detector's data set gives it
            object.__setattr__(self, "source", SourceConfig(**beam_source_fields(self.detector)))
        if self.physics is None:  # likewise the data set's model conventions
            object.__setattr__(self, "physics", PhysicsConfig(**physics_data_fields(self.detector)))
        if self.exposure_pot is None:
            exposure = default_exposure_pot(self.detector, self.source.proton_energy_mev)
            object.__setattr__(self, "exposure_pot", 0.0 if exposure is None else float(exposure))
        check(self, RUN_PARAMS)
        check_choice("run mode", self.mode, RUN_MODES)
        check_positive("exposure", self.exposure_pot, allow_zero=self.mode == "fixed")
        if self.mode == "fixed" and not 0 <= self.n_events <= MAX_EVENTS:
            raise InputError(f"number of events {self.n_events} must be >= 0 and <= {MAX_EVENTS:g}")
        if not self.exposure_pot <= MAX_EXPOSURE_POT:
            raise InputError(f"exposure {self.exposure_pot:g} POT is more than {MAX_EXPOSURE_POT:g} POT (ten million "
                             "years of the SNS)")
        if self.physics.magnetic_moment_mu_b != 0 and self.recoil_min_kev <= 0:
            raise InputError(
                "a neutrino magnetic moment makes dσ/dT diverge as 1/T: set a minimum recoil energy "
                "(/run/recoilMin 0.1 keV)"
            )

    def to_dict(self) -> dict:
        """Canonical JSON-able dictionary (internal units in key names)."""
        return _to_jsonable(self)

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of everything that changes the events.

        The output path, the overwrite flag, the chunk size and the compression (method and level) do not change
        events and are left out.
        """
        d = self.to_dict()
        for key in ("output_file", "overwrite", "chunk_size", "compression", "compression_level"):
            d.pop(key, None)
        return hashlib.sha256(canonical_json(d).encode()).hexdigest()


def _to_jsonable(obj):
    if hasattr(obj, "to_dict") and not isinstance(obj, RunConfig):
        return obj.to_dict()  # e.g. DetectorConfig: location-independent canonical form
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    return obj


def canonical_json(d) -> str:
    """Sorted-key, compact JSON: the same configuration always gives the same text."""
    return json.dumps(d, sort_keys=True, separators=(",", ":"), allow_nan=False)

"""The standard macro commands, declared as data in the registry.

Units in the help text are those the value is stored in; a macro may use any unit of the right
dimension. Defaults shown as "when not used" come from the configuration classes in
:mod:`simcoh.config`, so they cannot drift from the code.
"""

from __future__ import annotations

import re

from ..config import (COMPRESSIONS, COUPLINGS, FIDELITIES, FORM_FACTORS, PROCESSES, PULSE_SHAPES, SOURCE_MODELS,
                      parse_nsi_key)
from ..errors import InputError
from ..units import DIMENSIONLESS, ENERGY, LENGTH, TIME
from .params import Bool, Choice, Float, Int, KeyValue, Path, Quantity, String, Text
from .registry import REGISTRY, Command, Invocation

_ALIAS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def check_alias_name(name: str) -> None:
    if not _ALIAS_NAME.match(name):
        raise InputError(f"'{name}' is not a valid alias name")


_ALIAS = String("NAME", "alias name (letters, digits, _ . -)", check=check_alias_name,
                describe="an alias name such as 'dist' (letters, digits, _ . -)")
_MACRO = Path("MACRO", "macro file to run, relative to this macro's directory")

# --- /control/: handled while the macro is read (simcoh.macro.parser) ------------------------------
CONTROL = [
    Command("/control/execute", (Path("FILE", "macro file, relative to this macro's directory"),),
            "Run the commands of another macro file here (an include).\n"
            "Relative paths start from the directory of the macro that contains this line. A file that "
            "includes itself, directly or through others, is an error.",
            control=True, examples=("/control/execute common/csi-source.mac",)),
    Command("/control/alias", (_ALIAS, Text("VALUE", "value; quote it if it contains spaces")),
            "Define an alias: later lines have every {NAME} replaced by VALUE.\n"
            "Aliases are global: one defined in an included macro is visible after the include.",
            control=True, examples=('/control/alias dist "20 m"', "/detector/set target.distance {dist}")),
    Command("/control/loop",
            (_MACRO, String("COUNTER", "alias set to each value", check=check_alias_name,
                            describe="an alias name"),
             Float("FIRST", "first value"), Float("LAST", "last value (included)"),
             Float("STEP", "increment (may be negative, not zero)", default=1.0)),
            "Run MACRO once for each value FIRST, FIRST+STEP, ... up to LAST, with alias COUNTER set "
            "to the value.", control=True, examples=("/control/loop scan.mac i 1 5",)),
    Command("/control/foreach",
            (_MACRO, String("ALIAS", "alias set to each value", check=check_alias_name,
                            describe="an alias name"),
             Text("VALUES", "values separated by spaces, in double quotes")),
            "Run MACRO once for each value of a list, with ALIAS set to the value.",
            control=True, examples=('/control/foreach one-ff.mac ff "helm klein_nystrand none"',)),
    Command("/control/echo", (Text("TEXT", default=""),),
            "Show a message (aliases are substituted) when the macro is read.\n"
            "The messages are returned in MacroResult.echoes; simcoh run prints them.", control=True,
            examples=("/control/echo distance is {dist}",)),
    Command("/control/verbose", (Int("LEVEL", min=0, default=0),),
            "Accepted for Geant4 compatibility; has no effect.", control=True),
]


# --- actions that are more than setting one field -------------------------------------------------
def _detector_load(builder, inv: Invocation) -> None:
    builder.load_detector(inv.first(), inv.at("NAME_OR_PATH"), inv.context.base_dir)


def _detector_set(builder, inv: Invocation) -> None:
    key, value = inv.first()
    builder.override_detector(key, value, inv.at("KEY"))


def _nsi(builder, inv: Invocation) -> None:
    key, value = inv.first()
    builder.nsi[key] = value


def _enable(builder, inv: Invocation) -> None:
    builder.enable_process(inv.first(), inv.location)


def _disable(builder, inv: Invocation) -> None:
    builder.disable_process(inv.first(), inv.location)


def _exposure(builder, inv: Invocation) -> None:
    amount, unit = inv.first()
    builder.set_exposure(amount, unit, inv.location)


def _beam_on(builder, inv: Invocation) -> None:
    builder.set_beam_on(inv.first(), inv.location)


def _nothing(builder, inv: Invocation) -> None:
    return None


def _fm(name: str, help: str, example: str) -> Quantity:
    return Quantity(name, help, dims=LENGTH, unit="fm", example=example, min=0.0, min_open=True)


COMMANDS = [
    Command("/random/setSeed", (Int("N", "root seed", min=0),),
            "Root seed of the run's random streams (numpy SeedSequence).\n"
            "The same seed and configuration give the same events on any number of workers.",
            sets="run.seed", examples=("/random/setSeed 12345",)),
    # detector
    Command("/detector/load", (String("NAME_OR_PATH", describe="a built-in geometry name or a .toml file"),),
            "Choose the detector: a built-in geometry (csi-2021, csi-2017, cenns10-lar, ge-ppc, nai-185kg, "
            "nai-3t, lar-750) or a geometry file.\n"
            "A relative file path is looked for in the macro's directory. A new /detector/load drops the "
            "/detector/set overrides given before it.",
            apply=_detector_load, initial="none: required", examples=("/detector/load csi-2021",)),
    Command("/detector/set", (KeyValue("KEY", check=None, key_help="SECTION.KEY"),),
            "Override one key of the loaded geometry file, checked like the file itself.\n"
            "KEY is the dotted geometry key (see docs/geometry.md); VALUE is written as in the file, "
            "with its unit. Must follow /detector/load.",
            apply=_detector_set, examples=("/detector/set target.distance 20 m",)),
    # source
    Command("/source/model", (Choice("MODEL", choices=SOURCE_MODELS),),
            "Neutrino source model: analytic stopped-pion spectra, or the SNS Geant4 histograms.",
            sets="source.model", examples=("/source/model analytic",)),
    Command("/source/nuPerPOT", (Float("X", "neutrinos per flavour per POT", min=0.0, min_open=True),),
            "Neutrino yield: neutrinos of each flavour per proton on target.",
            sets="source.nu_per_flavour_per_pot", examples=("/source/nuPerPOT 0.0848",)),
    Command("/source/protonEnergy", (Quantity("E", dims=ENERGY, unit="MeV", example="1 GeV", min=0.0,
                                              min_open=True),),
            "Proton kinetic energy; converts a beam-energy exposure to POT (N_POT = E_beam / E_p).",
            sets="source.proton_energy_mev", examples=("/source/protonEnergy 1 GeV",)),
    Command("/source/pulse/shape", (Choice("SHAPE", choices=PULSE_SHAPES),),
            "Time profile of the proton pulse: Gaussian, a table, or a delta at the mean.",
            sets="source.pulse_shape", examples=("/source/pulse/shape gaussian",)),
    Command("/source/pulse/mean", (Quantity("T", dims=TIME, unit="ns", example="690 ns"),),
            "Mean time of the proton pulse.", sets="source.pulse_mean_ns", examples=("/source/pulse/mean 690 ns",)),
    Command("/source/pulse/sigma", (Quantity("T", dims=TIME, unit="ns", example="140 ns", min=0.0),),
            "Standard deviation of the Gaussian proton pulse.",
            sets="source.pulse_sigma_ns", examples=("/source/pulse/sigma 140 ns",)),
    Command("/source/pulse/table", (Path("PATH", "two columns: t_ns, weight"),),
            "Proton pulse profile table for /source/pulse/shape table (relative to the macro's directory).",
            sets="source.pulse_table", examples=("/source/pulse/table pulse.txt",)),
    Command("/source/flightTime", (Bool("ON"),),
            "Add the neutrino flight time L/c to arrival times.",
            sets="source.include_flight_time", examples=("/source/flightTime true",)),
    # physics
    Command("/physics/formFactor", (Choice("MODEL", choices=FORM_FACTORS),),
            "Nuclear form factor: Helm (Lewin-Smith), Klein-Nystrand, or none (F = 1).",
            sets="physics.form_factor", examples=("/physics/formFactor helm",)),
    Command("/physics/couplings", (Choice("SET", choices=COUPLINGS),),
            "Weak couplings: tree level, or radiatively corrected (PDG) with neutrino charge radii.",
            sets="physics.couplings", examples=("/physics/couplings radiative",)),
    Command("/physics/sin2ThetaW", (Float("X", min=0.0, max=1.0, min_open=True, max_open=True),),
            "Weak mixing angle sin^2(theta_W) at low momentum transfer.",
            sets="physics.sin2_theta_w", examples=("/physics/sin2ThetaW 0.23857",)),
    Command("/physics/chargeRadius", (Bool("ON"),),
            "Include the flavour-dependent neutrino charge-radius corrections.",
            sets="physics.charge_radius", examples=("/physics/chargeRadius true",)),
    Command("/physics/axial", (Bool("ON"),),
            "Include the axial (spin-dependent) term for odd-A nuclei.",
            sets="physics.axial", examples=("/physics/axial true",)),
    Command("/physics/helmSkin", (_fm("S", "skin thickness s", "0.9 fm"),),
            "Helm form factor skin thickness s.", sets="physics.helm_skin_fm",
            examples=("/physics/helmSkin 0.9 fm",)),
    Command("/physics/neutronRadius", (_fm("R", "neutron rms radius r_n", "5.5 fm"),),
            "Neutron rms radius; sets the Helm radius R0 = sqrt(5/3 r_n^2 - 5 s^2).",
            sets="physics.neutron_rms_radius_fm", examples=("/physics/neutronRadius 5.5 fm",)),
    Command("/physics/knRange", (_fm("A", "Yukawa range a_k", "0.7 fm"),),
            "Range a_k of the Yukawa potential in the Klein-Nystrand form factor.",
            sets="physics.kn_range_fm", examples=("/physics/knRange 0.7 fm",)),
    Command("/physics/nsi", (KeyValue("KEY", check=parse_nsi_key, value=Float("VALUE"), key_help="KEY"),),
            "Quark-level vector NSI parameter epsilon^q_(alpha beta).\n"
            "KEY is QUARK_ALPHABETA with QUARK u or d and ALPHA, BETA in e, mu, tau (u_ee, d_emu, ...). "
            "Each use sets one parameter; unset ones are zero.",
            apply=_nsi, initial="all zero", examples=("/physics/nsi u_ee 0.1",)),
    Command("/physics/magneticMoment", (Float("X", "in Bohr magnetons", min=0.0),),
            "Effective neutrino magnetic moment in Bohr magnetons (needs /run/recoilMin > 0).",
            sets="physics.magnetic_moment_mu_b", examples=("/physics/magneticMoment 1e-10",)),
    # processes
    Command("/process/enable", (Choice("NAME", choices=PROCESSES),),
            "Simulate a process: cevns, brn (beam-related neutrons), nin (neutrino-induced neutrons), "
            "ss (steady state), dm (dark matter).",
            apply=_enable, initial="only cevns enabled", examples=("/process/enable brn",)),
    Command("/process/disable", (Choice("NAME", choices=PROCESSES),),
            "Stop simulating a process.", apply=_disable, examples=("/process/disable cevns",)),
    # run
    Command("/run/exposure",
            (Quantity("AMOUNT", dims={ENERGY: "MeV", DIMENSIONLESS: "POT"}, count_units=("POT",),
                      example="13.99 GWh", min=0.0, min_open=True),),
            "Exposure as integrated beam energy (GWh, MWh, ...) or as protons on target (POT).\n"
            "Beam energy is converted with the proton energy in effect when the run is built "
            "(N_POT = E_beam / E_p), wherever /source/protonEnergy appears.",
            apply=_exposure, initial="the detector's [dataset] exposure (published, or nominal for planned "
            "detectors); none if it has no [dataset] (fixed-N runs are then unweighted by exposure)",
            examples=("/run/exposure 13.99 GWh", "/run/exposure 3.198e23 POT")),
    Command("/run/fidelity", (Choice("LEVEL", choices=FIDELITIES),),
            "How far the simulation goes: truth, parametric smearing, photon counting, or waveforms.",
            sets="run.fidelity", examples=("/run/fidelity photon",)),
    Command("/run/chunkSize", (Int("N", min=1),),
            "Events per chunk: bounds memory and is the unit of work; events do not depend on it\n"
            "(random streams are keyed by event index).",
            sets="run.chunk_size", examples=("/run/chunkSize 100000",)),
    Command("/run/recoilMin", (Quantity("T", dims=ENERGY, unit="keV", example="0.1 keV", min=0.0),),
            "Lowest nuclear recoil energy generated.", sets="run.recoil_min_kev",
            examples=("/run/recoilMin 0.1 keV",)),
    Command("/run/initialize", (), "Accepted for Geant4 compatibility; has no effect.", apply=_nothing),
    Command("/run/beamOn", (Int("N", "number of events; omit for physical mode", min=0, default=None),),
            "Start the run; must be the last command other than /control/....\n"
            "With N: exactly N events, weighted to the exposure. Without N: physical mode, a Poisson "
            "number of events for the exposure (then /run/exposure is required).",
            apply=_beam_on, initial="none: required", examples=("/run/beamOn 10000", "/run/beamOn")),
    # output
    Command("/output/file", (Path("PATH", relative_to="cwd", must_exist=False),),
            "Event file to write (HDF5), relative to the working directory.",
            sets="run.output_file", examples=("/output/file csi-run1.h5",)),
    Command("/run/acWindow", (Bool("ON", default=True),),
            "Waveform fidelity: also render and reconstruct an anti-coincident (AC) window before the beam\n"
            "(afterglow and noise only), stored with the prefix ac_.",
            sets="run.ac_window", examples=("/run/acWindow true",)),
    Command("/output/waveforms", (Bool("ON", default=True),),
            "Waveform fidelity: store the digitized int16 samples of each window (on by default; off keeps\n"
            "only the reconstruction and cut flags, for smaller files).",
            sets="run.store_waveforms", examples=("/output/waveforms false",)),
    Command("/output/compression", (Choice("METHOD", choices=COMPRESSIONS),),
            "Compression of the event file: lzf (default, fast), gzip (smaller, slower), none (fastest to\n"
            "write: photon-level files are mostly photoelectron times that compress little).",
            sets="run.compression", examples=("/output/compression none",)),
    Command("/output/overwrite", (Bool("ON", default=True),),
            "Allow replacing an existing complete event file.",
            sets="run.overwrite", examples=("/output/overwrite true",)),
]

for _command in CONTROL + COMMANDS:
    REGISTRY.register(_command)

from . import dm_commands as _dm_commands  # noqa: E402,F401  (registers /process/dm/...)
from . import process_commands as _process_commands  # noqa: E402,F401  (registers /process/brn|nin|ss/...)

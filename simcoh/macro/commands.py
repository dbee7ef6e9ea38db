"""The standard macro commands, registered in the command registry.

Commands that set one parameter are derived from its declaration (:data:`simcoh.config.SOURCE_PARAMS`,
``PHYSICS_PARAMS``, ``RUN_PARAMS``; :mod:`.declared`), so their argument kinds, units, ranges, defaults
and help cannot drift from the configuration. The actions declared here by hand are those that are more
than one parameter: includes and aliases, the detector, NSI, the exposure and /run/beamOn. The process
commands come from the process registry (:mod:`.process_commands`).
"""

from __future__ import annotations

import re

from ..detector.catalog import available_geometries
from ..config import MAX_EVENTS, PHYSICS_PARAMS, RUN_PARAMS, SOURCE_PARAMS, parse_nsi_key
from ..errors import InputError
from ..units import DIMENSIONLESS, ENERGY
from .declared import commands as declared_commands
from .params import Float, Int, KeyValue, Path, Quantity, String, Text
from .registry import REGISTRY, Command, Invocation

#: Largest /run/exposure, in POT or in MeV of beam energy (see its ``why``); RunConfig checks the POT.
MAX_EXPOSURE = 1e33

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


def _exposure(builder, inv: Invocation) -> None:
    amount, unit = inv.first()
    builder.set_exposure(amount, unit, inv.location)


def _beam_on(builder, inv: Invocation) -> None:
    builder.set_beam_on(inv.first(), inv.location)


def _nothing(builder, inv: Invocation) -> None:
    return None


_RUN = {p.command: p for p in RUN_PARAMS}
_OUTPUT = [p for p in RUN_PARAMS if p.command.startswith("/output/")]
_NSI = Command("/physics/nsi", (KeyValue("KEY", check=parse_nsi_key, value=Float("VALUE"), key_help="KEY"),),
               "Quark-level vector NSI parameter epsilon^q_(alpha beta).\n"
               "KEY is QUARK_ALPHABETA with QUARK u or d and ALPHA, BETA in e, mu, tau (u_ee, d_emu, ...). "
               "Each use sets one parameter; unset ones are zero.",
               apply=_nsi, initial="all zero", examples=("/physics/nsi u_ee 0.1",))

COMMANDS = declared_commands([_RUN["/random/setSeed"]]) + [
    # detector
    Command("/detector/load", (String("NAME_OR_PATH", describe="a built-in geometry name or a .toml file"),),
            f"Choose the detector: a built-in geometry ({', '.join(available_geometries())}) or a geometry file.\n"
            "A relative file path is looked for in the macro's directory. A new /detector/load drops the "
            "/detector/set overrides given before it.",
            apply=_detector_load, initial="none: required", examples=("/detector/load csi-2021",)),
    Command("/detector/set", (KeyValue("KEY", check=None, key_help="SECTION.KEY"),),
            "Override one key of the loaded geometry file, checked like the file itself.\n"
            "KEY is the dotted geometry key (see docs/geometry.md and `simcoh help detector.KEY`); VALUE is "
            "written as in the file, with its unit. Must follow /detector/load.",
            apply=_detector_set, examples=("/detector/set target.distance 20 m",)),
] + declared_commands(SOURCE_PARAMS) + declared_commands(PHYSICS_PARAMS) + [_NSI] + [
    # run
    Command("/run/exposure",
            (Quantity("AMOUNT", dims={ENERGY: "MeV", DIMENSIONLESS: "POT"}, count_units=("POT",),
                      example="13.99 GWh", min=0.0, min_open=True, max=MAX_EXPOSURE,
                      why="the SNS delivers ~1e23 POT (~10 GWh) a year; 1e30 POT (1e33 MeV at 1 GeV) is ten "
                      "million years of it"),),
            "Exposure as integrated beam energy (GWh, MWh, ...) or as protons on target (POT).\n"
            "Beam energy is converted with the proton energy in effect when the run is built "
            "(N_POT = E_beam / E_p), wherever /source/protonEnergy appears.",
            apply=_exposure, initial="the detector's [dataset] exposure (published, or nominal for planned "
            "detectors); none if it has no [dataset] (fixed-N runs are then unweighted by exposure)",
            examples=("/run/exposure 13.99 GWh", "/run/exposure 3.198e23 POT")),
] + declared_commands([p for p in RUN_PARAMS if p.command.startswith("/run/")]) + [
    Command("/run/initialize", (), "Accepted for Geant4 compatibility; has no effect.", apply=_nothing),
    Command("/run/beamOn", (Int("N", "number of events; omit for physical mode", min=0, max=MAX_EVENTS,
                                default=None, why="event indices are 64-bit and 1e15 events of even 10 bytes "
                                "are 10 PB; simcoh check prints the output size"),),
            "Start the run; must be the last command other than /control/....\n"
            "With N: exactly N events, weighted to the exposure. Without N: physical mode, a Poisson "
            "number of events for the exposure (then /run/exposure is required).",
            apply=_beam_on, initial="none: required", examples=("/run/beamOn 10000", "/run/beamOn")),
] + declared_commands(_OUTPUT)

for _command in CONTROL + COMMANDS:
    REGISTRY.register(_command)

from . import process_commands as _process_commands  # noqa: E402,F401  (registers /process/...)

"""Tests of the parameter declarations (simcoh.declare) and the process registry: every declared parameter has
exactly one macro command and the commands come from declarations, defaults and ranges are enforced as declared
(in macros with file:line:column, and on the configuration objects), the process list is consistent, the
detector-support hook stops a run before any event, and docs/adding-a-parameter.md stays true."""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from simcoh import declare
from simcoh.config import PHYSICS_PARAMS, RUN_PARAMS, SOURCE_PARAMS, PhysicsConfig, RunConfig, SourceConfig
from simcoh.errors import InputError
from simcoh.generate import registry as processes
from simcoh.macro import REGISTRY, Registry, command_reference_markdown, help_text, load_macro_text
from simcoh.macro.declared import commands as declared_commands

REPO = Path(__file__).resolve().parents[1]
CONFIG_DECLS = SOURCE_PARAMS + PHYSICS_PARAMS + RUN_PARAMS
OPTION_DECLS = tuple(d for p in processes.PROCESSES for d in p.options)
ALL_PARAMS = declare.flatten(CONFIG_DECLS + OPTION_DECLS)


class Loader:
    """Stands in for load_geometry: a detector that is only a name, with the csi-2021 background models (a
    background process needs its detector's model)."""

    def __call__(self, name, overrides=(), search_dirs=()):
        return types.SimpleNamespace(name=name, background=_csi_2021().background)


@functools.lru_cache(maxsize=1)
def _csi_2021():
    from simcoh.detector import load_geometry

    return load_geometry("csi-2021")


def problem(text: str) -> tuple:
    with pytest.raises(InputError) as info:
        load_macro_text(text, name="t.mac", geometry_loader=Loader())
    assert len(info.value.diagnostics) == 1, str(info.value)
    d = info.value.diagnostics[0]
    return d.file, d.line, d.column, d.message, d.expected or ""


# --- declarations drive the commands ---------------------------------------------------------------------

def test_every_declared_parameter_has_one_command_and_every_setting_command_is_declared():
    by_key = {}
    for command in REGISTRY.commands():
        for p in command.declared:
            assert p.key not in by_key, f"{p.key} is set by {by_key.get(p.key)} and {command.path}"
            by_key[p.key] = command.path
        if command.sets is not None:  # a command that sets a configuration field must be a declared one
            assert [p.key for p in command.declared] == [command.sets], command.path
    assert set(by_key) == {p.key for p in ALL_PARAMS}
    # process options live under /process/<name>/ and under their process' key
    for spec in processes.PROCESSES:
        for p in declare.flatten(spec.options):
            assert p.section == spec.name and by_key[p.key].startswith(f"/process/{spec.name}/"), p.key
    # and every /process/<name>/... command belongs to a declared option of a registered process
    for command in REGISTRY.commands():
        parts = command.path.split("/")
        if parts[1] == "process" and len(parts) == 4:
            assert parts[2] in processes.NAMES and command.declared, command.path


def test_declared_commands_read_values_in_the_declared_unit():
    text = ("/detector/load x\n/source/pulse/mean 0.5 us\n/physics/helmSkin 1e-13 cm\n/run/recoilMin 2 eV\n"
            "/process/enable nin\n/process/nin/leadMass 1.5 t\n/process/ss/window 1 us 2 us\n"
            "/process/dm/mChi 0.02 GeV\n/run/beamOn 1\n")
    cfg = load_macro_text(text, geometry_loader=Loader()).config
    assert cfg.source.pulse_mean_ns == pytest.approx(500.0)
    assert cfg.physics.helm_skin_fm == pytest.approx(1.0)
    assert cfg.recoil_min_kev == pytest.approx(2e-3)
    assert dict(cfg.process_options) == pytest.approx({"nin.lead_mass_kg": 1500.0, "ss.window_start_ns": 1000.0,
                                                       "ss.window_end_ns": 2000.0, "dm.m_chi_mev": 20.0})


# --- defaults and checks come from the declarations --------------------------------------------------------

@pytest.mark.parametrize("cls, decls, extra", [
    (SourceConfig, SOURCE_PARAMS, set()),
    (PhysicsConfig, PHYSICS_PARAMS, {"nsi"}),
    (RunConfig, RUN_PARAMS, {"detector", "source", "physics", "processes", "exposure_pot", "mode", "n_events",
                             "process_options"}),
])
def test_config_fields_and_defaults_are_the_declared_ones(cls, decls, extra):
    fields = {f.name: f.default for f in dataclasses.fields(cls)}
    declared = declare.defaults(decls)
    assert set(fields) - extra == set(declared)
    for name, default in declared.items():
        assert fields[name] == default, name
    for p in declare.flatten(decls):
        assert p.section == {SourceConfig: "source", PhysicsConfig: "physics", RunConfig: "run"}[cls]


def test_shipped_defaults_with_a_physics_meaning():
    """Independent expectations: the published values the defaults must keep."""
    s, p = SourceConfig(), PhysicsConfig()
    assert (s.nu_per_flavour_per_pot, s.proton_energy_mev, s.pulse_mean_ns, s.pulse_sigma_ns) == (0.0848, 1000.0,
                                                                                                 690.0, 140.0)
    assert (p.sin2_theta_w, p.helm_skin_fm, p.kn_range_fm) == (0.23857, 0.9, 0.7)
    assert processes.spec("nin").option_defaults()["nin.sigma_cc_cm2"] == 3.62e-39  # Kolbe & Langanke 2001
    for p in ALL_PARAMS:
        if p.default not in (None, declare.REQUIRED):
            p.check(p.default)  # every default satisfies its own declaration


def _outside(p: declare.Param) -> float:
    """A value just outside the declared range."""
    if p.min is not None:
        return p.min if p.min_open else p.min - 1.0
    return p.max if p.max_open else p.max + 1.0


def _written(p: declare.Param, value: float) -> str:
    return f"{value:.17g} {p.unit}" if p.kind == "quantity" else f"{value:.17g}"


BOUNDED = [p for p in ALL_PARAMS if p.command and p.kind in ("float", "int", "quantity")
           and (p.min is not None or p.max is not None)]


@pytest.mark.parametrize("p", BOUNDED, ids=[p.key for p in BOUNDED])
def test_out_of_range_in_a_macro_points_at_the_value_and_states_the_declared_range(p):
    value = _outside(p)
    line = f"{p.command} {_written(p, value)}"
    file, lineno, column, message, expected = problem(f"/detector/load x\n{line}\n/run/beamOn 1\n")
    number = f"{value:.17g}"  # a quantity is converted with its unit: the unit is where the value is refused
    at = len(p.command) + 2 + (len(number) + 1 if p.kind == "quantity" else 0)
    assert (file, lineno, column) == ("t.mac", 2, at)
    assert "out of range" in message
    assert p.bounds() in expected


@pytest.mark.parametrize("p", BOUNDED, ids=[p.key for p in BOUNDED])
def test_out_of_range_in_python_is_refused_with_the_same_range(p):
    value = _outside(p)
    with pytest.raises(InputError, match=re.escape(p.bounds())):
        if p.section in ("source", "physics", "run"):
            cls = {"source": SourceConfig, "physics": PhysicsConfig}.get(p.section)
            cls(**{p.field: value}) if cls else RunConfig(detector=None, **{p.field: value})
        else:
            declare.resolve(p.section, {**_required(p.section), p.key: value}, processes.spec(p.section).options)


def _required(section: str) -> dict:
    return {"dm.m_chi_mev": 10.0, "dm.epsilon": 1e-4} if section == "dm" else {}


def test_hand_written_ranges_give_exact_messages():
    """Two ranges checked against independently written expectations."""
    d = problem("/detector/load x\n/process/nin/reachProbability 2\n/run/beamOn 1\n")
    assert d[1:4] == (2, 31, "P = 2 is out of range") and "a number >= 0 and <= 1" in d[4]
    d = problem("/detector/load x\n/source/pulse/sigma -1 us\n/run/beamOn 1\n")
    assert d[1:4] == (2, 24, "T = -1000 ns is out of range") and ">= 0 and <= 1e+06 ns" in d[4]
    with pytest.raises(InputError, match=r"nin reach probability = 2\.0 is out of range; expected a number >= 0 "
                                         r"and <= 1"):
        declare.resolve("nin", {"nin.reach_probability": 2.0}, processes.spec("nin").options)


def test_resolve_fills_defaults_and_refuses_unknown_missing_and_wrong_types():
    got = declare.resolve("ss", {"ss.rate_hz": 0.5, "brn.rate_per_gwh": 1.0}, processes.spec("ss").options)
    # the window is a per-detector value ([background.ss]): no default of its own
    assert got["ss.rate_hz"] == 0.5 and got["ss.window_end_ns"] is None and got["ss.live_time_s"] is None
    assert got["ss.pe_max"] is None and got["ss.spectrum"] is None
    with pytest.raises(InputError, match="unknown ss option.*ss.colour"):
        declare.resolve("ss", {"ss.colour": 1}, processes.spec("ss").options)
    with pytest.raises(InputError, match=r"dm.epsilon \(macro: /process/dm/epsilon\)"):
        declare.resolve("dm", {"dm.m_chi_mev": 10.0}, processes.spec("dm").options)
    with pytest.raises(InputError, match="setup decays = 1500.5 is not an integer"):
        declare.resolve("dm", {**_required("dm"), "dm.setup_decays": 1500.5}, processes.spec("dm").options)
    with pytest.raises(InputError, match="ss rate = 'fast' is not a finite number"):
        declare.resolve("ss", {"ss.rate_hz": "fast"}, processes.spec("ss").options)
    with pytest.raises(InputError, match="ss rate = nan is not a finite number"):
        declare.resolve("ss", {"ss.rate_hz": math.nan}, processes.spec("ss").options)


def test_set_goes_through_the_declared_command(tmp_path):
    mac = tmp_path / "m.mac"
    mac.write_text("/detector/load x\n/run/beamOn 1\n")
    from simcoh.macro import load_macro

    cfg = load_macro(mac, set_overrides=["source/pulse/sigma=0.1 us", "process/brn/rate=2"],
                     geometry_loader=Loader()).config
    assert cfg.source.pulse_sigma_ns == pytest.approx(100.0) and dict(cfg.process_options) == {"brn.rate_per_gwh": 2.0}
    with pytest.raises(InputError) as info:
        load_macro(mac, set_overrides=["process/brn/rate=-2"], geometry_loader=Loader())
    d = info.value.diagnostics[0]
    assert d.file == "<command line>:--set 1" and "a number >= 0" in d.expected


def test_help_shows_declared_default_range_and_source():
    text = help_text("/process/brn/rate")
    # a per-detector value: the help points at the detector's geometry key
    assert "when not used: the detector's background.brn.rate" in text and "a number >= 0" in text
    assert "arXiv:2110.07730" in text
    sigma_cc = help_text("/process/nin/sigmaCC")
    assert "when not used: 3.62e-39 cm^2" in sigma_cc and "Kolbe" in sigma_cc
    assert help_text("brn.rate_per_gwh") == text  # by the stored key too
    assert "[beam] value (geometry file); 0.0848 if it gives none" in help_text("source.nu_per_flavour_per_pot")


# --- the process registry -----------------------------------------------------------------------------------

def test_process_list_and_codes_are_one_list():
    # the codes are written into event files: they must never change
    assert processes.PROCESS_CODES == {"cevns": 0, "brn": 1, "nin": 2, "ss": 3, "dm": 4, "d2o_cc": 5, "i127_cc": 6,
                                       "d2o_es": 7, "o16_cc": 8}
    assert REGISTRY.get("/process/enable").params[0].choices == processes.NAMES
    assert REGISTRY.get("/process/disable").params[0].choices == processes.NAMES
    from simcoh.generate import PROCESS_CODES
    from simcoh.generate.truth import TRUTH_COLUMNS

    assert PROCESS_CODES is processes.PROCESS_CODES
    assert dict(c[:2] for c in [tuple(x) for x in TRUTH_COLUMNS])["process"] == "int8"
    assert "0 cevns, 1 brn, 2 nin, 3 ss, 4 dm" in next(c[3] for c in TRUTH_COLUMNS if c[0] == "process")


def test_enabled_processes_are_stored_in_code_order():
    text = "/detector/load x\n/process/enable dm\n/process/enable brn\n/process/dm/mChi 10 MeV\n" \
           "/process/dm/epsilon 1e-4\n/run/beamOn 1\n"
    assert load_macro_text(text, geometry_loader=Loader()).config.processes == ("cevns", "brn", "dm")


def test_unknown_process_is_refused_where_the_registry_is_known():
    with pytest.raises(InputError, match="process 'brm' is not implemented.*did you mean 'brn'"):
        processes.spec("brm")
    d = problem("/detector/load x\n/process/enable brm\n/run/beamOn 1\n")
    assert d[1:4] == (2, 17, "'brm' is not a valid NAME")
    assert d[4] == "one of cevns, brn, nin, ss, dm, d2o_cc, i127_cc, d2o_es, o16_cc"


def test_base_modules_do_not_import_upwards():
    for module in ("config.py", "declare.py"):
        tree = ast.parse((REPO / "simcoh" / module).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported <= {"__future__", "dataclasses", "typing", "errors", "units", "declare", None}, imported


def test_detector_support_hook_stops_the_run_at_the_enable_line(monkeypatch):
    brn = processes.spec("brn")
    monkeypatch.setitem(processes.BY_NAME, "brn", dataclasses.replace(
        brn, supports=lambda det, options: None if det.name == "csi-2021" else (
            f"process 'brn' has no model for detector '{det.name}': no BRN flux at its location",
            "a detector with a BRN model", "use csi-2021")))
    ok = "/detector/load csi-2021\n/process/enable brn\n/run/beamOn 1\n"
    load_macro_text(ok, geometry_loader=Loader())
    file, line, column, message, expected = problem(ok.replace("csi-2021", "ge-ppc"))
    assert (line, column) == (2, 1)
    assert message == "process 'brn' has no model for detector 'ge-ppc': no BRN flux at its location"
    ctx = types.SimpleNamespace(detector=types.SimpleNamespace(name="ge-ppc"), options={})
    with pytest.raises(InputError, match="no BRN flux"):
        processes.build_process("brn", ctx)


# --- docs/adding-a-parameter.md: the worked examples, done mechanically ------------------------------------------

DOC = REPO / "docs" / "adding-a-parameter.md"


def _snippet(name: str) -> str:
    """The code block after ``<!-- example: NAME -->`` in the document."""
    text = DOC.read_text()
    found = re.search(rf"<!-- example: {name} -->\s*```\w*\n(.*?)```", text, re.S)
    assert found, f"docs/adding-a-parameter.md has no example '{name}'"
    return found.group(1)


def test_worked_example_process_option(monkeypatch):
    """The option of the document, declared as shown, gets its command, help, reference entry and checks."""
    namespace = {"Param": declare.Param}
    param = eval(_snippet("process-option").strip().rstrip(","), namespace)
    # declared in brn's PARAMS (its settings class would take it as a field, as the document says)
    brn = processes.spec("brn")
    monkeypatch.setitem(processes.BY_NAME, "brn", dataclasses.replace(brn, options=brn.options + (param,),
                                                                      settings=None))
    registry = Registry()
    for command in REGISTRY.commands():
        registry.register(command)
    for command in declared_commands((param,), option=True):
        registry.register(command)
    text = f"/detector/load x\n/process/enable brn\n{param.command} 0.05 us\n/run/beamOn 1\n"
    cfg = load_macro_text(text, geometry_loader=Loader(), registry=registry).config
    assert dict(cfg.process_options) == {param.key: pytest.approx(50.0)}
    with pytest.raises(InputError) as info:
        load_macro_text(text.replace("0.05 us", "-1 ns"), geometry_loader=Loader(), registry=registry)
    assert info.value.diagnostics[0].line == 3 and ">= 0 ns" in info.value.diagnostics[0].expected
    assert param.command in help_text(registry=registry)
    assert f"### `{param.command} T UNIT`" in command_reference_markdown(registry)
    assert declare.resolve("brn", {}, (param,)) == {param.key: 0.0}
    doc = DOC.read_text()
    assert f"{param.command} 50 ns" in doc and "when not used: 0 ns" in help_text(param.command, registry)


def test_worked_example_detector_key(tmp_path):
    """Add the document's key to a copy of simcoh's KEYS: it appears in the geometry reference, `simcoh help`, and
    `/detector/set` and geometry files accept it (converted to the declared unit)."""
    copy = tmp_path / "simcoh"
    shutil.copytree(REPO / "simcoh", copy, ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    with open(copy / "detector" / "schema.py", "a") as f:
        f.write("\nKEYS = KEYS + (\n" + _snippet("detector-key") + ")\n")
    script = r"""
import sys
from simcoh.detector import schema_reference_markdown
from simcoh.macro import help_text, load_macro_text
assert "| `elevation` | length |" in schema_reference_markdown()
text = help_text("target.elevation")
assert "length [cm]" in text and "default:  '0 m'" in text and "/detector/set target.elevation 0 m" in text
mac = "/detector/load csi-2021\n/detector/set target.elevation -3 m\n/run/beamOn 1\n"
assert load_macro_text(mac).config.detector.target.elevation_cm == -300.0
assert load_macro_text(mac.replace("/detector/set target.elevation -3 m\n", "")).config.detector.target.elevation_cm == 0.0
try:
    load_macro_text(mac.replace("-3 m", "-3 s"))
except Exception as err:
    assert "<string>:2:" in str(err) and "elevation" in str(err) and "a length" in str(err), str(err)
else:
    sys.exit("a time was accepted as an elevation")
print("ok")
"""
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]
    doc = DOC.read_text()
    for shown in ("docs/geometry.md", "/detector/set target.elevation", "simcoh help target.elevation",
                  "det.target.elevation_cm", 'elevation = "-3 m"'):
        assert shown in doc, shown


def test_process_settings_take_exactly_the_declared_options():
    """Each process' settings object is built from the resolved declarations by field name, so a declared option
    without a settings field (or the reverse) fails here rather than in a run."""
    from simcoh.generate.brn import BrnSettings
    from simcoh.generate.dm import DmSettings
    from simcoh.generate.nin import NinSettings
    from simcoh.generate.steady import SteadySettings

    from simcoh.generate.detector_models import detector_options

    csi = _csi_2021()  # per-detector values come from its [background.*] sections (geometries/csi-2021.toml)
    brn = BrnSettings.from_options(detector_options("brn", csi, {"brn.spectrum": "exponential", "brn.e0_mev": 3.0}))
    assert brn.shape_param == 3.0 and brn.rate_per_gwh == 6.19 and brn.template == "csi-2021"
    assert NinSettings.from_options(detector_options("nin", csi, {})).reach_probability == 6.723e-4  # csi-2021 with the 208Pb table (docs/nube.md)
    ss = {k: v for k, v in detector_options("ss", csi, {}).items() if k != "ss.ac_data"}
    assert SteadySettings.from_options(ss).window_s == pytest.approx(6e-6)
    dm = DmSettings.from_options({"dm.m_chi_mev": 10.0, "dm.epsilon": 1e-4})
    assert dm.dark.m_aprime_mev == 30.0 and dm.dark.alpha_d == 0.5 and dm.setup_decays == 2_000_000
    with pytest.raises(InputError, match=r"detector angle \(deg\) = 200"):
        DmSettings(dm.dark, detector_angle_deg=200.0)


def test_simcoh_help_shows_detector_keys_from_the_schema(capsys):
    from simcoh.cli import main
    from simcoh.detector.schema import key_by_dotted

    key = key_by_dotted("target.distance")[1]
    for topic in ("target.distance", "detector.target.distance"):
        assert main(["help", topic]) == 0
        out = capsys.readouterr().out
        assert key.help in out and "type:     length [cm]" in out and "allowed:  > 0 and <= 1e+06 cm" in out
        assert "why:      SNS detectors sit 19-30 m" in out
        assert "default:  required" in out and "/detector/set target.distance VALUE cm" in out
    assert main(["help", "detector.target"]) == 0
    assert "fiducial_fraction" in capsys.readouterr().out
    assert main(["help", "target.distanse"]) == 2
    assert "did you mean 'detector.target.distance'?" in capsys.readouterr().err

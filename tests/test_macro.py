"""Tests of the macro language: diagnostics with exact locations, expansion of the control commands,
exposure conversion, command-line overrides, and the registry-generated help and reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simcoh.errors import Diagnostic, InputError
from simcoh.macro import (REGISTRY, Command, MacroResult, Registry, command_reference_markdown, help_text,
                          load_macro, load_macro_text)
from simcoh.macro.params import Float

REPO = Path(__file__).resolve().parents[1]


class FakeLoader:
    """Stands in for simcoh.detector.load_geometry: records what it was asked and fails on request."""

    def __init__(self):
        self.calls = []

    def __call__(self, name, overrides=(), search_dirs=()):
        self.calls.append((name, tuple(overrides), tuple(search_dirs)))
        problems = []
        if name == "no-such-geometry":
            problems.append(Diagnostic(f"unknown geometry '{name}'", file="<geometry>",
                                       suggestion="did you mean 'csi-2021'?"))
        for o in overrides:
            if o.key == "target.colour":
                problems.append(Diagnostic("unknown key [target.colour]", o.file, o.line, o.column))
        if problems:
            raise InputError(problems)
        return _FakeDetector({"name": name, "overrides": {o.key: o.value for o in overrides}})


class _FakeDetector(dict):
    """A stand-in detector with the csi-2021 background models (background processes need a detector model)."""

    @property
    def background(self):
        from simcoh.detector import load_geometry

        return load_geometry("csi-2021").background


@pytest.fixture
def loader():
    return FakeLoader()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems_of(path: Path, loader, **kw) -> list[Diagnostic]:
    with pytest.raises(InputError) as info:
        load_macro(path, geometry_loader=loader, **kw)
    return info.value.diagnostics


def only(diagnostics: list[Diagnostic]) -> Diagnostic:
    assert len(diagnostics) == 1, "\n".join(map(str, diagnostics))
    return diagnostics[0]


GOOD_HEAD = "/detector/load csi-2021\n"


# --- one malformed macro each: specific message at the exact file:line:column ------------------------

MALFORMED = [
    # (macro text, expected location line:column, words the message must contain, expected/suggestion words)
    ("/detector/load csi-2021\n/detector/selct target.distance 20 m\n/run/beamOn 10\n",
     "2:1", "unknown command '/detector/selct'", "did you mean '/detector/set'?"),
    (GOOD_HEAD + "/run/chunkSize 10 20\n/run/beamOn 10\n",
     "2:19", "too many arguments for /run/chunkSize", "usage: /run/chunkSize N"),
    (GOOD_HEAD + "/random/setSeed   # no seed\n/run/beamOn 10\n",
     "2:16", "missing argument N of /random/setSeed", "an integer >= 0"),
    (GOOD_HEAD + "/source/nuPerPOT abc\n/run/beamOn 10\n",
     "2:18", "'abc' is not a number", "a number > 0"),
    (GOOD_HEAD + "/source/pulse/mean 690\n/run/beamOn 10\n",
     "2:20", "missing unit after '690'", "units: ps, ns, us"),
    (GOOD_HEAD + "/physics/helmSkin 0.9 keV\n/run/beamOn 10\n",
     "2:23", "'keV' is an energy unit, not accepted here", "units: fm, nm, um, mm, cm, m, km"),
    (GOOD_HEAD + "/physics/sin2ThetaW 1.5\n/run/beamOn 10\n",
     "2:21", "X = 1.5 is out of range", "a number > 0 and < 1"),
    (GOOD_HEAD + "/physics/formFactor  helmm\n/run/beamOn 10\n",
     "2:22", "'helmm' is not a valid MODEL", "did you mean 'helm'?"),
    (GOOD_HEAD + "/detector/set target.distance {dist}\n/run/beamOn 10\n",
     "2:31", "undefined alias '{dist}'", "/control/alias dist VALUE"),
    ("/detector/set target.distance 20 m\n/detector/load csi-2021\n/run/beamOn 10\n",
     "1:15", "/detector/set before any /detector/load", "/detector/load NAME_OR_PATH first"),
    ("/random/setSeed 3\n/run/beamOn 10\n",
     "2:1", "no detector: the macro never uses /detector/load", "/detector/load csi-2021"),
    (GOOD_HEAD + "/run/fidelity photon\n",
     "2:21", "the macro has no /run/beamOn", "/run/beamOn [N] as the last command"),
    (GOOD_HEAD + "/run/beamOn 10\n/control/echo fine\n/run/fidelity photon\n",
     "4:1", "/run/fidelity after /run/beamOn (at {f}:2) would never be applied", "move this line above"),
    (GOOD_HEAD + "/run/beamOn 10\n/run/beamOn 20\n",
     "3:1", "a second /run/beamOn (the first is at {f}:2)", "exactly one /run/beamOn"),
    (GOOD_HEAD + "/output/overwrite maybe\n/run/beamOn 10\n",
     "2:19", "'maybe' is not a boolean", "true or false"),
    (GOOD_HEAD + "/physics/nsi u_xx 0.1\n/run/beamOn 10\n",
     "2:14", "NSI parameter 'u_xx' is not of the form", "a key (KEY) followed by a number"),
    (GOOD_HEAD + '/control/echo "unterminated\n/run/beamOn 10\n',
     "2:15", "unterminated quoted string", 'closing double quote'),
    (GOOD_HEAD + "/run/beamOn\n",
     "2:1", "/run/beamOn without N (physical mode) needs an exposure", "/run/exposure 13.99 GWh"),
    (GOOD_HEAD + "/run/exposure 5 PE\n/run/beamOn 10\n",
     "2:17", "'PE' is a dimensionless unit, not accepted here", "GWh"),
    (GOOD_HEAD + "/source/pulse/sigma 140ns\n/run/beamOn 10\n",
     "2:21", "'140ns' is not a number", "separate number and unit: '140 ns'"),
    (GOOD_HEAD + "random/setSeed 3\n/run/beamOn 10\n",
     "2:1", "'random/setSeed' is not a command", "did you mean '/random/setSeed'?"),
    (GOOD_HEAD + "/physics/magneticMoment 1e-10\n/run/beamOn 10\n",
     "2:1", "a neutrino magnetic moment makes dsigma/dT diverge", "/run/recoilMin 0.1 keV"),
    (GOOD_HEAD + "/source/pulse/shape table\n/run/beamOn 10\n",
     "2:1", "pulse shape 'table' needs a pulse table", "/source/pulse/table PATH"),
    (GOOD_HEAD + "/process/disable cevns\n/run/beamOn 10\n",
     "2:1", "every process is disabled", "at least one of cevns"),
    (GOOD_HEAD + "/physics/neutronRadius 1.2 fm\n/run/beamOn 10\n",
     "2:1", "neutron radius 1.2 fm is too small for a Helm skin of 0.9 fm", "r_n > sqrt(3) s"),
    (GOOD_HEAD + "/source/pulse/table pulse.txt\n/run/beamOn 10\n",
     "2:21", "file not found: 'pulse.txt'", "relative paths start from the macro file's directory"),
    (GOOD_HEAD + "/run/beamOn -5\n",
     "2:13", "N = -5 is out of range", "an integer >= 0"),
]


@pytest.mark.parametrize("text, where, message, hint", MALFORMED, ids=[m[2][:40] for m in MALFORMED])
def test_malformed_macro_is_reported_at_its_location(tmp_path, loader, text, where, message, hint):
    path = write(tmp_path, "bad.mac", text)
    d = only(problems_of(path, loader))
    assert f"{d.location}" == f"{path}:{where}"
    assert message.replace("{f}", str(path)) in d.message
    assert hint in f"{d.expected} {d.suggestion}"


def test_every_problem_of_a_macro_is_reported_at_once(tmp_path, loader):
    path = write(tmp_path, "many.mac", "\n".join([
        "/detector/load csi-2021",
        "/source/pulse/mean 690",            # 2: missing unit
        "/physics/formFactor Helm",           # 3: bad choice
        "/run/chunkSize 0",                   # 4: out of range
        "/detector/sett target.mass 1 kg",    # 5: unknown command
        "/run/beamOn 10",
        "/run/fidelity photon",               # 7: after beamOn
    ]) + "\n")
    with pytest.raises(InputError) as info:
        load_macro(path, geometry_loader=loader)
    found = [(d.line, d.column) for d in info.value.diagnostics]
    assert found == [(2, 20), (3, 21), (4, 16), (5, 1), (7, 1)]
    text = str(info.value)
    assert text.startswith("5 problems found:")
    assert f"{path}:3:21: error: 'Helm' is not a valid MODEL" in text


def test_missing_macro_file_is_an_input_error(tmp_path, loader):
    with pytest.raises(InputError, match="macro file not found"):
        load_macro(tmp_path / "nothing.mac", geometry_loader=loader)


# --- control commands ---------------------------------------------------------------------------

def test_include_is_relative_to_the_including_file(tmp_path, loader):
    main = write(tmp_path, "run.mac", "/control/execute common/source.mac\n/run/beamOn 5\n")
    write(tmp_path, "common/source.mac", "/control/execute detector.mac\n/source/pulse/mean 0.5 us\n")
    write(tmp_path, "common/detector.mac", "/detector/load csi-2021\n")
    result = load_macro(main, geometry_loader=loader)
    assert result.config.source.pulse_mean_ns == 500.0
    inc, det = str(tmp_path / "common/source.mac"), str(tmp_path / "common/detector.mac")
    assert set(result.macro_texts) == {str(main), inc, det}
    assert result.expanded[0] == f"{det}:1: /detector/load csi-2021  # via {main}:1 -> {inc}:1"
    assert result.expanded[-1] == f"{main}:2: /run/beamOn 5"
    assert loader.calls[0][2] == (str(tmp_path / "common"),)  # macro dir is a geometry search dir


def test_include_cycle_names_the_chain(tmp_path, loader):
    main = write(tmp_path, "a.mac", "/control/execute b.mac\n" + GOOD_HEAD + "/run/beamOn 1\n")
    write(tmp_path, "b.mac", "# b includes a again\n/control/execute  a.mac\n")
    d = only(problems_of(main, loader))
    assert d.location == f"{tmp_path / 'b.mac'}:2:19"
    assert f"include cycle: {main} -> {tmp_path / 'b.mac'} -> {tmp_path / 'a.mac'}" in d.message


def test_missing_include_is_reported_at_the_execute_line(tmp_path, loader):
    main = write(tmp_path, "run.mac", GOOD_HEAD + "/control/execute nope.mac\n/run/beamOn 1\n")
    d = only(problems_of(main, loader))
    assert d.location == f"{main}:2:18"
    assert "file not found: 'nope.mac'" in d.message


def test_alias_substitution_keeps_columns_and_allows_spaces(tmp_path, loader):
    main = write(tmp_path, "run.mac", '/control/alias dist "20 m"\n/control/alias geo csi-2021\n'
                 "/detector/load {geo}\n/detector/set target.distance {dist}\n/run/beamOn 1\n")
    result = load_macro(main, geometry_loader=loader)
    assert result.config.detector["overrides"] == {"target.distance": "20 m"}
    override = loader.calls[0][1][0]
    assert (override.file, override.line, override.column) == (str(main), 4, 15)
    assert result.expanded[1] == f"{main}:4: /detector/set target.distance 20 m"


def test_problem_in_an_alias_value_points_at_the_alias_reference(tmp_path, loader):
    main = write(tmp_path, "run.mac", "/control/alias t 690\n" + GOOD_HEAD
                 + "/source/pulse/mean {t} kg\n/run/beamOn 1\n")
    d = only(problems_of(main, loader))
    assert d.location == f"{main}:3:24" and "'kg' is a mass unit" in d.message


def test_problem_inside_an_alias_value_points_at_the_reference(tmp_path, loader):
    main = write(tmp_path, "run.mac", '/control/alias t "690 kg"\n' + GOOD_HEAD
                 + "/source/pulse/mean   {t}\n/run/beamOn 1\n")
    d = only(problems_of(main, loader))
    assert d.location == f"{main}:3:22" and "'kg' is a mass unit" in d.message


def test_loop_runs_the_macro_for_each_counter_value(tmp_path, loader):
    write(tmp_path, "body.mac", "/control/echo i={i}\n/physics/nsi u_ee {i}\n")
    main = write(tmp_path, "run.mac", GOOD_HEAD + "/control/loop body.mac i 1 5 2\n"
                 "/control/loop body.mac x 0.5 0 -0.25\n/run/beamOn 1\n")
    result = load_macro(main, geometry_loader=loader)
    assert result.echoes == ["i=1", "i=3", "i=5", "i=5", "i=5", "i=5"]  # the x loop leaves i at 5
    nsi_lines = [e for e in result.expanded if "/physics/nsi" in e]
    assert [line.split("  # via")[0].split()[-1] for line in nsi_lines] == ["1", "3", "5", "5", "5", "5"]
    assert nsi_lines[1].endswith(f"# via {main}:2 (/control/loop i=3)")
    assert result.config.physics.nsi == (("u_ee", 5.0),)


def test_loop_with_fractional_step_and_foreach(tmp_path, loader):
    write(tmp_path, "sin.mac", "/physics/sin2ThetaW {s}\n")
    write(tmp_path, "ff.mac", "/physics/formFactor {ff}\n")
    main = write(tmp_path, "run.mac", GOOD_HEAD + "/control/loop sin.mac s 0.2 0.3 0.05\n"
                 '/control/foreach ff.mac ff "klein_nystrand none helm"\n/run/beamOn 1\n')
    result = load_macro(main, geometry_loader=loader)
    lines = [e.split("  # via")[0].split(": ", 1)[1] for e in result.expanded]
    assert lines[1:7] == ["/physics/sin2ThetaW 0.2", "/physics/sin2ThetaW 0.25", "/physics/sin2ThetaW 0.3",
                          "/physics/formFactor klein_nystrand", "/physics/formFactor none",
                          "/physics/formFactor helm"]
    assert result.config.physics.sin2_theta_w == 0.3 and result.config.physics.form_factor == "helm"


def test_error_inside_a_loop_is_reported_once_with_its_chain(tmp_path, loader):
    body = write(tmp_path, "body.mac", "/physics/formFactor helmm{i}\n")
    main = write(tmp_path, "run.mac", GOOD_HEAD + "/control/loop body.mac i 1 3\n/run/beamOn 1\n")
    diagnostics = problems_of(main, loader)
    assert len(diagnostics) == 3  # each iteration gives a different value: helmm1, helmm2, helmm3
    assert diagnostics[0].location == f"{body}:1:21"
    assert diagnostics[0].message.endswith(f"(via {main}:2 (/control/loop i=1))")


def test_loop_with_zero_step_is_an_error(tmp_path, loader):
    write(tmp_path, "body.mac", "/control/echo {i}\n")
    main = write(tmp_path, "run.mac", GOOD_HEAD + "/control/loop body.mac i 1 3 0\n/run/beamOn 1\n")
    d = only(problems_of(main, loader))
    assert d.location == f"{main}:2:30" and "loop STEP is zero" in d.message


def test_comments_blank_lines_and_quotes(loader):
    text = "# whole-line comment\n\n   /detector/load csi-2021   # trailing\n" \
           '/control/echo "a # not a comment"  # but this is\n/run/beamOn 7 # seven\n'
    result = load_macro_text(text, geometry_loader=loader)
    assert result.echoes == ["a # not a comment"]
    assert result.config.n_events == 7 and result.config.mode == "fixed"


def test_unknown_command_in_the_wrong_directory_suggests_the_right_one(loader):
    with pytest.raises(InputError) as info:
        load_macro_text(GOOD_HEAD + "/generator/fidelity photon\n/run/beamOn 10\n", geometry_loader=loader)
    assert only(info.value.diagnostics).suggestion == "did you mean '/run/fidelity'?"


def test_a_bad_detector_load_is_reported_once(loader):
    text = "/detector/load\n/detector/set target.distance 20 m\n/run/beamOn 10\n"
    with pytest.raises(InputError) as info:
        load_macro_text(text, geometry_loader=loader)
    d = only(info.value.diagnostics)  # no "no detector" and no "set before load" on top
    assert (d.location, d.message) == ("<string>:1:15", "missing argument NAME_OR_PATH of /detector/load")


def test_command_paths_are_case_sensitive(loader):
    with pytest.raises(InputError) as info:
        load_macro_text(GOOD_HEAD + "/run/beamon 10\n", geometry_loader=loader)
    first = info.value.diagnostics[0]
    assert "unknown command '/run/beamon'" in first.message and "/run/beamOn" in first.suggestion


# --- building the configuration -------------------------------------------------------------------

def test_every_setting_reaches_the_config(tmp_path, loader):
    write(tmp_path, "pulse.txt", "0 1\n100 2\n")
    text = GOOD_HEAD + """
/random/setSeed 42
/source/model geant4
/source/nuPerPOT 0.09
/source/pulse/shape table
/source/pulse/table pulse.txt
/source/pulse/mean 0.44 us
/source/pulse/sigma 150 ns
/source/flightTime false
/physics/formFactor klein_nystrand
/physics/couplings tree
/physics/chargeRadius on
/physics/axial 0
/physics/helmSkin 1 fm
/physics/neutronRadius 5.5 fm
/physics/knRange 0.8 fm
/physics/nsi d_emu -0.2
/physics/magneticMoment 1e-10
/process/enable brn
/process/enable nin
/run/recoilMin 100 eV
/run/fidelity photon
/run/chunkSize 5000
/output/file out/run1.h5
/output/overwrite
/run/initialize
/run/exposure 3.198e23 POT
/run/beamOn
"""
    config = load_macro_text(text, base_dir=str(tmp_path), geometry_loader=loader).config
    s, p = config.source, config.physics
    assert (s.model, s.nu_per_flavour_per_pot, s.pulse_shape) == ("geant4", 0.09, "table")
    assert s.pulse_table == os.path.normpath(os.path.join(str(tmp_path), "pulse.txt"))
    assert (s.pulse_mean_ns, s.pulse_sigma_ns, s.include_flight_time) == (440.0, 150.0, False)
    assert (p.form_factor, p.couplings, p.charge_radius, p.axial) == ("klein_nystrand", "tree", True, False)
    assert p.helm_skin_fm == pytest.approx(1.0) and p.neutron_rms_radius_fm == pytest.approx(5.5)
    assert p.kn_range_fm == pytest.approx(0.8)
    assert p.nsi == (("d_emu", -0.2),) and p.magnetic_moment_mu_b == 1e-10
    assert config.processes == ("cevns", "brn", "nin")
    assert config.recoil_min_kev == pytest.approx(0.1)
    assert (config.fidelity, config.chunk_size, config.seed) == ("photon", 5000, 42)
    assert (config.output_file, config.overwrite) == (os.path.normpath("out/run1.h5"), True)
    assert (config.mode, config.n_events, config.exposure_pot) == ("physical", 0, 3.198e23)


def test_exposure_in_gwh_converts_to_pot_by_hand_calculation(loader):
    # 1 GWh = 3.6e12 J; one 1 GeV proton = 1e9 * 1.602176634e-19 J  ->  2.2469e22 POT
    by_hand = 3.6e12 / (1e9 * 1.602176634e-19)
    assert by_hand == pytest.approx(2.247e22, rel=1e-4)
    config = load_macro_text(GOOD_HEAD + "/run/exposure 1 GWh\n/run/beamOn\n", geometry_loader=loader).config
    assert config.exposure_pot == pytest.approx(by_hand, rel=1e-12)
    assert config.mode == "physical"


def test_exposure_uses_the_final_proton_energy_whatever_the_order(loader):
    text = GOOD_HEAD + "/run/exposure 13.99 GWh\n/source/protonEnergy 1.4 GeV\n/run/beamOn 10\n"
    config = load_macro_text(text, geometry_loader=loader).config
    assert config.exposure_pot == pytest.approx(13.99 * 3.6e12 / (1.4e9 * 1.602176634e-19), rel=1e-12)


def test_new_detector_load_drops_earlier_overrides(loader):
    text = GOOD_HEAD + "/detector/set target.distance 20 m\n/detector/load ge-ppc\n" \
           "/detector/set target.mass 16 kg\n/run/beamOn 1\n"
    config = load_macro_text(text, geometry_loader=loader).config
    assert config.detector == {"name": "ge-ppc", "overrides": {"target.mass": "16 kg"}}


def test_geometry_loader_errors_are_merged_and_stay_attributed(tmp_path, loader):
    main = write(tmp_path, "run.mac", "/detector/load no-such-geometry\n/detector/set target.colour red\n"
                 "/source/pulse/mean 690\n/run/beamOn 1\n")
    diagnostics = problems_of(main, loader)
    assert [d.location for d in diagnostics] == [f"{main}:3:20", f"{main}:1:16", f"{main}:2:15"]
    assert "unknown geometry 'no-such-geometry'" in diagnostics[1].message
    assert diagnostics[1].suggestion == "did you mean 'csi-2021'?"
    assert diagnostics[2].message == "unknown key [target.colour]"


# --- command line -------------------------------------------------------------------------------

def test_set_overrides_apply_before_beam_on(loader):
    text = GOOD_HEAD + "/run/fidelity truth\n/random/setSeed 1\n/run/beamOn 10\n"
    result = load_macro_text(text, set_overrides=["run/fidelity=photon", "detector.target.distance=20 m",
                                                  "/run/chunkSize=77", "run/beamOn=5"],
                             geometry_loader=loader)
    config = result.config
    assert (config.fidelity, config.chunk_size, config.n_events) == ("photon", 77, 5)
    assert config.detector["overrides"] == {"target.distance": "20 m"}
    assert loader.calls[0][1][0].file == "<command line>:--set 2"
    assert result.expanded[-2:] == ["<command line>:--set 3: /run/chunkSize 77",
                                    "<command line>:--set 4: /run/beamOn 5"]


def test_seed_and_output_arguments_replace_the_macro_values(loader):
    text = GOOD_HEAD + "/random/setSeed 1\n/output/file a.h5\n/run/beamOn 10\n"
    config = load_macro_text(text, seed=99, output="b.h5", geometry_loader=loader).config
    assert (config.seed, config.output_file) == (99, "b.h5")


def test_bad_set_overrides_are_located_on_the_command_line(loader):
    with pytest.raises(InputError) as info:
        load_macro_text(GOOD_HEAD + "/run/beamOn 10\n", set_overrides=["run/fidelity", "run/fidelity=fast",
                        "control/execute=x.mac"], seed=-1, geometry_loader=loader)
    where = [d.location for d in info.value.diagnostics]
    assert where == ["<command line>:--set 1", "<command line>:--set 2", "<command line>:--set 3",
                     "<command line>:--seed"]
    assert "did you mean" not in info.value.diagnostics[1].message
    assert info.value.diagnostics[1].expected == "one of truth, parametric, photon, waveform"


# --- registry, help and reference ----------------------------------------------------------------

def test_help_lists_every_command_and_explains_one():
    overview = help_text()
    for command in REGISTRY.commands():
        assert command.path in overview
    one = help_text("run/exposure")
    assert one.startswith("usage: /run/exposure AMOUNT UNIT")
    assert "GWh" in one and "POT" in one and "example:" in one
    # the detector's data set sets the pulse; 690 ns is the generic fallback (simcoh.config.SourceConfig)
    assert "when not used: the detector's [beam] value (geometry file); 690 ns if it gives none" \
        in help_text("/source/pulse/mean")
    assert "/source/pulse/sigma" in help_text("/source/pulse")


def test_help_for_unknown_command_suggests_the_closest():
    with pytest.raises(InputError) as info:
        help_text("/detector/selct")
    assert info.value.diagnostics[0].suggestion == "did you mean '/detector/set'?"


def test_reference_doc_is_in_sync_with_the_registry():
    doc = (REPO / "docs" / "macro-commands.md").read_text()
    assert doc == command_reference_markdown(), (
        "docs/macro-commands.md is stale; regenerate it (command in the file header)")
    for command in REGISTRY.commands():
        assert f"### `{command.usage}`" in doc


def test_registry_is_extensible_with_new_commands(loader):
    registry = Registry()
    for command in REGISTRY.commands():
        registry.register(command)

    def scale(builder, inv):
        builder.process_options["brn.scale"] = inv.first()

    registry.register(Command("/process/brn/scale", (Float("X", min=0.0),),
                              "Scale the beam-related neutron rate.", apply=scale))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Command("/run/beamOn"))
    text = GOOD_HEAD + "/process/brn/scale 1.5\n/run/beamOn 1\n"
    config = load_macro_text(text, geometry_loader=loader, registry=registry).config
    assert config.process_options == (("brn.scale", 1.5),)
    assert "/process/brn/scale X" in help_text(registry=registry)
    assert "### `/process/brn/scale X`" in command_reference_markdown(registry)
    with pytest.raises(InputError, match="unknown command '/process/brn/scale'"):
        load_macro_text(text, geometry_loader=loader)  # the standard registry is unchanged


# --- robustness: a bad macro gives an InputError, never another exception ------------------------

_WORDS = st.sampled_from([
    "/run/beamOn", "/run/exposure", "/detector/load", "/detector/set", "/control/alias", "/control/loop",
    "/control/foreach", "/control/execute", "/control/echo", "/source/pulse/mean", "/physics/nsi",
    "/run/recoilMin", "/process/enable", "/output/overwrite", "csi-2021", "10", "-1", "0.5", "1e400",
    "nan", "GWh", "POT", "ns", "kg", "{x}", "{", "}", '"', '"a b"', "#", "x", "u_ee", "true", "self.mac",
])
_LINES = st.lists(st.lists(_WORDS, max_size=5).map(" ".join), max_size=8).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_LINES)
def test_any_macro_text_gives_a_result_or_an_input_error(tmp_path, text):
    write(tmp_path, "self.mac", "/control/execute self.mac\n")
    try:
        result = load_macro_text(text, base_dir=str(tmp_path), geometry_loader=FakeLoader())
    except InputError as err:
        assert err.diagnostics and all(d.message for d in err.diagnostics)
    else:
        assert isinstance(result, MacroResult)


# --- the real geometry loader -------------------------------------------------------------------

def test_real_geometry_loader_applies_macro_overrides(tmp_path):
    pytest.importorskip("simcoh.detector")
    main = write(tmp_path, "run.mac", "/detector/load csi-2021\n/detector/set target.distance 20 m\n"
                 "/run/beamOn 10\n")
    config = load_macro(main).config
    assert config.detector.target.distance_cm == pytest.approx(2000.0)
    bad = write(tmp_path, "bad.mac", "/detector/load csi-2021\n/detector/set target.distance 20 kg\n"
                "/run/beamOn 10\n")
    with pytest.raises(InputError) as info:
        load_macro(bad)
    assert [d.file for d in info.value.diagnostics] == [str(bad)]
    assert info.value.diagnostics[0].line == 2

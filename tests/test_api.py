"""The Python API (simcoh.simulate, run, run_text): in-memory runs equal the files the command line writes,
unit strings and overrides go through the macro commands, errors name the argument, library calls change no
process-wide setting, and the README's commands and Python snippets run in the README's order."""

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import simcoh
from simcoh.cli import main
from simcoh.errors import InputError
from simcoh.io import open_events, read_events

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "macros" / "quickstart.mac"


def assert_same_events(a: ak.Array, b: ak.Array):
    assert a.fields == b.fields and len(a) == len(b)
    for name in a.fields:
        assert ak.all(a[name] == b[name]) if a[name].ndim > 1 else np.array_equal(
            a[name].to_numpy(), b[name].to_numpy(), equal_nan=True), name


def test_import_is_light_and_lists_the_api():
    code = "import sys, simcoh; print('simcoh.engine' in sys.modules, sorted(set(dir(simcoh)) & {'simulate', 'run'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "['run',", "'simulate']"]
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        simcoh.simulat


def test_macro_in_memory_equals_the_cli_file(tmp_path):
    """Same macro and seed: the events kept in memory are those `simcoh run` writes, with the same summary."""
    path = tmp_path / "cli.h5"
    overrides = {"run/beamOn": 3000, "run/fidelity": "photon"}
    assert main(["run", str(QUICKSTART), "--output", str(path), "--no-progress", "--seed", "5",
                 *(f"--set={k}={v}" for k, v in overrides.items())]) == 0
    memory = simcoh.run(QUICKSTART, seed=5, overrides=overrides)
    assert memory.path is None and memory.n_events == 3000
    with open_events(path) as f:
        assert_same_events(memory.events, f.read())
        assert memory.config_hash == f.provenance["config_hash"]
        assert memory.expected == pytest.approx(f.provenance["expected_counts"])
        assert memory.summary.events_per_process == f.summary["events_per_process"]


def test_output_writes_the_cli_file(tmp_path):
    text = QUICKSTART.read_text()
    written = simcoh.run_text(text, seed=2, overrides={"run/beamOn": "2000"}, output=tmp_path / "api.h5")
    assert main(["run", str(QUICKSTART), "--output", str(tmp_path / "cli.h5"), "--no-progress", "--seed", "2",
                 "--set", "run/beamOn=2000"]) == 0
    cli = read_events(tmp_path / "cli.h5")
    assert written.path == str(tmp_path / "api.h5")
    assert_same_events(written.events, cli)  # read back from the file on first use
    in_memory = simcoh.run_text(text, seed=2, overrides={"run/beamOn": "2000"})
    assert_same_events(in_memory.events, cli)
    with pytest.raises(simcoh.SimcohError, match="already exists"):
        simcoh.run_text(text, seed=2, overrides={"run/beamOn": "2000"}, output=tmp_path / "api.h5")


def test_waveforms_and_workers_in_memory_equal_the_file(tmp_path):
    """Fixed-shape (waveform) and jagged columns survive in memory; chunks made by worker processes are the
    serial run's events."""
    options = dict(seed=3, overrides={"run/beamOn": 300, "run/fidelity": "waveform"})
    written = simcoh.run(QUICKSTART, output=tmp_path / "w.h5", **options)
    memory = simcoh.run(QUICKSTART, workers=2, **options)
    assert memory.events["waveform"].type.content == written.events["waveform"].type.content  # 13750 * int16
    assert_same_events(memory.events, written.events)


def test_simulate_builds_the_configuration_of_the_equivalent_macro():
    result = simcoh.simulate(detector="csi-2021", processes="cevns", exposure="13.99 GWh", fidelity="parametric",
                             n_events=500, seed=9, overrides={"physics/formFactor": "klein_nystrand"})
    macro = simcoh.run_text("/detector/load csi-2021\n/process/enable cevns\n/run/exposure 13.99 GWh\n"
                            "/run/fidelity parametric\n/physics/formFactor klein_nystrand\n/random/setSeed 9\n"
                            "/run/beamOn 500\n")
    assert result.config_hash == macro.config_hash
    assert result.config.fidelity == "parametric" and result.config.physics.form_factor == "klein_nystrand"
    assert_same_events(result.events, macro.events)


def test_unit_strings_in_overrides_change_the_physics():
    """20 m instead of the geometry's 19.3 m: the expected count scales as 1/distance², and a fixed-N sample's
    weights sum to the expectation."""
    near = simcoh.simulate(n_events=1000, seed=1)
    far = simcoh.simulate(n_events=1000, seed=1, overrides={"detector.target.distance": "20 m"})
    assert near.config.detector.target.distance_cm == pytest.approx(1930.0)
    assert far.expected["cevns"] / near.expected["cevns"] == pytest.approx((19.3 / 20.0) ** 2, rel=1e-9)
    assert far.total_weight == pytest.approx(far.expected["cevns"], rel=1e-9)
    assert near.config_hash != far.config_hash


def test_physical_mode_draws_a_poisson_number_of_unit_weight_events():
    result = simcoh.simulate(n_events=None, seed=4)
    expected = result.expected["cevns"]
    assert result.summary.mode == "physical"
    assert abs(result.n_events - expected) < 5 * np.sqrt(expected)
    assert result.total_weight == pytest.approx(result.n_events)
    assert result.summary.events_per_process == {"cevns": result.n_events}


def test_flat_columns_are_numpy_views():
    result = simcoh.simulate(n_events=2000, seed=3, fidelity="photon")
    t = result.events["t_nr_kev"].to_numpy()
    columns = result.numpy(["t_nr_kev"])
    assert isinstance(t, np.ndarray) and np.shares_memory(t, columns["t_nr_kev"])
    assert np.shares_memory(np.asarray(result.events["t_nr_kev"]), t)
    counts, _ = np.histogram(columns["t_nr_kev"], bins=20)
    assert counts.sum() == 2000
    jagged = [n for n in result.events.fields if result.events[n].ndim > 1]
    assert jagged and all(isinstance(result.numpy(n)[n], ak.Array) for n in jagged)
    with pytest.raises(KeyError, match="no column 't_nr_kv'"):
        result.numpy("t_nr_kv")


def test_bad_arguments_are_named_in_the_error():
    with pytest.raises(InputError) as err:
        simcoh.simulate(exposure="13.99 GW", fidelity="photons",
                        overrides={"physics/formFactr": "helm"})
    text = str(err.value)
    assert "simcoh.simulate(exposure='13.99 GW'): error: unknown unit 'GW'" in text and "did you mean 'GWh'" in text
    assert "simcoh.simulate(fidelity='photons')" in text
    assert "simcoh.simulate(overrides={'physics/formFactr': 'helm'})" in text and "'/physics/formFactor'" in text
    with pytest.raises(InputError, match="geometry"):
        simcoh.simulate(detector="csi-2031")
    with pytest.raises(InputError, match=r"simcoh.simulate\(processes=\(\)\): error: no process"):
        simcoh.simulate(processes=[])
    with pytest.raises(TypeError, match="dict of setting"):
        simcoh.run_text("/run/beamOn 1", overrides=["run/fidelity=photon"])


def test_prepare_run_accepts_a_run_config():
    from simcoh.config import RunConfig
    from simcoh.detector import load_geometry
    from simcoh.engine import collect_events, prepare_run

    cfg = RunConfig(detector=load_geometry("csi-2021"), exposure_pot=3.198e23, n_events=100, seed=1)
    events, summary = collect_events(prepare_run(cfg))
    assert len(events) == summary.n_events == 100
    assert summary.config_hash == cfg.config_hash()


ALLOCATOR_SCRIPT = """
import sys
import simcoh
from simcoh.engine import allocator
simcoh.simulate(n_events=2000, seed=1, workers=int(sys.argv[1]))
print("library", allocator.applied())
from simcoh.cli import main
assert main(["run", sys.argv[2], "--output", sys.argv[3], "--no-progress", "--set", "run/beamOn=100"]) == 0
print("cli", allocator.applied())
"""


def test_library_calls_leave_the_allocator_alone(tmp_path):
    """simulate() (serial or with workers) does not change malloc settings; the simcoh command does."""
    for workers in (1, 2):
        out = subprocess.run([sys.executable, "-c", ALLOCATOR_SCRIPT, str(workers), str(QUICKSTART),
                              str(tmp_path / f"w{workers}.h5")], capture_output=True, text=True, check=True)
        assert "library False" in out.stdout, out.stderr
        if sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION"):  # mallopt is glibc's
            assert "cli True" in out.stdout


def readme_python_snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)


def readme_blocks() -> list[tuple[str, str]]:
    """The README's bash and python code blocks, (language, text), in the order a reader meets them."""
    return re.findall(r"```(bash|python)\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)


#: README commands the ordered test does not run: installs and the test suite (the CI runs those), commands
#: that take minutes at their default sizes (the validation, the efficiency study: tested in test_cli.py) and
#: the production block, whose lines are alternatives to one another (tests/test_production.py runs each mode), and
#: `simcoh d2o-flux`, which needs the physical-mode run that the small /run/beamOn below replaces (it refuses a
#: fixed-count file; tests/test_d2o_flux.py runs it on a physical-mode file).
README_NOT_RUN = ("pip ", "python -m pytest", "python -m validation", "python benchmarks/", "simcoh efficiency",
                  "simcoh d2o-flux")
README_PRODUCTION = ("--workers", "--dask", "--shard", "simcoh status", "simcoh merge")


def readme_commands(text: str) -> list[list[str]]:
    """The shell commands of a bash block (split at &&, comments dropped), as argument lists."""
    import shlex

    commands = []
    for line in text.splitlines():
        for part in line.split("#", 1)[0].split("&&"):  # the README's commands hold no '#' of their own
            if argv := shlex.split(part):
                commands.append(argv)
    return commands


def test_readme_commands_and_snippets_run_in_order(tmp_path, monkeypatch, capsys):
    """Every README command and Python snippet, in the README's order, in one folder (as a reader following it
    would): each `simcoh` command exits 0 (so no command finds a file an earlier one wrote in its way, and
    `simcoh info` finds the file an earlier command wrote) and the snippets read files that hold the columns they
    ask for. `simcoh run` commands get a small /run/beamOn so the test stays fast; nothing else is changed."""
    blocks = readme_blocks()
    snippets = [text for language, text in blocks if language == "python"]
    assert any("simcoh.simulate(" in s for s in snippets) and any("open_events" in s for s in snippets)
    (tmp_path / "macros").symlink_to(ROOT / "macros")  # the commands use paths relative to a clone
    monkeypatch.chdir(tmp_path)
    namespace, ran = {}, []
    for language, text in blocks:
        if language == "python":
            exec(compile(text, "README.md", "exec"), namespace)
            ran.append("python")
            continue
        for argv in readme_commands(text):
            line = " ".join(argv)
            if argv[0] != "simcoh" or line.startswith(README_NOT_RUN) or any(p in line for p in README_PRODUCTION):
                continue
            small = ["--set", "run/beamOn=300"] if argv[1] == "run" else []
            assert main(argv[1:] + small) == 0, f"README command failed in order: {line}"
            ran.append(line)
    assert ran[0] == "simcoh run macros/quickstart.mac"  # the set-up command comes first and writes quickstart.h5
    assert "simcoh info quickstart.h5" in ran and ran.count("python") == len(snippets)
    assert (tmp_path / "csi.h5").is_file() and (tmp_path / "quickstart.h5").is_file()
    assert "configuration hash" in capsys.readouterr().out


def test_readme_macro_example_is_a_valid_macro():
    """The README's example macro (the code block starting with /random/setSeed) passes every check, and its
    comments tell the truth: the detector's data set gives the beam, the brn model and the exposure."""
    from simcoh.macro import load_macro_text

    blocks = re.findall(r"```\n(/random/setSeed.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    cfg = load_macro_text(blocks[0], name="README.md").config
    assert cfg.detector.target.distance_cm == pytest.approx(2000.0)
    assert cfg.source.pulse_mean_ns == 472.0 and cfg.source.proton_energy_mev == 983.0  # csi-2021 [beam]
    assert cfg.processes == ("cevns", "brn") and cfg.fidelity == "parametric" and cfg.n_events == 1_000_000
    # 13.99 GWh at the data set's 983 MeV per proton is its published 3.198e23 POT (arXiv:2110.07730)
    assert cfg.exposure_pot == pytest.approx(3.198e23, rel=1e-3)


def test_simulate_defaults_to_the_detector_data_set():
    """No exposure given: the data set's own (CENNS-10: 1.38e23 POT, arXiv:2003.10630), the same expectation as the
    minimal macro on that detector, not another detector's exposure."""
    from simcoh.macro import load_macro_text

    result = simcoh.simulate(detector="cenns10-lar", processes=("cevns",), n_events=100, seed=3)
    cfg = load_macro_text("/random/setSeed 3\n/detector/load cenns10-lar\n/run/beamOn 100\n").config
    assert result.config.exposure_pot == pytest.approx(1.38e23)
    assert result.config.source.nu_per_flavour_per_pot == 0.09 and result.config.source.pulse_mean_ns == 440.0
    assert result.expected["cevns"] == pytest.approx(266.9, abs=0.1)
    assert result.config_hash == dataclasses.replace(cfg, output_file=result.config.output_file).config_hash()


def test_run_config_built_in_python_takes_the_detector_data_set():
    """RunConfig(detector=...) without a source or exposure gets the detector's [beam] and [dataset], so Python and
    macros agree (the same expected count as the minimal macro)."""
    from simcoh.config import RunConfig, SourceConfig
    from simcoh.detector import load_geometry
    from simcoh.engine import collect_events, prepare_run
    from simcoh.macro import load_macro_text

    det = load_geometry("cenns10-lar")
    cfg = RunConfig(detector=det, processes=("cevns",), n_events=50)
    assert (cfg.source.nu_per_flavour_per_pot, cfg.source.proton_energy_mev) == (0.09, 996.0)
    assert (cfg.source.pulse_mean_ns, cfg.source.pulse_sigma_ns) == (440.0, 150.0)
    _, summary = collect_events(prepare_run(cfg))
    macro = load_macro_text("/detector/load cenns10-lar\n/run/beamOn 50\n").config
    assert summary.expected_per_process["cevns"] == pytest.approx(
        collect_events(prepare_run(macro))[1].expected_per_process["cevns"], rel=1e-12)
    # an explicit source and exposure still win
    explicit = RunConfig(detector=det, source=SourceConfig(), exposure_pot=1e23, n_events=1)
    assert explicit.source.nu_per_flavour_per_pot == 0.0848 and explicit.exposure_pot == 1e23


@pytest.mark.parametrize("argument, value", [("processes", None), ("workers", "2"), ("workers", 0),
                                             ("n_events", -5), ("seed", -1), ("n_events", 2.5)])
def test_simulate_refuses_bad_python_arguments_by_name(argument, value):
    with pytest.raises(InputError, match=rf"simcoh.simulate\({argument}=...\).*{argument}="):
        simcoh.simulate(**{"detector": "csi-2021", "n_events": 10, argument: value})


def test_numpy_view_of_fixed_shape_columns():
    result = simcoh.simulate(detector="csi-2021", fidelity="waveform", n_events=4, seed=2)
    columns = result.numpy(["waveform", "t_rec_ns", "pe_t_ns"])
    assert isinstance(columns["waveform"], np.ndarray) and columns["waveform"].shape[0] == 4
    assert columns["waveform"].dtype == np.int16 and isinstance(columns["t_rec_ns"], np.ndarray)
    assert not isinstance(columns["pe_t_ns"], np.ndarray)  # jagged: stays awkward


def _first_problem(text: str, **kw):
    from simcoh.macro import load_macro_text

    with pytest.raises(InputError) as info:
        simcoh.engine.prepare_run(load_macro_text(text, name="m.mac", **kw))
    return info.value.diagnostics[0]


def test_errors_found_after_the_macro_point_at_its_lines():
    """Problems that only the process settings or the stage chain can see still carry the macro line that caused
    them, and --set problems the --set item."""
    import simcoh.engine  # noqa: F401

    d = _first_problem("/detector/load csi-2021\n/process/enable dm\n/run/beamOn 10\n")
    assert (d.file, d.line) == ("m.mac", 2) and "dm.m_chi_mev" in d.message
    d = _first_problem("/detector/load csi-2021\n/process/enable dm\n/process/dm/mChi 10 MeV\n"
                       "/process/dm/epsilon 1e-4\n/process/dm/mAprime 15 MeV\n/run/beamOn 10\n")
    assert (d.file, d.line) == ("m.mac", 2) and "2 m_chi" in d.message
    d = _first_problem("/detector/load cenns10-lar\n/run/fidelity waveform\n/run/beamOn 10\n")
    assert (d.file, d.line) == ("m.mac", 2) and "[digitizer]" in d.message
    d = _first_problem("/detector/load csi-2021\n/run/beamOn 10\n", set_overrides=["detector.target.distance=20 s"])
    assert d.file == "<command line>:--set 1" and "length" in d.expected
    with pytest.raises(InputError, match=r"simcoh.simulate\(fidelity='waveform'\).*\[digitizer\]"):
        simcoh.simulate(detector="cenns10-lar", fidelity="waveform", n_events=3)

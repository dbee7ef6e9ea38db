"""Declared stages (simcoh.engine.stages): the fidelity table, the column-chain check, declared outputs only,
digitizing and reconstruction as separate stages, and the one-way imports of the response/daq/reco layers."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from simcoh.columns import Column
from simcoh.engine import prepare_run
from simcoh.engine.stages import STAGES_BY_FIDELITY, check_chain, check_output
from simcoh.errors import InputError
from simcoh.macro import load_macro_text

ROOT = Path(__file__).resolve().parents[1]

MACRO = """
/random/setSeed 99
/detector/load csi-2021
/process/enable cevns
/run/exposure 3.198e23 POT
/run/fidelity {fidelity}
/run/acWindow {ac}
/output/waveforms {store}
/output/file unused.h5
/run/beamOn {n}
"""


def prepared(fidelity="waveform", ac="false", store="true", n=40):
    return prepare_run(load_macro_text(MACRO.format(fidelity=fidelity, ac=ac, store=store, n=n)))


def names(columns):
    return [c.name for c in columns]


def test_fidelity_table():
    assert [s.name for s in STAGES_BY_FIDELITY["waveform"]] == ["photon", "digitize", "reconstruct"]
    assert STAGES_BY_FIDELITY["truth"] == ()
    assert [s.name for s in STAGES_BY_FIDELITY["parametric"]] == ["parametric"]


class _Fake:
    def __init__(self, name, needs, provides):
        self.name, self.needs, self.provides = name, needs, provides

    def apply(self, columns):
        return {c.name: np.zeros(len(next(iter(columns.values()))), c.dtype) for c in self.provides}


TRUTH = [Column("event_id", "int64", "", "index"), Column("t_ns", "float64", "ns", "time")]


def test_chain_check_names_a_missing_column():
    stage = _Fake("smear", [Column("e_ee_kev", "float64", "keV", "quenched energy")], [])
    with pytest.raises(InputError) as err:
        check_chain(TRUTH, [stage])
    text = str(err.value)
    assert "stage 'smear' needs column 'e_ee_kev'" in text and "event_id, t_ns" in text


def test_chain_check_accepts_an_earlier_stage_and_rejects_a_dtype_mismatch_or_a_second_provider():
    quench = _Fake("quench", [TRUTH[0]], [Column("e_ee_kev", "float64", "keV", "quenched energy")])
    smear = _Fake("smear", [Column("e_ee_kev", "float64", "keV", "quenched energy")], [])
    check_chain(TRUTH, [quench, smear])
    with pytest.raises(InputError, match="stage 'smear' needs column 'e_ee_kev'"):
        check_chain(TRUTH, [smear, quench])  # order matters
    wrong = _Fake("smear", [Column("e_ee_kev", "float32", "keV", "quenched energy")], [])
    with pytest.raises(InputError, match="needs column 'e_ee_kev' as float32 but stage 'quench' provides float64"):
        check_chain(TRUTH, [quench, wrong])
    twice = _Fake("again", [], [Column("t_ns", "float64", "ns", "time")])
    with pytest.raises(InputError, match="already provided by truth generation"):
        check_chain(TRUTH, [twice])


def test_stage_output_must_match_its_declaration():
    stage = _Fake("quench", [TRUTH[0]], [Column("e_ee_kev", "float64", "keV", "quenched energy")])
    check_output(stage, {"e_ee_kev": np.zeros(3)})
    with pytest.raises(RuntimeError, match=r"undeclared columns \['_pe'\]"):
        check_output(stage, {"e_ee_kev": np.zeros(3), "_pe": object()})
    with pytest.raises(RuntimeError, match=r"left out declared columns \['e_ee_kev'\]"):
        check_output(stage, {})


@pytest.mark.parametrize("fidelity", ["parametric", "photon", "waveform"])
def test_real_stages_chain_and_return_exactly_their_declared_columns(fidelity):
    run = prepared(fidelity, ac="true", store="false", n=30)
    pipe = run.pipeline
    chunk = dict(pipe.generator.generate(0, 30))
    for stage in pipe.stages:
        # a stage sees only its needs and returns only what it declares, with the declared dtypes
        out = stage.apply({c.name: chunk[c.name] for c in stage.needs})
        assert set(out) == set(names(stage.provides))
        for column in stage.provides:
            if not column.jagged:
                assert np.asarray(out[column.name]).dtype == column.dtype, column.name
        chunk.update(out)
    written = pipe.run_chunk(0, 30)
    assert list(written) == names(pipe.columns)
    assert not any(name.startswith("_") for name in written)


def test_daq_and_reco_are_separate_stages_linked_by_the_waveform_column():
    pipe = prepared("waveform", ac="true", store="false").pipeline
    photon, digitize, reconstruct = pipe.stages
    assert names(digitize.needs) == ["event_id", "pe_t_ns", "pe_charge"]
    assert names(digitize.provides) == ["waveform", "ac_waveform"]
    assert not any(c.written for c in digitize.provides)  # /output/waveforms false: handed on, not written
    assert names(reconstruct.needs) == ["waveform", "ac_waveform"]
    assert "pe_integrated" in names(reconstruct.provides) and "ac_selected" in names(reconstruct.provides)
    assert "waveform" not in names(pipe.columns) and "ac_waveform" not in names(pipe.columns)
    # the reconstruction of the rendered samples equals what the pipeline writes
    chunk = dict(pipe.generator.generate(0, 40))
    chunk.update(photon.apply({c.name: chunk[c.name] for c in photon.needs}))
    samples = digitize.apply({c.name: chunk[c.name] for c in digitize.needs})
    assert samples["waveform"].shape == (40, 13_750) and samples["waveform"].dtype == np.int16
    reco = reconstruct.apply(samples)
    written = pipe.run_chunk(0, 40)
    for name in ("pe_integrated", "onset_ns", "selected", "ac_n_pulses_roi"):
        np.testing.assert_array_equal(reco[name], written[name])
    # a bright event's integrated charge follows its photoelectrons (1 PE = 1 at the mean SPE charge)
    big = written["charge_pe"] > 20
    if big.any():
        ratio = written["pe_integrated"][big] / written["charge_pe"][big]
        assert 0.8 < np.median(ratio) < 1.2


def test_stored_waveforms_are_written_columns_and_chunks_count_unwritten_ones():
    stored = prepared("waveform", store="true").pipeline
    assert "waveform" in names(stored.columns) and "ac_waveform" not in names(stored.columns)
    handed_on = prepared("waveform", store="false").pipeline
    # the file estimate leaves the unwritten samples out (13,750 int16 per window); the chunk memory does not
    assert stored.bytes_per_event() - handed_on.bytes_per_event() == 2 * 13_750
    assert handed_on.bytes_per_event(transient=True) == stored.bytes_per_event()
    assert handed_on.chunk_events(10**6) == stored.chunk_events(10**6) < 10**4


def test_stage_chain_in_check_output_and_in_the_file(tmp_path, capsys):
    from simcoh.cli import main

    macro = tmp_path / "w.mac"
    out = tmp_path / "w.h5"
    macro.write_text(MACRO.format(fidelity="waveform", ac="false", store="false", n=20))
    assert main(["check", str(macro)]) == 0
    text = capsys.readouterr().out
    assert "stage chain (waveform):" in text
    assert "  digitize: event_id, pe_t_ns, pe_charge -> waveform (not written)" in text
    assert "  reconstruct: waveform -> baseline_adc," in text
    assert main(["run", str(macro), "--output", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "stage chain (waveform):" in info and "photon: event_id, process, isotope, t_ns, t_nr_kev ->" in info
    # a file from before simcoh recorded its stages: the chain's names come from its fidelity
    import h5py

    from simcoh.io.checksum import seal
    from simcoh.io.format import PROVENANCE

    with h5py.File(out, "r+") as f:
        del f[PROVENANCE]["stages"]
        seal(f)  # a deliberate edit: record the new metadata checksum
    assert main(["info", str(out)]) == 0
    assert "stage chain:  photon -> digitize -> reconstruct (fidelity waveform;" in capsys.readouterr().out


# --- layering ------------------------------------------------------------------------------------
LAYERS = {"response": 0, "daq": 1, "reco": 2, "efficiency": 3, "engine": 4, "io": 4, "cli": 5}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """simcoh subpackages imported by a module: (name, at module level)."""
    tree = ast.parse(path.read_text())
    module_level = {id(node) for node in tree.body}
    package = path.relative_to(ROOT / "simcoh").parts
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level]
            target = (base + tuple((node.module or "").split(".")))[:1] if node.module or base else ()
            if not target or target == ("",):
                target = tuple(a.name for a in node.names)[:1]
            out.append((target[0].removesuffix(".py"), id(node) in module_level))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simcoh."):
            out.append((node.module.split(".")[1], id(node) in module_level))
    return out


@pytest.mark.parametrize("package", ["response", "daq", "reco", "efficiency"])
def test_response_daq_reco_import_only_downwards(package):
    """response < daq < reco < efficiency < io/engine < cli: no module imports a layer above its own,
    not even inside a function."""
    level = LAYERS[package]
    for path in sorted((ROOT / "simcoh" / package).glob("*.py")):
        for target, _ in _imports(path):
            assert LAYERS.get(target, -1) <= level, f"{path.relative_to(ROOT)} imports simcoh.{target}"


def _module_graph(packages) -> dict[str, set[str]]:
    """Module-level imports between the modules of ``packages`` (``"response.photon"`` -> {"response.spe"})."""
    graph = {}
    for package in packages:
        for path in sorted((ROOT / "simcoh" / package).glob("*.py")):
            name = f"{package}.{path.stem}"
            graph[name] = set()
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                    graph[name].add(f"{package}.{node.module.split('.')[0]}")
                elif isinstance(node, ast.ImportFrom) and node.level == 1:
                    graph[name].update(f"{package}.{a.name}" for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                    parts = node.module.split(".")
                    if len(parts) > 1:
                        graph[name].add(f"{parts[0]}.{parts[1]}")
                    else:
                        graph[name].add(f"{parts[0]}.__init__")
                        graph[name].update(f"{parts[0]}.{a.name}" for a in node.names)
    return {k: {m for m in v if m in graph and m != k} for k, v in graph.items()}


def test_no_module_level_import_cycles_in_response_daq_reco_efficiency():
    graph = _module_graph(["response", "daq", "reco", "efficiency"])
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join(path + [node, nxt])
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    assert graph["reco.stage"] >= {"reco.cuts", "reco.params", "reco.reconstruct"}  # the graph sees imports

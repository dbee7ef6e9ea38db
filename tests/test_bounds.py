"""Issue 16, items 4, 5 and 7: input that is valid syntax but not physically bounded, macro bombs, and the
arguments of ``simcoh efficiency``. Each case of the issue is reproduced here and must give a clear error
(file:line or option, what was expected, a suggestion), a non-zero exit, no traceback, and nothing left behind."""

from __future__ import annotations

import importlib
import os
import time
from types import SimpleNamespace

import pytest

from simcoh import limits
from simcoh.cli import main
from simcoh.config import PHYSICS_PARAMS, RUN_PARAMS, SOURCE_PARAMS
from simcoh.declare import flatten
from simcoh.detector.schema import KEYS
from simcoh.errors import InputError
from simcoh.macro import load_macro_text
from simcoh.macro.parser import MAX_COMMANDS
from simcoh.units import UnitError, parse_quantity, parse_unit

BASE = "/random/setSeed 1\n/detector/load csi-2021\n"


def run_cli(tmp_path, monkeypatch, capsys, body: str, command: str = "check", *extra: str):
    """Write BASE + body as t.mac in tmp_path and run ``simcoh COMMAND t.mac``; (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.mac").write_text(BASE + body)
    status = main([command, "t.mac", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def clean_error(tmp_path, monkeypatch, capsys, body: str, *needles: str, line: int | None = None) -> str:
    status, out, err = run_cli(tmp_path, monkeypatch, capsys, body)
    assert status == 2, out + err
    for needle in needles:
        assert needle in err, err
    if line is not None:
        assert f"t.mac:{line}:" in err, err
    assert "expected:" in err
    assert sorted(os.listdir(tmp_path)) == ["t.mac"]  # nothing left behind
    return err


# --- item 4: units ---------------------------------------------------------------------------------
@pytest.mark.parametrize("body, line", [
    ("/detector/set target.distance 20 m^400\n/run/beamOn 10\n", 3),
    ("/run/exposure 1 GWh^400\n/run/beamOn 10\n", 3),
])
def test_huge_unit_powers_are_clear_errors(tmp_path, monkeypatch, capsys, body, line):
    clean_error(tmp_path, monkeypatch, capsys, body, "power 400", "powers from -4 to 4", line=line)


def test_unit_parser_bounds_powers_lengths_and_magnitudes():
    with pytest.raises(UnitError, match="power 400"):
        parse_unit("m^400")
    with pytest.raises(UnitError, match="too long"):
        parse_unit("m*" * 100 + "m")
    with pytest.raises(UnitError, match="too large to be physical"):
        parse_quantity("1e300 GWh", "MeV")
    assert parse_unit("cm^2")[0] == 1.0 and parse_quantity("19.3 m", "cm") == pytest.approx(1930.0)


# --- item 4: values beyond a physical range ----------------------------------------------------------
@pytest.mark.parametrize("body, needles", [
    ("/run/exposure 1e300 GWh\n/run/beamOn 10\n", ("too large to be physical",)),
    ("/detector/set target.mass 1e300 kg\n/run/beamOn 10\n", ("too large to be physical", "<= 1e+06 kg", "1 kt")),
    ("/run/exposure 1e20 GWh\n/run/beamOn\n", ("out of range", "ten million years")),
    ("/run/beamOn 99999999999999999999999\n", ("out of range", "<= 1e+15")),
    ("/source/pulse/sigma 1 s\n/run/beamOn 10\n", ("out of range", "16.7 ms")),
])
def test_physically_unbounded_values_are_clear_errors(tmp_path, monkeypatch, capsys, body, needles):
    err = clean_error(tmp_path, monkeypatch, capsys, body, *needles, line=3)
    assert "suggestion:" in err


@pytest.mark.parametrize("setting, needle", [
    ("light.yield 1e9 PE/keVee", "yield is out of range"),
    ("windows.roi 15 s", "roi is out of range"),
    ("afterglow.rate 1e30 kHz", "rate is out of range"),
])
def test_geometry_values_that_would_exhaust_memory_or_overflow(tmp_path, monkeypatch, capsys, setting, needle):
    fidelity = "waveform" if "windows" in setting or "afterglow" in setting else "photon"
    err = clean_error(tmp_path, monkeypatch, capsys, f"/detector/set {setting}\n/run/fidelity {fidelity}\n"
                      "/run/beamOn 10\n", needle, "the range is physical", line=3)
    assert "<=" in err


def test_data_file_must_be_a_regular_bounded_file(tmp_path, monkeypatch, capsys):
    body = "/detector/set efficiency.energy.model table\n/detector/set efficiency.energy.table /dev/zero\n" \
           "/run/beamOn 10\n"
    clean_error(tmp_path, monkeypatch, capsys, body, "/dev/zero", "not a regular file", line=4)
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(limits.MAX_TABLE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(ValueError, match="allowed"):
        limits.read_bounded_text(big)
    big.unlink()


def test_geometry_file_that_is_a_device_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.mac").write_text("/detector/load /dev/zero\n/run/beamOn 1\n")
    assert main(["check", "t.mac"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "error" in err


def test_afterglow_count_refuses_an_overflowing_mean():
    from simcoh.response.afterglow import count_afterglow

    glow = SimpleNamespace(model="poisson", rate_per_ns=1e30, bright_factor=1.0, bright_probability=0.0,
                           rate_distribution="fixed", rate_shape=None)
    import numpy as np

    with pytest.raises(InputError, match="photoelectrons per window"):
        count_afterglow(np.arange(3, dtype=np.int64), 1, glow, 55_000.0)


def test_expected_event_count_is_bounded_before_the_poisson_draw():
    from simcoh.generate.truth import check_expected_count

    with pytest.raises(InputError, match="more than the 1e\\+15"):
        check_expected_count(1e30, {"brn": 1e30})
    with pytest.raises(InputError):
        check_expected_count(float("nan"), {"cevns": float("nan")})
    check_expected_count(2243.0, {"cevns": 2243.0})


def test_every_numeric_parameter_and_key_has_a_physical_range():
    params = list(flatten(SOURCE_PARAMS + PHYSICS_PARAMS + RUN_PARAMS))
    for name in ("brn", "nin", "steady", "dm"):
        params += list(flatten(importlib.import_module(f"simcoh.generate.{name}").PARAMS))
    numeric = [p for p in params if p.kind in ("float", "int", "quantity")]
    assert len(numeric) > 40
    unbounded = [p.key for p in numeric if p.min is None or p.max is None]
    assert not unbounded
    # a range that is not a definition (a fraction, a probability) says why it is what it is
    assert all(p.why for p in numeric if p.max not in (1.0, 2.0, 180.0))
    keys = [k for k in KEYS if k.kind in ("int", "float", "quantity", "numbers", "quantities")]
    assert not [k.dotted for k in keys if k.minimum is None or k.maximum is None]
    assert all(k.why for k in keys if k.maximum not in (1, 32))


# --- item 4: output size and memory per chunk ---------------------------------------------------------
def test_check_prints_memory_per_chunk_and_output_size(tmp_path, monkeypatch, capsys):
    status, out, err = run_cli(tmp_path, monkeypatch, capsys, "/run/beamOn 1000000000000\n")
    assert status == 0
    assert "memory        about" in out and "per chunk of 1,000,000 events" in out
    assert "output size   about" in out and "TB before compression" in out
    assert "may not fit on the disk" in err and "--force" in err


def test_run_refuses_an_output_larger_than_the_disk(tmp_path, monkeypatch, capsys):
    status, out, err = run_cli(tmp_path, monkeypatch, capsys, "/run/beamOn 1000000000000\n", "run",
                               "--no-progress")
    assert status == 2 and "more than the" in err and "free" in err and "--force" in err
    assert sorted(os.listdir(tmp_path)) == ["t.mac"]


class _FakePrepared:
    def __init__(self, bytes_per_event: float, n_events: int):
        self.config = SimpleNamespace(chunk_size=1000, output_file="out.h5")
        self.generator = SimpleNamespace(n_events=n_events)
        self.pipeline = SimpleNamespace(bytes_per_event=lambda transient=False: bytes_per_event,
                                        chunk_events=lambda requested: requested)
        self._bytes = bytes_per_event

    def estimated_bytes(self):
        return self._bytes * self.generator.n_events


def test_a_chunk_that_cannot_fit_in_memory_is_refused_even_with_force(monkeypatch):
    monkeypatch.setattr(limits, "machine_memory_bytes", lambda: 8 << 30)
    with pytest.raises(InputError, match="memory"):
        limits.check_resources(_FakePrepared(157 << 30, 10), force=True)
    assert limits.check_resources(_FakePrepared(1000, 10)).memory_ok


def test_disk_check_is_overridden_by_force(monkeypatch):
    monkeypatch.setattr(limits, "free_disk_bytes", lambda path: 1000)
    with pytest.raises(InputError, match="--force"):
        limits.check_resources(_FakePrepared(100, 1000))
    assert not limits.check_resources(_FakePrepared(100, 1000), force=True).disk_ok


# --- item 5: macro bombs -----------------------------------------------------------------------------
def _problems(text: str) -> str:
    with pytest.raises(InputError) as info:
        load_macro_text(text, name="bomb.mac", geometry_loader=lambda *a, **k: None)
    return str(info.value)


def test_doubling_alias_is_bounded():
    text = "/control/alias x ab\n" + "/control/alias x {x}{x}\n" * 40 + "/run/beamOn 1\n"
    start = time.perf_counter()
    message = _problems(text)
    assert time.perf_counter() - start < 2.0
    assert "longer than 100,000 characters after replacing aliases" in message and "bomb.mac:" in message


def test_loop_of_loops_fails_fast_without_expanding(tmp_path):
    (tmp_path / "inner.mac").write_text("/control/echo {j}\n")
    (tmp_path / "outer.mac").write_text("/control/loop inner.mac j 1 1000000\n")
    text = "/control/loop outer.mac i 1 1000000\n/detector/load csi-2021\n/run/beamOn 1\n"
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_macro_text(text, name="top.mac", base_dir=str(tmp_path), geometry_loader=lambda *a, **k: None)
    assert time.perf_counter() - start < 2.0
    message = str(info.value)
    assert "loop of 1,000,000 iterations" in message and "no /run/beamOn" not in message


def test_control_commands_count_towards_the_expansion_cap(tmp_path, monkeypatch):
    from simcoh.macro import parser

    monkeypatch.setattr(parser, "MAX_COMMANDS", 10_000)
    (tmp_path / "echo.mac").write_text("/control/echo hi\n" * 100)
    text = "/control/loop echo.mac i 1 50\n" * 3 + "/run/beamOn 1\n"  # 15,000 echo lines, no other command
    with pytest.raises(InputError) as info:
        load_macro_text(text, name="top.mac", base_dir=str(tmp_path), geometry_loader=lambda *a, **k: None)
    message = str(info.value)
    assert "expands to more than 10,000 lines" in message and "control commands count" in message
    assert "no /run/beamOn" not in message


def test_suggestions_for_a_huge_unknown_command_are_cheap(tmp_path, monkeypatch, capsys):
    word = "/" + "a" * 200_000
    start = time.perf_counter()
    message = _problems(word + "\n/run/beamOn 1\n")
    assert time.perf_counter() - start < 0.5
    assert "unknown command" in message and "(200,001 characters)" in message and len(message) < 2000


def test_macro_that_is_a_device_is_an_error(tmp_path):
    message = _problems("/control/execute /dev/zero\n/run/beamOn 1\n")
    assert "/dev/zero" in message


# --- item 7: simcoh efficiency arguments ----------------------------------------------------------------
@pytest.mark.parametrize("args, needle", [
    (["--pe", "-5"], "--pe: -5 is out of range"),
    (["--pe", "1e9"], "--pe: 1e+09 is out of range"),
    (["--pe", "nan"], "--pe"),
    (["--pe", "six"], "--pe: 'six' is not a list of numbers"),
    (["--pe", ","], "--pe: no values given"),
    (["--t-us", "99"], "--t-us: 99 is out of range"),
    (["--n-per-point", "0"], "--n-per-point"),
    (["--n-per-point", "1000000000"], "--n-per-point"),
    (["--seed", "-1"], "--seed"),
    (["--threads", "0"], "--threads"),
])
def test_efficiency_arguments_are_checked_before_the_output_folder(tmp_path, monkeypatch, capsys, args, needle):
    monkeypatch.chdir(tmp_path)
    assert main(["efficiency", *args, "--outdir", "eff"]) == 2
    out, err = capsys.readouterr()
    assert needle in err and "expected:" in err and "Traceback" not in err
    assert not (tmp_path / "eff").exists()


def test_efficiency_outdir_that_is_a_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "eff").write_text("x")
    assert main(["efficiency", "--outdir", "eff"]) == 2
    assert "--outdir: 'eff' exists and is not a folder" in capsys.readouterr().err


def test_problem_list_is_bounded():
    message = _problems("/bad x\n" * 5000)
    assert message.count("unknown command") == 200 and "4,802 more problems not shown" in message


@pytest.mark.parametrize("last", ["2", "-2"])
def test_loop_with_a_tiny_step_is_refused_not_overflowed(tmp_path, last):
    """Found by the fuzzer: 0 to 2 in steps of 1e-308 made an OverflowError (infinite iteration count)."""
    (tmp_path / "inner.mac").write_text("/control/echo {i}\n")
    text = f"/control/loop inner.mac i 0 {last} 1e-308\n/detector/load csi-2021\n/run/beamOn 1\n"
    try:
        load_macro_text(text, name="top.mac", base_dir=str(tmp_path))
    except InputError as err:
        assert last == "2" and "loop of more than 1,000,000 iterations" in str(err)
    else:
        assert last == "-2"  # no iteration at all


def test_a_data_file_path_with_a_nul_character_is_an_input_error():
    """Found by the fuzzer: a NUL in a table path was a ValueError from the path resolution."""
    from simcoh.detector import Override, load_geometry

    with pytest.raises(InputError, match="not a usable file path"):
        load_geometry("csi-2021", overrides=(Override("spe.table", "\x00", "fuzz.mac", 1, 1),))


def test_a_macro_path_with_a_control_character_is_an_input_error():
    message = _problems("/detector/load csi-2021\n/output/file a\x00b.h5\n/run/beamOn 1\n")
    assert "control character" in message

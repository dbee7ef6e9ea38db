"""Property-based fuzzing (hypothesis) of the macro parser, the geometry loader and the unit parser (issue 16).

The property: whatever the input, reading it either succeeds or raises the one clean error of its kind
(InputError, or UnitError for the unit parser); no other exception, and a success is bounded (finite values within
the declared ranges). The default suite runs a few hundred cases; ``pytest -m slow`` runs more than 10,000.
"""

from __future__ import annotations

import math
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simcoh.detector import load_geometry
from simcoh.detector.schema import KEYS
from simcoh.errors import InputError
from simcoh.macro import REGISTRY, load_macro_text
from simcoh.units import MAX_MAGNITUDE, UNITS, UnitError, parse_quantity, parse_unit

QUICK = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_UNITS = settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- shared pieces of input ------------------------------------------------------------------------------
NUMBERS = st.one_of(
    st.integers(min_value=-10**25, max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-0", "1e308", "1e-308", "1e400", "nan", "inf", "-inf", "0x10", "1_000", "", "1e", "."]),
)
UNIT_WORDS = st.sampled_from(sorted(UNITS) + ["m^400", "GWh^400", "1/keV", "PE/keVee", "cm^2", "ns^-1", "m^-4",
                                              "kg*day", "POT", "xyz", "%", "µs", "keV^99999999999999999999"])
UNIT_EXPR = st.lists(st.tuples(st.sampled_from(["*", "/", " * ", "", "^"]), UNIT_WORDS,
                               st.sampled_from(["", "^2", "^-1", "^400", "^-400", "^", "^x", "^99999999999999999999"])),
                     min_size=1, max_size=4).map(lambda parts: "".join(op + name + power for op, name, power in parts))
JUNK = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


# --- the unit parser ---------------------------------------------------------------------------------------
def _unit_property(expr: str, number: str, target: str) -> None:
    try:
        factor, dim = parse_unit(expr)
    except UnitError:
        pass
    else:
        assert math.isfinite(factor) and factor > 0 and len(dim) == 4
    try:
        value = parse_quantity(f"{number} {expr}", target)
    except UnitError:
        return
    assert math.isfinite(value) and abs(value) <= MAX_MAGNITUDE


@QUICK
@given(st.one_of(UNIT_EXPR, JUNK), NUMBERS, st.sampled_from(["cm", "MeV", "ns", "kg", "1/keV", "", "POT", "Hz"]))
def test_unit_parser_never_fails_uncleanly(expr, number, target):
    _unit_property(expr, number, target)


@pytest.mark.slow
@SLOW_UNITS
@given(st.one_of(UNIT_EXPR, JUNK), NUMBERS, st.sampled_from(["cm", "MeV", "ns", "kg", "1/keV", "", "POT", "Hz"]))
def test_unit_parser_never_fails_uncleanly_slow(expr, number, target):
    _unit_property(expr, number, target)


# --- the macro parser ----------------------------------------------------------------------------------------
_DIR = tempfile.mkdtemp(prefix="simcoh-fuzz-")
with open(os.path.join(_DIR, "inner.mac"), "w") as _handle:
    _handle.write("/control/echo {i}\n/run/fidelity truth\n")

COMMANDS = sorted(REGISTRY._commands) if hasattr(REGISTRY, "_commands") else []
DETECTOR_KEYS = [k.dotted for k in KEYS]
ARGUMENT = st.one_of(
    NUMBERS, UNIT_WORDS, JUNK.filter(lambda s: "\n" not in s and "\r" not in s),
    st.sampled_from(["true", "false", "csi-2021", "ge-ppc", '"20 m"', "{x}", "{x}{x}", "{undefined}", "{", "}",
                     "inner.mac", "/dev/zero", "missing.mac", "i", "x", "#", '"', "helm", "photon", "waveform"]),
    st.sampled_from(DETECTOR_KEYS),
)
LINE = st.one_of(
    st.tuples(st.sampled_from(COMMANDS), st.lists(ARGUMENT, max_size=5)).map(lambda t: " ".join([t[0], *t[1]])),
    st.tuples(st.sampled_from(["/detector/set"]), st.sampled_from(DETECTOR_KEYS), NUMBERS, UNIT_EXPR)
    .map(" ".join),
    st.tuples(st.sampled_from(["/control/loop inner.mac i"]), NUMBERS, NUMBERS, NUMBERS).map(" ".join),
    st.sampled_from(["/control/alias x ab", "/control/alias x {x}{x}", "/run/beamOn", "/run/beamOn 10",
                     "/run/exposure 1 GWh", "/detector/load csi-2021", "/control/foreach inner.mac i \"1 2 3\""]),
    JUNK.filter(lambda s: "\n" not in s and "\r" not in s),
)


def _argument_of(param):
    """Tokens for one declared macro argument: mostly well-formed, with extreme numbers and units."""
    from simcoh.macro.params import Bool, Choice, Quantity

    if isinstance(param, Quantity):
        return st.tuples(NUMBERS, st.one_of(st.sampled_from(param.accepted_units()), UNIT_WORDS)).map(" ".join)
    if isinstance(param, Choice):
        return st.sampled_from(param.choices)
    if isinstance(param, Bool):
        return st.sampled_from(["true", "false", "maybe"])
    if param.kind in ("integer", "number"):
        return NUMBERS
    return ARGUMENT


SETTABLE = [c for path, c in sorted(REGISTRY._commands.items())
            if not c.control and path not in ("/run/beamOn", "/detector/load")]
WELL_FORMED_LINE = st.sampled_from(SETTABLE).flatmap(
    lambda c: st.tuples(*[_argument_of(p) for p in c.params]).map(lambda args: " ".join([c.path, *args])))
#: Mostly valid macros (so that the checks after parsing, the builder and RunConfig are reached too).
WELL_FORMED = st.tuples(st.lists(WELL_FORMED_LINE, max_size=4),
                        st.sampled_from(["/run/beamOn 10", "/run/beamOn", "/run/beamOn 0"])).map(
    lambda t: "\n".join(["/detector/load csi-2021", *t[0], t[1]]))
MACRO = st.one_of(st.lists(LINE, max_size=12).map(lambda lines: "\n".join(["/detector/load csi-2021", *lines])),
                  WELL_FORMED)


def _macro_property(text: str) -> None:
    try:
        result = load_macro_text(text, name="fuzz.mac", base_dir=_DIR)
    except InputError as err:
        assert err.diagnostics and all(d.message for d in err.diagnostics)
        assert "Traceback" not in str(err)
        return
    cfg = result.config
    assert cfg.exposure_pot <= 1e30 and 0 <= cfg.n_events <= 10**15
    cfg.config_hash()  # the configuration is JSON-able: no NaN or infinity got through


@QUICK
@given(MACRO)
def test_macro_parser_never_fails_uncleanly(text):
    _macro_property(text)


@pytest.mark.slow
@SLOW
@given(MACRO)
def test_macro_parser_never_fails_uncleanly_slow(text):
    _macro_property(text)


# --- the geometry loader ---------------------------------------------------------------------------------------
_GEOMETRY_PATH = os.path.join(os.path.dirname(__file__), "..", "simcoh", "geometries", "csi-2021.toml")
_BASE_GEOMETRY = None
if os.path.exists(_GEOMETRY_PATH):
    with open(_GEOMETRY_PATH) as _handle:
        _BASE_GEOMETRY = _handle.read()

TOML_VALUE = st.one_of(
    NUMBERS.filter(lambda s: s not in ("", "1e", ".", "0x10")).map(lambda s: {"nan": "nan", "inf": "inf"}.get(s, s)),
    st.tuples(NUMBERS, UNIT_EXPR).map(lambda t: '"' + " ".join(t).replace('"', "") + '"'),
    st.sampled_from(['"table"', '"/dev/zero"', '"missing.txt"', "[]", "[1, 2]", '["1 us", "x"]', "{}", "{a = [1]}",
                     "true", '"polynomial"', '"photon"', "1e300", "-1e300", '"1e9 PE/keVee"', '"15 s"', '"1e30 kHz"']),
    JUNK.map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"'),
)


def _mutated_geometry(base: str, edits) -> str:
    lines = base.splitlines()
    for kind, index, key, value in edits:
        if not lines:
            break
        i = index % len(lines)
        if kind == "replace" and "=" in lines[i] and not lines[i].lstrip().startswith("["):
            lines[i] = lines[i].split("=", 1)[0] + "= " + value
        elif kind == "delete":
            del lines[i]
        else:
            lines.insert(i, f"{key.rsplit('.', 1)[-1]} = {value}")
    return "\n".join(lines) + "\n"


EDITS = st.lists(st.tuples(st.sampled_from(["replace", "delete", "insert"]), st.integers(0, 10_000),
                           st.sampled_from(DETECTOR_KEYS), TOML_VALUE), min_size=1, max_size=4)


def _geometry_property(edits) -> None:
    text = _mutated_geometry(_BASE_GEOMETRY, edits)
    fd, path = tempfile.mkstemp(suffix=".toml", dir=_DIR)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        try:
            det = load_geometry(path)
        except InputError as err:
            assert err.diagnostics and "Traceback" not in str(err)
            return
        assert det.target.mass_kg <= 1e6 and det.target.distance_cm <= 1e6
    finally:
        os.unlink(path)


needs_geometry = pytest.mark.skipif(_BASE_GEOMETRY is None, reason="csi-2021.toml not found")


@needs_geometry
@QUICK
@given(EDITS)
def test_geometry_loader_never_fails_uncleanly(edits):
    _geometry_property(edits)


@pytest.mark.slow
@needs_geometry
@SLOW
@given(EDITS)
def test_geometry_loader_never_fails_uncleanly_slow(edits):
    _geometry_property(edits)


@QUICK
@given(st.sampled_from(DETECTOR_KEYS), st.one_of(st.tuples(NUMBERS, UNIT_EXPR).map(" ".join), ARGUMENT))
def test_detector_overrides_never_fail_uncleanly(key, value):
    from simcoh.detector import Override

    try:
        load_geometry("csi-2021", overrides=(Override(key, value, "fuzz.mac", 1, 1),))
    except InputError:
        pass


def _prepared_property(text: str) -> None:
    """A macro that reads cleanly also prepares cleanly: the processes are built, the event count drawn and the
    resources estimated, or an InputError says why not (e.g. more expected events than a run can hold)."""
    from simcoh.engine import prepare_run
    from simcoh.limits import resource_report

    try:
        result = load_macro_text(text, name="fuzz.mac", base_dir=_DIR)
        prepared = prepare_run(result)
    except InputError:
        return
    report = resource_report(prepared)
    assert report.chunk_bytes > 0 and math.isfinite(report.output_bytes)


@QUICK
@given(WELL_FORMED)
def test_well_formed_macros_prepare_cleanly(text):
    _prepared_property(text)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(WELL_FORMED)
def test_well_formed_macros_prepare_cleanly_slow(text):
    _prepared_property(text)


@pytest.mark.slow
@SLOW
@given(st.sampled_from(DETECTOR_KEYS), st.one_of(st.tuples(NUMBERS, UNIT_EXPR).map(" ".join), ARGUMENT))
def test_detector_overrides_never_fail_uncleanly_slow(key, value):
    test_detector_overrides_never_fail_uncleanly.hypothesis.inner_test(key, value)

"""Units: parsing of quantities written with units (macros, geometry files) into internal units.

Internal units are fixed: length cm, mass kg, time ns, energy MeV. Counts (POT, PE, events) are
dimensionless. A quantity is converted once at the boundary and then lives as a plain float whose
name carries its unit (``distance_cm``, ``t_ns``, ``e_nu_mev``, ``t_nr_kev``).

Unit expressions are products and quotients of named units with optional integer powers:
``m``, ``1/keV``, ``PE/keVee``, ``cm^2``, ``ns^-1``, ``kg*day``. ``keVee`` and ``keVnr`` (electron- and
nuclear-recoil-equivalent keV) are energies like ``keV``; the suffix documents meaning only.
"""

from __future__ import annotations

import difflib
import math
import re

# Dimension vectors are exponents of (length, mass, time, energy).
DIMENSIONLESS = (0, 0, 0, 0)
LENGTH = (1, 0, 0, 0)
MASS = (0, 1, 0, 0)
TIME = (0, 0, 1, 0)
ENERGY = (0, 0, 0, 1)
AREA = (2, 0, 0, 0)
POWER = (0, 0, -1, 1)
INVERSE_ENERGY = (0, 0, 0, -1)
INVERSE_TIME = (0, 0, -1, 0)

DIMENSION_NAMES = {
    DIMENSIONLESS: "dimensionless",
    LENGTH: "length",
    MASS: "mass",
    TIME: "time",
    ENERGY: "energy",
    AREA: "area",
    POWER: "power",
    INVERSE_ENERGY: "inverse energy",
    INVERSE_TIME: "rate (inverse time)",
}

#: Example unit for each named dimension, used in error messages.
EXAMPLE_UNITS = {
    DIMENSIONLESS: "(no unit)",
    LENGTH: "m, cm",
    MASS: "kg, g, t",
    TIME: "ns, us, ms, s",
    ENERGY: "keV, MeV, GeV, GWh",
    AREA: "cm^2",
    POWER: "MW, kW",
    INVERSE_ENERGY: "1/keV, PE/keVee",
    INVERSE_TIME: "Hz, 1/s, 1/us",
}

_J_IN_MEV = 1.0 / 1.602176634e-13  # exact: 1 eV = 1.602176634e-19 J (SI 2019)

#: unit name -> (factor to internal unit, dimension)
UNITS: dict[str, tuple[float, tuple[int, int, int, int]]] = {
    # dimensionless counts
    "1": (1.0, DIMENSIONLESS),
    "PE": (1.0, DIMENSIONLESS),
    "pe": (1.0, DIMENSIONLESS),
    "POT": (1.0, DIMENSIONLESS),
    "events": (1.0, DIMENSIONLESS),
    "%": (0.01, DIMENSIONLESS),
    "percent": (0.01, DIMENSIONLESS),
    "ADC": (1.0, DIMENSIONLESS),
    "bit": (1.0, DIMENSIONLESS),
    "bits": (1.0, DIMENSIONLESS),
    # length (internal: cm)
    "fm": (1e-13, LENGTH),
    "nm": (1e-7, LENGTH),
    "um": (1e-4, LENGTH),
    "mm": (0.1, LENGTH),
    "cm": (1.0, LENGTH),
    "m": (100.0, LENGTH),
    "km": (1e5, LENGTH),
    # mass (internal: kg)
    "g": (1e-3, MASS),
    "kg": (1.0, MASS),
    "t": (1e3, MASS),
    "tonne": (1e3, MASS),
    # time (internal: ns)
    "ps": (1e-3, TIME),
    "ns": (1.0, TIME),
    "us": (1e3, TIME),
    "µs": (1e3, TIME),
    "ms": (1e6, TIME),
    "s": (1e9, TIME),
    "min": (60e9, TIME),
    "h": (3600e9, TIME),
    "hr": (3600e9, TIME),
    "day": (86400e9, TIME),
    "days": (86400e9, TIME),
    "yr": (365.25 * 86400e9, TIME),
    "year": (365.25 * 86400e9, TIME),
    # energy (internal: MeV)
    "eV": (1e-6, ENERGY),
    "keV": (1e-3, ENERGY),
    "keVee": (1e-3, ENERGY),
    "keVnr": (1e-3, ENERGY),
    "MeV": (1.0, ENERGY),
    "MeVee": (1.0, ENERGY),
    "MeVnr": (1.0, ENERGY),
    "GeV": (1e3, ENERGY),
    "TeV": (1e6, ENERGY),
    "J": (_J_IN_MEV, ENERGY),
    "kJ": (1e3 * _J_IN_MEV, ENERGY),
    "MJ": (1e6 * _J_IN_MEV, ENERGY),
    "Wh": (3600.0 * _J_IN_MEV, ENERGY),
    "kWh": (3.6e6 * _J_IN_MEV, ENERGY),
    "MWh": (3.6e9 * _J_IN_MEV, ENERGY),
    "GWh": (3.6e12 * _J_IN_MEV, ENERGY),
    # power (internal: MeV/ns)
    "W": (_J_IN_MEV * 1e-9, POWER),
    "kW": (_J_IN_MEV * 1e-6, POWER),
    "MW": (_J_IN_MEV * 1e-3, POWER),
    # rate (internal: 1/ns)
    "Hz": (1e-9, INVERSE_TIME),
    "kHz": (1e-6, INVERSE_TIME),
    "MHz": (1e-3, INVERSE_TIME),
    "GHz": (1.0, INVERSE_TIME),
    "MS/s": (1e-3, INVERSE_TIME),
    "GS/s": (1.0, INVERSE_TIME),
}


class UnitError(ValueError):
    """A value or unit expression that cannot be read, or has the wrong dimension."""


#: Largest power a unit may carry in an expression (``cm^2``, ``ns^-1``). No physical quantity simcoh reads needs
#: more than a square or a cube; a bound keeps ``m^400`` from overflowing the conversion factor.
MAX_POWER = 4
#: Longest unit expression read (characters); real ones are a few characters long.
MAX_UNIT_CHARS = 64
#: Largest magnitude of a value in internal units. The largest physical value simcoh reads is an exposure of
#: ~1e30 MeV (1e30 POT of 1 GeV protons would be 1e33 MeV); 1e100 is far above every declared range (which
#: then says what is physical) and far below the float limit, so products of a few values stay finite.
MAX_MAGNITUDE = 1e100


_TOKEN = re.compile(r"\s*([*/])?\s*([A-Za-zµ%][A-Za-z0-9µ%]*|1)(?:\^(-?\d+))?")


def parse_unit(expr: str) -> tuple[float, tuple[int, int, int, int]]:
    """Return (factor to internal units, dimension) of a unit expression such as ``PE/keVee``."""
    text = expr.strip()
    if not text:
        return 1.0, DIMENSIONLESS
    if text in UNITS:  # whole-name match first, so "MS/s" is one unit
        return UNITS[text]
    if len(text) > MAX_UNIT_CHARS:
        raise UnitError(f"unit expression of {len(text)} characters is too long (at most {MAX_UNIT_CHARS})")
    factor = 1.0
    dim = [0, 0, 0, 0]
    pos = 0
    first = True
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos or (first and m.group(1)) or (not first and not m.group(1)):
            raise UnitError(f"cannot read unit expression '{expr}' at '{text[pos:]}'")
        op, name, power = m.group(1), m.group(2), int(m.group(3) or 1)
        if abs(power) > MAX_POWER:
            raise UnitError(f"power {power} of '{name}' in '{expr}' is too large: powers from -{MAX_POWER} to "
                            f"{MAX_POWER} are allowed (e.g. 'cm^2', 'ns^-1')")
        if name not in UNITS:
            raise UnitError(f"unknown unit '{name}' in '{expr}'{suggest(name, UNITS)}")
        f, d = UNITS[name]
        sign = -1 if op == "/" else 1
        factor *= f ** (sign * power)
        for i in range(4):
            dim[i] += sign * power * d[i]
        pos = m.end()
        first = False
    return factor, tuple(dim)


def dimension_name(dim: tuple[int, int, int, int]) -> str:
    """A readable name for a dimension vector."""
    if dim in DIMENSION_NAMES:
        return DIMENSION_NAMES[dim]
    parts = [f"{n}^{p}" for n, p in zip(("length", "mass", "time", "energy"), dim) if p]
    return " ".join(parts)


def split_quantity(text: str) -> tuple[float, str]:
    """Split ``'19.3 m'`` into (19.3, 'm'). Raises UnitError if the number cannot be read."""
    parts = text.strip().split(None, 1)
    if not parts:
        raise UnitError("empty value")
    try:
        value = float(parts[0])
    except ValueError:
        raise UnitError(f"'{parts[0]}' is not a number") from None
    if not math.isfinite(value):
        raise UnitError(f"'{parts[0]}' is not a finite number")
    return value, (parts[1].strip() if len(parts) > 1 else "")


def to_internal(value: float, unit: str, expected_dim: tuple[int, int, int, int]) -> float:
    """Convert ``value`` in ``unit`` to internal units, checking that the dimension is ``expected_dim``."""
    if unit == "" and expected_dim != DIMENSIONLESS:
        raise UnitError(
            f"missing unit: expected a {dimension_name(expected_dim)} such as "
            f"'{value:g} {EXAMPLE_UNITS.get(expected_dim, '').split(',')[0]}'"
        )
    factor, dim = parse_unit(unit)
    if dim != expected_dim:
        raise UnitError(
            f"'{unit}' is a {dimension_name(dim)}, expected a {dimension_name(expected_dim)} "
            f"(for example {EXAMPLE_UNITS.get(expected_dim, '?')})"
        )
    return bounded(value * factor, f"{value:g} {unit}")


def bounded(value: float, shown: str) -> float:
    """``value`` if its magnitude is at most :data:`MAX_MAGNITUDE`, else a UnitError naming ``shown``."""
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise UnitError(f"'{shown}' is too large to be physical (more than {MAX_MAGNITUDE:g} in internal units)")
    return value


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` from one unit expression to another of the same dimension."""
    f1, d1 = parse_unit(from_unit)
    f2, d2 = parse_unit(to_unit)
    if d1 != d2:
        raise UnitError(f"cannot convert {dimension_name(d1)} '{from_unit}' to {dimension_name(d2)} '{to_unit}'")
    return bounded(value * f1 / f2, f"{value:g} {from_unit}")


def parse_quantity(text: str, unit: str) -> float:
    """Read ``'19.3 m'`` and return its value in ``unit`` (e.g. ``'cm'`` gives 1930.0).

    The text must carry a unit of the same dimension as ``unit`` (dimensionless targets accept a bare
    number).
    """
    value, given = split_quantity(text)
    target_factor, target_dim = parse_unit(unit)
    return bounded(to_internal(value, given, target_dim) / target_factor, text.strip())


def _edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (insertions, deletions, substitutions, transpositions)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


#: Words longer than this get no did-you-mean suggestion (commands, keys and units are far shorter).
MAX_SUGGEST_CHARS = 100


def closest(word: str, candidates) -> str | None:
    """The candidate nearest to ``word`` (case-insensitive edit distance; ties prefer equal length),
    or None if nothing is reasonably close."""
    if len(word) > MAX_SUGGEST_CHARS:  # nothing is close to a very long word; the distance would cost len^2
        return None
    limit = max(2, len(word) // 3)
    best, best_key = None, None
    for c in candidates:
        if abs(len(c) - len(word)) > limit:  # the distance is at least the length difference
            continue
        d = _edit_distance(word.lower(), c.lower())
        key = (d, abs(len(c) - len(word)), -difflib.SequenceMatcher(None, word, c).ratio())
        if best_key is None or key < best_key:
            best, best_key = c, key
    if best is None or best_key[0] > limit:
        return None
    return best


def suggest(word: str, candidates) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or an empty string."""
    c = closest(word, candidates)
    return f" (did you mean '{c}'?)" if c else ""

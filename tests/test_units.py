"""Unit parsing against hand conversions."""

import pytest

from simcoh.units import UnitError, convert, parse_quantity, parse_unit


@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("19.3 m", "cm", 1930.0),
        ("14.6 kg", "kg", 14.6),
        ("0.52 us", "ns", 520.0),
        ("13.35 PE/keVee", "1/keV", 13.35),
        ("13.35 PE/keVee", "1/MeV", 13350.0),
        ("0.0494 1/us", "1/ns", 0.0494e-3),
        ("250 MS/s", "1/ns", 0.25),
        ("1 GeV", "MeV", 1000.0),
        ("2 t", "kg", 2000.0),
        ("3 cm^2", "m^2", 3e-4),
    ],
)
def test_parse_quantity(text, unit, expected):
    assert parse_quantity(text, unit) == pytest.approx(expected, rel=1e-12)


def test_gwh_in_joules_and_pot():
    # 1 GWh = 3.6e12 J; at 1 GeV per proton (1.602176634e-10 J) that is 2.247e22 POT (PHYSICS.md §1).
    mev = parse_quantity("1 GWh", "MeV")
    assert mev * 1.602176634e-13 == pytest.approx(3.6e12, rel=1e-12)
    assert mev / 1000.0 == pytest.approx(2.247e22, rel=1e-3)


def test_power_units():
    assert convert(1.4, "MW", "J/s") == pytest.approx(1.4e6)


@pytest.mark.parametrize(
    "text, unit, message",
    [
        ("19.3", "cm", "missing unit"),
        ("19.3 kg", "cm", "'kg' is a mass, expected a length"),
        ("x m", "cm", "'x' is not a number"),
        ("3 mtr", "cm", "unknown unit 'mtr'"),
        ("3 metre", "cm", "unknown unit"),
    ],
)
def test_bad_quantities(text, unit, message):
    with pytest.raises(UnitError, match=message):
        parse_quantity(text, unit)


def test_suggestion_for_misspelt_unit():
    with pytest.raises(UnitError, match="did you mean 'keV'"):
        parse_unit("keVV")

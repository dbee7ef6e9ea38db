"""Isotope data against AME2020 values quoted independently, and target composition by hand."""

import pytest

from simcoh.errors import InputError
from simcoh.physics.nuclei import NATURAL_ABUNDANCE, isotope, material_isotopes

AVOGADRO = 6.02214076e23


@pytest.mark.parametrize("name, z, n, atomic_mass_u", [
    ("Cs133", 55, 78, 132.905451961),  # AME2020 atomic masses (micro-u column of the table)
    ("I127", 53, 74, 126.904471840),
    ("Na23", 11, 12, 22.989769282),
    ("Ar40", 18, 22, 39.962383123),
    ("Ge72", 32, 40, 71.922075826),
    ("Xe132", 54, 78, 131.904155087),
    ("Pb208", 82, 126, 207.976652481),
    ("O16", 8, 8, 15.994914619),
])
def test_isotope_data(name, z, n, atomic_mass_u):
    iso = isotope(name)
    assert (iso.z, iso.n, iso.a) == (z, n, z + n)
    assert iso.atomic_mass_u == pytest.approx(atomic_mass_u, abs=2e-6)
    # nuclear mass = atomic mass − Z electrons
    assert iso.nuclear_mass_mev == pytest.approx(atomic_mass_u * 931.49410242 - z * 0.51099895, rel=1e-8)


def test_abundances_sum_to_one():
    for element, abund in NATURAL_ABUNDANCE.items():
        assert sum(abund.values()) == pytest.approx(1.0, abs=2e-3), element


def test_spin_expectation_values():
    assert (isotope("I127").spin_p, isotope("I127").spin_n) == (0.342, 0.031)
    assert isotope("Cs133").spin_p == 0.0  # not in the compilation: no axial term


def test_csi_nuclei_per_mass():
    # 14.57 kg of CsI, molar mass 132.905 + 126.904 = 259.810 g/mol → 3.377e25 formula units
    target = {t.isotope.name: t.nuclei_per_kg * 14.57 for t in material_isotopes("CsI")}
    expected = 14570.0 / (132.905451961 + 126.904471840) * AVOGADRO
    assert target["Cs133"] == pytest.approx(expected, rel=1e-6)
    assert target["I127"] == pytest.approx(expected, rel=1e-6)


def test_germanium_isotopic_mix():
    ge = {t.isotope.name: t.nuclei_per_kg for t in material_isotopes("Ge")}
    total = sum(ge.values())
    assert ge["Ge74"] / total == pytest.approx(0.3650, rel=1e-9)
    assert total == pytest.approx(1000.0 / 72.63 * AVOGADRO, rel=1e-3)  # standard atomic weight 72.630


@pytest.mark.parametrize("bad, message", [("Cs134x", "unknown isotope"), ("Zz12", "unknown isotope")])
def test_unknown_isotope(bad, message):
    with pytest.raises(InputError, match=message):
        isotope(bad)


def test_unknown_material_suggests():
    with pytest.raises(InputError, match="unknown target material 'Csl'.*did you mean 'CsI'"):
        material_isotopes("Csl")

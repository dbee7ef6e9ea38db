"""Isotopes, natural abundances and compound targets.

- Masses: AME2020 mass excesses (Wang et al., Chinese Phys. C 45, 030003 (2021)), shipped in
  ``simcoh/data/nuclear/mass_1.mas20.txt``. Nuclear mass M = A·u − Z·m_e + Δ (PHYSICS.md §2); electron
  binding energies (≲ 0.1 MeV for Z ≈ 55, a 1e-6 relative effect) are neglected.
- Natural abundances: IUPAC/CIAAW representative isotopic compositions (Meija et al., Pure Appl.
  Chem. 88, 293 (2016)); the Ge values are those quoted in PHYSICS.md.
- Spin expectation values ⟨S_p⟩, ⟨S_n⟩: ``simcoh/data/nuclear/sn_sp.csv`` (literature compilation,
  references inside the file). ¹³³Cs is not in it, so its axial term is zero.

Isotope names are element symbol + mass number: ``Cs133``, ``I127``, ``Na23``, ``Ar40``, ``Ge73``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from ..constants import ATOMIC_MASS_UNIT_MEV, ELECTRON_MASS_MEV
from ..errors import InputError
from ..units import suggest

#: Natural isotopic abundances (fractions), IUPAC 2013 representative values (Meija et al. 2016).
NATURAL_ABUNDANCE: dict[str, dict[int, float]] = {
    "H": {1: 0.999885, 2: 0.000115},
    "C": {12: 0.9893, 13: 0.0107},
    "O": {16: 0.99757, 17: 0.00038, 18: 0.00205},
    "F": {19: 1.0},
    "Na": {23: 1.0},
    "Ar": {36: 0.003336, 38: 0.000629, 40: 0.996035},
    "Ge": {70: 0.2057, 72: 0.2745, 73: 0.0775, 74: 0.3650, 76: 0.0773},  # PHYSICS.md §2
    "I": {127: 1.0},
    "Xe": {
        124: 0.000952, 126: 0.000890, 128: 0.019102, 129: 0.264006, 130: 0.040710,
        131: 0.212324, 132: 0.269086, 134: 0.104357, 136: 0.088573,
    },
    "Cs": {133: 1.0},
    "Pb": {204: 0.014, 206: 0.241, 207: 0.221, 208: 0.524},
}

#: Compound targets: formula units as {element: atoms per formula unit}.
MATERIALS: dict[str, dict[str, int]] = {
    "CsI": {"Cs": 1, "I": 1},
    "NaI": {"Na": 1, "I": 1},
    "Ar": {"Ar": 1},
    "Ge": {"Ge": 1},
    "Xe": {"Xe": 1},
    "Na": {"Na": 1},
    "I": {"I": 1},
    "Cs": {"Cs": 1},
    "Pb": {"Pb": 1},
    "O": {"O": 1},
    "H2O": {"H": 2, "O": 1},
    "C3F8": {"C": 3, "F": 8},
    "D2O": {"H": 2, "O": 1},
    # xylene, the base of EJ-301 / NE-213 liquid scintillator (H:C = 1.25; the Eljen EJ-301 data sheet gives 1.212)
    "C8H10": {"C": 8, "H": 10},
}

#: Isotopic compositions that differ from the natural ones: material -> element -> {A: fraction}.
#: D2O is idealised as pure deuterium oxide (the isotopic purity of a real heavy-water load is not modelled).
ENRICHED: dict[str, dict[str, dict[int, float]]] = {
    "D2O": {"H": {2: 1.0}},
}


@dataclass(frozen=True)
class Isotope:
    """One nuclide with the data the physics needs."""

    symbol: str
    z: int
    a: int
    mass_excess_kev: float
    abundance: float
    spin_p: float  # ⟨S_p⟩
    spin_n: float  # ⟨S_n⟩

    @property
    def name(self) -> str:
        return f"{self.symbol}{self.a}"

    @property
    def n(self) -> int:
        return self.a - self.z

    @property
    def nuclear_mass_mev(self) -> float:
        """M = A·u − Z·m_e + Δ (PHYSICS.md §2)."""
        return self.a * ATOMIC_MASS_UNIT_MEV - self.z * ELECTRON_MASS_MEV + self.mass_excess_kev * 1e-3

    @property
    def atomic_mass_u(self) -> float:
        return self.a + self.mass_excess_kev * 1e-3 / ATOMIC_MASS_UNIT_MEV


def _data_text(name: str) -> str:
    return resources.files("simcoh.data").joinpath("nuclear").joinpath(name).read_text()


@functools.cache
def _ame2020() -> dict[tuple[int, int], tuple[str, float]]:
    """(Z, A) -> (symbol, mass excess in keV) from the AME2020 fixed-width table.

    Format (file header): a1,i3,i5,i5,i5,1x,a3,a4,1x,f14.6,...; '#' marks estimated values and is read as
    a decimal point, as the AME documentation prescribes.
    """
    table = {}
    lines = _data_text("mass_1.mas20.txt").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("1N-Z")) + 2
    for line in lines[start:]:
        if len(line) < 42:
            continue
        try:
            z = int(line[9:14])
            a = int(line[14:19])
            symbol = line[20:23].strip()
            excess = float(line[28:42].replace("#", "."))
        except ValueError:
            continue
        table[(z, a)] = (symbol, excess)
    return table


@functools.cache
def _spins() -> dict[str, tuple[float, float]]:
    """Isotope name (e.g. 'I127') -> (⟨S_p⟩, ⟨S_n⟩) from sn_sp.csv (columns symbol, Sn, Sp)."""
    spins = {}
    for line in _data_text("sn_sp.csv").splitlines()[1:]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        label, sn, sp = (x.strip() for x in line.split(","))
        m = re.fullmatch(r"(\d+)([A-Za-z]+)", label)
        if m:
            spins[f"{m.group(2)}{m.group(1)}"] = (float(sp), float(sn))
    return spins


@functools.cache
def _symbol_to_z() -> dict[str, int]:
    return {sym: z for (z, _a), (sym, _e) in _ame2020().items()}


def isotope(name: str) -> Isotope:
    """Look up an isotope by name (``'Cs133'``); raises InputError for unknown names."""
    m = re.fullmatch(r"([A-Z][a-z]?)(\d+)", name)
    z = _symbol_to_z().get(m.group(1)) if m else None
    if not m or z is None or (z, int(m.group(2))) not in _ame2020():
        raise InputError(
            f"unknown isotope '{name}': expected element symbol + mass number such as Cs133, I127, Ar40"
        )
    symbol, a = m.group(1), int(m.group(2))
    excess = _ame2020()[(z, a)][1]
    abundance = NATURAL_ABUNDANCE.get(symbol, {}).get(a, 0.0)
    sp, sn = _spins().get(name, (0.0, 0.0))
    return Isotope(symbol=symbol, z=z, a=a, mass_excess_kev=excess, abundance=abundance, spin_p=sp, spin_n=sn)


def isotope_za(z: int, a: int) -> Isotope:
    """Look up an isotope by proton number and mass number (``isotope_za(83, 207)`` is Bi207)."""
    entry = _ame2020().get((z, a))
    if entry is None:
        raise InputError(f"no AME2020 mass for Z = {z}, A = {a}: expected a nuclide of the AME2020 table")
    return isotope(f"{entry[0]}{a}")


def natural_isotopes(symbol: str) -> list[Isotope]:
    """The naturally occurring isotopes of an element with their abundances."""
    if symbol not in NATURAL_ABUNDANCE:
        raise InputError(
            f"no natural abundances for element '{symbol}'; known: {', '.join(sorted(NATURAL_ABUNDANCE))}"
            f"{suggest(symbol, NATURAL_ABUNDANCE)}"
        )
    return [isotope(f"{symbol}{a}") for a in NATURAL_ABUNDANCE[symbol]]


@dataclass(frozen=True)
class TargetIsotope:
    isotope: Isotope
    nuclei_per_kg: float  # number of nuclei of this isotope per kg of target material


def material_isotopes(material: str) -> list[TargetIsotope]:
    """Isotopes of a target material with the number of nuclei of each per kg of material."""
    if material not in MATERIALS:
        raise InputError(
            f"unknown target material '{material}'; known: {', '.join(MATERIALS)}{suggest(material, MATERIALS)}"
        )
    avogadro = 6.02214076e23  # exact (SI 2019)
    formula = MATERIALS[material]
    enriched = ENRICHED.get(material, {})

    def composition(el: str) -> list[tuple[Isotope, float]]:
        if el in enriched:
            return [(isotope(f"{el}{a}"), f) for a, f in enriched[el].items()]
        return [(i, i.abundance) for i in natural_isotopes(el)]

    molar_mass_g = sum(n * sum(f * i.atomic_mass_u for i, f in composition(el)) for el, n in formula.items())
    formula_units_per_kg = 1000.0 / molar_mass_g * avogadro
    out = []
    for el, n in formula.items():
        for iso, fraction in composition(el):
            out.append(TargetIsotope(iso, formula_units_per_kg * n * fraction))
    return out


def known_materials() -> tuple[str, ...]:
    return tuple(MATERIALS)

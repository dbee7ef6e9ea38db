"""CENNS-10 LAr energy efficiency table (arXiv:2003.10630, release arXiv:2006.12659): interpolation inside, 0 below
the first point, the last tabulated value (the plateau) above the last point."""

from pathlib import Path

import numpy as np
import pytest

from simcoh.detector import load_geometry
from simcoh.response.efficiency import energy_efficiency

TABLE = Path(__file__).resolve().parent.parent / "geometries" / "data" / "CENNS10AnlAEfficiency.txt"


@pytest.fixture(scope="module")
def lar():
    return load_geometry("cenns10-lar").efficiency.energy


@pytest.fixture(scope="module")
def release():
    d = np.loadtxt(TABLE, comments="#")
    return d[:, 0], d[:, 2]  # keVee bin centre, efficiency


def test_table_points_and_midpoints(lar, release):
    x, eff = release
    assert energy_efficiency(x, lar) == pytest.approx(eff, abs=1e-12)
    mid = 0.5 * (x[1:] + x[:-1])
    assert energy_efficiency(mid, lar) == pytest.approx(0.5 * (eff[1:] + eff[:-1]), abs=1e-12)


def test_plateau_beyond_the_last_point(lar, release):
    x, eff = release
    # the release ends on a plateau: its last four points agree within 0.01
    assert np.ptp(eff[-4:]) < 0.01 and eff[-1] > 0.95
    beyond = np.array([x[-1] + 0.01, 45.0, 54.0, 200.0])
    assert energy_efficiency(beyond, lar) == pytest.approx(np.full(4, eff[-1]), abs=1e-12)
    assert energy_efficiency([-1.0, 0.0], lar) == pytest.approx([0.0, 0.0], abs=1e-12)


def test_argon_cevns_reaches_beyond_the_table():
    """Why the extrapolation matters: the largest Ar-40 recoil from 52.83 MeV neutrinos, T = 2E²/(M + 2E),
    quenched with QF = 0.246 + 0.00078 T/keVnr (arXiv:2003.10630), lies above the table's last point."""
    e_nu, mass = 52.83, 37_224.7  # MeV; M(Ar-40) = 40 u − 18 m_e + Δ
    t_kev = 2 * e_nu**2 / (mass + 2 * e_nu) * 1e3
    e_ee = t_kev * (0.246 + 0.00078 * t_kev)
    assert t_kev == pytest.approx(149.5, abs=0.5)
    assert e_ee > 39.75 + 10

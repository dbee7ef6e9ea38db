"""light.yield_window: the light yield defined on the charge inside a window from the onset (the published CsI[Na]
13.35 PE/keVee is the 3-us integral, arXiv:2110.07730). Checked against hand values of the exponential profile and
against Poisson thinning: the PE inside the window are Poisson with mean yield·E_ee."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simcoh.detector import load_geometry
from simcoh.detector.loader import Override
from simcoh.errors import InputError
from simcoh.response import spe_section
from simcoh.response.photon import fraction_in_window, signal_pe, total_light_factor
from simcoh.rng import stage_key


def test_fraction_in_window_hand_value():
    # 0.85 (1 - e^-5) + 0.15 (1 - e^(-3/3.5)) for the csi-2021 profile in 3 us
    f = fraction_in_window([600.0, 3500.0], [0.85, 0.15], 3000.0)
    assert f == pytest.approx(0.85 * (1 - math.exp(-5.0)) + 0.15 * (1 - math.exp(-3.0 / 3.5)), rel=1e-12)
    assert fraction_in_window([600.0], [1.0], 1e9) == pytest.approx(1.0)


def test_windowed_charge_has_the_yield_mean_and_poisson_counts():
    det = load_geometry("csi-2021")
    assert det.light.yield_window_ns == 3000.0
    n, mu = 20000, 12.0
    e_ee = np.full(n, mu / det.light.yield_pe_per_kev)
    pe = signal_pe(e_ee, stage_key(5, "test.window"), det.light, det.scintillation, spe_section(det),
                   is_nr=np.ones(n, bool))
    inside = pe.t_ns < det.light.yield_window_ns  # onset 0
    counts = np.add.reduceat(inside.astype(np.int64), pe.offsets[:-1])
    # Poisson(mu / F) thinned with probability F: Poisson(mu); mean and variance within 4 sigma of their errors
    assert abs(counts.mean() - mu) < 4 * math.sqrt(mu / n)
    assert abs(counts.var() - mu) < 4 * mu * math.sqrt(2.0 / n)
    total = np.diff(pe.offsets).mean()
    f = fraction_in_window(det.scintillation.tau_ns, det.scintillation.fractions, 3000.0)
    assert abs(total - mu / f) < 4 * math.sqrt(mu / f / n)


def test_without_window_the_yield_counts_all_light():
    det = load_geometry("csi-2021", [Override("light.yield_window", "1 ms")])
    assert total_light_factor(det.light, det.scintillation, [True])[0] == pytest.approx(1.0, abs=1e-12)
    plain = load_geometry("csi-2017")
    assert plain.light.yield_window_ns is None
    assert np.all(total_light_factor(plain.light, plain.scintillation, [True, False]) == 1.0)


def test_bad_window_is_an_input_error():
    with pytest.raises(InputError, match="yield_window"):
        load_geometry("csi-2021", [Override("light.yield_window", "-3 us")])

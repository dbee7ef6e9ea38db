"""NSI reweighting (simcoh.fit.nsi) against the generator's own NSI cross sections, and the weak-charge algebra."""

import numpy as np
import pytest

from simcoh.config import PhysicsConfig, SourceConfig
from simcoh.errors import InputError
from simcoh.fit.nsi import event_coefficients, nsi_templates, profile_plane, weak_charge_shift
from simcoh.fit.simulated import Binning
from simcoh.generate import TruthGenerator
from simcoh.physics.nuclei import isotope, material_isotopes

CSI = dict(material="CsI", mass_kg=14.57, distance_cm=1930.0, n_pot=3.198e23, seed=1, processes=("cevns",))
ONE_BIN = Binning("t_nr_kev", np.array([-1.0, 1e9]), np.array([-1e12, 1e12]))


def generator(nsi=(), n_events=0):
    return TruthGenerator(source=SourceConfig(), physics=PhysicsConfig(nsi=tuple(nsi)), n_events=n_events, **CSI)


@pytest.fixture(scope="module")
def sm_events():
    g = generator(n_events=60_000)
    return g, g.generate(0, g.n_events)


def test_weak_charge_shift_by_hand():
    # Cs-133: Z = 55, N = 78; ε^u = 0.1: 55·0.2 + 78·0.1 = 18.8; ε^d = 0.1: 55·0.1 + 78·0.2 = 21.1
    assert weak_charge_shift(55, 78, 0.1, 0.0) == pytest.approx(18.8)
    assert weak_charge_shift(55, 78, 0.0, 0.1) == pytest.approx(21.1)


@pytest.mark.parametrize("eps", [(0.1, 0.0), (0.0, -0.1), (-0.2, 0.1), (0.3, 0.3)])
def test_reweighted_rate_matches_generator_with_nsi(sm_events, eps):
    """Reweighted SM events against the generator's expected count with /physics/nsi set (an integral of the
    NSI cross section over the flux: an independent route). Tolerance: 5 standard errors of the sample mean
    of the per-event weight ratio."""
    g, ev = sm_events
    isotopes = [t.isotope for t in material_isotopes("CsI")]
    templates = nsi_templates(ev, isotopes, PhysicsConfig(), ONE_BIN, ev["weight"])
    assert templates.sm.sum() == pytest.approx(g.expected["cevns"], rel=1e-9)
    u, d = eps
    exact = generator((("u_ee", u), ("d_ee", d))).expected["cevns"] / g.expected["cevns"]
    c1, c2 = event_coefficients(ev["e_nu_mev"], ev["t_nr_kev"], ev["isotope"], ev["flavour"], isotopes,
                                PhysicsConfig())
    shift = np.array([weak_charge_shift(i.z, i.n, u, d) for i in isotopes])[ev["isotope"]]
    ratio = 1 + shift * c1 + shift**2 * c2
    se = ratio.std() / np.sqrt(ratio.size)
    assert templates.rate_factor(u, d) == pytest.approx(ratio.mean(), rel=1e-9)
    assert abs(templates.rate_factor(u, d) - exact) < 5 * se, (templates.rate_factor(u, d), exact, se)


def test_flipped_weak_charge_is_degenerate_with_the_sm():
    """Without the axial term, δ = −2 G_V flips the sign of the vector charge: the cross section, hence every
    event weight, is the SM one (the degenerate band of the NSI plane)."""
    phys = PhysicsConfig(axial=False)
    cs = isotope("Cs133")
    from simcoh.physics.cevns import weak_charges

    gv = weak_charges(cs, "nu_e", phys)[0]
    e, t = np.array([20.0, 35.0, 50.0]), np.array([3.0, 8.0, 20.0])
    c1, c2 = event_coefficients(e, t, np.zeros(3, int), np.zeros(3, int), [cs], phys)
    d = -2 * gv
    np.testing.assert_allclose(1 + d * c1 + d * d * c2, 1.0, atol=1e-12)
    # muon-flavour events (code 1) do not change
    c1, c2 = event_coefficients(e, t, np.zeros(3, int), np.ones(3, int), [cs], phys)
    assert not c1.any() and not c2.any()


def test_nsi_run_is_refused():
    with pytest.raises(InputError, match="Standard-Model run"):
        event_coefficients([30.0], [5.0], [0], [0], [isotope("Cs133")], PhysicsConfig(nsi=(("u_ee", 0.1),)))


def test_profile_plane_minimum_at_truth_on_asimov_data(sm_events):
    """Asimov data made at a chosen (ε^u, ε^d) put Δχ² = 0 there, and on the SM point for SM data."""
    g, ev = sm_events
    isotopes = [t.isotope for t in material_isotopes("CsI")]
    binning = Binning("t_nr_kev", np.linspace(0, 40, 9), np.array([0.0, 1e6]))
    templates = nsi_templates(ev, isotopes, PhysicsConfig(), binning, ev["weight"] / 5)
    background = {"flat": (np.full(8, 50.0), 0.05)}
    grid_u, grid_d = np.array([-0.1, 0.0, 0.1]), np.array([-0.1, 0.0, 0.1])
    data = templates.template(0.0, 0.0) + 50.0
    plane = profile_plane(templates, background, data, grid_u, grid_d, cevns_sigma=0.1)
    assert plane.delta_chi2[1, 1] == pytest.approx(0.0, abs=1e-6)
    assert plane.rate_factor[1, 1] == pytest.approx(1.0)
    assert (np.delete(plane.delta_chi2.ravel(), 4) > 0.1).all()

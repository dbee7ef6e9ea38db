"""simcoh sensitivity (simcoh.fit.sensitivity, simcoh/commands/sensitivity.py)."""

import json
import math

import numpy as np
import pytest

from simcoh.cli import main
from simcoh.errors import InputError
from simcoh.fit import sensitivity as S
from simcoh.fit.signal_background import Background, signal_background_model
from simcoh.fit.simulated import Binning


def test_exposure_in_sns_years():
    assert S.exposure_argument("2 years")[0] == "14.0 GWh"
    assert S.exposure_argument("13.99 GWh")[0] == "13.99 GWh"
    with pytest.raises(InputError, match="--exposure"):
        S.exposure_argument("a while")


def test_flat_background_by_hand():
    """1 /keVee/kg/day, 10 keVee, 100 kg, 10 µs windows, 1 GWh: 3.6e12 J / (1.4 MW / 60 Hz) = 1.542857e8 spills
    of 10 µs = 1542.857 s = 0.0178571 d: 10 × 100 × 0.0178571 = 17.857 counts."""
    b = Binning("e_rec_kevee", np.array([5.0, 15.0]), np.array([0.0, 10_000.0]))
    mev_per_gwh = 3.6e12 / 1.602176634e-13
    counts = S.FlatBackground(1.0, "test").template(b, 100.0, mev_per_gwh)
    assert counts.sum() == pytest.approx(17.857, rel=1e-4)


@pytest.mark.parametrize("s,b", [(10.0, 5.0), (50.0, 400.0)])
def test_asimov_significance_of_a_counting_experiment(s, b):
    """One bin, known background: Z_A = √(2((s + b) ln(1 + s/b) − s)) (Cowan, Cranmer, Gross, Vitells,
    EPJC 71, 1554 (2011), eq. 97)."""
    model = signal_background_model(np.array([s]), (Background("b", np.array([b]), fixed=True),))
    expected = math.sqrt(2 * ((s + b) * math.log(1 + s / b) - s))
    assert S.asimov(model).z == pytest.approx(expected, rel=1e-4)


def test_no_background_is_an_infinite_significance():
    """Without background μ = 0 expects no event, so one observed event gives L(0) = 0 and q0 = ∞ (the limit
    b → 0 of Cowan et al.'s Z_A, eq. 97, diverges as √(2 s ln(s/b))); a background in only one of two bins leaves
    Z finite only if the other bin is empty. The toy band has no NaN from interpolating between infinities."""
    assert math.isinf(S.asimov(signal_background_model(np.array([10.0]))).z)
    partial = signal_background_model(np.array([10.0, 5.0]), (Background("b", np.array([5.0, 0.0]), fixed=True),))
    assert math.isinf(S.asimov(partial).z)
    e = S.ensemble(signal_background_model(np.array([10.0])), 5, seed=1)
    assert all(math.isinf(z) for z in e.band(e.z))
    s, b = 10.0, 1e-6  # a tiny background: finite and as the formula
    model = signal_background_model(np.array([s]), (Background("b", np.array([b]), fixed=True),))
    assert S.asimov(model).z == pytest.approx(math.sqrt(2 * ((s + b) * math.log(1 + s / b) - s)), rel=1e-4)


def test_toy_median_significance_near_asimov():
    """The Asimov significance approximates the median of the pseudo-experiments (Cowan et al. 2011); with
    400 toys the median's standard error is ≈ 1.25 σ_Z/√400 ≈ 0.06 for σ_Z ≈ 1."""
    model = signal_background_model(np.array([30.0, 20.0, 10.0]),
                                    (Background("b", np.array([100.0, 100.0, 100.0]), sigma=0.05),))
    a = S.asimov(model)
    e = S.ensemble(model, 400, seed=2)
    assert e.n_failed == 0
    median = np.median(e.z)
    assert abs(median - a.z) < 5 * 1.25 * e.z.std() / math.sqrt(400) + 0.05 * a.z
    assert np.median(e.mu_error) == pytest.approx(a.mu_error, rel=0.05)


def test_lar750_without_background_model_needs_an_explicit_choice(capsys):
    assert main(["sensitivity", "lar-750"]) == 2
    err = capsys.readouterr().err
    assert "no background model" in err and "--signal-only" in err and "--ss-rate" in err
    assert main(["sensitivity", "lar-750", "--ss-rate", "1e-3 1/keVee/kg/day"]) == 2
    assert "--ss-source" in capsys.readouterr().err
    assert main(["sensitivity", "lar-750", "--ss-rate", "3 kg", "--ss-source", "x"]) == 2
    assert "1/keVee/kg/day" in capsys.readouterr().err


def test_lar750_one_year(tmp_path, capsys):
    """COH-Ar-750 for one SNS year above its 20 keVnr threshold: ≈ 3000 CEvNS events, the projection quoted by
    COHERENT (D. Pershey, Dec. 2020 talk); within 15 % (simcoh's exposure year, 7.0 GWh, is an assumption)."""
    out = tmp_path / "s.json"
    argv = ["sensitivity", "lar-750", "--exposure", "1 year", "--signal-only", "--toys", "30", "--events", "20000",
            "--output", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "SIGNAL ONLY" in text.splitlines()[1]
    assert "significance infinite" in text and "any event excludes mu = 0" in text
    result = json.loads(out.read_text())
    assert result["asimov"]["z"] is None and result["toys"]["z_median"] is None  # not the ln(ν) floor's 2e3
    assert result["cevns_events"] == pytest.approx(3000, rel=0.15)
    # signal only: σ/σ_SM uncertainty is Poisson, 1/√N
    assert result["asimov"]["mu_error"] == pytest.approx(1 / math.sqrt(result["cevns_events"]), rel=1e-3)
    assert result["toys"]["n"] == 30
    assert main(argv) == 3  # a finished file is not overwritten
    assert "--overwrite" in capsys.readouterr().err


def test_csi2021_takes_its_own_background_models():
    """csi-2021 has brn, nin and ss sections: they are run through simcoh and enter with their uncertainties;
    for its data-set exposure the steady state in PE < 60 is ≈ 1286 events (published expectation, D. Pershey,
    Dec. 2020) - here over a wider energy range, so more."""
    m = S.build_model("csi-2021", "13.99 GWh", n_events=20_000)
    names = {b.name: b for b in m.backgrounds}
    assert set(names) == {"brn", "nin", "ss"}
    assert names["brn"].sigma == 0.25 and names["nin"].sigma == 0.36
    assert names["ss"].template.sum() > 1000
    assert names["ss"].sigma == pytest.approx(1 / math.sqrt(names["ss"].template.sum()))
    assert not any("not modelled" in n for n in m.notes)

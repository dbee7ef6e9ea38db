"""CENNS-10 LAr backgrounds from the released Analysis A PDFs (data release arXiv:2006.12659, Zenodo
10.5281/zenodo.3903810; COHERENT, PRL 126, 012002 (2021), arXiv:2003.10630, Table I).

The shipped files must be the release's bytes (md5 of the Zenodo record), their sums the published predictions,
and simcoh's generated energy and time distributions must follow the released projections (χ² with multinomial
errors from the sample size, fixed seeds). The projections are summed here from the validation copies of the
files, independently of simcoh.generate.lar_release.
"""

from __future__ import annotations

import hashlib
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simcoh.detector import load_geometry
from simcoh.errors import InputError
from simcoh.generate import TruthGenerator
from simcoh.generate.templates import pe_per_kevee
from simcoh.macro import load_macro_text

REF = Path(__file__).resolve().parents[1] / "validation" / "reference" / "coherent-lar-2020"
#: md5 of the files in Zenodo record 3903810 (the record's file listing)
ZENODO_MD5 = {"brnpdf.txt": "7ccf0fdc0d0010d2c6570d620816e4df", "delbrnpdf.txt": "5d57e91a773f03368d149dc5739b6a01",
              "bkgpdf.txt": "ccc2df245a004a644cd04317d07b35df", "cevnspdf.txt": "5601234e03bc9bbd01066591629e72c0",
              "datanobkgsub.txt": "4346ec521e91a7227b2e34ff8f3c269b"}
#: predicted counts (arXiv:2003.10630, Table I; the release's LArParametersAnlA.yaml gives 3154 for the SS)
TABLE_I = {"brnpdf.txt": 497.0, "delbrnpdf.txt": 33.0, "bkgpdf.txt": 3152.0, "cevnspdf.txt": 128.0}
GWH_RELEASE = 6.12  # the release's counts are for 6.12 GWh (1.38e23 POT)
GWH_RUN = 1.38e23 * 996.0 * 1.602176634e-13 / 3.6e12  # the data set's POT × proton energy: 6.117 GWh
LAR = load_geometry("cenns10-lar")
KEVEE_EDGES = np.arange(0.0, 121.0, 10.0)
T_EDGES_NS = np.arange(-100.0, 4901.0, 500.0)


def projection(name: str, column: int) -> np.ndarray:
    """Counts of the released file summed per bin of column 0 (keVee) or 2 (t, µs)."""
    d = np.loadtxt(REF / name)
    centres = np.unique(d[:, column])
    return np.array([d[d[:, column] == c, 3].sum() for c in centres])


def generate(extra: str, n: int, seed: int = 11):
    text = (f"/random/setSeed {seed}\n/detector/load cenns10-lar\n/process/disable cevns\n{extra}"
            f"/run/beamOn {n}\n")
    gen = TruthGenerator.from_run_config(load_macro_text(text).config)
    return gen, gen.generate(0, n)


def chi2_ok(observed: np.ndarray, expected_counts: np.ndarray) -> tuple[float, int, bool]:
    """Pearson χ² of a histogram of n events against the released shape; passes below the 99.9 % quantile."""
    n = observed.sum()
    p = expected_counts / expected_counts.sum()
    used = p > 0
    assert observed[~used].sum() == 0, "events where the release has none"
    chi2 = float(np.sum((observed[used] - n * p[used]) ** 2 / (n * p[used])))
    dof = int(used.sum()) - 1
    if dof == 0:  # one populated bin: every event must be in it (checked above)
        return chi2, dof, True
    return chi2, dof, chi2 < stats.chi2.ppf(0.999, dof)


@pytest.mark.parametrize("name", sorted(ZENODO_MD5))
def test_reference_copies_are_the_zenodo_files(name):
    assert hashlib.md5((REF / name).read_bytes()).hexdigest() == ZENODO_MD5[name]


@pytest.mark.parametrize("name", ["brnpdf.txt", "delbrnpdf.txt", "bkgpdf.txt"])
def test_shipped_copies_are_the_zenodo_files(name):
    data = resources.files("simcoh.data").joinpath("coherent_lar_2020").joinpath(name).read_bytes()
    assert hashlib.md5(data).hexdigest() == ZENODO_MD5[name]


@pytest.mark.parametrize("name", sorted(TABLE_I))
def test_released_pdfs_sum_to_the_published_predictions(name):
    assert np.loadtxt(REF / name)[:, 3].sum() == pytest.approx(TABLE_I[name], rel=2e-4)


def test_template_light_yield_is_the_pipelines():
    from simcoh.response.photon import mean_pe_per_kevee

    assert pe_per_kevee(LAR) == mean_pe_per_kevee(LAR.light) == 4.5


@pytest.mark.parametrize("template,files", [("cenns10-lar", ("brnpdf.txt", "delbrnpdf.txt")),
                                            ("cenns10-lar-prompt", ("brnpdf.txt",)),
                                            ("cenns10-lar-delayed", ("delbrnpdf.txt",))])
def test_brn_template_follows_the_released_energy_and_time(template, files):
    n = 40_000
    gen, ev = generate(f"/process/enable brn\n/process/brn/template {template}\n", n)
    total = sum(TABLE_I[f] for f in files)
    assert gen.expected["brn"] == pytest.approx(total * GWH_RUN / GWH_RELEASE, rel=2e-4)
    assert np.all(np.isnan(ev["t_nr_kev"]))
    kevee = ev["pe_template"] / 4.5
    for observed, released in ((np.histogram(kevee, KEVEE_EDGES)[0], sum(projection(f, 0) for f in files)),
                               (np.histogram(ev["t_ns"], T_EDGES_NS)[0], sum(projection(f, 2) for f in files))):
        assert observed.sum() == n
        chi2, dof, ok = chi2_ok(observed, released)
        assert ok, (template, chi2, dof)


def test_prompt_and_delayed_separate_in_time_as_released():
    """Default template: 497 prompt events before 1.4 µs, 33 delayed in 1.4–1.9 µs (× 6.117/6.12 GWh)."""
    n = 40_000
    gen, ev = generate("/process/enable brn\n", n)
    t = ev["t_ns"]
    delayed = np.mean((t >= 1400.0) & (t < 1900.0))
    p = 33.0 / 530.0
    assert delayed == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))
    assert np.all((t >= -100.0) & (t < 1900.0))


def test_steady_state_follows_the_released_spectrum_and_is_flat_in_time():
    n = 40_000
    gen, ev = generate("/process/enable ss\n", n)
    assert gen.expected["ss"] == pytest.approx(3152.0, abs=1.0)  # the shipped rate 0.6680 Hz, rounded
    chi2, dof, ok = chi2_ok(np.histogram(ev["pe_template"] / 4.5, KEVEE_EDGES)[0], projection("bkgpdf.txt", 0))
    assert ok, (chi2, dof)
    released_t = projection("bkgpdf.txt", 2)
    assert np.ptp(released_t) < 1e-9 * released_t.max()  # the release is flat in time
    assert stats.kstest((ev["t_ns"] + 100.0) / 5000.0, "uniform").pvalue > 1e-3


def test_released_spectrum_needs_a_release():
    text = "/detector/load csi-2021\n/process/enable ss\n/process/ss/spectrum released\n/run/beamOn 10\n"
    with pytest.raises(InputError, match=r"ss\.release"):
        load_macro_text(text)


def test_a_geometry_without_its_release_says_where_to_add_it(tmp_path):
    """cenns10-lar with the release key removed: the error says where the key goes and does not propose the
    model that failed (its own, 'released') as the way out."""
    geometries = Path(__file__).resolve().parents[1] / "geometries"
    text = (geometries / "cenns10-lar.toml").read_text()
    assert 'release = "cenns10-lar"\n' in text
    (tmp_path / "lar.toml").write_text(text.replace('release = "cenns10-lar"\n', ""))
    (tmp_path / "data").symlink_to(geometries / "data")
    with pytest.raises(InputError) as err:
        load_macro_text(f"/detector/load {tmp_path / 'lar.toml'}\n/process/enable ss\n/run/beamOn 10\n")
    assert "background.ss.release in the geometry file" in str(err.value)
    assert "choose the detector's own model" not in str(err.value)


def test_cenns10_template_needs_a_light_yield():
    from simcoh.generate.templates import template

    with pytest.raises(InputError, match="light yield"):
        template("brn", "cenns10-lar").pe_table(None)

"""Geometry files: shipped geometries, unit conversion, validation diagnostics, overrides, docs.

Expected numbers are the published values converted by hand (19.3 m = 1930 cm, 0.52 us = 520 ns, ...);
expected line numbers are found by searching the test's own geometry text for the offending line.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from simcoh.config import canonical_json
from simcoh.detector import (
    DetectorConfig,
    Override,
    available_geometries,
    load_geometry,
    schema_reference_markdown,
)
from simcoh.detector.locate import key_positions
from simcoh.errors import InputError

REPO = Path(__file__).resolve().parents[1]

BASE = """\
[detector]
name = "test"

[target]
material = "CsI"
mass = "14.57 kg"
distance = "19.3 m"
threshold = "6.5 keV"

[quenching]
model = "polynomial"
coefficients = [0.0554628, 4.30681, -111.707, 840.384]
variants = { low = [0.0495624, 5.09815, -137.858, 1085.2], high = [0.0613632, 3.51547, -85.5548, 595.562] }

[light]
yield = "13.35 PE/keVee"
pe_model = "poisson"

[scintillation]
tau = ["0.6 us", "3.5 us"]
fractions = [0.85, 0.15]

[digitizer]
sampling_rate = "250 MS/s"
adc_bits = 14
adc_min = 0
adc_max = 16383
baseline = 15000
spe_amplitude = 40
spe_width = "4 ns"
"""


def write(tmp_path: Path, text: str, name: str = "geo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, snippet: str) -> int:
    """1-based number of the only line of ``text`` containing ``snippet``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if snippet in line]
    assert len(hits) == 1, (snippet, hits)
    return hits[0]


def problems(path: Path, overrides=()) -> list:
    with pytest.raises(InputError) as info:
        load_geometry(str(path), overrides)
    return info.value.diagnostics


def only_problem(path: Path, overrides=()):
    found = problems(path, overrides)
    assert len(found) == 1, [str(d) for d in found]
    return found[0]


# ---- shipped geometries --------------------------------------------------------------------------

def test_every_shipped_geometry_loads():
    names = available_geometries()
    shipped = sorted(p.stem for p in (REPO / "geometries").glob("*.toml"))
    assert names == shipped
    assert {"csi-2021", "csi-2017", "cenns10-lar", "ge-ppc", "nai-185kg", "nai-3t", "lar-750"} <= set(names)
    for name in names:
        det = load_geometry(name)
        assert det.name == name
        assert Path(det.source_path).is_absolute()
        assert det.references, f"{name} names no source"
        assert det.target.mass_kg > 0 and det.target.distance_cm > 0


def test_csi_2021_in_internal_units():
    det = load_geometry("csi-2021")
    assert det.target.material == "CsI"
    assert det.target.distance_cm == pytest.approx(1930.0)  # 19.3 m
    assert det.target.mass_kg == pytest.approx(14.57)
    assert det.target.threshold_kev == pytest.approx(6.5)
    assert det.light.yield_pe_per_kev == pytest.approx(13.35)
    assert det.smearing.model == "gamma" and det.smearing.gamma_b_per_pe == pytest.approx(0.716)
    q = det.quenching
    assert q.model == "polynomial"
    assert q.coefficients == pytest.approx((0.0554628, 4.30681, -111.707, 840.384))
    assert dict(q.variants)["sys0_minus"] == pytest.approx((0.0495624, 5.09815, -137.858, 1085.2))
    # At 10 keVnr the 2021 polynomial gives ~0.882 keVee, i.e. the 2017 flat QF 0.0878 within 1 %.
    x_mev = 0.010
    e_ee_kev = 1e3 * sum(c * x_mev ** (i + 1) for i, c in enumerate(q.coefficients))
    assert e_ee_kev == pytest.approx(0.8820058, rel=1e-6)
    eff = det.efficiency.energy
    assert (eff.model, eff.variable) == ("logistic", "pe")
    assert (eff.a, eff.b, eff.c, eff.d) == pytest.approx((1.32045, 0.285979, 10.8646, -0.333322))
    t = det.efficiency.time
    assert t.model == "exp_after"
    assert t.t0_ns == pytest.approx(520.0)  # 0.52 us
    assert t.rate_per_ns == pytest.approx(0.0494e-3)  # 0.0494 / us
    assert det.scintillation.tau_ns == pytest.approx((600.0, 3500.0))
    assert det.windows.pretrace_ns == pytest.approx(40_000.0)
    assert det.windows.roi_ns == pytest.approx(15_000.0)
    assert det.windows.integration_ns == pytest.approx(3_000.0)
    assert det.digitizer.sampling_rate_per_ns == pytest.approx(0.25)  # 250 MS/s
    c = det.cuts
    assert (c.pretrace_max_pulses, c.roi_min_pulses) == (6, 9)
    assert c.pretrace_quiet_ns == pytest.approx(200.0)
    assert c.max_dt_first_second_ns == pytest.approx(520.0)
    assert c.pe_max == pytest.approx(60.0) and c.t_max_ns == pytest.approx(6000.0)
    # PE rate 54.25 kHz: a detected pulse rate of 49.4 kHz, the published eps_T slope (tuned, docs/waveforms.md)
    assert det.afterglow.rate_per_ns == pytest.approx(54.25e3 * 1e-9)


def test_csi_2017_release_parameters():
    det = load_geometry("csi-2017.toml")
    assert det.quenching.model == "constant" and det.quenching.factor == pytest.approx(0.0878)
    assert det.light.yield_pe_per_kev == pytest.approx(13.348)
    assert det.smearing.model == "poisson"
    eff = det.efficiency.energy
    assert eff.model == "logistic_step"
    assert (eff.a, eff.b, eff.c, eff.d, eff.step) == pytest.approx((0.6655, 0.4942, 10.8507, 0.0, 5.0))
    assert det.efficiency.time is None  # no time efficiency in the 2017 release
    assert det.digitizer is None and det.afterglow is None


def test_cenns10_efficiency_table_and_f90():
    det = load_geometry("cenns10-lar")
    assert det.target.mass_kg == pytest.approx(24.4) and det.target.distance_cm == pytest.approx(2750.0)
    assert det.target.threshold_kev == pytest.approx(20.0)
    assert det.quenching.offset == pytest.approx(0.246)
    assert det.quenching.slope_per_kev == pytest.approx(0.00078)
    assert det.smearing.resolution_a == pytest.approx(0.58)
    eff = det.efficiency.energy
    assert eff.variable == "kevee" and eff.columns == (0, 2)
    kevee, kevnr, efficiency = eff.table_data
    assert (kevee[0], kevnr[0], efficiency[0]) == pytest.approx((0.25, 1.01299, 0.0))
    assert (kevee[-1], efficiency[-1]) == pytest.approx((39.75, 0.96345))
    assert len(kevee) == 80  # 0.25 ... 39.75 keVee in 0.5 keVee steps
    # F90 = light within 90 ns: f_singlet (1 - exp(-90/6)) + f_triplet (1 - exp(-90/1500))
    tau_s, tau_t = det.scintillation.tau_ns
    assert (tau_s, tau_t) == pytest.approx((6.0, 1500.0))

    def f90(fractions):
        return sum(f * (1 - math.exp(-90.0 / tau)) for f, tau in zip(fractions, (tau_s, tau_t)))

    assert f90(det.scintillation.fractions) == pytest.approx(0.30, abs=0.005)
    assert f90(det.scintillation.nr_fractions) == pytest.approx(0.70, abs=0.005)


def test_other_geometries():
    ge = load_geometry("ge-ppc")
    assert (ge.target.mass_kg, ge.target.distance_cm) == pytest.approx((16.0, 2200.0))
    assert ge.quenching.model == "lindhard" and ge.quenching.k is None
    assert ge.ionization.pair_energy_ev == pytest.approx(2.96)
    assert ge.ionization.resolution_sigma0_kev == pytest.approx(0.070)
    assert ge.light is None
    nai = load_geometry("nai-3t")
    assert nai.target.mass_kg == pytest.approx(3000.0) and nai.target.distance_cm == pytest.approx(2800.0)
    assert nai.quenching_for("Na23").factor == pytest.approx(0.10)
    assert nai.quenching_for("I127").factor == pytest.approx(0.15)
    assert load_geometry("nai-185kg").target.mass_kg == pytest.approx(185.0)
    lar = load_geometry("lar-750")
    assert lar.target.mass_kg * lar.target.fiducial_fraction == pytest.approx(610.0, rel=1e-4)


# ---- malformed geometries: one specific message each, at the right line --------------------------

def test_unknown_key_with_did_you_mean(tmp_path):
    text = BASE.replace('distance = "19.3 m"', 'distnce = "19.3 m"')
    found = problems(write(tmp_path, text))
    unknown = [d for d in found if "unknown key 'distnce'" in d.message]
    assert len(unknown) == 1
    assert unknown[0].line == line_of(text, "distnce") and unknown[0].column == 1
    assert unknown[0].suggestion == "did you mean 'distance'?"
    # the real key is then missing as well, reported at the [target] header
    missing = [d for d in found if "missing required key 'distance'" in d.message]
    assert missing and missing[0].line == line_of(text, "[target]")


def test_missing_unit(tmp_path):
    text = BASE.replace('mass = "14.57 kg"', "mass = 14.57")
    d = only_problem(write(tmp_path, text))
    assert "missing unit" in d.message and d.line == line_of(text, "mass = 14.57")
    assert d.column == len("mass = ") + 1  # the value
    assert '"14.57 kg"' in d.suggestion


def test_wrong_dimension(tmp_path):
    text = BASE.replace('distance = "19.3 m"', 'distance = "19.3 kg"')
    d = only_problem(write(tmp_path, text))
    assert "'kg' is a mass, expected a length" in d.message
    assert d.line == line_of(text, "distance =")


def test_negative_mass(tmp_path):
    text = BASE.replace('mass = "14.57 kg"', 'mass = "-14.57 kg"')
    d = only_problem(write(tmp_path, text))
    assert "mass is negative: -14.57 kg" in d.message and d.line == line_of(text, "mass =")
    assert "> 0" in d.expected


def test_fractions_not_summing_to_one(tmp_path):
    text = BASE.replace("fractions = [0.85, 0.15]", "fractions = [0.8, 0.15]")
    d = only_problem(write(tmp_path, text))
    assert "fractions sum to 0.95, not 1" in d.message and d.line == line_of(text, "fractions =")


def test_quenching_polynomial_negative_in_range(tmp_path):
    # E_ee = -0.01 x + ... is negative just above 0
    text = BASE.replace("coefficients = [0.0554628,", "coefficients = [-0.0554628,")
    d = only_problem(write(tmp_path, text))
    assert "the quenching polynomial gives E_ee" in d.message and "<= 0" in d.message
    assert d.line == line_of(text, "coefficients =")


def test_quenching_polynomial_not_monotonic(tmp_path):
    # E_ee = 0.1 x - 50 x^3 (x in MeV): positive below 44.7 keV, turns over at sqrt(0.1/150) MeV = 25.8 keV
    text = BASE.replace("coefficients = [0.0554628, 4.30681, -111.707, 840.384]",
                        'coefficients = [0.1, 0.0, -50.0, 0.0]\nvalid_range = "40 keV"')
    text = text.replace("variants = {", "# variants = {")
    d = only_problem(write(tmp_path, text))
    assert "not monotonic" in d.message
    turn_kev = float(d.message.split("E_nr = ")[1].split()[0])
    assert turn_kev == pytest.approx(1e3 * math.sqrt(0.1 / 150.0), abs=0.05)


def test_bad_variant_in_inline_table_points_at_its_column(tmp_path):
    text = BASE.replace("high = [0.0613632,", "high = [-0.0613632,")
    d = only_problem(write(tmp_path, text))
    assert "quenching variant 'high'" in d.message
    line = line_of(text, "variants =")
    assert (d.line, d.column) == (line, text.splitlines()[line - 1].index("high") + 1)


def test_bad_choice_with_suggestion(tmp_path):
    text = BASE.replace('pe_model = "poisson"', 'pe_model = "poison"')
    d = only_problem(write(tmp_path, text))
    assert "pe_model = 'poison' is not allowed" in d.message
    assert d.suggestion == "did you mean 'poisson'?" and "binomial" in d.expected
    assert d.line == line_of(text, "pe_model")


def test_toml_syntax_error(tmp_path):
    text = BASE.replace('mass = "14.57 kg"', "mass = 14.57 kg")
    d = only_problem(write(tmp_path, text))
    assert d.message.startswith("invalid TOML") and d.line == line_of(text, "mass = 14.57 kg")


def test_adc_min_not_below_adc_max(tmp_path):
    text = BASE.replace("adc_min = 0", "adc_min = 16383")
    d = only_problem(write(tmp_path, text))
    assert "adc_min = 16383 is not below adc_max = 16383" in d.message
    assert d.line == line_of(text, "adc_min")


def test_missing_required_key_and_section(tmp_path):
    text = BASE.replace('threshold = "6.5 keV"\n', "")
    d = only_problem(write(tmp_path, text))
    assert "missing required key 'threshold' in [target]" in d.message
    assert d.line == line_of(text, "[target]")
    text = BASE.replace("[digitizer]\n", "[digitizer]\nnoise_mode = \"table\"\n")
    d = only_problem(write(tmp_path, text, "noise.toml"))
    assert "missing required key 'noise_table'" in d.message and "noise_mode = table" in d.message
    no_target = BASE.split("[target]")[0] + "[light]\nyield = \"1 1/keV\"\n"
    d = only_problem(write(tmp_path, no_target, "nt.toml"))
    assert d.message == "missing required section [target]"


def test_unknown_section_and_efficiency_table_range(tmp_path):
    (tmp_path / "eff.txt").write_text("# x eff\n1 0.5\n2 1.2\n")
    text = BASE + '\n[efficency.energy]\nmodel = "none"\n'
    d = only_problem(write(tmp_path, text))
    assert d.message == "unknown section [efficency]" and d.suggestion == "did you mean 'efficiency'?"
    text = BASE + '\n[efficiency.energy]\nmodel = "table"\nvariable = "kevee"\ntable = "eff.txt"\n'
    d = only_problem(write(tmp_path, text))
    assert "efficiency 1.2 at x = 2 is outside [0, 1]" in d.message and d.line == line_of(text, "table =")


def test_isotope_not_in_target(tmp_path):
    text = BASE + "\n[quenching.isotopes.Na23]\nmodel = \"constant\"\nfactor = 0.1\n"
    d = only_problem(write(tmp_path, text))
    assert "isotope 'Na23' is not in the target material CsI" in d.message
    assert d.line == line_of(text, "[quenching.isotopes.Na23]")


def test_all_problems_reported_together_in_line_order(tmp_path):
    text = (BASE.replace('mass = "14.57 kg"', 'mass = "-1 kg"')
            .replace('pe_model = "poisson"', 'pe_model = "poison"')
            .replace("adc_bits = 14", "adc_bitz = 14"))
    found = problems(write(tmp_path, text))
    lines = [d.line for d in found]
    assert lines == sorted(lines)
    messages = " | ".join(d.message for d in found)
    for expected in ("mass is negative", "'poison' is not allowed", "unknown key 'adc_bitz'",
                     "missing required key 'adc_bits'"):
        assert expected in messages
    assert str(write(tmp_path, text)) in str(found[0])


# ---- overrides -----------------------------------------------------------------------------------

def test_valid_overrides_change_values():
    det = load_geometry("csi-2021", [
        Override("target.distance", "20 m", "run.mac", 3, 1),
        Override("efficiency.energy.c", "11.5", "run.mac", 4, 1),
        Override("quenching.variant", "sys0_plus", "run.mac", 5, 1),
        Override("smearing.model", '"poisson"', "run.mac", 6, 1),
        Override("scintillation.tau", '["0.5 us", "2 us"]', "run.mac", 7, 1),
        Override("light.yield", "0.0135 1/eV", "run.mac", 8, 1),
    ])
    assert det.target.distance_cm == pytest.approx(2000.0)
    assert det.efficiency.energy.c == pytest.approx(11.5)
    assert det.quenching.variant == "sys0_plus"
    assert det.quenching.coefficients == pytest.approx((0.0613632, 3.51547, -85.5548, 595.562))
    assert det.smearing.model == "poisson"
    assert det.scintillation.tau_ns == pytest.approx((500.0, 2000.0))
    assert det.light.yield_pe_per_kev == pytest.approx(13.5)
    assert load_geometry("csi-2021").target.distance_cm == pytest.approx(1930.0)


def test_bad_overrides_point_at_the_macro():
    with pytest.raises(InputError) as info:
        load_geometry("csi-2021", [
            Override("target.distance", "20 kg", "run.mac", 7, 22),
            Override("target.distnce", "20 m", "run.mac", 8, 22),
            Override("quenching.variant", "sys0_plu", "run.mac", 9, 22),
            Override("digitizer.adc_min", "20000", "run.mac", 10, 22),
        ])
    found = info.value.diagnostics
    assert [(d.file, d.line, d.column) for d in found] == [("run.mac", n, 22) for n in (7, 8, 9, 10)]
    assert "expected a length" in found[0].message
    assert found[1].suggestion == "did you mean 'target.distance'?"
    assert "variant 'sys0_plu' is not defined" in found[2].message
    assert found[2].suggestion == "did you mean 'sys0_plus'?"
    assert "adc_min = 20000 is not below adc_max = 16383" in found[3].message
    assert "run.mac:7:22: error:" in str(info.value)


# ---- finding geometries, hashing -----------------------------------------------------------------

def test_resolution_and_unknown_name(tmp_path):
    path = write(tmp_path, BASE, "mine.toml")
    assert load_geometry("mine.toml", search_dirs=[tmp_path]).source_path == str(path.resolve())
    assert load_geometry(str(path)).name == "test"
    with pytest.raises(InputError) as info:
        load_geometry("csi2021")
    d = info.value.diagnostics[0]
    assert "unknown geometry 'csi2021'" in d.message
    assert d.suggestion == "did you mean 'csi-2021'?"
    assert all(name in d.expected for name in available_geometries())


def test_config_is_frozen_canonical_and_covers_table_content(tmp_path):
    det = load_geometry("cenns10-lar")
    with pytest.raises(dataclasses.FrozenInstanceError):
        det.target.mass_kg = 1.0
    assert pickle.loads(pickle.dumps(det)) == det
    d = det.to_dict()
    assert json.loads(canonical_json(d)) == d
    assert d["source_path"] == "cenns10-lar.toml"
    assert d["efficiency"]["energy"]["table_path"] == "CENNS10AnlAEfficiency.txt"
    assert d["target"]["distance_cm"] == pytest.approx(2750.0)
    # same geometry, one efficiency value changed in the table: the canonical form differs
    for name, eff in (("a", "0.5"), ("b", "0.6")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "eff.txt").write_text(f"1 {eff}\n2 0.9\n")
        write(tmp_path / name, BASE + '[efficiency.energy]\nmodel = "table"\nvariable = "pe"\ntable = "eff.txt"\n')
    da, db = (load_geometry(str(tmp_path / n / "geo.toml")).to_dict() for n in "ab")
    assert canonical_json(da) != canonical_json(db)
    assert isinstance(det, DetectorConfig)


def test_key_positions_scanner():
    text = ('a = 1  # [not.a.table]\n[sec]\nlist = [\n  "x]", # c\n  2,\n]\n'
            'inline = { p = [1, 2], "q" = 3 }\ns = "a = b"\n[sec.sub]\ndotted.key = 5\n')
    pos = key_positions(text)
    assert (pos[("a",)].line, pos[("sec",)].line, pos[("sec", "list")].line) == (1, 2, 3)
    assert (pos[("sec", "inline", "p")].line, pos[("sec", "inline", "p")].column) == (7, 12)
    assert (pos[("sec", "inline", "q")].line, pos[("sec", "inline", "q")].column) == (7, 24)
    assert pos[("sec", "s")].line == 8
    assert ("sec", "b") not in pos and ("not", "a", "table") not in pos
    assert pos[("sec", "sub", "dotted", "key")].line == 10


def test_docs_in_sync_with_schema():
    committed = (REPO / "docs" / "geometry.md").read_text()
    assert committed == schema_reference_markdown(), (
        "docs/geometry.md is out of date: regenerate it with "
        "`python -c 'from simcoh.detector import schema_reference_markdown as m; "
        "open(\"docs/geometry.md\", \"w\").write(m())'`"
    )


def test_efficiency_table_matches_numpy_reader():
    """The table read into the config equals an independent numpy read of the shipped file."""
    det = load_geometry("cenns10-lar")
    expected = np.loadtxt(REPO / "geometries" / "data" / "CENNS10AnlAEfficiency.txt", comments="#")
    assert np.array(det.efficiency.energy.table_data).T == pytest.approx(expected)


def test_section_fields_are_typed_from_the_schema_kind():
    import typing

    from simcoh.detector.model import DetectorConfig, section_class

    hints = typing.get_type_hints(section_class("digitizer"))
    assert hints["adc_bits"] is int and hints["sampling_rate_per_ns"] is float and hints["polarity"] is str
    assert hints["spe_width_ns"] == float | None  # needed only by the gaussian SPE shape
    assert hints["noise_table_data"] == tuple[tuple[float, ...], ...] | None
    assert typing.get_type_hints(section_class("scintillation"))["tau_ns"] == tuple[float, ...]
    assert typing.get_type_hints(section_class("efficiency.energy"))["columns"] == tuple[int, ...]
    assert typing.get_type_hints(section_class("cuts"))["saturation"] == bool | None
    assert typing.get_type_hints(DetectorConfig)["light"] == section_class("light") | None


def test_default_section_fills_schema_defaults_and_names_missing_or_unknown_fields():
    from simcoh.detector.model import default_section

    reco = default_section("reco")  # every [reco] key has a default: 0.375 SPE amplitudes, 12 ns, 0 ns
    assert (reco.pulse_threshold, reco.pulse_extension_ns, reco.pulse_merge_ns) == (0.375, 12.0, 0.0)
    spe = default_section("spe")
    assert (spe.model, spe.mean, spe.relative_width, spe.table_data) == ("gamma", 1.0, 0.542, None)
    light = default_section("light", yield_pe_per_kev=13.35)
    assert light.pe_model == "poisson" and light.photon_yield_per_kev is None  # binomial-only key
    with pytest.raises(InputError, match=r"\[light\] yield is required here"):
        default_section("light")
    with pytest.raises(InputError, match="did you mean 'yield_pe_per_kev'"):
        default_section("light", yield_pe_per_kevee=13.35)

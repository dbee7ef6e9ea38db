"""Physics and consistency checks that involve several keys of a section.

Each check receives the section's converted values (by key name, in field units) and a ``report``
callback ``report(message, key, expected=None, suggestion=None)`` that records a problem at the line
of ``key`` (a key name, a tuple such as ``("variants", "sys_plus")`` for an entry, or None for the
section header). Checks never raise; the loader collects every problem and raises once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..units import suggest

Report = Callable[..., None]

_SUM_TOLERANCE = 1e-6  # fractions must sum to 1 within this
_GRID_POINTS = 2000  # E_nr points on (0, valid_range] where quenching curves are checked
INT16_MIN, INT16_MAX = -32768, 32767  # waveforms are stored as int16 samples (simcoh.daq)
NOISE_TABLE_MIN_SAMPLES = 1024  # one noise segment of simcoh.daq.noise (NOISE_SEGMENT_SAMPLES)


def _select_variant(values: dict[str, Any], nominal: tuple[float, ...], report: Report) -> tuple[float, ...] | None:
    """The coefficient set named by ``variant``: ``nominal`` or an entry of ``variants``."""
    name = values["variant"]
    variants = dict(values["variants"])
    if name == "nominal":
        return nominal
    if name not in variants:
        names = ["nominal", *variants]
        report(f"variant '{name}' is not defined", "variant", expected="one of " + ", ".join(names),
               suggestion=suggest(name, names).strip(" ()") or f"add it to variants = {{ {name} = [...] }}")
        return None
    return variants[name]


def _quenching_curve(model: str, values: dict[str, Any], coefficients, e_nr_kev: np.ndarray) -> np.ndarray | None:
    """E_ee in keV at ``e_nr_kev`` for the analytic models (None where not checked here)."""
    if model == "polynomial":
        x_mev = e_nr_kev * 1e-3
        return 1e3 * sum(c * x_mev ** (i + 1) for i, c in enumerate(coefficients))
    if model == "constant":
        return values["factor"] * e_nr_kev
    if model == "linear":
        return e_nr_kev * (values["offset"] + values["slope"] * e_nr_kev)
    return None


def _check_curve(e_nr_kev: np.ndarray, e_ee_kev: np.ndarray, label: str, key: str, report: Report) -> None:
    """E_ee must be positive, increasing and at most E_nr on the checked range."""
    expected = "E_ee > 0, increasing and <= E_nr for 0 < E_nr <= valid_range"
    bad = np.flatnonzero(e_ee_kev <= 0)
    if bad.size:
        report(f"{label} gives E_ee = {e_ee_kev[bad[0]]:.4g} keVee <= 0 at E_nr = {e_nr_kev[bad[0]]:.4g} keVnr",
               key, expected=expected)
        return
    falls = np.flatnonzero(np.diff(e_ee_kev) <= 0)
    if falls.size:
        report(f"{label} is not monotonic: E_ee decreases above E_nr = {e_nr_kev[falls[0]]:.4g} keVnr", key,
               expected=expected, suggestion="lower valid_range or correct the coefficients")
        return
    above = np.flatnonzero(e_ee_kev > e_nr_kev)
    if above.size:
        report(f"{label} gives a quenching factor above 1 at E_nr = {e_nr_kev[above[0]]:.4g} keVnr", key,
               expected=expected)


def check_quenching(values: dict[str, Any], report: Report) -> dict[str, Any]:
    """Select the variant; check every variant's curve; check a quenching table. Returns updates."""
    model = values["model"]
    updates: dict[str, Any] = {}
    grid = np.linspace(0.0, values["valid_range"], _GRID_POINTS + 1)[1:]
    if model == "polynomial":
        chosen = _select_variant(values, values["coefficients"], report)
        if chosen is not None:
            updates["coefficients"] = chosen
        sets = [("coefficients", "the quenching polynomial", values["coefficients"])]
        sets += [(("variants", n), f"quenching variant '{n}'", c) for n, c in values["variants"]]
        for key, label, coefficients in sets:
            _check_curve(grid, _quenching_curve(model, values, coefficients, grid), label, key, report)
    elif model in ("constant", "linear"):
        key = "factor" if model == "constant" else "slope"
        _check_curve(grid, _quenching_curve(model, values, None, grid), f"the {model} quenching", key, report)
    elif model == "table":
        columns = values["table"][1]
        if len(columns) < 2:
            report("the quenching table needs two columns (E_nr keV, E_ee keV)", "table")
            return updates
        e_nr, e_ee = np.asarray(columns[0]), np.asarray(columns[1])
        if np.any(np.diff(e_nr) <= 0):
            report("the quenching table's E_nr column is not strictly increasing", "table")
        else:
            _check_curve(e_nr[e_nr > 0], e_ee[e_nr > 0], "the quenching table", "table", report)
    return updates


def check_isotope_name(name: str, material: str | None, report: Report) -> bool:
    """A per-isotope section must name an isotope present in the target material."""
    from ..physics.nuclei import material_isotopes

    if material is None:
        return False
    names = [t.isotope.name for t in material_isotopes(material)]
    if name not in names:
        report(f"isotope '{name}' is not in the target material {material}", None,
               expected="one of " + ", ".join(names), suggestion=suggest(name, names).strip(" ()") or None)
        return False
    return True


def check_light(values: dict[str, Any], report: Report) -> dict[str, Any]:
    if values["pe_model"] == "binomial":
        product = values["photon_yield"] * values["collection_efficiency"]
        if abs(product - values["yield"]) > 1e-3 * values["yield"]:
            report(f"photon_yield x collection_efficiency = {product:.4g} PE/keVee differs from yield = "
                   f"{values['yield']:.4g} PE/keVee", "collection_efficiency",
                   expected="photon_yield * collection_efficiency == yield (within 0.1 %)")
    return {}


def check_efficiency_energy(values: dict[str, Any], report: Report) -> dict[str, Any]:
    model = values["model"]
    updates: dict[str, Any] = {}
    if model in ("logistic", "logistic_step"):
        nominal = (values["a"], values["b"], values["c"], values["d"])
        for name, (a, b, _c, d) in [("nominal", nominal), *values["variants"]]:
            key = "a" if name == "nominal" else ("variants", name)
            if name != "nominal" and b <= 0:  # the nominal b is range-checked by the schema
                report(f"efficiency variant '{name}' has b = {b:g}", key, expected="b > 0 (efficiency rising with x)")
            if not 0 < a + d <= 1:
                report(f"efficiency {'curve' if name == 'nominal' else 'variant ' + repr(name)} has plateau "
                       f"a + d = {a + d:.4g} outside (0, 1]", key, expected="0 < a + d <= 1")
        chosen = _select_variant(values, nominal, report)
        if chosen is not None:
            updates.update(zip("abcd", chosen))
    elif model == "table":
        columns = values["table"][1]
        ix, ie = values["columns"]
        if not all(isinstance(i, int) for i in (ix, ie)) or max(ix, ie) >= len(columns):
            report(f"columns = [{ix}, {ie}] but the efficiency table has {len(columns)} columns", "columns",
                   expected=f"integer column indices below {len(columns)}")
            return updates
        x, eff = np.asarray(columns[ix]), np.asarray(columns[ie])
        if np.any(np.diff(x) <= 0):
            report("the efficiency table's x column is not strictly increasing", "table")
        outside = np.flatnonzero((eff < 0) | (eff > 1))
        if outside.size:
            report(f"efficiency {eff[outside[0]]:g} at x = {x[outside[0]]:g} is outside [0, 1]", "table",
                   expected="efficiencies between 0 and 1")
    return updates


def _check_fractions(values: dict[str, Any], key: str, report: Report) -> None:
    fractions = values[key]
    if fractions is None:
        return
    if len(fractions) != len(values["tau"]):
        report(f"{key} has {len(fractions)} entries but tau has {len(values['tau'])}", key,
               expected="one fraction per decay constant")
    total = float(sum(fractions))
    if abs(total - 1.0) > _SUM_TOLERANCE:
        report(f"{key} sum to {total:.6g}, not 1", key, expected="fractions summing to 1")


def check_scintillation(values: dict[str, Any], report: Report) -> dict[str, Any]:
    _check_fractions(values, "fractions", report)
    _check_fractions(values, "nr_fractions", report)
    return {}


def check_spe(values: dict[str, Any], report: Report) -> dict[str, Any]:
    if values["model"] == "polya" and values["relative_width"] > 1.0:
        # Polya of parameter theta = Gamma of shape 1 + theta = 1 / w^2: theta >= 0 needs w <= 1
        report(f"relative_width = {values['relative_width']:g} is above 1, impossible for a Polya law",
               "relative_width", expected="relative_width <= 1 for model = polya (theta = 1/w^2 - 1 >= 0)",
               suggestion='use model = "gamma" for wider SPE laws')
    if values["model"] == "table":
        columns = values["table"][1]
        if len(columns) < 2 or len(columns[0]) < 2 or min(columns[0]) < 0 or min(columns[1]) < 0 \
                or sum(columns[1][:-1]) <= 0:
            report("the SPE table needs two columns and at least two rows: charge >= 0 and a non-negative density "
                   "with a positive sum", "table")
        elif np.any(np.diff(columns[0]) <= 0):
            report("the SPE table's charge column is not strictly increasing", "table",
                   expected="bin edges in increasing order")
    return {}


def check_digitizer(values: dict[str, Any], report: Report) -> dict[str, Any]:
    lo, hi, bits = values["adc_min"], values["adc_max"], values["adc_bits"]
    if lo >= hi:
        report(f"adc_min = {lo} is not below adc_max = {hi}", "adc_min", expected="adc_min < adc_max")
        return {}
    if hi - lo > 2**bits - 1:
        report(f"adc_max - adc_min = {hi - lo} exceeds the {2**bits - 1} steps of a {bits}-bit ADC", "adc_max",
               expected=f"adc_max - adc_min <= 2^adc_bits - 1 = {2**bits - 1}")
    if not lo <= values["baseline"] <= hi:
        report(f"baseline = {values['baseline']:g} lies outside [adc_min, adc_max] = [{lo}, {hi}]", "baseline")
    for name, value, bad in (("adc_min", lo, lo < INT16_MIN), ("adc_max", hi, hi > INT16_MAX)):
        if bad:
            report(f"{name} = {value} does not fit the int16 waveform samples", name,
                   expected=f"{INT16_MIN} <= adc_min < adc_max <= {INT16_MAX}",
                   suggestion="shift adc_min, adc_max and baseline by a constant offset")
    if values["spe_table"] is not None:
        columns = values["spe_table"][1]
        if len(columns) < 2:
            report("the SPE pulse table needs two columns (time ns, amplitude)", "spe_table")
        elif len(columns[0]) < 3 or np.any(np.diff(columns[0]) <= 0) or max(columns[1]) <= 0:
            report("the SPE pulse table needs at least 3 rows with strictly increasing times and a positive peak",
                   "spe_table")
    if values["noise_table"] is not None:
        columns = values["noise_table"][1]
        if len(columns) < 1 or len(columns[0]) < NOISE_TABLE_MIN_SAMPLES:
            n = len(columns[0]) if columns else 0
            report(f"noise_table has {n} samples", "noise_table",
                   expected=f"at least {NOISE_TABLE_MIN_SAMPLES} baseline-subtracted noise samples (one column)")
    return {}


def check_cuts(values: dict[str, Any], report: Report) -> dict[str, Any]:
    lo, hi = values["pe_threshold"], values["pe_max"]
    if lo is not None and hi is not None and lo >= hi:
        report(f"pe_threshold = {lo:g} is not below pe_max = {hi:g}: no event can pass", "pe_threshold",
               expected="pe_threshold < pe_max")
    return {}


def check_windows(values: dict[str, Any], report: Report) -> dict[str, Any]:
    if values["integration"] > values["roi"]:
        report(f"integration window {values['integration']:g} ns is longer than the ROI {values['roi']:g} ns",
               "integration", expected="integration <= roi")
    return {}


def check_electron_response(values: dict[str, Any], report: Report) -> dict[str, Any]:
    window = values["window"]
    if window is not None and window[0] >= window[1]:
        report(f"window [{window[0]:g}, {window[1]:g}) MeV is empty", "window",
               expected="window = [\"low MeV\", \"high MeV\"] with low < high")
    return {}


#: Section name -> check; sections without an entry need none beyond the schema.
SECTION_CHECKS: dict[str, Callable[[dict[str, Any], Report], dict[str, Any]]] = {
    "quenching": check_quenching,
    "light": check_light,
    "efficiency.energy": check_efficiency_energy,
    "scintillation": check_scintillation,
    "spe": check_spe,
    "digitizer": check_digitizer,
    "windows": check_windows,
    "cuts": check_cuts,
    "electron_response": check_electron_response,
}

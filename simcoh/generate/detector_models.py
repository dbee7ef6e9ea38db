"""Background models belong to a detector.

``brn``, ``nin`` and ``ss`` describe neutrons at one detector's location, its shielding and its measured
steady-state spectrum, so their parameters live in the detector's ``[background.brn]``, ``[background.nin]`` and
``[background.ss]`` sections (geometry files; docs/geometry.md), each with its source. A process takes its
per-detector values from there; ``/process/<name>/...`` options override single values. Enabling one of these
processes on a detector without the section, or choosing a model whose values the section does not give, is an
:class:`~simcoh.errors.InputError` before any event is made (macro build time, and again when the process is
built), naming the detector, the process and what is missing. Another detector's numbers are never used silently.

``cevns`` and ``dm`` are generic: they need only the source (the detector's ``[beam]``) and the target
(docs/darkmatter.md: the meson yields per POT are SNS-beam properties, the detector direction a dm option).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError


@dataclass(frozen=True)
class DetectorModel:
    """How a background process reads its per-detector model."""

    process: str
    section: str  # geometry section, e.g. "background.brn"
    attribute: str  # DetectorConfig.background attribute
    what: str  # what the detector must describe, for messages
    model_key: str  # option naming the model ("brn.model"; for ss "ss.spectrum")
    #: merged options -> the option keys that must have a value (from the section or the macro) for the chosen model
    needs: Callable[[dict], list[str]]
    #: option key -> how the macro sets it and the geometry key that holds it
    commands: dict
    example: str  # a minimal section, for the suggestion

    def section_options(self, detector: Any) -> dict[str, Any]:
        """The section's values as process options (``brn.rate_per_gwh``: 6.19, ...); {} without a section."""
        section = self.of(detector)
        if section is None:
            return {}
        skip = ("reference",)
        return {f"{self.process}.{name}": value for name, value in vars(section).items()
                if name not in skip and value is not None}

    def of(self, detector: Any):
        background = getattr(detector, "background", None)
        return None if background is None else getattr(background, self.attribute, None)


def _needs_brn(options: dict) -> list[str]:
    model = options.get("brn.model")
    if model == "template":
        return ["brn.template"]
    spectrum = options.get("brn.spectrum")
    # a table spectrum is a file the macro names (the process checks it is given)
    shape = {"power_law": ["brn.index"], "exponential": ["brn.e0_mev"]}.get(spectrum, [])
    return ["brn.spectrum", *shape, "brn.e_min_mev", "brn.e_max_mev", "brn.rate_per_gwh", "brn.delay_mean_ns",
            "brn.delay_sigma_ns"]


def _needs_nin(options: dict) -> list[str]:
    if options.get("nin.model") == "template":
        return ["nin.template"]
    spectrum = options.get("nin.spectrum")
    shape = [] if spectrum == "table" else ["nin.temperature_mev"]
    return ["nin.spectrum", *shape, "nin.lead_mass_kg", "nin.reach_probability", "nin.delay_ns"]


def _needs_ss(options: dict) -> list[str]:
    spectrum = options.get("ss.spectrum")
    shape = {"parametric": ["ss.excess", "ss.slope_pe", "ss.turn_on_pe", "ss.turn_on_width_pe", "ss.pe_max"],
             "ac-histogram": ["ss.ac_data"], "released": ["ss.release"]}.get(spectrum, [])
    return ["ss.spectrum", *shape, "ss.rate_hz", "ss.window_start_ns", "ss.window_end_ns"]


MODELS: dict[str, DetectorModel] = {
    "brn": DetectorModel(
        "brn", "background.brn", "brn", "a beam-related-neutron (BRN) model at its location (neutron flux per GWh, "
        "spectrum and arrival delay, or a released template)", "brn.model", _needs_brn,
        {"brn.model": ("/process/brn/model", "model"), "brn.spectrum": ("/process/brn/spectrum", "spectrum"),
         "brn.index": ("/process/brn/index", "index"), "brn.e0_mev": ("/process/brn/slope", "e0"),
         "brn.e_min_mev": ("/process/brn/eMin", "e_min"), "brn.e_max_mev": ("/process/brn/eMax", "e_max"),
         "brn.table": ("/process/brn/table", None), "brn.rate_per_gwh": ("/process/brn/rate", "rate"),
         "brn.delay_mean_ns": ("/process/brn/delayMean", "delay_mean"),
         "brn.delay_sigma_ns": ("/process/brn/delaySigma", "delay_sigma"),
         "brn.delayed_rate_per_gwh": ("/process/brn/delayedRate", "delayed_rate"),
         "brn.template": ("/process/brn/template", "template")},
        '[background.brn] model = "spectrum", spectrum = "power_law", index, e_min, e_max, rate = "R 1/GWh", '
        'delay_mean, delay_sigma (or model = "template", template = ...)'),
    "nin": DetectorModel(
        "nin", "background.nin", "nin", "a neutrino-induced-neutron (NIN) model of its shielding (lead mass, "
        "reach probability and neutron spectrum, or a released template)", "nin.model", _needs_nin,
        {"nin.model": ("/process/nin/model", "model"), "nin.spectrum": ("/process/nin/spectrum", "spectrum"),
         "nin.temperature_mev": ("/process/nin/temperature", "temperature"),
         "nin.table": ("/process/nin/table", None), "nin.lead_mass_kg": ("/process/nin/leadMass", "lead_mass"),
         "nin.reach_probability": ("/process/nin/reachProbability", "reach_probability"),
         "nin.delay_ns": ("/process/nin/delay", "delay"), "nin.template": ("/process/nin/template", "template")},
        '[background.nin] model = "spectrum", spectrum = "evaporation", temperature, lead_mass, reach_probability, '
        'delay (or model = "template", template = ...)'),
    "ss": DetectorModel(
        "ss", "background.ss", "ss", "a steady-state background measured for it (PE spectrum and rate per second "
        "of open window)", "ss.spectrum", _needs_ss,
        {"ss.spectrum": ("/process/ss/spectrum", "spectrum"), "ss.excess": ("/process/ss/shape", "excess"),
         "ss.slope_pe": ("/process/ss/shape", "slope"), "ss.turn_on_pe": ("/process/ss/shape", "turn_on"),
         "ss.turn_on_width_pe": ("/process/ss/shape", "turn_on_width"), "ss.pe_max": ("/process/ss/peMax", "pe_max"),
         "ss.table": ("/process/ss/table", None), "ss.rate_hz": ("/process/ss/rate", "rate"),
         "ss.window_start_ns": ("/process/ss/window", "window_start"),
         "ss.window_end_ns": ("/process/ss/window", "window_end"), "ss.ac_data": (None, "ac_data"),
         "ss.release": (None, "release")},
        '[background.ss] spectrum = "parametric", excess, slope, turn_on, turn_on_width, pe_max, rate = "R Hz", '
        'window_start, window_end'),
}

#: Built-in detectors with a model of each background (for suggestions).
MODELLED_ON = {"brn": "csi-2021 (spectrum or template), csi-2017 (template) or cenns10-lar (released prompt and "
                      "delayed template, or spectrum)", "nin": "csi-2021", "ss": "csi-2021 or cenns10-lar"}


def _detector_name(detector: Any) -> str:
    return getattr(detector, "name", None) or "(no detector)"


def model_problem(process: str, detector: Any, options: dict) -> tuple[str, str, str] | None:
    """(message, expected, suggestion) if ``process`` has no complete model for ``detector`` with the macro's
    ``options``; None if it has one or needs none."""
    model = MODELS.get(process)
    if model is None:
        return None
    name = _detector_name(detector)
    merged = model.section_options(detector) | {k: v for k, v in options.items() if k.startswith(process + ".")}
    if model.of(detector) is None:
        return (f"process '{process}' has no model for detector '{name}': it needs {model.what}, and the detector "
                f"has no [{model.section}] section",
                f"a detector whose geometry defines [{model.section}], e.g. {MODELLED_ON[process]}",
                f"use a detector with a {process} model ({MODELLED_ON[process]}), or add to its geometry "
                f"{model.example} (each value with its source; docs/backgrounds.md), or disable {process}")
    missing = [k for k in model.needs(merged) if merged.get(k) is None]
    if not missing:
        return None
    chosen = merged.get(model.model_key)
    how = []
    for key in missing:
        command, geometry_key = model.commands.get(key, (None, None))
        ways = ([f"{command}"] if command else []) + ([f"{model.section}.{geometry_key} in the geometry file"]
                                                       if geometry_key else [])
        how.append(f"{key} ({' or '.join(ways)})")
    own = getattr(model.of(detector), model.model_key.split('.', 1)[1], None)
    return (f"process '{process}' on detector '{name}': the {model.model_key.split('.', 1)[1]} '{chosen}' needs "
            f"values that [{model.section}] does not give: {', '.join(missing)}",
            f"every value of the '{chosen}' model, from [{model.section}] or the macro",
            "set " + "; ".join(how) + ("" if own == chosen else f", or choose the detector's own model ({own})"))


def detector_options(process: str, detector: Any, options: dict) -> dict:
    """The process options with the detector's model filled in (macro values win); InputError if incomplete."""
    problem = model_problem(process, detector, options)
    if problem is not None:
        message, expected, suggestion = problem
        raise InputError(f"{message}; expected {expected}; {suggestion}")
    model = MODELS.get(process)
    if model is None:
        return dict(options)
    return model.section_options(detector) | dict(options)


def per_detector(process: str, decls: tuple) -> tuple:
    """The option declarations of ``process`` with the per-detector values' defaults taken out.

    A value that the detector's ``[background.<process>]`` section holds (its geometry key in
    :data:`MODELS`) has no default of its own: it comes from the detector, or from the macro, and
    the help says so. Everything else keeps its declared default."""
    from dataclasses import replace

    from ..declare import Group

    model = MODELS[process]

    def strip(p):
        geometry_key = model.commands.get(p.key, (None, None))[1]
        if geometry_key is None:
            return p
        return replace(p, default=None, source=None,
                       initial=f"the detector's {model.section}.{geometry_key} (geometry file)")

    out = []
    for d in decls:
        if isinstance(d, Group):
            params = tuple(strip(p) for p in d.params)
            changed = params != d.params
            out.append(replace(d, params=params,
                               initial=f"the detector's [{model.section}] values" if changed else d.initial))
        else:
            out.append(strip(d))
    return tuple(out)


def supports(process: str) -> Callable[[Any, dict], tuple[str, str, str] | None]:
    """The registry's detector hook of a background process (:attr:`simcoh.generate.process.ProcessSpec.supports`)."""
    return lambda detector, options: model_problem(process, detector, options)

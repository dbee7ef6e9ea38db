"""The text panels of an event display: truth, detector response, reconstruction and cuts, as aligned lines."""

from __future__ import annotations

import math

import numpy as np

#: Name of the incoming particle's energy per process (e_nu_mev holds a neutron's energy for brn and nin).
_ENERGY_LABEL = {"cevns": "E_ν", "brn": "E_n (neutron)", "nin": "E_n (neutron)", "dm": "E_χ"}
_FLAVOUR_LABEL = {"nu_e": "ν_e", "nu_mu": "ν_μ", "nu_mu_bar": "anti-ν_μ", "nu_e_bar": "anti-ν_e"}

#: (column, label, unit shown, scale from the column's unit, format) of the response quantities.
_RESPONSE = [
    ("e_ee_kev", "quenched E_ee", "keVee", 1.0, ".3f"),
    ("pe_template", "template PE", "PE", 1.0, ".2f"),
    ("pe", "smeared PE", "PE", 1.0, ".2f"),
    ("e_rec_kevee", "reconstructed E", "keVee", 1.0, ".3f"),
    ("eff_energy", "energy efficiency", "", 1.0, ".3f"),
    ("eff_time", "time efficiency", "", 1.0, ".3f"),
    ("accepted", "accepted (seeded)", "", 1.0, ""),
    ("n_pe_signal", "signal PE", "", 1.0, "d"),
    ("n_pe_afterglow", "afterglow PE", "", 1.0, "d"),
    ("charge_pe", "signal charge", "PE", 1.0, ".2f"),
    ("f90", "F90", "", 1.0, ".3f"),
]
_RECO = [
    ("baseline_adc", "baseline", "ADC", 1.0, ".2f"),
    ("onset_ns", "onset", "µs", 1e-3, ".3f"),
    ("t_rec_ns", "t_rec (from ROI)", "µs", 1e-3, ".3f"),
    ("pe_integrated", "integrated charge", "PE", 1.0, ".2f"),
    ("n_pulses_integration", "pulses integrated", "", 1.0, "d"),
    ("n_pulses_roi", "pulses in ROI", "", 1.0, "d"),
    ("n_pulses_pretrace", "pulses in pretrace", "", 1.0, "d"),
    ("dt_first_second_ns", "t(2nd) - t(1st)", "ns", 1.0, ".0f"),
    ("saturated", "saturated", "", 1.0, ""),
]
WIDTH = 19  # label column


def fmt(value, unit: str = "", spec: str = "", scale: float = 1.0) -> str:
    """A value with its unit; NaN as 'none', booleans as yes/no."""
    v = np.asarray(value).item() if np.ndim(value) == 0 else value
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and not math.isfinite(v):
        return "none" if math.isnan(v) else ("-inf" if v < 0 else "inf")
    if spec == "d":
        text = f"{int(v):,d}"
    elif isinstance(v, float):
        text = format(v * scale, spec or ".4g")
    else:
        text = str(v)
    return f"{text} {unit}".rstrip()


def line(label: str, text: str) -> str:
    return f"{label:<{WIDTH}}{text}"


def truth_lines(view) -> list[str]:
    g = view.get
    lines = ["TRUTH", line("process", view.process)]
    if view.flavour is not None:
        lines.append(line("flavour", _FLAVOUR_LABEL.get(view.flavour, view.flavour)))
    if view.isotope is not None:
        lines.append(line("struck isotope", view.isotope))
    if g("e_nu_mev") is not None and np.isfinite(g("e_nu_mev")):
        lines.append(line(_ENERGY_LABEL.get(view.process, "E (incoming)"), fmt(g("e_nu_mev"), "MeV", ".3f")))
    if g("t_ns") is not None:
        lines.append(line("arrival time t", fmt(g("t_ns"), "ns", ".1f")))
    if g("t_nr_kev") is not None:
        template = g("pe_template") is not None and np.isfinite(g("pe_template"))
        lines.append(line("recoil T_nr", "none (PE template event)" if template and not np.isfinite(g("t_nr_kev"))
                          else fmt(g("t_nr_kev"), "keV", ".3f")))
    if g("weight") is not None:
        lines.append(line("weight", fmt(g("weight"), "events", ".4g")))
    lines.append(line("event_id / seed", f"{int(g('event_id'))} / {view.seed}"))
    return lines


def response_lines(view) -> list[str]:
    rows = [line(label, fmt(view.get(name), unit, spec, scale))
            for name, label, unit, scale, spec in _RESPONSE if view.get(name) is not None]
    stage = "parametric" if view.fidelity == "parametric" else "photon stage"
    return [f"RESPONSE ({stage})", *rows] if rows else []


def window_lines(window) -> list[str]:
    lines = [f"RECONSTRUCTION ({window.label} window)"]
    lines += [line(label, fmt(window.reco[name], unit, spec, scale))
              for name, label, unit, scale, spec in _RECO if name in window.reco]
    if window.pulse_t_ns is not None:
        lines.append(line("pulses found", f"{len(window.pulse_t_ns)}"))
    if window.cuts:
        lines.append(f"CUTS ({window.label} window)")
        lines += [line(name, "pass" if ok else "FAIL") for name, ok in window.cuts]
    if window.selected is not None:
        lines.append(line("=> selected", "yes" if window.selected else "NO"))
    return lines


def missing_lines(view) -> list[str]:
    if not view.missing and not view.notes:
        return []
    out = []
    if view.missing:
        out.append("NOT AVAILABLE")
        out += [f"- {text}" for text in view.missing]
    out += [f"note: {text}" for text in view.notes]
    return out

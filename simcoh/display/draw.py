"""Drawing one event (an :class:`~simcoh.display.view.EventView`) with matplotlib's Agg backend.

Waveform fidelity: the coincident (C) window over its whole length and zoomed on the reconstructed onset, the
anti-coincident (AC) window where the run made one, and the photoelectrons; each window with its region of
interest, onset, integration window and the pulses reconstruction found. Photon fidelity: the photoelectrons.
Every fidelity: a text panel with the truth, the response, the reconstruction, each cut's result and what the
file does not hold. Times are from the window start, in µs.
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..errors import Diagnostic, InputError
from . import text

_SIGNAL, _AFTERGLOW, _ONSET, _INTEGRATION, _PULSE = "tab:blue", "0.55", "tab:red", "tab:orange", "tab:green"


def pyplot():
    """matplotlib.pyplot on the Agg backend, or an InputError saying how to install matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise InputError(Diagnostic("drawing an event needs matplotlib, which is not installed",
                                    expected="matplotlib >= 3.8",
                                    suggestion="pip install 'simcoh[plots]'")) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_event(view):
    """A matplotlib Figure of ``view``."""
    plt = pyplot()
    if view.fidelity == "waveform" and any(w.samples is not None for w in view.window_views):
        return _draw_waveform_event(plt, view)
    pe_t = view.get("pe_t_ns")
    if pe_t is not None:
        return _draw_photon_event(plt, view)
    if view.fidelity == "parametric" and view.config is not None and view.get("eff_energy") is not None:
        return _draw_parametric_event(plt, view)
    return _draw_text_only(plt, view)


def _time_label(view) -> str:
    if view.windows_ns:
        return "time from the window start [µs]"
    return "time [µs] (0: proton-pulse time origin; the detector has no [windows])"


def _recoil_time_us(view) -> float | None:
    """When the recoil happened on the axes' time scale: window pretrace + truth arrival time."""
    t = view.get("t_ns")
    if t is None or not np.isfinite(t):
        return None
    return (view.windows_ns.get("pretrace_ns", 0.0) + float(t)) * 1e-3


def _mark_recoil(ax, view, legend: bool) -> None:
    t = _recoil_time_us(view)
    if t is not None:
        ax.axvline(t, color="tab:purple", lw=1.0, ls=":", label="true recoil time" if legend else None)


def _title(view) -> str:
    return f"{view.path}  —  event {view.index} of {view.n_events:,}  ({view.process}, {view.fidelity} fidelity)"


def _text_panel(ax, blocks: list[list[str]], fontsize: float = 8.5) -> None:
    ax.axis("off")
    wrapped = []
    for block in blocks:
        if not block:
            continue
        wrapped.append("\n".join(textwrap.fill(t, 44, subsequent_indent="  ") for t in block))
    ax.text(0.0, 1.0, "\n\n".join(wrapped), transform=ax.transAxes, va="top", ha="left", family="monospace",
            fontsize=fontsize, bbox=dict(boxstyle="round,pad=0.6", facecolor="white", edgecolor="0.7"))


def _info_blocks(view) -> list[list[str]]:
    blocks = [text.truth_lines(view), text.response_lines(view)]
    blocks += [text.window_lines(w) for w in view.window_views]
    blocks.append(text.missing_lines(view))
    return blocks


def _signal(window, view) -> tuple[np.ndarray, str]:
    """Samples as pulse height above the reconstructed baseline (positive for either polarity)."""
    baseline = float(window.reco.get("baseline_adc", view.digitizer.get("baseline_adc", 0.0)))
    sign = view.digitizer.get("polarity_sign", 1)
    y = sign * (np.asarray(window.samples, np.float64) - baseline)
    label = "baseline − ADC [counts]" if sign < 0 else "ADC − baseline [counts]"
    return y, label


def _mark_regions(ax, view, window, legend: bool) -> None:
    """ROI start, onset and integration window of ``window``."""
    w = view.windows_ns
    if "pretrace_ns" in w:
        ax.axvspan(0.0, w["pretrace_ns"] * 1e-3, color="0.93", zorder=0,
                   label="pretrace" if legend else None)
    onset = float(window.reco.get("onset_ns", np.nan))
    if np.isfinite(onset):
        end = onset + w.get("integration_ns", 0.0)
        ax.axvspan(onset * 1e-3, end * 1e-3, color=_INTEGRATION, alpha=0.18, zorder=0,
                   label="integration window" if legend else None)
        ax.axvline(onset * 1e-3, color=_ONSET, lw=1.0, ls="--", label="reconstructed onset" if legend else None)


def _mark_pulses(ax, window, legend: bool, xlim=None) -> None:
    """Found pulses as triangles along the top of the axes (their charge written in the zoomed panel)."""
    if window.pulse_t_ns is None or len(window.pulse_t_ns) == 0:
        return
    t_us = np.asarray(window.pulse_t_ns) * 1e-3
    ax.plot(t_us, np.full(t_us.shape, 0.96), "v", color=_PULSE, ms=5, transform=ax.get_xaxis_transform(),
            label="found pulses" if legend else None, clip_on=True)
    if xlim is not None:
        inside = (t_us >= xlim[0]) & (t_us <= xlim[1])
        if inside.sum() <= 30:
            for k, (t, q) in enumerate(zip(t_us[inside], np.asarray(window.pulse_pe)[inside])):
                ax.text(t, 0.90 - 0.06 * (k % 2), f"{q:.1f}", transform=ax.get_xaxis_transform(), fontsize=6.5, ha="center",
                        va="top", color="darkgreen", clip_on=True)


def _window_axes(ax, view, window, t_us, y, ylabel: str, legend: bool, xlim=None) -> None:
    ax.plot(t_us, y, color="k", lw=0.5, label="digitized samples" if legend else None)
    _mark_regions(ax, view, window, legend)
    lo, hi = (xlim if xlim is not None else (t_us[0], t_us[-1]))
    inside = (t_us >= lo) & (t_us <= hi)
    top = float(np.max(y[inside])) if inside.any() else 1.0
    bottom = float(np.min(y[inside])) if inside.any() else 0.0
    ax.set_ylim(bottom - 0.05 * (top - bottom + 1), top + 0.35 * (top - bottom + 1))  # room for the pulse marks
    ax.set_xlim(lo, hi)
    _mark_pulses(ax, window, legend, xlim)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25)


def _draw_waveform_event(plt, view):
    windows = [w for w in view.window_views if w.samples is not None]
    has_pe = view.get("pe_t_ns") is not None
    heights = [1.0, 1.0] + [1.0] * (len(windows) - 1) + ([0.8] if has_pe else [])
    fig = plt.figure(figsize=(15, 2.6 * len(heights) + 1.2))
    grid = fig.add_gridspec(len(heights), 2, width_ratios=[3.1, 1.0], height_ratios=heights, hspace=0.55,
                            wspace=0.04, left=0.06, right=0.99, top=0.93, bottom=0.07)
    fig.suptitle(_title(view), fontsize=11)
    dt = view.digitizer.get("dt_ns", 4.0)
    c = windows[0]
    t_us = np.arange(len(c.samples)) * dt * 1e-3
    y, ylabel = _signal(c, view)
    full = fig.add_subplot(grid[0, 0])
    _mark_recoil(full, view, legend=True)
    _window_axes(full, view, c, t_us, y, ylabel, legend=True)
    full.set_title(f"{c.label} window, whole record" + (" (regenerated by replay)" if c.regenerated else ""),
                   loc="left", fontsize=10)
    full.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=6, fontsize=8, frameon=False,
                borderaxespad=0.2)
    zoom = fig.add_subplot(grid[1, 0])
    xlim = _zoom_range(view, c, t_us)
    _mark_recoil(zoom, view, legend=False)
    _window_axes(zoom, view, c, t_us, y, ylabel, legend=False, xlim=xlim)
    where = ("around the onset" if np.isfinite(float(c.reco.get("onset_ns", np.nan)))
             else "from the ROI start (no pulse in the ROI, so no onset)")
    zoom.set_title(f"{c.label} window {where} (numbers: pulse charge in PE)", loc="left", fontsize=10)
    pe_t = view.get("pe_t_ns")
    if pe_t is not None and len(pe_t):
        labels = view.get("pe_label", np.zeros(len(pe_t), np.int8))
        for code, colour, name in ((0, _SIGNAL, "signal PE times"), (1, _AFTERGLOW, "afterglow PE times")):
            sel = np.asarray(labels) == code
            if sel.any():
                zoom.plot(np.asarray(pe_t)[sel] * 1e-3, np.full(sel.sum(), 0.02), "|", color=colour, ms=9,
                          transform=zoom.get_xaxis_transform(), label=name)
        zoom.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False,
                    borderaxespad=0.2)
    row = 2
    for w in windows[1:]:
        ax = fig.add_subplot(grid[row, 0], sharex=full)
        yw, _ = _signal(w, view)
        _window_axes(ax, view, w, t_us, yw, ylabel, legend=False)
        ax.set_title(f"{w.label} window (beam-off trigger: afterglow and noise only)", loc="left", fontsize=10)
        row += 1
    for ax in fig.axes:
        ax.set_xlabel(_time_label(view))
    if has_pe:
        ax = fig.add_subplot(grid[row, 0], sharex=full)
        _pe_axes(ax, view)
    _text_panel(fig.add_subplot(grid[:, 1]), _info_blocks(view))
    return fig


def _zoom_range(view, window, t_us) -> tuple[float, float]:
    """From 1 µs before the onset to 1.5 µs after the integration window (the ROI start without an onset)."""
    w = view.windows_ns
    onset = float(window.reco.get("onset_ns", np.nan))
    start = onset if np.isfinite(onset) else w.get("pretrace_ns", 0.0)
    lo = max(t_us[0], (start - 1000.0) * 1e-3)
    hi = min(t_us[-1], (start + w.get("integration_ns", 3000.0) + 1500.0) * 1e-3)
    return lo, hi


def _pe_axes(ax, view, xlim=None) -> None:
    """Photoelectron charges at their times, signal and afterglow apart."""
    t = np.asarray(view.get("pe_t_ns"), np.float64) * 1e-3
    q = np.asarray(view.get("pe_charge"), np.float64)
    labels = np.asarray(view.get("pe_label", np.zeros(len(t), np.int8)))
    _mark_recoil(ax, view, legend=True)
    for code, colour, name in ((0, _SIGNAL, "signal"), (1, _AFTERGLOW, "afterglow")):
        sel = labels == code
        if sel.any():
            ax.vlines(t[sel], 0.0, q[sel], color=colour, lw=1.0)
            ax.plot(t[sel], q[sel], "o", color=colour, ms=3, label=f"{name} PE ({int(sel.sum())})")
    if len(t):
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
        ax.set_ylim(0.0, max(1.0, float(q.max())) * 1.3)
    else:
        ax.text(0.5, 0.5, "no photoelectrons in this event", transform=ax.transAxes, ha="center", va="center")
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_ylabel("PE charge [mean SPE]")
    ax.set_xlabel(_time_label(view))
    ax.set_title("photoelectrons (truth of the photon stage)", loc="left", fontsize=10)
    ax.grid(alpha=0.25)


def _draw_photon_event(plt, view):
    fig = plt.figure(figsize=(15, 7.5))
    grid = fig.add_gridspec(2, 2, width_ratios=[3.1, 1.0], hspace=0.45, wspace=0.04, left=0.06, right=0.99,
                            top=0.91, bottom=0.08)
    fig.suptitle(_title(view), fontsize=11)
    full = fig.add_subplot(grid[0, 0])
    _pe_axes(full, view)
    w = view.windows_ns
    if "pretrace_ns" in w:
        full.axvline(w["pretrace_ns"] * 1e-3, color="k", ls=":", lw=1.0)
        full.set_xlim(0.0, (w["pretrace_ns"] + w.get("roi_ns", 0.0)) * 1e-3)
    zoom = fig.add_subplot(grid[1, 0])
    t = np.asarray(view.get("pe_t_ns"), np.float64)
    signal = t[np.asarray(view.get("pe_label", np.zeros(len(t), np.int8))) == 0]
    if len(signal):
        lo = (signal.min() - 500.0) * 1e-3
        _pe_axes(zoom, view, xlim=(lo, max(lo + 1.0, (signal.max() + 500.0) * 1e-3)))
        zoom.set_title("zoom on the signal photoelectrons", loc="left", fontsize=10)
    else:
        _pe_axes(zoom, view)
        zoom.set_title("no signal photoelectrons", loc="left", fontsize=10)
    _text_panel(fig.add_subplot(grid[:, 1]), _info_blocks(view))
    return fig


def _draw_text_only(plt, view):
    n_lines = max(len(text.truth_lines(view)), len(text.response_lines(view)) + 2 * len(view.missing) + 2)
    height = 1.0 + 0.2 * n_lines  # inches: the boxes fill the figure
    fig = plt.figure(figsize=(11, height))
    fig.suptitle(_title(view), fontsize=11)
    grid = fig.add_gridspec(1, 2, left=0.03, right=0.98, top=1.0 - 0.6 / height, bottom=0.02, wspace=0.06)
    _text_panel(fig.add_subplot(grid[0, 0]), [text.truth_lines(view)], fontsize=10)
    _text_panel(fig.add_subplot(grid[0, 1]), [text.response_lines(view), text.missing_lines(view)], fontsize=10)
    return fig


#: The event's value of each energy-efficiency variable ([efficiency.energy] variable).
_EFFICIENCY_VARIABLE = {"pe": ("pe", "reconstructed PE"), "kevee": ("e_rec_kevee", "reconstructed energy [keVee]"),
                        "kevnr": ("t_nr_kev", "recoil energy [keVnr]")}


def _draw_parametric_event(plt, view):
    """The event on the detector's published energy and time efficiency curves, and the text panel."""
    from ..response.efficiency import energy_efficiency, energy_section, time_efficiency, time_section

    det = view.config.detector
    fig = plt.figure(figsize=(15, 5.2))
    fig.suptitle(_title(view), fontsize=11)
    grid = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.0, 1.05], left=0.05, right=0.99, top=0.86, bottom=0.12,
                            wspace=0.25)
    ax = fig.add_subplot(grid[0, 0])
    section = energy_section(det)
    pe = view.get("pe")
    variable = section.variable if section is not None else ("pe" if pe is not None and np.isfinite(pe) else "kevee")
    column, xlabel = _EFFICIENCY_VARIABLE[variable]
    x_event = view.get(column)
    x_max = max(60.0, 1.3 * float(x_event)) if x_event is not None and np.isfinite(x_event) else 60.0
    x = np.linspace(0.0, x_max, 600)
    if section is not None:
        ax.plot(x, energy_efficiency(x, section), "k-", label=f"[efficiency.energy] {section.model}")
    else:
        ax.plot(x, np.ones_like(x), "k-", label="no energy efficiency (1)")
    _event_marker(ax, x_event, view.get("eff_energy"))
    ax.set(xlabel=xlabel, ylabel="energy efficiency", ylim=(-0.03, 1.12), title="energy efficiency")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.25)
    ax = fig.add_subplot(grid[0, 1])
    section = time_section(det)
    t_event = view.get("t_ns")
    t_max = max(6000.0, 1.2 * float(t_event)) if t_event is not None and np.isfinite(t_event) else 6000.0
    t = np.linspace(0.0, t_max, 600)
    curve = time_efficiency(t, section) if section is not None else np.ones_like(t)
    ax.plot(t * 1e-3, curve, "k-", label="[efficiency.time]" if section is not None else "no time efficiency (1)")
    _event_marker(ax, None if t_event is None else t_event * 1e-3, view.get("eff_time"))
    ax.set(xlabel="arrival time t [µs]", ylabel="time efficiency", ylim=(-0.03, 1.12), title="time efficiency")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.25)
    _text_panel(fig.add_subplot(grid[0, 2]), [text.truth_lines(view), text.response_lines(view),
                                               text.missing_lines(view)], fontsize=8)
    return fig


def _event_marker(ax, x, y) -> None:
    """The event's variable and its stored efficiency (a star; a process whose events already include the
    efficiency stores 1 and sits above the curve)."""
    if x is None or y is None or not np.isfinite(x):
        return
    ax.plot([float(x)], [float(y)], "*", color=_ONSET, ms=14, label="this event (stored efficiency)", zorder=5)

"""Plot helpers of the validation cases: the pyplot setup, legends that never cover data (beside the panel),
statistical bands, residual panels with off-scale markers, and an atomic PNG save."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: Residual points beyond the panel's y range are drawn as a triangle at the edge, pointing out of the panel,
#: at this distance from it (axes fraction).
OFFSCALE_INSET = 0.06


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                         "legend.fontsize": 8, "legend.framealpha": 0.9})
    return plt


def legend_beside(ax, handles=None, labels=None, **kw):
    """A legend to the right of ``ax``, outside the data area (save with ``bbox_inches="tight"``)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kw)


def stat_band(ax, edges, centre, err, *, color="0.2", label=None, hatch="////"):
    """A ±err band around a histogram ``centre`` (translucent and hatched, so it shows over a filled stack)."""
    from matplotlib.colors import to_rgba

    centre, err = np.asarray(centre, float), np.asarray(err, float)
    return ax.stairs(centre + err, edges, baseline=centre - err, fill=True, facecolor=to_rgba(color, 0.18),
                     edgecolor=to_rgba(color, 0.75), hatch=hatch, lw=0, label=label, zorder=3)


def mark_offscale(ax, x, y, lo: float, hi: float, *, color="k", ms: float = 5.0) -> int:
    """Triangles at the top (▲) or bottom (▼) edge of ``ax`` for the points whose ``y`` lies outside [lo, hi];
    returns how many there were. Call it after drawing the in-range points, with the panel's final y limits."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    trans = ax.get_xaxis_transform()  # x in data, y in axes fraction
    n = 0
    for sel, y_ax, marker in ((y > hi, 1.0 - OFFSCALE_INSET, "^"), (y < lo, OFFSCALE_INSET, "v")):
        if np.any(sel):
            ax.plot(x[sel], np.full(int(sel.sum()), y_ax), marker, color=color, ms=ms, transform=trans,
                    clip_on=False, ls="none")
            n += int(sel.sum())
    return n


def residual_points(ax, x, y, yerr, lo: float, hi: float, *, color="k", fmt="o", ms: float = 3.0, label=None):
    """Error-bar points in a residual panel with y range [lo, hi]; the points beyond it get off-scale markers."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    yerr = None if yerr is None else np.asarray(yerr, float)
    ok = np.isfinite(y)
    inside = ok & (y >= lo) & (y <= hi)
    ax.errorbar(x[inside], y[inside], yerr=None if yerr is None else yerr[inside], fmt=fmt, ms=ms, color=color,
                label=label)
    ax.set_ylim(lo, hi)
    mark_offscale(ax, x[ok], y[ok], lo, hi, color=color, ms=ms + 2)


def pull_bars(ax, edges, pull, *, lim: float = 3.5):
    """Pulls as bars in a panel fixed at ±lim with ±1σ and ±2σ guide bands; pulls beyond ±lim are clipped at the
    edge and marked with a triangle."""
    centres = 0.5 * (edges[1:] + edges[:-1])
    pull = np.asarray(pull, float)
    ax.axhspan(-2, 2, color="gold", alpha=0.25, lw=0)
    ax.axhspan(-1, 1, color="tab:green", alpha=0.2, lw=0)
    ax.axhline(0, color="k", lw=0.8)
    ax.bar(centres, np.clip(pull, -lim, lim), width=np.diff(edges) * 0.85, color="0.35")
    ax.set_ylim(-lim, lim)
    ax.set_yticks([-2, 0, 2])
    mark_offscale(ax, centres, pull, -lim, lim, color="tab:red")
    ax.set_ylabel("pull [σ]")


def spectrum_panel(fig, spec, edges, data, data_err, stack, stack_err, xlabel, ylabel, title,
                   data_label="data", residual="pull", legend=True):
    """A main panel (data points over a stacked simcoh prediction) with a residual panel below it.

    ``stack``: list of (label, counts per bin, colour). ``stack_err``: simcoh statistical error of the total,
    drawn as a hatched band. residual "pull": (data − prediction)/√(σ_data² + σ_sim²); "diff": data − prediction
    with error bars. ``legend``: draw the legend beside the panel (False: the caller places one)."""
    gs = spec.subgridspec(2, 1, height_ratios=[3, 1], hspace=0.05)
    ax = fig.add_subplot(gs[0])
    axr = fig.add_subplot(gs[1], sharex=ax)
    centres = 0.5 * (edges[1:] + edges[:-1])
    bottom = np.zeros(len(edges) - 1)
    for label, counts, colour in stack:
        ax.stairs(bottom + counts, edges, baseline=bottom, fill=True, alpha=0.55, color=colour, label=label)
        bottom = bottom + counts
    ax.stairs(bottom, edges, color="k", lw=1.0, label="simcoh total")
    if stack_err is not None:
        rel = float(np.max(np.asarray(stack_err) / np.where(bottom > 0, bottom, np.inf), initial=0.0))
        stat_band(ax, edges, bottom, stack_err, label=f"simcoh stat. ±1σ (≤ {100 * rel:.2g} % per bin)")
    if data is not None:
        ax.errorbar(centres, data, yerr=data_err, fmt="o", color="k", ms=3.5, capsize=1.5, label=data_label,
                    zorder=5)
        sig = np.sqrt(np.asarray(data_err) ** 2 + (0 if stack_err is None else np.asarray(stack_err)) ** 2)
        if residual == "pull":
            pull = np.where(sig > 0, (data - bottom) / np.where(sig > 0, sig, 1), 0.0)
            pull_bars(axr, edges, pull)
        else:
            axr.axhline(0, color="k", lw=0.8)
            lim = 1.15 * float(np.max(np.abs(data - bottom) + sig)) if len(sig) else 1.0
            residual_points(axr, centres, data - bottom, sig, -lim, lim)
            axr.set_ylabel("data − sim [events]")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if legend:
        legend_beside(ax)
    ax.tick_params(labelbottom=False)
    axr.set_xlabel(xlabel)
    top = max(float(np.max(bottom + (0 if stack_err is None else stack_err))),
              float(np.max(data + np.asarray(data_err))) if data is not None else 0.0)
    low = min(0.0, float(np.min(data - np.asarray(data_err))) * 1.1) if data is not None else 0.0
    ax.set_ylim(low, top * 1.08)
    return ax, axr


def save_figure(fig, path: Path, **kw) -> Path:
    """Save ``fig`` as ``path`` atomically (a temporary file in the same folder, then a rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        fig.savefig(tmp, bbox_inches="tight", **kw)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path

"""PNG plots of the toy-MC efficiency against the published CsI[Na] curves (matplotlib, Agg backend).

Each plot has a residual panel (toy MC − published) with a ±``RESIDUAL_BAND`` band; residuals beyond the panel's
range are drawn as triangles at its edge. Files are written atomically (temporary file, then a rename)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..response.efficiency import energy_efficiency, energy_section, time_efficiency, time_section
from .targets import TOLERANCE_ENERGY, TOLERANCE_TIME

#: Half-width of the band drawn around zero in the residual panels (efficiency units): the verdict's tolerance of
#: that panel (targets.py: TOLERANCE_ENERGY = 0.03 for ε_E, TOLERANCE_TIME = 0.01 for ε_T).
RESIDUAL_BAND = 0.03
#: y range of the residual panels.
RESIDUAL_RANGE = (-0.1, 0.1)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _two_panels(plt):
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(6.4, 5.4), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1.3], "hspace": 0.06})
    for a in (ax, axr):
        a.grid(alpha=0.3)
    return fig, ax, axr


def _residual_panel(axr, x, diff, err_lo, err_hi, xlabel: str, colour: str = "C0",
                    band: float = RESIDUAL_BAND) -> None:
    """Residuals toy − published with asymmetric errors; points beyond RESIDUAL_RANGE become edge triangles;
    ``band``: half-width of the grey tolerance band."""
    lo, hi = RESIDUAL_RANGE
    axr.axhspan(-band, band, color="0.6", alpha=0.3, lw=0, label=f"±{band:g} (verdict tolerance)")
    axr.axhline(0, color="k", lw=0.8)
    x, diff = np.asarray(x, float), np.asarray(diff, float)
    inside = (diff >= lo) & (diff <= hi)
    axr.errorbar(x[inside], diff[inside], yerr=[np.asarray(err_lo)[inside], np.asarray(err_hi)[inside]], fmt="o",
                 ms=4, color=colour)
    trans = axr.get_xaxis_transform()
    for sel, y_ax, marker in ((diff > hi, 0.93, "^"), (diff < lo, 0.07, "v")):
        if np.any(sel):
            axr.plot(x[sel], np.full(int(sel.sum()), y_ax), marker, ms=7, color="C3", transform=trans,
                     clip_on=False, ls="none", label="beyond the panel\n(value written beside)")
            for xi, di in zip(x[sel], diff[sel]):
                axr.annotate(f"{di:+.2f}", (xi, y_ax), xycoords=trans, xytext=(6, 0), textcoords="offset points",
                             va="center", fontsize=7, color="C3")
    axr.set_ylim(lo, hi)
    axr.set(xlabel=xlabel, ylabel="toy − published")
    axr.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8)


def _save(fig, path: Path) -> Path:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def plot_efficiency(result, det, outdir: Path) -> dict[str, Path]:
    """Write efficiency_pe.png (ε_E) and efficiency_time.png (ε_T) into ``outdir``; returns the paths."""
    plt = _pyplot()
    outdir = Path(outdir)
    paths = {}
    for key, fig in efficiency_figures(result, det).items():
        paths[key] = _save(fig, outdir / FILE_NAMES[key])
        plt.close(fig)
    return paths


#: File name of each figure of :func:`efficiency_figures`.
FILE_NAMES = {"plot_pe": "efficiency_pe.png", "plot_time": "efficiency_time.png"}


def efficiency_figures(result, det) -> dict:
    """The figures (matplotlib) of an EfficiencyResult: "plot_pe" (ε_E vs PE) and "plot_time" (ε_T vs time),
    each with its residual panel toy − published; a scan without points gives no figure."""
    plt = _pyplot()
    figs = {}
    if result.eff_pe.size:
        fig, ax, axr = _two_panels(plt)
        x = np.linspace(0, max(60.0, float(result.pe_rec_mean.max()) * 1.1), 400)
        ax.plot(x, energy_efficiency(x, energy_section(det)), "k-", lw=1.2, label="published ε_E(PE)")
        ax.plot(result.pe_rec_mean, result.expected_pe, "x", ms=7, color="C3",
                label="published ε_E averaged over\nthe same recoils' PE")
        ax.errorbar(result.pe_rec_mean, result.eff_pe, yerr=[result.eff_pe - result.eff_pe_lo,
                    result.eff_pe_hi - result.eff_pe], fmt="o", ms=4, color="C0",
                    label=f"toy MC, {result.n_per_point} recoils/point\n(68 % Wilson interval)")
        ax.set(ylabel="selection efficiency", ylim=(0, 1.05),
               title=f"{det.name}: efficiency vs PE (recoil t < {energy_scan_t0_us(det):g} µs)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8)
        pop = result.population
        if pop is not None and (pop.n > 0).any():
            ok = pop.n > 0
            ax.errorbar(pop.centres_pe[ok], pop.eff[ok], yerr=[pop.eff[ok] - pop.eff_lo[ok],
                        pop.eff_hi[ok] - pop.eff[ok]], fmt="s", ms=3.5, mfc="none", color="C2",
                        label=f"flat population, binned in PE_rec\n({pop.n_recoils} recoils)")
            axr.errorbar(pop.centres_pe[ok] + 0.3, pop.eff[ok] - pop.expected[ok], yerr=[pop.eff[ok] - pop.eff_lo[ok],
                         pop.eff_hi[ok] - pop.eff[ok]], fmt="s", ms=3.5, mfc="none", color="C2")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8)
        _residual_panel(axr, result.pe_rec_mean, result.eff_pe - result.expected_pe,
                        result.eff_pe - result.eff_pe_lo, result.eff_pe_hi - result.eff_pe,
                        "mean reconstructed energy [PE] (3-µs integral from the onset)", band=TOLERANCE_ENERGY)
        figs["plot_pe"] = fig
    if result.eff_t.size:
        fig, ax, axr = _two_panels(plt)
        t = np.linspace(0, max(15_000.0, float(result.t_points_ns.max())), 400)
        ax.plot(t / 1e3, time_efficiency(t, time_section(det)), "k-", lw=1.2, label="published ε_T(t)")
        ax.errorbar(result.t_points_ns / 1e3, result.eff_t, yerr=[result.eff_t - result.eff_t_lo,
                    result.eff_t_hi - result.eff_t], fmt="o", ms=4, color="C0",
                    label=f"toy MC / plateau ({result.reference_eff:.3f}),\n{result.n_time} recoils/point "
                          "(68 % Wilson)")
        ax.set(ylabel="relative efficiency", ylim=(0, 1.1),
               title=f"{det.name}: efficiency vs time ({result.n_time} recoils / point)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8)
        _residual_panel(axr, result.t_points_ns / 1e3, result.eff_t - result.expected_t,
                        result.eff_t - result.eff_t_lo, result.eff_t_hi - result.eff_t,
                        "recoil time after the ROI start [µs]", band=TOLERANCE_TIME)
        figs["plot_time"] = fig
    return figs


def energy_scan_t0_us(det) -> float:
    """The end of the energy scan's recoil-time range, where the published ε_T reaches 1 [µs]."""
    return time_section(det).t0_ns / 1e3

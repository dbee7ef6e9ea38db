"""PNG plots of the toy-MC efficiency against the published CsI[Na] curves (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..response.efficiency import energy_efficiency, energy_section, time_efficiency, time_section


def plot_efficiency(result, det, outdir: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {}
    if result.eff_pe.size:
        fig, ax = plt.subplots(figsize=(6, 4))
        x = np.linspace(0, max(60.0, float(result.pe_rec_mean.max()) * 1.1), 400)
        ax.plot(x, energy_efficiency(x, energy_section(det)), "k-", label="published ε_E(PE)")
        ax.errorbar(result.pe_rec_mean, result.eff_pe, yerr=[result.eff_pe - result.eff_pe_lo,
                    result.eff_pe_hi - result.eff_pe], fmt="o", ms=4, label="toy MC (68 % Wilson)")
        ax.plot(result.pe_rec_mean, result.expected_pe, "x", color="C3", label="published, same recoils")
        ax.set(xlabel="reconstructed PE (3 µs from onset)", ylabel="selection efficiency", ylim=(0, 1.05),
               title=f"{det.name}: efficiency vs PE (recoil t < 0.52 µs)")
        ax.legend(loc="lower right")
        fig.tight_layout()
        paths["plot_pe"] = outdir / "efficiency_pe.png"
        fig.savefig(paths["plot_pe"], dpi=120)
        plt.close(fig)
    if result.eff_t.size:
        fig, ax = plt.subplots(figsize=(6, 4))
        t = np.linspace(0, max(15_000.0, float(result.t_points_ns.max())), 400)
        ax.plot(t / 1e3, time_efficiency(t, time_section(det)), "k-", label="published ε_T(t)")
        ax.errorbar(result.t_points_ns / 1e3, result.eff_t, yerr=[result.eff_t - result.eff_t_lo,
                    result.eff_t_hi - result.eff_t], fmt="o", ms=4, label="toy MC / plateau (68 % Wilson)")
        ax.set(xlabel="recoil time after ROI start (µs)", ylabel="relative efficiency", ylim=(0, 1.1),
               title=f"{det.name}: efficiency vs time ({result.n_per_point} recoils / point)")
        ax.legend(loc="lower left")
        fig.tight_layout()
        paths["plot_time"] = outdir / "efficiency_time.png"
        fig.savefig(paths["plot_time"], dpi=120)
        plt.close(fig)
    return paths

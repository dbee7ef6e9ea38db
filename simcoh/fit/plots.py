"""Plots of a fit: fitted components stacked over the data with pulls (one figure per channel and observable),
the profile likelihood of a parameter, the correlation matrix and 2D confidence contours. Written as PNG with
matplotlib's Agg backend, each atomically (temporary file, then rename)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .output import atomic_path

COLOURS = {"cevns": "tab:orange", "cevns_prompt": "tab:orange", "cevns_delayed": "gold", "brn": "tab:green",
           "nin": "tab:purple", "ss": "tab:blue", "dm": "tab:red"}
LABELS = {"cevns": "CEvNS", "brn": "BRN", "nin": "NIN", "ss": "steady state"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".png") as temp:  # matplotlib takes the format from the suffix
        fig.savefig(temp, dpi=110, bbox_inches="tight")
    return path


def projections(model, result, outdir, prefix: str = "") -> list[Path]:
    """For each channel and observable: the fitted samples stacked (best fit, Barlow–Beeston factors included)
    over the data projected on that observable, and the pulls (data − fit)/√fit below. Per-bin-width densities
    are not used: counts per bin, bins drawn at their true widths."""
    plt = _pyplot()
    paths = []
    for ch in model.channels:
        comps = result.expected[ch.name]
        for k, axis in enumerate(ch.axes):
            other = tuple(i for i in range(len(ch.axes)) if i != k)
            data = ch.data.reshape(ch.shape).sum(axis=other)
            stack = {name: np.asarray(v).reshape(ch.shape).sum(axis=other) for name, v in comps.items()}
            total = sum(stack.values())
            fig, (ax, axp) = plt.subplots(2, 1, figsize=(8.6, 5.6), sharex=True, height_ratios=(3, 1))
            bottom = np.zeros_like(total)
            order = sorted(stack, key=lambda n: -float(stack[n].sum()))
            for name in order:
                ax.stairs(bottom + stack[name], axis.edges, baseline=bottom, fill=True, alpha=0.75,
                          color=COLOURS.get(name), label=f"{LABELS.get(name, name)} ({stack[name].sum():.1f})")
                bottom = bottom + stack[name]
            ax.stairs(total, axis.edges, color="k", lw=1.0, label=f"fit total ({total.sum():.1f})")
            ax.errorbar(axis.centers, data, yerr=np.sqrt(data), fmt="o", color="k", ms=3.5,
                        label=f"data ({data.sum():.0f})")
            ax.set_ylabel("events / bin")
            ax.set_title(f"{model.name}: channel '{ch.name}', projection on {axis.name}", fontsize=10)
            # beside the axes: a legend inside would cover bins of the stack or data points
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                pull = np.where(total > 0, (data - total) / np.sqrt(total), 0.0)
            axp.bar(axis.centers, pull, width=np.diff(axis.edges), color="0.5", edgecolor="k", lw=0.5)
            axp.axhline(0, color="k", lw=0.8)
            for y in (-2, 2):
                axp.axhline(y, color="0.6", lw=0.6, ls="--")
            axp.set_ylabel("(data − fit)/√fit", fontsize=8)
            axp.set_xlabel(axis.title)
            lim = max(3.0, float(np.nanmax(np.abs(pull))) * 1.15 if pull.size else 3.0)
            axp.set_ylim(-lim, lim)
            paths.append(_save(fig, Path(outdir) / f"{prefix}{ch.name}_{axis.name}.png"))
            plt.close(fig)
    return paths


def profile_plot(name: str, values, q, best: float, path, *, label: str | None = None, scale: float = 1.0,
                 unit: str = "") -> Path:
    """−2 ln λ against ``name`` (× ``scale``, e.g. in events or cm²) with the 1σ and 2σ levels of Wilks."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.2))
    x = np.asarray(values) * scale
    ax.plot(x, q, color="tab:blue", lw=1.6)
    for level, txt in ((1.0, "1σ"), (4.0, "2σ")):
        ax.axhline(level, color="0.5", ls="--", lw=0.8)
        ax.text(x[0], level + 0.1, txt, fontsize=8, color="0.4")
    ax.axvline(best * scale, color="k", lw=0.8)
    ax.set_xlabel(label or name + (f" [{unit}]" if unit else ""))
    ax.set_ylabel("−2 ln λ (profile likelihood ratio)")
    ax.set_ylim(0, max(6.0, min(float(np.max(q)), 30.0)))
    ax.set_title(f"profile likelihood of {name}", fontsize=10)
    path = _save(fig, path)
    plt.close(fig)
    return path


def correlation_plot(result, path) -> Path:
    plt = _pyplot()
    names = result.free
    corr = result.correlation
    n = len(names)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * n, 0.8 + 0.5 * n))
    im = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(n), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n), names, fontsize=8)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{corr[i, j]:.2f}", ha="center", va="center", fontsize=6.5,
                    color="w" if abs(corr[i, j]) > 0.6 else "k")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(f"{result.model}: correlations (HESSE)", fontsize=10)
    path = _save(fig, path)
    plt.close(fig)
    return path


def contour_plot(xname, yname, xs, ys, q2d, best, path, *, xlabel=None, ylabel=None, sm=(1.0, 1.0)) -> Path:
    """2D profile likelihood ratio −2 ln λ(x, y) with the 68 % and 95 % contours for two parameters
    (Δ(−2 ln L) = 2.30 and 5.99, Wilks with 2 degrees of freedom), the best fit and the SM point."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 5))
    cs = ax.contour(xs, ys, q2d.T, levels=[2.30, 5.99], colors=["tab:blue", "tab:cyan"])
    ax.clabel(cs, fmt={2.30: "68 %", 5.99: "95 %"}, fontsize=8)
    ax.plot(*best, "k+", ms=10, label="best fit")
    ax.plot(*sm, "r*", ms=10, label="Standard Model")
    ax.set_xlabel(xlabel or xname)
    ax.set_ylabel(ylabel or yname)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    ax.set_title("profile likelihood contours", fontsize=10)
    path = _save(fig, path)
    plt.close(fig)
    return path

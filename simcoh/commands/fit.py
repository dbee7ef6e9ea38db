"""``simcoh fit MODEL [--output DIR]``: fit a model file (or a shipped model such as ``csi-2021``), print the best
fit, HESSE and MINOS uncertainties, correlations, χ²/dof (Baker–Cousins), the significance of the signal and the
derived numbers, and write ``result.json`` and the plots to DIR (docs/fitting.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

NAME = "fit"
WRITES_FILES = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="likelihood fit of a model file (templates from simcoh runs) to data")
    p.add_argument("model", help="fit model file (TOML, docs/fitting.md) or a shipped model: csi-2021, "
                                 "csi-2021-flavour, csi-2017")
    p.add_argument("--output", default=None, metavar="DIR",
                   help="folder for result.json and the PNG plots (default: fit-<model name>)")
    p.add_argument("--overwrite", action="store_true", help="replace the results of an earlier fit in DIR")
    p.add_argument("--no-plots", action="store_true", help="do not write plots")
    p.add_argument("--no-minos", action="store_true", help="HESSE errors only")
    p.add_argument("--no-barlow-beeston", action="store_true",
                   help="treat templates as exact (no Barlow–Beeston-lite factors for their MC statistics)")
    p.add_argument("--scan-points", type=int, default=31, help="points of the POI profile scan (31; 0: none)")
    p.add_argument("--contour-points", type=int, default=21,
                   help="grid points per axis of the 2D contour of a model with two POIs (21; 0: none)")
    p.add_argument("--cache-dir", default=None, help="template cache (default $SIMCOH_FIT_CACHE or "
                                                     "~/.cache/simcoh/fit)")
    p.add_argument("--rebuild-templates", action="store_true", help="remake cached templates")
    p.add_argument("--templates-only", action="store_true",
                   help="build (or check) the model's templates into the cache and stop, without fitting")
    p.add_argument("--pyhf", action="store_true", help="also write the model as a pyhf workspace (workspace.json)")


def _say(msg: str) -> None:
    print(f"simcoh fit: {msg}", file=sys.stderr, flush=True)


def run(args) -> int:
    from ..errors import Diagnostic, InputError
    from ..fit import load_model, require_fit_extra
    from ..fit.analysis import analyse
    from ..fit.results import write_json_atomic

    require_fit_extra()
    if args.scan_points < 0 or args.scan_points > 500 or args.contour_points < 0 or args.contour_points > 101:
        raise InputError(Diagnostic("--scan-points must be 0–500 and --contour-points 0–101",
                                    file="<command line>", suggestion="--scan-points 31 --contour-points 21"))
    model = load_model(args.model, cache_dir=args.cache_dir, progress=_say, rebuild=args.rebuild_templates)
    if args.templates_only:
        for c in model.channels:
            print(f"{model.name} channel {c.name} ({c.n_bins} bins, data {c.data.sum():.0f}): " + ", ".join(
                f"{s.name} {s.nominal.sum():.1f}" for s in c.samples))
        return 0
    outdir = Path(args.output or f"fit-{model.name}")
    result_path = outdir / "result.json"
    if result_path.exists() and not args.overwrite:
        raise InputError(Diagnostic(f"{result_path} exists; simcoh does not overwrite finished results",
                                    file=str(result_path), suggestion="choose another --output or add --overwrite"))
    result = analyse(model, minos=not args.no_minos, scan_points=args.scan_points,
                     barlow_beeston=not args.no_barlow_beeston, progress=_say)
    _windows(model, result)
    contour = None
    if len(model.pois) == 2 and args.contour_points:
        contour = _contour(model, result, args.contour_points, not args.no_barlow_beeston)
    print(report(model, result))
    payload = {"model": model.name, "model_file": model.source, "description": model.description,
               "references": list(model.references), "result": result.to_dict(),
               "templates": {f"{c.name}/{s.name}": s.source for c in model.channels for s in c.samples}}
    if contour is not None:
        payload["contour"] = contour
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    if args.pyhf:
        from ..fit import to_workspace

        written.append(write_json_atomic(outdir / "workspace.json", to_workspace(model), overwrite=args.overwrite))
    if not args.no_plots:
        written += _plots(model, result, outdir, contour)
    written.append(write_json_atomic(result_path, payload, overwrite=True))
    print("\nwritten: " + ", ".join(str(p) for p in written))
    return 0 if result.valid else 1


def _windows(model, result) -> None:
    from ..fit.analysis import window_counts

    spec = model.info.get("windows")
    if not spec:
        return
    result.extra["windows"] = [window_counts(model, result, spec["channel"], spec["axis"], lo, hi)
                               for lo, hi in spec["ranges"]]


def _contour(model, result, n: int, bb: bool) -> dict:
    from ..fit import Likelihood, fit

    lik = Likelihood(model, barlow_beeston=bb)
    xname, yname = model.pois[:2]
    grids = []
    for name in (xname, yname):
        v = result.values[name]
        e = max(result.errors[name], 1e-3)
        lo, hi = model.parameter(name).bounds or (-np.inf, np.inf)
        grids.append(np.linspace(max(v - 3.2 * e, lo), min(v + 3.2 * e, hi), n))
    q = np.zeros((n, n))
    _say(f"2D profile of {xname} × {yname} ({n}×{n} fits)")
    for i, x in enumerate(grids[0]):
        start = dict(result.values)
        for j, y in enumerate(grids[1]):
            r = fit(lik, init=start, fixed={xname: x, yname: y}, hesse=False)
            q[i, j] = max(2 * (r.nll - result.nll), 0.0)
            start = dict(r.values)
    return {"x": xname, "y": yname, "x_values": grids[0], "y_values": grids[1], "q": q,
            "levels": {"68%": 2.30, "95%": 5.99}}


def _plots(model, result, outdir, contour) -> list:
    from ..fit import plots

    out = plots.projections(model, result, outdir)
    prof = result.extra.get("profile")
    if prof:
        out.append(plots.profile_plot(prof["parameter"], prof["values"], prof["q"], result.values[prof["parameter"]],
                                      outdir / f"profile_{prof['parameter']}.png"))
    if len(result.free) > 1:
        out.append(plots.correlation_plot(result, outdir / "correlation.png"))
    if contour is not None:
        out.append(plots.contour_plot(contour["x"], contour["y"], contour["x_values"], contour["y_values"],
                                      contour["q"], (result.values[contour["x"]], result.values[contour["y"]]),
                                      outdir / f"contour_{contour['x']}_{contour['y']}.png"))
    return out


def report(model, result) -> str:
    """The printed summary of a fit."""
    lines = [f"model {model.name}: {model.description}", f"  file: {model.source}",
             f"  minimum: {'valid' if result.valid else 'NOT VALID'}, −ln L = {result.nll:.3f}, EDM = {result.edm:.2g}",
             "", f"  {'parameter':<16}{'value':>10}{'HESSE':>10}{'MINOS':>22}   kind"]
    for name in result.parameters:
        p = model.parameter(name)
        me = result.minos.get(name)
        minos = f"{me.lower:+.4f} / {me.upper:+.4f}" if me is not None and me.valid else "–"
        kind = "POI" if name in model.pois else ("N(0,1) nuisance" if p.constraint else "free")
        fixed = " (fixed)" if name not in result.free else ""
        lines.append(f"  {name:<16}{result.values[name]:>10.4f}{result.errors[name]:>10.4f}{minos:>22}   "
                     f"{kind}{fixed}")
    ex = result.extra
    c2 = ex.get("chi2")
    if c2:
        per = ", ".join(f"{c} {v:.1f}/{c2['per_channel_bins'][c]} bins" for c, v in c2["per_channel"].items())
        lines += ["", f"  χ²/dof = {c2['total']:.1f}/{c2['ndof']} (Baker–Cousins Poisson deviance; {per}; "
                      f"{c2['n_free']} free parameters)"]
    if "significance" in ex:
        s = ex["significance"]
        lines.append(f"  significance of {s['poi']} > 0: {s['z']:.2f} σ (q0 = {s['q0']:.2f}; profile likelihood "
                     "ratio, Wilks)")
    for pe in ex.get("poi_events", {}).values():
        if not pe:
            continue
        held = f"; {', '.join(pe['held_at_best_fit'])} held at best fit" if pe["held_at_best_fit"] else ""
        lines.append(f"  fitted {' + '.join(pe['samples'])}: {pe['events']:.1f} {pe['lower']:+.1f} "
                     f"{pe['upper']:+.1f} events{held} (statistical only: {pe['stat_lower']:+.1f} "
                     f"{pe['stat_upper']:+.1f})")
    xs = ex.get("cross_section")
    if xs:
        lines.append(f"  flux-averaged cross section: {xs['value']:.1f} {xs['lower']:+.1f} {xs['upper']:+.1f} × 1e-40 cm²"
                     f" (simcoh SM {xs['sm_predicted']:.1f})")
    lines += ["", "  events per channel and sample (predicted → fitted):"]
    for c, d in ex["fitted_events"].items():
        obs = model.channel(c).data.sum()
        parts = [f"{s} {ex['predicted_events'][c][s]:.1f} → {v:.1f}" for s, v in d.items()]
        lines.append(f"    {c} (data {obs:.0f}): " + ", ".join(parts))
    for w in ex.get("windows", []):
        lines.append(f"  window {w['window'][0]} ≤ {w['axis']} < {w['window'][1]}: observed {w['observed']:.0f}, fitted "
                     f"background {w['fitted_background']:.1f}, counted signal {w['counted_signal']:.1f} ± "
                     f"{w['counted_signal_error']:.1f} vs global fit {w['fitted_signal']:.1f}")
    if len(result.free) > 1:
        lines += ["", "  correlations (HESSE):"]
        names = result.free
        width = max(len(n) for n in names)
        lines.append("    " + " " * width + " " + " ".join(f"{n[:6]:>6}" for n in names))
        for i, n in enumerate(names):
            lines.append(f"    {n:<{width}} " + " ".join(f"{result.correlation[i, j]:>6.2f}" for j in range(len(names))))
    return "\n".join(lines)

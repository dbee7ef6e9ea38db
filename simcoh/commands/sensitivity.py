"""``simcoh sensitivity DETECTOR --exposure '1 year'``: expected CEvNS significance and cross-section
uncertainty from an Asimov data set and from pseudo-experiments (docs/sensitivity.md)."""

from __future__ import annotations

import math

from ._arguments import add_overwrite_argument

NAME = "sensitivity"
WRITES_FILES = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        NAME, help="expected CEvNS significance and cross-section uncertainty of a detector for an exposure",
        description="Build a binned model (energy x time) from simcoh runs of CEvNS and the detector's background "
        "models, then report the discovery significance and the uncertainty of sigma/sigma_SM from the Asimov "
        "data set and from pseudo-experiments. A detector without background models needs --ss-rate with "
        "--ss-source, or --signal-only.")
    p.add_argument("detector", help="built-in detector (simcoh geometries) or a geometry file")
    p.add_argument("--exposure", default="1 year",
                   help="N year(s) of SNS beam (7.0 GWh each), or an energy / POT as /run/exposure takes it "
                   "('13.99 GWh', '3e23 POT'); default 1 year")
    p.add_argument("--toys", type=int, default=1000, help="pseudo-experiments (default 1000; 0: Asimov only)")
    p.add_argument("--workers", type=int, default=1, help="worker processes for the pseudo-experiments")
    p.add_argument("--events", type=int, default=200_000, help="simulated events per template (default 200000)")
    p.add_argument("--seed", type=int, default=1, help="seed of the simulation and the pseudo-experiments")
    p.add_argument("--ss-rate", default=None, metavar="RATE",
                   help="flat steady-state background with its unit, e.g. '5e-3 1/keVee/kg/day' (requires --ss-source)")
    p.add_argument("--ss-source", default=None, metavar="TEXT", help="where --ss-rate comes from (printed with the result)")
    p.add_argument("--ss-uncertainty", type=float, default=None, metavar="FRACTION",
                   help="relative uncertainty of --ss-rate (default: Poisson error of an equal-length in-situ measurement)")
    p.add_argument("--signal-only", action="store_true", help="no background (said in the result's first line)")
    p.add_argument("--threshold", default=None, metavar="E",
                   help="energy threshold with its unit, e.g. '5 keVee' (default: the detector's efficiency curve, "
                   "else its nominal keVnr threshold quenched)")
    p.add_argument("--output", default=None, help="also write the result as JSON to this file")
    add_overwrite_argument(p, "--output file")


def _flat(args):
    from ..errors import InputError
    from ..fit.sensitivity import FlatBackground
    from ..units import UnitError, parse_quantity

    if args.ss_rate is None:
        if args.ss_source is not None or args.ss_uncertainty is not None:
            raise InputError("--ss-source and --ss-uncertainty describe --ss-rate: give --ss-rate too")
        return None
    if not args.ss_source:
        raise InputError(f"--ss-rate {args.ss_rate}: say where the rate comes from with --ss-source "
                         "(a measurement with its reference, or 'assumption: ...')")
    try:
        rate = parse_quantity(args.ss_rate, "1/keV/kg/day")
    except UnitError as err:
        raise InputError(f"--ss-rate '{args.ss_rate}': {err}; expected a rate per energy per mass per time such as "
                         "'5e-3 1/keVee/kg/day'") from None
    if rate < 0:
        raise InputError(f"--ss-rate '{args.ss_rate}': a rate must be >= 0")
    if args.ss_uncertainty is not None and not args.ss_uncertainty > 0:
        raise InputError(f"--ss-uncertainty {args.ss_uncertainty}: a relative uncertainty must be > 0")
    return FlatBackground(rate, args.ss_source, args.ss_uncertainty)


def run(args) -> int:
    from ..errors import InputError
    from ..fit import sensitivity as S

    if args.toys < 0:
        raise InputError(f"--toys {args.toys}: the number of pseudo-experiments must be >= 0")
    if args.workers < 1:
        raise InputError(f"--workers {args.workers}: the number of workers must be at least 1")
    if args.events < 1000:
        raise InputError(f"--events {args.events}: templates need at least 1000 simulated events")
    if args.signal_only and args.ss_rate is not None:
        raise InputError("--signal-only and --ss-rate contradict each other: give one")
    threshold = None
    if args.threshold is not None:
        from ..units import UnitError, parse_quantity

        try:
            threshold = parse_quantity(args.threshold, "keV")
        except UnitError as err:
            raise InputError(f"--threshold '{args.threshold}': {err}; expected an energy such as '5 keVee'") from None
    flat = _flat(args)
    sm = S.build_model(args.detector, args.exposure, n_events=args.events, seed=args.seed, flat=flat,
                       signal_only=args.signal_only, threshold=threshold)
    model = sm.model()
    a = S.asimov(model)
    lines = [f"simcoh sensitivity: {sm.detector}, {sm.exposure}"]
    lines += [f"  {n}" for n in sm.notes]
    lines.append(f"  CEvNS expected in the analysis bins: {sm.cevns.total:.4g} events "
                 f"({sm.binning.shape[0]} energy x {sm.binning.shape[1]} time bins, "
                 f"{sm.binning.x_edges[0]:.3g}-{sm.binning.x_edges[-1]:.3g} keVee, 0-{sm.binning.t_edges_ns[-1] / 1e3:g} us)")
    lines.append(f"Asimov:   significance {_sigma(a.z)}; sigma/sigma_SM uncertainty {100 * a.mu_error:.3g} % "
                 f"(stat + background), {100 * a.total_mu_error:.3g} % with the 10 % flux normalisation")
    if math.isinf(a.z):
        lines.append("  (no background where the CEvNS events are: any event excludes mu = 0)")
    result = {"detector": sm.detector, "exposure": sm.exposure, "notes": sm.notes, "cevns_events": sm.cevns.total,
              "backgrounds": {b.name: float(b.template.sum()) for b in sm.backgrounds},
              "asimov": {"z": _finite(a.z), "mu_error": a.mu_error, "mu_error_with_flux": a.total_mu_error}}
    if args.toys:
        e = S.ensemble(model, args.toys, seed=args.seed, workers=args.workers)
        zm, z16, z84 = e.band(e.z)
        em, e16, e84 = e.band(e.mu_error)
        lines.append(f"Toys ({len(e.z)} fits{f', {e.n_failed} failed' if e.n_failed else ''}): significance median "
                     f"{_sigma(zm)} (68 %: {_number(z16)}-{_number(z84)}); sigma/sigma_SM uncertainty median "
                     f"{100 * em:.3g} % "
                     f"(68 %: {100 * e16:.3g}-{100 * e84:.3g} %)")
        result["toys"] = {"n": len(e.z), "failed": e.n_failed, "z_median": _finite(zm),
                          "z_68": [_finite(z16), _finite(z84)],
                          "mu_error_median": em, "mu_error_68": [e16, e84]}
    print("\n".join(lines))
    if args.output:
        from ..fit.output import write_json

        print(f"wrote {write_json(args.output, result, overwrite=args.overwrite)}")
    return 0


def _sigma(z: float) -> str:
    """A significance for the report: infinite where μ = 0 expects none of the events (no background there)."""
    return "infinite" if math.isinf(z) else f"{_number(z)} sigma"


def _number(z: float) -> str:
    return "infinite" if math.isinf(z) else f"{z:.3g}"


def _finite(z: float) -> float | None:
    """``z`` for the JSON result: null when infinite (JSON has no infinity)."""
    return None if math.isinf(z) else z

"""``python -m validation [--fast] [--outdir DIR] [--reference-dir DIR] [--case KEY ...]``.

The validation runs from a clone of the simcoh repository: its cases use the repository's macros (``macros/``),
its published values (``published.py``) and the released COHERENT data (``reference/``), none of which is part of
the installed package. ``simcoh validate`` only prints how to run it.

Python (from the repository root)::

    from validation.command import run_validation
    results = run_validation(fast=True, outdir="validation-out")   # writes validation-out/report.md + plots/
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .results import FAIL, NOT_RUN, CaseResult

HERE = Path(__file__).resolve().parent
#: Case keys for the help text (kept in step with validation/cases by tests/test_validation*.py).
CASE_KEYS = ("csi2021, csi2017, n2, fidelity, flux, sensitivity, fit_csi2021, fit_csi2017, dm_limits, nsi, lar2020, "
             "gemini, naive_cc, d2o, nube")


def run_validation(fast: bool = True, outdir: str | os.PathLike | None = None,
                   reference_dir: str | os.PathLike | None = None, cases: list[str] | None = None,
                   progress: bool = True) -> list[CaseResult]:
    """Run the validation cases and write ``report.md`` and ``plots/*.png`` into ``outdir`` (default: this
    folder). ``fast``: parametric fidelity and modest event counts (minutes on one core); otherwise full
    statistics. ``reference_dir``: the released data (default: ``validation/reference``). ``cases``: a subset of
    case keys (default all). Raises FileNotFoundError when the reference data are missing."""
    from .runner import run_all

    reference = Path(reference_dir) if reference_dir is not None else HERE / "reference"
    out = Path(outdir) if outdir is not None else HERE
    return run_all(fast=fast, outdir=out, reference=reference, cases=cases, progress=progress)


def _argument_problem(args) -> str | None:
    """What is wrong with --case or --outdir (checked before any case runs), None if nothing."""
    from .cases import CASES

    unknown = [c for c in args.cases or () if c not in CASES]
    if unknown:
        return (f"--case {unknown[0]}: no such validation case; expected one of {', '.join(CASES)} "
                "(repeat --case for several)")
    if args.outdir is not None and Path(args.outdir).exists() and not Path(args.outdir).is_dir():
        return f"--outdir {args.outdir}: exists and is not a folder; expected a folder for the report and plots/"
    return None


def validate_command(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run; the exit status is 0 when every case that ran passed, 1 when a case failed and 2
    when the reference data are missing."""
    ap = argparse.ArgumentParser(prog="python -m validation",
                                 description="Validate simcoh against published COHERENT results and write a "
                                             "Markdown report with plots (run from a clone of the repository).")
    ap.add_argument("--fast", action="store_true",
                    help="parametric fidelity with modest event counts (a few minutes on one core)")
    ap.add_argument("--outdir", default=None, help="where report.md and plots/ go (default: the validation folder)")
    ap.add_argument("--reference-dir", default=None,
                    help="the released data (default: validation/reference beside this file)")
    ap.add_argument("--case", action="append", default=None, dest="cases",
                    help="run only this case (repeatable; its report goes to report-KEY.md): " + CASE_KEYS)
    ap.add_argument("--no-progress", action="store_true", help="do not print progress lines")
    args = ap.parse_args(argv)
    problem = _argument_problem(args)
    if problem:
        print(f"python -m validation: error: {problem}", file=sys.stderr)
        return 2
    try:
        results = run_validation(fast=args.fast, outdir=args.outdir, reference_dir=args.reference_dir,
                                 cases=args.cases, progress=not args.no_progress)
    except FileNotFoundError as exc:
        print(f"python -m validation: {exc}", file=sys.stderr)
        return 2
    for r in results:
        extra = f" ({r.reason})" if r.status == NOT_RUN else ""
        print(f"{r.key:<12} {r.status}{extra}  [{r.runtime_s:.1f} s]")
    from .runner import report_name

    out = Path(args.outdir) if args.outdir is not None else HERE
    print(f"report: {out / report_name(args.cases)}\nplots:  {out / 'plots'}{os.sep}")
    return 1 if any(r.status == FAIL for r in results) else 0

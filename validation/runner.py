"""Run the validation cases and write the report."""

from __future__ import annotations

import time
import traceback
from pathlib import Path

from .results import NOT_RUN, CaseResult

from .common import Context
from .report import write_report


def report_name(cases=None) -> str:
    """``report.md`` for the whole validation; a subset of cases writes ``report-<keys>.md`` so that running one
    case never replaces the full report."""
    return "report.md" if not cases else "report-" + "-".join(sorted(set(cases))) + ".md"


def run_all(fast: bool, outdir: Path, reference: Path, cases=None, progress: bool = True) -> list[CaseResult]:
    from .cases import CASES

    if not (reference / "coherent-csi-2021").is_dir() or not (reference / "coherent-csi-2017").is_dir():
        raise FileNotFoundError(f"validation reference data not found in {reference} (expected coherent-csi-2021/ "
                                "and coherent-csi-2017/ there)")
    unknown = [c for c in (cases or []) if c not in CASES]
    if unknown:
        raise ValueError(f"unknown validation case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    plots = outdir / "plots"
    plots.mkdir(exist_ok=True)
    for old in plots.glob("*.png"):  # the report is generated from scratch: no stale plots
        if cases is None:
            old.unlink()
    ctx = Context(fast=fast, outdir=outdir, reference=reference, progress=progress)
    t0 = time.perf_counter()
    results = []
    for key, module in CASES.items():
        if cases and key not in cases:
            continue
        ctx.log(f"case {key}: {module.TITLE}")
        t1 = time.perf_counter()
        try:
            r = module.run(ctx)
        except Exception as exc:  # a case that crashes is reported as not run, with the error, never hidden
            r = CaseResult(key, module.TITLE, NOT_RUN,
                           reason=f"error: {type(exc).__name__}: {exc}",
                           notes=["```\n" + traceback.format_exc(limit=6) + "```"])
            r.runtime_s = time.perf_counter() - t1
        ctx.log(f"case {key}: {r.status} in {r.runtime_s:.1f} s")
        results.append(r)
    write_report(results, outdir / report_name(cases), fast=fast, seed=ctx.seed, total_s=time.perf_counter() - t0,
                 partial=bool(cases), repo=ctx.repo)
    return results

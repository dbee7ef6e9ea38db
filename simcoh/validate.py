"""Entry point of the validation against published COHERENT results (``simcoh validate [--fast]``).

The validation cases, their reference data and the report writer live in the repository's ``validation/``
folder, not in the installed package: this module only finds that folder, imports it and runs it. Nothing is
read at import time.

Python::

    from simcoh.validate import run_validation
    results = run_validation(fast=True, outdir="validation")      # writes validation/report.md + plots/

Command line (``python -m validation`` calls the same function)::

    validate_command(["--fast"])      # returns a process exit status (0: every case that ran passed)

The ``validation/`` folder is looked for in ``reference_dir`` (the folder itself, its ``reference/`` child,
or a repository root holding it), then in the current working directory and its parents. A clear
:class:`FileNotFoundError` is raised when it (or its ``reference/`` data) cannot be found.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: Case status values.
PASS, FAIL, NOT_RUN, INFO = "pass", "fail", "not run", "info"


@dataclass
class Comparison:
    """One published number against simcoh.

    ``published_unc`` is the published (or stated) 1σ uncertainty used for ``n_sigma``; ``stat`` is simcoh's
    statistical uncertainty from the sample size (0 for numbers computed without sampling). ``passed`` is
    None for informational rows (no criterion)."""

    quantity: str
    unit: str
    published: float | None
    published_unc: float | None
    source: str
    simcoh: float | None
    stat: float | None
    criterion: str
    passed: bool | None
    note: str = ""

    @property
    def difference(self) -> float | None:
        if self.published is None or self.simcoh is None:
            return None
        return self.simcoh - self.published

    @property
    def n_sigma(self) -> float | None:
        d = self.difference
        if d is None or not self.published_unc:
            return None
        return d / self.published_unc


@dataclass
class CaseResult:
    """The outcome of one validation case.

    status: "pass" (every criterion met), "fail" (at least one not met), "not run" (a missing piece,
    named in ``reason``) or "info" (no pass criterion). ``not_run`` lists parts of a case that could not
    run, with the missing piece."""

    key: str
    title: str
    status: str
    comparisons: list[Comparison] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)  # (caption, header, rows)
    plots: list[tuple[str, str]] = field(default_factory=list)  # (path relative to the report, caption)
    notes: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    reason: str = ""
    runtime_s: float = 0.0
    data: dict = field(default_factory=dict)  # numbers for tests (not written to the report)

    def finish(self) -> "CaseResult":
        """Set the status from the comparisons (unless the case was not run)."""
        if self.status == NOT_RUN:
            return self
        judged = [c.passed for c in self.comparisons if c.passed is not None]
        if not judged:
            self.status = INFO
        else:
            self.status = PASS if all(judged) else FAIL
        return self


def find_validation_dir(reference_dir: str | os.PathLike | None = None) -> Path:
    """The repository's ``validation/`` folder (holding ``reference/`` and ``cases/``)."""
    candidates: list[Path] = []
    if reference_dir is not None:
        r = Path(reference_dir).resolve()
        candidates += [r, r.parent, r / "validation"]
    else:
        here = Path.cwd().resolve()
        for d in (here, *here.parents):
            candidates += [d / "validation", d] if d.name != "validation" else [d]
    for c in candidates:
        if (c / "cases").is_dir() and (c / "reference").is_dir() and (c / "__init__.py").is_file():
            return c
    where = str(reference_dir) if reference_dir is not None else f"{Path.cwd()} and its parents"
    raise FileNotFoundError(
        f"simcoh validate: cannot find the validation folder with its reference data (looked in {where}). "
        "Run from a clone of the simcoh repository (which has validation/reference/ and validation/cases/), "
        "or pass --reference-dir PATH/TO/validation/reference.")


def _import_validation(vdir: Path):
    root = str(vdir.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    module = importlib.import_module("validation.runner")
    loaded = Path(module.__file__).resolve().parent
    if loaded != vdir.resolve():
        raise ImportError(f"imported validation package from {loaded}, expected {vdir}")
    return module


def run_validation(fast: bool = True, outdir: str | os.PathLike | None = None,
                   reference_dir: str | os.PathLike | None = None, cases: list[str] | None = None,
                   progress: bool = True) -> list[CaseResult]:
    """Run the validation cases and write ``report.md`` and ``plots/*.png`` into ``outdir`` (default: the
    validation folder). ``fast``: parametric fidelity and modest event counts (minutes on one core);
    otherwise full statistics. ``cases``: a subset of case keys (default all)."""
    vdir = find_validation_dir(reference_dir)
    runner = _import_validation(vdir)
    out = Path(outdir) if outdir is not None else vdir
    return runner.run_all(fast=fast, outdir=out, reference=vdir / "reference", cases=cases, progress=progress)


def validate_command(argv: list[str] | None = None) -> int:
    """``simcoh validate [--fast] [--outdir DIR] [--reference-dir DIR] [--case KEY ...]``; returns an exit
    status: 0 when every case that ran passed, 1 when a case failed, 2 when the reference data are missing."""
    ap = argparse.ArgumentParser(prog="simcoh validate",
                                 description="Validate simcoh against published COHERENT results and write a "
                                             "Markdown report with plots.")
    ap.add_argument("--fast", action="store_true",
                    help="parametric fidelity with modest event counts (a few minutes on one core)")
    ap.add_argument("--outdir", default=None, help="where report.md and plots/ go (default: the validation folder)")
    ap.add_argument("--reference-dir", default=None,
                    help="the validation/reference folder (default: found from the working directory)")
    ap.add_argument("--case", action="append", default=None, dest="cases",
                    help="run only this case (repeatable): csi2021, csi2017, n2, fidelity, flux, sensitivity")
    ap.add_argument("--no-progress", action="store_true", help="do not print progress lines")
    args = ap.parse_args(argv)
    try:
        results = run_validation(fast=args.fast, outdir=args.outdir, reference_dir=args.reference_dir,
                                 cases=args.cases, progress=not args.no_progress)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for r in results:
        extra = f" ({r.reason})" if r.status == NOT_RUN else ""
        print(f"{r.key:<12} {r.status}{extra}  [{r.runtime_s:.1f} s]")
    return 1 if any(r.status == FAIL for r in results) else 0


__all__ = ["CaseResult", "Comparison", "find_validation_dir", "run_validation", "validate_command",
           "PASS", "FAIL", "NOT_RUN", "INFO"]

"""Checking the arguments of ``simcoh efficiency`` before anything is computed or created.

Every bound below says why it is there; a bad value is an InputError naming the option, with what was expected
and a suggestion, raised before the output directory exists.
"""

from __future__ import annotations

import math
import os

from ..errors import Diagnostic, InputError, OutputExistsError

#: Mean signal PE of the energy scan: the CsI[Na] ROI (12-bit digitizer) saturates a few hundred PE above the
#: CEvNS region (< 60 PE); 5,000 PE bounds the photoelectrons held per chunk of windows (CHUNK_WINDOWS × PE).
MAX_PE = 5000.0
#: Recoils per point: the Wilson interval at 10^6 recoils is ±0.0005, far below any published uncertainty.
MAX_N_PER_POINT = 1_000_000
#: Points per scan: a curve needs tens; each point costs n_per_point windows.
MAX_POINTS = 1000
#: Recoil times (µs after the ROI start) without a detector window to bound them (CsI ROI: 15 µs).
MAX_T_US = 1000.0
#: The files a study writes into its output folder (the report and the plots).
OUTPUT_FILES = ("efficiency.csv", "efficiency.md", "efficiency_pe.png", "efficiency_time.png")


def _problem(option: str, message: str, expected: str, suggestion: str | None = None) -> Diagnostic:
    return Diagnostic(f"{option}: {message}", file="<command line>", expected=expected, suggestion=suggestion)


def numbers(text: str, option: str, low: float, high: float, low_open: bool, what: str,
            problems: list) -> list[float]:
    """Comma-separated finite numbers in [low, high] (or (low, high]); problems go to ``problems``."""
    expected = f"comma-separated {what} {'>' if low_open else '>='} {low:g} and <= {high:g}, at most {MAX_POINTS}"
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        problems.append(_problem(option, f"'{text}' is not a list of numbers", expected, "e.g. 6,8,10"))
        return []
    if not values:
        problems.append(_problem(option, "no values given", expected, "e.g. 6,8,10"))
    elif len(values) > MAX_POINTS:
        problems.append(_problem(option, f"{len(values)} values", expected, "use fewer points"))
    bad = [v for v in values if not math.isfinite(v) or v > high or v < low or (low_open and v == low)]
    if bad:
        problems.append(_problem(option, f"{bad[0]:g} is out of range", expected,
                                 f"keep every value within ({low:g}, {high:g}]" if low_open
                                 else f"keep every value within [{low:g}, {high:g}]"))
    return values


def integer(value, option: str, low: int, high: int, why: str, problems: list) -> None:
    if value is not None and not low <= value <= high:
        problems.append(_problem(option, f"{value} is out of range", f"an integer from {low:,} to {high:,} ({why})"))


def outdir(path: str, problems: list) -> None:
    """The output folder may exist only as a folder."""
    if os.path.exists(path) and not os.path.isdir(path):
        problems.append(_problem("--outdir", f"'{path}' exists and is not a folder", "a folder name",
                                 "choose another --outdir"))


def check_outputs(path, overwrite: bool) -> None:
    """OutputExistsError if the folder ``path`` already holds a finished report or plot and not ``overwrite``."""
    existing = [name for name in OUTPUT_FILES if os.path.isfile(os.path.join(path, name))]
    if existing and not overwrite:
        raise OutputExistsError(f"{os.path.join(path, existing[0])} exists (a finished efficiency report); it was "
                                "left alone. Choose another --outdir or pass --overwrite to replace it")


def check_arguments(args, roi_us: float | None) -> tuple[list[float], list[float]]:
    """(pe_points, t_points_us) of the parsed ``simcoh efficiency`` arguments; InputError listing every problem.
    ``roi_us``: the detector's region-of-interest length (recoil times must fall in it)."""
    problems: list[Diagnostic] = []
    pe = numbers(args.pe, "--pe", 0.0, MAX_PE, True, "mean PE", problems)
    t_max = roi_us if roi_us is not None and 0 < roi_us <= MAX_T_US else MAX_T_US
    t_us = numbers(args.t_us, "--t-us", 0.0, t_max, False, "times in µs (within the detector's ROI)", problems)
    integer(args.n_per_point, "--n-per-point", 1, MAX_N_PER_POINT, "recoils per point", problems)
    integer(getattr(args, "time_n_per_point", None), "--time-n-per-point", 1, MAX_N_PER_POINT,
            "recoils per time point", problems)
    population = getattr(args, "population", 0)
    if population:
        integer(population, "--population", 1, MAX_N_PER_POINT * MAX_POINTS // 100, "recoils of the flat population",
                problems)
    integer(args.seed, "--seed", 0, 2**63 - 1, "a non-negative seed", problems)
    import numba

    integer(args.threads, "--threads", 1, numba.config.NUMBA_NUM_THREADS, "at most the threads numba started with",
            problems)
    outdir(args.outdir, problems)
    if problems:
        raise InputError(problems)
    check_outputs(args.outdir, getattr(args, "overwrite", False))
    return pe, t_us

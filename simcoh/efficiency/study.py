"""Toy-MC selection-efficiency study: ε vs PE and vs recoil time, compared with the published curves.

Energy scan: at each mean PE in ``pe_points``, ``n_per_point`` recoils with times uniform in
[0, t0) (t0 = efficiency.time.t0, where the published ε_T = 1). The measured efficiency (pass
fraction of the selection cuts, simcoh.reco.EFFICIENCY_CUTS) is compared with the expectation of the
published model for the same recoils, ⟨ε_E(PE_rec,i)⟩ over the events' reconstructed PE (the published
curve is a function of reconstructed PE); points are plotted at ⟨PE_rec⟩.

Time scan: at each time in ``t_points_ns``, ``time_n_per_point`` recoils (default TIME_SCAN_FACTOR ×
``n_per_point``, rendered with fast noise) of mean ``TIME_SCAN_PE`` PE. The measured ε(t) is normalised by a
reference sample (same size and PE, times uniform in [0, t0)), and the ratio compared with ε_T(t); the reference
sample's pass fraction is the plateau.

Population scan (optional, ``population_n`` recoils): ε_E in bins of reconstructed PE from a flat population of
recoils, the way the published curve was measured (population.py); informational, not part of the verdict.

Uncertainties: Wilson score intervals (68.3 %); χ² per point uses the binomial variance of the
published expectation (energy) or of the measured ratio (time, both samples' errors propagated).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

from ..daq import Digitizer
from ..detector import load_geometry
from ..errors import Diagnostic, InputError
from ..response.efficiency import energy_efficiency, energy_section, time_efficiency, time_section
from .options import check_outputs
from .plateau_bound import max_plateau_for_rate_mixture
from .population import PopulationScan, population_scan
from .stats import wilson_interval
from .targets import TOLERANCE_ENERGY, TOLERANCE_PLATEAU, TOLERANCE_TIME, VERDICT_PE_RANGE
from .toy import selection_pass

#: Mean PE of the time-scan recoils: high enough that ε_E is on its plateau (ε_E(40 PE) = 0.987).
TIME_SCAN_PE = 40.0

#: Time-scan recoils per point over energy-scan recoils per point. The verdict asks |ε_T(sim) − ε_T(pub)| ≤ 0.01 at
#: every point (targets.py); a ratio point near ε_T = 0.7 has a binomial sd of ≈ 0.50/√n (point and reference), and
#: the worst of 10 points of a perfect model is typically ≈ 2 sd: 0.022 at 2000 recoils, 0.007 at 20,000 (2000 × 10,
#: the default), so only the larger sample makes 0.01 a test of the model.
TIME_SCAN_FACTOR = 10
#: Noise of the time scan: the time efficiency comes from afterglow pulses, not from noise-induced pulses, and the
#: table noise renders ~1.6× faster (docs/waveforms.md, Speed).
TIME_SCAN_NOISE = "gaussian_fast"


@dataclass(frozen=True)
class Check:
    """One line of the verdict: |difference| against its tolerance (``value`` None: no point to measure it)."""

    name: str
    value: float | None
    tolerance: float
    detail: str

    @property
    def status(self) -> str:
        return "NOT MEASURED" if self.value is None else "PASS" if self.value <= self.tolerance else "FAIL"

    def line(self) -> str:
        shown = "-" if self.value is None else f"{self.value:.3f}"
        return f"  {self.status:<4}  {self.name:<38} {shown:>6}  (tolerance {self.tolerance:g}; {self.detail})"


@dataclass
class EfficiencyResult:
    pe_points: np.ndarray
    pe_rec_mean: np.ndarray
    eff_pe: np.ndarray
    eff_pe_lo: np.ndarray
    eff_pe_hi: np.ndarray
    expected_pe: np.ndarray
    chi2_pe: np.ndarray
    t_points_ns: np.ndarray
    eff_t: np.ndarray  # normalised to the reference sample
    eff_t_lo: np.ndarray
    eff_t_hi: np.ndarray
    expected_t: np.ndarray
    chi2_t: np.ndarray
    reference_eff: float
    n_per_point: int
    files: dict = field(default_factory=dict)
    #: published ⟨ε_E(PE_rec)⟩ of the reference sample (its plateau), NaN when not computed
    reference_expected: float = float("nan")
    #: recoils per time-scan point and in the reference (plateau) sample; 0: n_per_point
    n_time_per_point: int = 0
    #: ε_E in bins of reconstructed PE from a flat population (None: not run)
    population: PopulationScan | None = None
    #: largest pretrace-cut pass fraction of any Poisson afterglow rate distribution whose surviving windows give the
    #: published ε_T within the time tolerance (plateau_bound); NaN when the detector has no such cuts
    plateau_ceiling: float = float("nan")

    @property
    def n_time(self) -> int:
        return self.n_time_per_point or self.n_per_point

    @property
    def max_diff_pe(self) -> float:
        return float(np.max(np.abs(self.eff_pe - self.expected_pe))) if self.eff_pe.size else 0.0

    @property
    def max_diff_t(self) -> float:
        return float(np.max(np.abs(self.eff_t - self.expected_t))) if self.eff_t.size else 0.0

    def summary(self) -> str:
        lines = [f"toy-MC selection efficiency, {self.n_per_point} recoils per point"]
        if self.eff_pe.size:
            lines.append(f"  vs PE:   max |measured - published| = {self.max_diff_pe:.3f}, "
                         f"chi2/point = {self.chi2_pe.mean():.2f} ({self.eff_pe.size} points)")
        if self.eff_t.size:
            lines.append(f"  vs time: max |measured - published| = {self.max_diff_t:.3f}, "
                         f"chi2/point = {self.chi2_t.mean():.2f} ({self.eff_t.size} points of {self.n_time} "
                         f"recoils; reference plateau {self.reference_eff:.3f})")
        if self.population is not None:
            lines.append(f"  vs PE_rec bins (flat population of {self.population.n_recoils} recoils, "
                         f"informational): max |measured - published| = {self.population.max_diff:.3f}")
        return "\n".join(lines)

    def verdict(self) -> list[Check]:
        """The three checks against the published curves (see VERDICT_PE_RANGE and the tolerances)."""
        lo, hi = VERDICT_PE_RANGE
        inside = (self.pe_points >= lo) & (self.pe_points <= hi)
        energy = (float(np.max(np.abs(self.eff_pe[inside] - self.expected_pe[inside]))) if inside.any() else None)
        plateau = (None if np.isnan(self.reference_expected) else abs(self.reference_eff - self.reference_expected))
        time = self.max_diff_t if self.eff_t.size else None
        n = self.n_per_point
        return [
            Check("energy: max |eps_E(sim) - eps_E(pub)|", energy, TOLERANCE_ENERGY,
                  f"{int(inside.sum())} points of mean PE {lo:g}..{hi:g}; binomial sd <= {0.5 / np.sqrt(n):.3f}"),
            Check("plateau: |eps(sim) - eps_E(pub)|", plateau, TOLERANCE_PLATEAU,
                  f"{TIME_SCAN_PE:g} PE, eps_T = 1, {self.n_time} recoils; sim {self.reference_eff:.4f} vs "
                  f"published {self.reference_expected:.4f}; binomial sd {self._plateau_sd():.4f}"),
            Check("time: max |eps_T(sim) - eps_T(pub)|", time, TOLERANCE_TIME,
                  f"{self.eff_t.size} points of {self.n_time} recoils; binomial sd <= {self._time_sd():.4f}"),
        ]

    def _plateau_sd(self) -> float:
        p = self.reference_eff
        return float(np.sqrt(p * (1 - p) / self.n_time)) if self.n_time else 0.0

    def _time_sd(self) -> float:
        """Largest binomial standard deviation of a time-scan ratio (its point and the reference sample)."""
        if not self.eff_t.size or self.reference_eff <= 0:
            return 0.0
        p = np.clip(self.eff_t * self.reference_eff, 0.0, 1.0)
        n = self.n_time
        rel2 = (1 - p) / (n * np.maximum(p, 1.0 / n)) + (1 - self.reference_eff) / (n * self.reference_eff)
        return float(np.max(self.eff_t * np.sqrt(rel2)))

    def verdict_text(self) -> str:
        checks = self.verdict()
        failed = [c for c in checks if c.status != "PASS"]
        head = ("verdict against the published CsI[Na] 2021 efficiency (arXiv:2110.07730): "
                + ("PASS" if not failed else f"FAIL ({len(failed)} of {len(checks)} checks not met)"))
        lines = [head] + [c.line() for c in checks]
        if np.isfinite(self.plateau_ceiling):
            lines.append(f"  note: any Poisson afterglow (steady or varying from window to window) that keeps eps_T within "
                         f"{TOLERANCE_TIME:g} passes the pretrace cuts at most {self.plateau_ceiling:.3f} of the time "
                         "(simcoh.efficiency.plateau_bound; docs/waveforms.md)")
        return "\n".join(lines)


def published_curves(det):
    """The detector's published (ε_E in PE, ε_T) sections the study compares with; InputError without them."""
    e, t = energy_section(det), time_section(det)
    if e is None or t is None or e.variable != "pe":
        raise InputError(Diagnostic(f"detector '{det.name}' needs [efficiency.energy] in PE and [efficiency.time] "
                                    "to compare the toy-MC efficiency with", file="<command line>",
                                    expected="--geometry of a CsI[Na] data set with its published efficiencies",
                                    suggestion="--geometry csi-2021 (the default) or csi-2017"))
    return e, t


def _plateau_ceiling(det, eff_t, t_points_ns) -> float:
    """plateau_bound for the detector's pretrace cuts and published ε_T at the study's times (NaN: not applicable)."""
    cuts, windows = det.cuts, det.windows
    needed = (getattr(cuts, "pretrace_max_pulses", None), getattr(cuts, "pretrace_quiet_ns", None))
    if windows is None or None in needed or not len(t_points_ns) or eff_t.model != "exp_after":
        return float("nan")
    try:
        bound = max_plateau_for_rate_mixture(np.asarray(t_points_ns) / 1e3, eff_t.rate_per_ns * 1e3, eff_t.t0_ns / 1e3,
                                             TOLERANCE_TIME, pretrace_us=windows.pretrace_ns / 1e3,
                                             quiet_us=needed[1] / 1e3, max_pulses=int(needed[0]))
    except ValueError:
        return float("nan")
    return bound.plateau


def _energy_scan(det, seed, dig, pe_points, n, eff_e, t0_ns, first):
    rng_t = np.random.default_rng([seed, 1])  # recoil times only (the photon streams are simcoh.rng)
    rows = []
    for pe in pe_points:
        t = rng_t.uniform(0.0, t0_ns, n)
        passed, pe_rec = selection_pass(det, seed, np.full(n, pe), t, first, dig)
        first += n
        expected = float(energy_efficiency(pe_rec, eff_e).mean())
        k = int(passed.sum())
        lo, hi = wilson_interval(k, n)
        var = max(expected * (1 - expected), 1.0 / n) / n
        rows.append((pe_rec.mean(), k / n, float(lo), float(hi), expected, (k / n - expected) ** 2 / var))
    return np.array(rows).reshape(-1, 6), first


def _time_scan(det, seed, dig, t_points, n, eff_t, t0_ns, first):
    rng_t = np.random.default_rng([seed, 2])
    ref_pass, ref_pe_rec = selection_pass(det, seed, np.full(n, TIME_SCAN_PE), rng_t.uniform(0.0, t0_ns, n), first,
                                          dig)
    first += n
    k_ref = int(ref_pass.sum())
    ref = k_ref / n
    ref_expected = float(energy_efficiency(ref_pe_rec, energy_section(det)).mean())
    if k_ref == 0:
        raise InputError("no reference recoil passed the selection: the time efficiency cannot be normalised")
    rows = []
    for t in t_points:
        passed, _ = selection_pass(det, seed, np.full(n, TIME_SCAN_PE), np.full(n, t), first, dig)
        first += n
        k = int(passed.sum())
        lo, hi = wilson_interval(k, n)
        ratio = k / n / ref
        rel2 = max(k * (n - k), 1.0) / n**3 / max(k / n, 1.0 / n) ** 2 + (n - k_ref) / (n * k_ref)
        expected = float(time_efficiency(t, eff_t))
        rows.append((ratio, float(lo) / ref, float(hi) / ref, expected, (ratio - expected) ** 2 / (ratio**2 * rel2
                     if ratio > 0 else 1.0 / n)))
    return np.array(rows).reshape(-1, 5), ref, ref_expected, first


def _write_atomic(path: Path, text: str) -> Path:
    """``text`` to ``path`` through a temporary file beside it and a rename (never a half-written file)."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        tmp.write_text(text, newline="")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_table(result: EfficiencyResult, outdir: Path) -> dict[str, Path]:
    """efficiency.csv (both scans) and efficiency.md (markdown tables), each written atomically."""
    outdir.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = outdir / "efficiency.csv", outdir / "efficiency.md"
    with io.StringIO(newline="") as f:
        w = csv.writer(f)
        w.writerow(["scan", "point", "pe_rec_mean", "efficiency", "wilson_lo", "wilson_hi", "published", "chi2"])
        for i, pe in enumerate(result.pe_points):
            w.writerow(["pe", f"{pe:g}", f"{result.pe_rec_mean[i]:.4f}", f"{result.eff_pe[i]:.5f}",
                        f"{result.eff_pe_lo[i]:.5f}", f"{result.eff_pe_hi[i]:.5f}", f"{result.expected_pe[i]:.5f}",
                        f"{result.chi2_pe[i]:.3f}"])
        for i, t in enumerate(result.t_points_ns):
            w.writerow(["time_ns", f"{t:g}", "", f"{result.eff_t[i]:.5f}", f"{result.eff_t_lo[i]:.5f}",
                        f"{result.eff_t_hi[i]:.5f}", f"{result.expected_t[i]:.5f}", f"{result.chi2_t[i]:.3f}"])
        pop = result.population
        for i, c in enumerate(pop.centres_pe if pop is not None else ()):
            w.writerow(["pe_rec_bin", f"{c:g}", f"{c:g}", f"{pop.eff[i]:.5f}", f"{pop.eff_lo[i]:.5f}",
                        f"{pop.eff_hi[i]:.5f}", f"{pop.expected[i]:.5f}", ""])
        _write_atomic(csv_path, f.getvalue())
    md = ["# Toy-MC selection efficiency", "", "```", result.summary(), "", result.verdict_text(), "```", "",
          "| mean PE | <PE_rec> | efficiency | 68 % Wilson | published <eps_E(PE_rec)> | chi2 |", "|---|---|---|---|---|---|"]
    md += [f"| {pe:g} | {result.pe_rec_mean[i]:.2f} | {result.eff_pe[i]:.4f} | [{result.eff_pe_lo[i]:.4f}, "
           f"{result.eff_pe_hi[i]:.4f}] | {result.expected_pe[i]:.4f} | {result.chi2_pe[i]:.2f} |"
           for i, pe in enumerate(result.pe_points)]
    md += ["", f"| t (µs) | efficiency / plateau ({result.reference_eff:.4f}) | 68 % Wilson | published eps_T | chi2 |",
           "|---|---|---|---|---|"]
    md += [f"| {t / 1e3:g} | {result.eff_t[i]:.4f} | [{result.eff_t_lo[i]:.4f}, {result.eff_t_hi[i]:.4f}] | "
           f"{result.expected_t[i]:.4f} | {result.chi2_t[i]:.2f} |" for i, t in enumerate(result.t_points_ns)]
    pop = result.population
    if pop is not None:
        md += ["", f"Flat population ({pop.n_recoils} recoils, mean PE uniform in [0, {pop.max_mean_pe:g})), "
               "binned in reconstructed PE (informational):", "",
               "| PE_rec bin | recoils | efficiency | 68 % Wilson | published <eps_E(PE_rec)> |", "|---|---|---|---|---|"]
        md += [f"| {c:g} ± 1 | {pop.n[i]} | {pop.eff[i]:.4f} | [{pop.eff_lo[i]:.4f}, {pop.eff_hi[i]:.4f}] | "
               f"{pop.expected[i]:.4f} |" for i, c in enumerate(pop.centres_pe)]
    _write_atomic(md_path, "\n".join(md) + "\n")
    return {"csv": csv_path, "markdown": md_path}


def run_efficiency_study(detector, n_per_point: int, pe_points, t_points_ns, seed: int, outdir,
                         threads: int | None = None, plots: bool = True,
                         noise_mode: str | None = None, time_n_per_point: int | None = None,
                         time_noise_mode: str | None = TIME_SCAN_NOISE,
                         population_n: int = 0, overwrite: bool = False) -> EfficiencyResult:
    """Run both scans, write ``efficiency.csv``, ``efficiency.md`` and (``plots``) PNGs into ``outdir``.

    ``detector``: a DetectorConfig or a geometry name/path. ``threads``: numba threads (None: unchanged).
    ``noise_mode``: override of digitizer.noise_mode for the energy scan (e.g. ``gaussian_fast``).
    ``time_n_per_point``: recoils per time point and in the plateau sample (None: TIME_SCAN_FACTOR ×
    ``n_per_point``). ``time_noise_mode``: noise of the time scan (None: as the energy scan). ``population_n``:
    recoils of the flat-population scan binned in PE_rec at ``pe_points`` (0: not run). A finished report or
    plot in ``outdir`` is an OutputExistsError before anything runs, unless ``overwrite``."""
    if outdir is not None:
        check_outputs(outdir, overwrite)
    det = load_geometry(detector) if isinstance(detector, (str, Path)) else detector
    if int(n_per_point) < 1:
        raise InputError(f"n_per_point must be at least 1, got {n_per_point}")
    n_time = TIME_SCAN_FACTOR * int(n_per_point) if time_n_per_point is None else int(time_n_per_point)
    if n_time < 1:
        raise InputError(f"time_n_per_point must be at least 1, got {time_n_per_point}")
    eff_e, eff_t = published_curves(det)
    pe_points = np.asarray(pe_points, float)
    t_points = np.asarray(t_points_ns, float)
    previous = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(int(threads))
    try:
        dig = Digitizer(det, seed, noise_mode=noise_mode)
        e_rows, first = _energy_scan(det, seed, dig, pe_points, int(n_per_point), eff_e, eff_t.t0_ns, 0)
        dig_t = dig if time_noise_mode is None else Digitizer(det, seed, noise_mode=time_noise_mode)
        t_rows, ref, ref_expected, first = _time_scan(det, seed, dig_t, t_points, n_time, eff_t, eff_t.t0_ns,
                                                      first)
        population = None
        if int(population_n) > 0:
            population, first = population_scan(det, seed, dig, int(population_n), pe_points, eff_e, eff_t.t0_ns,
                                                 first)
    finally:
        numba.set_num_threads(previous)
    result = EfficiencyResult(
        pe_points=pe_points, pe_rec_mean=e_rows[:, 0], eff_pe=e_rows[:, 1], eff_pe_lo=e_rows[:, 2],
        eff_pe_hi=e_rows[:, 3], expected_pe=e_rows[:, 4], chi2_pe=e_rows[:, 5], t_points_ns=t_points,
        eff_t=t_rows[:, 0], eff_t_lo=t_rows[:, 1], eff_t_hi=t_rows[:, 2], expected_t=t_rows[:, 3],
        chi2_t=t_rows[:, 4], reference_eff=ref, n_per_point=int(n_per_point), reference_expected=ref_expected,
        n_time_per_point=n_time, population=population, plateau_ceiling=_plateau_ceiling(det, eff_t, t_points))
    if outdir is not None:
        outdir = Path(outdir)
        result.files.update(write_table(result, outdir))
        if plots:
            from .plots import plot_efficiency

            result.files.update(plot_efficiency(result, det, outdir))
    return result


def efficiency_command(args) -> int:
    """CLI helper: ``args`` with detector, n_per_point, pe_points, t_points_us, seed, outdir, threads;
    prints the summary, the verdict against the published curves and where the report and plots went. Returns 0
    whatever the verdict (the study ran; the verdict says how it compares)."""
    result = run_efficiency_study(args.detector, args.n_per_point, args.pe_points,
                                  np.asarray(args.t_points_us, float) * 1e3, args.seed, args.outdir,
                                  getattr(args, "threads", None), noise_mode=getattr(args, "noise_mode", None),
                                  time_n_per_point=getattr(args, "time_n_per_point", None),
                                  population_n=getattr(args, "population", None) or 0,
                                  overwrite=getattr(args, "overwrite", False))
    print(result.summary())
    print(result.verdict_text())
    print(f"report and plots in {Path(args.outdir).resolve()}{os.sep}:")
    for name, path in result.files.items():
        print(f"  {name}: {path}")
    return 0

"""Shared helpers of the validation cases: the run context, simcoh runs in memory, availability of optional
pieces, released-data loaders, weighted histograms with statistical errors and χ² (plot helpers: plotting.py)."""

from __future__ import annotations

import importlib
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .results import NOT_RUN, CaseResult, Comparison  # noqa: F401  (re-exported for the cases)

OPTIONAL_PROCESS_MODULES = {"brn": "brn", "nin": "nin", "ss": "steady", "dm": "dm"}


@dataclass
class Context:
    fast: bool
    outdir: Path
    reference: Path
    seed: int = 20240601
    progress: bool = True
    log_lines: list = field(default_factory=list)

    @property
    def repo(self) -> Path:
        return self.reference.parent.parent

    @property
    def plotdir(self) -> Path:
        d = self.outdir / "plots"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def macro(self, name: str) -> Path:
        return self.repo / "macros" / name

    def n(self, fast: int, full: int) -> int:
        return fast if self.fast else full

    def log(self, msg: str) -> None:
        self.log_lines.append(msg)
        if self.progress:
            print(f"[validation] {msg}", flush=True)


# --- optional pieces ---------------------------------------------------------------------------------------
def process_available(name: str) -> tuple[bool, str]:
    """(available, reason) for an interaction process; imports its module if it exists so it can register."""
    from simcoh.generate.registry import registered_processes

    mod = OPTIONAL_PROCESS_MODULES.get(name)
    if mod is not None:
        try:
            importlib.import_module(f"simcoh.generate.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"simcoh.generate.{mod}":
                return False, f"simcoh.generate.{mod} fails to import ({exc})"
        except Exception as exc:  # a module being written may fail in many ways; report, never crash
            return False, f"simcoh.generate.{mod} fails to import ({type(exc).__name__}: {exc})"
    if name in registered_processes():
        return True, ""
    return False, f"process '{name}' is not registered in simcoh (simcoh/generate/{mod or name}.py missing)"


def fidelity_available(name: str) -> tuple[bool, str]:
    try:
        from simcoh.engine.stages import STAGES_BY_FIDELITY
    except Exception as exc:
        return False, f"simcoh.engine.stages fails to import ({exc})"
    if name in STAGES_BY_FIDELITY:
        return True, ""
    return False, f"fidelity '{name}' is not available in simcoh.engine.stages (available: {', '.join(STAGES_BY_FIDELITY)})"


# --- simcoh runs in memory ----------------------------------------------------------------------------------
@dataclass
class SimRun:
    events: dict  # column name -> array (flat columns; jagged ones as awkward arrays if requested)
    prepared: object  # simcoh.engine.PreparedRun
    seconds: float

    @property
    def expected(self) -> dict:
        return dict(self.prepared.generator.expected)

    @property
    def n_events(self) -> int:
        return int(self.prepared.generator.n_events)

    @property
    def config(self):
        return self.prepared.config


def simulate(ctx: Context, macro: str, sets: list[str], *, seed: int | None = None, columns=None,
             chunk: int = 250_000) -> SimRun:
    """Run ``macros/<macro>`` with ``--set`` overrides through the simcoh pipeline, in memory (no file)."""
    from simcoh.engine import prepare_run
    from simcoh.macro import load_macro

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = load_macro(str(ctx.macro(macro)), set_overrides=list(sets),
                            seed=ctx.seed if seed is None else seed, output=os.path.join(tmp, "unused.h5"))
        prepared = prepare_run(result)
    gen, pipe = prepared.generator, prepared.pipeline
    parts: dict[str, list] = {}
    for first, n in gen.chunk_ranges(chunk):
        c = pipe.run_chunk(first, n)
        for k, v in c.items():
            if columns is not None and k not in columns:
                continue
            parts.setdefault(k, []).append(v if not isinstance(v, np.ndarray) else v.copy())
    events = {}
    for k, v in parts.items():
        if isinstance(v[0], np.ndarray):
            events[k] = np.concatenate(v)
        else:
            import awkward as ak

            events[k] = ak.concatenate(v)
    dt = time.perf_counter() - t0
    ctx.log(f"{macro} {' '.join(sets)}: {gen.n_events:,} events in {dt:.1f} s")
    return SimRun(events, prepared, dt)


def weighted_sum(f: np.ndarray) -> tuple[float, float]:
    """Sum over events of per-event contributions ``f`` and its statistical error for a fixed-N sample of
    independent events: Var = Σ f² − (Σ f)²/N."""
    f = np.asarray(f, float)
    s = float(f.sum())
    n = len(f)
    var = float(np.sum(f * f)) - (s * s / n if n else 0.0)
    return s, math.sqrt(max(var, 0.0))


def whist(x, w, edges) -> tuple[np.ndarray, np.ndarray]:
    """Weighted histogram and its per-bin statistical error √Σw²."""
    h, _ = np.histogram(x, bins=edges, weights=w)
    h2, _ = np.histogram(x, bins=edges, weights=np.asarray(w) ** 2)
    return h, np.sqrt(h2)


def flux_averaged_sigma_cm2(generator, material: str) -> float:
    """Per-nucleus flux-averaged CEvNS cross section of a generator's target: Σ_ch r_f n_iso ⟨σ⟩_ch divided by
    (Σ_f r_f)(Σ_iso n_iso) over the flavours and isotopes of the run (yield- and abundance-weighted; ⟨σ⟩ is
    simcoh's integral of σ(Eν) over each flavour's spectrum, all recoil energies above the run's minimum)."""
    from simcoh.physics.nuclei import material_isotopes

    n_iso = {ti.isotope.name: ti.nuclei_per_kg for ti in material_isotopes(material)}
    yields, num = {}, 0.0
    for ch in generator.processes["cevns"].channels:
        yields[ch.flavour] = ch.spectrum.yield_per_pot
        num += ch.spectrum.yield_per_pot * n_iso[ch.isotope.name] * ch.sigma_avg_cm2
    return num / (sum(yields.values()) * sum(n_iso.values()))


def build_generator(material: str, *, physics=None, source=None, distance_cm: float = 2000.0,
                    n_pot: float = 1e23, seed: int = 1):
    """A TruthGenerator for a bare 1-kg target, for cross-section and timing studies."""
    from simcoh.config import PhysicsConfig, SourceConfig
    from simcoh.generate import TruthGenerator

    return TruthGenerator(source=source or SourceConfig(), physics=physics or PhysicsConfig(), material=material,
                          mass_kg=1.0, distance_cm=distance_cm, n_pot=n_pot, seed=seed, processes=("cevns",),
                          mode="fixed", n_events=0)


def run_sigma_cm2(run: "SimRun") -> float:
    return flux_averaged_sigma_cm2(run.prepared.generator, run.config.detector.target.material)


# --- released data ------------------------------------------------------------------------------------------
def load_csv(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", comments="#", ndmin=2)


def load_ws(path: Path) -> np.ndarray:
    return np.loadtxt(path, comments="#", ndmin=2)


# --- statistics ---------------------------------------------------------------------------------------------
def chi2(obs, pred, var) -> tuple[float, int]:
    """Σ (obs − pred)²/var over bins with var > 0; returns (χ², number of bins used)."""
    obs, pred, var = (np.asarray(a, float) for a in (obs, pred, var))
    ok = var > 0
    return float(np.sum((obs[ok] - pred[ok]) ** 2 / var[ok])), int(ok.sum())


def fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-3):
        return f"{x:.{digits}g}"
    if ax >= 100:
        return f"{x:.1f}" if digits > 3 else f"{x:.0f}" if ax >= 1000 else f"{x:.1f}"
    return f"{x:.{digits}g}"

"""A checked macro made ready to run: its generator and pipeline, built (and every input error raised) before any
file is opened; the summary a run returns; and the prepared run each process keeps for its chunks and shards."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..config import FLAVOURS, RunConfig, canonical_json
from ..daq.library import library_provenance
from ..errors import InputError
from ..generate import PROCESS_CODES, TruthGenerator
from ..macro import MacroResult
from .pipeline import Pipeline

_CACHE: dict[str, object] = {}  # the prepared run of this process, by configuration hash


@dataclass
class RunSummary:
    output_path: str
    n_events: int
    events_per_process: dict[str, int]
    expected_per_process: dict[str, float]
    elapsed_s: float
    size_bytes: int
    config_hash: str
    mode: str
    weight: float
    notes: list[str] = field(default_factory=list)

    def format(self) -> str:
        where = (f"to {self.output_path} ({self.size_bytes / 1e6:.2f} MB)" if self.output_path
                 else "in memory")
        lines = [f"wrote {self.n_events:,} events {where} "
                 f"in {self.elapsed_s:.2f} s ({self.n_events / max(self.elapsed_s, 1e-9):,.0f} events/s)",
                 f"configuration hash {self.config_hash[:16]}…  mode {self.mode}"]
        lines.append(f"  {'process':<8} {'generated':>12} {'expected':>14}")
        for name, expected in self.expected_per_process.items():
            gen = self.events_per_process.get(name, 0)
            lines.append(f"  {name:<8} {gen:>12,} {expected:>14.4g}")
        if self.mode == "fixed":
            lines.append(f"  fixed-N run: each event carries weight {self.weight:.6g} expected events")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


@dataclass
class PreparedRun:
    """Everything needed to write events, built and checked before anything is written."""

    result: MacroResult
    generator: TruthGenerator
    pipeline: Pipeline

    @property
    def config(self):
        return self.result.config

    def provenance(self, command_line: str = "") -> dict:
        cfg = self.config
        return {
            "macro_texts": dict(self.result.macro_texts),
            "expanded_commands": list(self.result.expanded),
            "config_json": canonical_json(cfg.to_dict()),
            "config_hash": cfg.config_hash(),
            "seed": int(cfg.seed),
            "exposure_pot": float(cfg.exposure_pot),
            "expected_counts": {k: float(v) for k, v in self.generator.expected.items()},
            "command_line": command_line,
            "fidelity": cfg.fidelity,
            "stages": self.pipeline.chain(),
            "mode": cfg.mode,
            "n_events": int(self.generator.n_events),
            "isotopes": self.generator.isotope_names,
            "process_codes": {k: v for k, v in PROCESS_CODES.items()},
            "flavour_codes": {f: i for i, f in enumerate(FLAVOURS)},
        } | self._afterglow_library()

    def _afterglow_library(self) -> dict:
        """The afterglow library's path and SHA-256 (docs/afterglow-library.md), when the run overlays one."""
        path = self.config.afterglow_library
        if path is None or self.config.fidelity != "waveform":
            return {}
        return {"afterglow_library": library_provenance(path)}

    def estimated_bytes(self) -> float:
        return self.generator.n_events * self.pipeline.bytes_per_event()


def prepare_run(result: MacroResult | RunConfig) -> PreparedRun:
    """Build the generator and the pipeline of a checked macro, or of a RunConfig made in Python (then stored
    without macro text); raises InputError on bad input."""
    if isinstance(result, RunConfig):
        result = MacroResult(result, {}, [])
    try:
        generator = TruthGenerator.from_run_config(result.config)
    except InputError as err:
        raise _at_macro_line(err, result, "processes", "beamOn") from None
    try:
        pipeline = Pipeline(result.config, generator)
    except InputError as err:  # the fidelity asks for a stage the detector cannot run
        raise _at_macro_line(err, result, "run.fidelity", "detector", "beamOn") from None
    return PreparedRun(result, generator, pipeline)


def _at_macro_line(err: InputError, result: MacroResult, *settings: str) -> InputError:
    """``err`` with its unlocated problems placed at the macro line of the first of ``settings`` that the macro made
    (a RunConfig made in Python has none: the error is returned as it is)."""
    where = next((result.locations[s] for s in settings if s in result.locations), None)
    if where is None:
        return err
    return InputError([d if d.line is not None else replace(d, file=where.file, line=where.line, column=where.column)
                       for d in err.diagnostics])


def prepared_run(result) -> PreparedRun:
    """The prepared run of ``result``, built once per process (building the processes takes about a second)."""
    key = result.config.config_hash()
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = prepare_run(result)
    return _CACHE[key]


def remember_prepared(prepared: PreparedRun) -> None:
    """Make ``prepared`` the cached run of this process (and of processes forked from it)."""
    _CACHE.clear()
    _CACHE[prepared.config.config_hash()] = prepared


def run_notes(cfg) -> list[str]:
    """Remarks printed under a run's summary."""
    if cfg.exposure_pot <= 0:
        return ["no exposure given (/run/exposure): expected counts and weights are zero"]
    return []

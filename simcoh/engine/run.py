"""Run a checked macro: build the generator and pipeline (every input error surfaces here, before any file
is opened), then stream chunks through the pipeline into the event file."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..config import FLAVOURS, canonical_json
from ..generate import PROCESS_CODES, TruthGenerator
from ..io import EventWriter
from .pipeline import Pipeline
from .writer_thread import BackgroundWriter


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
        lines = [f"wrote {self.n_events:,} events to {self.output_path} ({self.size_bytes / 1e6:.2f} MB) "
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

    result: object  # MacroResult
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
            "mode": cfg.mode,
            "n_events": int(self.generator.n_events),
            "isotopes": self.generator.isotope_names,
            "process_codes": {k: v for k, v in PROCESS_CODES.items()},
            "flavour_codes": {f: i for i, f in enumerate(FLAVOURS)},
        }

    def estimated_bytes(self) -> float:
        return self.generator.n_events * self.pipeline.bytes_per_event()


def prepare_run(result) -> PreparedRun:
    """Build the generator and the pipeline of a checked macro (raises InputError on bad input)."""
    generator = TruthGenerator.from_run_config(result.config)
    return PreparedRun(result, generator, Pipeline(result.config, generator))


def run_macro_result(result, *, progress: bool = True, command_line: str = "") -> RunSummary:
    """Generate every event of a checked macro into its output file."""
    prepared = prepare_run(result)
    return write_events(prepared, progress=progress, command_line=command_line)


def write_events(prepared: PreparedRun, *, progress: bool = True, command_line: str = "",
                 first: int = 0, stop: int | None = None, path: str | os.PathLike | None = None,
                 extra_provenance: dict | None = None, on_chunk=None, overwrite: bool | None = None) -> RunSummary:
    """Stream events [first, stop) (default: all) through the pipeline into ``path`` (default: the output file).

    Chunks reuse two buffer sets and are compressed and written by a background thread while the next chunk is
    generated, so memory is bounded by the chunk size, not the run length. ``extra_provenance`` is added to the
    file's provenance (a shard stores its event range there); ``on_chunk(n)`` is called after each chunk.
    """
    from tqdm import tqdm

    cfg = prepared.config
    gen, pipe = prepared.generator, prepared.pipeline
    stop = gen.n_events if stop is None else stop
    if not 0 <= first <= stop <= gen.n_events:
        raise ValueError(f"event range [{first}, {stop}) is outside the run's [0, {gen.n_events})")
    path = cfg.output_file if path is None else os.fspath(path)
    overwrite = cfg.overwrite if overwrite is None else overwrite
    provenance = {**prepared.provenance(command_line), **(extra_provenance or {})}
    t0 = time.perf_counter()
    counts = np.zeros(max(PROCESS_CODES.values()) + 1, np.int64)
    chunk_size = min(pipe.chunk_events(cfg.chunk_size), max(stop - first, 1))
    compression = None if cfg.compression == "none" else cfg.compression
    with EventWriter(path, pipe.columns, provenance, overwrite=overwrite, compression=compression) as w:
        background = BackgroundWriter(w.append, depth=1)
        for _ in range(2):  # double buffering: one set being filled, one being written
            background.free.put(pipe.allocate(chunk_size))
        bar = tqdm(total=stop - first, unit="ev", unit_scale=True, disable=not progress, file=sys.stderr,
                   desc=os.path.basename(path), dynamic_ncols=True)
        try:
            for start, n in gen.chunk_ranges(chunk_size, first, stop):
                buffers = background.free.get()
                chunk = pipe.run_chunk(start, n, buffers)
                counts += np.bincount(chunk["process"], minlength=len(counts))
                background.put(chunk, token=buffers)
                bar.update(n)
                if on_chunk is not None:
                    on_chunk(n)
        finally:
            bar.close()
            background.close()
        by_process = {name: int(counts[code]) for name, code in PROCESS_CODES.items() if name in gen.expected}
        summary = {"events_per_process": by_process, "expected_per_process": dict(gen.expected),
                   "n_events": int(stop - first), "weight": float(gen.weight)}
        written = w.finish(summary)
    elapsed = time.perf_counter() - t0
    return RunSummary(str(written), stop - first, by_process, dict(gen.expected), elapsed,
                      os.path.getsize(written), cfg.config_hash(), cfg.mode, gen.weight, run_notes(cfg))


def run_notes(cfg) -> list[str]:
    """Remarks printed under a run's summary."""
    if cfg.exposure_pot <= 0:
        return ["no exposure given (/run/exposure): expected counts and weights are zero"]
    return []

"""The per-chunk pipeline of a run: truth generation, then the stages the fidelity asks for
(:mod:`simcoh.engine.stages`). Every stage is a function of declared columns and per-event random streams."""

from __future__ import annotations

import numpy as np

from ..columns import Column
from ..generate import TruthGenerator
from .stages import chain_description, check_chain, check_output, stages_for


class Pipeline:
    """Truth generation followed by the stages of the run's fidelity, their column chain checked."""

    def __init__(self, cfg, generator: TruthGenerator):
        self.cfg = cfg
        self.generator = generator
        self.truth_columns = [Column(name, dtype, unit, doc) for name, dtype, unit, doc in generator.columns]
        self.stages = [stage(cfg, generator) for stage in stages_for(cfg.fidelity)]
        check_chain(self.truth_columns, self.stages)
        self._needs = [[c.name for c in stage.needs] for stage in self.stages]

    @property
    def columns(self) -> list[Column]:
        """The columns written to the event file, in file order (truth first, then each stage's)."""
        cols = list(self.truth_columns)
        for stage in self.stages:
            cols.extend(c for c in stage.provides if c.written)
        return cols

    def chain(self) -> list[dict]:
        """The stage chain as plain data: name, needs, provides (written) and transient columns per stage."""
        return chain_description(self.stages)

    def bytes_per_event(self, transient: bool = False) -> float:
        """Uncompressed bytes per event of the written flat columns (with ``transient``: also the columns handed
        between stages but not written) plus each stage's estimate for jagged ones."""
        columns = self.columns
        if transient:
            columns += [c for stage in self.stages for c in stage.provides if not c.written]
        flat = sum(np.dtype(c.dtype).itemsize * int(np.prod(c.shape)) for c in columns if not c.jagged)
        return flat + sum(getattr(s, "jagged_bytes_per_event", 0.0) for s in self.stages)

    #: Upper bound on the memory of one chunk's arrays; two chunks are in flight (one generated, one written).
    CHUNK_BYTES = 256 << 20

    def chunk_events(self, requested: int) -> int:
        """The chunk size to use: ``requested`` (/run/chunkSize), reduced so one chunk's arrays, including those
        handed between stages only, stay within CHUNK_BYTES (waveform events carry ~27 kB per window, written
        or not). Events do not depend on it."""
        per_event = max(self.bytes_per_event(transient=True), 1.0)
        return max(1, min(int(requested), int(self.CHUNK_BYTES // per_event)))

    def allocate(self, n: int) -> dict[str, np.ndarray]:
        return self.generator.allocate(n)

    def run_chunk(self, first: int, n: int, buffers=None) -> dict:
        """The written columns of events [first, first + n)."""
        chunk = self.run_chunk_all(first, n, buffers)
        return {c.name: chunk[c.name] for c in self.columns}

    def run_chunk_all(self, first: int, n: int, buffers=None) -> dict:
        """Every column of events [first, first + n): the written ones and those handed between stages only
        (``written=False``, e.g. ``waveform`` without /output/waveforms); engine.replay shows them."""
        chunk = dict(self.generator.generate(first, n, out=buffers))
        for stage, needs in zip(self.stages, self._needs):
            out = stage.apply({name: chunk[name] for name in needs})
            check_output(stage, out)
            chunk.update(out)
        return chunk

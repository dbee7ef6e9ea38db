"""The per-chunk pipeline of a run: truth generation, then the detector-response stages the fidelity asks
for. Every stage is a function of plain arrays and per-event random streams."""

from __future__ import annotations

import numpy as np

from ..generate import TruthGenerator
from ..errors import InputError
from ..columns import Column


def stages_for(fidelity: str):
    from ..response.stages import STAGES_BY_FIDELITY

    if fidelity not in STAGES_BY_FIDELITY:
        raise InputError(f"fidelity '{fidelity}' is not available yet; available: {', '.join(STAGES_BY_FIDELITY)}")
    return STAGES_BY_FIDELITY[fidelity]


class Pipeline:
    """Truth generation followed by the response stages of the run's fidelity."""

    def __init__(self, cfg, generator: TruthGenerator):
        self.cfg = cfg
        self.generator = generator
        # response stages: objects with .columns and .apply(truth_chunk) -> dict of arrays
        self.stages = [stage(cfg, generator) for stage in stages_for(cfg.fidelity)]
        self.truth_columns = [Column(name, dtype, unit, doc) for name, dtype, unit, doc in generator.columns]

    @property
    def columns(self) -> list[Column]:
        cols = list(self.truth_columns)
        for stage in self.stages:
            cols.extend(stage.columns)
        return cols

    def bytes_per_event(self) -> float:
        """Uncompressed bytes per event of the flat columns plus each stage's estimate for jagged ones."""
        flat = sum(np.dtype(c.dtype).itemsize * int(np.prod(c.shape)) for c in self.columns if not c.jagged)
        return flat + sum(getattr(s, "jagged_bytes_per_event", 0.0) for s in self.stages)

    #: Upper bound on the memory of one chunk's arrays; two chunks are in flight (one generated, one written).
    CHUNK_BYTES = 256 << 20

    def chunk_events(self, requested: int) -> int:
        """The chunk size to use: ``requested`` (/run/chunkSize), reduced so one chunk stays within CHUNK_BYTES
        (waveform events carry ~27 kB each). Events do not depend on it."""
        return max(1, min(int(requested), int(self.CHUNK_BYTES // max(self.bytes_per_event(), 1.0))))

    def allocate(self, n: int) -> dict[str, np.ndarray]:
        return self.generator.allocate(n)

    def run_chunk(self, first: int, n: int, buffers=None) -> dict:
        chunk = dict(self.generator.generate(first, n, out=buffers))
        for stage in self.stages:
            chunk.update(stage.apply(chunk))
        return {k: v for k, v in chunk.items() if not k.startswith("_")}  # "_x": passed between stages only

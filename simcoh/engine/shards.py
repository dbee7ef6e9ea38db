"""Deterministic sharding of a production by event index.

Shard ``i`` of ``N`` covers the contiguous events ``[i * n // N, (i + 1) * n // N)`` of a run of ``n`` events.
The ranges depend on ``n_events`` and ``N`` only (never on workers, hosts or timing), and every event draws its
random numbers from streams keyed by (run seed, stage, event index), so the concatenated shards hold exactly the
events a serial run writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
#: Fewer events than this per shard cost more in processes, files and merging than they gain.
MIN_EVENTS_PER_SHARD = 100


@dataclass(frozen=True)
class Shard:
    """One shard: its index, the number of shards and its event range ``[first, stop)``."""

    index: int
    count: int
    first: int
    stop: int

    @property
    def n_events(self) -> int:
        return self.stop - self.first

    @property
    def file_name(self) -> str:
        return shard_file_name(self.index, self.count)

    @property
    def label(self) -> str:
        return f"shard {self.index}/{self.count} (events [{self.first:,}, {self.stop:,}))"

    def provenance(self) -> dict:
        """What a shard file stores under the provenance key ``shard``."""
        return {"index": self.index, "count": self.count, "first_event": self.first, "stop_event": self.stop}


def shard_range(index: int, count: int, n_events: int) -> tuple[int, int]:
    """Event range ``[first, stop)`` of shard ``index`` of ``count`` in a run of ``n_events`` events."""
    if count < 1:
        raise ValueError(f"the number of shards must be at least 1, not {count}")
    if not 0 <= index < count:
        raise ValueError(f"shard index {index} is outside 0..{count - 1}")
    if n_events < 0:
        raise ValueError(f"n_events must be >= 0, not {n_events}")
    return index * n_events // count, (index + 1) * n_events // count


def plan_shards(count: int, n_events: int) -> list[Shard]:
    """Every shard of a production, in event order."""
    return [Shard(i, count, *shard_range(i, count, n_events)) for i in range(count)]


def check_shard_count(count: int, n_events: int) -> None:
    """Refuse a production whose shards would hold fewer than :data:`MIN_EVENTS_PER_SHARD` events each."""
    most = max(1, n_events // MIN_EVENTS_PER_SHARD)
    if count > most:
        small = n_events // count
        raise InputError(
            f"{count:,} shards for {n_events:,} events would give shards of {small:,}-{small + 1:,} events each; "
            f"a shard needs at least {MIN_EVENTS_PER_SHARD} events, so use at most {most:,} shard(s) "
            f"(--shards {most}, or --shard I/{most}), or run more events")


def parse_shard_spec(text: str) -> tuple[int, int]:
    """``"i/N"`` (0 <= i < N) as ``(i, N)``; raise InputError otherwise."""
    match = _SPEC.match(str(text))
    if not match:
        raise InputError(f"--shard '{text}' is not of the form INDEX/COUNT (for example 0/10; indices start at 0)")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or index >= count:
        raise InputError(f"--shard {index}/{count}: the index must be in 0..COUNT-1 (shard indices start at 0; "
                         f"a Slurm array job uses --shard ${{SLURM_ARRAY_TASK_ID}}/{max(count, 1)} with --array=0-"
                         f"{max(count, 1) - 1})")
    return index, count


def shard_file_name(index: int, count: int) -> str:
    width = max(4, len(str(count - 1)))
    return f"shard-{index:0{width}d}-of-{count:0{width}d}.h5"


def production_dir_for(output: str | Path) -> Path:
    """The default production directory of an output file: ``run.h5`` -> ``run.shards/`` beside it."""
    output = Path(output)
    return output.with_name(output.stem + ".shards")

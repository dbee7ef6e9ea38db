"""Macro commands of the processes, derived from the process registry (:mod:`simcoh.generate.registry`):
``/process/enable NAME`` and ``/process/disable NAME`` for every registered process, and one
``/process/<name>/<option>`` command per declared option, stored in ``RunConfig.process_options`` under the
option's key (``brn.rate_per_gwh``). Physics, defaults and their sources: docs/backgrounds.md and
docs/darkmatter.md, and each process module's ``PARAMS``."""

from __future__ import annotations

from ..generate.registry import NAMES, PROCESSES
from .declared import commands
from .params import Choice
from .registry import REGISTRY, Command, Invocation


def _enable(builder, inv: Invocation) -> None:
    builder.enable_process(inv.first(), inv.location)


def _disable(builder, inv: Invocation) -> None:
    builder.disable_process(inv.first(), inv.location)


_LIST = ", ".join(f"{p.name} ({p.summary})" for p in PROCESSES)

PROCESS_COMMANDS = [
    Command("/process/enable", (Choice("NAME", choices=NAMES),), f"Simulate a process: {_LIST}.",
            apply=_enable, initial="only cevns enabled", examples=("/process/enable brn",)),
    Command("/process/disable", (Choice("NAME", choices=NAMES),), "Stop simulating a process.", apply=_disable,
            examples=("/process/disable cevns",)),
]
for _process in PROCESSES:
    PROCESS_COMMANDS += commands(_process.options, option=True)

for _command in PROCESS_COMMANDS:
    REGISTRY.register(_command)

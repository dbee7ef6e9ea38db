"""Event display: draw one event of an event file (``simcoh show``; see docs/event-display.md).

:func:`event_view` gathers what the file holds about one event (and what it lacks), :func:`draw_event` draws it
with matplotlib (Agg backend, the ``plots`` extra), :func:`save_event` writes the PNG atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

from .draw import draw_event, pyplot
from .view import EventView, event_view


def default_png_name(path: str | os.PathLike, index: int) -> str:
    """``<file stem>_event<N>.png`` (in the current directory)."""
    return f"{Path(path).stem}_event{index}.png"


def save_event(view: EventView, output: str | os.PathLike, overwrite: bool = False) -> Path:
    """Draw ``view`` into the PNG file ``output``, never replacing an existing file unless ``overwrite``."""
    from ..engine.replay_dump import atomic_output, check_output_path

    output = check_output_path(output, overwrite, "event display", "--overwrite")
    plt = pyplot()
    fig = draw_event(view)
    try:
        with atomic_output(output, overwrite) as temp:
            fig.savefig(temp, format="png", dpi=100)
    finally:
        plt.close(fig)
    return output


__all__ = ["EventView", "default_png_name", "draw_event", "event_view", "save_event"]

"""Running a configured production: chunks, random streams by event index, the response pipeline and the
writer (or an in-memory sink)."""

from .prepare import PreparedRun, RunSummary, prepare_run
from .run import collect_events, run_macro_result, write_events

__all__ = ["PreparedRun", "RunSummary", "collect_events", "prepare_run", "run_macro_result", "write_events"]

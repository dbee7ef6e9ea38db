"""Running a configured production: chunks, random streams by event index, the response pipeline and the
writer."""

from .run import RunSummary, run_macro_result, prepare_run

__all__ = ["RunSummary", "prepare_run", "run_macro_result"]

"""Expected counts and truth-level event sampling."""

from .cevns import CevnsProcess, build_cevns
from .process import BuildContext, Process, ProcessSpec
from .registry import PROCESS_CODES, PROCESSES
from .truth import TRUTH_COLUMNS, TruthGenerator

__all__ = ["BuildContext", "CevnsProcess", "PROCESS_CODES", "PROCESSES", "Process", "ProcessSpec", "TRUTH_COLUMNS",
           "TruthGenerator", "build_cevns"]

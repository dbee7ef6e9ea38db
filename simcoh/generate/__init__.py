"""Expected counts and truth-level event sampling."""

from .cevns import CevnsProcess, build_cevns
from .process import BuildContext, Process, register_process
from .truth import PROCESS_CODES, TRUTH_COLUMNS, TruthGenerator

__all__ = ["BuildContext", "CevnsProcess", "PROCESS_CODES", "Process", "TRUTH_COLUMNS", "TruthGenerator",
           "build_cevns", "register_process"]

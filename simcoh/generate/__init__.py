"""Expected counts and truth-level event sampling."""

from .cevns import CevnsProcess, build_cevns
from .truth import TRUTH_COLUMNS, TruthGenerator

__all__ = ["CevnsProcess", "build_cevns", "TruthGenerator", "TRUTH_COLUMNS"]

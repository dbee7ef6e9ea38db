"""Waveform reconstruction (baseline, pulses, onset, integrated PE) and the CsI[Na] event selection.

Runs on any int16 waveform array with its digitizer description, simulated or recorded:

>>> reco = reconstruct(samples, reco_params(det))
>>> flags = apply_cuts(reco, cut_set(det))          # {"cut_pretrace_pulses": ..., "selected": ...}
"""

from .cuts import CUT_NAMES, EFFICIENCY_CUTS, REGION_CUTS, CutSet, apply_cuts, cut_set
from .params import RecoParams, params_from_spec, reco_params
from .reconstruct import RECO_COLUMNS, RecoResult, reconstruct

__all__ = ["CUT_NAMES", "EFFICIENCY_CUTS", "REGION_CUTS", "CutSet", "RECO_COLUMNS", "RecoParams", "RecoResult",
           "apply_cuts", "cut_set", "params_from_spec", "reco_params", "reconstruct"]

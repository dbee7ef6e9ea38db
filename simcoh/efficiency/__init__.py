"""Toy-MC selection efficiency (docs/waveforms.md): recoils overlaid on afterglow + noise waveforms,
reconstructed and selected; compared with the published CsI[Na] 2021 ε_E(PE) and ε_T(t)."""

from .stats import clopper_pearson_interval, wilson_interval
from .study import TIME_SCAN_PE, EfficiencyResult, efficiency_command, run_efficiency_study
from .toy import overlay_pe, selection_pass

__all__ = ["EfficiencyResult", "TIME_SCAN_PE", "clopper_pearson_interval", "efficiency_command", "overlay_pe",
           "run_efficiency_study", "selection_pass", "wilson_interval"]

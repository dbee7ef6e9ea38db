"""The reconstruction stage of ``waveform`` fidelity: reconstruct each digitized window exactly as recorded data
would be (simcoh.reco.reconstruct) and evaluate the named cuts (simcoh.reco.cuts).

It needs ``waveform`` (and ``ac_waveform`` with ``/run/acWindow true``) from the digitizing stage and provides
the per-window reconstruction columns, one ``cut_<name>`` per applied cut and ``selected``; AC columns carry
the prefix ``ac_``. Parameters: the detector's [digitizer], [windows], [reco] and [cuts] sections. The muon
veto has no simulated muons behind it: every event passes it (``cut_muon_veto`` true).
"""

from __future__ import annotations

from ..columns import Column
from ..errors import InputError
from .cuts import apply_cuts, cut_set
from .params import reco_params
from .reconstruct import RECO_COLUMNS, reconstruct

_WINDOWS = (("", "coincident (C) window"), ("ac_", "anti-coincident (AC) window"))


class ReconstructStage:
    name = "reconstruct"

    def __init__(self, cfg, generator):
        det = cfg.detector
        if det.digitizer is None or det.windows is None:
            raise InputError(f"detector '{det.name}' has no [digitizer] or [windows] section: reconstruction "
                             "needs both (use /run/fidelity photon, or add them to the geometry)")
        self.params = reco_params(det)
        self.cuts = cut_set(det)
        self.windows = _WINDOWS if cfg.ac_window else _WINDOWS[:1]
        self.needs, self.provides = [], []
        for prefix, what in self.windows:
            self.needs.append(Column(f"{prefix}waveform", "int16", "ADC", f"digitized samples of the {what}",
                                     shape=(self.params.n_samples,)))
            self.provides += self._columns(prefix, what)

    def _columns(self, prefix: str, what: str) -> list[Column]:
        cols = [Column(prefix + c.name, c.dtype, c.unit, f"{c.description} ({what})")
                for c in RECO_COLUMNS if not c.jagged]
        for name in self.cuts.applied():
            cols.append(Column(f"{prefix}cut_{name}", "bool", "", f"passes the '{name}' cut ({what})"))
        cols.append(Column(f"{prefix}selected", "bool", "", f"passes every applied cut ({what})"))
        return cols

    def apply(self, chunk) -> dict:
        out = {}
        for prefix, _ in self.windows:
            reco = reconstruct(chunk[f"{prefix}waveform"], self.params)
            out.update({prefix + k: v for k, v in reco.columns().items()})
            out.update({prefix + k: v for k, v in apply_cuts(reco, self.cuts).items()})
        return out

"""The ``waveform`` fidelity stage: digitize each trigger's coincident (C) window, and optionally an
anti-coincident (AC) window holding afterglow and noise only, reconstruct them exactly as recorded data would
be, and evaluate the named CsI[Na] cuts.

It follows the photon stage, whose photoelectrons (signal at onset = pretrace + arrival time, plus afterglow)
it renders. The muon veto has no simulated muons behind it: every event passes it (``cut_muon_veto`` true).
"""

from __future__ import annotations


from ..errors import InputError
from ..columns import Column
from ..reco import apply_cuts, cut_set, reco_params, reconstruct
from ..reco.reconstruct import RECO_COLUMNS
from ..response import from_detector as fd
from ..response.afterglow import afterglow_pe
from ..rng import stage_key
from .render import Digitizer


class WaveformStage:
    def __init__(self, cfg, generator):
        det = cfg.detector
        if det.digitizer is None or det.windows is None:
            raise InputError(f"detector '{det.name}' has no [digitizer] or [windows] section: waveform fidelity "
                             "needs both (use /run/fidelity photon, or add them to the geometry)")
        self.digitizer = Digitizer(det, cfg.seed)
        self.reco = reco_params(det)
        self.cuts = cut_set(det)
        self.store = cfg.store_waveforms
        self.ac = cfg.ac_window
        self.afterglow = fd.afterglow(det)
        self.windows = fd.windows(det)
        self.ac_key = stage_key(cfg.seed, "response.photon.afterglow_ac")
        self.columns = self._columns("", "coincident (C) window")
        if self.ac:
            self.columns += self._columns("ac_", "anti-coincident (AC) window")

    def _columns(self, prefix: str, what: str) -> list[Column]:
        cols = []
        if self.store:
            cols.append(Column(f"{prefix}waveform", "int16", "ADC", f"digitized samples of the {what}",
                               shape=(self.reco.n_samples,)))
        cols += [Column(prefix + c.name, c.dtype, c.unit, f"{c.description} ({what})")
                 for c in RECO_COLUMNS if not c.jagged]
        for name in self.cuts.applied():
            cols.append(Column(f"{prefix}cut_{name}", "bool", "", f"passes the '{name}' cut ({what})"))
        cols.append(Column(f"{prefix}selected", "bool", "", f"passes every applied cut ({what})"))
        return cols

    def _window(self, pe, window: str, prefix: str) -> dict:
        wf = self.digitizer.render(pe, window)
        reco = reconstruct(wf.samples, self.reco)
        out = {prefix + k: v for k, v in reco.columns().items()}
        out.update({prefix + k: v for k, v in apply_cuts(reco, self.cuts).items()})
        if self.store:
            out[f"{prefix}waveform"] = wf.samples
        return out

    def apply(self, chunk) -> dict:
        pe = chunk["_pe"]
        out = self._window(pe, "c", "")
        if self.ac:
            ac_pe = afterglow_pe(self.ac_key, self.afterglow, self.windows, chunk["_spe_table"],
                                 event_index=chunk["event_id"])
            out.update(self._window(ac_pe, "ac", "ac_"))
        return out

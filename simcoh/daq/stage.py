"""The digitizing stage of ``waveform`` fidelity: render each trigger's coincident (C) window, and optionally an
anti-coincident (AC) window holding afterglow and noise only, as int16 digitizer samples.

It needs the photon stage's per-PE columns (``pe_t_ns``, ``pe_charge``: signal at onset = pretrace + arrival
time, plus afterglow) and provides ``waveform`` (and ``ac_waveform``). The samples are written to the event
file when ``/output/waveforms true`` (the default); otherwise they are handed on to reconstruction only
(``written=False``). Parameters: the detector's [digitizer], [windows], [afterglow] and [spe] sections; with
``/run/afterglowLibrary`` recorded windows (simcoh.daq.library) replace [afterglow] and the noise, also in the
AC window.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from ..columns import Column
from ..errors import InputError
from ..response.afterglow import afterglow_pe, window_length_ns
from ..response.spe import build_spe_table, spe_section
from ..response.stages import EVENT_ID, PE_CHARGE, PE_T_NS
from ..rng import stage_key
from .library import load_library
from .render import Digitizer
from .spec import digitizer_spec


def waveform_column(prefix: str, n_samples: int, written: bool = True) -> Column:
    """The samples of one window per event: ``waveform`` (C window) or ``ac_waveform`` (AC window)."""
    what = "anti-coincident (AC) window" if prefix else "coincident (C) window"
    return Column(f"{prefix}waveform", "int16", "ADC", f"digitized samples of the {what}", shape=(n_samples,),
                  written=written)


class _PhotoElectrons:
    """Flat per-PE arrays of a chunk (the layout simcoh.daq.render takes), viewed from the jagged columns."""

    def __init__(self, t_ns, charge, event_index):
        t = ak.to_layout(t_ns).to_ListOffsetArray64(True)
        q = ak.to_layout(charge).to_ListOffsetArray64(True)
        self.offsets = np.asarray(t.offsets.data)
        self.t_ns = np.asarray(t.content.data)
        self.charge = np.asarray(q.content.data)
        self.event_index = event_index


class DigitizeStage:
    name = "digitize"

    def __init__(self, cfg, generator):
        det = cfg.detector
        if det.digitizer is None or det.windows is None:
            raise InputError(f"detector '{det.name}' has no [digitizer] or [windows] section: waveform fidelity "
                             "needs both (use /run/fidelity photon, or add them to the geometry)")
        # recorded beam-off windows replace the [afterglow] model and the noise (the photon stage then adds no
        # afterglow PE): simcoh.daq.library, docs/afterglow-library.md
        library = None if cfg.afterglow_library is None else load_library(cfg.afterglow_library, digitizer_spec(det))
        self.digitizer = Digitizer(det, cfg.seed, library=library)
        self.ac = cfg.ac_window
        self.afterglow = None if library is not None else det.afterglow
        self.window_ns = window_length_ns(det.windows)
        self.spe_table = build_spe_table(spe_section(det)) if self.ac else None
        self.ac_key = stage_key(cfg.seed, "response.photon.afterglow_ac")
        n_samples = self.digitizer.spec.n_samples
        self.needs = [EVENT_ID, PE_T_NS, PE_CHARGE]
        self.provides = [waveform_column("", n_samples, cfg.store_waveforms)]
        if self.ac:
            self.provides.append(waveform_column("ac_", n_samples, cfg.store_waveforms))

    def apply(self, chunk) -> dict:
        pe = _PhotoElectrons(chunk["pe_t_ns"], chunk["pe_charge"], chunk["event_id"])
        out = {"waveform": self.digitizer.render(pe, "c").samples}
        if self.ac:
            ac_pe = afterglow_pe(self.ac_key, self.afterglow, self.window_ns, self.spe_table,
                                 event_index=chunk["event_id"])
            out["ac_waveform"] = self.digitizer.render(ac_pe, "ac").samples
        return out

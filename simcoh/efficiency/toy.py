"""Toy-MC overlay: recoils at a controlled mean PE and time, on background-only windows (afterglow +
noise), digitized, reconstructed and passed through the selection cuts.

Signal and afterglow photoelectrons come from simcoh.response (the same photon-level model as a
production run: Poisson PE with the given mean, [scintillation] time profile for nuclear recoils,
[spe] charges, [afterglow] over the 55 µs window); :func:`overlay_pe` is the one adapter to that
API. Every window has a global index, which selects all its random streams.
"""

from __future__ import annotations

import numpy as np

from ..daq import Digitizer
from ..errors import InputError
from ..reco import EFFICIENCY_CUTS, apply_cuts, cut_set, reco_params, reconstruct
from ..response import mean_pe_per_kevee, photon_response, spe_section, window_length_ns
from ..rng import stage_key

#: Windows rendered and reconstructed at once (55 MB of int16 samples at 13,750 samples per window).
CHUNK_WINDOWS = 2000


def overlay_pe(det, seed: int, pe_mean, t_ns, event_index):
    """Signal PE (mean ``pe_mean`` each, recoil at ``t_ns`` after the ROI start) plus afterglow, per window."""
    light, scint, windows = det.light, det.scintillation, det.windows
    if light is None or scint is None or windows is None:
        raise InputError(f"detector '{det.name}' needs [light], [scintillation] and [windows] for the toy MC")
    e_ee_kev = np.asarray(pe_mean, float) / mean_pe_per_kevee(light)
    return photon_response(e_ee_kev, t_ns, stage_key(seed, "efficiency.signal"), stage_key(seed, "efficiency.afterglow"),
                           light=light, scint=scint, spe=spe_section(det), afterglow=det.afterglow,
                           pretrace_ns=windows.pretrace_ns, window_ns=window_length_ns(windows),
                           event_index=event_index, is_nr=True)


def selection_pass(det, seed: int, pe_mean, t_ns, first_index: int, digitizer: Digitizer | None = None,
                   cuts=EFFICIENCY_CUTS):
    """(passed bool, pe_integrated) per recoil; windows first_index, first_index + 1, ... ."""
    pe_mean = np.asarray(pe_mean, float)
    t_ns = np.broadcast_to(np.asarray(t_ns, float), pe_mean.shape)
    dig = digitizer or Digitizer(det, seed)
    params, cutset = reco_params(det), cut_set(det)
    passed = np.empty(pe_mean.size, bool)
    pe_rec = np.empty(pe_mean.size)
    for lo in range(0, pe_mean.size, CHUNK_WINDOWS):
        hi = min(pe_mean.size, lo + CHUNK_WINDOWS)
        idx = np.arange(first_index + lo, first_index + hi, dtype=np.int64)
        pe = overlay_pe(det, seed, pe_mean[lo:hi], t_ns[lo:hi], idx)
        reco = reconstruct(dig.render(pe).samples, params)
        passed[lo:hi] = apply_cuts(reco, cutset, only=cuts)["selected"]
        pe_rec[lo:hi] = np.where(np.isfinite(reco.onset_ns), reco.pe_integrated, 0.0)
    return passed, pe_rec

"""The CsI[Na] event selection as named, configurable cuts (PHYSICS.md §3, [P20]; arXiv:2110.07730).

Each cut gives one bool array ``cut_<name>`` (True = the event passes). Only cuts that are set in
``[cuts]`` are evaluated (an absent key means the cut is not applied). Published CsI 2021 values in
geometries/csi-2021.toml:

=====================  ===============================================  ======================
name                   passes when                                      key (csi-2021 value)
=====================  ===============================================  ======================
saturation             no sample at adc_min or adc_max                  saturation (true)
muon_veto              the muon-veto flag is not set (truth in sim.)    muon_veto (true)
pretrace_pulses        pretrace pulses < pretrace_max_pulses            pretrace_max_pulses (6)
pretrace_quiet         no pulse in [pretrace − quiet, pretrace)         pretrace_quiet (0.2 µs)
dt_first_second        Δt(first, second ROI pulse) < max_dt             max_dt_first_second (0.52 µs)
roi_pulses             pulses ≥ roi_min_pulses, counted in the ROI or   roi_min_pulses (9),
                       the integration window (roi_pulses_window)       roi_pulses_window
pe_threshold           integrated PE ≥ pe_threshold                     pe_threshold (unset)
pe_max                 integrated PE < pe_max                           pe_max (60)
t_max                  0 ≤ t_rec < t_max                                t_max (6 µs)
=====================  ===============================================  ======================

``pe_max`` and ``t_max`` define the analysis region; the others (``EFFICIENCY_CUTS``) are the
selection whose efficiency the published ε_E(PE)·ε_T(t) describes. Missing values (no onset, fewer than
two ROI pulses: NaN) fail the cuts that need them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..detector.model import default_section
from ..errors import InputError
from .reconstruct import RecoResult

CUT_NAMES = ("saturation", "muon_veto", "pretrace_pulses", "pretrace_quiet", "dt_first_second", "roi_pulses",
             "pe_threshold", "pe_max", "t_max")
REGION_CUTS = ("pe_max", "t_max")
EFFICIENCY_CUTS = tuple(c for c in CUT_NAMES if c not in REGION_CUTS)

#: cut name -> field of the [cuts] section that sets it (the schema declares the keys, units and ranges)
CUT_FIELDS = {"saturation": "saturation", "muon_veto": "muon_veto", "pretrace_pulses": "pretrace_max_pulses",
              "pretrace_quiet": "pretrace_quiet_ns", "dt_first_second": "max_dt_first_second_ns",
              "roi_pulses": "roi_min_pulses", "pe_threshold": "pe_threshold", "pe_max": "pe_max",
              "t_max": "t_max_ns"}


@dataclass(frozen=True)
class CutSet:
    """The detector's [cuts] section (None or False: cut not applied) with the pretrace length the
    pretrace cuts refer to. Build with :func:`cut_set` from a geometry."""

    cuts: object  # CutsConfig
    pretrace_ns: float

    def value(self, name: str):
        """The setting of cut ``name`` (field units; None if not applied)."""
        return getattr(self.cuts, CUT_FIELDS[name])

    def applied(self) -> tuple[str, ...]:
        """Names of the cuts that are set."""
        return tuple(n for n in CUT_NAMES if self.value(n) not in (None, False))

    def without(self, *names: str) -> "CutSet":
        """A copy with the named cuts switched off."""
        unknown = [n for n in names if n not in CUT_NAMES]
        if unknown:
            raise InputError(f"unknown cut {unknown[0]!r}; cuts are {', '.join(CUT_NAMES)}")
        off = {CUT_FIELDS[n]: None for n in names}
        return CutSet(dataclasses.replace(self.cuts, **off), self.pretrace_ns)


def cut_set(det) -> CutSet:
    """The cuts of a loaded geometry (``[cuts]``, values validated at load). No [cuts]: no cut applied."""
    if det.windows is None:
        raise InputError(f"detector '{det.name}' has no [windows] section: the cuts need the pretrace length")
    return CutSet(det.cuts if det.cuts is not None else default_section("cuts"), det.windows.pretrace_ns)


def _pulse_count(reco: RecoResult, c) -> np.ndarray:
    """The pulses the ``roi_pulses`` cut counts: ``roi_pulses_window`` 'roi' (every ROI pulse) or 'integration'
    (the pulses within the integration window from the onset, i.e. those that make up the event)."""
    return reco.n_pulses_integration if c.roi_pulses_window == "integration" else reco.n_pulses_roi


def apply_cuts(reco: RecoResult, cuts: CutSet, muon_veto: np.ndarray | None = None,
               only: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """``{"cut_<name>": bool array}`` for every applied cut (or the applied ones among ``only``), plus
    ``"selected"``, their logical AND. ``muon_veto``: per-event veto flag (default: none vetoed)."""
    n = reco.onset_ns.size
    c = cuts.cuts
    with np.errstate(invalid="ignore"):
        tests = {
            "saturation": lambda: ~reco.saturated,
            "muon_veto": lambda: np.ones(n, bool) if muon_veto is None else ~np.asarray(muon_veto, bool),
            "pretrace_pulses": lambda: reco.n_pulses_pretrace < c.pretrace_max_pulses,
            "pretrace_quiet": lambda: ~(reco.last_pretrace_pulse_ns >= cuts.pretrace_ns - c.pretrace_quiet_ns),
            "dt_first_second": lambda: reco.dt_first_second_ns < c.max_dt_first_second_ns,
            "roi_pulses": lambda: _pulse_count(reco, c) >= c.roi_min_pulses,
            "pe_threshold": lambda: (reco.pe_integrated >= c.pe_threshold) & np.isfinite(reco.onset_ns),
            "pe_max": lambda: (reco.pe_integrated < c.pe_max) & np.isfinite(reco.onset_ns),
            "t_max": lambda: (reco.t_rec_ns >= 0.0) & (reco.t_rec_ns < c.t_max_ns),
        }
        names = [c for c in cuts.applied() if only is None or c in only]
        out = {f"cut_{name}": np.asarray(tests[name](), dtype=bool) for name in names}
    selected = np.ones(n, bool)
    for flags in out.values():
        selected &= flags
    out["selected"] = selected
    return out

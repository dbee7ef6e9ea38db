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
roi_pulses             ROI pulses ≥ roi_min_pulses                      roi_min_pulses (9)
pe_threshold           integrated PE ≥ pe_threshold                     pe_threshold (unset)
pe_max                 integrated PE < pe_max                           pe_max (60)
t_max                  0 ≤ t_rec < t_max                                t_max (6 µs)
=====================  ===============================================  ======================

``pe_max`` and ``t_max`` define the analysis region; the others (``EFFICIENCY_CUTS``) are the
selection whose efficiency the published ε_E(PE)·ε_T(t) describes. Missing values (no onset, fewer than
two ROI pulses: NaN) fail the cuts that need them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..errors import InputError
from .reconstruct import RecoResult

CUT_NAMES = ("saturation", "muon_veto", "pretrace_pulses", "pretrace_quiet", "dt_first_second", "roi_pulses",
             "pe_threshold", "pe_max", "t_max")
REGION_CUTS = ("pe_max", "t_max")
EFFICIENCY_CUTS = tuple(c for c in CUT_NAMES if c not in REGION_CUTS)

#: cut name -> [cuts] key that sets it
CUT_KEYS = {"saturation": "saturation", "muon_veto": "muon_veto", "pretrace_pulses": "pretrace_max_pulses",
            "pretrace_quiet": "pretrace_quiet", "dt_first_second": "max_dt_first_second",
            "roi_pulses": "roi_min_pulses", "pe_threshold": "pe_threshold", "pe_max": "pe_max", "t_max": "t_max"}


@dataclass(frozen=True)
class CutSet:
    """Cut values in internal units; None = not applied. Build with :func:`cut_set` from a geometry."""

    pretrace_ns: float
    saturation: bool | None = None
    muon_veto: bool | None = None
    pretrace_max_pulses: int | None = None
    pretrace_quiet_ns: float | None = None
    max_dt_first_second_ns: float | None = None
    roi_min_pulses: int | None = None
    pe_threshold: float | None = None
    pe_max: float | None = None
    t_max_ns: float | None = None

    def applied(self) -> tuple[str, ...]:
        """Names of the cuts that are set."""
        value = {"saturation": self.saturation, "muon_veto": self.muon_veto,
                 "pretrace_pulses": self.pretrace_max_pulses, "pretrace_quiet": self.pretrace_quiet_ns,
                 "dt_first_second": self.max_dt_first_second_ns, "roi_pulses": self.roi_min_pulses,
                 "pe_threshold": self.pe_threshold, "pe_max": self.pe_max, "t_max": self.t_max_ns}
        return tuple(n for n in CUT_NAMES if value[n] not in (None, False))

    def without(self, *names: str) -> "CutSet":
        """A copy with the named cuts switched off."""
        unknown = [n for n in names if n not in CUT_NAMES]
        if unknown:
            raise InputError(f"unknown cut {unknown[0]!r}; cuts are {', '.join(CUT_NAMES)}")
        attr = {f.name for f in fields(self)}
        change = {}
        for n in names:
            key = CUT_KEYS[n]
            change[key if key in attr else f"{key}_ns"] = None
        return CutSet(**{f.name: getattr(self, f.name) for f in fields(self)} | change)


def cut_set(det) -> CutSet:
    """The cuts of a loaded geometry (``[cuts]``, values validated at load). No [cuts]: no cut applied."""
    if det.windows is None:
        raise InputError(f"detector '{det.name}' has no [windows] section: the cuts need the pretrace length")
    c = det.cuts
    if c is None:
        return CutSet(pretrace_ns=det.windows.pretrace_ns)
    return CutSet(pretrace_ns=det.windows.pretrace_ns, saturation=c.saturation, muon_veto=c.muon_veto,
                  pretrace_max_pulses=c.pretrace_max_pulses, pretrace_quiet_ns=c.pretrace_quiet_ns,
                  max_dt_first_second_ns=c.max_dt_first_second_ns, roi_min_pulses=c.roi_min_pulses,
                  pe_threshold=c.pe_threshold, pe_max=c.pe_max, t_max_ns=c.t_max_ns)


def apply_cuts(reco: RecoResult, cuts: CutSet, muon_veto: np.ndarray | None = None,
               only: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """``{"cut_<name>": bool array}`` for every applied cut (or the applied ones among ``only``), plus
    ``"selected"``, their logical AND. ``muon_veto``: per-event veto flag (default: none vetoed)."""
    n = reco.onset_ns.size
    with np.errstate(invalid="ignore"):
        tests = {
            "saturation": lambda: ~reco.saturated,
            "muon_veto": lambda: np.ones(n, bool) if muon_veto is None else ~np.asarray(muon_veto, bool),
            "pretrace_pulses": lambda: reco.n_pulses_pretrace < cuts.pretrace_max_pulses,
            "pretrace_quiet": lambda: ~(reco.last_pretrace_pulse_ns >= cuts.pretrace_ns - cuts.pretrace_quiet_ns),
            "dt_first_second": lambda: reco.dt_first_second_ns < cuts.max_dt_first_second_ns,
            "roi_pulses": lambda: reco.n_pulses_roi >= cuts.roi_min_pulses,
            "pe_threshold": lambda: (reco.pe_integrated >= cuts.pe_threshold) & np.isfinite(reco.onset_ns),
            "pe_max": lambda: (reco.pe_integrated < cuts.pe_max) & np.isfinite(reco.onset_ns),
            "t_max": lambda: (reco.t_rec_ns >= 0.0) & (reco.t_rec_ns < cuts.t_max_ns),
        }
        names = [c for c in cuts.applied() if only is None or c in only]
        out = {f"cut_{name}": np.asarray(tests[name](), dtype=bool) for name in names}
    selected = np.ones(n, bool)
    for flags in out.values():
        selected &= flags
    out["selected"] = selected
    return out

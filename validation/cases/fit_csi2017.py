"""Case: the COHERENT CsI[Na] 2017 CEvNS fit reproduced with simcoh.fit (shipped model fits/csi-2017.toml): 2D
fit of the released beam-on coincidence counts (1-PE × 0.5-µs grid), steady state from the released
anti-coincidence counts, prompt neutrons from the release's model (±25 %), CEvNS from simcoh."""

from __future__ import annotations

from .. import published as P
from ..common import CaseResult, Comparison
from .fit_common import run_model

KEY = "fit_csi2017"
TITLE = "CsI[Na] 2017 CEvNS likelihood fit (simcoh fit csi-2017)"
FIT_SIGNIFICANCE = 6.7  # K. Scholberg, NuFact2017, arXiv:1801.05546 (COHERENT, Science 357, 1123 (2017))


def run(ctx) -> CaseResult:
    res = CaseResult(KEY, TITLE, "pass")
    model, r, seconds = run_model(ctx, "csi-2017")
    ev = r.extra["poi_events"]["mu_cevns"]
    pub = P.CSI2017_FIT_CEVNS
    res.comparisons.append(Comparison(
        "fitted CEvNS events", "events", pub.value, pub.unc, pub.source, ev["events"], None, "|Δ| ≤ 1σ (22)",
        abs(ev["events"] - pub.value) <= pub.unc,
        note=f"interval {ev['lower']:+.1f} {ev['upper']:+.1f} (flux held), statistical {ev['stat_lower']:+.1f} "
             f"{ev['stat_upper']:+.1f}; region 5–30 PE, 0–6 µs (simcoh's choice)"))
    z = r.extra["significance"]["z"]
    res.comparisons.append(Comparison(
        "significance of CEvNS (profile likelihood ratio, Wilks)", "σ", FIT_SIGNIFICANCE, 1.0,
        "K. Scholberg, arXiv:1801.05546; Science 357, 1123 (2017)", z, None, "|Δ| ≤ 1σ",
        abs(z - FIT_SIGNIFICANCE) <= 1.0))
    c2 = r.extra["chi2"]
    res.comparisons.append(Comparison(
        "χ² of the C window at the best fit (Baker–Cousins)", "", None, None, "simcoh", c2["per_channel"]["c"], None,
        "informational", None, note=f"{c2['per_channel_bins']['c']} bins; C + AC: {c2['total']:.1f}/{c2['ndof']}"))
    res.runtime_s = seconds
    res.data.update(events=ev["events"], z=z)
    return res.finish()

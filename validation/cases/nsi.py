"""Case: the CsI 2021 data in the plane of the NSI parameters (ε^u_ee, ε^d_ee).

CEvNS templates at each grid point by reweighting one Standard-Model simcoh run (simcoh.fit.nsi: the weak
charge of ν_e/ν̄_e events becomes G_V + Z(2ε^u + ε^d) + N(ε^u + 2ε^d), Barranco, Miranda, Rashba, JHEP 12 (2005)
021); BRN, NIN and SS templates and their uncertainties as in the dark-matter case (simcoh.fit.dm_limits); the
CEvNS normalisation is constrained by 12.9 % (333 ± 11 ± 42, D. Pershey, Dec. 2020). −2Δ ln L contours at 1σ and
90 % CL for two parameters (2.30, 4.61). Checks: the Standard Model lies inside the 90 % region (the published
CEvNS measurement agrees with the SM to ~1σ), and the allowed bands run along lines of constant weak charge,
slope dε^d/dε^u = −(2Z + N)/(Z + 2N) (−0.891 for ¹³³Cs, −0.896 for ¹²⁷I).
"""

from __future__ import annotations

import time

import numpy as np

from ..common import CaseResult, Comparison, load_ws
from ..plotting import pyplot

KEY = "nsi"
TITLE = "NSI: the CsI 2021 data in the (ε^u_ee, ε^d_ee) plane"
CHI2_1SIGMA_2DOF, CHI2_90_2DOF = 2.30, 4.61  # χ² quantiles, 2 degrees of freedom


def run(ctx) -> CaseResult:
    from simcoh.fit import dm_limits as D
    from simcoh.fit.nsi import profile_plane, simulate_nsi_templates

    t0 = time.perf_counter()
    res = CaseResult(KEY, TITLE, "pass")
    events = load_ws(ctx.reference / "coherent-csi-2021" / "dataBeamOnC.txt")
    binning = D.CSI_2021_BINNING
    data = binning.histogram(events[:, 0], events[:, 1] * 1e3)[0]
    nsi = simulate_nsi_templates("csi-2021", binning, n_events=ctx.n(100_000, 500_000), seed=7)
    bk = D.csi2021_backgrounds(n_events=ctx.n(40_000, 400_000))
    backgrounds = {k: (bk[k].values, D.BACKGROUND_UNCERTAINTIES[k][0]) for k in ("brn", "nin", "ss")}
    n = ctx.n(25, 61)
    eps_u = np.linspace(-0.5, 0.8, n)
    eps_d = np.linspace(-0.5, 0.8, n)
    ctx.log(f"nsi: {n} x {n} profile fits")
    plane = profile_plane(nsi, backgrounds, data, eps_u, eps_d, cevns_sigma=D.BACKGROUND_UNCERTAINTIES["cevns"][0])
    # the SM point by interpolation on the grid (0 lies between grid points)
    from scipy.interpolate import RegularGridInterpolator

    at_sm = float(RegularGridInterpolator((eps_u, eps_d), plane.delta_chi2)((0.0, 0.0)))
    res.comparisons.append(Comparison(
        "−2Δ ln L at the Standard Model (ε = 0)", "", None, None, "CEvNS measured consistent with the SM "
        "(arXiv:2110.07730)", at_sm, None, f"< {CHI2_90_2DOF} (inside the 90 % region)", at_sm < CHI2_90_2DOF))
    # slope of the valley: for each ε^u, the ε^d of the minimum in the band through the SM point (δ ≈ 0)
    z, n_ = 55, 78  # 133Cs
    expected = -(2 * z + n_) / (z + 2 * n_)
    valley = []
    for i, u in enumerate(eps_u):
        near = np.abs(eps_d - expected * u) < 0.15  # the band through the SM point
        if near.any():
            j = np.flatnonzero(near)[np.argmin(plane.delta_chi2[i, near])]
            valley.append((u, eps_d[j]))
    valley = np.array(valley)
    slope = float(np.polyfit(valley[:, 0], valley[:, 1], 1)[0])
    step = eps_d[1] - eps_d[0]
    res.comparisons.append(Comparison(
        "slope of the allowed band dε^d/dε^u", "", expected, None,
        "constant weak charge, Z(2ε^u + ε^d) + N(ε^u + 2ε^d) (Barranco et al. 2005), 133Cs", slope, None,
        "within 0.05 (grid step of ε^d: " + f"{step:.3f})", abs(slope - expected) < 0.05))
    res.data.update(delta_chi2_sm=at_sm, slope=slope)

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 5.2))
    cs = ax.contourf(eps_u, eps_d, plane.delta_chi2.T, levels=[0, CHI2_1SIGMA_2DOF, CHI2_90_2DOF],
                     colors=["tab:blue", "lightsteelblue"])
    ax.contour(eps_u, eps_d, plane.delta_chi2.T, levels=[CHI2_1SIGMA_2DOF, CHI2_90_2DOF], colors="k",
               linewidths=0.8)
    ax.plot(0, 0, "k*", ms=10, label="Standard Model")
    ax.set_xlabel("ε^u_ee")
    ax.set_ylabel("ε^d_ee")
    ax.set_title("CsI 2021 data (simcoh model): −2Δ ln L = 2.30 (1σ) and 4.61 (90 %)", fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in ("tab:blue", "lightsteelblue")]
    ax.legend(handles + [ax.lines[0]], ["1σ (2 dof)", "90 % CL (2 dof)", "Standard Model"], loc="upper right")
    del cs
    fig.tight_layout()
    path = ctx.plotdir / "nsi_plane.png"
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    res.plots.append((f"plots/{path.name}", "Allowed regions in (ε^u_ee, ε^d_ee) from the released CsI 2021 events: "
                      "two degenerate bands, the SM one and the one where the ν_e weak charge flips sign."))
    res.notes.append("μ-flavour NSI (ε_μμ) are zero here; the ν_μ and ν̄_μ events (about two thirds of the CEvNS "
                     "rate) fix the normalisation that the ν_e weak charge is compared with.")
    res.runtime_s = time.perf_counter() - t0
    return res.finish()

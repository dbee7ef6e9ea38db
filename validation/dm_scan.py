"""Expected dark-matter events in the COHERENT CsI[Na] detector versus the χ mass.

    python validation/dm_scan.py [--points 25] [--epsilon 1e-4] [--alpha-d 0.5]

Geometry and exposure: the csi-2021 configuration (14.57 kg CsI at 19.3 m, 3.198e23 POT, arXiv:2110.07730);
m_A' = 3 m_χ; default meson yields (0.105 π⁰ and 0.04 π⁻ per POT, PHYSICS.md §5; η 0, see docs/darkmatter.md).
Counts are truth level: all recoils, and recoils above the nominal 6.5 keVnr threshold (PHYSICS.md §3), without
the detector efficiency. A dashed curve adds η → γA' with an illustrative η yield of 1e-3 per POT (not a
measured value) to show where η would take over above m_A' = m_π. The published CsI 2021 90 % limits on the
number of DM events after all cuts, N_DM < 18 / 27 / 35 at m_χ = 1 / 10 / 100 MeV ([P20], PHYSICS.md §5), are
marked for orientation only: they apply at the limiting ε of each mass, not at the ε of the curves.
Writes validation/plots/dm_counts_vs_mass.png and prints the table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

CSI_2021 = dict(material="CsI", mass_kg=14.57, distance_cm=1930.0, n_pot=3.198e23)
THRESHOLD_KEV = 6.5  # nominal CsI nuclear-recoil threshold (PHYSICS.md §3, [P20])
PUBLISHED_LIMITS = [(1.0, 18.0), (10.0, 27.0), (100.0, 35.0)]  # (m_χ MeV, N_DM 90 % CL), [P20]
ETA_ILLUSTRATIVE_PER_POT = 1e-3
OUT = Path(__file__).resolve().parent / "plots" / "dm_counts_vs_mass.png"


def expected_counts(m_chi: float, epsilon: float, alpha_d: float, recoil_min_kev: float, eta_per_pot: float,
                    seed: int = 2021) -> float:
    from simcoh.config import PhysicsConfig, SourceConfig
    from simcoh.generate import TruthGenerator

    opts = {"dm.m_chi_mev": m_chi, "dm.epsilon": epsilon, "dm.alpha_d": alpha_d, "dm.eta_per_pot": eta_per_pot}
    gen = TruthGenerator(source=SourceConfig(), physics=PhysicsConfig(), seed=seed, processes=("dm",),
                         n_events=0, recoil_min_kev=recoil_min_kev, process_options=opts, **CSI_2021)
    return gen.expected["dm"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=25)
    ap.add_argument("--epsilon", type=float, default=1e-4)
    ap.add_argument("--alpha-d", type=float, default=0.5)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    if not __package__:  # run as a script (python validation/dm_scan.py): the repository root is not on sys.path
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from validation.plotting import pyplot, save_figure

    plt = pyplot()

    # extra points resolve the thresholds m_A' = m_π0 (m_χ = 44.99 MeV) and 138.28 MeV (m_χ = 46.09 MeV)
    masses = np.unique(np.concatenate([np.logspace(0, 2, args.points), [40.0, 43.0, 44.9, 45.5, 46.0, 46.5]]))
    rows = []
    for m in masses:
        rows.append((m,
                     expected_counts(m, args.epsilon, args.alpha_d, 0.0, 0.0),
                     expected_counts(m, args.epsilon, args.alpha_d, THRESHOLD_KEV, 0.0),
                     expected_counts(m, args.epsilon, args.alpha_d, THRESHOLD_KEV, ETA_ILLUSTRATIVE_PER_POT)))
    rows = np.array(rows)
    print(f"CsI 2021 (14.57 kg, 19.3 m, 3.198e23 POT), eps = {args.epsilon:g}, alpha_D = {args.alpha_d:g}, "
          f"m_A' = 3 m_chi")
    print(f"{'m_chi [MeV]':>12} {'N (T>0)':>12} {'N (T>6.5keV)':>14} {'+eta 1e-3/POT':>14}")
    for r in rows:
        print(f"{r[0]:12.3f} {r[1]:12.4g} {r[2]:14.4g} {r[3]:14.4g}")

    fig, ax = plt.subplots(figsize=(7.5, 5.2))

    def positive(y):
        return np.where(y > 0, y, np.nan)

    ax.plot(rows[:, 0], positive(rows[:, 1]), "-", color="C0", label="all recoils (π⁰ + π⁻ capture)")
    # drawn wide under the dashed η curve, which coincides with it below m_χ = 45 MeV
    ax.plot(rows[:, 0], positive(rows[:, 2]), "-", color="C1", lw=4, alpha=0.6,
            label=f"recoils ≥ {THRESHOLD_KEV} keVnr")
    ax.plot(rows[:, 0], positive(rows[:, 3]), "--", color="C2",
            label=f"≥ {THRESHOLD_KEV} keVnr, + η → γA′ at an illustrative {ETA_ILLUSTRATIVE_PER_POT:g} η/POT")
    lm, ln = zip(*PUBLISHED_LIMITS)
    ax.plot(lm, ln, "kv", ms=8, label="CsI 2021 90 % limits N_DM < 18/27/35 (at the limiting ε; orientation)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("dark-matter mass m_χ [MeV]")
    ax.set_ylabel("expected DM events (truth level, no efficiency)")
    ax.set_title(f"COHERENT CsI[Na] 2021: 14.57 kg at 19.3 m, 3.198e23 POT\n"
                 f"ε = {args.epsilon:g}, α_D = {args.alpha_d:g}, m_A′ = 3 m_χ, detector at 90° to the beam",
                 fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)  # below the axes, off the data
    ax.annotate("π⁰ → γA′ closes at m_A′ = m_π⁰ (m_χ = 45.0 MeV),\nπ⁻p → nA′ at m_A′ = 138.3 MeV (m_χ = 46.1 MeV)",
                xy=(44.0, 0.3), fontsize=8, ha="right")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, args.out, dpi=130)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

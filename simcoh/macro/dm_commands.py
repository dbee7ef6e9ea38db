"""Macro commands of the dark-matter process (/process/dm/...), stored in RunConfig.process_options under
``dm.*`` keys and resolved by :class:`simcoh.generate.dm.DmSettings` (which checks combinations such as
m_A′ > 2 m_χ when the run is built). Physics and defaults: docs/darkmatter.md."""

from __future__ import annotations

from ..units import ENERGY
from .params import Choice, Float, Int, Quantity
from .registry import REGISTRY, Command


def _store(key: str):
    def apply(builder, inv) -> None:
        builder.process_options[key] = inv.first()
    return apply


def _mass(name: str, example: str) -> Quantity:
    return Quantity(name, dims=ENERGY, unit="MeV", example=example, min=0.0, min_open=True)


DM_COMMANDS = [
    Command("/process/dm/mChi", (_mass("M", "10 MeV"),),
            "Dark-matter (scalar chi) mass; required when the dm process is enabled.",
            apply=_store("dm.m_chi_mev"), initial="none: required for dm", examples=("/process/dm/mChi 10 MeV",)),
    Command("/process/dm/mAprime", (_mass("M", "30 MeV"),),
            "Dark-photon mass; must exceed 2 m_chi (on-shell decay A' -> chi chi*).",
            apply=_store("dm.m_aprime_mev"), initial="3 m_chi", examples=("/process/dm/mAprime 30 MeV",)),
    Command("/process/dm/epsilon", (Float("EPS", "kinetic mixing", min=0.0),),
            "Kinetic mixing epsilon of the dark photon with the photon; required when dm is enabled.\n"
            "Event counts scale as epsilon^4 (production and detection each epsilon^2).",
            apply=_store("dm.epsilon"), initial="none: required for dm", examples=("/process/dm/epsilon 1e-4",)),
    Command("/process/dm/alphaD", (Float("ALPHA", "dark coupling g_D^2/4pi", min=0.0, min_open=True),),
            "Dark coupling alpha_D = g_D^2 / 4 pi.", apply=_store("dm.alpha_d"), initial="0.5",
            examples=("/process/dm/alphaD 0.5",)),
    Command("/process/dm/pi0PerPOT", (Float("X", "pi0 per POT", min=0.0),),
            "Neutral pions produced per proton on target (SNS Geant4 value, PHYSICS.md section 5).",
            apply=_store("dm.pi0_per_pot"), initial="0.105", examples=("/process/dm/pi0PerPOT 0.105",)),
    Command("/process/dm/piMinusPerPOT", (Float("X", "captured pi- per POT", min=0.0),),
            "Negative pions captured at rest per proton on target (PHYSICS.md section 5).",
            apply=_store("dm.pi_minus_per_pot"), initial="0.04", examples=("/process/dm/piMinusPerPOT 0.04",)),
    Command("/process/dm/etaPerPOT", (Float("X", "eta per POT", min=0.0),),
            "Eta mesons per proton on target (decaying at rest).\n"
            "Default 0: 1 GeV protons are below the free-nucleon threshold (1.256 GeV); set a value to include "
            "eta -> gamma A' (the only source for m_A' above 138 MeV).",
            apply=_store("dm.eta_per_pot"), initial="0", examples=("/process/dm/etaPerPOT 1e-3",)),
    Command("/process/dm/captureFraction", (Float("F", "fraction", min=0.0, max=1.0),),
            "Fraction of pi- captures that emit A' at rate epsilon^2 (pi- p -> n A').\n"
            "1 follows pyCEvNS (Dutta et al., arXiv:1906.10745); 0.392 = 1/(1 + Panofsky ratio) for free "
            "protons.", apply=_store("dm.capture_fraction"), initial="1",
            examples=("/process/dm/captureFraction 0.392",)),
    Command("/process/dm/detectorAngle", (Float("DEG", "polar angle to the proton beam in degrees",
                                                min=0.0, max=180.0),),
            "Direction of the detector seen from the target, as the angle to the proton beam (degrees).",
            apply=_store("dm.detector_angle_deg"), initial="90", examples=("/process/dm/detectorAngle 90",)),
    Command("/process/dm/angularBand", (Float("WIDTH", "full width in cos(theta)", min=0.0, max=2.0,
                                              min_open=True),),
            "Width in cos(theta) of the band around the detector direction used to estimate the pi0/eta "
            "chi flux per solid angle.", apply=_store("dm.angular_band"), initial="0.2",
            examples=("/process/dm/angularBand 0.2",)),
    Command("/process/dm/setupDecays", (Int("N", "meson decays", min=1000),),
            "Meson decays simulated at set-up to build the chi energy spectrum at the detector.",
            apply=_store("dm.setup_decays"), initial="2000000", examples=("/process/dm/setupDecays 2000000",)),
    Command("/process/dm/mesonKinematics", (Choice("MODE", choices=("sample", "rest")),),
            "pi0 momenta from the SNS Geant4 pi0 sample, or all mesons at rest.",
            apply=_store("dm.meson_kinematics"), initial="sample",
            examples=("/process/dm/mesonKinematics sample",)),
]

for _command in DM_COMMANDS:
    REGISTRY.register(_command)

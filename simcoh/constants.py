"""Physical constants in simcoh's internal units (MeV, ns, cm, kg), each with its source.

PDG = R.L. Workman et al. (Particle Data Group), PTEP 2022, 083C01 and the 2024 update.
CODATA = CODATA 2018 recommended values (Tiesinga et al., Rev. Mod. Phys. 93, 025010 (2021)).
"""

import math

# --- fundamental ---------------------------------------------------------------------------------
HBARC_MEV_FM = 197.3269804  # ħc in MeV fm (CODATA 2018, exact to the digits given)
HBARC_MEV_CM = HBARC_MEV_FM * 1e-13
C_CM_PER_NS = 29.9792458  # speed of light (exact SI)
ALPHA_EM = 1.0 / 137.035999084  # fine-structure constant at Q^2 = 0 (CODATA 2018)
G_FERMI_GEV2 = 1.1663788e-5  # Fermi constant, GeV^-2 (PDG 2022; PHYSICS.md §2)
G_FERMI_MEV2 = G_FERMI_GEV2 * 1e-6
ELECTRON_MASS_MEV = 0.51099895000  # CODATA 2018
ATOMIC_MASS_UNIT_MEV = 931.49410242  # u in MeV (CODATA 2018; PHYSICS.md quotes 931.49410)
EV_IN_J = 1.602176634e-19  # exact (SI 2019)

# --- weak mixing ---------------------------------------------------------------------------------
SIN2_THETA_W_LOW_Q2 = 0.23857  # MS-bar sin^2 θ_W at low Q^2 (PDG; PHYSICS.md §2)
SIN2_THETA_W_MZ = 0.2312  # MS-bar at M_Z (PDG)

# Radiatively corrected vector couplings (PDG electroweak review; PHYSICS.md §2).
G_P_V_RADIATIVE = 0.0298  # 0.0297 in PDG 2024
G_N_V_RADIATIVE = -0.5117  # -0.5118 in PDG 2024
# Flavour-dependent neutrino charge-radius contributions to g_p^V, -(2/3) m_W² sin²θ_W <r²_ν> (the "Giunti"
# set quoted in PHYSICS.md §2; Cadeddu et al., arXiv:1810.05606). G_P_V_RADIATIVE already contains the νμ one,
# so physics.cevns adds the difference to νμ.
CHARGE_RADIUS_DG_P = {"e": 0.0212, "mu": 0.0123, "tau": 0.0077}

# --- particles (PDG 2022) ------------------------------------------------------------------------
PION_CHARGED_MASS_MEV = 139.57039
MUON_MASS_MEV = 105.6583755
PION_NEUTRAL_MASS_MEV = 134.9768
ETA_MASS_MEV = 547.862
NEUTRON_MASS_MEV = 939.56542052
PROTON_MASS_MEV = 938.27208816
PION_LIFETIME_NS = 26.033  # τ(π+) = 26.033 ns (PDG; PHYSICS.md quotes 26.03)
MUON_LIFETIME_NS = 2196.9811  # τ(μ+) = 2196.9811 ns (PDG; PHYSICS.md quotes 2196.98)
BR_PI0_TO_GAMMA_GAMMA = 0.98823  # PDG
BR_ETA_TO_GAMMA_GAMMA = 0.3941  # PDG

#: Prompt νμ energy from π+ → μ+ νμ at rest: (mπ² − mμ²)/(2 mπ) = 29.79 MeV.
E_NU_MU_PROMPT_MEV = (PION_CHARGED_MASS_MEV**2 - MUON_MASS_MEV**2) / (2.0 * PION_CHARGED_MASS_MEV)
#: Michel end point mμ/2 = 52.83 MeV.
E_NU_MICHEL_MAX_MEV = MUON_MASS_MEV / 2.0

#: Magnetic-moment prefactor π α² / m_e² in MeV⁻² (multiply by (ħc)² for cm²), Vogel & Engel PRD 39, 3378 (1989).
MAGNETIC_MOMENT_PREFACTOR_MEV2 = math.pi * ALPHA_EM**2 / ELECTRON_MASS_MEV**2

#: 1 MeV^-2 in cm^2 via (ħc)^2.
MEV2_TO_CM2 = HBARC_MEV_CM**2

#: Seconds per year used for rates (Julian year).
SECONDS_PER_YEAR = 365.25 * 86400.0

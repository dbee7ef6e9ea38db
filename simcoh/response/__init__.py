"""Detector response: quenching, parametric smearing, photoelectrons (times, SPE charges), afterglow,
ionization, efficiencies. See docs/response.md for the models and their sources."""

from .afterglow import afterglow_pe, photon_response
from .efficiency import accept, apply_efficiency, efficiency_variable, energy_efficiency, time_efficiency
from .ionization import ionization_energy, ionization_sigma_kev
from .params import (
    AfterglowParams,
    EnergyEfficiencyParams,
    IonizationParams,
    LightParams,
    ScintillationParams,
    SmearingParams,
    SPEParams,
    TimeEfficiencyParams,
    WindowParams,
)
from .parametric import Smeared, smear
from .photon import LABEL_AFTERGLOW, LABEL_SIGNAL, PEList, f90, signal_pe
from .quenching import Constant, IsotopeQuenching, Lindhard, Linear, Polynomial, Table, quenching_from_section
from .spe import SPETable, build_spe_table

__all__ = [
    "AfterglowParams", "EnergyEfficiencyParams", "IonizationParams", "LightParams", "ScintillationParams",
    "SmearingParams", "SPEParams", "TimeEfficiencyParams", "WindowParams",
    "Polynomial", "Constant", "Linear", "Lindhard", "Table", "IsotopeQuenching", "quenching_from_section",
    "Smeared", "smear", "energy_efficiency", "efficiency_variable", "time_efficiency", "accept",
    "apply_efficiency", "PEList", "signal_pe", "f90", "LABEL_SIGNAL", "LABEL_AFTERGLOW",
    "afterglow_pe", "photon_response", "SPETable", "build_spe_table",
    "ionization_energy", "ionization_sigma_kev",
]

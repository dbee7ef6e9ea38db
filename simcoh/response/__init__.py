"""Detector response: quenching, parametric smearing, photoelectrons (times, SPE charges), afterglow,
ionization, efficiencies. Parameters are the detector's sections (simcoh.detector: ``det.light``,
``det.spe``, ...), read directly. See docs/response.md for the models and their sources."""

from .afterglow import afterglow_on, afterglow_pe, photon_response, rate_moments_per_ns, window_length_ns
from .efficiency import (accept, apply_efficiency, efficiency_variable, energy_efficiency, energy_section,
                         time_efficiency, time_section)
from .ionization import ionization_energy, ionization_sigma_kev, pair_energy_kev
from .parametric import Smeared, smear
from .photon import LABEL_AFTERGLOW, LABEL_SIGNAL, PEList, f90, mean_pe_per_kevee, nr_fractions, signal_pe
from .quenching import (Constant, IsotopeQuenching, Lindhard, Linear, Polynomial, Table, isotope_quenching,
                        quenching_model)
from .spe import SPETable, build_spe_table, spe_section

__all__ = [
    "Polynomial", "Constant", "Linear", "Lindhard", "Table", "IsotopeQuenching", "quenching_model",
    "isotope_quenching", "Smeared", "smear", "energy_efficiency", "efficiency_variable", "time_efficiency",
    "energy_section", "time_section", "accept", "apply_efficiency", "PEList", "signal_pe", "f90",
    "mean_pe_per_kevee", "nr_fractions", "LABEL_SIGNAL", "LABEL_AFTERGLOW", "afterglow_on", "afterglow_pe",
    "photon_response", "rate_moments_per_ns", "window_length_ns", "SPETable", "build_spe_table", "spe_section",
    "ionization_energy", "ionization_sigma_kev", "pair_energy_kev",
]

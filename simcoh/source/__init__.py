"""The SNS stopped-pion neutrino source: spectra, yields and exposure, flux, and timing."""

from .flux import exposure_pot_from_energy, flux_per_cm2
from .spectra import NeutrinoSource, make_source

__all__ = ["NeutrinoSource", "make_source", "flux_per_cm2", "exposure_pot_from_energy"]

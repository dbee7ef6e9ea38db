"""simcoh: Monte Carlo simulation of coherent elastic neutrino-nucleus scattering (CEvNS)
detectors at stopped-pion neutrino sources, modelled on COHERENT in the SNS Neutrino Alley.

Internal units are fixed and carried in names: energies in MeV (``e_nu_mev``) or keV
(``t_nr_kev``), times in ns (``t_ns``), lengths in cm, masses in kg.
"""

__version__ = "0.1.0"

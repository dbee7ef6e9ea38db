"""The targets of the toy-MC efficiency verdict (issue 17, item 7) against the published CsI[Na] 2021 efficiencies
(arXiv:2110.07730: ε_E from its ancillary effCoefficients.txt, ε_T = exp(-0.0494/µs (t - 0.52 µs)); both in
geometries/csi-2021.toml): the largest |ε_E(sim) - ε_E(published)| over the energy-scan points of mean PE in
VERDICT_PE_RANGE, the plateau difference and the largest |ε_T(sim) - ε_T(published)|, each against its tolerance."""

VERDICT_PE_RANGE = (5.0, 30.0)
TOLERANCE_ENERGY, TOLERANCE_PLATEAU, TOLERANCE_TIME = 0.03, 0.01, 0.01

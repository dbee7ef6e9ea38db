"""Validation cases. Each module has KEY, TITLE and ``run(ctx) -> validation.results.CaseResult``."""

from . import (csi2017, csi2021, d2o, dm_limits, fidelity, fit_csi2017, fit_csi2021, flux, gemini, lar2020, n2,
               naive_cc, nsi, nube, sensitivity)

#: Cases in report order.
CASES = {m.KEY: m for m in (csi2021, csi2017, n2, fidelity, flux, sensitivity, fit_csi2021, fit_csi2017, dm_limits,
                            nsi, lar2020, gemini, naive_cc, d2o, nube)}

"""Validation cases. Each module has KEY, TITLE and ``run(ctx) -> validation.results.CaseResult``."""

from . import csi2017, csi2021, dm_limits, fidelity, fit_csi2017, fit_csi2021, flux, lar2020, n2, nsi, sensitivity

#: Cases in report order.
CASES = {m.KEY: m for m in (csi2021, csi2017, n2, fidelity, flux, sensitivity, fit_csi2021, fit_csi2017, dm_limits,
                            nsi, lar2020)}

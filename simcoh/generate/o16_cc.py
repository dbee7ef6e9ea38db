"""νe + ¹⁶O → e⁻ + ¹⁶F(*) in heavy water (process "o16_cc", code 8): the charged current on the oxygen of the D2O,
a background to the flux-normalisation channel d2o_cc (docs/d2o.md).

Expected events: N = Φ_νe · N_O16 · ⟨σ⟩ with N_O16 the ¹⁶O nuclei of the target (natural oxygen, 99.757 % ¹⁶O;
¹⁷O and ¹⁸O, whose thresholds are lower, are not modelled) and ⟨σ⟩ the Michel-averaged cross section of the
Kolbe-Langanke-Vogel table (:mod:`simcoh.physics.oxygen16`) or of ``o16_cc.xs_table``.

Per event, as d2o_cc (the same kernel): Eν from the σ-weighted spectrum, arrival time = proton pulse + π and μ
decay times, electron kinetic energy T_e = Eν − Q (Q = 15.41 MeV: the ¹⁶F ground state; the excitation energy of
the ¹⁶F states actually populated is neglected, so T_e is an upper bound), Cherenkov photons with d2o_cc's default
optical constants (n = 1.33, 300–650 nm, 1.992 MeV/cm) and photoelectrons when coverage and QE are given. The
electron direction (mildly backward: 1 − cos θ (1 + x)/(3 + x), x = (E_e/25 MeV)⁴, Tomàs et al., hep-ph/0307050,
eq. B7, as implemented in SNEWS2/sntools) and the de-excitation products of ¹⁶F
(protons, γ) are not modelled. The H2O tail catcher of the design (not sourced here) is not a target.
"""

from __future__ import annotations

from ..declare import resolve
from ..errors import InputError
from ..physics import cherenkov, oxygen16
from ..physics.deuteron import XsTable, read_xs_table
from .d2o_cc import (CherenkovCcProcess, cross_section_and_light_params, heavy_water_only,
                     photoelectron_probability)
from .process import BuildContext, ProcessSpec

NAME = "o16_cc"
#: d2o_cc's default photon band (Hamamatsu R5912 bialkali range), shared so both channels see the same light.
LAMBDA_MIN_NM, LAMBDA_MAX_NM = 300.0, 650.0

PARAMS = cross_section_and_light_params(
    NAME, "nu_e 16O -> e- X", "the Kolbe-Langanke-Vogel table shipped with simcoh", "nu-o16.txt",
    "E. Kolbe, K. Langanke, P. Vogel, PRD 66, 013007 (2002) (simcoh/data/PROVENANCE.md)",
    "the table's third column (30 %, an assumption)", "0.2",
    table_note=" A table given here is interpolated linearly in sigma (the shipped one is refined in log sigma "
    "first): give a fine grid, since on the 5-MeV KLV grid linear interpolation is 3.6 % high.")


def _settings(options: dict) -> dict:
    s = {k[len(NAME) + 1:]: v for k, v in resolve(NAME, dict(options), PARAMS).items()}
    if (s["coverage"] is None) != (s["qe"] is None):
        raise InputError("o16_cc counts photoelectrons only with both /process/o16_cc/coverage and "
                         "/process/o16_cc/quantumEfficiency; give both (or neither: photons only)")
    return s


class O16CcProcess(CherenkovCcProcess):
    name = NAME

    def __init__(self, ctx: BuildContext, settings: dict, table: XsTable):
        super().__init__(ctx, table, "O16", oxygen16.q_value_mev(), settings["xs_rel_unc"],
                         cherenkov.threshold_kinetic_mev(), cherenkov.photons_per_mev(LAMBDA_MIN_NM, LAMBDA_MAX_NM),
                         photoelectron_probability(settings["coverage"], settings["qe"]))

    @property
    def n_o16(self) -> float:
        return self.n_targets


def build_o16_cc(ctx: BuildContext) -> O16CcProcess:
    settings = _settings(ctx.options)
    if settings["xs_table"]:
        table = read_xs_table(settings["xs_table"], label=NAME)
    else:
        table = oxygen16.builtin_xs_table()
    return O16CcProcess(ctx, settings, table)


PROCESS = ProcessSpec(NAME, 8, "nu_e 16O -> e- 16F in heavy water (background to d2o_cc)", build_o16_cc, PARAMS,
                      heavy_water_only(NAME), settings=lambda det, o: _settings(o))

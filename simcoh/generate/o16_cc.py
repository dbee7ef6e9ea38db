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

import numpy as np

from ..constants import C_CM_PER_NS
from ..declare import Param, resolve
from ..errors import InputError
from ..physics import cherenkov, oxygen16
from ..physics.deuteron import XsTable, flux_average, read_xs_table
from ..rng import stage_key
from ..source.flux import flux_per_cm2
from ..source.spectra import make_source
from ..source.timing import inverse_cdf_table, make_pulse
from .d2o_cc import EXTRA_COLUMNS, TABLE_SIZE, sample_d2o_cc
from .process import BuildContext, PerPotProcess, ProcessSpec

NAME = "o16_cc"
_C = f"/process/{NAME}/"
#: d2o_cc's default photon band (Hamamatsu R5912 bialkali range), shared so both channels see the same light.
LAMBDA_MIN_NM, LAMBDA_MAX_NM = 300.0, 650.0

PARAMS = (
    Param(f"{NAME}.xs_table", _C + "xsTable", "path",
          "Cross-section table of nu_e 16O -> e- X: E_nu [MeV], sigma [cm2], relative uncertainty (docs/d2o.md).",
          default=None, initial="the Kolbe-Langanke-Vogel table shipped with simcoh",
          label="o16_cc cross-section table",
          arg="PATH", arg_help="three columns: E_nu_MeV sigma_cm2 rel_unc", example="nu-o16.txt",
          source="E. Kolbe, K. Langanke, P. Vogel, PRD 66, 013007 (2002) (simcoh/data/PROVENANCE.md)"),
    Param(f"{NAME}.xs_rel_unc", _C + "xsUncertainty", "float",
          "Relative 1-sigma uncertainty of the cross section, replacing the table's column.",
          default=None, initial="the table's third column (30 %, an assumption)", min=0.0, max=1.0, max_open=True,
          label="o16_cc cross-section uncertainty", example="0.2", why="a relative uncertainty below 100 %"),
    Param(f"{NAME}.coverage", _C + "coverage", "float",
          "Fraction of the Cherenkov photons that reach a photocathode (geometric coverage x transport).",
          default=None, initial="photoelectrons not counted", label="o16_cc photocathode coverage", min=0.0,
          max=1.0, min_open=True, example="0.1", why="a fraction of the emitted photons"),
    Param(f"{NAME}.qe", _C + "quantumEfficiency", "float",
          "Photocathode quantum efficiency averaged over the wavelength band.", default=None,
          initial="photoelectrons not counted", label="o16_cc quantum efficiency",
          min=0.0, max=1.0, min_open=True, example="0.25", why="a probability"),
)


def _settings(options: dict) -> dict:
    s = {k[len(NAME) + 1:]: v for k, v in resolve(NAME, dict(options), PARAMS).items()}
    if (s["coverage"] is None) != (s["qe"] is None):
        raise InputError("o16_cc counts photoelectrons only with both /process/o16_cc/coverage and "
                         "/process/o16_cc/quantumEfficiency; give both (or neither: photons only)")
    return s


class O16CcProcess(PerPotProcess):
    name = NAME
    extra_columns = EXTRA_COLUMNS
    recoil_type = "er"

    def __init__(self, ctx: BuildContext, settings: dict, table: XsTable):
        self.table = table
        self.p_detect = -1.0 if settings["coverage"] is None else settings["coverage"] * settings["qe"]
        spec = make_source(ctx.source).flavours.get("nu_e")
        if spec is None or spec.is_line:
            raise InputError("process o16_cc needs the nu_e spectrum of a pion-decay-at-rest source")
        self.sigma_avg_cm2, self.sigma_rel_unc, weights = flux_average(table, spec.edges_mev, spec.prob, NAME)
        if settings["xs_rel_unc"] is not None:
            self.sigma_rel_unc = settings["xs_rel_unc"]
        self.n_o16 = sum(t.nuclei_per_kg for t in ctx.target_isotopes if t.isotope.name == "O16") \
            * ctx.target_mass_kg
        self.fluence_per_pot_cm2 = flux_per_cm2(1.0, spec.yield_per_pot, ctx.distance_cm)
        self.expected_per_pot = self.fluence_per_pot_cm2 * self.n_o16 * self.sigma_avg_cm2
        self.n_pot = ctx.n_pot
        self.q_mev = oxygen16.q_value_mev()
        self._e_table = np.maximum(inverse_cdf_table(spec.edges_mev, weights, TABLE_SIZE), table.e_nu_mev[0])
        self._emission = spec.emission
        self._pulse = make_pulse(ctx.source)
        self._flight_ns = ctx.distance_cm / C_CM_PER_NS if ctx.source.include_flight_time else 0.0

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        p, em = self._pulse, self._emission
        out["flavour"][:] = 0  # nu_e (config.FLAVOURS)
        out["isotope"][:] = -1
        out["t_nr_kev"][:] = np.nan
        sample_d2o_cc(stage_key(seed, "truth.o16_cc"), event_ids, self._e_table, self.q_mev,
                      cherenkov.threshold_kinetic_mev(), cherenkov.photons_per_mev(LAMBDA_MIN_NM, LAMBDA_MAX_NM),
                      self.p_detect, em.kind, em.table_ns, p.kind, p.mean_ns, p.sigma_ns, p.table_ns, self._flight_ns,
                      out["e_nu_mev"], out["t_ns"], out["t_e_mev"], out["n_cherenkov"], out["n_pe_cherenkov"])


def _supports(detector, options: dict):
    if detector is None or getattr(detector.target, "material", None) == "D2O":
        return None
    return (f"process '{NAME}' has no model for detector '{detector.name}': it is the oxygen of a heavy-water target "
            f"(material D2O)", "a detector with [target] material = \"D2O\"", "load the detector d2o")


def build_o16_cc(ctx: BuildContext) -> O16CcProcess:
    settings = _settings(ctx.options)
    if settings["xs_table"]:
        table = read_xs_table(settings["xs_table"], label=NAME)
    else:
        table = oxygen16.builtin_xs_table()
    return O16CcProcess(ctx, settings, table)


PROCESS = ProcessSpec(NAME, 8, "nu_e 16O -> e- 16F in heavy water (background to d2o_cc)", build_o16_cc, PARAMS,
                      _supports, settings=lambda det, o: _settings(o))

"""ν-e elastic scattering in heavy water (process "d2o_es", code 7): a background to the νe d CC signal of COH-D2O.

Expected events per flavour f: N_f = Φ_f · N_e · ⟨σ_f⟩, with N_e the electrons of the target (Σ Z × nuclei) and
σ_f the tree-level cross section of :mod:`simcoh.physics.electron_scattering` above ``d2o_es.t_min_mev``
(default: the Cherenkov threshold, 0.264 MeV). Per event: the channel by its rate, Eν from the σ-weighted spectrum
(the 29.8-MeV νμ line as it is), T from dσ/dT by rejection under the larger endpoint value (dσ/dT is convex in T),
the electron angle to the neutrino (``cos_theta_e``), the arrival time as for CEvNS, and the Cherenkov photons with
the default optical constants of d2o_cc (n = 1.33, 300-650 nm, 1.992 MeV/cm; no photoelectrons).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..config import FLAVOURS
from ..constants import C_CM_PER_NS, ELECTRON_MASS_MEV
from ..declare import Param, resolve
from ..errors import InputError
from ..physics import cherenkov
from ..physics import electron_scattering as es
from ..rng import draw_poisson, draw_uniform, stage_key, stream_start
from ..source.flux import flux_per_cm2
from ..source.spectra import make_source
from ..source.timing import inverse_cdf_table, make_pulse
from .d2o_cc import EXTRA_COLUMNS as CC_COLUMNS, heavy_water_only
from .kernels import pick_channel, sample_emission_ns, sample_pulse_ns, table_lookup
from .process import BuildContext, PerPotProcess, ProcessSpec

NAME = "d2o_es"
TABLE_SIZE = 16385

PARAMS = (
    Param(f"{NAME}.t_min_mev", f"/process/{NAME}/electronThreshold", "quantity",
          "Smallest electron kinetic energy generated (the truth region of the expected count).",
          default=None, unit="MeV", example="3 MeV", min=0.0, max=50.0, label="d2o_es electron threshold",
          arg="T", initial="the Cherenkov threshold, 0.264 MeV (n = 1.33)",
          why="electrons from 53-MeV neutrinos stay below 53 MeV"),
)

EXTRA_COLUMNS = CC_COLUMNS[:2] + (
    ("cos_theta_e", "float64", "", "cosine of the electron angle to the incoming neutrino (d2o_es); NaN for "
     "other processes", np.nan),
)


@nb.njit(nogil=True, cache=True)
def sample_es(key, event_ids, cum, e_tables, gv, ga, flavour, emission_kind, emission_tables, t_min,
              pulse_kind, pulse_mean, pulse_sigma, pulse_table, flight_ns, photons_per_mev, t_thr,
              out_flavour, out_e_nu, out_t, out_te, out_cos, out_ng):
    me = ELECTRON_MASS_MEV
    for j in range(event_ids.shape[0]):
        s = stream_start(key, event_ids[j])
        s, u = draw_uniform(s)
        k = pick_channel(cum, u)
        s, u = draw_uniform(s)
        e = table_lookup(e_tables[k], u)
        hi = 2.0 * e * e / (me + 2.0 * e)
        a, b = gv[k] + ga[k], gv[k] - ga[k]
        c = gv[k] * gv[k] - ga[k] * ga[k]
        f_lo = a * a + b * b * (1.0 - t_min / e) ** 2 - c * me * t_min / (e * e)
        f_hi = a * a + b * b * (1.0 - hi / e) ** 2 - c * me * hi / (e * e)
        env = max(f_lo, f_hi)
        while True:
            s, u1 = draw_uniform(s)
            t = t_min + (hi - t_min) * u1
            f = a * a + b * b * (1.0 - t / e) ** 2 - c * me * t / (e * e)
            s, u2 = draw_uniform(s)
            if u2 * env <= f:
                break
        s, t_p = sample_pulse_ns(s, pulse_kind, pulse_mean, pulse_sigma, pulse_table)
        s, t_e = sample_emission_ns(s, emission_kind[k], emission_tables[k])
        s, ng = draw_poisson(s, photons_per_mev * max(t - t_thr, 0.0))
        out_flavour[j] = flavour[k]
        out_e_nu[j] = e
        out_t[j] = t_p + t_e + flight_ns
        out_te[j] = t
        out_cos[j] = (1.0 + me / e) * np.sqrt(t / (t + 2.0 * me))
        out_ng[j] = ng


class D2oEsProcess(PerPotProcess):
    name = NAME
    extra_columns = EXTRA_COLUMNS
    recoil_type = "er"

    def __init__(self, ctx: BuildContext, t_min_mev: float):
        self.t_min_mev = t_min_mev
        self.n_electrons = sum(t.isotope.z * t.nuclei_per_kg for t in ctx.target_isotopes) * ctx.target_mass_kg
        source = make_source(ctx.source)
        rates, tables, gvs, gas, codes, kinds, etabs, self.sigma_avg_cm2 = [], [], [], [], [], [], [], {}
        for code, flavour in enumerate(FLAVOURS):
            spec = source.flavours.get(flavour)
            if spec is None:
                continue
            gv, ga = es.couplings(flavour, ctx.physics.sin2_theta_w)
            if spec.is_line:
                sigma = float(es.sigma_cm2(spec.line_mev, gv, ga, t_min_mev))
                table = np.full(TABLE_SIZE, spec.line_mev)
            else:
                mid = 0.5 * (spec.edges_mev[1:] + spec.edges_mev[:-1])
                w = spec.prob * np.maximum(es.sigma_cm2(np.maximum(mid, 1e-9), gv, ga, t_min_mev), 0.0)
                sigma = float(w.sum())
                table = inverse_cdf_table(spec.edges_mev, w, TABLE_SIZE) if sigma > 0 else np.zeros(TABLE_SIZE)
            self.sigma_avg_cm2[flavour] = sigma
            rates.append(flux_per_cm2(1.0, spec.yield_per_pot, ctx.distance_cm) * self.n_electrons * sigma)
            tables.append(table)
            gvs.append(gv)
            gas.append(ga)
            codes.append(code)
            kinds.append(spec.emission.kind)
            etabs.append(spec.emission.table_ns)
        rates = np.array(rates)
        if rates.sum() <= 0:
            raise InputError(f"no d2o_es events are possible above {t_min_mev:g} MeV electron energy")
        self.expected_per_pot = float(rates.sum())
        self.n_pot = ctx.n_pot
        self._cum = np.cumsum(rates) / rates.sum()
        self._tables = np.stack(tables)
        self._gv, self._ga = np.array(gvs), np.array(gas)
        self._codes = np.array(codes, np.int8)
        self._kinds = np.array(kinds, np.int64)
        width = max(len(t) for t in etabs)
        self._etabs = np.stack([np.interp(np.linspace(0, 1, width), np.linspace(0, 1, len(t)), t) for t in etabs])
        self._pulse = make_pulse(ctx.source)
        self._flight_ns = ctx.distance_cm / C_CM_PER_NS if ctx.source.include_flight_time else 0.0

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        p = self._pulse
        out["isotope"][:] = -1
        out["t_nr_kev"][:] = np.nan
        sample_es(stage_key(seed, "truth.d2o_es"), event_ids, self._cum, self._tables, self._gv, self._ga,
                  self._codes, self._kinds, self._etabs, self.t_min_mev, p.kind, p.mean_ns, p.sigma_ns, p.table_ns,
                  self._flight_ns, cherenkov.photons_per_mev(300.0, 650.0), cherenkov.threshold_kinetic_mev(),
                  out["flavour"], out["e_nu_mev"], out["t_ns"], out["t_e_mev"], out["cos_theta_e"],
                  out["n_cherenkov"])


def _t_min(options: dict) -> float:
    t = resolve(NAME, dict(options), PARAMS)[f"{NAME}.t_min_mev"]
    return cherenkov.threshold_kinetic_mev() if t is None else t


def build_d2o_es(ctx: BuildContext) -> D2oEsProcess:
    return D2oEsProcess(ctx, _t_min(ctx.options))


PROCESS = ProcessSpec(NAME, 7, "nu-e elastic scattering in heavy water (background to d2o_cc)", build_d2o_es, PARAMS,
                      heavy_water_only(NAME))

"""¹²⁷I electron-neutrino charged current (process "i127_cc", code 6; code 5 is taken by d2o_cc on its branch): νe + ¹²⁷I → e⁻ + ¹²⁷Xe(*).

Expected events = Φ_νe · N(¹²⁷I) · ⟨σ⟩, with Φ_νe = r N_POT / 4πL² and ⟨σ⟩ the cross section of
:mod:`simcoh.physics.i127cc` averaged over the run's νe spectrum (for the analytic Michel source it is the
measured 9.2e-40 cm², arXiv:2305.19594). Per event: the level (bound or neutron-emitting) is drawn in
proportion to its share of the rate, Eν from φ(Eν) σ_level(Eν), and

- ``t_e_mev`` = Eν − Q − E_x (electron kinetic energy; Q from AME2020 masses);
- ``e_gamma_mev`` = E_x for the bound level (its de-excitation γ energy, taken as one γ), 0 for the
  neutron-emitting level (its E_x = S_n goes into neutron separation; the neutron's kinetic energy is
  E_x − S_n = 0 with the default level);
- ``e_dep_mev`` = t_e_mev + e_gamma_mev: the electron-equivalent energy deposited, assuming full
  containment of the electron and γ in the crystal (no shower leakage: an upper bound on the visible energy);
- ``n_neutrons`` = 0 or 1;
- t = proton pulse + Exp(τπ) + Exp(τμ) (delayed νe; the source's νe emission model) [+ L/c if enabled];
- ``t_nr_kev`` NaN (no nuclear recoil is simulated); ``isotope`` = ¹²⁷I, ``flavour`` = νe.

The response stages take ``e_dep_mev`` as the electron-equivalent energy (electrons are not quenched).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from ..constants import C_CM_PER_NS
from ..declare import Param, flatten, resolve
from ..errors import Diagnostic, InputError
from ..physics import i127cc
from ..rng import draw_uniform, stage_key, stream_start
from ..source.flux import flux_per_cm2
from ..source.spectra import make_source
from ..source.timing import inverse_cdf_table, make_pulse
from .kernels import sample_emission_ns, sample_pulse_ns, table_lookup
from .process import BuildContext, PerPotProcess, ProcessSpec

_PAPER = "COHERENT, arXiv:2305.19594 (PRL 131, 221801 (2023))"
_WHY_SIGMA = "neutrino-nucleus cross sections at SNS energies are below 1e-38 cm^2"

#: /process/i127_cc/... options (keys ``i127_cc.<field>``).
PARAMS = (
    Param("i127_cc.sigma_avg_cm2", "/process/i127_cc/sigmaAverage", "quantity",
          "Flux-averaged inclusive 127I(nu_e, e-) cross section for the Michel (mu+ decay-at-rest) nu_e spectrum.",
          default=i127cc.SIGMA_MEASURED_CM2, unit="cm^2", example="9.2e-40 cm^2", min=0.0,
          label="i127_cc flux-averaged cross section", arg="SIGMA", source=_PAPER + ": 9.2 (+2.1 -1.8) e-40 cm^2",
          max=1e-36, why=_WHY_SIGMA),
    Param("i127_cc.neutron_fraction", "/process/i127_cc/neutronFraction", "float",
          "Share of the flux-averaged cross section that goes to neutron-emitting 127Xe states.",
          default=i127cc.NEUTRON_FRACTION, min=0.0, max=1.0, label="i127_cc neutron fraction", arg="F",
          arg_help="fraction", example="0.297",
          source=_PAPER + ": exclusive 0n 5.2e-40 and >=1n 2.2e-40 cm^2, 2.2/7.4"),
    Param("i127_cc.ex_bound_mev", "/process/i127_cc/boundLevel", "quantity",
          "Excitation energy of the effective bound (zero-neutron) 127Xe level; emitted as one gamma.",
          default=i127cc.EX_BOUND_MEV, unit="MeV", example="0.125 MeV", min=0.0, max=20.0,
          label="i127_cc bound level", arg="E", source="3/2+ state at 125 keV: Engel, Pittel, Vogel, "
          "PRC 50, 1702 (1994), nucl-th/9402022", why="127Xe levels reached by SNS neutrinos lie below 50 MeV"),
    Param("i127_cc.ex_neutron_mev", "/process/i127_cc/neutronLevel", "quantity",
          "Excitation energy of the effective neutron-emitting 127Xe level (at least S_n = 7.246 MeV).",
          default=round(i127cc.neutron_separation_mev(), 6), unit="MeV", example="7.246 MeV", min=0.0, max=50.0,
          label="i127_cc neutron level", arg="E", source="S_n(127Xe) from the AME2020 masses",
          why="127Xe levels reached by SNS neutrinos lie below 50 MeV"),
)

OPTIONS = {p.key: p.default for p in flatten(PARAMS)}

#: truth columns of this process (name, dtype, unit, description, fill value for other processes)
EXTRA_COLUMNS = (
    ("t_e_mev", "float64", "MeV", "electron kinetic energy of a charged-current event (NaN for other processes)",
     np.nan),
    ("e_gamma_mev", "float64", "MeV", "de-excitation gamma energy of the final nucleus (NaN for other processes)",
     np.nan),
    ("e_dep_mev", "float64", "MeV", "electron-equivalent energy deposited by an electron-type event (NaN if none)",
     np.nan),
    ("n_neutrons", "int8", "", "neutrons emitted by the final nucleus (-1 for other processes)", -1),
)


@dataclass(frozen=True)
class I127CcSettings:
    sigma_avg_cm2: float
    neutron_fraction: float
    ex_bound_mev: float
    ex_neutron_mev: float

    @classmethod
    def from_options(cls, options: dict) -> "I127CcSettings":
        s = cls(**{k[len("i127_cc."):]: v for k, v in resolve("i127_cc", dict(options), PARAMS).items()})
        s_n = i127cc.neutron_separation_mev()
        if s.ex_neutron_mev < s_n - 1e-6:
            raise InputError(Diagnostic(f"i127_cc neutron level {s.ex_neutron_mev:g} MeV is below the 127Xe neutron "
                                        f"separation energy {s_n:.3f} MeV (AME2020)",
                                        expected=f"/process/i127_cc/neutronLevel >= {s_n:.3f} MeV"))
        if s.ex_bound_mev >= s_n:
            raise InputError(Diagnostic(f"i127_cc bound level {s.ex_bound_mev:g} MeV is not below the 127Xe neutron "
                                        f"separation energy {s_n:.3f} MeV (AME2020)",
                                        expected=f"/process/i127_cc/boundLevel < {s_n:.3f} MeV"))
        return s

    def cross_section(self) -> i127cc.CrossSection:
        return i127cc.two_level(self.sigma_avg_cm2, self.neutron_fraction, self.ex_bound_mev, self.ex_neutron_mev)


def _has_iodine(isotope_names) -> bool:
    return "I127" in isotope_names


def supports(detector, options: dict):
    """A model exists for every detector whose target contains 127I and which declares an MeV-scale
    ``[electron_response]`` (shipped: nai-185kg)."""
    if detector is None:
        return None
    from ..physics.nuclei import material_isotopes

    names = [t.isotope.name for t in material_isotopes(detector.target.material)]
    if _has_iodine(names) and getattr(detector, "electron_response", None) is None:
        # The electron and de-excitation gammas deposit 10-50 MeV; the keV-scale light/smearing model of a CEvNS
        # geometry would give them a meaningless width, so a MeV response must be declared (docs/naive-cc.md).
        return (f"process 'i127_cc' needs an MeV-scale electron response, and detector '{detector.name}' has none",
                "a geometry with an [electron_response] section (resolution, containment, analysis window)",
                "use nai-185kg, or add an [electron_response] section to your geometry (docs/naive-cc.md, "
                "docs/geometry.md)")
    if _has_iodine(names):
        return None
    return (f"process 'i127_cc' has no model for detector '{detector.name}': its target "
            f"{detector.target.material} contains no 127I",
            "a detector whose target contains iodine (NaI or CsI)",
            "use a NaIvE geometry (/detector/load nai-185kg or nai-3t)")


@nb.njit(nogil=True, cache=True)
def _sample(key, event_ids, level_cum, e_tables, q_mev, ex_mev, gamma_mev, neutrons, pulse_kind, pulse_mean,
            pulse_sigma, pulse_table, emission_kind, emission_table, flight_ns, out_e_nu, out_t, out_e_el,
            out_e_gamma, out_e_dep, out_n):
    for j in range(event_ids.shape[0]):
        s = stream_start(key, event_ids[j])
        s, u = draw_uniform(s)
        k = 0 if u < level_cum[0] else 1
        s, u = draw_uniform(s)
        e_nu = table_lookup(e_tables[k], u)
        s, t_p = sample_pulse_ns(s, pulse_kind, pulse_mean, pulse_sigma, pulse_table)
        s, t_e = sample_emission_ns(s, emission_kind, emission_table)
        t_el = max(e_nu - q_mev - ex_mev[k], 0.0)
        out_e_nu[j] = e_nu
        out_t[j] = t_p + t_e + flight_ns
        out_e_el[j] = t_el
        out_e_gamma[j] = gamma_mev[k]
        out_e_dep[j] = t_el + gamma_mev[k]
        out_n[j] = neutrons[k]


class I127CcProcess(PerPotProcess):
    name = "i127_cc"
    stage = "truth.i127_cc"
    recoil_type = "er"
    extra_columns = EXTRA_COLUMNS

    def __init__(self, ctx: BuildContext, settings: I127CcSettings):
        if "I127" not in ctx.isotope_index:
            raise InputError(Diagnostic(f"process 'i127_cc' needs 127I in the target; material '{ctx.material}' has "
                                        "none", suggestion="use a NaI or CsI target (e.g. /detector/load nai-185kg)"))
        self.settings = settings
        self.xs = settings.cross_section()
        self.iso_index = ctx.isotope_index["I127"]
        n_i127 = next(t.nuclei_per_kg for t in ctx.target_isotopes if t.isotope.name == "I127") * ctx.target_mass_kg
        self.n_nuclei = n_i127
        nu_e = make_source(ctx.source).flavours["nu_e"]
        self._nu_e = nu_e
        mid = 0.5 * (nu_e.edges_mev[1:] + nu_e.edges_mev[:-1])
        per_level = [nu_e.prob * self.xs.sigma_cm2(mid, level=k) for k in range(2)]
        sums = np.array([p.sum() for p in per_level])
        #: ⟨σ⟩ over the run's νe spectrum (bin-centre rule on the source's sub-bins), per level
        self.sigma_avg_by_level_cm2 = sums
        self.sigma_avg_cm2 = float(sums.sum())
        phi_per_pot = flux_per_cm2(1.0, ctx.source.nu_per_flavour_per_pot, ctx.distance_cm)
        self.expected_per_pot = phi_per_pot * n_i127 * self.sigma_avg_cm2
        self.n_pot = ctx.n_pot
        total = sums.sum()
        self._level_cum = np.array([sums[0] / total if total > 0 else 1.0, 1.0])
        self._tables = np.stack([inverse_cdf_table(nu_e.edges_mev, p) if p.sum() > 0
                                 else np.full(16385, nu_e.e_max_mev) for p in per_level])
        self._ex = np.array(self.xs.ex_mev, float)
        self._gamma = np.array([self.xs.ex_mev[0], 0.0])
        self._neutrons = np.array([0, 1], np.int8)
        self._pulse = make_pulse(ctx.source)
        self._flight = ctx.distance_cm / C_CM_PER_NS if ctx.source.include_flight_time else 0.0

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        p, em = self._pulse, self._nu_e.emission
        out["flavour"][:] = 0
        out["isotope"][:] = self.iso_index
        out["t_nr_kev"][:] = np.nan
        _sample(stage_key(seed, self.stage), event_ids, self._level_cum, self._tables, self.xs.q_mev, self._ex,
                self._gamma, self._neutrons, p.kind, p.mean_ns, p.sigma_ns, p.table_ns, em.kind, em.table_ns,
                self._flight, out["e_nu_mev"], out["t_ns"], out["t_e_mev"], out["e_gamma_mev"],
                out["e_dep_mev"], out["n_neutrons"])


def build_i127_cc(ctx: BuildContext) -> I127CcProcess:
    return I127CcProcess(ctx, I127CcSettings.from_options(ctx.options))


PROCESS = ProcessSpec("i127_cc", 6, "127I(nu_e, e-)127Xe charged current", build_i127_cc, PARAMS, supports,
                      settings=lambda det, o: I127CcSettings.from_options(o))

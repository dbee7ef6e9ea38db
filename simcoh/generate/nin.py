"""Neutrino-induced neutrons (process "nin", code 2): νe charged-current (and optionally neutral-current)
interactions in the lead shielding, ²⁰⁸Pb(ν, ℓ Xn), emit neutrons that scatter elastically in the target.

Model ``spectrum`` (csi-2021's; every per-detector value comes from the detector's [background.nin]):
    N = Φ_νe · N_Pb · (σ_CC · m_CC + 3 σ_NC · m_NC) · P_reach · P(T ≥ T_min)
- Φ_νe = r · N_POT / (4π L²) at the detector distance L (the shield surrounds the detector);
- N_Pb = shield mass / m(nucleus) (all lead taken as ²⁰⁸Pb);
- σ_CC · m_CC (``/process/nin/crossSection``): ``pb208-emv2003`` = ⟨σ_1n⟩ + 2⟨σ_2n⟩ = 5.02e-39 cm² from the
  ²⁰⁸Pb(νe, e⁻ 1n/2n) table of Engel, McLaughlin & Volpe, PRD 67, 013005 (2003) (simcoh.physics.nin_xsec; csi-2021
  and nube-pb use it), or ``constant`` = σ_CC × m_CC;
- shield nucleus (``/process/nin/shield``): ²⁰⁸Pb, or ⁵⁶Fe with its own σ_CC (nube-fe; docs/nube.md);
- σ_CC: flux-averaged ²⁰⁸Pb(νe, e⁻)²⁰⁸Bi cross section for the Michel νe spectrum, 3.62e-39 cm²
  (E. Kolbe and K. Langanke, PRC 63, 025802 (2001), nucl-th/0003060, muon-decay-at-rest value); COHERENT
  measured the Pb(νe, Xn) yield at 0.29 (+0.17 −0.16) of the MARLEY prediction (arXiv:2212.11295), which the
  tuned P_reach absorbs;
- m: mean neutrons per interaction (default 1);
- σ_NC: per-flavour flux-averaged NC neutron-emission cross section (νe, νμ, ν̄μ each), 0 by default (off);
  NC neutrons from the prompt νμ follow the prompt timing;
- P_reach: probability that an emitted neutron scatters in the target — the single normalisation factor,
  tuned so that the CsI 2021 configuration gives the published 5.6 NIN events in PE < 60, t < 6 µs after the
  published efficiencies (tests/test_backgrounds.py re-derives it);
- neutron energy: evaporation spectrum E·exp(−E/T) (Weisskopf), T = 0.8 MeV fitted to the released ninPE
  shape through the CsI 2021 response (a Fermi-gas estimate √(E*/a), E* ≈ 9 MeV above the neutron
  threshold, a = A/8 MeV⁻¹, gives ≈ 0.6 MeV); Maxwellian √E·exp(−E/T) or a table as options;
- time: proton pulse ⊗ Exp(τπ) ⊗ Exp(τμ) (delayed νe), plus a fixed delay (default 0: neutron flight over the
  ~0.3 m from the shield takes ≲ 30 ns for MeV neutrons).

Model ``template``: PE and t_rec from the released CsI 2021 ninPE/ninTrec (5.6 ± 36 %), as for brn.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..constants import ATOMIC_MASS_UNIT_MEV
from ..errors import InputError
from ..declare import TIME_BOUND_NS, TIME_BOUND_WHY, Param, flatten, resolve
from ..constants import E_NU_MICHEL_MAX_MEV
from ..physics.nin_xsec import neutrons_per_nucleus_cm2
from ..physics.nuclei import isotope
from ..source.spectra import michel_nu_e_pdf
from ..source.flux import flux_per_cm2
from .neutrons import TIME_NEUTRINO, NeutronRecoilProcess, make_spectrum, spectrum_options
from .detector_models import detector_options, per_detector, supports
from .process import BuildContext, Process, ProcessSpec
from .templates import TemplateProcess, template, template_options

SIGMA_CC_PB208_CM2 = 3.62e-39  # Kolbe & Langanke, PRC 63, 025802 (2001): ⟨σ⟩ for the μ-DAR νe spectrum

#: Shield nuclei a NIN model can use (``/process/nin/shield``; geometry ``[background.nin] shield``). The whole
#: shield is taken as this one isotope (natural lead is 52.4 % ²⁰⁸Pb, natural iron 91.8 % ⁵⁶Fe); its cross section
#: is ``sigma_cc`` (the default is the ²⁰⁸Pb value, so an iron shield must give its own).
SHIELD_ISOTOPES = ("Pb208", "Fe56")

#: How σ·m (neutrons per νe per shield nucleus) is obtained (``/process/nin/crossSection``).
CROSS_SECTIONS = ("constant", "pb208-emv2003")

#: The lead mass, reach probability, temperature and delay are per-detector values ([background.nin]); the
#: csi-2021 ones (lead 2.5 t, an estimate; reach probability tuned to 5.6 events; T = 0.8 MeV) are in
#: geometries/csi-2021.toml with their derivation (docs/backgrounds.md).

_FIT = "fitted to the released CsI 2021 ninPE shape through the CsI 2021 response (docs/backgrounds.md)"

#: /process/nin/... options (keys ``nin.<field>`` in RunConfig.process_options, internal units in the names).
PARAMS = spectrum_options("nin", ("evaporation", "maxwellian", "table"), 0.0, 20.0, _FIT) + (
    Param("nin.temperature_mev", "/process/nin/temperature", "quantity",
          "Temperature T of the evaporation (E exp(-E/T)) or Maxwellian (sqrt(E) exp(-E/T)) neutron spectrum.",
          default=None, unit="MeV", example="0.8 MeV", min=0.0, min_open=True, label="nin temperature", arg="T",
          max=1e3, why="evaporation temperatures are ~1 MeV"),
    Param("nin.sigma_cc_cm2", "/process/nin/sigmaCC", "quantity",
          "Flux-averaged 208Pb(nu_e, e-) cross section for the Michel nu_e spectrum.", default=SIGMA_CC_PB208_CM2,
          unit="cm^2", example="3.62e-39 cm^2", min=0.0, label="nin CC cross section", arg="SIGMA",
          source="Kolbe & Langanke, PRC 63, 025802 (2001), nucl-th/0003060",
          max=1e-30, why="neutrino-nucleus cross sections at SNS energies are below 1e-38 cm^2"),
    Param("nin.neutrons_per_cc", "/process/nin/neutronsPerCC", "float",
          "Mean number of neutrons emitted per charged-current interaction.", default=1.0, min=0.0,
          label="nin neutrons per CC interaction", arg="M", arg_help="mean neutrons per CC interaction",
          max=100.0, why="a lead nucleus emits a few neutrons per interaction"),
    Param("nin.sigma_nc_cm2", "/process/nin/sigmaNC", "quantity",
          "Per-flavour flux-averaged neutral-current neutron-emission cross section on 208Pb (0: NC off).\n"
          "Applied to nu_e, nu_mu (prompt timing) and nu_mu_bar alike.", default=0.0, unit="cm^2",
          example="1e-40 cm^2", min=0.0, label="nin NC cross section", arg="SIGMA", initial="0 cm^2 (off)",
          max=1e-30, why="neutrino-nucleus cross sections at SNS energies are below 1e-38 cm^2"),
    Param("nin.neutrons_per_nc", "/process/nin/neutronsPerNC", "float",
          "Mean number of neutrons emitted per neutral-current interaction.", default=1.0, min=0.0,
          label="nin neutrons per NC interaction", arg="M", arg_help="mean neutrons per NC interaction",
          max=100.0, why="a lead nucleus emits a few neutrons per interaction"),
    Param("nin.cross_section", "/process/nin/crossSection", "choice",
          "Neutrons per nu_e and shield nucleus: 'constant' = sigmaCC x neutronsPerCC; 'pb208-emv2003' = the\n"
          "208Pb(nu_e, e- 1n) and (nu_e, e- 2n) table of Engel, McLaughlin & Volpe averaged over the Michel nu_e\n"
          "spectrum, <sigma_1n> + 2 <sigma_2n> = 5.02e-39 cm^2 (sigmaCC and neutronsPerCC are then unused).",
          default="constant", choices=CROSS_SECTIONS, label="nin cross-section model", arg="MODEL",
          example="pb208-emv2003", source="J. Engel, G.C. McLaughlin, C. Volpe, PRD 67, 013005 (2003)"),
    Param("nin.shield", "/process/nin/shield", "choice",
          "Nucleus of the shield in which the neutrinos make neutrons (the whole shield is taken as it).",
          default="Pb208", choices=SHIELD_ISOTOPES, label="nin shield nucleus", arg="ISOTOPE", example="Fe56"),
    Param("nin.lead_mass_kg", "/process/nin/leadMass", "quantity",
          "Mass of the shield (lead, or the shield nucleus chosen with /process/nin/shield).",
          default=None, unit="kg", example="2.5 t", min=0.0, label="nin lead mass", arg="M",
          max=10000000.0, why="shields weigh tonnes (CsI: 2.5 t); 10 kt bounds any shield"),
    Param("nin.reach_probability", "/process/nin/reachProbability", "float",
          "Probability that an emitted neutron scatters in the target: the normalisation factor.\n"
          "The csi-2021 value is tuned to the published CsI 2021 NIN count (5.6 in PE<60, t<6 us after the "
          "efficiencies, arXiv:2110.07730).", default=None, min=0.0, max=1.0, label="nin reach probability", arg="P",
          arg_help="probability", example="6.723e-4"),
    Param("nin.delay_ns", "/process/nin/delay", "quantity",
          "Constant added to NIN arrival times (neutron flight from the shield).", default=None, unit="ns",
          example="20 ns", label="nin delay", arg="T",
          min=-TIME_BOUND_NS, max=TIME_BOUND_NS, why=TIME_BOUND_WHY),
) + template_options("nin", ("csi-2021",))

#: Values that a detector's [background.nin] section holds have no default here: a run takes them from the
#: detector, the macro overrides them (per_detector, simcoh.generate.detector_models).
PARAMS = per_detector("nin", PARAMS)

#: Option key -> default, derived from PARAMS.
OPTIONS = {p.key: p.default for p in flatten(PARAMS)}


@dataclass(frozen=True)
class NinSettings:
    """Resolved /process/nin options (checked against PARAMS)."""

    model: str
    cross_section: str
    shield: str
    spectrum: str
    temperature_mev: float
    e_min_mev: float
    e_max_mev: float
    table: str | None
    sigma_cc_cm2: float
    neutrons_per_cc: float
    sigma_nc_cm2: float
    neutrons_per_nc: float
    lead_mass_kg: float
    reach_probability: float
    delay_ns: float
    template: str
    template_scale: float
    time_shift_ns: float

    @classmethod
    def from_options(cls, options: dict) -> "NinSettings":
        return cls(**{k[len("nin."):]: v for k, v in resolve("nin", options, PARAMS).items()})

    def cc_neutrons_per_nucleus_cm2(self) -> float:
        """CC neutrons per νe/cm² per shield nucleus: σ_CC·m, or ⟨σ_1n⟩ + 2⟨σ_2n⟩ from the ²⁰⁸Pb table."""
        if self.cross_section == "pb208-emv2003":
            if self.shield != "Pb208":
                raise InputError(f"process 'nin': cross-section model 'pb208-emv2003' is a 208Pb table, but the "
                                 f"shield is {self.shield}; expected shield Pb208; use /process/nin/crossSection "
                                 f"constant with that nucleus' /process/nin/sigmaCC")
            return neutrons_per_nucleus_cm2(michel_nu_e_pdf, E_NU_MICHEL_MAX_MEV)[0]
        return self.sigma_cc_cm2 * self.neutrons_per_cc

    def neutrons_per_nu_e_per_nucleus_cm2(self) -> tuple[float, float]:
        """(σ·m summed over CC and the three NC flavours, NC share of it)."""
        cc = self.cc_neutrons_per_nucleus_cm2()
        nc = 3.0 * self.sigma_nc_cm2 * self.neutrons_per_nc
        total = cc + nc
        return total, (nc / total if total > 0 else 0.0)


class NinProcess(NeutronRecoilProcess):
    name = "nin"
    stage = "truth.nin"


def shield_nuclei(mass_kg: float, nucleus: str = "Pb208") -> float:
    """Number of ``nucleus`` nuclei (atoms) in ``mass_kg`` (atomic mass from AME2020)."""
    return mass_kg / (isotope(nucleus).atomic_mass_u * ATOMIC_MASS_UNIT_MEV / _MEV_PER_KG)


def pb208_nuclei(lead_mass_kg: float) -> float:
    """Number of ²⁰⁸Pb nuclei in ``lead_mass_kg`` (atomic mass from AME2020)."""
    return shield_nuclei(lead_mass_kg, "Pb208")


_MEV_PER_KG = 5.609588603804452e29  # c² · 1 kg in MeV (exact SI: 1 kg c² / e / 1e6)


def build_nin(ctx: BuildContext) -> Process:
    # the detector's [background.nin] model, macro options over it (InputError if the detector has none)
    s = NinSettings.from_options(detector_options("nin", ctx.detector, ctx.options))
    if s.model == "template":
        return TemplateProcess("nin", ctx, template("nin", s.template), s.template_scale, s.time_shift_ns)
    if s.shield != "Pb208" and s.cross_section == "constant" and s.sigma_cc_cm2 == SIGMA_CC_PB208_CM2:
        raise InputError(f"process 'nin': the shield is {s.shield} but the CC cross section is the 208Pb default "
                         f"({SIGMA_CC_PB208_CM2:g} cm^2); expected the flux-averaged cross section of {s.shield}; "
                         f"give it with /process/nin/sigmaCC or the geometry key [background.nin] sigma_cc "
                         f"(with its source)")
    spectrum = make_spectrum(s.spectrum, s.temperature_mev, s.e_min_mev, s.e_max_mev, s.table)
    sigma_m, nc_share = s.neutrons_per_nu_e_per_nucleus_cm2()
    phi_per_pot = flux_per_cm2(1.0, ctx.source.nu_per_flavour_per_pot, ctx.distance_cm)
    per_pot = phi_per_pot * shield_nuclei(s.lead_mass_kg, s.shield) * sigma_m * s.reach_probability
    return NinProcess(ctx, spectrum, per_pot, TIME_NEUTRINO, s.delay_ns, 0.0, nc_fraction=nc_share)


PROCESS = ProcessSpec("nin", 2, "neutrino-induced neutrons", build_nin, PARAMS, supports("nin"),
                      settings=lambda det, o: NinSettings.from_options(detector_options("nin", det, o)))

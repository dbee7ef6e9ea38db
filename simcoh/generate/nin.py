"""Neutrino-induced neutrons (process "nin", code 2): νe charged-current (and optionally neutral-current)
interactions in the lead shielding, ²⁰⁸Pb(ν, ℓ Xn), emit neutrons that scatter elastically in the target.

Model ``spectrum`` (default):
    N = Φ_νe · N_Pb · (σ_CC · m_CC + 3 σ_NC · m_NC) · P_reach · P(T ≥ T_min)
- Φ_νe = r · N_POT / (4π L²) at the detector distance L (the shield surrounds the detector);
- N_Pb = lead mass / m(²⁰⁸Pb) (all lead taken as ²⁰⁸Pb);
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
from ..physics.nuclei import isotope
from ..source.flux import flux_per_cm2
from .detector_models import detector_options
from .neutrons import TIME_NEUTRINO, NeutronRecoilProcess, make_spectrum
from .process import BuildContext, Process, register_process
from .templates import TemplateProcess, choice_option, number_option, options_of, template

MODELS = ("spectrum", "template")
NIN_SPECTRA = ("evaporation", "maxwellian", "table")
SIGMA_CC_PB208_CM2 = 3.62e-39  # Kolbe & Langanke, PRC 63, 025802 (2001): ⟨σ⟩ for the μ-DAR νe spectrum

#: None: a per-detector value, from the detector's [background.nin] (simcoh.generate.detector_models). The
#: csi-2021 values (lead mass 2.5 t, an estimate; reach probability tuned to 5.6 events; T = 0.8 MeV) are in
#: geometries/csi-2021.toml with their derivation.
OPTIONS = {
    "nin.model": None,
    "nin.spectrum": None,
    "nin.temperature_mev": None,
    "nin.e_min_mev": 0.0,
    "nin.e_max_mev": 20.0,
    "nin.table": None,
    "nin.sigma_cc_cm2": SIGMA_CC_PB208_CM2,
    "nin.neutrons_per_cc": 1.0,
    "nin.sigma_nc_cm2": 0.0,
    "nin.neutrons_per_nc": 1.0,
    "nin.lead_mass_kg": None,
    "nin.reach_probability": None,
    "nin.delay_ns": None,
    "nin.template": None,
    "nin.template_scale": 1.0,
    "nin.time_shift_ns": 0.0,
}


@dataclass(frozen=True)
class NinSettings:
    model: str
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
        o = options_of("nin", options, OPTIONS)
        s = cls(
            model=choice_option("nin model", o["nin.model"], MODELS),
            spectrum=choice_option("nin spectrum", o["nin.spectrum"], NIN_SPECTRA),
            temperature_mev=number_option("nin temperature (MeV)", o["nin.temperature_mev"], positive=True),
            e_min_mev=number_option("nin minimum neutron energy (MeV)", o["nin.e_min_mev"], non_negative=True),
            e_max_mev=number_option("nin maximum neutron energy (MeV)", o["nin.e_max_mev"], positive=True),
            table=o["nin.table"],
            sigma_cc_cm2=number_option("nin CC cross section (cm^2)", o["nin.sigma_cc_cm2"], non_negative=True),
            neutrons_per_cc=number_option("nin neutrons per CC interaction", o["nin.neutrons_per_cc"],
                                          non_negative=True),
            sigma_nc_cm2=number_option("nin NC cross section (cm^2)", o["nin.sigma_nc_cm2"], non_negative=True),
            neutrons_per_nc=number_option("nin neutrons per NC interaction", o["nin.neutrons_per_nc"],
                                          non_negative=True),
            lead_mass_kg=number_option("nin lead mass (kg)", o["nin.lead_mass_kg"], non_negative=True),
            reach_probability=number_option("nin reach probability", o["nin.reach_probability"],
                                            non_negative=True),
            delay_ns=number_option("nin delay (ns)", o["nin.delay_ns"]),
            template=o["nin.template"],
            template_scale=number_option("nin template scale", o["nin.template_scale"], non_negative=True),
            time_shift_ns=number_option("nin template time shift (ns)", o["nin.time_shift_ns"]),
        )
        if s.reach_probability is not None and s.reach_probability > 1.0:
            raise InputError(f"nin reach probability = {s.reach_probability!r} is not allowed; it is a "
                             f"probability in [0, 1]")
        return s

    def neutrons_per_nu_e_per_nucleus_cm2(self) -> tuple[float, float]:
        """(σ·m summed over CC and the three NC flavours, NC share of it)."""
        cc = self.sigma_cc_cm2 * self.neutrons_per_cc
        nc = 3.0 * self.sigma_nc_cm2 * self.neutrons_per_nc
        total = cc + nc
        return total, (nc / total if total > 0 else 0.0)


class NinProcess(NeutronRecoilProcess):
    name = "nin"
    stage = "truth.nin"


def pb208_nuclei(lead_mass_kg: float) -> float:
    """Number of ²⁰⁸Pb nuclei in ``lead_mass_kg`` (atomic mass from AME2020)."""
    return lead_mass_kg / (isotope("Pb208").atomic_mass_u * ATOMIC_MASS_UNIT_MEV / _MEV_PER_KG)


_MEV_PER_KG = 5.609588603804452e29  # c² · 1 kg in MeV (exact SI: 1 kg c² / e / 1e6)


def build_nin(ctx: BuildContext) -> Process:
    # the detector's [background.nin] model, macro options over it (InputError if the detector has none)
    s = NinSettings.from_options(detector_options("nin", ctx.detector, ctx.options))
    if s.model == "template":
        return TemplateProcess("nin", ctx, template("nin", s.template), s.template_scale, s.time_shift_ns)
    spectrum = make_spectrum(s.spectrum, s.temperature_mev, s.e_min_mev, s.e_max_mev, s.table)
    sigma_m, nc_share = s.neutrons_per_nu_e_per_nucleus_cm2()
    phi_per_pot = flux_per_cm2(1.0, ctx.source.nu_per_flavour_per_pot, ctx.distance_cm)
    per_pot = phi_per_pot * pb208_nuclei(s.lead_mass_kg) * sigma_m * s.reach_probability
    return NinProcess(ctx, spectrum, per_pot, TIME_NEUTRINO, s.delay_ns, 0.0, nc_fraction=nc_share)


register_process("nin", build_nin)

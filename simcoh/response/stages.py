"""Detector-response stages of the run pipeline (simcoh.engine.stages says which run at each fidelity).

- :class:`ParametricStage`: quenching, then the published smearing applied analytically per event
  (CsI 2021 Gamma in PE, CsI 2017 Poisson, LAr Gaussian in energy; Ge ionization resolution), and the
  published energy and time efficiencies, stored both as per-event weights (``eff_energy``, ``eff_time``)
  and as a seeded accept/reject decision (``accepted``), so a user can choose either. Electron-type events
  (``e_dep_mev``, e.g. ¹²⁷I charged current) of a detector with ``[electron_response]`` get its MeV-scale
  resolution, containment and analysis window instead (simcoh.response.electron).
- :class:`PhotonStage`: quenching, then per-photoelectron sampling (number, time, SPE charge) and
  afterglow over the waveform window; jagged per-PE arrays plus per-event totals.

Events of processes that are defined directly in reconstructed PE (released templates: ``pe_template``
not NaN) keep that PE at the parametric level; at the photon level they are given E_ee = PE / light yield
(an approximation that re-applies photon statistics; see docs/response.md). Efficiencies that a process
declares as already included (``Process.efficiencies_included``: the CsI 2021 BRN/NIN PE templates carry
the energy efficiency, steady-state events from selected AC data carry both) are stored as 1.

Each stage declares the columns it ``needs`` and ``provides`` (simcoh.engine.stages checks the chain) and
reads its parameters from the detector description (``det.light``, ``det.spe``, ...). The photon stage's
jagged per-PE columns (``pe_t_ns``, ``pe_charge``, ``pe_label``) are what the digitizer (simcoh.daq) renders.

CsI 2017 convention: with Poisson (integer) PE, the released acceptance is evaluated at the centre of each
1-PE bin, n − 0.5 for n PE (coherent_parameters.yaml, acceptanceEfficiency), times the modified step
(0 below ``step``, ½ within ``half_step_width`` above it).
"""

from __future__ import annotations

import numpy as np

from ..columns import Column
from ..errors import InputError
from ..generate import PROCESS_CODES
from ..rng import stage_key
from .afterglow import afterglow_on, photon_response, window_length_ns
from .electron import reconstructed_mev, window_efficiency
from .efficiency import accept, energy_efficiency, energy_section, time_efficiency, time_section
from .ionization import ionization_energy
from .parametric import smear
from .photon import f90, mean_pe_per_kevee
from .quenching import isotope_quenching
from .spe import build_spe_table, spe_section

#: Truth columns the response stages read (declared again here, checked against truth when a run is prepared).
EVENT_ID = Column("event_id", "int64", "", "global event index")
PROCESS = Column("process", "int8", "", "interaction process code")
ISOTOPE = Column("isotope", "int16", "", "index of the struck isotope")
T_NS = Column("t_ns", "float64", "ns", "arrival time relative to the proton-pulse time origin")
T_NR_KEV = Column("t_nr_kev", "float64", "keV", "nuclear recoil kinetic energy")
PE_TEMPLATE = Column("pe_template", "float64", "PE", "reconstructed PE of template processes (NaN otherwise)")
E_EE_KEV = Column("e_ee_kev", "float64", "keV", "electron-equivalent (quenched) energy of the recoil")
E_DEP_MEV = Column("e_dep_mev", "float64", "MeV", "electron-equivalent energy deposited by an electron-type event")

#: The photon stage's per-PE output (the digitizer renders ``pe_t_ns`` and ``pe_charge``).
PE_T_NS = Column("pe_t_ns", "float32", "ns", "photoelectron times from the window start", jagged=True)
PE_CHARGE = Column("pe_charge", "float32", "PE", "photoelectron charges in units of the mean SPE charge", jagged=True)
PE_LABEL = Column("pe_label", "int8", "", "photoelectron origin: 0 signal, 1 afterglow", jagged=True)


def _process_flags(generator, test, default: bool = False) -> np.ndarray:
    """Per process code: ``test(process)`` for the run's processes, ``default`` for the others."""
    flags = np.full(max(PROCESS_CODES.values()) + 1, default, bool)
    for name, proc in generator.processes.items():
        flags[PROCESS_CODES[name]] = test(proc)
    return flags


class _QuenchedStage:
    """Common part: E_ee from each event's isotope; template-PE events are passed through."""

    def __init__(self, cfg, generator):
        det = cfg.detector
        self.det = det
        self.quenching = isotope_quenching(det, generator.isotopes)
        self.light = det.light
        self.ionization = det.ionization
        if self.light is None and self.ionization is None:
            raise InputError(f"detector '{det.name}' has neither [light] nor [ionization]: fidelity "
                             f"'{cfg.fidelity}' needs one of them (use /run/fidelity truth)")
        # events of template processes carry their reconstructed PE in the truth column pe_template
        self.has_template = any(c[0] == PE_TEMPLATE.name for c in generator.columns)
        # electron-type events (e.g. 127I charged current) carry their unquenched deposit in e_dep_mev
        self.has_deposit = any(c[0] == E_DEP_MEV.name for c in generator.columns)
        self.needs = ([EVENT_ID, PROCESS, ISOTOPE, T_NS, T_NR_KEV] + ([PE_TEMPLATE] if self.has_template else [])
                      + ([E_DEP_MEV] if self.has_deposit else []))

    def e_ee_kev(self, chunk) -> np.ndarray:
        t_nr = chunk["t_nr_kev"]
        iso = np.maximum(chunk["isotope"], 0)
        ok = np.isfinite(t_nr)
        out = np.full(t_nr.shape, np.nan)
        out[ok] = self.quenching.e_ee_kev(t_nr[ok], iso[ok])
        if self.has_deposit:  # electrons are not quenched: E_ee = the deposited energy
            dep = chunk[E_DEP_MEV.name]
            out = np.where(np.isfinite(dep), dep * 1e3, out)
        return out

    def template_pe(self, chunk):
        if not self.has_template:
            return None, None
        pe = chunk[PE_TEMPLATE.name]
        return np.isfinite(pe), pe


class ParametricStage(_QuenchedStage):
    name = "parametric"
    provides = [
        E_EE_KEV,
        Column("pe", "float64", "PE", "reconstructed photoelectrons after the published smearing (NaN if none)"),
        Column("e_rec_kevee", "float64", "keV", "reconstructed electron-equivalent energy"),
        Column("eff_energy", "float64", "", "published energy efficiency of this event"),
        Column("eff_time", "float64", "", "published time efficiency at the arrival time"),
        Column("accepted", "bool", "", "seeded accept/reject with probability eff_energy * eff_time"),
    ]

    def __init__(self, cfg, generator):
        super().__init__(cfg, generator)
        self.smearing = self.det.smearing
        if self.light is not None and self.smearing is None:
            raise InputError(f"detector '{self.det.name}' has no [smearing] section: parametric fidelity needs it")
        self.eff_e = energy_section(self.det)
        self.eff_t = time_section(self.det)
        ee = self.eff_e
        self.step = (ee.step or 0.0, ee.half_step_width or 0.0) if ee is not None and ee.model == "logistic_step" else None
        self.keys = {name: stage_key(cfg.seed, f"response.{name}")
                     for name in ("smear", "efficiency", "electron")}
        # electron-type events (e_dep_mev) get the MeV-scale [electron_response] when the detector has one
        self.electron = self.det.electron_response if self.has_deposit else None
        # per process code: are the energy / time efficiencies already inside its events?
        self.energy_included = _process_flags(generator, lambda p: "energy" in getattr(p, "efficiencies_included", ()))
        self.time_included = _process_flags(generator, lambda p: "time" in getattr(p, "efficiencies_included", ()))

    def apply(self, chunk) -> dict:
        ids = chunk["event_id"]
        e_ee = self.e_ee_kev(chunk)
        if self.light is not None:
            sm = smear(np.nan_to_num(e_ee), self.keys["smear"], self.smearing, self.light, event_index=ids)
            pe, e_rec = sm.pe, sm.e_ee_kev
        else:
            e_rec = ionization_energy(np.nan_to_num(e_ee), self.keys["smear"], self.ionization, event_index=ids)
            pe = np.full(ids.shape, np.nan)
        is_template, pe_template = self.template_pe(chunk)
        if is_template is not None and is_template.any():
            pe = np.where(is_template, pe_template, pe)
            if self.light is not None:
                e_rec = np.where(is_template, pe_template / mean_pe_per_kevee(self.light), e_rec)
        eff_e = self.energy_efficiency(pe, e_rec, chunk["t_nr_kev"], is_template)
        eff_e = np.where(self.energy_included[chunk["process"]], 1.0, eff_e)
        if self.electron is not None:
            is_electron = np.isfinite(chunk[E_DEP_MEV.name])
            if is_electron.any():
                e_mev = reconstructed_mev(chunk[E_DEP_MEV.name], self.keys["electron"], self.electron, ids)
                e_rec = np.where(is_electron, e_mev * 1e3, e_rec)
                if self.light is not None:  # mean PE of the reconstructed energy (the resolution is in e_mev)
                    pe = np.where(is_electron, e_mev * 1e3 * mean_pe_per_kevee(self.light), pe)
                eff_e = np.where(is_electron, window_efficiency(e_mev, self.electron), eff_e)
        eff_t = time_efficiency(chunk["t_ns"], self.eff_t) if self.eff_t is not None else np.ones(ids.shape)
        eff_t = np.where(self.time_included[chunk["process"]], 1.0, eff_t)
        return {"e_ee_kev": e_ee, "pe": pe, "e_rec_kevee": e_rec, "eff_energy": eff_e, "eff_time": eff_t,
                "accepted": accept(eff_e * eff_t, self.keys["efficiency"], ids)}

    def energy_efficiency(self, pe, e_rec_kevee, t_nr_kev, is_template=None):
        if self.eff_e is None:
            return np.ones(pe.shape)
        x = {"pe": pe, "kevee": e_rec_kevee, "kevnr": t_nr_kev}[self.eff_e.variable]
        if self.smearing is not None and self.smearing.model == "poisson" and self.eff_e.variable == "pe":
            # the 2017 release evaluates its acceptance at the centre of 1-PE bins [n-1, n): n - 0.5 for n
            # (integer) PE, floor(x) + 0.5 for a continuous template value x
            bin_centre = x - 0.5
            if is_template is not None:
                bin_centre = np.where(is_template, np.floor(x) + 0.5, bin_centre)
            x = bin_centre
        eff = energy_efficiency(np.nan_to_num(x, nan=-np.inf), self.eff_e)
        if self.step is not None:
            step, half = self.step
            eff = np.where(x < step, 0.0, np.where(x < step + half, 0.5 * eff, eff))
        return eff


#: Window used at photon fidelity by a detector without [windows] (no afterglow then): signal PE times from
#: the recoil arrival time, over a window long enough for any scintillation tail.
NO_WINDOW_PRETRACE_NS = 0.0
NO_WINDOW_LENGTH_NS = 1e6


class PhotonStage(_QuenchedStage):
    name = "photon"
    provides = [
        E_EE_KEV,
        Column("n_pe_signal", "int32", "PE", "number of signal photoelectrons"),
        Column("n_pe_afterglow", "int32", "PE", "number of afterglow photoelectrons in the window"),
        Column("charge_pe", "float64", "PE", "summed signal charge divided by the mean SPE charge"),
        Column("f90", "float64", "", "fraction of signal PE within 90 ns of the onset (LAr PSD); NaN if no PE"),
        PE_T_NS,
        PE_CHARGE,
        PE_LABEL,
    ]

    def __init__(self, cfg, generator):
        super().__init__(cfg, generator)
        if self.light is None:
            raise InputError(f"detector '{self.det.name}' has no [light] section: photon fidelity needs "
                             "photoelectrons (for an ionization detector use /run/fidelity parametric)")
        if self.has_deposit:
            # MeV electrons (127I CC: ~350,000 PE per event) would be stored photoelectron by photoelectron, and
            # their [electron_response] (MeV resolution, containment, analysis window) exists at parametric only.
            raise InputError(f"fidelity '{cfg.fidelity}' does not simulate the MeV electron events of this run "
                             "(e.g. i127_cc): their response is the detector's [electron_response] at parametric "
                             "fidelity; use /run/fidelity parametric (docs/naive-cc.md)")
        self.scint = self.det.scintillation
        if self.scint is None:
            raise InputError(f"detector '{self.det.name}' has no [scintillation] section: photon fidelity needs "
                             "the scintillation time profile")
        self.spe_table = build_spe_table(spe_section(self.det))
        self.afterglow = self.det.afterglow
        if cfg.fidelity == "waveform" and cfg.afterglow_library is not None:
            self.afterglow = None  # recorded windows carry the afterglow (simcoh.daq.library)
        windows = self.det.windows
        if afterglow_on(self.afterglow) and windows is None:
            raise InputError(f"detector '{self.det.name}' has afterglow but no [windows] to spread it over")
        self.pretrace_ns = NO_WINDOW_PRETRACE_NS if windows is None else windows.pretrace_ns
        self.window_ns = NO_WINDOW_LENGTH_NS if windows is None else window_length_ns(windows)
        self.keys = {n: stage_key(cfg.seed, f"response.photon.{n}") for n in ("signal", "afterglow")}
        self.nuclear_recoil = _process_flags(generator, lambda p: getattr(p, "recoil_type", "nr") == "nr", True)
        self.jagged_bytes_per_event = 9.0 * 30  # ~30 PE per CsI event, 9 bytes each (estimate for check)

    def apply(self, chunk) -> dict:
        ids = chunk["event_id"]
        e_ee = self.e_ee_kev(chunk)
        is_template, pe_template = self.template_pe(chunk)
        if is_template is not None and is_template.any():
            e_ee = np.where(is_template, pe_template / mean_pe_per_kevee(self.light), e_ee)
        pel = photon_response(np.nan_to_num(e_ee), chunk["t_ns"], self.keys["signal"], self.keys["afterglow"],
                              light=self.light, scint=self.scint, spe=self.spe_table, afterglow=self.afterglow,
                              pretrace_ns=self.pretrace_ns, window_ns=self.window_ns, event_index=ids,
                              is_nr=self.nuclear_recoil[chunk["process"]])
        onset = chunk["t_ns"] + self.pretrace_ns
        jag = pel.to_awkward()
        return {"e_ee_kev": e_ee, "n_pe_signal": pel.n_pe_signal, "n_pe_afterglow": pel.n_pe_afterglow,
                "charge_pe": pel.charge_pe, "f90": f90(pel, onset), "pe_t_ns": jag["t_ns"],
                "pe_charge": jag["charge"], "pe_label": jag["label"]}

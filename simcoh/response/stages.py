"""Detector-response stages of the run pipeline, one per fidelity level above ``truth``.

- :class:`ParametricStage`: quenching, then the published smearing applied analytically per event
  (CsI 2021 Gamma in PE, CsI 2017 Poisson, LAr Gaussian in energy; Ge ionization resolution), and the
  published energy and time efficiencies, stored both as per-event weights (``eff_energy``, ``eff_time``)
  and as a seeded accept/reject decision (``accepted``), so a user can choose either.
- :class:`PhotonStage`: quenching, then per-photoelectron sampling (number, time, SPE charge) and
  afterglow over the waveform window; jagged per-PE arrays plus per-event totals.

Events of processes that are defined directly in reconstructed PE (released templates: ``pe_template``
not NaN) keep that PE at the parametric level; at the photon level they are given E_ee = PE / light yield
(an approximation that re-applies photon statistics; see docs/response.md). Efficiencies that a process
declares as already included (``Process.efficiencies_included``: the CsI 2021 BRN/NIN PE templates carry
the energy efficiency, steady-state events from selected AC data carry both) are stored as 1.

CsI 2017 convention: with Poisson (integer) PE, the released acceptance is evaluated at the centre of each
1-PE bin, n − 0.5 for n PE (coherent_parameters.yaml, acceptanceEfficiency), times the modified step
(0 below ``step``, ½ within ``half_step_width`` above it).
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..columns import Column
from ..rng import stage_key
from . import from_detector as fd
from .efficiency import accept, energy_efficiency, time_efficiency
from .ionization import ionization_energy
from .params import WindowParams
from .parametric import smear
from .photon import f90
from .afterglow import photon_response
from .spe import build_spe_table


class _QuenchedStage:
    """Common part: E_ee from each event's isotope; template-PE events are passed through."""

    def __init__(self, cfg, generator):
        det = cfg.detector
        self.det = det
        self.seed = cfg.seed
        self.quenching = fd.isotope_quenching(det, generator.isotopes)
        self.light = fd.light(det)
        self.ionization = fd.ionization(det)
        if self.light is None and self.ionization is None:
            raise InputError(f"detector '{det.name}' has neither [light] nor [ionization]: fidelity "
                             f"'{cfg.fidelity}' needs one of them (use /run/fidelity truth)")

    def e_ee_kev(self, chunk) -> np.ndarray:
        t_nr = chunk["t_nr_kev"]
        iso = np.maximum(chunk["isotope"], 0)
        ok = np.isfinite(t_nr)
        out = np.full(t_nr.shape, np.nan)
        out[ok] = self.quenching.e_ee_kev(t_nr[ok], iso[ok])
        return out

    @staticmethod
    def template_pe(chunk):
        pe = chunk.get("pe_template")
        return None if pe is None else np.isfinite(pe), pe


class ParametricStage(_QuenchedStage):
    columns = [
        Column("e_ee_kev", "float64", "keV", "electron-equivalent (quenched) energy of the recoil"),
        Column("pe", "float64", "PE", "reconstructed photoelectrons after the published smearing (NaN if none)"),
        Column("e_rec_kevee", "float64", "keV", "reconstructed electron-equivalent energy"),
        Column("eff_energy", "float64", "", "published energy efficiency of this event"),
        Column("eff_time", "float64", "", "published time efficiency at the arrival time"),
        Column("accepted", "bool", "", "seeded accept/reject with probability eff_energy * eff_time"),
    ]

    def __init__(self, cfg, generator):
        super().__init__(cfg, generator)
        self.smearing = fd.smearing(self.det)
        if self.light is not None and self.smearing is None:
            raise InputError(f"detector '{self.det.name}' has no [smearing] section: parametric fidelity needs it")
        self.eff_e = fd.energy_efficiency(self.det)
        self.eff_t = fd.time_efficiency(self.det)
        ee = self.det.efficiency.energy if self.det.efficiency is not None else None
        self.step = (ee.step or 0.0, ee.half_step_width or 0.0) if ee is not None and ee.model == "logistic_step" else None
        self.keys = {name: stage_key(cfg.seed, f"response.{name}") for name in ("smear", "efficiency")}
        # per process code: are the energy / time efficiencies already inside its events?
        from ..generate import PROCESS_CODES

        n_codes = max(PROCESS_CODES.values()) + 1
        self.energy_included = np.zeros(n_codes, bool)
        self.time_included = np.zeros(n_codes, bool)
        for name, proc in generator.processes.items():
            included = getattr(proc, "efficiencies_included", ())
            self.energy_included[PROCESS_CODES[name]] = "energy" in included
            self.time_included[PROCESS_CODES[name]] = "time" in included

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
                e_rec = np.where(is_template, pe_template / self.light.mean_pe_per_kevee, e_rec)
        eff_e = self.energy_efficiency(pe, e_rec, chunk["t_nr_kev"], is_template)
        eff_e = np.where(self.energy_included[chunk["process"]], 1.0, eff_e)
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


class PhotonStage(_QuenchedStage):
    columns = [
        Column("e_ee_kev", "float64", "keV", "electron-equivalent (quenched) energy of the recoil"),
        Column("n_pe_signal", "int32", "PE", "number of signal photoelectrons"),
        Column("n_pe_afterglow", "int32", "PE", "number of afterglow photoelectrons in the window"),
        Column("charge_pe", "float64", "PE", "summed signal charge divided by the mean SPE charge"),
        Column("f90", "float64", "", "fraction of signal PE within 90 ns of the onset (LAr PSD); NaN if no PE"),
        Column("pe_t_ns", "float32", "ns", "photoelectron times from the window start", jagged=True),
        Column("pe_charge", "float32", "PE", "photoelectron charges in units of the mean SPE charge", jagged=True),
        Column("pe_label", "int8", "", "photoelectron origin: 0 signal, 1 afterglow", jagged=True),
    ]

    def __init__(self, cfg, generator):
        super().__init__(cfg, generator)
        if self.light is None:
            raise InputError(f"detector '{self.det.name}' has no [light] section: photon fidelity needs "
                             "photoelectrons (for an ionization detector use /run/fidelity parametric)")
        self.scint = fd.scintillation(self.det)
        if self.scint is None:
            raise InputError(f"detector '{self.det.name}' has no [scintillation] section: photon fidelity needs "
                             "the scintillation time profile")
        self.spe_table = build_spe_table(fd.spe(self.det))
        self.afterglow = fd.afterglow(self.det)
        self.windows = fd.windows(self.det) or WindowParams(pretrace_ns=0.0, roi_ns=1e6)
        if self.afterglow.model != "none" and fd.windows(self.det) is None:
            raise InputError(f"detector '{self.det.name}' has afterglow but no [windows] to spread it over")
        self.keys = {n: stage_key(cfg.seed, f"response.photon.{n}") for n in ("signal", "afterglow")}
        from ..generate import PROCESS_CODES

        self.nuclear_recoil = np.ones(max(PROCESS_CODES.values()) + 1, bool)
        for name, proc in generator.processes.items():
            self.nuclear_recoil[PROCESS_CODES[name]] = getattr(proc, "recoil_type", "nr") == "nr"
        self.jagged_bytes_per_event = 9.0 * 30  # ~30 PE per CsI event, 9 bytes each (estimate for check)

    def apply(self, chunk) -> dict:
        ids = chunk["event_id"]
        e_ee = self.e_ee_kev(chunk)
        is_template, pe_template = self.template_pe(chunk)
        if is_template is not None and is_template.any():
            e_ee = np.where(is_template, pe_template / self.light.mean_pe_per_kevee, e_ee)
        pel = photon_response(np.nan_to_num(e_ee), chunk["t_ns"], self.keys["signal"], self.keys["afterglow"],
                              light=self.light, scint=self.scint, spe=self.spe_table, afterglow=self.afterglow,
                              windows=self.windows, event_index=ids, is_nr=self.nuclear_recoil[chunk["process"]])
        onset = chunk["t_ns"] + self.windows.pretrace_ns
        jag = pel.to_awkward()
        # "_pe" and "_spe_table" are for later stages (waveform); the pipeline does not write them
        return {"e_ee_kev": e_ee, "n_pe_signal": pel.n_pe_signal, "n_pe_afterglow": pel.n_pe_afterglow,
                "charge_pe": pel.charge_pe, "f90": f90(pel, onset), "pe_t_ns": jag["t_ns"],
                "pe_charge": jag["charge"], "pe_label": jag["label"], "_pe": pel, "_spe_table": self.spe_table}


def _waveform_stage(cfg, generator):
    from ..daq.stage import WaveformStage

    return WaveformStage(cfg, generator)


STAGES_BY_FIDELITY = {"truth": (), "parametric": (ParametricStage,), "photon": (PhotonStage,),
                      "waveform": (PhotonStage, _waveform_stage)}

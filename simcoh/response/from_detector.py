"""Build the response parameter objects from a loaded :class:`simcoh.detector.DetectorConfig`.

The geometry loader validates and converts every key once (internal units in the field names); this
module only renames fields into the response dataclasses, section by section. A missing section gives
``None`` (the stage that needs it says so) or the documented "off" setting (afterglow: none).
"""

from __future__ import annotations

from ..errors import InputError
from .params import (AfterglowParams, EnergyEfficiencyParams, IonizationParams, LightParams, ScintillationParams,
                     SmearingParams, SPEParams, TimeEfficiencyParams, WindowParams)
from .quenching import Constant, IsotopeQuenching, Lindhard, Linear, Polynomial, Table


def quenching_model(section, isotope=None):
    """One quenching model from a [quenching] section (Lindhard needs the isotope for Z and A)."""
    if section.model == "polynomial":
        return Polynomial(section.coefficients, t_nr_max_kev=section.valid_range_kev)
    if section.model == "constant":
        return Constant(section.factor)
    if section.model == "linear":
        return Linear(section.offset, section.slope_per_kev)
    if section.model == "lindhard":
        return Lindhard(isotope.z, isotope.a, section.k)
    if section.model == "table":
        t_nr, e_ee = section.table_data[0], section.table_data[1]
        return Table(tuple(t_nr), tuple(e_ee))
    raise InputError(f"quenching.model '{section.model}' is not supported")


def isotope_quenching(det, isotopes) -> IsotopeQuenching:
    """Per-isotope quenching for the run's isotope list (detector per-isotope overrides applied)."""
    if det.quenching is None:
        raise InputError(f"detector '{det.name}' has no [quenching] section; it is needed above truth fidelity")
    models = {i: quenching_model(det.quenching_for(iso.name), iso) for i, iso in enumerate(isotopes)}
    default = models[0]
    return IsotopeQuenching(default, {i: m for i, m in models.items() if i != 0})


def light(det) -> LightParams | None:
    s = det.light
    if s is None:
        return None
    kw = dict(yield_pe_per_kevee=s.yield_pe_per_kev, pe_model=s.pe_model)
    if s.photon_yield_per_kev is not None:
        kw["photon_yield_per_kev"] = s.photon_yield_per_kev
    if s.collection_efficiency is not None:
        kw["collection_efficiency"] = s.collection_efficiency
    return LightParams(**kw)


def smearing(det) -> SmearingParams | None:
    s = det.smearing
    if s is None:
        return None
    kw = {"model": s.model}
    if s.gamma_b_per_pe is not None:
        kw["gamma_b_per_pe"] = s.gamma_b_per_pe
    if s.resolution_a is not None:
        kw["resolution_a"] = s.resolution_a
    return SmearingParams(**kw)


def energy_efficiency(det) -> EnergyEfficiencyParams | None:
    s = det.efficiency.energy if det.efficiency is not None else None
    if s is None or s.model == "none":
        return None
    kw = {"model": s.model}
    if s.variable is not None:
        kw["variable"] = s.variable
    for k in ("a", "b", "c", "d", "step"):
        if getattr(s, k) is not None:
            kw[k] = getattr(s, k)
    if s.model == "table":
        cols = s.columns or (0, 1)
        kw["table_x"], kw["table_eff"] = tuple(s.table_data[cols[0]]), tuple(s.table_data[cols[1]])
    return EnergyEfficiencyParams(**kw)


def time_efficiency(det) -> TimeEfficiencyParams | None:
    s = det.efficiency.time if det.efficiency is not None else None
    if s is None or s.model == "none":
        return None
    return TimeEfficiencyParams(model=s.model, t0_ns=s.t0_ns, rate_per_ns=s.rate_per_ns)


def scintillation(det) -> ScintillationParams | None:
    s = det.scintillation
    if s is None:
        return None
    return ScintillationParams(tau_ns=tuple(s.tau_ns), fractions=tuple(s.fractions),
                               nr_fractions=tuple(s.nr_fractions) if s.nr_fractions else tuple(s.fractions))


def spe(det) -> SPEParams:
    s = det.spe
    if s is None:
        return SPEParams(model="gamma", mean=1.0, relative_width=SPEParams.relative_width)
    if s.model == "table":
        return SPEParams(model="table", mean=s.mean or 1.0, table_charge=tuple(s.table_data[0]),
                         table_weights=tuple(s.table_data[1][:-1]))
    return SPEParams(model=s.model, mean=s.mean, relative_width=s.relative_width)


def afterglow(det) -> AfterglowParams:
    s = det.afterglow
    if s is None or s.model == "none":
        return AfterglowParams(model="none")
    kw = dict(model=s.model, rate_per_ns=s.rate_per_ns, rate_distribution=s.rate_distribution or "fixed")
    for k in ("rate_shape", "bright_probability", "bright_factor"):
        if getattr(s, k) is not None:
            kw[k] = getattr(s, k)
    return AfterglowParams(**kw)


def windows(det) -> WindowParams | None:
    s = det.windows
    if s is None:
        return None
    return WindowParams(pretrace_ns=s.pretrace_ns, roi_ns=s.roi_ns)


def ionization(det) -> IonizationParams | None:
    s = det.ionization
    if s is None:
        return None
    return IonizationParams(resolution_sigma0_kev=s.resolution_sigma0_kev, fano=s.fano,
                            pair_energy_kev=s.pair_energy_ev * 1e-3)

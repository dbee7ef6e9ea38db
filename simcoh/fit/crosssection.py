"""simcoh's Standard-Model flux-averaged CEvNS cross section of a detector, to turn a fitted signal strength
μ = N_fit / N_predicted into a measured flux-averaged cross section ⟨σ⟩ = μ · ⟨σ⟩_SM (as COHERENT quotes it,
e.g. PRL 129, 081801 (2022), arXiv:2110.07730)."""

from __future__ import annotations


def predicted_sigma_cm2(detector: str, overrides: dict | None = None) -> float:
    """Per-nucleus flux-averaged CEvNS cross section of ``detector``'s target: Σ r_f n_iso ⟨σ⟩_f,iso over
    (Σ_f r_f)(Σ_iso n_iso), flavours weighted by their yield per POT, isotopes by their number of nuclei, ⟨σ⟩ the
    integral of σ(Eν) over each flavour's spectrum (all recoil energies). No sampling: the generator's tables."""
    from ..engine import prepare_run
    from ..macro import load_macro_text
    from ..physics.nuclei import material_isotopes

    macro = load_macro_text(f"/detector/load {detector}\n/process/enable cevns\n/run/beamOn 1\n",
                            name="simcoh.fit.predicted_sigma_cm2",
                            set_overrides=[f"{k}={v}" for k, v in (overrides or {}).items()])
    prepared = prepare_run(macro)
    material = prepared.config.detector.target.material
    n_iso = {ti.isotope.name: ti.nuclei_per_kg for ti in material_isotopes(material)}
    yields, num = {}, 0.0
    for ch in prepared.generator.processes["cevns"].channels:
        yields[ch.flavour] = ch.spectrum.yield_per_pot
        num += ch.spectrum.yield_per_pot * n_iso[ch.isotope.name] * ch.sigma_avg_cm2
    return num / (sum(yields.values()) * sum(n_iso.values()))

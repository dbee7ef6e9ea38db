"""``simcoh d2o-flux FILE``: the νe flux normalisation a COH-D2O run measures (docs/d2o.md).

From the events of a physical-mode run on the d2o detector: N = the d2o_cc and o16_cc events in the file (both are
a single Cherenkov electron, not told apart; d2o_es events, forward-peaked, are taken as removed by a direction
cut), B = the expected o16_cc count (subtracted with its cross-section uncertainty), Φ = (N − B)/(N_d ⟨σ_d⟩) with
its statistical (√N), νe d cross-section and background uncertainties, compared with the fluence of the run's
source model. No efficiency, cosmic or beam-neutron background is modelled.
"""

from __future__ import annotations

NAME = "d2o-flux"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="νe flux normalisation and its uncertainty from a COH-D2O event file "
                                         "(d2o_cc and o16_cc events; see docs/d2o.md)")
    p.add_argument("file", help="event file written by simcoh run with process d2o_cc, physical mode")
    p.add_argument("--xs-uncertainty", type=float, default=None, metavar="U",
                   help="relative νe d cross-section uncertainty instead of the table's (e.g. 0.03)")


def flux_from_file(path: str, xs_rel_unc: float | None = None):
    """(FluxNormalisation, details dict) for the event file at ``path``; InputError if it is not a physical-mode
    d2o_cc run."""
    import numpy as np

    from ..engine.stored_config import config_from_provenance
    from ..errors import Diagnostic, InputError
    from ..generate import PROCESS_CODES, TruthGenerator
    from ..io.reader import open_events
    from ..physics.deuteron import flux_normalisation

    if xs_rel_unc is not None and not 0 <= xs_rel_unc < 1:
        raise InputError(Diagnostic(f"--xs-uncertainty {xs_rel_unc:g} is not a relative uncertainty",
                                    expected="a number in [0, 1), e.g. 0.03"))
    with open_events(path) as events:
        prov = events.provenance
        codes = np.asarray(events.read_column("process"))
    cfg = config_from_provenance(prov, str(path))
    if "d2o_cc" not in cfg.processes or prov.get("mode") != "physical":
        raise InputError(Diagnostic("the file is not a physical-mode run of process d2o_cc", file=str(path),
                                    expected="events of /process/enable d2o_cc with /run/exposure and a plain "
                                             "/run/beamOn (a Poisson number of events, weight 1)",
                                    suggestion="run macros/production/d2o-cc-2yr.mac"))
    gen = TruthGenerator.from_run_config(cfg)
    cc = gen.processes["d2o_cc"]
    n_cc = int(np.count_nonzero(codes == PROCESS_CODES["d2o_cc"]))
    n_o16 = int(np.count_nonzero(codes == PROCESS_CODES["o16_cc"]))
    n_es = int(np.count_nonzero(codes == PROCESS_CODES["d2o_es"]))
    o16 = gen.processes.get("o16_cc")
    b, b_unc = (gen.expected["o16_cc"], o16.sigma_rel_unc) if o16 is not None else (0.0, 0.0)
    unc = cc.sigma_rel_unc if xs_rel_unc is None else xs_rel_unc
    if n_cc + n_o16 <= b:
        raise InputError(Diagnostic(f"{n_cc + n_o16} d2o_cc + o16_cc events on an expected ¹⁶O background of "
                                    f"{b:.3g}: no signal left to normalise the flux", file=str(path),
                                    expected="more events than the background (two SNS years give ~1100)",
                                    suggestion="a longer /run/exposure, e.g. 14 GWh as macros/production/"
                                               "d2o-cc-2yr.mac"))
    result = flux_normalisation(n_cc + n_o16, cc.n_deuterons, cc.sigma_avg_cm2, unc, b, b_unc)
    truth = cc.fluence_per_pot_cm2 * cfg.exposure_pot
    return result, dict(n_d2o_cc=n_cc, n_o16_cc=n_o16, n_d2o_es=n_es, background=b, background_rel_unc=b_unc,
                        oxygen_modelled=o16 is not None, n_deuterons=cc.n_deuterons, sigma_avg_cm2=cc.sigma_avg_cm2,
                        source_fluence_per_cm2=truth, exposure_pot=cfg.exposure_pot)


def run(args) -> int:
    r, d = flux_from_file(args.file, args.xs_uncertainty)
    print(f"{args.file}: {d['n_d2o_cc']} νe d CC + {d['n_o16_cc']} νe ¹⁶O CC events "
          f"({d['exposure_pot']:.4g} POT); ¹⁶O background subtracted: {d['background']:.1f} "
          f"± {100 * d['background_rel_unc']:.0f} %")
    if not d["oxygen_modelled"]:
        print("  note: o16_cc was not enabled in this run; the oxygen background (~8 % of d2o_cc) is missing")
    if d["n_d2o_es"]:
        print(f"  note: the {d['n_d2o_es']} d2o_es (ν-e) events are not counted: their forward electrons are taken "
              "as removed by a direction cut (not modelled)")
    print(f"  deuterons {d['n_deuterons']:.4e}, Michel-averaged σ(νe d) {d['sigma_avg_cm2']:.4e} cm²")
    print(f"  νe fluence Φ = {r.flux_per_cm2:.4e} cm⁻² ± {100 * r.rel_total:.1f} % "
          f"(stat {100 * r.rel_stat:.1f} %, σ(νe d) {100 * r.rel_xs:.1f} %, ¹⁶O background "
          f"{100 * r.rel_background:.1f} %)")
    ratio = r.flux_per_cm2 / d["source_fluence_per_cm2"]
    print(f"  source model fluence {d['source_fluence_per_cm2']:.4e} cm⁻²; measured/model = {ratio:.3f} "
          f"± {ratio * r.rel_stat:.3f} (stat)")
    print("  not modelled: detection efficiency, cosmic and beam-neutron backgrounds (see docs/d2o.md)")
    return 0

"""The ``simcoh`` command line.

    simcoh run MACRO [--seed N] [--set KEY=VALUE ...] [--output PATH] [--overwrite] [--no-progress]
    simcoh check MACRO [--seed N] [--set KEY=VALUE ...]
    simcoh info FILE
    simcoh help [COMMAND]
    simcoh geometries

Input errors are printed as ``file:line:column: error: ...`` lines (exit status 2), never as tracebacks.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from . import __version__
from .errors import InputError, OutputExistsError, SimcohError

EXIT_INPUT, EXIT_OUTPUT_EXISTS, EXIT_OTHER = 2, 3, 1


def _add_macro_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("macro", help="macro file (Geant4-style commands; see `simcoh help`)")
    p.add_argument("--seed", type=int, default=None, help="run seed (overrides /random/setSeed)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="apply a command before /run/beamOn: '/run/fidelity=photon', "
                        "'detector.target.distance=20 m' (repeatable)")
    p.add_argument("--output", default=None, help="output file (overrides /output/file)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simcoh", description="Monte Carlo simulation of CEvNS detectors at "
                                     "stopped-pion sources (COHERENT in the SNS Neutrino Alley).")
    parser.add_argument("--version", action="version", version=f"simcoh {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="run a macro and write an event file")
    _add_macro_options(p)
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    p = sub.add_parser("check", help="check a macro, print the resolved configuration, its hash and the output size")
    _add_macro_options(p)
    p.add_argument("--json", action="store_true", help="print the resolved configuration as JSON only")

    p = sub.add_parser("info", help="describe an event file")
    p.add_argument("file")

    p = sub.add_parser("help", help="list macro commands, or describe one")
    p.add_argument("topic", nargs="?", default=None, help="a command such as /run/beamOn, or a directory")

    sub.add_parser("geometries", help="list the built-in detector geometries")
    return parser


def _load(args):
    from .macro import load_macro

    return load_macro(args.macro, set_overrides=args.overrides, seed=args.seed, output=args.output)


def _with_overwrite(result, overwrite: bool):
    if not overwrite:
        return result
    import dataclasses

    return dataclasses.replace(result, config=dataclasses.replace(result.config, overwrite=True))


def cmd_run(args) -> int:
    from .engine import prepare_run
    from .engine.run import write_events

    result = _with_overwrite(_load(args), args.overwrite)
    for text in result.echoes:
        print(text)
    prepared = prepare_run(result)
    cfg = prepared.config
    print(f"simcoh {__version__}: {cfg.detector.name}, {prepared.generator.n_events:,} events "
          f"({cfg.mode} mode, fidelity {cfg.fidelity}, seed {cfg.seed}) -> {cfg.output_file}", file=sys.stderr)
    summary = write_events(prepared, progress=not args.no_progress,
                           command_line=shlex.join(["simcoh"] + sys.argv[1:]))
    print(summary.format())
    return 0


def cmd_check(args) -> int:
    from .config import canonical_json
    from .engine import prepare_run

    result = _load(args)
    prepared = prepare_run(result)
    cfg = prepared.config
    if args.json:
        print(json.dumps(json.loads(canonical_json(cfg.to_dict())), indent=2, sort_keys=True))
        return 0
    for text in result.echoes:
        print(text)
    print(f"macro {args.macro}: OK ({len(result.expanded)} commands after expansion)")
    print(f"detector      {cfg.detector.name} ({cfg.detector.target.material}, {cfg.detector.target.mass_kg:g} kg "
          f"at {cfg.detector.target.distance_cm / 100:g} m)")
    print(f"processes     {', '.join(cfg.processes)}; fidelity {cfg.fidelity}; mode {cfg.mode}")
    print(f"exposure      {cfg.exposure_pot:.6g} POT")
    for name, expected in prepared.generator.expected.items():
        print(f"expected      {name}: {expected:.6g} events")
    print(f"events        {prepared.generator.n_events:,}" + (" (Poisson draw for the exposure)"
                                                              if cfg.mode == "physical" else ""))
    print(f"seed          {cfg.seed}")
    print(f"output        {cfg.output_file} (about {prepared.estimated_bytes() / 1e6:.3g} MB before compression)")
    print(f"config hash   {cfg.config_hash()}")
    print("resolved configuration:")
    print(json.dumps(json.loads(canonical_json(cfg.to_dict())), indent=2, sort_keys=True))
    return 0


def cmd_info(args) -> int:
    from .io import describe_file

    print(describe_file(args.file))
    return 0


def cmd_help(args) -> int:
    from .macro import help_text

    print(help_text(args.topic))
    return 0


def cmd_geometries(args) -> int:
    from .detector import available_geometries, load_geometry

    for name in available_geometries():
        det = load_geometry(name)
        print(f"{name:<14} {det.description}")
    return 0


COMMANDS = {"run": cmd_run, "check": cmd_check, "info": cmd_info, "help": cmd_help, "geometries": cmd_geometries}


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INPUT
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_OUTPUT_EXISTS
    except (SimcohError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_OTHER
    except KeyboardInterrupt:
        print("interrupted: no complete output file was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

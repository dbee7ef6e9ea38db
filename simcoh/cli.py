"""The ``simcoh`` command line.

    simcoh run MACRO [--seed N] [--set KEY=VALUE ...] [--output PATH] [--overwrite] [--force] [--no-progress]
               [--workers N | --dask ADDRESS|local | --shard I/N] [--shards M] [--production-dir DIR]
    simcoh merge MANIFEST|DIR [--output PATH]     or     simcoh merge OUT SHARD_FILE...
    simcoh status MANIFEST|DIR [--verify]
    simcoh check MACRO [--seed N] [--set KEY=VALUE ...]
    simcoh info FILE [--verify]
    simcoh help [COMMAND | DETECTOR.KEY | PARAMETER.KEY]
    simcoh geometries
    simcoh validate                               (prints how to run python -m validation from a clone)

Every command takes ``-q/--quiet`` (warnings and errors only, no progress bar) and ``-v/--verbose`` (debug
detail), before or after the command name; messages go through the ``simcoh`` logger (:mod:`simcoh.progress`).
Input errors are printed as ``file:line:column: error: ...`` lines (exit status 2), never as tracebacks; an error
about a command-line option names the option (``--output PATH: ...``). A closed standard output
(``simcoh help | head -3``) is not an error: the rest of the output is dropped and the command finishes as it
would have (its own exit status).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shlex
import sys

from ._version import __version__
from .errors import Diagnostic, InputError, OutputExistsError, SimcohError
from .limits import check_resources, resource_report
from .progress import COMPILATION, LOGGER, configure_logging

EXIT_INPUT, EXIT_OUTPUT_EXISTS, EXIT_OTHER = 2, 3, 1


def _add_macro_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("macro", help="macro file (Geant4-style commands; see `simcoh help`)")
    p.add_argument("--seed", type=int, default=None, help="run seed (overrides /random/setSeed)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="apply a command before /run/beamOn: '/run/fidelity=photon', "
                        "'detector.target.distance=20 m' (repeatable)")
    p.add_argument("--output", default=None, help="output file (overrides /output/file); a directory (an existing "
                   "one, or a path ending in /) means the macro's file name in that directory")


def _add_production_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("production (sharded runs; see docs/production.md)")
    g.add_argument("--workers", type=int, default=1, metavar="N",
                   help="run shards in N local processes, then merge them into the output (default 1: no shards)")
    g.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run shards on the Dask scheduler at ADDRESS, or on a new local cluster of --workers "
                        "processes with 'local' (needs simcoh[dask])")
    g.add_argument("--shard", default=None, metavar="I/N",
                   help="run only shard I of N (0-based) into the production directory, for array jobs; "
                        "merge with `simcoh merge`")
    g.add_argument("--shards", type=int, default=None, metavar="M",
                   help="number of shards of a new production (default: --workers, or the Dask cluster's "
                        "threads); a resumed production keeps its own")
    g.add_argument("--production-dir", default=None, metavar="DIR",
                   help="directory of the manifest and shard files (default: OUTPUT without .h5, plus .shards)")
    g.add_argument("--keep-shards", action="store_true", help="keep the shard files after the merge")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simcoh", description="Monte Carlo simulation of CEvNS detectors at "
                                     "stopped-pion sources (COHERENT in the SNS Neutrino Alley).")
    parser.add_argument("--version", action="version", version=f"simcoh {__version__}")
    _add_verbosity(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="run a macro and write an event file")
    _add_macro_options(p)
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    p.add_argument("--force", action="store_true", help="run even if the estimated output exceeds the free disk "
                   "space (simcoh check prints the estimate; a chunk that cannot fit in memory is always refused)")
    _add_production_options(p)

    p = sub.add_parser("merge", help="merge the shard files of a production into one event file")
    p.add_argument("target", help="a production manifest (or its directory), or the output file followed by the "
                                  "shard files")
    p.add_argument("shards", nargs="*", metavar="SHARD", help="shard files (when TARGET is the output file)")
    p.add_argument("--output", default=None, help="merged file (default: the output recorded in the manifest)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing merged file")
    p.add_argument("--delete-shards", action="store_true", help="delete the shard files after a successful merge "
                                                                "(manifest mode)")
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    p = sub.add_parser("status", help="list the shards of a production and their state")
    p.add_argument("target", help="a production manifest or its directory")
    p.add_argument("--verify", action="store_true", help="also check each complete shard's SHA-256 against the "
                                                         "manifest")

    p = sub.add_parser("check", help="check a macro, print the resolved configuration, its hash and the output size")
    _add_macro_options(p)
    p.add_argument("--json", action="store_true", help="print the resolved configuration as JSON only")

    p = sub.add_parser("info", help="describe an event file")
    p.add_argument("file")
    p.add_argument("--verify", action="store_true", help="also read every dataset and check its checksum")

    p = sub.add_parser("help", help="list macro commands, or describe one (or a detector key)")
    p.add_argument("topic", nargs="?", default=None, help="a command such as /run/beamOn, a directory, a detector "
                   "key such as target.distance, or a parameter key such as brn.rate_per_gwh")

    sub.add_parser("geometries", help="list the built-in detector geometries")

    # listed for `simcoh --help`; main() hands its arguments to validate_command
    sub.add_parser("validate", help="how to compare simcoh with published COHERENT results (python -m validation, "
                   "from a clone of the repository)")

    p = sub.add_parser("efficiency", help="toy-MC selection efficiency vs PE and recoil time (waveform level)")
    p.add_argument("--geometry", default="csi-2021", help="built-in geometry name or .toml file (csi-2021)")
    p.add_argument("--n-per-point", type=int, default=2000, help="recoils overlaid per point (2000)")
    p.add_argument("--time-n-per-point", type=int, default=None,
                   help="recoils per time point and in the plateau sample (default 10 x --n-per-point, fast noise)")
    p.add_argument("--population", type=int, default=0,
                   help="also measure eps_E in PE_rec bins from this many recoils of flat mean PE (informational)")
    p.add_argument("--pe", default="6,8,10,12,14,17,20,25,30,40,50",
                   help="comma-separated mean signal PE of the energy scan")
    p.add_argument("--t-us", default="0.25,0.75,1.25,2,3,4,5,6,8,10",
                   help="comma-separated recoil times (µs after the ROI start) of the time scan")
    p.add_argument("--seed", type=int, default=2021)
    p.add_argument("--outdir", default="efficiency", help="folder for efficiency.csv/.md and the PNG plots")
    p.add_argument("--overwrite", action="store_true", help="replace a finished report and plots in --outdir")
    p.add_argument("--threads", type=int, default=None, help="numba threads")
    p.add_argument("--noise-mode", default=None, choices=("gaussian", "gaussian_fast", "table"),
                   help="override the digitizer noise mode")
    for module in _command_modules():
        module.add_parser(sub)
    for command in sub.choices.values():  # -q/-v after the command name too (also for the command modules)
        _add_verbosity(command, top=False)
    return parser


def _add_verbosity(p: argparse.ArgumentParser, top: bool) -> None:
    """``-q/--quiet`` and ``-v/--verbose``; on a subcommand they default to nothing, so the global ones stay."""
    if "-q" in p._option_string_actions or "-v" in p._option_string_actions:
        return  # a command module that defines its own
    default = 0 if top else argparse.SUPPRESS
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=default,
                   help="show only warnings and errors (no progress bar)")
    g.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1, default=default,
                   help="also show debug detail")


# Subcommands with a module of their own in simcoh/commands/ (NAME, add_parser(subparsers), run(args)).
COMMAND_MODULES: tuple[str, ...] = ("export", "fit", "replay", "sensitivity", "show", "afterglow_library", "d2o_flux")


def _command_modules():
    import importlib

    return [importlib.import_module(f".commands.{name}", __package__) for name in COMMAND_MODULES]


def _load(args):
    from .macro import load_macro

    directory = _output_directory(args.output)
    result = load_macro(args.macro, set_overrides=args.overrides, seed=args.seed,
                        output=None if directory else args.output)
    if directory:  # --output DIR/: the macro's file name in DIR
        name = os.path.join(directory, os.path.basename(result.config.output_file))
        result = dataclasses.replace(result, config=dataclasses.replace(result.config, output_file=name))
    return result


def _output_directory(output: str | None) -> str | None:
    """``--output``'s directory if it names one (it ends with a slash or is an existing directory), else None;
    raise InputError for a directory that does not exist."""
    if output is None or not (output.endswith(("/", os.sep)) or os.path.isdir(output)):
        return None
    if not os.path.isdir(output):
        raise InputError(f"--output {output}: the directory {output} does not exist; create it first (mkdir -p "
                         f"{shlex.quote(output)}), or give a file name such as {os.path.join(output, 'run.h5')}")
    return output


def _with_overwrite(result, overwrite: bool):
    if not overwrite:
        return result
    import dataclasses

    return dataclasses.replace(result, config=dataclasses.replace(result.config, overwrite=True))


def _production_mode(args) -> str:
    """serial, shard, or production (workers / Dask / explicit shards); raise InputError on a bad mix."""
    if args.workers < 1:
        raise InputError(f"--workers {args.workers}: the number of workers must be at least 1")
    if args.shard is not None and (args.workers > 1 or args.dask is not None or args.shards is not None):
        raise InputError("--shard runs one shard in this process: it cannot be combined with --workers, --dask "
                         "or --shards (the shard count is the N of --shard I/N)")
    if args.shard is not None:
        return "shard"
    if args.workers > 1 or args.dask is not None or args.shards is not None or args.production_dir is not None:
        return "production"
    return "serial"


def _streamed_workers(args, output_file: str) -> bool:
    """Plain ``--workers N`` (no Dask, shard options or resumable production already on disk) runs as one
    streamed job: worker processes generate chunks, this process writes them, and no shard files are merged."""
    from .engine.shards import production_dir_for

    return (args.workers > 1 and args.dask is None and args.shards is None and args.production_dir is None
            and not args.keep_shards and not production_dir_for(output_file).exists())


def cmd_run(args) -> int:
    from .engine import prepare_run, write_events
    from .engine.allocator import keep_freed_memory

    keep_freed_memory()  # a process-wide setting: applied by the command, never by the library (before any fork)
    COMPILATION.install()  # say so when numba compiles, also while the run is prepared
    compiled_before = COMPILATION.seconds

    mode = _production_mode(args)
    shard = None
    if mode == "shard":
        from .engine.shards import parse_shard_spec

        shard = parse_shard_spec(args.shard)
    result = _with_overwrite(_load(args), args.overwrite)
    for text in result.echoes:
        _say(text)
    prepared = prepare_run(result)
    check_resources(prepared, force=args.force, share=1 / shard[1] if shard else 1.0)  # memory and disk, first
    cfg = prepared.config
    LOGGER.info(f"simcoh {__version__}: {cfg.detector.name}, {prepared.generator.n_events:,} events "
                f"({cfg.mode} mode, fidelity {cfg.fidelity}, seed {cfg.seed}) -> {cfg.output_file}")
    if LOGGER.isEnabledFor(logging.DEBUG):
        import numba

        from ._version import revision_text

        LOGGER.debug(f"code {revision_text()}; configuration hash {cfg.config_hash()}; processes "
                      f"{', '.join(cfg.processes)}; expected {dict(prepared.generator.expected)}; numba threads "
                      f"{numba.get_num_threads()}, cache {numba.config.CACHE_DIR or '__pycache__ beside the modules'}")
    command_line = shlex.join(["simcoh"] + sys.argv[1:])
    if mode == "production" and _streamed_workers(args, cfg.output_file):
        mode = "serial"  # plain --workers N: worker processes generate, this process writes one file
    if mode == "serial":
        summary = write_events(prepared, progress=not args.no_progress, command_line=command_line,
                               workers=args.workers)
    elif mode == "shard":
        return _run_one_shard(args, prepared, shard, command_line)
    else:
        from .engine.production import run_production

        summary = run_production(prepared, workers=args.workers, dask=args.dask, n_shards=args.shards,
                                 directory=args.production_dir, progress=not args.no_progress,
                                 command_line=command_line, keep_shards=args.keep_shards)
    _say(summary.format())
    if COMPILATION.seconds > compiled_before:  # preparing and running: later runs load the cached kernels
        _say(f"  numba compilation {COMPILATION.seconds - compiled_before:.1f} s in all (first run only: cached)")
    return 0


def _say(text: str) -> None:
    """A run's report on standard output, unless -q."""
    if LOGGER.isEnabledFor(logging.INFO):
        print(text)


def _run_one_shard(args, prepared, shard, command_line: str) -> int:
    from .engine.production import open_or_create, run_array_shard

    index, count = shard
    record = run_array_shard(prepared, index, count, directory=args.production_dir, progress=not args.no_progress,
                             command_line=command_line)
    prod = open_or_create(prepared, count, args.production_dir, command_line)
    if record is not None:
        _say(f"wrote shard {index}/{count}: {record['n_events']:,} events to {prod.directory / prod.shards[index].file_name}"
              f" ({record['size_bytes'] / 1e6:.2f} MB, sha256 {record['sha256'][:16]}…) in {record['elapsed_s']:.2f} s")
    states = prod.states()
    done = sum(s.done for s in states)
    _say(f"production {prod.directory}: {done} of {count} shards done"
          + (f"; merge with: simcoh merge {prod.manifest_path}" if done == count else ""))
    return 0


def cmd_check(args) -> int:
    from .columns import describe_chain
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
    dataset = getattr(cfg.detector, "dataset", None)
    if dataset is not None:  # the detector's data set (its exposure is the default one)
        print(f"data set      {dataset.name} ({dataset.status}; {dataset.reference})")
    for name, expected in prepared.generator.expected.items():
        print(f"expected      {name}: {expected:.6g} events")
    print(f"events        {prepared.generator.n_events:,}" + (" (Poisson draw for the exposure)"
                                                              if cfg.mode == "physical" else ""))
    print(f"seed          {cfg.seed}")
    print(f"output        {cfg.output_file} (about {prepared.estimated_bytes() / 1e6:.3g} MB before compression)")
    report = resource_report(prepared)
    for line in report.lines():
        print(line)
    if not report.disk_ok:
        print("warning       the output may not fit on the disk: simcoh run refuses it unless --force",
              file=sys.stderr)
    if not report.memory_ok:
        check_resources(prepared)  # one chunk cannot fit in memory: an error
    print(f"config hash   {cfg.config_hash()}")
    for line in describe_chain(prepared.pipeline.chain(), cfg.fidelity):
        print(line)
    print("resolved configuration:")
    print(json.dumps(json.loads(canonical_json(cfg.to_dict())), indent=2, sort_keys=True))
    return 0


def cmd_merge(args) -> int:
    from .engine.production import merge_production
    from .engine.merge import merge_shards

    command_line = shlex.join(["simcoh"] + sys.argv[1:])
    if args.shards:
        if args.output is not None:
            raise InputError("give the merged file either as the first argument or with --output, not both")
        result = merge_shards(args.target, args.shards, overwrite=args.overwrite, command_line=command_line)
    else:
        if not (args.target.endswith(".json") or os.path.isdir(args.target)):
            raise InputError(f"simcoh merge {args.target}: give a manifest (.json) or production directory, or the "
                             "output file followed by the shard files")
        result = merge_production(args.target, output=args.output, overwrite=args.overwrite,
                                  progress=not args.no_progress, command_line=command_line,
                                  keep_shards=not args.delete_shards)
    _say(f"merged {len(result.shards)} shard(s), {result.n_events:,} events, into {result.path}")
    return 0


def cmd_status(args) -> int:
    from .engine.manifest import format_status, load_manifest, manifest_path, shard_states
    from .engine.merge import file_sha256

    path = manifest_path(args.target)
    manifest = load_manifest(path)
    states = shard_states(manifest, path.parent)
    if args.verify:
        recorded = {e["index"]: e.get("sha256") for e in manifest["shards"]}
        states = [s if s.state != "complete" or file_sha256(s.path) == recorded[s.shard.index] else
                  dataclasses.replace(s, state="changed", detail="SHA-256 differs from the manifest's")
                  for s in states]
    print(format_status(manifest, states, path))
    return 0


def cmd_info(args) -> int:
    from .engine.stages import STAGES_BY_FIDELITY
    from .io import describe_file
    from .io.info import verify_file

    print(describe_file(args.file, {f: [s.name for s in stages] for f, stages in STAGES_BY_FIDELITY.items()}))
    if not args.verify:
        return 0
    report, ok = verify_file(args.file)
    print(report)
    return 0 if ok else EXIT_OTHER


def cmd_help(args) -> int:
    from .macro import help_text

    try:
        text = help_text(args.topic)
    except InputError as exc:
        subcommands = set(COMMANDS) | {m.NAME for m in _command_modules()}
        if args.topic in subcommands:  # `simcoh help d2o-flux`: the help of a subcommand is its --help
            raise InputError(Diagnostic(f"'{args.topic}' is a simcoh command, not a macro command or detector key",
                                        file="<command line>", expected="a macro command (/run/beamOn) or a "
                                        "detector key (target.distance)",
                                        suggestion=f"simcoh {args.topic} --help")) from exc
        raise
    print(text)
    return 0


def cmd_geometries(args) -> int:
    from .detector import available_geometries, load_geometry

    for name in available_geometries():
        det = load_geometry(name)
        print(f"{name:<14} {det.description}")
    return 0


def cmd_efficiency(args) -> int:
    import types

    from .efficiency.study import efficiency_command, published_curves
    from .detector import load_geometry

    from .efficiency.options import check_arguments

    COMPILATION.install()  # say so when numba compiles the waveform kernels (the first run only)
    detector = load_geometry(args.geometry)
    published_curves(detector)  # a detector without them is refused before the output folder exists
    windows = getattr(detector, "windows", None)
    pe_points, t_points_us = check_arguments(args, windows.roi_ns / 1e3 if windows is not None else None)
    ns = types.SimpleNamespace(detector=detector, n_per_point=args.n_per_point, pe_points=pe_points,
                               t_points_us=t_points_us, seed=args.seed, outdir=args.outdir, threads=args.threads,
                               noise_mode=args.noise_mode, time_n_per_point=args.time_n_per_point,
                               population=args.population, overwrite=args.overwrite)
    import os

    os.makedirs(args.outdir, exist_ok=True)  # only once every argument is known to be good
    return efficiency_command(ns)


VALIDATE_HOWTO = """\
The validation against published COHERENT results is not part of the installed package: its cases use the
repository's macros, published values and released data (validation/). From a clone of simcoh, run

    python -m validation {options}

(--fast: parametric fidelity, a few minutes on one core; --outdir DIR; --case KEY; --help for the rest).
It writes the report to {report} and the plots to {plots} (see README, "Validation"), and says so when done."""


def validate_command(argv: list[str]) -> int:
    """``simcoh validate [OPTIONS]``: print how to run the validation from a clone (exit status 2, nothing run);
    ``--help`` prints the same text with status 0."""
    wanted = [a for a in argv if a not in ("-h", "--help")]
    outdir = _option_value(wanted, "--outdir")
    where = "validation" if outdir is None else outdir.rstrip("/" + os.sep) or outdir
    text = VALIDATE_HOWTO.format(options=shlex.join(wanted) if wanted else "--fast",
                                 report=os.path.join(where, "report.md"), plots=os.path.join(where, "plots", ""))
    if len(wanted) < len(argv):
        print("usage: simcoh validate [OPTIONS]\n\n" + text)
        return 0
    print(f"simcoh validate: {text}", file=sys.stderr)
    return EXIT_INPUT


def _option_value(argv: list[str], option: str) -> str | None:
    """The value of ``option`` in ``argv`` (``--opt VALUE`` or ``--opt=VALUE``; the last one wins), else None."""
    value = None
    for i, arg in enumerate(argv):
        if arg == option and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(option + "="):
            value = arg[len(option) + 1:]
    return value


COMMANDS = {"run": cmd_run, "check": cmd_check, "info": cmd_info, "help": cmd_help, "geometries": cmd_geometries,
            "merge": cmd_merge, "status": cmd_status, "efficiency": cmd_efficiency}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    stdout = sys.stdout
    sys.stdout = _PipeSafe(stdout)  # `simcoh help | head -3`: a reader that stops early is not an error
    try:
        return _main(argv)
    finally:
        sys.stdout.flush()
        sys.stdout = stdout


def _main(argv: list[str]) -> int:
    if argv[:1] == ["validate"]:  # any options are those of python -m validation
        return validate_command(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.verbosity < 0 and hasattr(args, "no_progress"):
        args.no_progress = True
    restore_logging = configure_logging(args.verbosity)
    try:
        return _run_command(args)
    finally:
        restore_logging()


def _run_command(args) -> int:
    try:
        command = COMMANDS.get(args.command) or {m.NAME: m.run for m in _command_modules()}[args.command]
        with _stoppable(args.command):
            return command(args)
    except InputError as exc:
        print(_input_error_text(exc, args), file=sys.stderr)
        return EXIT_INPUT
    except OutputExistsError as exc:
        output = getattr(args, "output", None)
        about = f"--output {output}: " if output and output in str(exc) else ""
        print(f"{about}error: {exc}", file=sys.stderr)
        return EXIT_OUTPUT_EXISTS
    except (SimcohError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_OTHER
    except KeyboardInterrupt as exc:  # engine.signals.Interrupted for SIGTERM and SIGHUP too
        print(f"{str(exc) or 'interrupted by SIGINT'}: stopped, and its partial files were removed; no new output file "
              "was written (a production keeps its finished shards: run the same command again to resume)",
              file=sys.stderr)
        return getattr(exc, "exit_status", 130)


#: What a problem without a file says it is about (simcoh.errors.Diagnostic's placeholders).
_NO_FILE = ("<input>", "<run>")


def _input_error_text(exc: InputError, args) -> str:
    """The error as printed: a problem with no file of its own names what it is about instead of ``<input>``: the
    option when the message starts with it (``simcoh run: error: --workers 0: ...``), ``--output PATH`` when it
    is about the path given with --output, else the command (``simcoh run: error: ...``)."""
    from .errors import Diagnostic

    output = getattr(args, "output", None)
    diagnostics = []
    for d in exc.diagnostics:
        if d.file in _NO_FILE and d.line is None:
            about = f"simcoh {args.command}"
            if output and not d.message.startswith("--") and output in d.message:
                about = f"--output {output}"
            d = Diagnostic(d.message, about, None, None, d.expected, d.suggestion)
        diagnostics.append(d)
    return str(InputError(diagnostics))


class _PipeSafe:
    """Standard output that survives its reader going away (``| head``): after a BrokenPipeError the rest of the
    output goes to /dev/null (the file descriptor too, so the interpreter's final flush succeeds) and the command
    carries on; what it writes to files and its exit status do not depend on who reads its output."""

    def __init__(self, stream):
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.broken = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, AttributeError, ValueError):  # not a real file (a test's capture): nothing to redirect
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _stoppable(command: str):
    """For the commands that write files: SIGTERM and SIGHUP stop them as Ctrl-C does (engine.signals). The
    others keep the default handlers (and do not import the engine)."""
    writers = {"run", "merge", "efficiency"} | {m.NAME for m in _command_modules() if getattr(m, "WRITES_FILES", False)}
    if command not in writers:
        import contextlib

        return contextlib.nullcontext()
    from .engine.signals import stop_on_signals

    return stop_on_signals()


if __name__ == "__main__":
    sys.exit(main())

"""``simcoh afterglow-library GEOMETRY -n N --output PATH``: record beam-off windows from a detector's own
[afterglow] model and noise into an afterglow library (simcoh.daq.library, docs/afterglow-library.md)."""

from __future__ import annotations

from ..errors import InputError
from ._arguments import add_output_arguments

NAME = "afterglow-library"
WRITES_FILES = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="record beam-off windows of a detector's afterglow model into a library",
                              description="Render N beam-off windows (the geometry's [afterglow] model and noise, "
                              "no signal) and write them as an afterglow library (HDF5) for /run/afterglowLibrary. "
                              "Such a library reproduces the model; a data-driven one holds windows recorded by "
                              "the detector's digitizer in the same format. See docs/afterglow-library.md.")
    p.add_argument("geometry", help="built-in geometry name or geometry file")
    p.add_argument("-n", "--windows", type=int, required=True, metavar="N", help="number of windows")
    add_output_arguments(p, what="library file (.h5)", required=True)
    p.add_argument("--samples", type=int, default=None, metavar="N",
                   help="samples per window (default: the geometry's pretrace + ROI; longer windows let each "
                   "event start at a random offset)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the windows (default 0)")


def run(args) -> int:
    # imported here: every `simcoh` command builds this parser, and the renderer costs ~0.9 s of numba imports
    from ..daq.library import MAX_LIBRARY_SAMPLES, record_library
    from ..detector import load_geometry

    det = load_geometry(args.geometry)
    if det.digitizer is None or det.windows is None:
        raise InputError(f"geometry '{det.name}' has no [digitizer] or [windows]: it renders no waveforms; "
                         "choose a geometry with both (simcoh geometries)")
    if not 1 <= args.windows <= MAX_LIBRARY_SAMPLES // 1000:
        raise InputError(f"--windows {args.windows}: expected a positive number of windows")
    if args.seed < 0:
        raise InputError(f"--seed {args.seed}: expected a non-negative integer")
    path = record_library(det, args.windows, args.seed, args.output, n_samples=args.samples,
                          overwrite=args.overwrite)
    print(f"wrote {args.windows} beam-off windows of detector '{det.name}' (seed {args.seed}) to {path}")
    return 0

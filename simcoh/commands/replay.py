"""``simcoh replay FILE --event N [--dump PATH.npz|PATH.h5]``: regenerate one event from the file's provenance, check
it bit for bit against the file and optionally write every intermediate quantity (simcoh.engine.replay)."""

from __future__ import annotations

import numpy as np

from ._arguments import add_event_arguments, add_overwrite_argument

NAME = "replay"
WRITES_FILES = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="regenerate one event of a file bit for bit, with its intermediate "
                                         "quantities (see docs/event-display.md)")
    add_event_arguments(p)
    p.add_argument("--dump", default=None, metavar="PATH",
                   help="write every quantity (stored columns and intermediates) to PATH.npz or PATH.h5")
    add_overwrite_argument(p, "--dump file")
    p.add_argument("--any-version", action="store_true",
                   help="replay a file written by another simcoh version (refused by default); the differing "
                        "columns are then reported")


def run(args) -> int:
    from ..engine.replay import ReplayMismatchError, mismatch_message, replay
    from ..engine.replay_dump import check_dump_path, write_dump

    if args.dump is not None:  # a bad --dump is reported before the event is made
        check_dump_path(args.dump, args.overwrite)
    replayed = replay(args.file, args.event, any_version=args.any_version, verify=False)
    print(describe(replayed))
    if args.dump is not None:
        print(f"wrote {len(replayed.quantities())} quantities to {write_dump(replayed, args.dump, args.overwrite)}")
    if not replayed.identical:
        raise ReplayMismatchError(mismatch_message(replayed), replayed.differences)
    print(f"identical: all {len(replayed.columns)} stored columns regenerated bit for bit")
    return 0


def describe(replayed) -> str:
    """The replayed event as text: one line per quantity (value, or length and range of an array)."""
    lines = [f"{replayed.path} event {replayed.index}: event_id {replayed.event_id}, seed {replayed.seed}, "
             f"fidelity {replayed.fidelity}, configuration {replayed.config.config_hash()[:16]}… "
             f"(replayed in {replayed.elapsed_s:.2f} s)"]
    lines.extend(f"note: {n}" for n in replayed.notes)
    for name, value in replayed.quantities().items():
        unit = replayed.units.get(name, "")
        tag = "" if name in replayed.columns else "  (intermediate, not stored)"
        lines.append(f"  {name:<24} {_value(value)}{' ' + unit if unit else ''}{tag}")
    return "\n".join(lines)


def _value(value) -> str:
    a = np.asarray(value)
    if a.ndim == 0:
        return str(a.item()) if a.dtype.kind in "bi" else f"{a.item():.10g}"
    if a.size == 0:
        return f"[{a.dtype}; 0 values]"
    return f"[{a.dtype}; {a.size} values, {a.min():.6g} .. {a.max():.6g}]"

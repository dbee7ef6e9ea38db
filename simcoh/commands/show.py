"""``simcoh show FILE --event N [--output event.png]``: draw one event of an event file (simcoh.display)."""

from __future__ import annotations

NAME = "show"
WRITES_FILES = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="draw one event: waveform, pulses, photoelectrons, truth and cuts "
                                         "(a PNG; see docs/event-display.md)")
    p.add_argument("file", help="event file written by simcoh run or simcoh merge")
    p.add_argument("--event", type=int, required=True, metavar="N", help="event index (row of the file, from 0)")
    p.add_argument("--output", default=None, metavar="PNG",
                   help="image file (default: <file stem>_event<N>.png in the current directory)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing image file")


def run(args) -> int:
    from ..display import default_png_name, event_view, save_event
    from ..display.draw import pyplot
    from ..engine.replay_dump import check_output_path

    output = args.output or default_png_name(args.file, args.event)
    pyplot()  # matplotlib missing: say so before reading anything
    check_output_path(output, args.overwrite, "event display")
    view = event_view(args.file, args.event)
    path = save_event(view, output, overwrite=args.overwrite)
    print(f"wrote {path} (event {view.index} of {view.path}, {view.fidelity} fidelity)")
    for text in view.missing:
        print(f"  not shown: {text}")
    for text in view.notes:
        print(f"  note: {text}")
    return 0

"""``simcoh show FILE --event N [--output event.png]``: draw one event of an event file (simcoh.display)."""

from __future__ import annotations

from ._arguments import add_event_arguments, add_output_arguments

NAME = "show"
WRITES_FILES = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="draw one event: waveform, pulses, photoelectrons, truth and cuts "
                                         "(a PNG; see docs/event-display.md)")
    add_event_arguments(p)
    add_output_arguments(p, what="image file", metavar="PNG",
                         default_text="<file stem>_event<N>.png in the current directory")


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

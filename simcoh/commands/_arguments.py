"""Argument groups that several subcommands share, so that each is written (and worded) once."""

from __future__ import annotations


def add_event_arguments(parser) -> None:
    """``FILE --event N``: one event of an event file (show, replay)."""
    parser.add_argument("file", help="event file written by simcoh run or simcoh merge")
    parser.add_argument("--event", type=int, required=True, metavar="N", help="event index (row of the file, from 0)")


def add_output_arguments(parser, *, what: str, metavar: str = "PATH", required: bool = False,
                         default_text: str | None = None) -> None:
    """``--output PATH`` (the ``what`` to write; ``default_text`` says what it is when not given) and
    ``--overwrite`` (a finished file is never replaced without it)."""
    text = f"{what} to write" if default_text is None else f"{what} (default: {default_text})"
    parser.add_argument("--output", required=required, default=None, metavar=metavar, help=text)
    add_overwrite_argument(parser, what)


def add_overwrite_argument(parser, what: str) -> None:
    """``--overwrite``: replace an existing ``what``."""
    parser.add_argument("--overwrite", action="store_true", help=f"replace an existing {what}")

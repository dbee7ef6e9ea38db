"""``simcoh export FILE --to root|parquet``: write an event file's columns to a ROOT or Parquet file."""

from __future__ import annotations

from ..errors import InputError
from ._arguments import add_output_arguments

#: The formats of simcoh.io.export.SUFFIXES, named here so that building the parser (every `simcoh` command) does
#: not import the io package (h5py, awkward: ~0.3 s); tests/test_export.py checks the two agree.
FORMATS = ("parquet", "root")

NAME = "export"
WRITES_FILES = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="export an event file to ROOT (a TTree 'events') or Parquet",
                              description="Write the events of a simcoh event file to a ROOT file (TTree 'events', "
                              "with uproot; pip install 'simcoh[root]') or a Parquet file (with pyarrow; pip install "
                              "'simcoh[parquet]'), chunk by chunk, with units, descriptions and provenance. See "
                              "docs/analysis.md.")
    p.add_argument("file", help="simcoh event file (.h5)")
    p.add_argument("--to", required=True, choices=FORMATS, help="output format")
    p.add_argument("--columns", default=None, metavar="A,B,...", help="comma-separated columns to export "
                   "(default: all; `simcoh info FILE` lists them)")
    add_output_arguments(p, what="output file", default_text="FILE with .root or .parquet")
    p.add_argument("--step", type=int, default=None, metavar="N",
                   help="events per chunk (default: about 64 MiB of uncompressed data)")


def parse_columns(text: str | None) -> list[str] | None:
    """``"a, b"`` -> ``["a", "b"]``; None for all columns."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise InputError(f"--columns {text!r}: an empty column name; give names separated by commas, such as "
                         "--columns t_ns,e_ee_kev,pe_t_ns")
    return names


def _open(path: str):
    from ..io.format import EventFileError, IncompleteFileError
    from ..io.reader import open_events

    try:
        return open_events(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give a simcoh event file (.h5) written by simcoh run or merge") from None
    except IncompleteFileError as err:
        raise InputError(f"{err}") from None
    except EventFileError as err:
        raise InputError(f"{err}; simcoh export reads simcoh event files (.h5) written by simcoh run or merge") from None


def run(args) -> int:
    columns = parse_columns(args.columns)
    if args.step is not None and args.step < 1:
        raise InputError(f"--step {args.step}: the number of events per chunk must be at least 1 (leave --step out "
                         "for chunks of about 64 MiB)")
    with _open(args.file) as events:
        if args.to == "root":
            out = events.to_root(args.output, columns=columns, overwrite=args.overwrite, step=args.step)
        else:
            out = events.to_parquet(args.output, columns=columns, overwrite=args.overwrite, step=args.step)
        n_columns = len(columns) if columns else len(events.fields)
        print(f"exported {events.n_events:,} events, {n_columns} column(s), from {events.path} to {out}")
    return 0


"""Subcommands of ``simcoh`` that live in their own module (one module per command).

Each module defines ``NAME`` (the subcommand), ``add_parser(subparsers)`` (its argparse parser) and
``run(args) -> int`` (the exit status); ``WRITES_FILES = True`` makes SIGTERM and SIGHUP stop it as
Ctrl-C does (see ``simcoh.engine.signals``). ``simcoh.cli.COMMAND_MODULES`` lists them; errors are raised as
``simcoh.errors`` exceptions and printed by ``simcoh.cli.main`` like those of the built-in commands.
"""

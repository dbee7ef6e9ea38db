"""``python -m validation [--fast] [--outdir DIR] [--case KEY ...]``: run the validation and write the report."""

import sys

from .command import validate_command

if __name__ == "__main__":
    sys.exit(validate_command(sys.argv[1:]))

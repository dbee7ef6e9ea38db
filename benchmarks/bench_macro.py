"""Macro parse + validate speed: a generated macro of N lines (default 1000), read and checked.

Usage: PYTHONPATH=. python benchmarks/bench_macro.py [N] [--repeat R] [--real-geometry]

The macro mixes comments, blank lines, aliases, an include run by /control/loop, and every kind of
parameter (quantities with units, choices, booleans, key-value pairs, detector overrides). By default
the geometry loader is a stub, so the time is that of the macro language alone; ``--real-geometry``
uses simcoh.detector.load_geometry (csi-2021). Prints the best and median time per parse.
Goal: well under 1 s for 1000 lines.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from simcoh.macro import load_macro

BODY = [
    "# scan step",
    "/control/alias dist \"{d} m\"",
    "/source/pulse/mean 690 ns   # trailing comment",
    "/source/pulse/sigma 0.14 us",
    "/physics/formFactor helm",
    "/physics/nsi u_ee 0.05",
    "/physics/helmSkin 0.9 fm",
    "/run/recoilMin 0.5 keV",
    "/source/flightTime true",
    "/detector/set target.distance {dist}",
    "",
]


def stub_loader(name, overrides=(), search_dirs=()):
    return {"name": name, "overrides": [(o.key, o.value) for o in overrides]}


def write_macro(directory: Path, n_lines: int) -> Path:
    """A macro of about ``n_lines`` lines, plus a small include looped over a few times."""
    (directory / "step.mac").write_text("/physics/sin2ThetaW 0.2{i}\n/source/nuPerPOT 0.08{i}\n")
    lines = ["/control/alias d 19.3", "/detector/load csi-2021", "/random/setSeed 12345"]
    while len(lines) < n_lines - 4:
        lines.extend(BODY)
    lines = lines[:n_lines - 4]
    lines += ["/control/loop step.mac i 1 9", "/run/exposure 13.99 GWh", "/source/protonEnergy 1 GeV",
              "/run/beamOn 100000"]
    path = directory / "bench.mac"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000, help="lines in the macro")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--real-geometry", action="store_true", help="use simcoh.detector.load_geometry")
    args = parser.parse_args()
    loader = None if args.real_geometry else stub_loader
    with tempfile.TemporaryDirectory() as tmp:
        path = write_macro(Path(tmp), args.n)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = load_macro(path, geometry_loader=loader)
            times.append(time.perf_counter() - start)
    n_lines = sum(len(text.splitlines()) for text in result.macro_texts.values())
    print(f"{n_lines} lines read, {len(result.expanded)} commands after expansion "
          f"({'real geometry loader' if args.real_geometry else 'stub geometry loader'})")
    print(f"parse + validate: best {min(times) * 1e3:.1f} ms, median {statistics.median(times) * 1e3:.1f} ms "
          f"over {args.repeat} runs")


if __name__ == "__main__":
    main()

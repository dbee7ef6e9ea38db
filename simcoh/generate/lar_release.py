"""The released CENNS-10 LAr Analysis A background PDFs as generator inputs (brn template, ss released spectrum).

Source: COHERENT, PRL 126, 012002 (2021), arXiv:2003.10630; data release arXiv:2006.12659, Zenodo
10.5281/zenodo.3903810 (files copied unchanged to simcoh/data/coherent_lar_2020/, md5 equal to the Zenodo
record's; PROVENANCE.md). Each file has one row per 3-D bin: keVee bin centre (10-keVee bins, 0–120 keVee), F90
bin centre (0.05 bins, 0.5–0.9), t_trig bin centre in µs (0.5-µs bins, −0.1 to 4.9 µs), expected counts in that
bin for the 6.12-GWh exposure, after every selection (the release's predicted components before the fit):

- ``brnpdf.txt``: prompt beam-related neutrons, 497 events (Table I: 497 ± 160); all in −0.1 ≤ t < 1.4 µs;
- ``delbrnpdf.txt``: delayed beam-related neutrons, 33 events (33 ± 33); all in the single bin 1.4–1.9 µs, with
  the energy–F90 shape of the prompt component;
- ``bkgpdf.txt``: steady state, 3152 events (3152 ± 25, from beam-off data); exactly flat in time.

simcoh draws the energy (keVee) and the time from the one-dimensional projections, independently. That is exact
for these files: in each, the time distribution factorises from (energy, F90) (largest deviation of a bin from
the product of its projections: 2e-5 events, rounding). F90 is not drawn: template events carry no F90 value;
the F90 0.5–0.9 cut is part of their counts.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np


FOLDER = "coherent_lar_2020"
GWH_LAR_2020 = 6.12  # exposure of the released counts: 1.38e23 POT = 6.12 GWh (arXiv:2003.10630; release yaml)
FILES = {"prompt": "brnpdf.txt", "delayed": "delbrnpdf.txt", "ss": "bkgpdf.txt"}
#: predicted counts and their uncertainties (arXiv:2003.10630, Table I)
PREDICTED = {"prompt": (497.0, 160.0), "delayed": (33.0, 33.0), "ss": (3152.0, 25.0)}


def _relative_uncertainty(components: tuple[str, ...]) -> float:
    """Relative normalisation uncertainty of the sum of ``components`` (independent, in quadrature)."""
    value = sum(PREDICTED[c][0] for c in components)
    return math.hypot(*(PREDICTED[c][1] for c in components)) / value


@dataclass(frozen=True)
class Cube:
    """A released 3-D PDF: bin edges of keVee, F90 and time (µs), and counts[i_kevee, i_f90, i_t]."""

    kevee_edges: np.ndarray
    f90_edges: np.ndarray
    t_edges_us: np.ndarray
    counts: np.ndarray

    def projection(self, axis: str) -> np.ndarray:
        """Counts summed over the other two axes ("kevee", "f90" or "t")."""
        keep = {"kevee": 0, "f90": 1, "t": 2}[axis]
        return self.counts.sum(axis=tuple(i for i in range(3) if i != keep))


def _edges(centres: np.ndarray) -> np.ndarray:
    width = float(np.median(np.diff(centres)))
    return np.concatenate([centres - 0.5 * width, [centres[-1] + 0.5 * width]])


def parse_cube(text: str) -> Cube:
    """A cube from the release's rows (keVee, F90, t_us, counts); rows may come in any order."""
    rows = np.array([line.split() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")],
                    float)
    axes = [np.unique(rows[:, i]) for i in range(3)]
    counts = np.zeros(tuple(len(a) for a in axes))
    index = tuple(np.searchsorted(a, rows[:, i]) for i, a in enumerate(axes))
    np.add.at(counts, index, rows[:, 3])
    return Cube(*(_edges(a) for a in axes), counts)


@functools.cache
def cube(component: str) -> Cube:
    """The released cube of ``component`` (prompt, delayed, ss)."""
    return parse_cube(resources.files("simcoh.data").joinpath(FOLDER).joinpath(FILES[component]).read_text())


def brn_projections(components: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """(keVee edges, keVee counts, time edges in ns, time counts, relative normalisation uncertainty) of the sum
    of the brn ``components`` (prompt and/or delayed); the counts are events per bin for 6.12 GWh.

    The sum keeps the factorisation because prompt and delayed share one energy–F90 shape (to 1e-4)."""
    cubes = [cube(c) for c in components]
    total = sum(c.counts for c in cubes)
    return (cubes[0].kevee_edges, total.sum(axis=(1, 2)), cubes[0].t_edges_us * 1e3, total.sum(axis=(0, 1)),
            _relative_uncertainty(components))


def ss_spectrum() -> tuple[np.ndarray, np.ndarray, float]:
    """(keVee edges, counts, total events for 6.12 GWh) of the released steady-state energy projection."""
    c = cube("ss")
    return c.kevee_edges, c.projection("kevee"), float(c.counts.sum())

"""Templates from simcoh runs: run the generator (parametric fidelity, fixed N, weighted events) and
histogram each process in (reconstructed energy, time), with the event weights times the efficiencies the
events carry (``eff_energy``, ``eff_time``; 1 where a detector has none).

A template is the expected number of events per bin for the run's exposure; its statistical uncertainty is
the square root of the sum of squared weights per bin (``hist`` Weight storage).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

COLUMNS = ("process", "weight", "t_ns", "eff_energy", "eff_time")


@dataclass(frozen=True)
class Binning:
    """Analysis bins: ``x_column`` (``pe`` or ``e_rec_kevee``) with ``x_edges``, time ``t_edges_ns``."""

    x_column: str
    x_edges: np.ndarray
    t_edges_ns: np.ndarray
    x_label: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.x_edges) - 1, len(self.t_edges_ns) - 1

    @property
    def n_bins(self) -> int:
        return int(np.prod(self.shape))

    def histogram(self, x, t_ns, weights=None) -> tuple[np.ndarray, np.ndarray]:
        """(sum of weights, sum of squared weights) per bin, flattened x-major; entries outside are dropped."""
        import hist

        h = hist.Hist(hist.axis.Variable(self.x_edges, flow=False), hist.axis.Variable(self.t_edges_ns, flow=False),
                      storage=hist.storage.Weight())
        x, t = np.asarray(x, float), np.asarray(t_ns, float)
        w = np.ones_like(x) if weights is None else np.asarray(weights, float)
        ok = np.isfinite(x) & np.isfinite(t) & np.isfinite(w)
        h.fill(x[ok], t[ok], weight=w[ok])
        return h.values().ravel().copy(), h.variances().ravel().copy()


#: The CsI 2021 analysis region, PE < 60 and 0 <= t_rec < 6 µs (arXiv:2110.07730), in 4-PE x 0.5-µs bins.
CSI_2021_BINNING = Binning("pe", np.arange(0.0, 60.1, 4.0), np.arange(0.0, 6001.0, 500.0), "reconstructed PE")


@dataclass(frozen=True)
class Template:
    """Expected events per bin (``values``) and their simulation variance, for one process of one run."""

    process: str
    values: np.ndarray
    variances: np.ndarray
    n_simulated: int
    expected_total: float  # expected events of the process before cuts and efficiencies

    @property
    def total(self) -> float:
        return float(self.values.sum())

    @property
    def relative_stat_error(self) -> float:
        """Relative statistical error of the template's total from the simulated sample."""
        return float(np.sqrt(self.variances.sum()) / self.total) if self.total > 0 else np.inf


def simulate_templates(detector: str, processes, binning: Binning, *, n_events: int, seed: int,
                       overrides: dict | None = None, exposure: str | None = None,
                       only: bool = True) -> dict[str, Template]:
    """Run ``detector`` at parametric fidelity with ``n_events`` weighted events of ``processes`` and return a
    template per process. ``only``: disable the processes that are on by default (cevns) unless listed."""
    return simulate_binnings(detector, processes, (binning,), n_events=n_events, seed=seed, overrides=overrides,
                             exposure=exposure, only=only)[0]


def simulate_binnings(detector: str, processes, binnings, *, n_events: int, seed: int,
                      overrides: dict | None = None, exposure: str | None = None,
                      only: bool = True) -> list[dict[str, Template]]:
    """As :func:`simulate_templates`, one run histogrammed in each of ``binnings``."""
    from ..api import simulate
    from ..generate.registry import PROCESS_CODES

    processes = list(processes)
    overrides = dict(overrides or {})
    if only and "cevns" not in processes:
        overrides.setdefault("process/disable", "cevns")
    sim = simulate(detector, processes, exposure=exposure, fidelity="parametric", n_events=n_events, seed=seed,
                   overrides=overrides)
    columns = {b.x_column for b in binnings}
    missing = [c for c in columns if c not in sim.events.fields]
    if missing:
        raise InputError(f"{detector}: the events have no column {', '.join(missing)} to bin in; available: "
                         f"{', '.join(sim.events.fields)}")
    ev = sim.numpy(list(COLUMNS) + sorted(columns))
    w = ev["weight"] * ev["eff_energy"] * ev["eff_time"]
    out = []
    for binning in binnings:
        per = {}
        for name in processes:
            sel = ev["process"] == PROCESS_CODES[name]
            values, variances = binning.histogram(ev[binning.x_column][sel], ev["t_ns"][sel], w[sel])
            per[name] = Template(name, values, variances, int(sel.sum()), float(sim.expected.get(name, 0.0)))
        out.append(per)
    return out


def simulate_each(detector: str, processes, binning: Binning, *, n_events: int, seed: int,
                  overrides: dict | None = None, exposure: str | None = None) -> dict[str, Template]:
    """One run of ``n_events`` per process (seeds ``seed``, ``seed`` + 1, ...), so that small backgrounds get as
    many simulated events as the large ones."""
    out = {}
    for k, name in enumerate(processes):
        out.update(simulate_templates(detector, [name], binning, n_events=n_events, seed=seed + k,
                                      overrides=overrides, exposure=exposure))
    return out

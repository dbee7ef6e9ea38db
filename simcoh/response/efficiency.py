"""Detection efficiencies and their application (per-event weights or seeded accept/reject).

Energy efficiency (PHYSICS.md §3): eff(x) = a/(1 + exp(−b(x − c))) + d clipped to [0, 1]
(``logistic``; CsI[Na] 2021 nominal a, b, c, d = 1.32045, 0.285979, 10.8646, −0.333322 in PE,
arXiv:2110.07730 ``effCoefficients.txt``), times H(x − step) for ``logistic_step`` (CsI[Na] 2017:
a = 0.6655, b = 0.4942, c = 10.8507 PE, d = 0, step = 5 PE, arXiv:1804.09459 release; the release
evaluates it at 1-PE bin centres), or a linear interpolation of a table (CENNS-10 LAr
``CENNS10AnlAEfficiency.txt``, arXiv:2006.12659). A table is 0 below its first point (its first entry is the
threshold region, 0 at 0.25 keVee for CENNS-10) and holds its last value beyond its last point: the CENNS-10 table
ends at 39.75 keVee on a plateau (0.957–0.963 over its last four points, 38.25–39.75 keVee), and nothing in the
release suggests the acceptance falls above it, so the last value is the extrapolation the source supports
(before, simcoh set it to 0 there, losing the CEvNS recoils between 39.75 keVee and the ~55 keVee end point).
The variable x is the reconstructed PE, keVee or keVnr (``variable``).

Time efficiency: 1 for t < t0, exp(−rate (t − t0)) after (CsI[Na] 2021: t0 = 0.52 µs,
rate = 0.0494/µs), t the reconstructed time after the beam spill (ns).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..errors import InputError
from ..rng import draw_uniform, stream_start

EFFICIENCY_MODES = ("weight", "reject")


def energy_section(det):
    """The detector's [efficiency.energy] section; None if absent or ``model = "none"`` (efficiency 1)."""
    s = det.efficiency.energy if det.efficiency is not None else None
    return None if s is None or s.model == "none" else s


def time_section(det):
    """The detector's [efficiency.time] section; None if absent or ``model = "none"`` (efficiency 1)."""
    s = det.efficiency.time if det.efficiency is not None else None
    return None if s is None or s.model == "none" else s


def efficiency_table(params) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(x, efficiency) columns of a ``model = "table"`` [efficiency.energy] section (its ``columns``)."""
    ix, ie = params.columns or (0, 1)
    return params.table_data[ix], params.table_data[ie]


def energy_efficiency(x, params) -> np.ndarray:
    """Efficiency at ``x`` (in the unit named by params.variable) for an [efficiency.energy] section."""
    x = np.asarray(x, dtype=float)
    if params.model == "none":
        return np.ones_like(x)
    if params.model == "table":
        table_x, table_eff = efficiency_table(params)
        # 0 below the table, the last tabulated value (the plateau) above it
        return np.interp(x, table_x, table_eff, left=0.0, right=table_eff[-1])
    with np.errstate(over="ignore"):
        eff = params.a / (1.0 + np.exp(-params.b * (x - params.c))) + params.d
    if params.model == "logistic_step":
        eff = np.where(x >= params.step, eff, 0.0)
    return np.clip(eff, 0.0, 1.0)


def efficiency_variable(params, *, pe=None, e_ee_kev=None, t_nr_kev=None) -> np.ndarray:
    """Pick the per-event quantity the efficiency is a function of (pe | kevee | kevnr)."""
    value = {"pe": pe, "kevee": e_ee_kev, "kevnr": t_nr_kev}[params.variable]
    if value is None:
        raise InputError(
            f"efficiency.energy.variable = {params.variable} needs the "
            f"{ {'pe': 'pe', 'kevee': 'e_ee_kev', 'kevnr': 't_nr_kev'}[params.variable]} values"
        )
    return np.asarray(value, dtype=float)


def time_efficiency(t_ns, params) -> np.ndarray:
    """Efficiency at reconstructed time ``t_ns`` (ns) for an [efficiency.time] section."""
    t = np.asarray(t_ns, dtype=float)
    if params.model == "none":
        return np.ones_like(t)
    return np.where(t < params.t0_ns, 1.0, np.exp(-params.rate_per_ns * (t - params.t0_ns)))


@nb.njit(parallel=True, cache=True)
def _accept_kernel(eff, event_index, key, out):
    for i in nb.prange(eff.size):
        s = stream_start(key, event_index[i])
        s, u = draw_uniform(s)
        out[i] = u < eff[i]


def accept(eff, key, event_index) -> np.ndarray:
    """Seeded accept/reject: event i passes if u_i < eff_i, u_i the first uniform of its own stream
    (stage ``key``, global ``event_index``), so the decision is independent of chunking."""
    eff = np.ascontiguousarray(eff, dtype=np.float64)
    idx = np.ascontiguousarray(event_index, dtype=np.int64)
    out = np.empty(eff.size, np.bool_)
    _accept_kernel(eff, idx, np.uint64(key), out)
    return out


def apply_efficiency(eff, mode: str, key=None, event_index=None) -> tuple[np.ndarray, np.ndarray]:
    """(weight, accepted) per event. ``weight``: weight = eff, all accepted. ``reject``: accepted by
    :func:`accept`, weight 1 for accepted events and 0 otherwise."""
    eff = np.asarray(eff, dtype=float)
    if mode == "weight":
        return eff.copy(), np.ones(eff.shape, bool)
    if mode == "reject":
        if key is None or event_index is None:
            raise InputError("efficiency mode 'reject' needs a stage key and the event indices")
        ok = accept(eff, key, event_index)
        return ok.astype(float), ok
    raise InputError(f"efficiency mode '{mode}' is not allowed; choose one of {', '.join(EFFICIENCY_MODES)}")

"""Photon-level response: photoelectrons (PE) per event with times and SPE charges.

Layout (awkward ListOffsetArray): flat per-PE arrays ``t_ns`` (float32, ns from the window start;
float32 resolves 4 ps at 55 µs), ``charge`` (float32, in the units of spe.mean) and ``label`` (int8,
0 = signal, 1 = afterglow), with ``offsets`` (int64, n_events + 1): PE of event i are
``offsets[i]:offsets[i+1]``. Per-event totals: ``n_pe_signal``, ``n_pe_afterglow``, ``charge_pe``
(summed signal charge / spe.mean).

Kernels run in two passes over events so that outputs are preallocated: pass 1 draws the PE count of
each event from its own counter-based stream (simcoh.rng, keyed by the global event index) and keeps
the stream state; a prefix sum gives the offsets; pass 2 resumes each event's stream from that state
and fills its PE. The result is therefore identical for any chunking and any number of threads.

Per PE (pass 2): one uniform picks the scintillation component j with probability fractions[j]
(nr_fractions for nuclear recoils) and, rescaled to (0, 1) inside the chosen interval, gives the
exponential delay −τ_j ln u'; a second uniform gives the SPE charge from the quantile table
(simcoh.response.spe).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from ..arrays import prefaulted
from ..rng import draw_binomial, draw_poisson, draw_uniform, stream_start
from .spe import SPETable, build_spe_table, draw_spe_charge

LABEL_SIGNAL = 0
LABEL_AFTERGLOW = 1


@dataclass(frozen=True)
class PEList:
    """Photoelectrons of a chunk of events (see module docstring for the layout)."""

    offsets: np.ndarray  # int64 (n_events + 1)
    t_ns: np.ndarray  # float32 per PE, from the window start
    charge: np.ndarray  # float32 per PE, units of spe.mean
    label: np.ndarray  # int8 per PE: 0 signal, 1 afterglow
    event_index: np.ndarray  # int64 per event: global event index
    n_pe_signal: np.ndarray  # int32 per event
    n_pe_afterglow: np.ndarray  # int32 per event
    charge_pe: np.ndarray  # float64 per event: summed signal charge / spe.mean

    @property
    def n_events(self) -> int:
        return self.offsets.size - 1

    def pe_event_index(self) -> np.ndarray:
        """Global event index of every PE (int64, one per PE)."""
        return np.repeat(self.event_index, np.diff(self.offsets))

    def to_awkward(self):
        """Records per event with jagged ``t_ns``, ``charge``, ``label`` (zero-copy views)."""
        import awkward as ak

        offsets = ak.index.Index64(self.offsets)

        def jagged(values):
            return ak.contents.ListOffsetArray(offsets, ak.contents.NumpyArray(values))

        return ak.Array(
            ak.contents.RecordArray(
                [
                    ak.contents.NumpyArray(self.event_index),
                    jagged(self.t_ns),
                    jagged(self.charge),
                    jagged(self.label),
                    ak.contents.NumpyArray(self.n_pe_signal),
                    ak.contents.NumpyArray(self.n_pe_afterglow),
                    ak.contents.NumpyArray(self.charge_pe),
                ],
                ["event", "t_ns", "charge", "label", "n_pe_signal", "n_pe_afterglow", "charge_pe"],
            )
        )


# --- pass 1: PE counts ---------------------------------------------------------------------------
@nb.njit(parallel=True, cache=True)
def count_signal_pe(e_ee_kev, event_index, key, binomial, mean_pe_per_kevee, photon_yield_per_kev,
                    collection_efficiency, n_pe_out, state_out):
    """Number of signal PE of each event; ``state_out`` keeps each event's stream for pass 2.
    poisson: N ~ Poisson(mean_pe_per_kevee · E_ee). binomial: n_γ = photon_yield · E_ee rounded
    stochastically (floor + Bernoulli of the fractional part), N ~ Binomial(n_γ, efficiency)."""
    for i in nb.prange(e_ee_kev.size):
        s = stream_start(key, event_index[i])
        e = e_ee_kev[i]
        n = 0
        if e > 0.0:
            if binomial:
                mean_photons = photon_yield_per_kev * e
                n_photons = int(mean_photons)
                s, u = draw_uniform(s)
                if u < mean_photons - n_photons:
                    n_photons += 1
                s, n = draw_binomial(s, n_photons, collection_efficiency)
            else:
                s, n = draw_poisson(s, mean_pe_per_kevee * e)
        n_pe_out[i] = n
        state_out[i] = s


# --- pass 2: PE times and charges ----------------------------------------------------------------
@nb.njit(parallel=True, cache=True)
def fill_signal_pe(n_pe, state, start, onset_ns, is_nr, tau_ns, cum, quantiles, tail_rate,
                   spe_mean, t_out, charge_out, label_out, charge_pe_out):
    """Write the ``n_pe[i]`` signal PE of event i at ``start[i]``: time onset_ns[i] + delay, SPE
    charge, label 0; ``charge_pe_out[i]`` = summed charge / spe_mean. ``cum``: cumulative component
    fractions, row 0 for electron recoils, row 1 for nuclear recoils (one 2-D array indexed by row:
    picking one of two arrays per event would update reference counts atomically and stall threads)."""
    last = tau_ns.size - 1
    for i in nb.prange(n_pe.size):
        s = state[i]
        row = 1 if is_nr[i] else 0
        j0 = start[i]
        t0 = onset_ns[i]
        total = 0.0
        for j in range(n_pe[i]):
            s, u = draw_uniform(s)
            c = 0
            while c < last and u >= cum[row, c]:
                c += 1
            lo = cum[row, c - 1] if c > 0 else 0.0
            v = (u - lo) / (cum[row, c] - lo)
            if v <= 0.0:
                v = 1e-300
            s, q = draw_spe_charge(s, quantiles, tail_rate)
            t_out[j0 + j] = t0 - tau_ns[c] * np.log(v)
            charge_out[j0 + j] = q
            label_out[j0 + j] = 0
            total += q
        charge_pe_out[i] = total / spe_mean


def mean_pe_per_kevee(light) -> float:
    """Mean number of PE per keVee of a [light] section: ``yield`` (poisson) or photon_yield ×
    collection_efficiency (binomial; the loader checks that the two agree within 0.1 %)."""
    if light.pe_model == "poisson":
        return float(light.yield_pe_per_kev)
    return float(light.photon_yield_per_kev * light.collection_efficiency)


def fraction_in_window(tau_ns, fractions, window_ns: float) -> float:
    """Fraction of a sum-of-exponentials light profile emitted within ``window_ns`` of its onset."""
    tau, frac = np.asarray(tau_ns, float), np.asarray(fractions, float)
    return float(np.sum(frac * -np.expm1(-window_ns / tau)))


def total_light_factor(light, scint, is_nr) -> np.ndarray:
    """Per event, total mean PE over the mean PE that ``light.yield`` describes: 1 when the yield counts all the
    light, else 1/F with F the fraction of the recoil type's [scintillation] profile within ``light.yield_window``
    (the published CsI[Na] yield is measured on the 3-us integral, arXiv:2110.07730)."""
    is_nr = np.asarray(is_nr, bool)
    window = getattr(light, "yield_window_ns", None)
    if window is None or scint is None:
        return np.ones(is_nr.shape)
    f_er = fraction_in_window(scint.tau_ns, scint.fractions, window)
    f_nr = fraction_in_window(scint.tau_ns, nr_fractions(scint), window)
    return np.where(is_nr, 1.0 / f_nr, 1.0 / f_er)


def nr_fractions(scint) -> tuple[float, ...]:
    """Component fractions for nuclear recoils of a [scintillation] section (``fractions`` if not given)."""
    return scint.nr_fractions if scint.nr_fractions else scint.fractions


def _cumulative(fractions) -> np.ndarray:
    cum = np.cumsum(np.asarray(fractions, dtype=float))
    cum[-1] = 1.0  # fractions sum to one within 1e-6 (validated); make the last edge exact
    return cum


def as_event_arrays(e_ee_kev, event_index, onset_ns, is_nr):
    e = np.ascontiguousarray(e_ee_kev, dtype=np.float64)
    n = e.size
    idx = np.arange(n, dtype=np.int64) if event_index is None else np.ascontiguousarray(event_index, dtype=np.int64)
    onset = np.zeros(n) if onset_ns is None else np.ascontiguousarray(np.broadcast_to(onset_ns, (n,)), dtype=np.float64)
    nr = np.zeros(n, np.bool_) if is_nr is None else np.ascontiguousarray(np.broadcast_to(is_nr, (n,)), dtype=np.bool_)
    if idx.shape != (n,):
        raise ValueError(f"event_index has shape {idx.shape}, expected ({n},)")
    return e, idx, onset, nr


def count_pe(e_ee_kev, event_index, key, light):
    """Pass 1 wrapper for a [light] section: (n_pe int32, stream states uint64)."""
    n_pe = np.empty(e_ee_kev.size, np.int32)
    state = np.empty(e_ee_kev.size, np.uint64)
    binomial = light.pe_model == "binomial"
    count_signal_pe(
        e_ee_kev, event_index, np.uint64(key), binomial, mean_pe_per_kevee(light),
        float(light.photon_yield_per_kev or 0.0), float(light.collection_efficiency or 0.0), n_pe, state,
    )
    return n_pe, state


def fill_pe(n_pe, state, start, onset_ns, is_nr, scint, table: SPETable, t_out, charge_out, label_out):
    """Pass 2 wrapper for a [scintillation] section; returns charge_pe per event."""
    charge_pe = np.empty(n_pe.size, np.float64)
    fill_signal_pe(
        n_pe, state, start, onset_ns, is_nr, np.asarray(scint.tau_ns, dtype=np.float64),
        np.stack([_cumulative(scint.fractions), _cumulative(nr_fractions(scint))]), table.quantiles, table.tail_rate,
        table.mean, t_out, charge_out, label_out, charge_pe,
    )
    return charge_pe


def allocate_pe(n_per_event):
    """(offsets, t_ns, charge, label) for events with ``n_per_event`` photoelectrons each (awkward layout)."""
    offsets = np.zeros(len(n_per_event) + 1, np.int64)
    np.cumsum(n_per_event, out=offsets[1:])
    total = int(offsets[-1])
    return offsets, prefaulted(total, np.float32), prefaulted(total, np.float32), prefaulted(total, np.int8)


def signal_pe(e_ee_kev, key, light, scint, spe, *, event_index=None, onset_ns=None, is_nr=None) -> PEList:
    """Signal photoelectrons of a chunk of events for the [light], [scintillation] and [spe] sections of a
    detector (``spe`` may also be a prebuilt :class:`SPETable`).

    e_ee_kev: electron-equivalent energy per event (keVee). key: stage key (simcoh.rng.stage_key,
    e.g. ``stage_key(seed, "response.photon")``). event_index: global event indices (default
    0..n-1); they select the random streams. onset_ns: time added to every PE of the event (the
    recoil time within the window; default 0, i.e. times relative to the recoil). is_nr: True for
    nuclear recoils (use scintillation.nr_fractions). With ``light.yield_window`` the mean PE within that
    window of the onset is yield · E_ee (total: see :func:`total_light_factor`).
    """
    e, idx, onset, nr = as_event_arrays(e_ee_kev, event_index, onset_ns, is_nr)
    table = spe if isinstance(spe, SPETable) else build_spe_table(spe)
    n_pe, state = count_pe(e * total_light_factor(light, scint, nr), idx, key, light)
    offsets, t, q, label = allocate_pe(n_pe)
    charge_pe = fill_pe(n_pe, state, offsets[:-1], onset, nr, scint, table, t, q, label)
    return PEList(offsets, t, q, label, idx, n_pe, np.zeros(e.size, np.int32), charge_pe)


# --- pulse-shape discrimination ------------------------------------------------------------------
@nb.njit(parallel=True, cache=True)
def _f90_kernel(offsets, t_ns, label, onset_ns, prompt_ns, integration_ns, out):
    for i in nb.prange(offsets.size - 1):
        prompt = 0
        total = 0
        for j in range(offsets[i], offsets[i + 1]):
            if label[j] != 0:
                continue
            dt = t_ns[j] - onset_ns[i]
            if dt < integration_ns:
                total += 1
                if dt < prompt_ns:
                    prompt += 1
        out[i] = prompt / total if total > 0 else np.nan


def f90(pe: PEList, onset_ns=0.0, prompt_ns: float = 90.0, integration_ns: float = np.inf) -> np.ndarray:
    """Fraction of an event's signal PE arriving within ``prompt_ns`` of the recoil onset, among
    those within ``integration_ns`` (LAr pulse-shape discrimination, CENNS-10 arXiv:2003.10630).
    NaN for events without signal PE. ``onset_ns``: the onset used when the PE were made."""
    onset = np.ascontiguousarray(np.broadcast_to(onset_ns, (pe.n_events,)), dtype=np.float64)
    out = np.empty(pe.n_events, np.float64)
    _f90_kernel(pe.offsets, pe.t_ns, pe.label, onset, float(prompt_ns), float(integration_ns), out)
    return out

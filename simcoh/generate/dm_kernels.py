"""numba kernels of the dark-matter process: the set-up Monte Carlo of χ kinematics (meson → γA′ → γχχ*)
and the per-event truth sampler. Every decay / event ``i`` draws from its own stream ``stream_start(key, i)``.
"""

from __future__ import annotations

import math

import numba as nb

from ..physics.darkmatter import chi_bracket, chi_t_max_mev
from ..physics.formfactors import form_factor
from ..constants import HBARC_MEV_FM
from ..rng import draw_uniform, stream_start
from .kernels import pick_channel, sample_pulse_ns, table_lookup


@nb.njit(inline="always", cache=True)
def _isotropic(state, e, p):
    """A four-momentum (e, px, py, pz) of momentum p in a uniformly random direction."""
    state, u1 = draw_uniform(state)
    state, u2 = draw_uniform(state)
    c = 2.0 * u1 - 1.0
    s = math.sqrt(max(0.0, 1.0 - c * c))
    phi = 2.0 * math.pi * u2
    return state, e, p * s * math.cos(phi), p * s * math.sin(phi), p * c


@nb.njit(inline="always", cache=True)
def _boost(e, px, py, pz, bx, by, bz):
    """Lorentz boost of (e, p) into the frame where the rest frame moves with velocity b (|b| < 1)."""
    b2 = bx * bx + by * by + bz * bz
    if b2 <= 0.0:
        return e, px, py, pz
    gamma = 1.0 / math.sqrt(1.0 - b2)
    bp = bx * px + by * py + bz * pz
    k = (gamma - 1.0) * bp / b2 + gamma * e
    return gamma * (e + bp), px + k * bx, py + k * by, pz + k * bz


@nb.njit(inline="always", cache=True)
def _cos_beam(px, py, pz):
    p = math.sqrt(px * px + py * py + pz * pz)
    return pz / p if p > 0.0 else 0.0


@nb.njit(nogil=True, cache=True)
def chi_kinematics_mc(key, n_decays, mesons, m_meson, m_aprime, m_chi, cos_lo, cos_hi, out_e):
    """Simulate ``n_decays`` chains M → γA′, A′ → χχ* and keep the χ (both of each pair) whose direction
    has cos θ (to the proton beam, +z) in [cos_lo, cos_hi]. ``mesons`` rows are (E, px, py, pz) in MeV with z
    along the beam; each decay picks one row uniformly. Writes the kept χ total energies into ``out_e``
    (length ≥ 2 n_decays) and returns how many were kept."""
    e_ap_star = (m_meson * m_meson + m_aprime * m_aprime) / (2.0 * m_meson)
    p_ap_star = (m_meson * m_meson - m_aprime * m_aprime) / (2.0 * m_meson)
    e_chi_star = 0.5 * m_aprime
    p_chi_star = math.sqrt(max(0.0, e_chi_star * e_chi_star - m_chi * m_chi))
    n_mesons = mesons.shape[0]
    kept = 0
    for i in range(n_decays):
        s = stream_start(key, i)
        s, u = draw_uniform(s)
        j = min(int(u * n_mesons), n_mesons - 1)
        e_meson = mesons[j, 0]
        bx, by, bz = mesons[j, 1] / e_meson, mesons[j, 2] / e_meson, mesons[j, 3] / e_meson
        s, ea, ax, ay, az = _isotropic(s, e_ap_star, p_ap_star)
        ea, ax, ay, az = _boost(ea, ax, ay, az, bx, by, bz)
        s, ec, cx, cy, cz = _isotropic(s, e_chi_star, p_chi_star)
        ec, cx, cy, cz = _boost(ec, cx, cy, cz, ax / ea, ay / ea, az / ea)
        c1 = _cos_beam(cx, cy, cz)
        if cos_lo <= c1 <= cos_hi:
            out_e[kept] = ec
            kept += 1
        c2 = _cos_beam(ax - cx, ay - cy, az - cz)
        if cos_lo <= c2 <= cos_hi:
            out_e[kept] = ea - ec
            kept += 1
    return kept


#: The j₁ bound below is used for x = qR ≥ X_TAIL (at x = π it exceeds |3j₁(x)/x| = 3/π² by 1/π).
X_TAIL = math.pi


@nb.njit(cache=True)
def sample_chi_recoil_mev(state, e_chi, p, t_min):
    """T from dσ/dT of χ–nucleus scattering on [t_min, T_max(E)] by rejection (exact).

    dσ/dT ∝ B(T) F²(q) / (2MT + m_A′²)² with the bracket B(T) decreasing on [0, T_max] and |F| ≤ 1.
    Envelope, in two pieces split at T_s where x = qR reaches X_TAIL:
    - T < T_s: B(t_min)/(a + bT)², a = m_A′², b = 2M, sampled by inversion;
    - T ≥ T_s (Helm and Klein–Nystrand only): |j₁(x)| ≤ 1/x + 1/x² gives F² ≤ 9(1 + 1/X_TAIL)²/x⁴ and
      x² ≥ 2MT R²/(ħc)², so F² ≤ K/T² with K = 9(1 + 1/X_TAIL)² (ħc)⁴/(4M²R⁴); with (a + bT) ≥ (a + bT_s)
      the envelope B(t_min) K / ((a + bT_s)² T²) is sampled by inversion of 1/T².
    A proposal is accepted with probability dσ/dT / envelope.
    """
    mass, m_chi, m_ap = p[0], p[2], p[3]
    t_hi = chi_t_max_mev(e_chi, m_chi, mass)
    if t_hi <= t_min:
        return state, t_hi
    a = m_ap * m_ap
    b = 2.0 * mass
    spin = int(p[8])
    b0 = chi_bracket(e_chi, t_min, mass, m_chi, spin)
    ff_code = int(p[5])
    radius = p[6]
    t_s = t_hi
    k_tail = 0.0
    if ff_code != 0:
        t_s = -mass + math.sqrt(mass * mass + (X_TAIL * HBARC_MEV_FM / radius) ** 2)
        t_s = min(max(t_s, t_min), t_hi)
        hc2 = HBARC_MEV_FM * HBARC_MEV_FM
        k_tail = 9.0 * (1.0 + 1.0 / X_TAIL) ** 2 * hc2 * hc2 / (4.0 * mass * mass * radius ** 4)
    g0 = 1.0 / (a + b * t_min)
    g1 = 1.0 / (a + b * t_s)
    w_head = (g0 - g1) / b
    c_tail = k_tail * g1 * g1  # envelope/B(t_min) in the tail is c_tail / T²
    w_tail = c_tail * (1.0 / t_s - 1.0 / t_hi) if (t_s < t_hi and t_s > 0.0) else 0.0
    w_total = w_head + w_tail
    while True:
        state, u1 = draw_uniform(state)
        state, u2 = draw_uniform(state)
        if u1 * w_total < w_head:
            t = (1.0 / (g0 - u2 * (g0 - g1)) - a) / b
            t = min(max(t, t_min), t_s)
            envelope = 1.0 / ((a + b * t) * (a + b * t))
        else:
            t = 1.0 / (1.0 / t_s - u2 * (1.0 / t_s - 1.0 / t_hi))
            t = min(max(t, t_s), t_hi)
            envelope = c_tail / (t * t)
        q_fm = math.sqrt(2.0 * mass * t + t * t) / HBARC_MEV_FM
        ff = form_factor(ff_code, q_fm, radius, p[7])
        target = chi_bracket(e_chi, t, mass, m_chi, spin) / b0 * ff * ff / ((a + b * t) * (a + b * t))
        state, u3 = draw_uniform(state)
        if u3 * envelope <= target:
            return state, t


@nb.njit(parallel=False, nogil=True, cache=True)
def sample_dm(key, event_ids, chan_cum, params, energy_tables, isotope_index, production_code,
              pulse_kind, pulse_mean, pulse_sigma, pulse_table, flight_ns, add_flight, t_min_mev,
              out_isotope, out_e, out_t, out_t_nr, out_production):
    """Fill the truth arrays of dark-matter events ``event_ids`` (global indices).

    Arrival time: proton-pulse time + the χ delay behind a neutrino, (L/c)(1/β − 1), + L/c if the run adds
    neutrino flight times (the source time frame of simcoh.source.timing)."""
    for j in range(event_ids.shape[0]):
        s = stream_start(key, event_ids[j])
        s, u = draw_uniform(s)
        k = pick_channel(chan_cum, u)
        s, u = draw_uniform(s)
        e = table_lookup(energy_tables[k], u)
        s, t_nr = sample_chi_recoil_mev(s, e, params[k], t_min_mev)
        s, t_p = sample_pulse_ns(s, pulse_kind, pulse_mean, pulse_sigma, pulse_table)
        m_chi = params[k, 2]
        beta = math.sqrt(max(e * e - m_chi * m_chi, 0.0)) / e
        delay = flight_ns * (1.0 / beta - 1.0) if beta > 0.0 else math.inf
        if add_flight:
            delay += flight_ns
        out_isotope[j] = isotope_index[k]
        out_e[j] = e
        out_t[j] = t_p + delay
        out_t_nr[j] = t_nr * 1e3
        out_production[j] = production_code[k]

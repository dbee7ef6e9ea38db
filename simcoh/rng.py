"""Counter-based random streams, one per (run seed, stage, event index).

Every stage of the simulation draws its random numbers for event ``i`` from a stream that depends
only on the run seed, the stage name and the global event index ``i``. The events are therefore the
same whatever the chunk size, the number of threads or workers, or the shard that produced them, and
any single event can be replayed.

The generator is SplitMix64 (G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014): a 64-bit Weyl sequence passed through a strong bijective mixer. The start
of each event stream is the mixer applied to (stage key XOR mixed event index), which decorrelates
neighbouring events. Stage keys come from :class:`numpy.random.SeedSequence` (run seed, stage id).

All ``draw_*`` functions are numba-compiled, take the current 64-bit state and return
``(new_state, value)``, so they inline into kernels without allocating.
"""

from __future__ import annotations

import math
import zlib

import numba as nb
import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0


def stage_key(seed: int, stage: str) -> np.uint64:
    """64-bit key of ``stage`` (a name such as ``'truth.cevns'``) for run ``seed``."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    stage_id = zlib.crc32(stage.encode("utf-8"))
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(stage_id,))
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


@nb.njit(inline="always", cache=True)
def mix64(z):
    """SplitMix64 finaliser: a bijective avalanche mix of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", cache=True)
def stream_start(key, index):
    """Initial state of the stream of event ``index`` (int64) under stage ``key`` (uint64)."""
    return mix64(key ^ mix64(np.uint64(index) * _GAMMA + _GAMMA))


@nb.njit(inline="always", cache=True)
def draw_u64(state):
    state = state + _GAMMA
    return state, mix64(state)


@nb.njit(inline="always", cache=True)
def draw_uniform(state):
    """Uniform in the open interval (0, 1)."""
    state, x = draw_u64(state)
    return state, (float(x >> _S11) + 0.5) * _TWO_M53


@nb.njit(inline="always", cache=True)
def draw_exponential(state, mean):
    state, u = draw_uniform(state)
    return state, -mean * math.log(u)


@nb.njit(inline="always", cache=True)
def draw_normal(state):
    """Standard normal by the Box–Muller transform (one value per two uniforms)."""
    state, u1 = draw_uniform(state)
    state, u2 = draw_uniform(state)
    return state, math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@nb.njit(cache=True)
def draw_gamma(state, shape, scale):
    """Gamma(shape, scale) by Marsaglia & Tsang, ACM TOMS 26, 363 (2000); shape < 1 via the
    u^(1/shape) boost given in the same paper."""
    if shape <= 0.0:
        return state, 0.0
    boost = 1.0
    if shape < 1.0:
        state, u = draw_uniform(state)
        boost = u ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        state, x = draw_normal(state)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        state, u = draw_uniform(state)
        if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
            return state, d * v * scale * boost


@nb.njit(cache=True)
def draw_poisson(state, lam):
    """Poisson(lam): inversion for lam < 10, else the PTRS transformed rejection of
    W. Hörmann, Insurance: Math. Econ. 12, 39 (1993)."""
    if lam <= 0.0:
        return state, 0
    if lam < 10.0:
        state, u = draw_uniform(state)
        k = 0
        p = math.exp(-lam)
        cdf = p
        while u > cdf and k < 1000:
            k += 1
            p *= lam / k
            cdf += p
        return state, k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        state, u = draw_uniform(state)
        u -= 0.5
        state, v = draw_uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return state, int(k)
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return state, int(k)


@nb.njit(cache=True)
def draw_binomial(state, n, p):
    """Binomial(n, p): exact inversion for n·min(p,1-p) < 30, else a Poisson-free exact method by
    summing a Gamma-distributed order statistic (recursive beta split, Devroye 1986, §X.4)."""
    if n <= 0 or p <= 0.0:
        return state, 0
    if p >= 1.0:
        return state, n
    flip = p > 0.5
    q = 1.0 - p if flip else p
    count = 0
    m = n
    # Recursive split: the k-th order statistic of m uniforms is Beta(k, m+1-k); drawn via gammas.
    while m * q >= 30.0:
        k = (m + 1) // 2
        state, g1 = draw_gamma(state, float(k), 1.0)
        state, g2 = draw_gamma(state, float(m + 1 - k), 1.0)
        x = g1 / (g1 + g2)
        if x <= q:
            count += k
            m = m - k
            q = (q - x) / (1.0 - x)
        else:
            m = k - 1
            q = q / x
    # inversion for the remainder
    state, u = draw_uniform(state)
    r = q / (1.0 - q)
    pk = (1.0 - q) ** m
    cdf = pk
    k = 0
    while u > cdf and k < m:
        pk *= r * (m - k) / (k + 1.0)
        k += 1
        cdf += pk
    count += k
    if flip:
        count = n - count
    return state, count

"""Nuclear form factors F(q), q in fm⁻¹, as numba scalar functions (usable inside kernels) and
numpy-vectorised wrappers.

- Helm: F = 3 j₁(qR₀)/(qR₀) · exp(−q²s²/2) (R.H. Helm, Phys. Rev. 104, 1466 (1956)), with the
  Lewin–Smith parameters s = 0.9 fm, R₀² = c² + (7/3)π²a² − 5s², c = 1.23 A^{1/3} − 0.60 fm, a = 0.52 fm
  (J.D. Lewin, P.F. Smith, Astropart. Phys. 6, 87 (1996)). Alternatively R₀ = √(5/3 r_n² − 5 s²)
  from a neutron rms radius r_n.
- Klein–Nystrand: F = 3 j₁(qR)/(qR) · 1/(1 + a_k²q²), R = 1.2 A^{1/3} fm, a_k = 0.7 fm
  (S. Klein, J. Nystrand, Phys. Rev. C 60, 014903 (1999)).

Model codes used in kernels: 0 = none (F = 1), 1 = Helm, 2 = Klein–Nystrand.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..errors import InputError

FF_NONE, FF_HELM, FF_KLEIN_NYSTRAND = 0, 1, 2
FF_CODES = {"none": FF_NONE, "helm": FF_HELM, "klein_nystrand": FF_KLEIN_NYSTRAND}


def helm_radius_fm(a: int, skin_fm: float = 0.9, neutron_rms_radius_fm: float | None = None) -> float:
    """Helm box radius R₀ in fm (Lewin–Smith parametrisation, or from a neutron rms radius)."""
    if neutron_rms_radius_fm is not None:
        r2 = 5.0 / 3.0 * neutron_rms_radius_fm**2 - 5.0 * skin_fm**2
        if r2 <= 0:
            raise InputError(
                f"neutron rms radius {neutron_rms_radius_fm} fm is too small for skin {skin_fm} fm "
                f"(need 5/3 r_n^2 > 5 s^2)"
            )
        return math.sqrt(r2)
    c = 1.23 * a ** (1.0 / 3.0) - 0.60
    a_diffuse = 0.52
    r2 = c * c + 7.0 / 3.0 * math.pi**2 * a_diffuse**2 - 5.0 * skin_fm**2
    if r2 <= 0:
        raise InputError(f"Helm skin {skin_fm} fm is too thick for a nucleus of A = {a}: R0^2 = c^2 + 7/3 pi^2 a^2 "
                         f"- 5 s^2 would be {r2:.3g} fm^2 (need s < {math.sqrt((r2 + 5 * skin_fm**2) / 5):.3g} fm; "
                         "Lewin-Smith use s = 0.9 fm)")
    return math.sqrt(r2)


def klein_nystrand_radius_fm(a: int) -> float:
    return 1.2 * a ** (1.0 / 3.0)


@nb.njit(inline="always", cache=True)
def _j1_over_x(x):
    """3 j₁(x)/x with a series near 0 (j₁(x) = sin x/x² − cos x/x)."""
    if x < 1e-3:
        x2 = x * x
        return 1.0 - x2 / 10.0 + x2 * x2 / 280.0
    return 3.0 * (math.sin(x) - x * math.cos(x)) / (x * x * x)


@nb.njit(inline="always", cache=True)
def form_factor(code, q_fm, radius_fm, param_fm):
    """F(q): ``param_fm`` is the Helm skin s or the Klein–Nystrand range a_k."""
    if code == 1:
        return _j1_over_x(q_fm * radius_fm) * math.exp(-0.5 * q_fm * q_fm * param_fm * param_fm)
    if code == 2:
        return _j1_over_x(q_fm * radius_fm) / (1.0 + param_fm * param_fm * q_fm * q_fm)
    return 1.0


@nb.njit(cache=True)
def _form_factor_array(code, q_fm, radius_fm, param_fm):
    out = np.empty(q_fm.shape[0])
    for i in range(q_fm.shape[0]):
        out[i] = form_factor(code, q_fm[i], radius_fm, param_fm)
    return out


def form_factor_values(model: str, q_fm, radius_fm: float, param_fm: float) -> np.ndarray:
    """Vectorised F(q) for a model name ('helm', 'klein_nystrand', 'none')."""
    q = np.ascontiguousarray(np.atleast_1d(np.asarray(q_fm, dtype=np.float64)))
    return _form_factor_array(FF_CODES[model], q.ravel(), float(radius_fm), float(param_fm)).reshape(q.shape)

"""Nuclear form factors F(q), q in fm⁻¹, as numba scalar functions (usable inside kernels) and
numpy-vectorised wrappers.

- Helm: F = 3 j₁(qR₀)/(qR₀) · exp(−q²s²/2) (R.H. Helm, Phys. Rev. 104, 1466 (1956)), with the
  Lewin–Smith parameters s = 0.9 fm, R₀² = c² + (7/3)π²a² − 5s², c = 1.23 A^{1/3} − 0.60 fm, a = 0.52 fm
  (J.D. Lewin, P.F. Smith, Astropart. Phys. 6, 87 (1996)). Alternatively R₀ = √(5/3 r_n² − 5 s²)
  from a neutron rms radius r_n.
  Option ``helm_radius = "coherent"``: R₀ = 1.2 A^{1/3} fm with s = 0.9 fm, the Helm parametrisation in
  COHERENT's public rate code (github.com/BarbeauGroup/cohfit, commit 4338a65,
  examples/user_functions/csi/transform_functions/form_factors.py). For ¹³³Cs R₀ = 6.12 fm against
  Lewin–Smith's 5.87 fm.
- Proton and neutron form factors separately (option ``neutron_radii = "coherent"``): the vector charge is
  G_V(q) = Z g_p F_p(q) + N g_n F_n(q), with F_p the Helm form factor above and F_n a Helm form factor whose R₀ comes
  from the isotope's neutron rms radius r_n (R₀² = 5/3 r_n² − 5 s², Lewin–Smith eq. 4.11), from
  :data:`NEUTRON_RMS_RADII_FM`. The kernels use one effective form factor
  F_eff = (Z g_p F_p + N g_n F_n)/(Z g_p + N g_n), which is exact for the vector term; the axial term (≲ 1e-3 of
  the CsI rate) and off-diagonal NSI terms use the same F_eff (an approximation of their own Z/N weighting).
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
FF_MODELS = {code: name for name, code in FF_CODES.items()}

#: Parametrisations of the Helm box radius R₀ (option ``physics.helm_radius``).
HELM_RADII = ("lewin_smith", "coherent")

#: Neutron rms radii r_n in fm per isotope, by set (option ``physics.neutron_radii``). "coherent": the values of
#: COHERENT's public CsI rate code (github.com/BarbeauGroup/cohfit, examples/config/csi.json, commit 4338a65:
#: "r_n" 5.104 fm for Cs133 and 4.8 fm for I127). Isotopes not listed use the proton Helm radius for neutrons.
NEUTRON_RMS_RADII_FM: dict[str, dict[str, float]] = {
    "same": {},
    "coherent": {"Cs133": 5.104, "I127": 4.8},
}


def helm_radius_from_rms_fm(rms_radius_fm: float, skin_fm: float = 0.9, what: str = "neutron") -> float:
    """Helm R₀ in fm with the given rms radius: R₀² = 5/3 r² − 5 s² (Lewin & Smith 1996, eq. 4.11)."""
    r2 = 5.0 / 3.0 * rms_radius_fm**2 - 5.0 * skin_fm**2
    if r2 <= 0:
        raise InputError(
            f"{what} rms radius {rms_radius_fm} fm is too small for skin {skin_fm} fm "
            f"(need 5/3 r^2 > 5 s^2, i.e. r > {math.sqrt(3.0) * skin_fm:.3g} fm)"
        )
    return math.sqrt(r2)


def helm_radius_fm(a: int, skin_fm: float = 0.9, neutron_rms_radius_fm: float | None = None,
                   parametrisation: str = "lewin_smith") -> float:
    """Helm box radius R₀ in fm: Lewin–Smith, COHERENT's 1.2 A^{1/3} fm, or from a neutron rms radius."""
    if neutron_rms_radius_fm is not None:
        return helm_radius_from_rms_fm(neutron_rms_radius_fm, skin_fm)
    if parametrisation == "coherent":
        return 1.2 * a ** (1.0 / 3.0)
    if parametrisation != "lewin_smith":
        raise InputError(f"Helm radius parametrisation '{parametrisation}' is unknown; choose one of "
                         f"{', '.join(HELM_RADII)}")
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


@nb.njit(inline="always", cache=True)
def form_factor_pn(code, q_fm, radius_p_fm, param_fm, radius_n_fm, weight_n):
    """Effective F = (1 − w_n) F(R_p) + w_n F(R_n), w_n = N g_n/(Z g_p + N g_n); w_n = 0: one form factor."""
    f = form_factor(code, q_fm, radius_p_fm, param_fm)
    if weight_n != 0.0:
        f = (1.0 - weight_n) * f + weight_n * form_factor(code, q_fm, radius_n_fm, param_fm)
    return f


@nb.njit(cache=True)
def _form_factor_array(code, q_fm, radius_fm, param_fm, radius_n_fm, weight_n):
    out = np.empty(q_fm.shape[0])
    for i in range(q_fm.shape[0]):
        out[i] = form_factor_pn(code, q_fm[i], radius_fm, param_fm, radius_n_fm, weight_n)
    return out


def form_factor_values(model: str, q_fm, radius_fm: float, param_fm: float, radius_n_fm: float | None = None,
                       weight_n: float = 0.0) -> np.ndarray:
    """Vectorised F(q) for a model name ('helm', 'klein_nystrand', 'none'); with ``radius_n_fm`` and
    ``weight_n`` the Q_W-weighted proton/neutron combination (see :func:`form_factor_pn`)."""
    q = np.ascontiguousarray(np.atleast_1d(np.asarray(q_fm, dtype=np.float64)))
    r_n = float(radius_fm if radius_n_fm is None else radius_n_fm)
    return _form_factor_array(FF_CODES[model], q.ravel(), float(radius_fm), float(param_fm), r_n,
                              float(weight_n)).reshape(q.shape)

"""Likelihood fits of binned templates from simcoh events to data (docs/fitting.md).

Core API (stable; additions only):

- :mod:`simcoh.fit.model`: :class:`Axis`, :class:`Sample`, :class:`Channel`, :class:`Parameter`, :class:`FitModel`
  and the modifiers :class:`NormFactor`, :class:`NormSys`, :class:`HistoSys`;
- :func:`load_model` (TOML model file or shipped model name → FitModel, templates built and cached);
- :class:`Likelihood` (−ln L with Barlow–Beeston-lite profiled), :func:`fit` (iminuit MIGRAD/HESSE/MINOS →
  :class:`FitResult`), :func:`profile` (−2 ln λ scan), :func:`significance` (q0 and Z by Wilks);
- :func:`to_workspace` (pyhf HistFactory JSON of the same model).

iminuit, pyhf and hist are the optional extra ``fit``: ``pip install 'simcoh[fit]'``.
"""

from .likelihood import Likelihood, fit, profile, require_fit_extra, significance
from .model import Axis, Channel, FitModel, HistoSys, NormFactor, NormSys, Parameter, Sample
from .modelfile import load_model, resolve_model_path, shipped_models
from .results import FitResult, MinosError

__all__ = ["Axis", "Channel", "FitModel", "FitResult", "HistoSys", "Likelihood", "MinosError", "NormFactor",
           "NormSys", "Parameter", "Sample", "fit", "load_model", "profile", "require_fit_extra",
           "resolve_model_path", "shipped_models", "significance", "to_workspace"]


def to_workspace(model, **kwargs):
    """The pyhf HistFactory workspace specification (dict) of ``model``; see :mod:`simcoh.fit.pyhf_workspace`."""
    from .pyhf_workspace import to_workspace as _to_workspace

    return _to_workspace(model, **kwargs)

"""The optional ``fit`` extra (iminuit, pyhf, hist): import a package of it or say how to install it."""

from __future__ import annotations

import importlib

from ..errors import Diagnostic, InputError


def require(module: str, purpose: str):
    """Import ``module`` (a package of the ``fit`` extra), or raise an InputError: ``purpose`` needs it and
    ``pip install 'simcoh[fit]'`` installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(Diagnostic(f"{purpose} needs {module}, which is not installed",
                                    expected="the optional 'fit' extra (iminuit, pyhf, hist)",
                                    suggestion="pip install 'simcoh[fit]'")) from None

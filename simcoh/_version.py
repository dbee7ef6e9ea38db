"""The package version, in a module of its own so that any layer can read it without importing the package's
public interface (``simcoh/__init__.py``, which sits above every layer)."""

__version__ = "0.1.0"

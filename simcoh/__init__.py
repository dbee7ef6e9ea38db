"""simcoh: Monte Carlo simulation of coherent elastic neutrino-nucleus scattering (CEvNS)
detectors at stopped-pion neutrino sources, modelled on COHERENT in the SNS Neutrino Alley.

Python::

    import simcoh
    result = simcoh.simulate(detector="csi-2021", processes=("cevns",), exposure="13.99 GWh", seed=1)
    result.summary.expected_per_process, result.events["t_nr_kev"].to_numpy()

``simcoh.run("file.mac")`` and ``simcoh.run_text("...")`` run macros; ``simcoh.open_events`` reads event files,
``simcoh.iterate("run.shards/*.h5", step=...)`` reads many in chunks;
``simcoh.replay("file.h5", 12)`` regenerates event 12 of a file bit for bit, with its intermediate quantities.
Importing simcoh is cheap: the API is loaded on first use.

Internal units are fixed and carried in names: energies in MeV (``e_nu_mev``) or keV
(``t_nr_kev``), times in ns (``t_ns``), lengths in cm, masses in kg.
"""

from ._version import __version__

#: Public names and the module that defines each (imported when first used).
_API = {"simulate": "api", "run": "api", "run_text": "api", "Simulation": "api", "open_events": "io",
        "read_events": "io", "iterate": "io", "InputError": "errors", "SimcohError": "errors",
        "replay": "engine.replay"}


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'simcoh' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_API])


__all__ = ["__version__", *_API]

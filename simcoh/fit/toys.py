"""Pseudo-experiments in parallel, reproducible whatever the number of workers.

Toy ``i`` of an ensemble with seed ``s`` draws from ``numpy.random.default_rng([s, i])``, so a toy can be
replayed alone and 1 worker or 8 give the same numbers. ``run_toys(task, n, seed, workers)`` calls
``task(i, rng)`` for i = 0..n−1 (in worker processes when ``workers`` > 1) and returns the results in order.
``task`` must be picklable (a module-level function, or a ``functools.partial`` of one) when workers > 1.
:func:`pseudo_experiment` draws one pseudo-experiment of a fit-core model.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
from collections.abc import Callable

import numpy as np

from ..errors import InputError
from .likelihood import Likelihood
from .model import FitModel


def toy_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(index)])


def _run_block(task: Callable, seed: int, indices: range) -> list:
    return [task(i, toy_rng(seed, i)) for i in indices]


def _blocks(n: int, workers: int) -> list[range]:
    size = max(1, -(-n // (4 * workers)))  # about four blocks per worker balances uneven fit times
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def run_toys(task: Callable, n_toys: int, seed: int = 0, workers: int = 1) -> list:
    """``[task(i, rng_i) for i in range(n_toys)]``, with ``workers`` processes."""
    if not isinstance(n_toys, (int, np.integer)) or n_toys < 0:
        raise InputError(f"the number of pseudo-experiments must be an integer >= 0, not {n_toys!r}")
    if not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"--workers {workers!r}: the number of worker processes must be at least 1")
    if workers == 1 or n_toys < 2:
        return _run_block(task, seed, range(n_toys))
    from ..engine.processes import start_method

    results: list = []
    ctx = mp.get_context(start_method())
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        blocks = _blocks(n_toys, workers)
        for block in pool.map(_run_block, [task] * len(blocks), [seed] * len(blocks), blocks):
            results.extend(block)
    return results


def pseudo_experiment(likelihood: Likelihood, values, rng: np.random.Generator, aux_centre=None) -> FitModel:
    """The model of ``likelihood`` with pseudo-data drawn at parameter ``values`` (a mapping): Poisson counts
    around the expectation in every channel (channel order), then the auxiliary measurement of every constrained
    parameter (parameter order) from N(centre, 1), the centre being its value in ``values`` (the frequentist
    global observables of a profile construction) or in ``aux_centre``."""
    expected = likelihood.expected(dict(values))
    data = {name: rng.poisson(nu).astype(float) for name, nu in expected.items()}
    model = likelihood.model
    constrained = [p.name for p in model.parameters if p.constraint is not None]
    if constrained:
        centre = values if aux_centre is None else aux_centre
        aux = dict(zip(constrained, rng.normal([float(centre[n]) for n in constrained], 1.0)))
        model = model.with_aux(aux)
    return model.with_data(data)

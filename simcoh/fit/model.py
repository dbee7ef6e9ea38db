"""The binned fit model: observables (axes), channels (data + samples), samples (expected counts per bin with
their modifiers) and parameters (free or Gaussian-constrained).

This is the stable core the likelihood (:mod:`simcoh.fit.likelihood`), the pyhf export and the commands build on.
Objects here hold plain NumPy arrays; :func:`load_model` (in :mod:`simcoh.fit.modelfile`) fills them from a TOML
model file, and code may build them directly (e.g. a dark-matter template added to a CEvNS model).

Conventions (the HistFactory ones, K. Cranmer et al., CERN-OPEN-2012-016, as implemented by pyhf):

- expected count of sample s in bin b: ν_sb = Π(normfactors) · Π_k normsys_k(α_k) · (n_sb + Σ_k histosys_kb(α_k));
- ``NormSys(lo, hi)``: exponential interpolation, factor hi^α for α ≥ 0 and lo^(−α) for α < 0 (pyhf "code1");
- ``HistoSys(lo, hi)``: piecewise-linear interpolation of each bin between lo (α = −1), nominal, hi (α = +1)
  (pyhf "code0");
- constrained parameters α have a unit Gaussian constraint N(α | 0, 1);
- Barlow–Beeston-lite (R. Barlow, C. Beeston, Comput. Phys. Commun. 77, 219 (1993); the "lite" form of
  J. Conway, arXiv:1103.0354): one factor γ_b per bin of a channel multiplies every sample with ``staterror``,
  with a Gaussian constraint of width √(Σ_s sumw2_sb) / Σ_s n_sb (pyhf "staterror").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import Diagnostic, InputError

POI_DEFAULT_BOUNDS = (0.0, 10.0)


@dataclass(frozen=True)
class Axis:
    """One observable: bin ``edges`` (increasing) in ``unit``; ``column`` × ``scale`` of an event file gives it."""

    name: str
    edges: np.ndarray
    unit: str = ""
    column: str | None = None
    scale: float = 1.0
    label: str = ""

    def __post_init__(self):
        edges = np.asarray(self.edges, dtype=float)
        if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges) > 0) or not np.all(np.isfinite(edges)):
            raise InputError(Diagnostic(f"observable '{self.name}': bin edges must be >= 2 finite increasing numbers",
                                        expected="e.g. edges = [0, 10, 20, 40] or {start = 0, stop = 60, step = 4}"))
        object.__setattr__(self, "edges", edges)

    @property
    def n_bins(self) -> int:
        return self.edges.size - 1

    @property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    @property
    def title(self) -> str:
        text = self.label or self.name
        return f"{text} [{self.unit}]" if self.unit else text


@dataclass(frozen=True)
class NormFactor:
    """Free multiplicative normalisation: the sample is multiplied by the parameter's value."""

    parameter: str


@dataclass(frozen=True)
class NormSys:
    """Constrained normalisation: factor ``hi`` at α = +1, ``lo`` at α = −1, exponential in between/beyond."""

    parameter: str
    lo: float
    hi: float

    def factor(self, alpha: float) -> float:
        return self.hi ** alpha if alpha >= 0 else self.lo ** (-alpha)


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class HistoSys:
    """Constrained shape+normalisation: expected counts ``lo`` at α = −1, ``hi`` at α = +1 (same binning as the
    sample, flattened), linear interpolation per bin."""

    parameter: str
    lo: np.ndarray
    hi: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "lo", np.asarray(self.lo, dtype=float).ravel())
        object.__setattr__(self, "hi", np.asarray(self.hi, dtype=float).ravel())

    def delta(self, nominal: np.ndarray, alpha: float) -> np.ndarray:
        return alpha * ((self.hi - nominal) if alpha >= 0 else (nominal - self.lo))


Modifier = NormFactor | NormSys | HistoSys


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Sample:
    """Expected counts of one process in one channel (flattened in C order over the channel's axes).

    ``sumw2``: the Monte Carlo variance per bin (Σ w²); None means the template is exact (no Barlow–Beeston
    factor). ``staterror``: whether the sample takes part in the channel's Barlow–Beeston-lite factors.
    ``source`` says where the template came from (for the result file)."""

    name: str
    nominal: np.ndarray
    sumw2: np.ndarray | None = None
    modifiers: tuple = ()
    staterror: bool = True
    source: str = ""

    def __post_init__(self):
        nominal = np.asarray(self.nominal, dtype=float).ravel()
        object.__setattr__(self, "nominal", nominal)
        if self.sumw2 is not None:
            object.__setattr__(self, "sumw2", np.asarray(self.sumw2, dtype=float).ravel())
        object.__setattr__(self, "modifiers", tuple(self.modifiers))
        if not np.all(np.isfinite(nominal)) or np.any(nominal < 0):
            raise InputError(Diagnostic(f"sample '{self.name}': expected counts must be finite and >= 0"))


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Channel:
    """Observed ``data`` (counts per bin, flattened in C order over ``axes``) and the samples predicting it."""

    name: str
    axes: tuple
    data: np.ndarray
    samples: tuple

    def __post_init__(self):
        object.__setattr__(self, "axes", tuple(self.axes))
        object.__setattr__(self, "samples", tuple(self.samples))
        data = np.asarray(self.data, dtype=float).ravel()
        object.__setattr__(self, "data", data)
        if data.size != self.n_bins:
            raise InputError(Diagnostic(f"channel '{self.name}': {data.size} data bins, the axes give {self.n_bins}"))
        if np.any(data < 0) or not np.all(np.isfinite(data)):
            raise InputError(Diagnostic(f"channel '{self.name}': data counts must be finite and >= 0"))
        for s in self.samples:
            arrays = [("nominal", s.nominal), ("sumw2", s.sumw2)]
            arrays += [(f"histosys '{m.parameter}'", a) for m in s.modifiers if isinstance(m, HistoSys)
                       for a in (m.lo, m.hi)]
            for what, a in arrays:
                if a is not None and a.size != self.n_bins:
                    raise InputError(Diagnostic(f"channel '{self.name}', sample '{s.name}': {what} has {a.size} "
                                                f"bins, the channel has {self.n_bins}"))

    @property
    def shape(self) -> tuple:
        return tuple(a.n_bins for a in self.axes)

    @property
    def n_bins(self) -> int:
        return int(np.prod(self.shape))

    def sample(self, name: str) -> Sample:
        for s in self.samples:
            if s.name == name:
                return s
        raise KeyError(f"channel '{self.name}' has no sample '{name}'")


@dataclass(frozen=True)
class Parameter:
    """A fit parameter. ``constraint`` None: free (normalisation factors, POIs); "normal": α ~ N(0, 1).
    ``bounds`` (lo, hi) or None; ``source`` names where a constraint comes from (paper, arXiv id). ``aux``: the
    centre of the Gaussian constraint, N(aux | α, 1) (the global observable; 0 for the real data, drawn from
    N(α, 1) for a frequentist pseudo-experiment, see :meth:`FitModel.with_aux`)."""

    name: str
    init: float = 1.0
    bounds: tuple | None = None
    constraint: str | None = None
    poi: bool = False
    description: str = ""
    source: str = ""
    aux: float = 0.0

    def __post_init__(self):
        if self.constraint not in (None, "normal"):
            raise InputError(Diagnostic(f"parameter '{self.name}': constraint {self.constraint!r} is not known",
                                        expected="'normal' (unit Gaussian on α) or none (free)"))
        if self.bounds is not None:
            object.__setattr__(self, "bounds", (float(self.bounds[0]), float(self.bounds[1])))


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class FitModel:
    """A complete binned model: channels and parameters. ``poi`` names the main parameter of interest (used for
    significance and the profile plot); every parameter with ``poi=True`` is reported as a POI."""

    name: str
    channels: tuple
    parameters: tuple
    poi: str | None = None
    description: str = ""
    references: tuple = ()
    source: str = ""  # the model file, if any
    info: dict = field(default_factory=dict, compare=False)  # free-form extras (e.g. predicted cross section)

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "parameters", tuple(self.parameters))
        object.__setattr__(self, "references", tuple(self.references))
        names = [p.name for p in self.parameters]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(Diagnostic(f"model '{self.name}': parameter(s) declared twice: {', '.join(dup)}"))
        known = set(names)
        problems = []
        for c in self.channels:
            for s in c.samples:
                for m in s.modifiers:
                    if m.parameter not in known:
                        problems.append(Diagnostic(
                            f"channel '{c.name}', sample '{s.name}': modifier uses parameter '{m.parameter}', "
                            "which is not declared", expected=f"one of {', '.join(names) or '(none declared)'}",
                            suggestion=f"declare it: [parameters.{m.parameter}]"))
                    elif isinstance(m, NormFactor) and self.parameter(m.parameter).constraint is not None:
                        problems.append(Diagnostic(f"sample '{s.name}': normfactor '{m.parameter}' is constrained",
                                                   expected="a free parameter (no constraint) for a normfactor"))
                    elif not isinstance(m, NormFactor) and self.parameter(m.parameter).constraint is None:
                        problems.append(Diagnostic(
                            f"sample '{s.name}': systematic '{m.parameter}' has no constraint",
                            expected="constraint = \"normal\" for a normsys/histosys parameter"))
        if self.poi is not None and self.poi not in known:
            problems.append(Diagnostic(f"model '{self.name}': poi '{self.poi}' is not a declared parameter"))
        if problems:
            raise InputError(problems)

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def pois(self) -> list[str]:
        names = [p.name for p in self.parameters if p.poi]
        if self.poi and self.poi not in names:
            names.insert(0, self.poi)
        return names

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"model '{self.name}' has no parameter '{name}'")

    def channel(self, name: str) -> Channel:
        for c in self.channels:
            if c.name == name:
                return c
        raise KeyError(f"model '{self.name}' has no channel '{name}'")

    def with_data(self, data: dict) -> "FitModel":
        """The same model with other observed counts (``{channel: counts}``), e.g. a pseudo-experiment."""
        import dataclasses

        chans = tuple(dataclasses.replace(c, data=data[c.name]) if c.name in data else c for c in self.channels)
        return dataclasses.replace(self, channels=chans)

    def with_aux(self, aux: dict) -> "FitModel":
        """The same model with other centres of the Gaussian constraints (``{parameter: value}``), e.g. the global
        observables of a pseudo-experiment."""
        import dataclasses

        unknown = set(aux) - {p.name for p in self.parameters if p.constraint is not None}
        if unknown:
            raise KeyError(f"not constrained parameters: {sorted(unknown)}")
        params = tuple(dataclasses.replace(p, aux=float(aux[p.name])) if p.name in aux else p for p in self.parameters)
        return dataclasses.replace(self, parameters=params)

    def with_samples(self, channel: str, samples) -> "FitModel":
        """The same model with ``samples`` added to (or replacing same-named samples of) ``channel``."""
        import dataclasses

        new = {s.name: s for s in samples}
        chans = []
        for c in self.channels:
            if c.name == channel:
                kept = tuple(s for s in c.samples if s.name not in new)
                c = dataclasses.replace(c, samples=kept + tuple(samples))
            chans.append(c)
        return dataclasses.replace(self, channels=tuple(chans))

    def with_parameters(self, parameters) -> "FitModel":
        """The same model with ``parameters`` added (or replacing same-named ones)."""
        import dataclasses

        new = {p.name: p for p in parameters}
        kept = tuple(p for p in self.parameters if p.name not in new)
        return dataclasses.replace(self, parameters=kept + tuple(parameters))

"""Binned templates from simcoh event files or runs, and binned data, for the fit model (docs/fitting.md).

A template is the histogram of Σ w and Σ w² over the observables of a channel, with w the product of the event
columns named in ``weight`` (default ``weight × eff_energy × eff_time``: the file's expected count per event times
the efficiencies the events carry as probabilities, so the sum is the expected number of events in the bins).
Histograms are boost-histogram ``Weight`` storages (via ``hist``); events outside the bins are dropped.

Sources of a template (one of):
- ``run = "<detector or geometry>"`` (with ``processes``, ``events``, ``seed``, ``fidelity``, ``set``): a simcoh run
  made here, in memory; templates that share the same run settings share the run;
- ``macro = "file.mac"`` (with ``events``, ``seed``, ``set``): a macro run;
- ``files = ["a.h5", ...]``: existing simcoh event files (their weights already give expected counts; several
  files are summed, so give runs of disjoint exposures, or divide with the sample ``scale``);
- ``file = "table.txt"`` with ``columns``: a text table, one row per event (optionally a ``count`` column);
- ``counts = [...]`` (and optionally ``sumw2``): the binned numbers themselves.

Selections: ``process`` (name or list; default for a ``run``: its ``processes``, since a run always makes CEvNS
too; default for files and macros: every event), ``flavour`` (νe, νμ, ν̄μ, ν̄e as ``nu_e``, ``nu_mu``, ``nu_mu_bar``,
``nu_e_bar``), and ``reweight`` (efficiency variants, e.g. ``{eff_energy = "sys_plus"}``).
Built templates from runs are cached (``cache_dir``, default ``$SIMCOH_FIT_CACHE`` or ``~/.cache/simcoh/fit``) under
a hash of their settings, the binning and the simcoh version, so a rerun reuses them; ``rebuild`` remakes them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import InputError
from .extra import require
from .output import atomic_path

DEFAULT_WEIGHT = ("weight", "eff_energy", "eff_time")
PACKAGE_PREFIX = "simcoh:"  # a path below simcoh/data, e.g. "simcoh:coherent_csi_2021/dataBeamOnC.txt"
_TEMPLATE_KEYS = {"run", "macro", "files", "file", "columns", "counts", "sumw2", "processes", "events", "seed",
                  "fidelity", "set", "exposure", "process", "flavour", "weight", "reweight", "description",
                  "source", "scale", "factorize"}
_RUN_KEYS = ("run", "macro", "processes", "events", "seed", "fidelity", "set", "exposure")
CACHE_FORMAT = 2  # bump when the way templates are filled changes, so older cached histograms are not reused
FLAVOUR_CODES = {"nu_e": 0, "nu_mu": 1, "nu_mu_bar": 2, "nu_e_bar": 3}


def require_hist():
    return require("hist", "binning templates")


def histogram(axes, values: Iterable[np.ndarray], weights: np.ndarray | None = None):
    """(Σw, Σw²) of events with observable arrays ``values`` (one per axis) in the bins of ``axes``, flattened in
    C order. Events outside the bins, or with a NaN observable, are not counted."""
    hist = require_hist()
    h = hist.Hist(*[hist.axis.Variable(a.edges, name=a.name, underflow=False, overflow=False) for a in axes],
                  storage=hist.storage.Weight())
    values = [np.asarray(v, dtype=float) for v in values]
    ok = np.ones(values[0].shape, dtype=bool)
    for v in values:
        ok &= np.isfinite(v)
    w = None if weights is None else np.asarray(weights, dtype=float)[ok]
    h.fill(*[v[ok] for v in values], weight=w if w is not None else np.ones(int(ok.sum())))
    return np.asarray(h.values(), dtype=float).ravel(), np.asarray(h.variances(), dtype=float).ravel()


def factorized(sumw: np.ndarray, shape) -> np.ndarray:
    """The product of the marginal distributions of a flattened histogram, with the same total: the template of
    a source whose observables are independent (e.g. a steady-state background flat in time), without the
    statistical noise of the individual 2D bins."""
    h = np.asarray(sumw, dtype=float).reshape(shape)
    total = h.sum()
    if total <= 0 or h.ndim == 1:
        return h.ravel()
    out = np.ones(shape)
    for axis in range(h.ndim):
        other = tuple(i for i in range(h.ndim) if i != axis)
        marginal = h.sum(axis=other) / total
        out = out * marginal.reshape([-1 if i == axis else 1 for i in range(h.ndim)])
    return (total * out).ravel()


def resolve_path(mf, value: str, *keys) -> Path:
    """A path in a model file: relative to the file, or ``simcoh:...`` for data shipped with simcoh."""
    if value.startswith(PACKAGE_PREFIX):
        p = Path(str(resources.files("simcoh.data") / value[len(PACKAGE_PREFIX):]))
    else:
        p = Path(value)
        if not p.is_absolute():
            p = mf.path.parent / p
    if not p.exists():
        raise InputError(mf.error(f"file '{value}' not found (looked at {p})", *keys,
                                  suggestion="paths are relative to the model file; 'simcoh:<dir>/<file>' names "
                                             "data shipped in simcoh/data"))
    return p


def _read_table(mf, spec: dict, axes, *keys):
    """(Σw, Σw²) of a text table with one row per event, columns named by ``columns`` (an observable name, the
    special ``count`` for a row weight, or ``-`` to skip)."""
    path = resolve_path(mf, spec["file"], *keys, "file")
    cols = spec.get("columns")
    if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
        raise InputError(mf.error("a text-table source needs columns = [...] naming each column", *keys, "columns",
                                  expected="observable names, 'count' for a weight column, '-' to skip",
                                  suggestion="columns = [\"pe\", \"t_rec\"]"))
    try:
        first = next((ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")), "")
        table = np.loadtxt(path, comments="#", ndmin=2, delimiter="," if "," in first else None)
    except ValueError as err:
        raise InputError(mf.error(f"{path}: not a table of numbers ({err})", *keys, "file")) from None
    if table.shape[1] < len(cols):
        raise InputError(mf.error(f"{path} has {table.shape[1]} columns, the model names {len(cols)}", *keys,
                                  "columns"))
    missing = [a.name for a in axes if a.name not in cols]
    if missing:
        raise InputError(mf.error(f"{path}: no column for observable(s) {', '.join(missing)}", *keys, "columns",
                                  expected=f"columns naming {', '.join(a.name for a in axes)}"))
    values = [table[:, cols.index(a.name)] for a in axes]
    w = table[:, cols.index("count")] if "count" in cols else None
    return histogram(axes, values, w)


def read_data(mf, cname: str, axes) -> np.ndarray:
    """Observed counts of channel ``cname`` from its ``data`` entry."""
    spec = mf.data["channels"][cname]["data"]
    keys = ("channels", cname, "data")
    if not isinstance(spec, dict):
        raise InputError(mf.error(f"channel '{cname}': data must be a table", *keys,
                                  expected="data = {file = \"events.txt\", columns = [\"pe\", \"t_rec\"]}, "
                                           "{counts = [...]} or {events = \"run.h5\"}"))
    n_bins = int(np.prod([a.n_bins for a in axes]))
    if "counts" in spec:
        counts = np.asarray(spec["counts"], dtype=float).ravel()
        if counts.size != n_bins:
            raise InputError(mf.error(f"channel '{cname}': {counts.size} data counts, the observables give {n_bins} "
                                      "bins", *keys, "counts"))
        return counts
    if "file" in spec:
        return _read_table(mf, spec, axes, *keys)[0]
    if "events" in spec:  # a simcoh event file used as (pseudo-)data: weighted, so its Σw per bin
        path = resolve_path(mf, spec["events"], *keys, "events")
        return _from_event_files(mf, [path], {"weight": spec.get("weight", list(DEFAULT_WEIGHT))}, axes, keys)[0]
    raise InputError(mf.error(f"channel '{cname}': data needs file, counts or events", *keys))


# --- templates from simcoh events ---------------------------------------------------------------------------------
def _columns_needed(spec, axes) -> list[str]:
    cols = {a.column for a in axes} | set(spec.get("weight", DEFAULT_WEIGHT)) | {"process", "flavour"}
    if spec.get("reweight"):
        cols |= set(spec["reweight"]) | {"pe", "t_ns"}
    return sorted(cols)


def _select_and_fill(mf, spec: dict, ev: dict, axes, keys, config=None):
    from ..generate import PROCESS_CODES

    n = len(next(iter(ev.values())))
    mask = np.ones(n, dtype=bool)
    for key, codes in (("process", PROCESS_CODES), ("flavour", FLAVOUR_CODES)):
        names = spec.get(key)
        if names is None:
            continue
        names = [names] if isinstance(names, str) else list(names)
        bad = [name for name in names if name not in codes]
        if bad:
            raise InputError(mf.error(f"unknown {key} {', '.join(bad)}", *keys, key,
                                      expected=f"one of {', '.join(codes)}"))
        mask &= np.isin(ev[key], [codes[name] for name in names])
    ev = dict(ev)
    for column, variant in spec.get("reweight", {}).items():
        ev[column] = _reweighted(mf, column, variant, ev, config, keys)
    w = np.ones(n)
    for c in spec.get("weight", DEFAULT_WEIGHT):
        if c not in ev:
            raise InputError(mf.error(f"weight column '{c}' is not in the events", *keys, "weight",
                                      expected=f"columns of the file: {', '.join(ev)}"))
        w = w * np.asarray(ev[c], dtype=float)
    values = []
    for a in axes:
        if a.column not in ev:
            raise InputError(mf.error(f"observable '{a.name}' needs column '{a.column}', not in the events",
                                      "observables", a.name, "column", expected=f"one of {', '.join(ev)}",
                                      suggestion="a higher /run/fidelity makes reconstructed columns (pe, ...)"))
        values.append(np.asarray(ev[a.column], dtype=float)[mask] * a.scale)
    return histogram(axes, values, w[mask])


def _reweighted(mf, column, variant, ev, config, keys):
    """An efficiency column recomputed with a systematic variant of the detector's efficiency curve."""
    from .reweight import efficiency_variant

    try:
        return efficiency_variant(column, variant, ev, config)
    except ValueError as err:
        raise InputError(mf.error(f"reweight {column} = '{variant}': {err}", *keys, "reweight")) from None


def _from_event_files(mf, paths, spec, axes, keys):
    from ..io import open_events

    total = np.zeros(int(np.prod([a.n_bins for a in axes])))
    total2 = np.zeros_like(total)
    for path in paths:
        try:
            with open_events(path) as f:
                cols = [c for c in _columns_needed(spec, axes) if c in f.fields]
                ev = {c: np.asarray(f.read(fields=[c])[c]) for c in cols}
        except InputError:
            raise
        except Exception as err:  # not an event file, damaged: say which and why
            raise InputError(mf.error(f"{path}: cannot read events ({err})", *keys, "files")) from None
        s, s2 = _select_and_fill(mf, spec, ev, axes, keys)
        total += s
        total2 += s2
    return total, total2


def _run_key(spec: dict) -> str:
    return json.dumps({k: spec.get(k) for k in _RUN_KEYS}, sort_keys=True, default=str)


def _simulate(mf, spec: dict, keys, progress):
    from .. import api

    seed = int(spec.get("seed", 1))
    n = spec.get("events")
    overrides = dict(spec.get("set", {}))
    if progress:
        progress(f"simcoh run for template(s): {spec.get('run') or spec.get('macro')} "
                 f"{spec.get('processes', '')} {n} events, seed {seed} {overrides or ''}")
    if "macro" in spec:
        path = resolve_path(mf, spec["macro"], *keys, "macro")
        if n is not None:
            overrides["run/beamOn"] = int(n)
        overrides.setdefault("run/fidelity", spec.get("fidelity", "parametric"))
        return api.run(path, seed=seed, overrides=overrides)
    procs = spec.get("processes", ["cevns"])
    return api.simulate(detector=spec["run"], processes=procs, exposure=spec.get("exposure"),
                        fidelity=spec.get("fidelity", "parametric"), n_events=None if n is None else int(n),
                        seed=seed, overrides=overrides)


def cache_directory(cache_dir=None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("SIMCOH_FIT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "simcoh" / "fit"


def _cache_key(spec: dict, axes) -> str:
    from .._version import __version__

    payload = {"spec": {k: v for k, v in spec.items() if k not in ("description", "source")},
               "axes": [(a.name, a.column, a.scale, a.edges.tolist()) for a in axes], "simcoh": __version__,
               "format": CACHE_FORMAT}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _cache_load(path: Path):
    try:
        with np.load(path) as z:
            return z["sumw"].copy(), z["sumw2"].copy()
    except (OSError, KeyError, ValueError):
        return None


def _cache_save(path: Path, sumw, sumw2):
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temp, open(temp, "wb") as f:
        np.savez(f, sumw=sumw, sumw2=sumw2)


def build_templates(mf, spec: dict, *, cache_dir=None, progress=None, rebuild=False) -> dict:
    """``{(template, channel): (Σw, Σw², source)}`` for every template a channel uses, and
    ``{("data", channel): counts}``."""
    d = mf.data
    tdefs = d.get("templates", {})
    needed = {}  # (template, channel) -> axes
    for cname, ch in d["channels"].items():
        axes = tuple(spec["axes"][o] for o in ch["observables"])
        for sname, s in ch["samples"].items():
            needed[(s.get("template", sname), cname)] = axes
            for lo_hi in s.get("histosys", {}).values():
                for t in lo_hi:
                    needed[(t, cname)] = axes
    out = {}
    problems = []
    for cname, ch in d["channels"].items():
        axes = tuple(spec["axes"][o] for o in ch["observables"])
        try:
            out[("data", cname)] = read_data(mf, cname, axes)
        except InputError as err:
            problems += err.diagnostics
    runs = {}  # run key -> Simulation, shared by templates with the same run settings
    cache = cache_directory(cache_dir)
    for (tname, cname), axes in needed.items():
        t = tdefs[tname]
        keys = ("templates", tname)
        try:
            out[(tname, cname)] = _build_one(mf, tname, t, axes, keys, runs, cache, progress, rebuild)
        except InputError as err:
            problems += err.diagnostics
    if problems:
        raise InputError(problems)
    return out


def _build_one(mf, tname, t, axes, keys, runs, cache, progress, rebuild):
    if not isinstance(t, dict):
        raise InputError(mf.error(f"template '{tname}' must be a table", *keys))
    unknown = [k for k in t if k not in _TEMPLATE_KEYS]
    if unknown:
        raise InputError(mf.error(f"template '{tname}': unknown key(s) {', '.join(unknown)}", *keys, unknown[0],
                                  expected=f"keys among {', '.join(sorted(_TEMPLATE_KEYS))}"))
    sources = [k for k in ("run", "macro", "files", "file", "counts") if k in t]
    if len(sources) != 1:
        raise InputError(mf.error(f"template '{tname}' needs exactly one source, has "
                                  f"{', '.join(sources) or 'none'}", *keys,
                                  expected="one of run, macro, files, file, counts (docs/fitting.md)"))
    source = t.get("source") or t.get("description", "")
    kind = sources[0]
    scale = float(t.get("scale", 1.0))
    n_bins = int(np.prod([a.n_bins for a in axes]))
    if kind == "counts":
        sumw = np.asarray(t["counts"], dtype=float).ravel()
        sumw2 = None if "sumw2" not in t else np.asarray(t["sumw2"], dtype=float).ravel()
        for what, a in (("counts", sumw), ("sumw2", sumw2)):
            if a is not None and a.size != n_bins:
                raise InputError(mf.error(f"template '{tname}': {a.size} {what}, the channel has {n_bins} bins",
                                          *keys, what))
        return scale * sumw, None if sumw2 is None else scale ** 2 * sumw2, source or "inline counts"
    if kind == "file":
        s, _ = _read_table(mf, t, axes, *keys)
        if t.get("factorize", False):
            s = factorized(s, [a.n_bins for a in axes])
        return scale * s, None, source or f"table {t['file']}"
    if kind == "files":
        files = t["files"] if isinstance(t["files"], list) else [t["files"]]
        paths = [resolve_path(mf, f, *keys, "files") for f in files]
        s, s2 = _from_event_files(mf, paths, t, axes, keys)
        return scale * s, scale ** 2 * s2, source or f"event files {', '.join(files)}"
    # a simcoh run, cached
    key = _cache_key(t, axes)
    path = cache / f"{tname}-{key}.npz"
    cached = None if rebuild else _cache_load(path)
    desc = (f"simcoh {t.get('run') or t.get('macro')} {t.get('processes', '')} seed {t.get('seed', 1)}, "
            f"{t.get('events')} events {t.get('set', '')}").strip()
    if cached is not None:
        return scale * cached[0], scale ** 2 * cached[1], source or desc
    rk = _run_key(t)
    if rk not in runs:
        runs[rk] = _simulate(mf, t, keys, progress)
    sim = runs[rk]
    if "process" not in t:  # a run enables cevns by default: keep the processes the template asked for
        t = {**t, "process": list(t.get("processes", ["cevns"]))} if "run" in t else t
    ev = sim.numpy([c for c in _columns_needed(t, axes) if c in sim.events.fields])
    s, s2 = _select_and_fill(mf, t, ev, axes, keys, config=sim.config)
    _cache_save(path, s, s2)
    return scale * s, scale ** 2 * s2, source or desc

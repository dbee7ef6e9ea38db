"""Reading a fit model from a TOML file (format: docs/fitting.md), with every mistake reported as an InputError
that names the file, the line of the offending table or key, what was expected and a suggestion."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import Diagnostic, InputError
from .model import Axis, Channel, FitModel, HistoSys, NormFactor, NormSys, Parameter, Sample

SHIPPED_DIR = "fits"  # simcoh/data/fits/<name>.toml: models shipped with the package
_TOP = {"model", "observables", "templates", "channels", "parameters"}
_MODEL_KEYS = {"name", "description", "references", "poi", "info"}
_OBS_KEYS = {"column", "edges", "unit", "scale", "label"}
_CHANNEL_KEYS = {"observables", "data", "samples"}
_SAMPLE_KEYS = {"template", "normfactors", "normsys", "histosys", "staterror", "scale"}
_PARAM_KEYS = {"init", "bounds", "constraint", "poi", "description", "source"}


class ModelFile:
    """The raw TOML of a model file with its text, for error locations."""

    def __init__(self, path: Path, text: str, data: dict):
        self.path, self.text, self.data = path, text, data
        self.lines = text.splitlines()

    def line_of(self, *keys: str) -> int | None:
        """Line (1-based) of the table ``[k1.k2...]``, or of the first key below the longest such table."""
        keys = [str(k) for k in keys]
        for n in range(len(keys), 0, -1):
            header = re.compile(r"^\s*\[\[?\s*" + r"\s*\.\s*".join(_key_re(k) for k in keys[:n]) + r"\s*\]")
            for i, line in enumerate(self.lines):
                if not header.match(line):
                    continue
                if n == len(keys):
                    return i + 1
                key = re.compile(r"^\s*" + _key_re(keys[n]) + r"\s*[=.]")
                for j in range(i + 1, len(self.lines)):
                    if self.lines[j].lstrip().startswith("["):
                        break
                    if key.match(self.lines[j]):
                        return j + 1
                return i + 1
        key = re.compile(r"^\s*" + _key_re(keys[-1]) + r"\s*=") if keys else None
        for i, line in enumerate(self.lines, 1):
            if key is not None and key.match(line):
                return i
        return None

    def error(self, message, *keys, expected=None, suggestion=None) -> Diagnostic:
        return Diagnostic(message, file=str(self.path), line=self.line_of(*keys) if keys else None,
                          expected=expected, suggestion=suggestion)


def _key_re(k: str) -> str:
    return r'(?:' + re.escape(k) + r'|"' + re.escape(k) + r'"|\'' + re.escape(k) + r'\')'


def resolve_model_path(name_or_path: str | os.PathLike) -> Path:
    """A model file path, or the name of a model shipped with simcoh (``csi-2021``, ``csi-2017``)."""
    p = Path(name_or_path)
    if p.exists():
        return p
    if p.suffix == "" and "/" not in str(name_or_path):
        shipped = resources.files("simcoh.data") / SHIPPED_DIR / f"{name_or_path}.toml"
        if shipped.is_file():
            return Path(str(shipped))
    raise InputError(Diagnostic(f"no fit model file or shipped model named '{name_or_path}'",
                                file=str(name_or_path), expected="a TOML model file or one of: "
                                + ", ".join(shipped_models() or ["(none shipped)"]),
                                suggestion="simcoh fit csi-2021, or simcoh fit path/to/model.toml"))


def shipped_models() -> list[str]:
    d = resources.files("simcoh.data") / SHIPPED_DIR
    if not d.is_dir():
        return []
    return sorted(f.name[:-5] for f in d.iterdir() if f.name.endswith(".toml"))


def read_model_file(path: str | os.PathLike) -> ModelFile:
    path = resolve_model_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(Diagnostic(f"cannot read the model file: {err}", file=str(path))) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"line (\d+)(?:, column (\d+))?", str(err))
        raise InputError(Diagnostic(f"not valid TOML: {err}", file=str(path),
                                    line=int(m.group(1)) if m else None,
                                    column=int(m.group(2)) if m and m.group(2) else None,
                                    expected="TOML (https://toml.io), see docs/fitting.md")) from None
    return ModelFile(path, text, data)


def load_model(path: str | os.PathLike, *, cache_dir: str | os.PathLike | None = None, progress=None,
               rebuild: bool = False) -> FitModel:
    """Read, check and build the model in TOML file ``path`` (or a shipped model name). Templates made from
    simcoh runs are built on first use and cached (:mod:`simcoh.fit.templates`); ``rebuild`` remakes them."""
    mf = read_model_file(path)
    spec = check_model(mf)
    from .templates import build_templates

    templates = build_templates(mf, spec, cache_dir=cache_dir, progress=progress, rebuild=rebuild)
    return assemble(mf, spec, templates)


# --- checking -----------------------------------------------------------------------------------------------
def _unknown(mf, table: dict, allowed: set, *keys) -> list[Diagnostic]:
    out = []
    for k in table:
        if k not in allowed:
            close = [a for a in allowed if a.startswith(k[:3])]
            out.append(mf.error(f"unknown key '{k}' in [{'.'.join(keys) or 'top level'}]", *keys, k,
                                expected=f"one of {', '.join(sorted(allowed))}",
                                suggestion=f"did you mean '{close[0]}'?" if close else "see docs/fitting.md"))
    return out


def _edges(mf, value, *keys):
    if isinstance(value, dict):
        try:
            start, stop, step = float(value["start"]), float(value["stop"]), float(value["step"])
        except (KeyError, TypeError, ValueError):
            raise InputError(mf.error("edges table needs numbers start, stop, step", *keys,
                                      expected="edges = {start = 0, stop = 60, step = 4}")) from None
        if step <= 0 or stop <= start:
            raise InputError(mf.error("edges: need step > 0 and stop > start", *keys))
        n = int(round((stop - start) / step))
        return start + step * np.arange(n + 1)
    if isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return np.array(value, dtype=float)
    raise InputError(mf.error("edges must be a list of numbers or {start, stop, step}", *keys,
                              expected="edges = [0, 8, 16, 24] or edges = {start = 0, stop = 60, step = 4}"))


def check_model(mf: ModelFile) -> dict:
    """Validate the raw TOML; returns the normalised specification (axes built, lists normalised)."""
    d = mf.data
    problems = _unknown(mf, d, _TOP)
    for table in ("model", "observables", "channels", "parameters"):
        if table not in d or not isinstance(d[table], dict):
            problems.append(mf.error(f"missing table [{table}]", expected=f"a [{table}] table (docs/fitting.md)"))
    if problems:
        raise InputError(problems)
    model = d["model"]
    problems += _unknown(mf, model, _MODEL_KEYS, "model")
    if not isinstance(model.get("name"), str):
        problems.append(mf.error("[model] needs name = \"...\"", "model"))
    axes = {}
    for name, obs in d["observables"].items():
        if not isinstance(obs, dict):
            problems.append(mf.error(f"observable '{name}' must be a table", "observables", name))
            continue
        problems += _unknown(mf, obs, _OBS_KEYS, "observables", name)
        try:
            edges = _edges(mf, obs.get("edges"), "observables", name, "edges")
            axes[name] = Axis(name, edges, unit=str(obs.get("unit", "")), column=obs.get("column", name),
                              scale=float(obs.get("scale", 1.0)), label=str(obs.get("label", "")))
        except InputError as err:
            problems += [Diagnostic(x.message, file=str(mf.path), line=mf.line_of("observables", name, "edges"),
                                    expected=x.expected, suggestion=x.suggestion) for x in err.diagnostics]
    templates = d.get("templates", {})
    params = d["parameters"]
    for name, p in params.items():
        if not isinstance(p, dict):
            problems.append(mf.error(f"parameter '{name}' must be a table", "parameters", name))
            continue
        problems += _unknown(mf, p, _PARAM_KEYS, "parameters", name)
        if p.get("constraint", "normal") not in ("normal", "none"):
            problems.append(mf.error(f"parameter '{name}': constraint '{p['constraint']}' is not known",
                                     "parameters", name, "constraint", expected="\"normal\" or \"none\""))
        b = p.get("bounds")
        if b is not None and not (isinstance(b, list) and len(b) == 2 and all(isinstance(v, (int, float)) for v in b)
                                  and b[0] < b[1]):
            problems.append(mf.error(f"parameter '{name}': bounds must be [low, high] with low < high",
                                     "parameters", name, "bounds", expected="bounds = [0, 5]"))
    channels = d["channels"]
    used_params = set()
    for cname, ch in channels.items():
        if not isinstance(ch, dict):
            problems.append(mf.error(f"channel '{cname}' must be a table", "channels", cname))
            continue
        problems += _unknown(mf, ch, _CHANNEL_KEYS, "channels", cname)
        obs = ch.get("observables")
        if not (isinstance(obs, list) and obs and all(o in axes for o in obs)):
            problems.append(mf.error(f"channel '{cname}': observables must list declared observables",
                                     "channels", cname, "observables",
                                     expected=f"a list of: {', '.join(axes) or '(none declared)'}"))
        if "data" not in ch:
            problems.append(mf.error(f"channel '{cname}' has no data", "channels", cname,
                                     expected="data = {file = \"events.txt\", columns = [...]} or {counts = [...]}"))
        samples = ch.get("samples", {})
        if not samples:
            problems.append(mf.error(f"channel '{cname}' has no samples", "channels", cname,
                                     suggestion=f"add [channels.{cname}.samples.<name>] with template = \"...\""))
        for sname, s in samples.items():
            where = ("channels", cname, "samples", sname)
            if not isinstance(s, dict):
                problems.append(mf.error(f"sample '{sname}' must be a table", *where))
                continue
            problems += _unknown(mf, s, _SAMPLE_KEYS, *where)
            t = s.get("template", sname)
            if t not in templates:
                problems.append(mf.error(f"sample '{sname}' uses template '{t}', which is not declared", *where,
                                         expected=f"one of {', '.join(templates) or '(no [templates] declared)'}",
                                         suggestion=f"declare [templates.{t}]"))
            for p in s.get("normfactors", []):
                used_params.add(p)
                if p not in params:
                    problems.append(mf.error(f"sample '{sname}': normfactor '{p}' is not declared", *where,
                                             "normfactors", suggestion=f"add [parameters.{p}]"))
                elif params[p].get("constraint", "none") != "none":
                    problems.append(mf.error(f"normfactor '{p}' must be a free parameter", "parameters", p,
                                             expected="no constraint key (or constraint = \"none\")"))
            for kind in ("normsys", "histosys"):
                mods = s.get(kind, {})
                if not isinstance(mods, dict):
                    problems.append(mf.error(f"sample '{sname}': {kind} must be a table of parameter = effect",
                                             *where, kind, expected=_EXPECT[kind]))
                    continue
                for p, eff in mods.items():
                    used_params.add(p)
                    if p not in params:
                        problems.append(mf.error(f"sample '{sname}': {kind} parameter '{p}' is not declared",
                                                 *where, kind, suggestion=f"add [parameters.{p}] constraint = \"normal\""))
                    elif params[p].get("constraint") != "normal":
                        problems.append(mf.error(f"{kind} parameter '{p}' needs constraint = \"normal\"",
                                                 "parameters", p))
                    if kind == "normsys" and not _normsys_ok(eff):
                        problems.append(mf.error(f"sample '{sname}': normsys '{p}' = {eff!r}", *where, kind, p,
                                                 expected=_EXPECT["normsys"]))
                    if kind == "histosys" and not (isinstance(eff, list) and len(eff) == 2
                                                   and all(isinstance(v, str) and v in templates for v in eff)):
                        problems.append(mf.error(f"sample '{sname}': histosys '{p}' = {eff!r}", *where, kind, p,
                                                 expected=_EXPECT["histosys"]))
    for name, p in params.items():
        if isinstance(p, dict) and name not in used_params and not p.get("poi"):
            problems.append(mf.error(f"parameter '{name}' is declared but no sample uses it", "parameters", name,
                                     suggestion="remove it or use it in a sample's normfactors/normsys/histosys"))
    poi = model.get("poi")
    if poi is not None and poi not in params:
        problems.append(mf.error(f"poi '{poi}' is not a declared parameter", "model", "poi",
                                 expected=f"one of {', '.join(params)}"))
    if problems:
        raise InputError(problems)
    return {"axes": axes, "templates": templates}


_EXPECT = {"normsys": "a relative 1σ size (0.25 means ×1.25 / ×0.75) or [factor at −1σ, factor at +1σ], "
                      "e.g. normsys = {flux = 0.10}",
           "histosys": "[template at −1σ, template at +1σ], both declared in [templates], "
                       "e.g. histosys = {quenching = [\"cevns_qf_lo\", \"cevns_qf_hi\"]}"}


def _normsys_ok(eff) -> bool:
    if isinstance(eff, (int, float)) and not isinstance(eff, bool):
        return 0 < eff < 1
    return (isinstance(eff, list) and len(eff) == 2 and all(isinstance(v, (int, float)) for v in eff)
            and all(v > 0 for v in eff))


def _normsys(eff) -> tuple[float, float]:
    if isinstance(eff, list):
        return float(eff[0]), float(eff[1])
    return 1.0 - float(eff), 1.0 + float(eff)


# --- assembling ---------------------------------------------------------------------------------------------
def assemble(mf: ModelFile, spec: dict, templates: dict) -> FitModel:
    """The FitModel from the checked file and the built templates ``{(template, channel): (sumw, sumw2, source)}``
    and channel data ``{("data", channel): counts}``."""
    d = mf.data
    params = []
    for name, p in d["parameters"].items():
        constrained = p.get("constraint", "none") == "normal"
        init = float(p.get("init", 0.0 if constrained else 1.0))
        bounds = p.get("bounds")
        if bounds is None:
            bounds = (-5.0, 5.0) if constrained else None
        params.append(Parameter(name, init=init, bounds=None if bounds is None else tuple(bounds),
                                constraint="normal" if constrained else None, poi=bool(p.get("poi", False)),
                                description=str(p.get("description", "")), source=str(p.get("source", ""))))
    channels = []
    for cname, ch in d["channels"].items():
        axes = tuple(spec["axes"][o] for o in ch["observables"])
        samples = []
        for sname, s in ch["samples"].items():
            tname = s.get("template", sname)
            scale = float(s.get("scale", 1.0))
            sumw, sumw2, source = templates[(tname, cname)]
            mods = [NormFactor(p) for p in s.get("normfactors", [])]
            mods += [NormSys(p, *_normsys(e)) for p, e in s.get("normsys", {}).items()]
            for p, (lo, hi) in s.get("histosys", {}).items():
                mods.append(HistoSys(p, scale * templates[(lo, cname)][0], scale * templates[(hi, cname)][0]))
            samples.append(Sample(sname, scale * sumw, None if sumw2 is None else scale ** 2 * sumw2,
                                  modifiers=tuple(mods), staterror=bool(s.get("staterror", True)), source=source))
        channels.append(Channel(cname, axes, templates[("data", cname)], tuple(samples)))
    m = d["model"]
    return FitModel(m["name"], tuple(channels), tuple(params), poi=m.get("poi"),
                    description=str(m.get("description", "")), references=tuple(m.get("references", ())),
                    source=str(mf.path), info=dict(m.get("info", {})))

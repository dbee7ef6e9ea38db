"""``simcoh help TOPIC`` for topics that are not macro commands: detector keys and declared parameters.

- ``target.distance`` or ``detector.target.distance``: the geometry-file key as declared in
  :data:`simcoh.detector.schema.KEYS` (type, unit, allowed values, default, help) and how to set it from a
  macro; ``detector.target`` lists the keys of a section.
- ``source.pulse_mean_ns``, ``brn.rate_per_gwh``: a declared parameter by its stored key; the help of the
  command that sets it.
"""

from __future__ import annotations

from ..declare import bounds_text
from ..detector import schema
from ..units import DIMENSIONLESS, dimension_name


def detector_key_help(topic: str) -> str | None:
    """Help for a geometry key or section (``[detector.]SECTION[.KEY]``), or None if there is none."""
    for dotted in (topic, topic[len("detector."):]) if topic.startswith("detector.") else (topic,):
        found = schema.key_by_dotted(dotted)
        if found is not None:
            return _key_text(found[0], found[1])
    section = dotted if dotted in schema.SECTIONS else None
    if section is None and topic.startswith("detector.") and dotted.startswith("quenching.isotopes."):
        section = "quenching"
    if section is None:
        return None
    lines = [f"[{dotted}]: {schema.SECTIONS[section]}", "", "keys (simcoh help detector.SECTION.KEY for one):"]
    lines += [f"  {k.name:<22} {_type(k):<24} {k.help.split('. ')[0].rstrip('.')}"
              for k in schema.section_keys(section).values()]
    return "\n".join(lines)


def detector_keys() -> list[str]:
    """Every ``detector.SECTION.KEY`` (for suggestions)."""
    return [f"detector.{k.dotted}" for k in schema.KEYS]


def _type(k: schema.Key) -> str:
    if k.kind in ("quantity", "quantities"):
        dim = "count" if k.dimension == DIMENSIONLESS else dimension_name(k.dimension)
        return f"{'list of ' if k.kind == 'quantities' else ''}{dim} [{k.unit}]"
    return k.kind + (f" (length {k.length})" if k.length else "")


def _default(k: schema.Key) -> str:
    if k.default is schema.REQUIRED:
        return f"required if {k.when[0]} = {' or '.join(k.when[1])}" if k.when else "required"
    return "absent (None)" if k.default is None else repr(k.default)


def _key_text(section: str, k: schema.Key) -> str:
    dotted = f"{section}.{k.name}"
    allowed = ", ".join(k.choices) if k.choices else bounds_text(k.minimum, k.maximum, k.min_open, k.max_open)
    if k.default not in (schema.REQUIRED, None):
        example = str(k.default).lower() if isinstance(k.default, bool) else str(k.default)
    else:
        example = k.choices[0] if k.choices else ("VALUE " + k.unit if k.unit else "VALUE")
    lines = [f"detector key {dotted}  (geometry file: [{section}] {k.name} = ...)", "", k.help, "",
             f"type:     {_type(k)}"]
    if allowed:
        lines.append(f"allowed:  {allowed}{' ' + k.unit if k.unit and not k.choices else ''}")
    if k.why:
        lines.append(f"why:      {k.why}")
    attr = "det" if section == "detector" else f"det.{section}"
    field = f"{attr}.{k.field_name}" + ("_path, _data" if k.kind == "path" else "")
    lines += [f"default:  {_default(k)}", f"field:    {field}", "",
              "set from a macro:", f"  /detector/set {dotted} {example}",
              "reference: docs/geometry.md"]
    return "\n".join(lines)


def declared_param_command(topic: str, registry) -> object | None:
    """The command that sets the declared parameter with stored key ``topic`` (``source.pulse_mean_ns``)."""
    for command in registry.commands():
        if any(p.key == topic for p in command.declared):
            return command
    return None

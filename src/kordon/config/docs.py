"""A Markdown configuration reference generated from the site JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Mapping

from kordon.config.schema import site_json_schema
from kordon.config.support import unrun_models

_BOUNDS = (
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length ≥ {}"),
    ("maxLength", "length ≤ {}"),
    ("minItems", "items ≥ {}"),
    ("maxItems", "items ≤ {}"),
    ("pattern", "pattern `{}`"),
)

Schema = Mapping[str, object]


def _ref_name(ref: object) -> str:
    return str(ref).rsplit("/", 1)[-1]


def _type_of(prop: Schema) -> str:
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        return f"[{name}](#{name.lower()})"
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "enum" in prop:
        values = prop["enum"]
        assert isinstance(values, list)
        return " \\| ".join(f"`{json.dumps(v)}`" for v in values)
    for key in ("anyOf", "oneOf"):
        options = prop.get(key)
        if isinstance(options, list):
            return " \\| ".join(_type_of(o) for o in options if isinstance(o, Mapping))
    kind = prop.get("type")
    if kind == "array":
        prefix = prop.get("prefixItems")
        if isinstance(prefix, list):
            return "[" + ", ".join(_type_of(p) for p in prefix if isinstance(p, Mapping)) + "]"
        items = prop.get("items")
        return f"list of {_type_of(items)}" if isinstance(items, Mapping) else "list"
    if kind == "object":
        values = prop.get("additionalProperties")
        if isinstance(values, Mapping):
            return f"map of string → {_type_of(values)}"
        return "object"
    if prop.get("format") == "path":
        return "path"
    return str(kind) if kind is not None else "any"


def _bounds_of(prop: Schema) -> str:
    parts: list[str] = []
    for key, template in _BOUNDS:
        if key in prop:
            parts.append(template.format(prop[key]))
    options = prop.get("anyOf")
    for option in options if isinstance(options, list) else []:
        if isinstance(option, Mapping):
            nested = _bounds_of(option)
            if nested:
                parts.append(nested)
    return ", ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _prose(text: str) -> str:
    return _cell(text).replace("<", "&lt;").replace(">", "&gt;")


def _default_of(prop: Schema) -> str:
    if "default" in prop:
        return f"`{json.dumps(prop['default'], ensure_ascii=False)}`"
    if prop.get("type") == "array":
        return "`[]`"
    if prop.get("type") == "object":
        return "`{}`"
    return "see type"


def _description_of(prop: Schema, defs: Mapping[str, Schema]) -> str:
    text = prop.get("description")
    if text is None and "$ref" in prop:
        text = defs.get(_ref_name(prop["$ref"]), {}).get("description")
    return str(text or "")


def _table(model: Schema, defs: Mapping[str, Schema]) -> list[str]:
    properties = model.get("properties", {})
    required = model.get("required", [])
    assert isinstance(properties, Mapping)
    assert isinstance(required, list)
    lines = [
        "| field | type | default | bounds | description |",
        "|---|---|---|---|---|",
    ]
    for name, prop in properties.items():
        assert isinstance(prop, Mapping)
        default = "**required**" if name in required else _default_of(prop)
        lines.append(
            f"| `{name}` | {_type_of(prop)} | {default} | {_cell(_bounds_of(prop))} "
            f"| {_prose(_description_of(prop, defs))} |"
        )
    return lines


def _order(schema: Schema, defs: Mapping[str, Schema]) -> list[str]:
    """Model names in the order they are first referenced, breadth-first from the root."""
    seen: list[str] = []
    queue: list[object] = [schema]
    while queue:
        node = queue.pop(0)
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = _ref_name(ref)
                if name not in seen and name in defs:
                    seen.append(name)
                    queue.append(defs[name])
            queue.extend(v for k, v in node.items() if k != "$defs")
        elif isinstance(node, list):
            queue.extend(node)
    return seen


def render_configuration_markdown() -> str:
    """The site file reference: one section and table per model."""
    schema = site_json_schema()
    raw_defs = schema.get("$defs", {})
    assert isinstance(raw_defs, Mapping)
    defs: dict[str, Schema] = {k: v for k, v in raw_defs.items() if isinstance(v, Mapping)}
    unrun = unrun_models()
    out = [
        f"# {schema['title']}",
        "",
        "Generated from the configuration models (`kordon config schema` prints the JSON "
        "Schema). A site is one YAML file; relative paths resolve against its folder. "
        "Unknown keys are errors. Coordinates are `[lon, lat]` in WGS84 degrees, image "
        "points `[x, y]` in pixels from the top-left corner.",
        "",
        "## SiteConfig (top level)",
        "",
        str(schema.get("description", "")),
        "",
        *_table(schema, defs),
    ]
    for name in _order(schema, defs):
        model = defs[name]
        out += ["", f"## {name}", ""]
        if "description" in model:
            out += [str(model["description"]), ""]
        if name in unrun:
            out += [
                f"**Not run by this version of Kordon yet**: `kordon config check` and "
                f"`kordon run` refuse a {unrun[name]} of this kind.",
                "",
            ]
        if "properties" in model:
            out += _table(model, defs)
        elif isinstance(model.get("enum"), list):
            values = model["enum"]
            assert isinstance(values, list)
            out.append("One of: " + ", ".join(f"`{v}`" for v in values))
    return "\n".join(out) + "\n"

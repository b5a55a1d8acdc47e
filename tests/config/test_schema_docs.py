"""The JSON schema and the generated Markdown reference cover the models."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kordon.config.docs import render_configuration_markdown
from kordon.config.schema import site_json_schema
from kordon.config.site import SiteConfig


def _walk(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def test_schema_header_and_required_keys() -> None:
    schema = site_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Kordon site configuration"
    assert schema["required"] == ["version", "site"]
    assert schema["additionalProperties"] is False


def test_every_field_has_title_and_description() -> None:
    schema = site_json_schema()
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    missing = []
    for model_name, model in [("SiteConfig", schema), *defs.items()]:
        for field, prop in model.get("properties", {}).items():
            # a $ref field inherits the referenced model's title and docstring
            has_description = "description" in prop or "$ref" in prop
            has_title = "title" in prop or "$ref" in prop
            if not has_title or not has_description:
                missing.append(f"{model_name}.{field}")
    assert missing == []


def test_example_satisfies_schema_required_and_closed_keys(repo_root: Path) -> None:
    """Without a jsonschema dependency: every object in the example is checked against
    the schema's required keys and allowed properties, following $ref and kind tags."""
    schema = site_json_schema()
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    data = yaml.safe_load((repo_root / "examples/volyn/site.yaml").read_text(encoding="utf-8"))
    checked = 0

    def resolve(node: dict[str, object], value: object) -> dict[str, object] | None:
        if "$ref" in node:
            return resolve(defs[str(node["$ref"]).rsplit("/", 1)[-1]], value)
        for key in ("oneOf", "anyOf"):
            options = node.get(key)
            if isinstance(options, list):
                for option in options:
                    target = resolve(option, value)
                    if target is None:
                        continue
                    kind = target.get("properties", {}).get("kind", {})  # type: ignore[attr-defined]
                    if (
                        isinstance(value, dict)
                        and "const" in kind
                        and kind["const"] != value.get("kind")
                    ):
                        continue
                    if target.get("type") == "object" and isinstance(value, dict):
                        return target
        return node if node.get("type") == "object" else None

    def check(node: dict[str, object], value: object) -> None:
        nonlocal checked
        target = resolve(node, value)
        if target is None or not isinstance(value, dict):
            if isinstance(value, list) and isinstance(node.get("items"), dict):
                for item in value:
                    check(node["items"], item)  # type: ignore[arg-type]
            return
        props = target.get("properties")
        if not isinstance(props, dict):  # a free-form map such as min_score
            return
        required = target.get("required", [])
        assert isinstance(required, list)
        assert set(required) <= set(value), target.get("title")
        assert set(value) <= set(props), (target.get("title"), set(value) - set(props))
        checked += 1
        for key, item in value.items():
            check(props[key], item)

    check(schema, data)
    assert checked >= 15


def test_schema_matches_models() -> None:
    assert site_json_schema()["properties"] == SiteConfig.model_json_schema()["properties"]


def test_markdown_has_every_section_and_model() -> None:
    text = render_configuration_markdown()
    assert text.startswith("# Kordon site configuration\n")
    top = re.search(r"## SiteConfig \(top level\)\n(.*?)\n## ", text, re.S)
    assert top is not None
    for section in SiteConfig.model_fields:
        assert f"| `{section}` |" in top.group(1)
    defs = site_json_schema()["$defs"]
    assert isinstance(defs, dict)
    for name in defs:
        assert f"\n## {name}\n" in text
    assert "| `fps` | number | `5.0` | > 0.0, ≤ 60.0 | Frames analysed per second. |" in text
    assert "&lt;site id&gt;" in text  # angle brackets escaped for Markdown renderers

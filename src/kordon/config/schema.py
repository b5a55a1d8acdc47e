"""JSON Schema of the site file, generated from the models."""

from __future__ import annotations

from kordon.config.site import SiteConfig

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_TITLE = "Kordon site configuration"


def site_json_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) that a site file's YAML content must satisfy."""
    generated = SiteConfig.model_json_schema(mode="validation")
    schema: dict[str, object] = {"$schema": JSON_SCHEMA_DIALECT, "title": SCHEMA_TITLE}
    schema.update({k: v for k, v in generated.items() if k != "title"})
    return schema

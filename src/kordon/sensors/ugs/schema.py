"""The published JSON Schema of :class:`UgsMessage`: generated from the model, shipped beside it.

``message.schema.json`` in this package is the file vendors and integrators get
(docs/sensors.md); a test checks that it equals :func:`message_schema` so the two never
drift. Regenerate it with ``python -m kordon.sensors.ugs.schema``.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from typing import Any

from kordon.sensors.ugs.message import SCHEMA_VERSION, UgsMessage

SCHEMA_FILE = "message.schema.json"
SCHEMA_ID = f"https://kordon.example/schemas/ugs-message-v{SCHEMA_VERSION}.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def message_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ground-sensor message, as generated now."""
    return {"$schema": DIALECT, "$id": SCHEMA_ID, **UgsMessage.model_json_schema()}


def schema_text() -> str:
    """:func:`message_schema` as the shipped file's text (sorted keys, 2-space indent)."""
    return json.dumps(message_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def published_schema_text() -> str:
    """The shipped ``message.schema.json``."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def main() -> None:
    """Write the schema file beside this module (or to the path given as argument)."""
    target = sys.argv[1] if len(sys.argv) > 1 else str(resources.files(__package__) / SCHEMA_FILE)
    with open(target, "w", encoding="utf-8") as out:
        out.write(schema_text())


if __name__ == "__main__":
    main()

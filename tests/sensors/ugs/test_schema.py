"""The published JSON Schema is the model's own, and accepts and refuses what the model does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from kordon.sensors.ugs.message import UgsMessage
from kordon.sensors.ugs.schema import (
    SCHEMA_ID,
    message_schema,
    published_schema_text,
    schema_text,
)
from tests.sensors.ugs.support import message_dict


def test_the_shipped_schema_file_is_generated_from_the_model() -> None:
    """Regenerate with ``python -m kordon.sensors.ugs.schema`` after model changes."""
    assert published_schema_text() == schema_text()
    shipped = json.loads(published_schema_text())
    assert shipped["$id"] == SCHEMA_ID
    assert shipped["additionalProperties"] is False
    assert set(shipped["required"]) == {"v", "sensor_id", "time", "type", "sensor_type"}
    assert shipped["$defs"]["UgsSensorType"]["enum"] == ["seismic", "pir", "magnetic", "fence"]
    assert shipped["$defs"]["MessageType"]["enum"] == ["alarm", "heartbeat"]


GOOD = [
    message_dict(),
    message_dict(type="heartbeat", battery_pct=None, tamper=True),
    message_dict(bearing_deg=359.9, class_hint="vehicle", seq=4_294_967_295),
]
BAD: list[dict[str, Any]] = [
    message_dict(type=None),
    message_dict(extra=1),
    message_dict(battery_pct="80"),
    message_dict(bearing_deg=360),
    message_dict(sensor_type="sonar"),
    message_dict(v=2),
    message_dict(seq=-1),
    message_dict(sensor_id="Not A Slug"),
    message_dict(time="2026-05-04T21:00:00"),
]


def test_an_independent_validator_agrees_with_the_model_on_examples() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")  # dev tooling (schemathesis)
    validator = jsonschema_rs.validator_for(message_schema(), validate_formats=True)
    for example in message_schema()["examples"] + GOOD:
        assert validator.is_valid(example), example
    for example in BAD:
        assert not validator.is_valid(example), example


@pytest.mark.parametrize(
    ("example", "valid"), [(g, True) for g in GOOD] + [(b, False) for b in BAD]
)
def test_the_model_accepts_and_refuses_the_same_examples(
    example: dict[str, Any], valid: bool
) -> None:
    try:
        UgsMessage.model_validate_json(json.dumps(example))
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted is valid

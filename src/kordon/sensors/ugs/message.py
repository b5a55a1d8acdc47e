"""``UgsMessage``: one message of an unattended ground sensor (alarm or heartbeat), versioned.

The wire format is JSON, one object per message, described by the published JSON Schema
(``message.schema.json`` beside this module, generated from this model; docs/sensors.md).
Validation is strict: no type coercion (``"12"`` is not a number, ``1`` is not ``true``),
no unknown keys, no NaN or infinity, and times must carry a zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from kordon.config.common import SLUG_PATTERN
from kordon.config.integrations import UgsSensorType

SCHEMA_VERSION: Final = 1
"""The ``v`` of messages this version reads; a new version gets a new model beside this one."""


class MessageType(StrEnum):
    """What a message reports."""

    ALARM = "alarm"
    """Something was sensed in the detection area."""
    HEARTBEAT = "heartbeat"
    """The sensor is alive (battery and tamper state, no detection)."""


class ClassHint(StrEnum):
    """The sensor's own guess of what it sensed (seismic classifiers tell steps from wheels)."""

    PERSON = "person"
    VEHICLE = "vehicle"
    ANIMAL = "animal"
    UNKNOWN = "unknown"


class UgsMessage(BaseModel):
    """An alarm or heartbeat from one ground sensor."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        title="Kordon ground sensor message",
        json_schema_extra={
            "examples": [
                {
                    "v": 1,
                    "sensor_id": "ugs-3",
                    "time": "2026-05-04T21:17:03.250Z",
                    "type": "alarm",
                    "sensor_type": "seismic",
                    "battery_pct": 81.5,
                    "tamper": False,
                    "class_hint": "person",
                    "seq": 1207,
                },
                {
                    "v": 1,
                    "sensor_id": "ugs-3",
                    "time": "2026-05-04T21:20:00Z",
                    "type": "heartbeat",
                    "sensor_type": "seismic",
                    "battery_pct": 81.4,
                },
            ]
        },
    )

    v: Literal[1] = Field(description="Message format version.")
    sensor_id: Annotated[str, Field(min_length=1, max_length=63, pattern=SLUG_PATTERN)] = Field(
        description="The sensor's id, as configured in the site file."
    )
    time: AwareDatetime = Field(
        description="When it happened, by the sensor's clock: RFC 3339 with a zone offset."
    )
    type: MessageType = Field(description="alarm or heartbeat.")
    sensor_type: UgsSensorType = Field(description="What the sensor senses.")
    battery_pct: float | None = Field(
        default=None, ge=0.0, le=100.0, description="Battery charge, percent; none: unknown."
    )
    tamper: bool = Field(
        default=False, description="The sensor's tamper switch is open (moved, opened, cut)."
    )
    bearing_deg: float | None = Field(
        default=None,
        ge=0.0,
        lt=360.0,
        description="Direction to the detection from the sensor, degrees clockwise from north.",
    )
    class_hint: ClassHint | None = Field(
        default=None, description="The sensor's own classification of an alarm."
    )
    seq: int | None = Field(
        default=None,
        ge=0,
        le=2**32 - 1,
        description="Message counter; a repeated counter (an MQTT redelivery) is dropped.",
    )

    @field_validator("time")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def time_s(self) -> float:
        """``time`` as POSIX seconds."""
        return self.time.timestamp()

    def to_json(self) -> bytes:
        """The message as compact JSON (what a sensor sends)."""
        return self.model_dump_json(exclude_none=True).encode()

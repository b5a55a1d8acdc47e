"""The one error type of ground-sensor input: why a message was refused, and its counter key."""

from __future__ import annotations

from enum import StrEnum

from kordon.domain.errors import KordonError


class UgsErrorKind(StrEnum):
    """Why a message was refused; also the key of the refusal counters."""

    TOO_LARGE = "too_large"
    """More bytes than the decoder accepts (a message is a few hundred bytes)."""
    NOT_JSON = "not_json"
    """Not UTF-8 JSON, nested too deep, or with a repeated key."""
    NOT_FINITE = "not_finite"
    """``NaN``, ``Infinity`` or a number too large for a float."""
    NOT_OBJECT = "not_object"
    """Valid JSON, but not an object."""
    INVALID = "invalid"
    """A field is missing, unknown, of the wrong type or out of its bounds."""
    UNKNOWN_SENSOR = "unknown_sensor"
    """The ``sensor_id`` is not a ground sensor of the site."""
    WRONG_SENSOR_TYPE = "wrong_sensor_type"
    """The ``sensor_type`` is not the one the site file gives for that sensor."""
    WRONG_TOPIC = "wrong_topic"
    """Over MQTT: the topic is not one the named sensor's configured filter matches."""
    TOO_OLD = "too_old"
    """The message's time is further in the past than the decoder accepts."""
    IN_FUTURE = "in_future"
    """The message's time is further ahead of the node's clock than the decoder accepts."""


class UgsDecodeError(KordonError, ValueError):
    """A refused ground-sensor message: ``kind`` and a message that says what to fix."""

    def __init__(self, kind: UgsErrorKind, detail: str, *, sensor_id: str | None = None) -> None:
        self.kind = kind
        self.detail = detail
        self.sensor_id = sensor_id
        super().__init__(f"{kind}: {detail}")

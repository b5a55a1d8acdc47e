"""``UgsDecoder``: raw bytes (JSON) → a validated :class:`UgsMessage`, or a specific error.

Checks, in order: size, UTF-8 JSON (no ``NaN``/``Infinity``, no repeated key, bounded
nesting), an object, the schema (strict types, bounds, no unknown keys), the sensor id
against the site's ground sensors (and their configured type), and the message time
against the injected clock (not too old, not too far ahead).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime

from pydantic import ValidationError

from kordon.config.integrations import UgsSensorType
from kordon.domain.time import require_utc
from kordon.sensors.ugs.errors import UgsDecodeError, UgsErrorKind
from kordon.sensors.ugs.message import UgsMessage

MAX_MESSAGE_BYTES = 4_096
MAX_DEPTH = 4
MAX_ERRORS_SHOWN = 3


def _no_constants(name: str) -> object:
    raise UgsDecodeError(UgsErrorKind.NOT_FINITE, f"{name} is not allowed (numbers must be finite)")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise UgsDecodeError(UgsErrorKind.NOT_JSON, f"key {key!r} appears more than once")
        result[key] = value
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UgsDecodeError(
            UgsErrorKind.NOT_FINITE, f"number {text[:40]} is too large for a float"
        )
    return value


def _depth(data: bytes) -> int:
    """Deepest nesting of ``[``/``{`` outside strings (cheap; runs before the parser)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:MAX_ERRORS_SHOWN]:
        where = ".".join(str(p) for p in err["loc"]) or "message"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - MAX_ERRORS_SHOWN
    if more > 0:
        parts.append(f"(and {more} more)")
    return "; ".join(parts)


class UgsDecoder:
    """Decodes messages of the site's ground sensors.

    ``sensors`` maps each known sensor id to its configured type (``None``: any type);
    ``clock`` gives the node's UTC-aware now. A message older than ``max_age_s`` or more
    than ``max_ahead_s`` ahead of the clock is refused (a sensor with a wrong clock, or a
    replay of old traffic).
    """

    def __init__(
        self,
        sensors: Mapping[str, UgsSensorType | None],
        clock: Callable[[], datetime],
        *,
        max_bytes: int = MAX_MESSAGE_BYTES,
        max_age_s: float = 600.0,
        max_ahead_s: float = 30.0,
    ) -> None:
        if max_bytes < 64:
            raise ValueError(f"max_bytes must be >= 64, got {max_bytes}")
        if not (max_age_s > 0 and max_ahead_s >= 0):
            raise ValueError("max_age_s must be > 0 and max_ahead_s >= 0")
        self._sensors = dict(sensors)
        self._clock = clock
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self.max_ahead_s = max_ahead_s

    @property
    def sensor_ids(self) -> frozenset[str]:
        return frozenset(self._sensors)

    def decode(self, data: bytes) -> UgsMessage:
        """The message in ``data``; raises :class:`UgsDecodeError` saying what is wrong."""
        if len(data) > self.max_bytes:
            raise UgsDecodeError(
                UgsErrorKind.TOO_LARGE,
                f"message is {len(data)} bytes; at most {self.max_bytes} are accepted",
            )
        raw = self._parse(data)
        try:
            message = UgsMessage.model_validate_json(data)
        except ValidationError as exc:
            sensor = raw.get("sensor_id")
            raise UgsDecodeError(
                UgsErrorKind.INVALID,
                _describe(exc),
                sensor_id=sensor if isinstance(sensor, str) and sensor in self._sensors else None,
            ) from None
        self._check_sensor(message)
        self._check_time(message)
        return message

    @staticmethod
    def _parse(data: bytes) -> dict[str, object]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UgsDecodeError(UgsErrorKind.NOT_JSON, f"not UTF-8 (byte {exc.start})") from None
        depth = _depth(data)
        if depth > MAX_DEPTH:
            raise UgsDecodeError(
                UgsErrorKind.NOT_JSON, f"nested {depth} levels deep; at most {MAX_DEPTH} allowed"
            )
        try:
            value = json.loads(
                text,
                parse_constant=_no_constants,
                parse_float=_finite_float,
                object_pairs_hook=_no_duplicates,
            )
        except json.JSONDecodeError as exc:
            raise UgsDecodeError(
                UgsErrorKind.NOT_JSON, f"not valid JSON: {exc.msg} at byte {exc.pos}"
            ) from None
        if not isinstance(value, dict):
            raise UgsDecodeError(
                UgsErrorKind.NOT_OBJECT, f"expected a JSON object, got {type(value).__name__}"
            )
        return value

    def _check_sensor(self, message: UgsMessage) -> None:
        sid = message.sensor_id
        if sid not in self._sensors:
            raise UgsDecodeError(
                UgsErrorKind.UNKNOWN_SENSOR,
                f"sensor_id {sid!r} is not a ground sensor of this site",
            )
        expected = self._sensors[sid]
        if expected is not None and message.sensor_type != expected:
            raise UgsDecodeError(
                UgsErrorKind.WRONG_SENSOR_TYPE,
                f"sensor {sid!r} is configured as {expected.value}, "
                f"the message says {message.sensor_type.value}",
                sensor_id=sid,
            )

    def _check_time(self, message: UgsMessage) -> None:
        now = require_utc(self._clock(), name="clock()")
        offset_s = (message.time - now).total_seconds()
        if offset_s < -self.max_age_s:
            raise UgsDecodeError(
                UgsErrorKind.TOO_OLD,
                f"time {message.time.isoformat()} is {-offset_s:.0f} s old; at most "
                f"{self.max_age_s:.0f} s are accepted (check the sensor's clock)",
                sensor_id=message.sensor_id,
            )
        if offset_s > self.max_ahead_s:
            raise UgsDecodeError(
                UgsErrorKind.IN_FUTURE,
                f"time {message.time.isoformat()} is {offset_s:.0f} s ahead of the node's "
                f"clock; at most {self.max_ahead_s:.0f} s are accepted (check the sensor's clock)",
                sensor_id=message.sensor_id,
            )

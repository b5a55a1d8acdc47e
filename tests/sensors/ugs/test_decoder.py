"""The decoder refuses bad input with a specific kind and message, and nothing else escapes."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.config.integrations import UgsSensorType
from kordon.sensors.ugs.decoder import UgsDecoder
from kordon.sensors.ugs.errors import UgsDecodeError, UgsErrorKind
from kordon.sensors.ugs.message import ClassHint, MessageType, UgsMessage
from tests.sensors.ugs.support import SENSORS, T0, ManualClock, message_dict


def _decoder() -> UgsDecoder:
    return UgsDecoder(SENSORS, ManualClock(T0 + timedelta(seconds=5)))


def _bytes(**overrides: Any) -> bytes:
    return json.dumps(message_dict(**overrides)).encode()


def test_a_valid_alarm_decodes_with_every_field() -> None:
    data = _bytes(
        time="2026-05-04T23:00:00+02:00",
        tamper=True,
        bearing_deg=271.5,
        class_hint="person",
        seq=7,
    )
    msg = _decoder().decode(data)
    assert msg.sensor_id == "ugs-1"
    assert msg.time == T0  # converted to UTC
    assert msg.type is MessageType.ALARM
    assert msg.tamper is True
    assert msg.bearing_deg == 271.5
    assert msg.class_hint is ClassHint.PERSON
    assert msg.seq == 7
    assert UgsMessage.model_validate_json(msg.to_json()) == msg


BAD: list[tuple[str, bytes, UgsErrorKind, str]] = [
    ("too large", b"{" + b" " * 5000 + b"}", UgsErrorKind.TOO_LARGE, "5002 bytes; at most 4096"),
    ("not utf-8", b'{"v": 1, "x": "\xff"}', UgsErrorKind.NOT_JSON, "not UTF-8 (byte 15)"),
    ("truncated", _bytes()[:-5], UgsErrorKind.NOT_JSON, "not valid JSON"),
    ("deep", b'{"a":[[[[[1]]]]]}', UgsErrorKind.NOT_JSON, "nested 6 levels deep"),
    ("dup key", b'{"v":1,"v":1}', UgsErrorKind.NOT_JSON, "key 'v' appears more than once"),
    ("NaN", _bytes().replace(b"80.0", b"NaN"), UgsErrorKind.NOT_FINITE, "NaN is not allowed"),
    ("Infinity", _bytes().replace(b"80.0", b"-Infinity"), UgsErrorKind.NOT_FINITE, "-Infinity"),
    ("huge float", _bytes().replace(b"80.0", b"1e999"), UgsErrorKind.NOT_FINITE, "too large"),
    ("array", b"[1, 2]", UgsErrorKind.NOT_OBJECT, "expected a JSON object, got list"),
    ("string", b'"alarm"', UgsErrorKind.NOT_OBJECT, "got str"),
    ("missing", _bytes(type=None), UgsErrorKind.INVALID, "type: Field required"),
    ("unknown key", _bytes(colour="red"), UgsErrorKind.INVALID, "colour: Extra inputs"),
    ("str number", _bytes(battery_pct="80"), UgsErrorKind.INVALID, "battery_pct: Input should be"),
    ("int bool", _bytes(tamper=1), UgsErrorKind.INVALID, "tamper: Input should be a valid boolean"),
    ("battery", _bytes(battery_pct=101), UgsErrorKind.INVALID, "less than or equal to 100"),
    ("bearing", _bytes(bearing_deg=360), UgsErrorKind.INVALID, "bearing_deg: Input should be less"),
    ("version", _bytes(v=2), UgsErrorKind.INVALID, "v: Input should be 1"),
    ("kind", _bytes(type="panic"), UgsErrorKind.INVALID, "'alarm' or 'heartbeat'"),
    ("naive time", _bytes(time="2026-05-04T21:00:00"), UgsErrorKind.INVALID, "timezone"),
    ("epoch time", _bytes(time=1_777_000_000), UgsErrorKind.INVALID, "time: Input should be"),
    ("bad id", _bytes(sensor_id="UGS 1"), UgsErrorKind.INVALID, "sensor_id: String should match"),
    ("unknown", _bytes(sensor_id="ugs-9"), UgsErrorKind.UNKNOWN_SENSOR, "'ugs-9' is not a ground"),
    ("type", _bytes(sensor_type="pir"), UgsErrorKind.WRONG_SENSOR_TYPE, "configured as seismic"),
    (
        "old",
        _bytes(time="2026-05-04T20:49:00Z"),
        UgsErrorKind.TOO_OLD,
        "is 665 s old; at most 600 s",
    ),
    (
        "future",
        _bytes(time="2026-05-04T21:01:00Z"),
        UgsErrorKind.IN_FUTURE,
        "55 s ahead of the node's clock; at most 30 s",
    ),
]


@pytest.mark.parametrize(
    ("data", "kind", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_input_is_refused_with_a_specific_error(
    data: bytes, kind: UgsErrorKind, fragment: str
) -> None:
    with pytest.raises(UgsDecodeError) as info:
        _decoder().decode(data)
    assert info.value.kind is kind
    assert fragment in str(info.value)


def test_a_sensor_without_a_configured_type_accepts_any_type() -> None:
    for kind in ("seismic", "pir", "magnetic", "fence"):
        assert _decoder().decode(_bytes(sensor_id="ugs-any", sensor_type=kind)).sensor_id == (
            "ugs-any"
        )


def test_an_invalid_message_of_a_known_sensor_names_it() -> None:
    with pytest.raises(UgsDecodeError) as info:
        _decoder().decode(_bytes(battery_pct=-1))
    assert info.value.sensor_id == "ugs-1"
    with pytest.raises(UgsDecodeError) as info:
        _decoder().decode(_bytes(sensor_id="stranger", battery_pct=-1))
    assert info.value.sensor_id is None


def test_time_limits_are_inclusive_at_their_bounds() -> None:
    clock = ManualClock(T0)
    decoder = UgsDecoder(SENSORS, clock, max_age_s=60, max_ahead_s=10)
    clock.advance(60)
    assert decoder.decode(_bytes()).time == T0
    clock.advance(0.001)
    with pytest.raises(UgsDecodeError, match="too_old"):
        decoder.decode(_bytes())
    clock.now = T0 - timedelta(seconds=10)
    assert decoder.decode(_bytes()).time == T0
    clock.now = T0 - timedelta(seconds=10.001)
    with pytest.raises(UgsDecodeError, match="in_future"):
        decoder.decode(_bytes())


# -- fuzzing -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
FIELDS = list(message_dict(tamper=False, bearing_deg=1.0, class_hint="person", seq=1))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=5000))
def test_arbitrary_bytes_give_a_message_or_a_decode_error(data: bytes) -> None:
    with contextlib.suppress(UgsDecodeError):
        _decoder().decode(data)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=9))
def test_arbitrary_objects_give_a_message_or_a_decode_error(obj: dict[str, object]) -> None:
    data = json.dumps(obj).encode()
    try:
        msg = _decoder().decode(data)
    except UgsDecodeError:
        return
    assert msg.sensor_id in SENSORS
    assert _decoder().decode(msg.to_json()) == msg


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(FIELDS),
    value=json_values,
)
def test_one_mutated_field_gives_a_message_or_a_decode_error(field: str, value: object) -> None:
    data = message_dict(tamper=False, bearing_deg=1.0, class_hint="person", seq=1)
    data[field] = value
    try:
        msg = _decoder().decode(json.dumps(data).encode())
    except UgsDecodeError:
        return
    assert (
        msg.model_dump(mode="json")[field]
        == UgsMessage.model_validate(msg.model_dump()).model_dump(mode="json")[field]
    )


@settings(max_examples=200, deadline=None)
@given(
    battery=st.none() | st.floats(0, 100),
    bearing=st.none() | st.floats(0, 359.99),
    hint=st.none() | st.sampled_from(list(ClassHint)),
    seq=st.none() | st.integers(0, 2**32 - 1),
    offset_s=st.floats(-600, 30),
    heartbeat=st.booleans(),
)
def test_every_valid_message_round_trips(
    *,
    battery: float | None,
    bearing: float | None,
    hint: ClassHint | None,
    seq: int | None,
    offset_s: float,
    heartbeat: bool,
) -> None:
    sent = UgsMessage(
        v=1,
        sensor_id="ugs-2",
        time=T0 + timedelta(seconds=5 + offset_s),
        type=MessageType.HEARTBEAT if heartbeat else MessageType.ALARM,
        sensor_type=UgsSensorType.PIR,
        battery_pct=battery,
        bearing_deg=bearing,
        class_hint=hint,
        seq=seq,
    )
    assert _decoder().decode(sent.to_json()) == sent

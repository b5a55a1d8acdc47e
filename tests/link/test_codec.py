"""The link's payload codec: exact round trips, and strict refusal of anything else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.domain.incident import CrossingCounts, Incident, IncidentStatus, IncidentStep
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.codec import decode, encode
from kordon.link.errors import CodecError
from kordon.link.kinds import EntryKind
from tests.link.support import T0, event

texts = st.text(min_size=1, max_size=20)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
attribute_values = st.one_of(st.text(max_size=10), st.booleans(), st.integers(), finite)

events = st.builds(
    Event,
    kind=st.sampled_from(EventKind),
    time=times,
    source_id=texts,
    id=texts,
    rule_id=st.none() | texts,
    track_id=st.none() | texts,
    class_name=st.none() | texts,
    confidence=st.floats(0.0, 1.0),
    direction=st.none() | st.sampled_from(Direction),
    frame=st.none() | st.sampled_from(Frame),
    x=st.none() | finite,
    y=st.none() | finite,
    lat=st.none() | st.floats(-90.0, 90.0),
    lon=st.none() | st.floats(-180.0, 180.0),
    uncertainty_m=st.none() | finite,
    km_post=st.none() | finite,
    sector_id=st.none() | texts,
    attributes=st.dictionaries(st.text(max_size=8), attribute_values, max_size=5),
    evidence=st.lists(texts, max_size=3).map(tuple),
)
statuses = st.builds(
    DeviceStatus,
    device_id=texts,
    time=times,
    state=st.sampled_from(DeviceState),
    detail=st.text(max_size=30),
    metrics=st.dictionaries(st.text(max_size=8), finite, max_size=4),
)
steps = st.builds(
    IncidentStep,
    status=st.sampled_from(IncidentStatus),
    actor=texts,
    time=times,
    note=st.text(max_size=20),
)
incidents = st.builds(
    Incident,
    id=texts,
    title=st.text(max_size=40),
    opened_at=times,
    priority=st.integers(1, 5),
    status=st.sampled_from(IncidentStatus),
    sector_id=st.none() | texts,
    event_ids=st.lists(texts, max_size=4).map(tuple),
    assignee=st.none() | texts,
    history=st.lists(steps, max_size=3).map(tuple),
    dispatched_unit=st.none() | texts,
    sla_due_at=st.none() | times,
    escalated_at=st.none() | times,
    last_alert_at=st.none() | times,
    crossings=st.builds(CrossingCounts, *(st.integers(0, 1000) for _ in range(4))),
)


@settings(max_examples=200, deadline=None)
@given(item=st.one_of(events, statuses, incidents))
def test_round_trip_is_exact(item: Event | DeviceStatus | Incident) -> None:
    decoded = decode(encode(item))
    assert decoded == item
    # Types survive too: an int attribute stays an int, a float a float.
    if isinstance(item, Event):
        assert isinstance(decoded, Event)
        for key, value in item.attributes.items():
            assert type(decoded.attributes[key]) is type(value)


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(encode(event(1)))
    for key, value in changes.items():
        if key.startswith("data_"):
            document["data"][key[5:]] = value
        else:
            document[key] = value
    return document


def _without_data_key(key: str) -> dict[str, Any]:
    document = _document()
    del document["data"][key]
    return document


REFUSED: list[tuple[str, Any, str]] = [
    ("unknown version", _document(v=2), "unknown event payload version 2"),
    ("version as text", _document(v="1"), "version must be an integer"),
    ("version as bool", _document(v=True), "version must be an integer"),
    ("unknown kind", _document(kind="track"), "unknown payload kind 'track'"),
    ("audit not readable yet", _document(kind="audit"), "unknown audit payload version 1"),
    ("extra envelope key", {**_document(), "x": 1}, "exactly the keys"),
    ("not an object", [1, 2], "exactly the keys"),
    ("extra data key", _document(data_extra=1), "extra"),
    ("missing data key", _without_data_key("confidence"), "confidence"),
    ("number as text", _document(data_confidence="0.5"), "confidence"),
    ("naive time", _document(data_time="2026-05-04T21:00:00"), "timezone"),
    ("unknown event kind", _document(data_kind="teleport"), "kind"),
    ("confidence out of range", _document(data_confidence=1.5), "confidence must be in"),
    ("nested attribute", _document(data_attributes={"a": [1]}), "attributes"),
]


@pytest.mark.parametrize(("why", "document", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_a_clear_error(why: str, document: Any, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode(json.dumps(document))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(constant: str) -> None:
    text = encode(event(1)).replace('"x":1.0', f'"x":{constant}')
    assert constant in text
    with pytest.raises(CodecError, match="finite"):
        decode(text)


def test_expected_kind_must_match() -> None:
    status = DeviceStatus("cam-1", T0, DeviceState.ONLINE)
    with pytest.raises(CodecError, match="its entry says event"):
        decode(encode(status), expected=EntryKind.EVENT)


def test_a_valid_payload_passes_the_same_checks() -> None:
    """The refusal table is not vacuous: the unmodified document decodes."""
    assert decode(json.dumps(_document())) == event(1)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_garbage_only_ever_raises_codec_error(data: bytes) -> None:
    with pytest.raises(CodecError):
        decode(data)


def test_times_come_back_in_utc() -> None:
    from zoneinfo import ZoneInfo

    kyiv = (T0 + timedelta(hours=1)).astimezone(ZoneInfo("Europe/Kyiv"))
    decoded = decode(encode(DeviceStatus("cam-1", kyiv, DeviceState.ONLINE)))
    assert isinstance(decoded, DeviceStatus)
    assert decoded.time == kyiv
    assert decoded.time.tzinfo is UTC

"""EventRepository on both backends."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import cast

import pytest

from kordon.domain.event import AttributeValue, Event, EventKind
from kordon.store import InvalidInputError, NotFoundError, Store
from tests.store.builders import at, event, full_event


def test_full_event_round_trips(store: Store) -> None:
    original = full_event()
    assert store.events.add(original) is True
    loaded = store.events.get(original.id)
    assert loaded == original
    assert loaded.time.tzinfo is not None
    assert loaded.time.utcoffset() == timedelta(0)
    assert loaded.time.microsecond == 123_456
    assert type(loaded.attributes["count"]) is int
    assert type(loaded.attributes["night"]) is bool
    assert type(loaded.attributes["speed_mps"]) is float


def test_minimal_event_round_trips(store: Store) -> None:
    original = Event(kind=EventKind.DEVICE_OFFLINE, time=at(5), source_id="cam-2")
    store.events.add(original)
    assert store.events.get(original.id) == original


def test_non_utc_time_is_stored_as_the_same_instant_in_utc(store: Store) -> None:
    kyiv = timezone(timedelta(hours=2))
    original = Event(
        id="ev-tz", kind=EventKind.ZONE_ENTER, time=at(0).astimezone(kyiv), source_id="c"
    )
    store.events.add(original)
    loaded = store.events.get("ev-tz")
    assert loaded.time == at(0)
    assert loaded.time.utcoffset() == timedelta(0)


def test_adding_the_same_id_twice_is_a_no_op(store: Store) -> None:
    first = event("ev-1", 0, source_id="cam-1")
    assert store.events.add(first) is True
    replay = event("ev-1", 99, source_id="cam-other")
    assert store.events.add(replay) is False
    assert store.events.get("ev-1") == first
    assert store.events.add_many([first, event("ev-2", 1), event("ev-3", 2)]) == 2
    assert len(store.events.list()) == 3


def test_get_many_keeps_the_asked_order_and_skips_unknown_ids(store: Store) -> None:
    store.events.add_many([event("a", 0), event("b", 1), event("c", 2)])
    got = store.events.get_many(["c", "nope", "a", "c"])
    assert [e.id for e in got] == ["c", "a"]
    assert store.events.get_many([]) == []


def test_missing_event_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="'nope'"):
        store.events.get("nope")


@pytest.fixture
def populated(store: Store) -> Store:
    events = [
        event(f"ev-{i:02d}", i * 10.0, source_id=f"cam-{i % 3}", sector_id=f"sector-{i % 2}")
        for i in range(10)
    ]
    events.append(event("ev-z", 50.0, kind=EventKind.ZONE_DWELL, sector_id=None))
    store.events.add_many(events)
    return store


def _ids(events: list[Event]) -> list[str]:
    return [e.id for e in events]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            {},
            [
                "ev-09",
                "ev-08",
                "ev-07",
                "ev-06",
                "ev-z",
                "ev-05",
                "ev-04",
                "ev-03",
                "ev-02",
                "ev-01",
                "ev-00",
            ],
        ),
        ({"since": at(30), "until": at(60)}, ["ev-z", "ev-05", "ev-04", "ev-03"]),
        ({"kinds": [EventKind.ZONE_DWELL]}, ["ev-z"]),
        ({"kinds": []}, []),
        ({"source_ids": ["cam-0"]}, ["ev-09", "ev-06", "ev-03", "ev-00"]),
        ({"sector_ids": ["sector-1"], "since": at(40)}, ["ev-09", "ev-07", "ev-05"]),
        ({"source_ids": ["cam-1", "cam-2"], "limit": 2}, ["ev-08", "ev-07"]),
    ],
)
def test_list_filters_newest_first(
    populated: Store, filters: dict[str, object], expected: list[str]
) -> None:
    assert _ids(populated.events.list(**filters)) == expected  # type: ignore[arg-type]


def test_pagination_with_cursor_visits_every_event_once_including_ties(store: Store) -> None:
    # Five events share one timestamp: the cursor must break ties by id.
    events = [event(f"tie-{i}", 10.0) for i in range(5)] + [
        event(f"ev-{i}", float(i)) for i in range(7)
    ]
    store.events.add_many(events)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = store.events.list(limit=3, before_id=cursor)
        if not page:
            break
        assert len(page) <= 3
        seen.extend(_ids(page))
        cursor = page[-1].id
    assert seen == ["tie-4", "tie-3", "tie-2", "tie-1", "tie-0"] + [
        f"ev-{i}" for i in range(6, -1, -1)
    ]


def test_unknown_cursor_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="before_id='gone'"):
        store.events.list(before_id="gone")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit must be in"),
        ({"limit": 100_000}, "limit must be in"),
        ({"since": at(0).replace(tzinfo=None)}, "since: since must be timezone-aware"),
        ({"source_ids": "cam-1"}, "not one string"),
    ],
)
def test_bad_list_arguments_are_refused(
    store: Store, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        store.events.list(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Event(id="x" * 65, kind=EventKind.ZONE_ENTER, time=at(0), source_id="c"), "event id"),
        (
            Event(
                kind=EventKind.ZONE_ENTER,
                time=at(0),
                source_id="c",
                attributes={"speed_mps": float("nan")},
            ),
            "must be finite",
        ),
        (
            Event(
                kind=EventKind.ZONE_ENTER,
                time=at(0),
                source_id="c",
                attributes=cast(dict[str, AttributeValue], {"nested": [1, 2]}),
            ),
            "must be one of str, int, float, bool",
        ),
        (Event(kind=EventKind.ZONE_ENTER, time=at(0), source_id="c" * 200), "source_id"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(
    store: Store, bad: Event, message: str
) -> None:
    good = event("ev-good", 0)
    with pytest.raises(InvalidInputError, match=message):
        store.events.add_many([good, bad])
    assert store.events.list() == []

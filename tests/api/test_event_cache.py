"""``EventCache``: only missing events are loaded; the least recently used go first."""

from __future__ import annotations

import pytest

from kordon.api.event_cache import EventCache
from kordon.domain.event import Event, EventKind
from tests.api.fakes import T0


def _event(event_id: str) -> Event:
    return Event(kind=EventKind.ZONE_ENTER, time=T0, source_id="cam1", id=event_id)


class Loader:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, event_ids: list[str]) -> list[Event]:
        self.calls.append(list(event_ids))
        return [_event(i) for i in event_ids if i != "gone"]


def test_only_missing_events_are_loaded_once() -> None:
    cache, load = EventCache(max_events=10), Loader()
    assert set(cache.get_many(["a", "b"], load)) == {"a", "b"}
    assert set(cache.get_many(["b", "c", "b", "gone"], load)) == {"b", "c"}
    assert set(cache.get_many(["a", "c"], load)) == {"a", "c"}
    assert load.calls == [["a", "b"], ["c", "gone"]]


def test_least_recently_used_are_evicted() -> None:
    cache, load = EventCache(max_events=2), Loader()
    cache.get_many(["a", "b"], load)
    cache.get_many(["a"], load)  # b is now the least recently used
    cache.get_many(["c"], load)
    assert len(cache) == 2
    cache.get_many(["a", "b"], load)
    assert load.calls[-1] == ["b"]


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_events"):
        EventCache(max_events=0)

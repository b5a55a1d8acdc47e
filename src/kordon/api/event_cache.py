"""``EventCache``: recently read events, so an incident page does not re-read its events.

Events are immutable facts (stored once, the first copy wins, never updated), so a cached
copy is never stale. Bounded (least recently used out first) and thread-safe: routes run
in a thread pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from kordon.domain.event import Event

EventLoader = Callable[[list[str]], list[Event]]
"""Reads the stored events among some ids (unknown ids skipped)."""


class EventCache:
    def __init__(self, *, max_events: int = 20_000) -> None:
        if max_events < 1:
            raise ValueError(f"max_events must be >= 1, got {max_events}")
        self._max = max_events
        self._events: OrderedDict[str, Event] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._events)

    def get_many(self, event_ids: Sequence[str], load: EventLoader) -> dict[str, Event]:
        """The events among ``event_ids`` by id: cached ones, the rest through ``load``
        (called once, with only the missing ids, and not at all when none is missing)."""
        found: dict[str, Event] = {}
        missing: list[str] = []
        with self._lock:
            for event_id in dict.fromkeys(event_ids):
                event = self._events.get(event_id)
                if event is None:
                    missing.append(event_id)
                else:
                    self._events.move_to_end(event_id)
                    found[event_id] = event
        if not missing:
            return found
        loaded = load(missing)
        with self._lock:
            for event in loaded:
                found[event.id] = event
                self._events[event.id] = event
                self._events.move_to_end(event.id)
            while len(self._events) > self._max:
                self._events.popitem(last=False)
        return found

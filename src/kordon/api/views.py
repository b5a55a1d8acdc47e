"""Building public views that need more than one source (incident + its first event)."""

from __future__ import annotations

from collections.abc import Sequence

from kordon.api.context import ApiContext
from kordon.api.event_cache import EventCache
from kordon.api.schemas.incidents import IncidentPublic
from kordon.domain.event import Event
from kordon.incidents.priority import PriorityPolicy
from kordon.store.incidents import StoredIncident

HEADLINE_EVENTS = 50
"""How many of an incident's first events are weighed to choose the one that names it."""
EVENTS_CHUNK = 500
"""Event ids per read when building many views (bounded ``IN (…)`` lists)."""


def incident_public(context: ApiContext, stored: StoredIncident) -> IncidentPublic:
    """The public view; what, where and which camera come from the incident's headline
    event (the weightiest kind among its events, as in its title)."""
    return incidents_public(context, [stored])[0]


def incidents_public(
    context: ApiContext, stored: Sequence[StoredIncident], *, cache: EventCache | None = None
) -> list[IncidentPublic]:
    """The public views of several incidents, reading all their headline candidates in
    one query per ``EVENTS_CHUNK`` events (never one per incident); events already in
    ``cache`` are not read again."""
    wanted = list(dict.fromkeys(i for s in stored for i in s.incident.event_ids[:HEADLINE_EVENTS]))

    def load(event_ids: list[str]) -> list[Event]:
        events: list[Event] = []
        for start in range(0, len(event_ids), EVENTS_CHUNK):
            events += context.events.get_many(event_ids[start : start + EVENTS_CHUNK])
        return events

    by_id = (
        cache.get_many(wanted, load)
        if cache is not None
        else {event.id: event for event in load(wanted)}
    )
    policy = PriorityPolicy()
    views: list[IncidentPublic] = []
    for s in stored:
        events = [by_id[i] for i in s.incident.event_ids[:HEADLINE_EVENTS] if i in by_id]
        views.append(IncidentPublic.of(s, policy.headline(events) if events else None))
    return views

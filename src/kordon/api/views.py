"""Building public views that need more than one source (incident + its first event)."""

from __future__ import annotations

from kordon.api.context import ApiContext
from kordon.api.schemas.incidents import IncidentPublic
from kordon.incidents.priority import PriorityPolicy
from kordon.store.incidents import StoredIncident

HEADLINE_EVENTS = 50
"""How many of an incident's first events are weighed to choose the one that names it."""


def incident_public(context: ApiContext, stored: StoredIncident) -> IncidentPublic:
    """The public view; what, where and which camera come from the incident's headline
    event (the weightiest kind among its events, as in its title)."""
    events = context.events.get_many(stored.incident.event_ids[:HEADLINE_EVENTS])
    headline = PriorityPolicy().headline(events) if events else None
    return IncidentPublic.of(stored, headline)

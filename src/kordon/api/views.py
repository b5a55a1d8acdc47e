"""Building public views that need more than one source (incident + its first event)."""

from __future__ import annotations

from kordon.api.context import ApiContext
from kordon.api.schemas.incidents import IncidentPublic
from kordon.domain.event import Event
from kordon.store.errors import NotFoundError
from kordon.store.incidents import StoredIncident


def incident_public(context: ApiContext, stored: StoredIncident) -> IncidentPublic:
    first: Event | None = None
    if stored.incident.event_ids:
        try:
            first = context.events.get(stored.incident.event_ids[0])
        except NotFoundError:
            first = None
    return IncidentPublic.of(stored, first)

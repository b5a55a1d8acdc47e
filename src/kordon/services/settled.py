"""When an incident was settled (resolved, then perhaps closed): what releases its evidence."""

from __future__ import annotations

from datetime import datetime

from kordon.domain.incident import IncidentStatus
from kordon.store import StoredIncident

SETTLED = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})


def settled_at(incident: StoredIncident) -> datetime | None:
    """When the incident left the active states for the last time (resolved, then perhaps
    closed); ``None`` while it is open, acknowledged or dispatched (or reopened)."""
    if incident.incident.status not in SETTLED:
        return None
    since: datetime | None = None
    for step in reversed(incident.incident.history):
        if step.status not in SETTLED:
            break
        since = step.time
    return since if since is not None else incident.updated_at

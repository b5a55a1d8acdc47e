"""``RepositoryIncidentActions``: incident actions straight on the store's repository.

A stand-in for ``kordon.incidents.IncidentService`` (which adds escalation and
notifications): it applies the domain lifecycle (``Incident.transition``) and saves with
the stored version, so a concurrent change raises ``ConflictError`` instead of being lost.
A note is a history step that keeps the status.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kordon.domain.incident import IncidentStatus, IncidentStep, Resolution
from kordon.domain.time import require_utc
from kordon.store.incidents import IncidentRepository, StoredIncident


class RepositoryIncidentActions:
    def __init__(self, incidents: IncidentRepository) -> None:
        self._incidents = incidents

    def _move(
        self,
        incident_id: str,
        to: IncidentStatus,
        *,
        actor: str,
        note: str,
        time: datetime,
        resolution: Resolution | None = None,
        assignee: str | None = None,
    ) -> StoredIncident:
        stored = self._incidents.get(incident_id)
        moved = stored.incident.transition(
            to, actor=actor, time=time, note=note, resolution=resolution
        )
        if assignee is not None:
            moved = replace(moved, assignee=assignee)
        return self._incidents.save(moved, expected_version=stored.version, time=time)

    def acknowledge(
        self, incident_id: str, *, actor: str, note: str, time: datetime
    ) -> StoredIncident:
        return self._move(
            incident_id, IncidentStatus.ACKNOWLEDGED, actor=actor, note=note, time=time
        )

    def dispatch(
        self, incident_id: str, *, actor: str, unit: str, note: str, time: datetime
    ) -> StoredIncident:
        return self._move(
            incident_id, IncidentStatus.DISPATCHED, actor=actor, note=note, time=time, assignee=unit
        )

    def resolve(
        self,
        incident_id: str,
        *,
        actor: str,
        resolution: Resolution,
        note: str,
        time: datetime,
    ) -> StoredIncident:
        return self._move(
            incident_id,
            IncidentStatus.RESOLVED,
            actor=actor,
            note=note,
            time=time,
            resolution=resolution,
        )

    def close(self, incident_id: str, *, actor: str, note: str, time: datetime) -> StoredIncident:
        return self._move(incident_id, IncidentStatus.CLOSED, actor=actor, note=note, time=time)

    def add_note(
        self, incident_id: str, *, actor: str, text: str, time: datetime
    ) -> StoredIncident:
        stored = self._incidents.get(incident_id)
        incident = stored.incident
        step = IncidentStep(status=incident.status, actor=actor, time=require_utc(time), note=text)
        noted = replace(incident, history=(*incident.history, step))
        return self._incidents.save(noted, expected_version=stored.version, time=time)

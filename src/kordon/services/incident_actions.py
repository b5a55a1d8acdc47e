"""``IncidentActionsAdapter``: the API's operator actions carried out by the incident service.

The API acts on the incident as it is now; the adapter reads the current version and hands
it to the service, whose conditional write still refuses a change that raced another one.
"""

from __future__ import annotations

from datetime import datetime

from kordon.domain.incident import Resolution
from kordon.incidents.service import IncidentService
from kordon.store.incidents import StoredIncident


class IncidentActionsAdapter:
    def __init__(self, service: IncidentService) -> None:
        self._service = service

    def _version(self, incident_id: str) -> int:
        return self._service.get(incident_id).version

    def acknowledge(
        self, incident_id: str, *, actor: str, note: str, time: datetime
    ) -> StoredIncident:
        return self._service.acknowledge(
            incident_id,
            actor=actor,
            time=time,
            expected_version=self._version(incident_id),
            note=note,
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
        return self._service.resolve(
            incident_id,
            actor=actor,
            resolution=resolution,
            time=time,
            expected_version=self._version(incident_id),
            note=note,
        )

    def close(self, incident_id: str, *, actor: str, note: str, time: datetime) -> StoredIncident:
        return self._service.close(
            incident_id,
            actor=actor,
            time=time,
            expected_version=self._version(incident_id),
            note=note,
        )

    def add_note(
        self, incident_id: str, *, actor: str, text: str, time: datetime
    ) -> StoredIncident:
        return self._service.add_note(
            incident_id,
            actor=actor,
            note=text,
            time=time,
            expected_version=self._version(incident_id),
        )

"""The JSON that notifiers send: the API's public shapes of what the bus carries.

Events, alerts, device status and tracks use the same models as the API and the live feed
(``EventPublic``, ``AlertPublic``, ``DeviceStatusPublic``, ``LiveTrackPublic``). An
incident on the bus is the domain object without its stored extras, so it is sent as
:class:`IncidentNotice`: the lifecycle fields of ``IncidentPublic``, nothing read back
from the store.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from kordon.api.live_messages import AlertPublic, LiveTrackPublic
from kordon.api.schemas.base import PublicModel
from kordon.api.schemas.events import EventPublic
from kordon.api.schemas.incidents import CrossingsPublic
from kordon.api.schemas.site import DeviceStatusPublic
from kordon.domain.event import Event
from kordon.domain.incident import Incident, IncidentStatus, Resolution
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceStatus
from kordon.incidents.alerts import IncidentAlert


class IncidentNotice(PublicModel):
    """An incident after a change (the fields of ``IncidentPublic`` the bus carries)."""

    id: str
    title: str
    status: IncidentStatus
    priority: int
    opened_at: datetime
    sector_id: str | None
    assignee: str | None
    dispatched_unit: str | None
    resolution: Resolution | None
    event_ids: list[str]
    sla_due_at: datetime | None
    escalated: bool
    last_alert_at: datetime
    crossings: CrossingsPublic

    @classmethod
    def of(cls, incident: Incident) -> IncidentNotice:
        return cls(
            id=incident.id,
            title=incident.title,
            status=incident.status,
            priority=incident.priority,
            opened_at=incident.opened_at,
            sector_id=incident.sector_id,
            assignee=incident.assignee,
            dispatched_unit=incident.dispatched_unit,
            resolution=incident.resolution,
            event_ids=list(incident.event_ids),
            sla_due_at=incident.sla_due_at,
            escalated=incident.escalated_at is not None,
            last_alert_at=incident.last_alert_at or incident.opened_at,
            crossings=CrossingsPublic.of(incident.crossings),
        )


def _json(model: BaseModel) -> bytes:
    return model.model_dump_json().encode("utf-8")


def event_json(event: Event) -> bytes:
    return _json(EventPublic.of(event))


def incident_json(incident: Incident) -> bytes:
    return _json(IncidentNotice.of(incident))


def alert_json(alert: IncidentAlert) -> bytes:
    return _json(AlertPublic.of(alert))


def device_json(status: DeviceStatus) -> bytes:
    return _json(DeviceStatusPublic.of(status))


def track_json(track: LiveTrack) -> bytes:
    return _json(LiveTrackPublic.of(track))

"""What an outbox entry carries, and how urgently it must cross the link."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident
from kordon.domain.status import DeviceStatus


class EntryKind(StrEnum):
    EVENT = "event"
    INCIDENT = "incident"
    DEVICE_STATUS = "device_status"
    AUDIT = "audit"


class Priority(IntEnum):
    """Lower goes first: alarms before tracks before health; audit entries last."""

    ALARM = 0
    TRACK = 1
    HEALTH = 2
    AUDIT = 3


HEALTH_EVENT_KINDS = frozenset(
    {EventKind.DEVICE_ONLINE, EventKind.DEVICE_OFFLINE, EventKind.STORAGE_ALARM}
)
"""Event kinds about the equipment rather than about someone at the border."""

Shipped = Event | Incident | DeviceStatus
"""The domain objects an outbox entry can carry today."""


def kind_of(item: Shipped) -> EntryKind:
    if isinstance(item, Event):
        return EntryKind.EVENT
    if isinstance(item, Incident):
        return EntryKind.INCIDENT
    return EntryKind.DEVICE_STATUS


def default_priority(item: Shipped) -> Priority:
    """Incidents and rule events are alarms; device events and status are health."""
    if isinstance(item, Incident):
        return Priority.ALARM
    if isinstance(item, Event):
        return Priority.HEALTH if item.kind in HEALTH_EVENT_KINDS else Priority.ALARM
    return Priority.HEALTH

"""What an outbox entry carries, and how urgently it must cross the link."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident
from kordon.domain.status import DeviceStatus
from kordon.link.event_snapshot import EventSnapshot


class EntryKind(StrEnum):
    EVENT = "event"
    INCIDENT = "incident"
    DEVICE_STATUS = "device_status"
    AUDIT = "audit"
    SNAPSHOT = "snapshot"


class Priority(IntEnum):
    """Lower goes first: alarms, then their snapshots, tracks, health; audit entries last.

    Stored in each edge's ``link_outbox`` (migration ``0012`` moved TRACK, HEALTH and AUDIT
    up by one when SNAPSHOT came in) and sent with every entry."""

    ALARM = 0
    SNAPSHOT = 1
    TRACK = 2
    HEALTH = 3
    AUDIT = 4


HEALTH_EVENT_KINDS = frozenset(
    {EventKind.DEVICE_ONLINE, EventKind.DEVICE_OFFLINE, EventKind.STORAGE_ALARM}
)
"""Event kinds about the equipment rather than about someone at the border."""

Shipped = Event | Incident | DeviceStatus | EventSnapshot
"""The domain objects an outbox entry can carry today."""


def kind_of(item: Shipped) -> EntryKind:
    if isinstance(item, Event):
        return EntryKind.EVENT
    if isinstance(item, Incident):
        return EntryKind.INCIDENT
    if isinstance(item, EventSnapshot):
        return EntryKind.SNAPSHOT
    return EntryKind.DEVICE_STATUS


def default_priority(item: Shipped) -> Priority:
    """Incidents and rule events are alarms; device events and status are health; an
    event's picture comes after the alarms."""
    if isinstance(item, Incident):
        return Priority.ALARM
    if isinstance(item, Event):
        return Priority.HEALTH if item.kind in HEALTH_EVENT_KINDS else Priority.ALARM
    if isinstance(item, EventSnapshot):
        return Priority.SNAPSHOT
    return Priority.HEALTH

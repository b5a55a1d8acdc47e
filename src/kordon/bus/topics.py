"""The topics of the bus and the message type each one carries."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    EVENTS = "events"
    """``kordon.domain.event.Event``: persisted facts from rules and devices."""
    DEVICE_STATUS = "device_status"
    """``kordon.domain.status.DeviceStatus``: camera, sensor and service health."""
    TRACKS = "tracks"
    """Live track positions for the operator map (not persisted)."""
    INCIDENTS = "incidents"
    """``kordon.domain.incident.Incident`` after each change."""
    ALERTS = "alerts"
    """``kordon.incidents.alerts.IncidentAlert``: operators must look (after the incident)."""

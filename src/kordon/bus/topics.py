"""The topics of the bus (names on the wire; each has one channel in ``channels``)."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    EVENTS = "events"
    DEVICE_STATUS = "device_status"
    TRACKS = "tracks"
    INCIDENTS = "incidents"
    ALERTS = "alerts"
    OBSERVATIONS = "observations"
    SITE_TRACKS = "site_tracks"
    DRONES = "drones"
    AIRCRAFT = "aircraft"

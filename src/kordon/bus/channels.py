"""``Channel``: a topic bound to the one payload type (and version) it carries.

Publishers and subscribers name a channel, never a bare topic, so the type checker sees
what flows where: ``bus.publish(EVENTS, event)`` must pass an ``Event`` and a route on
``EVENTS`` receives one. The in-process bus also checks the type when a message is
published (a wrong payload is a programming error and raises), so subscribers never test
what they got. ``version`` is the payload's schema version, carried by transports that
serialise (MQTT) so a receiver refuses versions it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kordon.bus.topics import Topic
from kordon.domain.aircraft import AircraftState
from kordon.domain.drone import DroneState
from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.live_track import LiveTrack
from kordon.domain.scan import SensorScan
from kordon.domain.site_tracks import SiteTracks
from kordon.domain.status import DeviceStatus
from kordon.incidents.alerts import IncidentAlert

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Channel(Generic[P]):
    """One topic and its payload type; see the module docstring."""

    topic: Topic
    payload: type[P]
    version: int
    description: str

    def check(self, message: object) -> P:
        """``message`` as this channel's payload, or ``TypeError`` naming both."""
        if not isinstance(message, self.payload):
            raise TypeError(
                f"bus channel {self.topic.value!r} carries {self.payload.__name__} "
                f"(v{self.version}), not {type(message).__name__}"
            )
        return message


EVENTS = Channel(Topic.EVENTS, Event, 1, "Persisted facts from rules and devices.")
DEVICE_STATUS = Channel(Topic.DEVICE_STATUS, DeviceStatus, 1, "Camera, sensor and service health.")
TRACKS = Channel(
    Topic.TRACKS, LiveTrack, 1, "Track positions for the operator map (not persisted)."
)
INCIDENTS = Channel(Topic.INCIDENTS, Incident, 1, "An incident after each change.")
ALERTS = Channel(
    Topic.ALERTS, IncidentAlert, 1, "Operators must look (sent after the incident change)."
)
OBSERVATIONS = Channel(
    Topic.OBSERVATIONS,
    SensorScan,
    1,
    "One sensor's scan: its reports in the site frame with covariance (or none).",
)
SITE_TRACKS = Channel(
    Topic.SITE_TRACKS, SiteTracks, 1, "The fused picture of the site after each tracker step."
)
DRONES = Channel(
    Topic.DRONES,
    DroneState,
    1,
    "A drone's live telemetry and camera footprint for the operator map (not persisted).",
)
AIRCRAFT = Channel(
    Topic.AIRCRAFT,
    AircraftState,
    1,
    "A cooperative (ADS-B) aircraft for the operator map, apart from the fused picture; "
    "the last message of one is `expired` (not persisted).",
)

ALL_CHANNELS: tuple[Channel[Any], ...] = (
    EVENTS,
    DEVICE_STATUS,
    TRACKS,
    INCIDENTS,
    ALERTS,
    OBSERVATIONS,
    SITE_TRACKS,
    DRONES,
    AIRCRAFT,
)
"""Every channel, for transports and the message documentation."""

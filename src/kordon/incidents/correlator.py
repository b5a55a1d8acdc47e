"""``Correlator``: decides which open incident an event belongs to, or that it opens one.

Rules, in order (deterministic; time is the events' own time, never the clock):

1. **Device events** (``device_offline``, ``device_online``, ``storage_alarm``) only ever
   join incidents made of device events of the same device (``source_id``). A
   ``device_online`` with no open device incident is *ignored* (a camera coming back is
   not something to handle by itself; it closes the story of an open ``device_offline``).
2. **Same track**: an event with ``track_id`` joins an open incident holding an event of
   the same ``(source_id, track_id)``, whatever the time gap.
3. **Same place**: otherwise it joins an open incident holding an event of the same
   sector (``sector_id``; when the event has no sector: the same ``source_id``) that is at
   most ``window_s`` apart in time and at most ``radius_m`` apart in space: geodesic
   distance on WGS84 when both have lat/lon, planar when both are in the site frame,
   pixels (``image_radius_px``) when both are image positions from the same camera. When
   the two positions cannot be compared (one is unknown, or different cameras' images),
   sector and time alone decide.
4. Otherwise the event opens a new incident.

Ties go to the candidate with the smallest time gap, then distance, then incident id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pyproj import Geod

from kordon.domain.event import Event, EventKind, Frame
from kordon.incidents.errors import ConfigurationError

DEVICE_KINDS = frozenset(
    {EventKind.DEVICE_OFFLINE, EventKind.DEVICE_ONLINE, EventKind.STORAGE_ALARM}
)


Candidate = tuple[str, float, float | None]
"""(incident id, time gap in seconds, distance or ``None``)."""


def is_device_event(event: Event) -> bool:
    return event.kind in DEVICE_KINDS


class MatchReason(StrEnum):
    SAME_DEVICE = "same_device"
    SAME_TRACK = "same_track"
    SAME_PLACE = "same_place"
    NEW = "new"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class CorrelationPolicy:
    window_s: float = 120.0
    """Events of the same sector at most this many seconds apart may join."""
    radius_m: float = 300.0
    """... and at most this many metres apart (when both positions are known)."""
    image_radius_px: float = 200.0
    """... or this many pixels apart, for image positions from the same camera."""

    def __post_init__(self) -> None:
        for name in ("window_s", "radius_m", "image_radius_px"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigurationError(f"{name} must be a positive number, got {value}")


@dataclass(frozen=True, slots=True)
class IncidentFootprint:
    """What the correlator knows of an open incident: its id and its events."""

    incident_id: str
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class CorrelationDecision:
    """``incident_id`` to join, or ``None`` (open a new one, or ignore the event)."""

    reason: MatchReason
    incident_id: str | None = None
    gap_s: float | None = None
    distance: float | None = None
    """Metres, or pixels for two image positions; ``None`` when not compared."""


class Correlator:
    """Pure and stateless: ``correlate(event, open incidents) -> decision``."""

    def __init__(self, policy: CorrelationPolicy | None = None) -> None:
        self._policy = policy or CorrelationPolicy()
        self._geod = Geod(ellps="WGS84")

    @property
    def policy(self) -> CorrelationPolicy:
        return self._policy

    def correlate(
        self, event: Event, open_incidents: Sequence[IncidentFootprint]
    ) -> CorrelationDecision:
        if is_device_event(event):
            return self._correlate_device(event, open_incidents)
        if event.track_id is not None:
            best = self._best(
                (footprint.incident_id, abs(_gap_s(event, other)), None)
                for footprint in open_incidents
                for other in footprint.events
                if not is_device_event(other)
                and other.track_id == event.track_id
                and other.source_id == event.source_id
            )
            if best is not None:
                return CorrelationDecision(MatchReason.SAME_TRACK, best[0], best[1])
        candidates: list[Candidate] = []
        for footprint in open_incidents:
            for other in footprint.events:
                if is_device_event(other) or not _same_place_key(event, other):
                    continue
                gap = abs(_gap_s(event, other))
                if gap > self._policy.window_s:
                    continue
                distance, limit = self._distance(event, other)
                if distance is not None and distance > limit:
                    continue
                candidates.append((footprint.incident_id, gap, distance))
        best = self._best(candidates)
        if best is not None:
            return CorrelationDecision(MatchReason.SAME_PLACE, best[0], best[1], best[2])
        return CorrelationDecision(MatchReason.NEW)

    def _correlate_device(
        self, event: Event, open_incidents: Sequence[IncidentFootprint]
    ) -> CorrelationDecision:
        best = self._best(
            (footprint.incident_id, abs(_gap_s(event, other)), None)
            for footprint in open_incidents
            if footprint.events and all(is_device_event(e) for e in footprint.events)
            for other in footprint.events
            if other.source_id == event.source_id
        )
        if best is not None:
            return CorrelationDecision(MatchReason.SAME_DEVICE, best[0], best[1])
        if event.kind is EventKind.DEVICE_ONLINE:
            return CorrelationDecision(MatchReason.IGNORED)
        return CorrelationDecision(MatchReason.NEW)

    @staticmethod
    def _best(candidates: Iterable[Candidate]) -> Candidate | None:
        """The closest candidate in time, then space, then by incident id."""
        items = list(candidates)
        if not items:
            return None
        return min(items, key=lambda c: (c[1], math.inf if c[2] is None else c[2], c[0]))

    def _distance(self, a: Event, b: Event) -> tuple[float | None, float]:
        """Distance between two events' positions and the limit that applies to it."""
        if None not in (a.lat, a.lon, b.lat, b.lon):
            _, _, metres = self._geod.inv(a.lon, a.lat, b.lon, b.lat)
            return float(metres), self._policy.radius_m
        if a.x is None or a.y is None or b.x is None or b.y is None:
            return None, math.inf
        if a.frame is Frame.LOCAL and b.frame is Frame.LOCAL:
            return math.hypot(a.x - b.x, a.y - b.y), self._policy.radius_m
        if a.frame is Frame.IMAGE and b.frame is Frame.IMAGE and a.source_id == b.source_id:
            return math.hypot(a.x - b.x, a.y - b.y), self._policy.image_radius_px
        return None, math.inf


def _gap_s(a: Event, b: Event) -> float:
    return (a.time - b.time).total_seconds()


def _same_place_key(a: Event, b: Event) -> bool:
    if a.sector_id is not None:
        return a.sector_id == b.sector_id
    return b.sector_id is None and a.source_id == b.source_id

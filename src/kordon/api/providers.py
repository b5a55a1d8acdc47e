"""The services the API needs from other packages, as small protocols.

The composition root passes implementations in through :class:`kordon.api.context.ApiContext`;
tests pass fakes. Each protocol names the few verbs the routes use, nothing more.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import JsonValue

from kordon.domain.event import Direction, EventKind
from kordon.domain.incident import IncidentStatus, Resolution
from kordon.domain.status import DeviceStatus
from kordon.incidents.feedback import FalseAlarmStats
from kordon.store.incidents import StoredIncident

GeoJson = dict[str, JsonValue]
"""A GeoJSON object (FeatureCollection, Polygon…), as produced by ``kordon.geo``."""


class IncidentReader(Protocol):
    """Reads incidents with their service fields (dispatch unit, SLA due, escalation)."""

    def get(self, incident_id: str) -> StoredIncident: ...

    def list(
        self,
        *,
        status: IncidentStatus | Collection[IncidentStatus] | None = None,
        sector_ids: Collection[str] | None = None,
        priority: int | None = None,
        limit: int = 100,
    ) -> list[StoredIncident]: ...

    def false_alarm_stats(self) -> builtins.list[FalseAlarmStats]:
        """Resolution counts per (source, rule) of resolved incidents."""
        ...


class IncidentActions(Protocol):
    """Operator actions on incidents, with optimistic concurrency and lifecycle checks
    (dispatching a registered unit is in ``kordon.api.routes.units``).

    Each raises ``kordon.store.NotFoundError`` for an unknown id,
    ``kordon.domain.incident.InvalidTransitionError`` for a move the lifecycle refuses
    (nothing is changed) and ``kordon.store.ConflictError`` when a concurrent change won.
    """

    def acknowledge(
        self, incident_id: str, *, actor: str, note: str, time: datetime
    ) -> StoredIncident: ...

    def resolve(
        self,
        incident_id: str,
        *,
        actor: str,
        resolution: Resolution,
        note: str,
        time: datetime,
    ) -> StoredIncident: ...

    def close(
        self, incident_id: str, *, actor: str, note: str, time: datetime
    ) -> StoredIncident: ...

    def add_note(
        self, incident_id: str, *, actor: str, text: str, time: datetime
    ) -> StoredIncident: ...


@dataclass(frozen=True, slots=True)
class ClipInfo:
    id: str
    camera_id: str
    incident_id: str | None
    start: datetime
    end: datetime
    content_type: str = "video/mp4"


@dataclass(frozen=True, slots=True)
class CrossingClip:
    """One camera's clip around one event of an incident (a crossing, unless asked otherwise)."""

    clip: ClipInfo
    event_id: str
    event_kind: EventKind
    event_direction: Direction | None
    event_time: datetime
    default: bool = False
    """The clip the incident pane opens with: its most severe crossing, on its own camera."""

    @property
    def offset_s(self) -> float:
        """Seconds from the clip's first frame to the event."""
        return (self.event_time - self.clip.start).total_seconds()


class ClipProvider(Protocol):
    def clips_for_incident(self, incident_id: str) -> Sequence[ClipInfo]:
        """Per camera, the clip of the whole incident (pre-roll before its first event to
        post-roll after its last)."""
        ...

    def crossing_clips(
        self, incident_id: str, *, event_id: str | None = None
    ) -> Sequence[CrossingClip]:
        """The clips around each crossing of the incident (or around ``event_id`` only, any
        event of the incident), whose post-roll is recorded; earliest event first.

        Raises ``kordon.store.NotFoundError`` for an unknown incident, or an event that is
        not the incident's.
        """
        ...

    def clip_info(self, clip_id: str) -> ClipInfo | None:
        """The clip's metadata, or ``None`` if unknown."""
        ...

    def open_clip(self, clip_id: str) -> Path:
        """The clip's file (inside the recorder's directory)."""
        ...


class SnapshotProvider(Protocol):
    def latest_jpeg(self, camera_id: str, overlay: bool) -> bytes | None: ...

    def event_jpeg(self, event_id: str) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class ExportInfo:
    id: str
    incident_id: str
    sha256: str
    path: Path


class ExportProvider(Protocol):
    def create_export(
        self,
        *,
        incident_id: str,
        reason: str,
        actor: str,
        time: datetime,
        masked_video: bool = False,
    ) -> ExportInfo:
        """``masked_video``: add a privacy-masked re-encode beside each clip (derived)."""
        ...

    def export_info(self, export_id: str) -> ExportInfo | None: ...


@dataclass(frozen=True, slots=True)
class SiteInfo:
    id: str
    name: str
    origin_lat: float
    origin_lon: float
    timezone: str
    home_side: str
    bounds_wsen: tuple[float, float, float, float]


class MapLayers(Protocol):
    """Site description and map layers (built from ``SiteConfig`` and ``kordon.geo``).

    ``sectors`` features carry ``properties.id``; the API filters them by the user's scope.
    """

    def site(self) -> SiteInfo: ...

    def borders(self) -> GeoJson: ...

    def km_posts(self, every_km: float) -> GeoJson: ...

    def sectors(self) -> GeoJson: ...

    def zones(self) -> GeoJson: ...

    def sensors(self) -> GeoJson:
        """Ground sensors: a point (``role: device``) and a detection area (``role: area``)."""
        ...

    def basemap_style(self) -> GeoJson: ...


class BasemapSource(Protocol):
    """Styles, vector tiles and label glyphs of the offline basemap (``/api/basemap/*``)."""

    def style(self, theme: str) -> GeoJson | None:
        """The MapLibre style of ``theme`` (``dark``, ``light``); ``None`` when unknown."""
        ...

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """Stored tile bytes (gzip MVT) of XYZ ``z/x/y``; ``None`` when absent;
        ``ValueError`` outside the zoom's grid."""
        ...

    def glyphs(self, fontstack: str, first: int) -> bytes | None:
        """Glyph PBF of ``first..first + 255``; ``None`` for an unknown font;
        ``ValueError`` for a bad range."""
        ...


@dataclass(frozen=True, slots=True)
class CameraInfo:
    id: str
    name: str
    sector_id: str
    kind: str
    position_lat: float | None = None
    position_lon: float | None = None
    fov: GeoJson | None = None
    """A GeoJSON Polygon of the ground footprint, when the camera is georeferenced."""

    @property
    def georeferenced(self) -> bool:
        return self.position_lat is not None and self.position_lon is not None


class CameraDirectory(Protocol):
    def cameras(self) -> Sequence[CameraInfo]: ...


@dataclass(frozen=True, slots=True)
class AuditRecord:
    time: datetime
    actor: str
    action: str
    subject: str
    outcome: str
    details: dict[str, JsonValue] = field(default_factory=dict)


class AuditSink(Protocol):
    """Where every operator action and every refused attempt is recorded."""

    def record(  # noqa: PLR0917 (the AuditSink signature the evidence side implements)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None: ...


class AuditReader(Protocol):
    def recent(self, limit: int) -> Sequence[AuditRecord]:
        """The newest ``limit`` audit records, newest first."""
        ...


class DeviceStatuses(Protocol):
    def latest(self) -> list[DeviceStatus]: ...

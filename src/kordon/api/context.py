"""``ApiContext``: everything the API needs, built by the composition root and passed in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kordon.accounts.service import AccountService
from kordon.api.providers import (
    AuditReader,
    AuditSink,
    BasemapSource,
    CameraDirectory,
    ClipProvider,
    DeviceStatuses,
    ExportProvider,
    IncidentActions,
    IncidentReader,
    MapLayers,
    SnapshotProvider,
)
from kordon.bus.protocol import Bus
from kordon.domain.live_track import LiveTrack
from kordon.register.context import RegisterContext
from kordon.sensors.ugs.http_intake import UgsHttpIntake
from kordon.services.recent_alerts import RecentAlerts
from kordon.store.events import EventRepository

MIB = 1024 * 1024


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class ApiSettings:
    cookie_secure: bool = False
    """Always set the cookie's ``Secure`` flag; answers to requests that arrived over HTTPS
    (directly, or through a trusted proxy's ``X-Forwarded-Proto``) always have it."""
    cookie_name: str = "kordon_session"
    allowed_hosts: tuple[str, ...] = LOCAL_HOSTS
    """``Host`` names the API answers (``*.example.org`` for subdomains, ``*`` for any);
    others get 400, so a rebound DNS name cannot reach the node from a foreign page."""
    allowed_origins: frozenset[str] = frozenset()
    """Origins, besides the server's own, allowed to open the live WebSocket."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of reverse proxies whose ``X-Forwarded-For`` (client address)
    and ``X-Forwarded-Proto`` (scheme) are believed; from anyone else they are ignored."""
    max_body_bytes: int = MIB
    path_body_bytes: tuple[tuple[str, int], ...] = (("/api/register/", 28 * MIB),)
    """Larger limits for paths starting with a prefix: the register takes delivery
    documents (20 MB), check photos and spreadsheets, base64- or form-encoded."""
    live_queue_size: int = 256
    """Messages buffered per WebSocket client; a client that falls this far behind is dropped."""
    live_send_timeout_s: float = 5.0
    static_dir: Path | None = None
    """The built web UI (``web/dist``); served at ``/`` when the directory exists."""
    refusal_interval_s: float = 60.0
    """Refused unauthenticated attempts are audited as one count per source per interval."""


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The API's collaborators. ``clock`` gives UTC-aware ``now`` (tests drive it);
    ``monotonic_s`` feeds the login rate limiter."""

    accounts: AccountService
    events: EventRepository
    incidents: IncidentReader
    incident_actions: IncidentActions
    devices: DeviceStatuses
    map_layers: MapLayers
    cameras: CameraDirectory
    clips: ClipProvider
    snapshots: SnapshotProvider
    exports: ExportProvider
    audit: AuditSink
    audit_reader: AuditReader
    clock: Callable[[], datetime]
    monotonic_s: Callable[[], float]
    bus: Bus | None = None
    recent_alerts: RecentAlerts | None = None
    """The node run's numbered recent alerts, replayed to browsers that reconnect."""
    current_tracks: Callable[[], Sequence[LiveTrack]] | None = None
    """The tracks held now (the centre's picture of its outposts' tracks), sent to a browser
    when it connects to ``/api/live``; none: tracks appear with their next updates."""
    basemap: BasemapSource | None = None
    """Offline basemap tiles and glyphs; none: ``/api/basemap/*`` answers 404."""
    ground_sensors: UgsHttpIntake | None = None
    """Signed ground-sensor messages over HTTP; none: ``/api/sensors/ugs`` answers 404."""
    settings: ApiSettings = field(default_factory=ApiSettings)
    register: RegisterContext | None = None
    """The equipment register; none: the ``/api/register`` routes are not mounted."""

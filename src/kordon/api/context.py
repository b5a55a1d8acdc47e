"""``ApiContext``: everything the API needs, built by the composition root and passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kordon.accounts.service import AccountService
from kordon.api.providers import (
    AuditReader,
    AuditSink,
    CameraDirectory,
    ClipProvider,
    DeviceStatuses,
    ExportProvider,
    IncidentActions,
    IncidentReader,
    MapLayers,
    SnapshotProvider,
)
from kordon.bus.inprocess import InProcessBus
from kordon.store.events import EventRepository

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiSettings:
    cookie_secure: bool = False
    """Set the cookie's ``Secure`` flag (turn on behind HTTPS)."""
    cookie_name: str = "kordon_session"
    allowed_origins: frozenset[str] = frozenset()
    """Origins, besides the server's own, allowed to open the live WebSocket."""
    max_body_bytes: int = MIB
    live_queue_size: int = 256
    """Messages buffered per WebSocket client; a client that falls this far behind is dropped."""
    live_send_timeout_s: float = 5.0
    static_dir: Path | None = None
    """The built web UI (``web/dist``); served at ``/`` when the directory exists."""
    trusted_proxy: bool = False
    """Take the client address from ``X-Forwarded-For`` (only behind a trusted proxy)."""


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
    bus: InProcessBus | None = None
    settings: ApiSettings = field(default_factory=ApiSettings)

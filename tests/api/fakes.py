"""Fakes and builders for the API tests: a driven clock, providers, a seeded site."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from pydantic import JsonValue

from kordon.accounts.passwords import PasswordHasherService
from kordon.accounts.ratelimit import LoginRateLimiter
from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.api.app_type import KordonApi
from kordon.api.audit_log import MemoryAuditLog
from kordon.api.context import ApiContext, ApiSettings
from kordon.api.providers import (
    CameraInfo,
    ClipInfo,
    CrossingClip,
    ExportInfo,
    GeoJson,
    SiteInfo,
)
from kordon.bus.inprocess import InProcessBus
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident
from kordon.incidents.service import IncidentService
from kordon.services.basemap_files import basemap_files
from kordon.services.incident_actions import IncidentActionsAdapter
from kordon.store import Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
IN_SECTOR = "s1"
OUT_SECTOR = "s2"
JPEG_BYTES = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"


def cheap_hasher() -> PasswordHasherService:
    """argon2id with tiny parameters: fast tests, same code path."""
    return PasswordHasherService(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@dataclass
class FakeClock:
    now: datetime = T0
    mono_s: float = 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono_s

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono_s += seconds


class StaticMap:
    def site(self) -> SiteInfo:
        return SiteInfo(
            "volyn", "Volyn demo", 51.5, 24.0, "Europe/Kyiv", "UA", (23.5, 51.2, 24.5, 51.9)
        )

    def borders(self) -> GeoJson:
        return {"type": "FeatureCollection", "features": []}

    def km_posts(self, every_km: float) -> GeoJson:
        return {"type": "FeatureCollection", "features": [], "every_km": every_km}

    def sectors(self) -> GeoJson:
        features: list[JsonValue] = [
            {"type": "Feature", "geometry": None, "properties": {"id": s, "name": s, "unit": "u"}}
            for s in (IN_SECTOR, OUT_SECTOR)
        ]
        return {"type": "FeatureCollection", "features": features}

    def zones(self) -> GeoJson:
        return {"type": "FeatureCollection", "features": []}

    def sensors(self) -> GeoJson:
        return {"type": "FeatureCollection", "features": []}

    def basemap_style(self) -> GeoJson:
        return {"version": 8, "sources": {}, "layers": []}


@dataclass
class StaticCameras:
    items: tuple[CameraInfo, ...]

    def cameras(self) -> Sequence[CameraInfo]:
        return self.items


@dataclass
class FakeClips:
    directory: Path
    clips: dict[str, ClipInfo] = field(default_factory=dict)

    def add(self, clip: ClipInfo, content: bytes) -> None:
        self.clips[clip.id] = clip
        (self.directory / f"{clip.id}.mp4").write_bytes(content)

    def clips_for_incident(self, incident_id: str) -> Sequence[ClipInfo]:
        return [c for c in self.clips.values() if c.incident_id == incident_id]

    def crossing_clips(
        self, incident_id: str, *, event_id: str | None = None
    ) -> Sequence[CrossingClip]:
        """No crossing clips here (``test_crossing_clip_routes`` has a fake with some)."""
        del incident_id, event_id
        return ()

    def clip_info(self, clip_id: str) -> ClipInfo | None:
        return self.clips.get(clip_id)

    def open_clip(self, clip_id: str) -> Path:
        return self.directory / f"{clip_id}.mp4"


class FakeSnapshots:
    def latest_jpeg(self, camera_id: str, overlay: bool) -> bytes | None:
        return JPEG_BYTES

    def event_jpeg(self, event_id: str) -> bytes | None:
        return JPEG_BYTES


@dataclass
class FakeExports:
    directory: Path
    exports: dict[str, ExportInfo] = field(default_factory=dict)
    masked_video: dict[str, bool] = field(default_factory=dict)
    """Whether each export asked for privacy-masked copies, by export id."""

    def create_export(
        self,
        *,
        incident_id: str,
        reason: str,
        actor: str,
        time: datetime,
        masked_video: bool = False,
    ) -> ExportInfo:
        export_id = f"exp-{incident_id}"
        self.masked_video[export_id] = masked_video
        path = self.directory / f"{export_id}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("reason.txt", f"{reason} by {actor} at {time.isoformat()}")
        info = ExportInfo(
            export_id, incident_id, hashlib.sha256(path.read_bytes()).hexdigest(), path
        )
        self.exports[export_id] = info
        return info

    def export_info(self, export_id: str) -> ExportInfo | None:
        return self.exports.get(export_id)


@dataclass
class Site:
    """A seeded site: one object of each kind in ``s1`` (suffix ``1``) and in ``s2`` (``2``)."""

    store: Store
    context: ApiContext
    clock: FakeClock
    audit: MemoryAuditLog
    bus: InProcessBus
    clips: FakeClips
    exports: FakeExports


TEST_HOST = "testserver"
"""The ``Host`` of TestClient requests."""


def client_settings(**changes: Any) -> ApiSettings:
    """API settings for TestClient: its host allowed, the rest as given or default."""
    return replace(ApiSettings(allowed_hosts=(TEST_HOST,)), **changes)


def flush_refusals(app: object) -> None:
    """Write every pending refused-attempt count to the audit log now."""
    assert isinstance(app, KordonApi)
    app.flush_refusals(everything=True)


def build_site(
    tmp_path: Path,
    *,
    settings: ApiSettings | None = None,
    limiter: LoginRateLimiter | None = None,
    database_url: str | None = None,
) -> Site:
    """A seeded site; its store is ``database_url`` (migrated, empty) or SQLite in ``tmp_path``."""
    store = Store(database_url or f"sqlite:///{tmp_path / 'kordon.db'}")
    store.open()
    clock = FakeClock()
    accounts = AccountService(
        store.sessions,
        hasher=cheap_hasher(),
        limiter=limiter or LoginRateLimiter(),
    )
    for role in Role:
        accounts.create_user(
            username=f"{role}", password=PASSWORD, role=role, sectors=[IN_SECTOR], time=T0
        )
        accounts.create_user(
            username=f"{role}-all", password=PASSWORD, role=role, sectors=[], time=T0
        )
    for n, sector in (("1", IN_SECTOR), ("2", OUT_SECTOR)):
        store.events.add(
            Event(
                kind=EventKind.BORDER_CROSSING,
                time=T0,
                source_id=f"cam{n}",
                id=f"ev{n}",
                sector_id=sector,
                lat=51.5,
                lon=24.0,
                class_name="person",
            )
        )
        store.incidents.create(
            Incident(
                id=f"inc{n}",
                title=f"crossing {n}",
                opened_at=T0,
                priority=2,
                sector_id=sector,
                event_ids=(f"ev{n}",),
            ),
            time=T0,
        )
    incident_service = IncidentService(store, lambda _incident: None)
    cameras = StaticCameras(
        (
            CameraInfo("cam1", "Camera 1", IN_SECTOR, "visible", 51.5, 24.0),
            CameraInfo("cam2", "Camera 2", OUT_SECTOR, "thermal"),
        )
    )
    clips_dir = tmp_path / "clips"
    clips_dir.mkdir()
    clips = FakeClips(clips_dir)
    for n in ("1", "2"):
        clips.add(
            ClipInfo(f"clip{n}", f"cam{n}", f"inc{n}", T0, T0 + timedelta(seconds=10)),
            bytes(range(256)) * 4,
        )
    exports_dir = tmp_path / "exports"
    exports_dir.mkdir()
    exports = FakeExports(exports_dir)
    for n in ("1", "2"):
        exports.create_export(incident_id=f"inc{n}", reason="seed", actor="seed", time=T0)
    audit = MemoryAuditLog()
    bus = InProcessBus()
    context = ApiContext(
        accounts=accounts,
        events=store.events,
        incidents=incident_service,
        incident_actions=IncidentActionsAdapter(incident_service),
        devices=store.devices,
        map_layers=StaticMap(),
        cameras=cameras,
        clips=clips,
        snapshots=FakeSnapshots(),
        exports=exports,
        audit=audit,
        audit_reader=audit,
        clock=clock,
        monotonic_s=clock.monotonic,
        bus=bus,
        basemap=basemap_files(None),
        settings=settings or client_settings(),
    )
    return Site(store, context, clock, audit, bus, clips, exports)

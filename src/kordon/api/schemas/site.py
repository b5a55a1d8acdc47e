"""Site, cameras, devices and audit records as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, JsonValue

from kordon.api.providers import AuditRecord, CameraInfo, SiteInfo
from kordon.api.schemas.base import PublicModel
from kordon.domain.status import DeviceState, DeviceStatus


class LatLon(PublicModel):
    lat: float
    lon: float


class SitePublic(PublicModel):
    id: str
    name: str
    origin: LatLon
    timezone: str
    home_side: str
    bounds: tuple[float, float, float, float] = Field(
        description="[west, south, east, north], degrees."
    )

    @classmethod
    def of(cls, site: SiteInfo) -> SitePublic:
        return cls(
            id=site.id,
            name=site.name,
            origin=LatLon(lat=site.origin_lat, lon=site.origin_lon),
            timezone=site.timezone,
            home_side=site.home_side,
            bounds=site.bounds_wsen,
        )


class DeviceStatusPublic(PublicModel):
    device_id: str
    state: DeviceState
    time: datetime
    detail: str
    metrics: dict[str, float]

    @classmethod
    def of(cls, status: DeviceStatus) -> DeviceStatusPublic:
        return cls(
            device_id=status.device_id,
            state=status.state,
            time=status.time,
            detail=status.detail,
            metrics=dict(status.metrics),
        )


class CameraPublic(PublicModel):
    id: str
    name: str
    sector_id: str
    kind: str
    georeferenced: bool
    position: LatLon | None
    fov: dict[str, JsonValue] | None
    status: DeviceStatusPublic | None

    @classmethod
    def of(cls, camera: CameraInfo, status: DeviceStatus | None) -> CameraPublic:
        position = (
            LatLon(lat=camera.position_lat, lon=camera.position_lon)
            if camera.position_lat is not None and camera.position_lon is not None
            else None
        )
        return cls(
            id=camera.id,
            name=camera.name,
            sector_id=camera.sector_id,
            kind=camera.kind,
            georeferenced=camera.georeferenced,
            position=position,
            fov=camera.fov,
            status=DeviceStatusPublic.of(status) if status is not None else None,
        )


class AuditRecordPublic(PublicModel):
    time: datetime
    actor: str
    action: str
    subject: str
    outcome: str
    details: dict[str, JsonValue]

    @classmethod
    def of(cls, record: AuditRecord) -> AuditRecordPublic:
        return cls(
            time=record.time,
            actor=record.actor,
            action=record.action,
            subject=record.subject,
            outcome=record.outcome,
            details=record.details,
        )

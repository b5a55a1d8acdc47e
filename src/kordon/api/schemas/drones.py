"""``DronePublic``: a drone on the operator map (the live feed's ``drone`` message)."""

from __future__ import annotations

from datetime import datetime

from kordon.api.schemas.base import PublicModel
from kordon.domain.drone import DroneState, LinkState


class AttitudePublic(PublicModel):
    """Degrees; yaw clockwise from north."""

    roll_deg: float
    pitch_deg: float
    yaw_deg: float


class GimbalPublic(PublicModel):
    """Degrees; pitch -90 is straight down; yaw relative to the heading unless absolute."""

    roll_deg: float
    pitch_deg: float
    yaw_deg: float
    yaw_absolute: bool


class DronePublic(PublicModel):
    """One drone's latest telemetry. ``footprint`` is the camera's footprint on the ground
    as a closed [lon, lat] ring (five points) or empty with the reason in
    ``footprint_note``; ``alt_m`` is above mean sea level, ``relative_alt_m`` above home."""

    drone_id: str
    sensor_id: str
    system_id: int
    time: datetime
    lat: float
    lon: float
    alt_m: float
    relative_alt_m: float | None
    heading_deg: float | None
    ground_speed_mps: float | None
    attitude: AttitudePublic | None
    gimbal: GimbalPublic | None
    camera_hfov_deg: float | None
    battery_pct: float | None
    mode: str
    armed: bool
    home: list[float] | None
    """[lon, lat, alt_m]."""
    link: LinkState
    footprint: list[list[float]]
    footprint_note: str

    @classmethod
    def of(cls, state: DroneState) -> DronePublic:
        a, g, home = state.attitude, state.gimbal, state.home
        ring = [[lon, lat] for lon, lat in state.footprint_lonlat]
        return cls(
            drone_id=state.drone_id,
            sensor_id=state.sensor_id,
            system_id=state.system_id,
            time=state.time,
            lat=state.position.lat,
            lon=state.position.lon,
            alt_m=state.position.alt_m,
            relative_alt_m=state.relative_alt_m,
            heading_deg=state.heading_deg,
            ground_speed_mps=state.ground_speed_mps,
            attitude=(
                AttitudePublic(roll_deg=a.roll_deg, pitch_deg=a.pitch_deg, yaw_deg=a.yaw_deg)
                if a is not None
                else None
            ),
            gimbal=(
                GimbalPublic(
                    roll_deg=g.roll_deg,
                    pitch_deg=g.pitch_deg,
                    yaw_deg=g.yaw_deg,
                    yaw_absolute=g.yaw_absolute,
                )
                if g is not None
                else None
            ),
            camera_hfov_deg=state.camera_hfov_deg,
            battery_pct=state.battery_pct,
            mode=state.mode,
            armed=state.armed,
            home=[home.lon, home.lat, home.alt_m] if home is not None else None,
            link=state.link,
            footprint=[*ring, ring[0]] if ring else [],
            footprint_note=state.footprint_note,
        )

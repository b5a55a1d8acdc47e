"""``VehicleTelemetry``: what one vehicle (system id) last reported, merged across messages.

Fields are set by the message handlers of :class:`~kordon.sensors.mavlink.ingest.TelemetryIngest`
and turned into a :class:`DroneState` (with the camera footprint) by :meth:`state`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from kordon.domain.drone import Attitude, DroneState, GeoPoint, GimbalAttitude, LinkState
from kordon.geo.footprint import (
    CameraPose,
    FlatGround,
    Ground,
    NoFootprint,
    camera_footprint,
    camera_orientation,
)


@dataclass
class VehicleTelemetry:
    """The latest report of each kind from one vehicle; ``None`` until it is heard."""

    sensor_id: str
    system_id: int
    position: GeoPoint | None = None
    relative_alt_m: float | None = None
    heading_deg: float | None = None
    ground_speed_mps: float | None = None
    attitude: Attitude | None = None
    gimbal: GimbalAttitude | None = None
    gimbal_from_device: bool = False
    hfov_deg: float | None = None
    vfov_deg: float | None = None
    battery_pct: float | None = None
    mode: str = ""
    armed: bool = False
    home: GeoPoint | None = None
    has_global_position: bool = False
    last_heartbeat: datetime | None = None
    link: LinkState = LinkState.CONNECTED
    last_published: datetime | None = None

    def state(
        self,
        now: datetime,
        *,
        default_hfov_deg: float | None,
        aspect_wh: float,
        terrain: Ground | None,
        max_range_m: float,
    ) -> DroneState | None:
        """The vehicle's state at ``now``; ``None`` before its first position."""
        if self.position is None:
            return None
        hfov = self.hfov_deg if self.hfov_deg is not None else default_hfov_deg
        vfov = self.vfov_deg
        if hfov is not None and vfov is None:
            vfov = math.degrees(2.0 * math.atan(math.tan(math.radians(hfov) / 2.0) / aspect_wh))
        corners: tuple[tuple[float, float], ...] = ()
        note = self._footprint_note(hfov)
        if not note and hfov is not None and vfov is not None:
            found = camera_footprint(
                self._pose(hfov, vfov), self._ground(terrain), max_range_m=max_range_m
            )
            if isinstance(found, NoFootprint):
                note = found.reason
            else:
                corners = found.corners_lonlat
        return DroneState(
            sensor_id=self.sensor_id,
            system_id=self.system_id,
            time=now,
            position=self.position,
            relative_alt_m=self.relative_alt_m,
            heading_deg=self.heading_deg,
            ground_speed_mps=self.ground_speed_mps,
            attitude=self.attitude,
            gimbal=self.gimbal,
            camera_hfov_deg=hfov,
            camera_vfov_deg=vfov,
            battery_pct=self.battery_pct,
            mode=self.mode,
            armed=self.armed,
            home=self.home,
            link=self.link,
            footprint_lonlat=corners,
            footprint_note=note,
        )

    def _footprint_note(self, hfov: float | None) -> str:
        if hfov is None:
            return "no camera field of view (none reported, none configured)"
        if self.attitude is None and self.gimbal is None:
            return "no attitude reported yet"
        return ""

    def _pose(self, hfov: float, vfov: float) -> CameraPose:
        assert self.position is not None  # checked by state()
        yaw, pitch, roll = camera_orientation(self.attitude, self.gimbal)
        return CameraPose(
            self.position.lat,
            self.position.lon,
            self.position.alt_m,
            yaw,
            pitch,
            roll,
            hfov,
            vfov,
        )

    def _ground(self, terrain: Ground | None) -> Ground:
        if terrain is not None:
            return terrain
        if self.home is not None:
            return FlatGround(self.home.alt_m)
        assert self.position is not None
        return FlatGround(self.position.alt_m - (self.relative_alt_m or 0.0))

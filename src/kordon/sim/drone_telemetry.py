"""The simulated drone's MAVLink 2 telemetry, encoded with pymavlink's encoder.

:class:`DroneTelemetry` turns the vehicle's truth at a time (a
:class:`~kordon.sim.drone.SimPose`) into what an autopilot would send then: HEARTBEAT (once
a second), GLOBAL_POSITION_INT, ATTITUDE, SYS_STATUS from the autopilot,
GIMBAL_DEVICE_ATTITUDE_STATUS from its gimbal and CAMERA_FOV_STATUS from its camera, and
HOME_POSITION with each heartbeat.
"""

from __future__ import annotations

import math
from typing import Protocol

from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.sim.flight_plan import Waypoint

AUTOPILOT_COMPONENT = 1
GIMBAL_COMPONENT = 154
CAMERA_COMPONENT = 100
_AUTO_MODE = 3  # ArduCopter AUTO
_YAW_IN_VEHICLE_FRAME = 32
_YAW_IN_EARTH_FRAME = 64


class VehiclePose(Protocol):
    """What the telemetry reports of the vehicle at a time (a
    :class:`~kordon.sim.drone.SimPose`)."""

    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def alt_m(self) -> float: ...
    @property
    def relative_alt_m(self) -> float: ...
    @property
    def heading_deg(self) -> float: ...
    @property
    def speed_mps(self) -> float: ...
    @property
    def battery_pct(self) -> float: ...


class DroneTelemetry:
    """The frames of one vehicle (``system_id``): its autopilot, gimbal and camera
    components. It remembers when it last sent a heartbeat."""

    def __init__(self, system_id: int) -> None:
        self._encoders = {
            c: mav.MAVLink(None, srcSystem=system_id, srcComponent=c)
            for c in (AUTOPILOT_COMPONENT, GIMBAL_COMPONENT, CAMERA_COMPONENT)
        }
        self._last_heartbeat_s: float | None = None

    def frames(
        self,
        time_s: float,
        pose: VehiclePose,
        *,
        home: Waypoint,
        home_alt_m: float,
        gimbal_pitch_deg: float,
        gimbal_yaw_deg: float | None,
        hfov_deg: float,
        vfov_deg: float,
    ) -> list[bytes]:
        """The MAVLink 2 frames sent at ``time_s`` by a vehicle at ``pose`` (see the module
        docstring); ``gimbal_yaw_deg`` ``None``: the gimbal follows the heading."""
        boot_ms = round(time_s * 1000.0) % (1 << 32)
        ap = self._encoders[AUTOPILOT_COMPONENT]
        frames: list[bytes] = []
        if self._last_heartbeat_s is None or time_s - self._last_heartbeat_s >= 1.0:
            self._last_heartbeat_s = time_s
            beat = mav.MAVLink_heartbeat_message(
                mav.MAV_TYPE_QUADROTOR,
                mav.MAV_AUTOPILOT_ARDUPILOTMEGA,
                mav.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | mav.MAV_MODE_FLAG_SAFETY_ARMED,
                _AUTO_MODE,
                mav.MAV_STATE_ACTIVE,
                3,
            )
            frames.append(bytes(beat.pack(ap)))
            home_msg = mav.MAVLink_home_position_message(
                round(home.lat * 1e7),
                round(home.lon * 1e7),
                round(home_alt_m * 1000),
                0.0,
                0.0,
                0.0,
                [1.0, 0.0, 0.0, 0.0],
                0.0,
                0.0,
                0.0,
            )
            frames.append(bytes(home_msg.pack(ap)))
        hdg = math.radians(pose.heading_deg)
        vn, ve = pose.speed_mps * math.cos(hdg), pose.speed_mps * math.sin(hdg)
        frames.append(
            bytes(
                mav.MAVLink_global_position_int_message(
                    boot_ms,
                    round(pose.lat * 1e7),
                    round(pose.lon * 1e7),
                    round(pose.alt_m * 1000),
                    round(pose.relative_alt_m * 1000),
                    round(vn * 100),
                    round(ve * 100),
                    0,
                    round(pose.heading_deg * 100) % 36000,
                ).pack(ap)
            )
        )
        yaw = math.radians(pose.heading_deg)
        yaw_signed = math.atan2(math.sin(yaw), math.cos(yaw))
        frames.append(
            bytes(mav.MAVLink_attitude_message(boot_ms, 0.0, 0.0, yaw_signed, 0, 0, 0).pack(ap))
        )
        frames.append(
            bytes(
                mav.MAVLink_sys_status_message(
                    0, 0, 0, 300, 15_800, 1_200, round(pose.battery_pct), 0, 0, 0, 0, 0, 0
                ).pack(ap)
            )
        )
        gimbal = mav.MAVLink_gimbal_device_attitude_status_message(
            0,
            0,
            boot_ms,
            *_gimbal_attitude(gimbal_pitch_deg, gimbal_yaw_deg),
            0.0,
            0.0,
            0.0,
            0,
        )
        frames.append(bytes(gimbal.pack(self._encoders[GIMBAL_COMPONENT])))
        fov = mav.MAVLink_camera_fov_status_message(
            boot_ms,
            round(pose.lat * 1e7),
            round(pose.lon * 1e7),
            round(pose.alt_m * 1000),
            0x7FFFFFFF,
            0x7FFFFFFF,
            0x7FFFFFFF,
            [1.0, 0.0, 0.0, 0.0],
            hfov_deg,
            vfov_deg,
        )
        frames.append(bytes(fov.pack(self._encoders[CAMERA_COMPONENT])))
        return frames


def _gimbal_attitude(pitch_deg: float, yaw_deg: float | None) -> tuple[int, list[float]]:
    """GIMBAL_DEVICE_ATTITUDE_STATUS flags and quaternion (w, x, y, z; Z-Y-X, no roll):
    pitch only with the yaw following the vehicle, or pitch and a bearing in the
    earth frame."""
    pitch = math.radians(pitch_deg) / 2.0
    if yaw_deg is None:
        return _YAW_IN_VEHICLE_FRAME, [math.cos(pitch), 0.0, math.sin(pitch), 0.0]
    yaw = math.radians(yaw_deg) / 2.0
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    return _YAW_IN_EARTH_FRAME, [cy * cp, -sy * sp, cy * sp, sy * cp]

"""MAVLink frames for ingest tests, from pymavlink's own encoders (v2, or v1 on request)."""

from __future__ import annotations

import struct

from pymavlink.dialects.v10 import ardupilotmega as mav1  # type: ignore[import-untyped]
from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

ARMED_AUTO = mav.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | mav.MAV_MODE_FLAG_SAFETY_ARMED


class Vehicle:
    """Encodes the messages of one system id (MAVLink 2 by default)."""

    def __init__(self, system_id: int = 1, *, v1: bool = False) -> None:
        dialect = mav1 if v1 else mav
        self._enc = dialect.MAVLink(None, srcSystem=system_id, srcComponent=1)
        self._dialect = dialect

    def heartbeat(self, *, armed: bool = True) -> bytes:
        d = self._dialect
        msg = d.MAVLink_heartbeat_message(
            d.MAV_TYPE_QUADROTOR,
            d.MAV_AUTOPILOT_ARDUPILOTMEGA,
            ARMED_AUTO if armed else d.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
            3,
            d.MAV_STATE_ACTIVE,
            3,
        )
        return bytes(msg.pack(self._enc))

    def heartbeat_tlog(self, time_s: float) -> bytes:
        """A heartbeat as one ``.tlog`` record (8-byte big-endian microseconds, frame)."""
        return struct.pack(">Q", round(time_s * 1e6)) + self.heartbeat()

    def position(
        self, time_s: float, lat: float, lon: float, alt_m: float = 200.0, rel_m: float = 80.0
    ) -> bytes:
        msg = self._dialect.MAVLink_global_position_int_message(
            round(time_s * 1000), round(lat * 1e7), round(lon * 1e7), round(alt_m * 1000),
            round(rel_m * 1000), 300, 400, 0, 9000,
        )  # fmt: skip
        return bytes(msg.pack(self._enc))

    def attitude(self, roll: float = 0.0, pitch: float = 0.0, yaw: float = 0.0) -> bytes:
        msg = self._dialect.MAVLink_attitude_message(0, roll, pitch, yaw, 0, 0, 0)
        return bytes(msg.pack(self._enc))

    def battery(self, pct: int) -> bytes:
        msg = self._dialect.MAVLink_sys_status_message(
            0, 0, 0, 0, 15_000, 100, pct, 0, 0, 0, 0, 0, 0
        )
        return bytes(msg.pack(self._enc))

    def camera_fov(self, hfov: float, vfov: float) -> bytes:
        msg = mav.MAVLink_camera_fov_status_message(
            0, 0, 0, 0, 0, 0, 0, [1.0, 0.0, 0.0, 0.0], hfov, vfov
        )
        return bytes(msg.pack(self._enc))

    def home(self, lat: float, lon: float, alt_m: float) -> bytes:
        msg = mav.MAVLink_home_position_message(
            round(lat * 1e7), round(lon * 1e7), round(alt_m * 1000), 0, 0, 0,
            [1.0, 0.0, 0.0, 0.0], 0, 0, 0,
        )  # fmt: skip
        return bytes(msg.pack(self._enc))

"""``TelemetryIngest``: MAVLink bytes from one endpoint to drone states and device health.

No I/O and no clock: bytes come in with the node's time of arrival (``feed``), and
``check`` is called now and then with the current time to notice silent vehicles. pymavlink
(LGPL-3.0) parses and CRC-checks the frames behind this class.

Bad input is counted (:class:`IngestIssue`), reported as endpoint health, and never
raised and never published: corrupt bytes and bad CRCs (pymavlink's ``BAD_DATA``), system
ids that are not configured (a spoofed or foreign vehicle), positions without a fix, out of
range, jumping kilometres in an impossibly short time, or whose vehicle clock
(``time_boot_ms``) runs backwards, and values that are not finite. A switch between
MAVLink 1 and 2 frames from one vehicle is counted and reported (a v1 frame cannot be
signed, so it may be an injection), but the message is used. A system that announces
itself as a ground station (HEARTBEAT type GCS, e.g. QGroundControl on the same link) is
not a fault: its messages are counted apart and ignored.

Device statuses: the endpoint (``device_id`` = sensor id) is ``starting`` until a valid
message arrives, then ``online``, ``degraded`` for a window in which bad input arrived
and ``offline`` when nothing valid arrives for ``heartbeat_timeout_s``. Each configured
vehicle (``<sensor id>:<system id>``) is ``starting`` until its first heartbeat,
``online`` while heard and ``offline`` once its heartbeat has been missing for
``heartbeat_timeout_s``; then its last state is published again with ``link`` lost.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pymavlink import mavutil  # type: ignore[import-untyped]
from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.domain.drone import Attitude, DroneState, GeoPoint, GimbalAttitude, LinkState
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.domain.time import require_utc
from kordon.geo.footprint import Ground
from kordon.sensors.mavlink.screen import haversine_m
from kordon.sensors.mavlink.vehicle import VehicleTelemetry

_UINT16_MAX = 65535
_MAX_ALT_M = 100_000.0
_MIN_ALT_M = -12_000.0
_V2_MAGIC = 0xFD
_ARMED = 128
_MAV_TYPE_GCS = 6
_NOT_VEHICLE = frozenset({6, 18, 26, 27, 30})  # GCS, onboard controller, gimbal, ADS-B, camera
_AUTOPILOT_INVALID = 8
_YAW_LOCK = 16
_YAW_IN_VEHICLE_FRAME = 32
_YAW_IN_EARTH_FRAME = 64


class IngestIssue(StrEnum):
    """What was wrong with input that did not become telemetry (or was suspicious)."""

    CORRUPT = "corrupt"  # garbage bytes, bad CRC, unknown message (pymavlink BAD_DATA)
    UNKNOWN_SYSTEM = "unknown_system"  # a system id that is not configured
    VERSION_MIX = "version_mix"  # a vehicle switched between MAVLink 1 and 2 (still used)
    NO_FIX = "no_fix"  # GPS without a fix, or the 0/0 placeholder
    OUT_OF_RANGE = "out_of_range"  # latitude, longitude or altitude impossible
    TIME_BACKWARDS = "time_backwards"  # the vehicle's clock ran backwards
    GPS_JUMP = "gps_jump"  # a jump of kilometres faster than any drone flies
    BAD_VALUE = "bad_value"  # a non-finite or impossible attitude, field of view, battery


_DETAIL = {
    IngestIssue.CORRUPT: "corrupt frames",
    IngestIssue.UNKNOWN_SYSTEM: "messages from unconfigured system ids",
    IngestIssue.VERSION_MIX: "MAVLink 1/2 switches",
    IngestIssue.NO_FIX: "positions without a fix",
    IngestIssue.OUT_OF_RANGE: "impossible positions",
    IngestIssue.TIME_BACKWARDS: "messages with the vehicle clock running backwards",
    IngestIssue.GPS_JUMP: "GPS jumps",
    IngestIssue.BAD_VALUE: "impossible values",
}


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Tuning of the ingest; every field has a safe default."""

    heartbeat_timeout_s: float = 5.0
    default_hfov_deg: float | None = None
    aspect_wh: float = 16.0 / 9.0
    max_speed_mps: float = 150.0
    min_jump_m: float = 500.0
    resync_after: int = 10
    min_publish_interval_s: float = 0.2
    issue_window_s: float = 10.0
    footprint_max_range_m: float = 5_000.0

    def __post_init__(self) -> None:
        if not self.heartbeat_timeout_s > 0 or not self.issue_window_s > 0:
            raise ValueError("heartbeat_timeout_s and issue_window_s must be > 0")
        if self.default_hfov_deg is not None and not 0 < self.default_hfov_deg < 180:
            raise ValueError("default_hfov_deg must be in (0, 180)")
        if not (self.aspect_wh > 0 and self.max_speed_mps > 0 and self.min_jump_m >= 0):
            raise ValueError("aspect_wh, max_speed_mps > 0 and min_jump_m >= 0")
        if self.resync_after < 1 or self.min_publish_interval_s < 0:
            raise ValueError("resync_after >= 1 and min_publish_interval_s >= 0")


@dataclass
class IngestOutput:
    """What one call produced: states to publish and device statuses that changed."""

    states: list[DroneState] = field(default_factory=list)
    statuses: list[DeviceStatus] = field(default_factory=list)

    def extend(self, other: IngestOutput) -> None:
        self.states.extend(other.states)
        self.statuses.extend(other.statuses)


@dataclass
class _Clock:
    """One vehicle's position source clock, for the backwards and jump checks."""

    time_s: float
    lat: float
    lon: float
    backwards_in_row: int = 0
    jumps_in_row: int = 0


class TelemetryIngest:
    """One MAVLink endpoint's vehicles; see the module docstring."""

    def __init__(
        self,
        sensor_id: str,
        system_ids: Iterable[int],
        *,
        started: datetime,
        limits: IngestLimits | None = None,
        terrain: Ground | None = None,
    ) -> None:
        ids = sorted(set(system_ids))
        if not ids or not all(1 <= s <= 255 for s in ids):
            raise ValueError(f"system ids must be 1..255 and at least one, got {ids}")
        self.sensor_id = sensor_id
        self.limits = limits or IngestLimits()
        self._terrain = terrain
        self._parser = mav.MAVLink(None)
        self._parser.robust_parsing = True
        self._vehicles = {s: VehicleTelemetry(sensor_id, s) for s in ids}
        self._versions: dict[int, int] = {}
        self._clocks: dict[tuple[int, str], _Clock] = {}
        self.counts: Counter[IngestIssue] = Counter()
        self.unknown_ids: Counter[int] = Counter()
        self._ground_stations: set[int] = set()
        self.ground_station_messages = 0
        self.messages = 0
        self._window: Counter[IngestIssue] = Counter()
        self._window_start = require_utc(started, name="started")
        self._started = self._window_start
        self._last_valid: datetime | None = None
        self._statuses: dict[str, DeviceStatus] = {}
        for device in [sensor_id, *(self.vehicle_device(s) for s in ids)]:
            self._statuses[device] = DeviceStatus(device, self._started, DeviceState.STARTING)

    def vehicle_device(self, system_id: int) -> str:
        return f"{self.sensor_id}:{system_id}"

    # --- input -----------------------------------------------------------------------

    def feed(self, data: bytes, now: datetime) -> IngestOutput:
        """Parse ``data`` (any slice of the byte stream) received at ``now``."""
        out = IngestOutput()
        try:
            messages = self._parser.parse_buffer(data) or []
        except Exception:
            # robust parsing returns BAD_DATA; anything else pymavlink raises is bad input too
            self._issue(IngestIssue.CORRUPT)
            return out
        for msg in messages:
            out.extend(self.handle(msg, now))
        return out

    def handle(self, msg: Any, now: datetime) -> IngestOutput:
        """One parsed message (pymavlink) received at ``now``."""
        out = IngestOutput()
        kind = msg.get_type()
        if kind == "BAD_DATA":
            self._issue(IngestIssue.CORRUPT)
            return out
        system_id = int(msg.get_srcSystem())
        vehicle = self._vehicles.get(system_id)
        if vehicle is None:
            if kind == "HEARTBEAT" and msg.type == _MAV_TYPE_GCS:
                self._ground_stations.add(system_id)
            if system_id in self._ground_stations:
                self.ground_station_messages += 1  # another operator's station: not a fault
                return out
            self._issue(IngestIssue.UNKNOWN_SYSTEM)
            self.unknown_ids[system_id] += 1
            return out
        self.messages += 1
        self._note_version(system_id, msg)
        self._last_valid = now
        if self._statuses[self.sensor_id].state in (DeviceState.STARTING, DeviceState.OFFLINE):
            self._set(out, self.sensor_id, now, DeviceState.ONLINE, "receiving MAVLink")
        if kind == "HEARTBEAT":
            self._heartbeat(vehicle, msg, now, out)
            return out
        handler = _HANDLERS.get(kind)
        if handler is None:
            return out
        try:
            moved = handler(self, vehicle, msg)
        except (ValueError, OverflowError):
            self._issue(IngestIssue.BAD_VALUE)
            return out
        if moved:
            self._publish(vehicle, now, out, force=False)
        return out

    # --- health ------------------------------------------------------------------------

    def check(self, now: datetime) -> IngestOutput:
        """Silent vehicles and the endpoint's health at ``now``."""
        now = require_utc(now, name="now")
        out = IngestOutput()
        timeout = self.limits.heartbeat_timeout_s
        for system_id, v in self._vehicles.items():
            device = self.vehicle_device(system_id)
            last = v.last_heartbeat or self._started
            silent_s = (now - last).total_seconds()
            if silent_s <= timeout or self._statuses[device].state is DeviceState.OFFLINE:
                continue
            flying = " while armed (in flight)" if v.armed else ""
            detail = (
                f"no heartbeat from system {system_id} for {silent_s:.1f} s "
                f"(limit {timeout:g} s){flying}"
                if v.last_heartbeat is not None
                else f"no heartbeat from system {system_id} since the start ({silent_s:.1f} s)"
            )
            metrics = {"silent_s": silent_s, "armed": float(v.armed)}
            if v.relative_alt_m is not None:
                metrics["relative_alt_m"] = v.relative_alt_m
            self._set(out, device, now, DeviceState.OFFLINE, detail, metrics=metrics)
            if v.last_heartbeat is not None:
                v.link = LinkState.LOST
                self._publish(v, now, out, force=True)
        self._check_endpoint(now, out)
        return out

    def _check_endpoint(self, now: datetime, out: IngestOutput) -> None:
        timeout = self.limits.heartbeat_timeout_s
        last = self._last_valid or self._started
        silent = (now - last).total_seconds() > timeout
        if silent and self._statuses[self.sensor_id].state is not DeviceState.OFFLINE:
            detail = (
                "no valid MAVLink message"
                + (" since the start" if self._last_valid is None else "")
                + f" for {(now - last).total_seconds():.1f} s"
            )
            self._set(
                out, self.sensor_id, now, DeviceState.OFFLINE, detail, metrics=self._metrics()
            )
        if (now - self._window_start).total_seconds() < self.limits.issue_window_s:
            return
        window, self._window = self._window, Counter()
        span_s = (now - self._window_start).total_seconds()
        self._window_start = now
        current = self._statuses[self.sensor_id].state
        if window:
            parts = [f"{n} {_DETAIL[issue]}" for issue, n in sorted(window.items())]
            if window[IngestIssue.UNKNOWN_SYSTEM]:
                parts.append(f"unconfigured ids seen: {sorted(self.unknown_ids)[:10]}")
            detail = f"bad input in the last {span_s:.0f} s: " + ", ".join(parts)
            state = DeviceState.OFFLINE if current is DeviceState.OFFLINE else DeviceState.DEGRADED
            self._set(out, self.sensor_id, now, state, detail, metrics=self._metrics(), always=True)
        elif current is DeviceState.DEGRADED:
            self._set(out, self.sensor_id, now, DeviceState.ONLINE, "receiving MAVLink")

    def statuses(self) -> list[DeviceStatus]:
        """The endpoint's and every configured vehicle's current status."""
        return [self._statuses[k] for k in sorted(self._statuses)]

    def states(self, now: datetime) -> list[DroneState]:
        """Every vehicle's current state (those with a position)."""
        found = [self._state(v, now) for v in self._vehicles.values()]
        return [s for s in found if s is not None]

    def _metrics(self) -> dict[str, float]:
        metrics = {f"issues_{k.value}": float(n) for k, n in self.counts.items()}
        metrics["messages"] = float(self.messages)
        return metrics

    def _set(
        self,
        out: IngestOutput,
        device: str,
        now: datetime,
        state: DeviceState,
        detail: str,
        *,
        metrics: dict[str, float] | None = None,
        always: bool = False,
    ) -> None:
        old = self._statuses[device]
        if not always and old.state is state and old.detail == detail:
            return
        status = DeviceStatus(device, now, state, detail, metrics or {})
        self._statuses[device] = status
        out.statuses.append(status)

    def _issue(self, issue: IngestIssue) -> None:
        self.counts[issue] += 1
        self._window[issue] += 1

    def _note_version(self, system_id: int, msg: Any) -> None:
        buf = msg.get_msgbuf()
        version = 2 if buf and buf[0] == _V2_MAGIC else 1
        previous = self._versions.get(system_id)
        self._versions[system_id] = version
        if previous is not None and previous != version:
            self._issue(IngestIssue.VERSION_MIX)

    # --- publishing --------------------------------------------------------------------

    def _state(self, v: VehicleTelemetry, now: datetime) -> DroneState | None:
        return v.state(
            now,
            default_hfov_deg=self.limits.default_hfov_deg,
            aspect_wh=self.limits.aspect_wh,
            terrain=self._terrain,
            max_range_m=self.limits.footprint_max_range_m,
        )

    def _publish(
        self, v: VehicleTelemetry, now: datetime, out: IngestOutput, *, force: bool
    ) -> None:
        last = v.last_published
        interval_s = self.limits.min_publish_interval_s
        if not force and last is not None and (now - last).total_seconds() < interval_s:
            return
        state = self._state(v, now)
        if state is not None:
            v.last_published = now
            out.states.append(state)

    # --- message handlers: True when the vehicle's position changed ---------------------

    def _heartbeat(self, v: VehicleTelemetry, msg: Any, now: datetime, out: IngestOutput) -> None:
        if msg.type in _NOT_VEHICLE or msg.autopilot == _AUTOPILOT_INVALID:
            return  # a gimbal's or camera's heartbeat does not keep the vehicle alive
        v.last_heartbeat = now
        v.mode = str(mavutil.mode_string_v10(msg))
        v.armed = bool(msg.base_mode & _ARMED)
        device = self.vehicle_device(v.system_id)
        if self._statuses[device].state is not DeviceState.ONLINE:
            was_lost = v.link is LinkState.LOST
            v.link = LinkState.CONNECTED
            self._set(out, device, now, DeviceState.ONLINE, f"heartbeat, mode {v.mode}")
            if was_lost:
                self._publish(v, now, out, force=True)

    def _global_position(self, v: VehicleTelemetry, msg: Any) -> bool:
        if not self._position_ok(v, "gpi", msg.time_boot_ms / 1000.0, (msg.lat, msg.lon, msg.alt)):
            return False
        v.has_global_position = True
        v.position = GeoPoint(msg.lat * 1e-7, msg.lon * 1e-7, msg.alt / 1000.0)
        v.relative_alt_m = msg.relative_alt / 1000.0
        v.ground_speed_mps = math.hypot(msg.vx, msg.vy) / 100.0
        if msg.hdg != _UINT16_MAX:
            v.heading_deg = (msg.hdg / 100.0) % 360.0
        elif v.attitude is not None:
            v.heading_deg = v.attitude.yaw_deg
        return True

    def _gps_raw(self, v: VehicleTelemetry, msg: Any) -> bool:
        if v.has_global_position:
            return False  # the autopilot's fused estimate is preferred over raw GPS
        if msg.fix_type < 2:
            self._issue(IngestIssue.NO_FIX)
            return False
        if not self._position_ok(v, "gps", msg.time_usec / 1e6, (msg.lat, msg.lon, msg.alt)):
            return False
        v.position = GeoPoint(msg.lat * 1e-7, msg.lon * 1e-7, msg.alt / 1000.0)
        if msg.vel != _UINT16_MAX:
            v.ground_speed_mps = msg.vel / 100.0
        if msg.cog != _UINT16_MAX:
            v.heading_deg = (msg.cog / 100.0) % 360.0
        return True

    def _attitude(self, v: VehicleTelemetry, msg: Any) -> bool:
        roll, pitch, yaw = msg.roll, msg.pitch, msg.yaw
        if not all(math.isfinite(a) and abs(a) <= 2 * math.pi for a in (roll, pitch, yaw)):
            self._issue(IngestIssue.BAD_VALUE)
            return False
        v.attitude = Attitude(math.degrees(roll), math.degrees(pitch), math.degrees(yaw))
        return False

    def _gimbal_device(self, v: VehicleTelemetry, msg: Any) -> bool:
        w, x, y, z = (float(c) for c in msg.q)
        norm = math.sqrt(w * w + x * x + y * y + z * z)
        if not math.isfinite(norm) or abs(norm - 1.0) > 0.1:
            self._issue(IngestIssue.BAD_VALUE)
            return False
        w, x, y, z = w / norm, x / norm, y / norm, z / norm
        roll = math.degrees(math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y)))
        pitch = math.degrees(math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x)))))
        yaw = math.degrees(math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))
        flags = int(msg.flags)
        absolute = bool(flags & _YAW_IN_EARTH_FRAME) or (
            bool(flags & _YAW_LOCK) and not flags & _YAW_IN_VEHICLE_FRAME
        )
        v.gimbal = GimbalAttitude(roll, pitch, yaw, yaw_absolute=absolute)
        v.gimbal_from_device = True
        return False

    def _mount_status(self, v: VehicleTelemetry, msg: Any) -> bool:
        if v.gimbal_from_device:
            return False  # the gimbal device's own report is more precise
        v.gimbal = GimbalAttitude(
            msg.pointing_b / 100.0, msg.pointing_a / 100.0, msg.pointing_c / 100.0
        )
        return False

    def _camera_fov(self, v: VehicleTelemetry, msg: Any) -> bool:
        hfov, vfov = float(msg.hfov), float(msg.vfov)
        if not (0 < hfov < 180):
            self._issue(IngestIssue.BAD_VALUE)
            return False
        v.hfov_deg = hfov
        v.vfov_deg = vfov if 0 < vfov < 180 else None
        return False

    def _battery(self, v: VehicleTelemetry, msg: Any) -> bool:
        if msg.get_type() == "BATTERY_STATUS" and msg.id != 0:
            return False  # the primary battery is the vehicle's
        remaining = int(msg.battery_remaining)
        if remaining == -1:
            return False
        if not 0 <= remaining <= 100:
            self._issue(IngestIssue.BAD_VALUE)
            return False
        v.battery_pct = float(remaining)
        return False

    def _home(self, v: VehicleTelemetry, msg: Any) -> bool:
        lat, lon, alt_m = msg.latitude * 1e-7, msg.longitude * 1e-7, msg.altitude / 1000.0
        if not _in_range(lat, lon, alt_m) or (msg.latitude == 0 and msg.longitude == 0):
            self._issue(IngestIssue.OUT_OF_RANGE)
            return False
        v.home = GeoPoint(lat, lon, alt_m)
        return False

    def _position_ok(
        self, v: VehicleTelemetry, source: str, time_s: float, position_e7: tuple[int, int, int]
    ) -> bool:
        lat_e7, lon_e7, alt_mm = position_e7
        if lat_e7 == 0 and lon_e7 == 0:
            self._issue(IngestIssue.NO_FIX)
            return False
        lat, lon, alt_m = lat_e7 * 1e-7, lon_e7 * 1e-7, alt_mm / 1000.0
        if not _in_range(lat, lon, alt_m):
            self._issue(IngestIssue.OUT_OF_RANGE)
            return False
        key = (v.system_id, source)
        last = self._clocks.get(key)
        if last is None:
            self._clocks[key] = _Clock(time_s, lat, lon)
            return True
        limits = self.limits
        dt_s = time_s - last.time_s
        if dt_s < 0:
            last.backwards_in_row += 1
            if last.backwards_in_row < limits.resync_after:
                self._issue(IngestIssue.TIME_BACKWARDS)
                return False
            # the vehicle rebooted (its clock restarted): believe it from now on
        dist_m = haversine_m(last.lat, last.lon, lat, lon)
        if dt_s >= 0 and dist_m > limits.min_jump_m and dist_m > limits.max_speed_mps * dt_s:
            last.jumps_in_row += 1
            if last.jumps_in_row < limits.resync_after:
                self._issue(IngestIssue.GPS_JUMP)
                return False
        self._clocks[key] = _Clock(time_s, lat, lon)
        return True


def _in_range(lat: float, lon: float, alt_m: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and _MIN_ALT_M <= alt_m <= _MAX_ALT_M


_HANDLERS = {
    "GLOBAL_POSITION_INT": TelemetryIngest._global_position,
    "GPS_RAW_INT": TelemetryIngest._gps_raw,
    "ATTITUDE": TelemetryIngest._attitude,
    "GIMBAL_DEVICE_ATTITUDE_STATUS": TelemetryIngest._gimbal_device,
    "MOUNT_STATUS": TelemetryIngest._mount_status,
    "CAMERA_FOV_STATUS": TelemetryIngest._camera_fov,
    "SYS_STATUS": TelemetryIngest._battery,
    "BATTERY_STATUS": TelemetryIngest._battery,
    "HOME_POSITION": TelemetryIngest._home,
}

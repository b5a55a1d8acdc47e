"""A simulated MAVLink drone: flies waypoints at a set speed and streams MAVLink 2 telemetry.

The kinematics are exact and time is an argument (:meth:`SimulatedDrone.pose_at`), so tests
know the truth: the vehicle starts at the first waypoint at ``t = 0`` and flies straight legs
at ``speed_mps`` (in the site's local metric plane; :class:`~kordon.sim.flight_plan.FlightPlan`,
holding ``hold_s`` at a waypoint that has one), then hovers at the last one. The battery
falls linearly. :meth:`SimulatedDrone.frames_at` encodes, with pymavlink's encoder, what an
autopilot would send at that time: HEARTBEAT (once a second), GLOBAL_POSITION_INT, ATTITUDE,
SYS_STATUS from the autopilot, GIMBAL_DEVICE_ATTITUDE_STATUS from its gimbal and
CAMERA_FOV_STATUS from its camera, and HOME_POSITION with each heartbeat. An uploaded
mission replaces the route from where the vehicle is (:meth:`SimulatedDrone.fly`).
:class:`DroneRadio` sends them over UDP, paced on an injected clock;
:class:`SimulatedDroneService` does so for the demo node (on a
:class:`~kordon.sim.source.SharedEpoch` when its camera is rendered too:
``kordon.sim.drone_camera``) and answers mission uploads on the same link. The gimbal
holds its pitch and either follows the heading or locks onto a bearing
(``gimbal_yaw_deg``: a patrol camera kept on the border).
:class:`MissionReceiver` is the vehicle's side of the MAVLink mission upload and
:class:`MissionServer` serves it on a UDP port, so uploads are tested against a vehicle.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.geo.frame import LocalFrame
from kordon.interop.missions.model import Frame, Mission, MissionItem
from kordon.sim.flight_plan import FlightPlan, Waypoint, flown_route, mission_speed_mps
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)

_GIMBAL_COMPONENT = 154
_CAMERA_COMPONENT = 100
_AUTOPILOT_COMPONENT = 1
_AUTO_MODE = 3  # ArduCopter AUTO
_YAW_IN_VEHICLE_FRAME = 32
_YAW_IN_EARTH_FRAME = 64


@dataclass(frozen=True, slots=True)
class SimPose:
    """The simulated vehicle's truth at a time."""

    time_s: float
    lat: float
    lon: float
    alt_m: float
    """Above mean sea level."""
    relative_alt_m: float
    heading_deg: float
    speed_mps: float
    battery_pct: float
    leg: int


def waypoints_of(mission: Mission) -> list[Waypoint]:
    """The navigation points of ``mission`` (altitudes above home), home first."""
    home = Waypoint(mission.home[0], mission.home[1], 0.0)
    points = [home]
    for item in mission.items:
        if item.has_position:
            alt = item.alt_m if math.isfinite(item.alt_m) else points[-1].alt_m
            if item.frame == Frame.GLOBAL:
                alt -= mission.home[2]
            points.append(Waypoint(item.lat, item.lon, alt))
    return points


def mission_duration_s(route: Sequence[Waypoint], speed_mps: float) -> float:
    """How long flying ``route`` takes at ``speed_mps`` (straight legs, in 3-D)."""
    if len(route) < 2 or not speed_mps > 0:
        return 0.0
    frame = LocalFrame(route[0].lat, route[0].lon)
    xy = frame.lonlat_to_xy([(w.lon, w.lat) for w in route])
    xyz = np.column_stack([xy, [w.alt_m for w in route]])
    return float(np.linalg.norm(np.diff(xyz, axis=0), axis=1).sum()) / speed_mps


class SimulatedDrone:
    """A vehicle flying ``route`` from ``t = 0`` (see the module docstring)."""

    def __init__(
        self,
        route: Sequence[Waypoint],
        *,
        home_alt_m: float,
        speed_mps: float,
        system_id: int = 1,
        hfov_deg: float = 60.0,
        vfov_deg: float = 34.0,
        gimbal_pitch_deg: float = -90.0,
        gimbal_yaw_deg: float | None = None,
        battery_drain_pct_per_s: float = 0.05,
        repeat_after_s: float | None = None,
    ) -> None:
        if len(route) < 2:
            raise ValueError("a route needs at least two waypoints")
        if not speed_mps > 0 or not 1 <= system_id <= 255:
            raise ValueError("speed_mps must be > 0 and system_id in 1..255")
        self.route = tuple(route)
        self.home_alt_m = home_alt_m
        self.speed_mps = speed_mps
        self.system_id = system_id
        self.hfov_deg = hfov_deg
        self.vfov_deg = vfov_deg
        self.gimbal_pitch_deg = gimbal_pitch_deg
        self.gimbal_yaw_deg = None if gimbal_yaw_deg is None else gimbal_yaw_deg % 360.0
        """The camera's bearing (clockwise from north) when its gimbal holds one (yaw lock,
        reported in the earth frame); ``None``: it looks where the vehicle heads."""
        self.drain = battery_drain_pct_per_s
        self.repeat_after_s = repeat_after_s
        """When set, the flight starts again every so many seconds (the vehicle's clock and
        battery run on)."""
        self.home = Waypoint(route[0].lat, route[0].lon, 0.0)
        """Where it took off (sent as HOME_POSITION; a return to launch comes back here)."""
        self._plan = FlightPlan(route, speed_mps)
        self._uploaded: tuple[float, FlightPlan] | None = None
        self._encoders = {
            c: mav.MAVLink(None, srcSystem=system_id, srcComponent=c)
            for c in (_AUTOPILOT_COMPONENT, _GIMBAL_COMPONENT, _CAMERA_COMPONENT)
        }
        self._last_heartbeat_s: float | None = None

    @property
    def duration_s(self) -> float:
        """Time to fly the whole (first) route."""
        return self._plan.duration_s

    @property
    def flying(self) -> FlightPlan:
        """The plan flown now: the last uploaded mission's, else the first route."""
        uploaded = self._uploaded
        return uploaded[1] if uploaded is not None else self._plan

    def fly(self, mission: Mission, *, from_s: float) -> FlightPlan:
        """From ``from_s`` on, fly ``mission`` once from where the vehicle is then (an
        upload replaces the route; the clock and battery run on, no repeat)."""
        pose = self.pose_at(from_s)
        start = Waypoint(pose.lat, pose.lon, pose.relative_alt_m)
        plan = FlightPlan(
            flown_route(mission, start=start, home=self.home),
            mission_speed_mps(mission, self.speed_mps),
        )
        self._uploaded = (from_s, plan)
        return plan

    def pose_at(self, time_s: float) -> SimPose:
        """The truth at ``time_s`` seconds after the start."""
        plan, flight_s = self._plan, time_s
        uploaded = self._uploaded
        if uploaded is not None and time_s >= uploaded[0]:
            plan, flight_s = uploaded[1], time_s - uploaded[0]
        elif self.repeat_after_s is not None and self.repeat_after_s > 0:
            flight_s = time_s % self.repeat_after_s
        point = plan.at(flight_s)
        return SimPose(
            time_s=time_s,
            lat=point.lat,
            lon=point.lon,
            alt_m=self.home_alt_m + point.relative_alt_m,
            relative_alt_m=point.relative_alt_m,
            heading_deg=point.heading_deg,
            speed_mps=plan.speed_mps if point.moving else 0.0,
            battery_pct=max(0.0, 100.0 - self.drain * max(time_s, 0.0)),
            leg=point.leg,
        )

    def camera_at(self, time_s: float) -> tuple[float, float, float]:
        """The camera's (yaw, pitch, roll) in degrees at ``time_s``, as the vehicle reports
        it: a stabilised gimbal (no roll), its yaw locked to a bearing or the heading."""
        yaw = self.gimbal_yaw_deg
        if yaw is None:
            yaw = self.pose_at(time_s).heading_deg
        return yaw, self.gimbal_pitch_deg, 0.0

    def frames_at(self, time_s: float) -> list[bytes]:
        """The MAVLink 2 frames the vehicle sends at ``time_s`` (see the module docstring)."""
        pose = self.pose_at(time_s)
        boot_ms = round(time_s * 1000.0) % (1 << 32)
        ap = self._encoders[_AUTOPILOT_COMPONENT]
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
            home = mav.MAVLink_home_position_message(
                round(self.home.lat * 1e7),
                round(self.home.lon * 1e7),
                round(self.home_alt_m * 1000),
                0.0,
                0.0,
                0.0,
                [1.0, 0.0, 0.0, 0.0],
                0.0,
                0.0,
                0.0,
            )
            frames.append(bytes(home.pack(ap)))
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
            0, 0, boot_ms, *self._gimbal_attitude(), 0.0, 0.0, 0.0, 0
        )
        frames.append(bytes(gimbal.pack(self._encoders[_GIMBAL_COMPONENT])))
        fov = mav.MAVLink_camera_fov_status_message(
            boot_ms,
            round(pose.lat * 1e7),
            round(pose.lon * 1e7),
            round(pose.alt_m * 1000),
            0x7FFFFFFF,
            0x7FFFFFFF,
            0x7FFFFFFF,
            [1.0, 0.0, 0.0, 0.0],
            self.hfov_deg,
            self.vfov_deg,
        )
        frames.append(bytes(fov.pack(self._encoders[_CAMERA_COMPONENT])))
        return frames

    def _gimbal_attitude(self) -> tuple[int, list[float]]:
        """GIMBAL_DEVICE_ATTITUDE_STATUS flags and quaternion (w, x, y, z; Z-Y-X, no roll):
        pitch only with the yaw following the vehicle, or pitch and a bearing in the
        earth frame."""
        pitch = math.radians(self.gimbal_pitch_deg) / 2.0
        if self.gimbal_yaw_deg is None:
            return _YAW_IN_VEHICLE_FRAME, [math.cos(pitch), 0.0, math.sin(pitch), 0.0]
        yaw = math.radians(self.gimbal_yaw_deg) / 2.0
        cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
        return _YAW_IN_EARTH_FRAME, [cy * cp, -sy * sp, cy * sp, sy * cp]


class DroneRadio:
    """Sends a simulated drone's frames over UDP to ``host:port`` (what a telemetry radio
    or SITL with ``--out udp:HOST:PORT`` does)."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(self, frames: Sequence[bytes]) -> None:
        for frame in frames:
            self._sock.sendto(frame, self._target)

    def receive(self, timeout_s: float) -> tuple[bytes, tuple[str, int]] | None:
        """A datagram sent back to the radio (a ground station's command) and its sender;
        ``None`` when nothing came within ``timeout_s``."""
        self._sock.settimeout(max(timeout_s, 1e-3))
        try:
            data, sender = self._sock.recvfrom(65535)
        except (TimeoutError, BlockingIOError):
            return None
        return data, (str(sender[0]), int(sender[1]))

    def reply(self, frames: Sequence[bytes], to: tuple[str, int]) -> None:
        for frame in frames:
            self._sock.sendto(frame, to)

    def fly(self, drone: SimulatedDrone, clock: Clock, *, rate_hz: float, until_s: float) -> None:
        """Stream ``drone`` from now until ``until_s`` seconds of its flight, on ``clock``."""
        if not rate_hz > 0:
            raise ValueError("rate_hz must be > 0")
        start = clock.monotonic()
        step = 1.0 / rate_hz
        t = 0.0
        while t <= until_s:
            self.send(drone.frames_at(t))
            t += step
            clock.sleep(start + t - clock.monotonic())

    def close(self) -> None:
        self._sock.close()


class SimulatedDroneService:
    """The simulated drone as a node service (demo): streams its telemetry to ``host:port``
    on its own thread from ``start`` to ``stop`` (give the drone ``repeat_after_s`` to fly
    its route over and over), and answers mission uploads that come back on the same link
    (:attr:`receiver`): an accepted mission replaces the route and is flown from where the
    vehicle is (:meth:`SimulatedDrone.fly`)."""

    def __init__(
        self,
        drone: SimulatedDrone,
        *,
        host: str,
        port: int,
        clock: Clock,
        rate_hz: float = 5.0,
        epoch: SharedEpoch | None = None,
    ) -> None:
        if not rate_hz > 0:
            raise ValueError("rate_hz must be > 0")
        self.name = f"sim-drone-{drone.system_id}"
        self._epoch = epoch
        self._drone = drone
        self._target = (host, port)
        self._clock = clock
        self._rate_hz = rate_hz
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.receiver = MissionReceiver(system_id=drone.system_id)
        """The vehicle's side of mission uploads on its telemetry link."""
        self._parser = mav.MAVLink(None)
        self._parser.robust_parsing = True
        self.flown: list[tuple[float, Mission]] = []
        """Accepted uploads: the flight time each was taken at, and the mission."""

    @property
    def drone(self) -> SimulatedDrone:
        return self._drone

    async def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 5.0)

    def _run(self) -> None:
        radio = DroneRadio(*self._target)
        start = self._clock.monotonic()
        try:
            while not self._stopping.is_set():
                radio.send(self._drone.frames_at(self._flight_s(start)))
                self._listen(radio, start, 1.0 / self._rate_hz)
        except OSError:
            logger.exception("%s: cannot send telemetry to %s:%d", self.name, *self._target)
        finally:
            radio.close()

    def _listen(self, radio: DroneRadio, start: float, wait_s: float) -> None:
        """Answer what the ground station sends until the next telemetry is due (paced in
        real seconds, like the telemetry itself)."""
        due = time.monotonic() + wait_s
        while not self._stopping.is_set():
            remaining = due - time.monotonic()
            if remaining <= 0:
                return
            got = radio.receive(remaining)
            if got is None:
                continue
            data, sender = got
            try:
                messages = self._parser.parse_buffer(data) or []
            except Exception:  # a vehicle ignores what it cannot parse
                continue
            for msg in messages:
                if msg.get_type() == "BAD_DATA":
                    continue
                uploads = self.receiver.uploads
                replies = self.receiver.handle(msg)
                mission = self.receiver.received
                if self.receiver.uploads != uploads and mission is not None:
                    at_s = self._flight_s(start)
                    plan = self._drone.fly(mission, from_s=at_s)
                    self.flown.append((at_s, mission))
                    logger.info(
                        "%s: flying an uploaded mission (%d items, %d waypoints, %.0f s)",
                        self.name,
                        len(mission.items),
                        len(plan.route),
                        plan.duration_s,
                    )
                radio.reply(replies, sender)

    def _flight_s(self, start_monotonic_s: float) -> float:
        """Seconds of flight now: since the shared epoch (the drone's camera renders from
        the same one), else since this service started."""
        if self._epoch is None:
            return self._clock.monotonic() - start_monotonic_s
        now = self._clock.now()
        return (now - self._epoch.fix(now)).total_seconds()


class MissionReceiver:
    """The vehicle side of the MAVLink mission upload (mission type 0), as an autopilot
    answers a ground station: ``MISSION_COUNT`` → it asks for item 0, 1, … with
    ``MISSION_REQUEST_INT`` (``MISSION_REQUEST`` when ``use_int`` is false), takes each
    ``MISSION_ITEM_INT`` in order, asks again for the item it still needs when a wrong or
    repeated one arrives, and ends with ``MISSION_ACK``: ``ACCEPTED`` (and the mission,
    item 0 as home, in :attr:`received`), or ``NO_SPACE`` for more than ``capacity``
    items. A repeated last item after the end is answered with the ack again (the ack was
    lost). A ``MISSION_ACK`` from the station cancels an upload in progress."""

    def __init__(
        self,
        system_id: int = 1,
        component_id: int = _AUTOPILOT_COMPONENT,
        *,
        capacity: int = 700,
        use_int: bool = True,
    ) -> None:
        self._encoder = mav.MAVLink(None, srcSystem=system_id, srcComponent=component_id)
        self.system_id = system_id
        self.capacity = capacity
        self.use_int = use_int
        self._peer: tuple[int, int] = (0, 0)
        self._count = 0
        self._items: list[MissionItem] = []
        self._done_ack: bytes | None = None
        self._last_seq = -1
        self.received: Mission | None = None
        self.uploads = 0
        self.requests_sent = 0
        self.cancelled = 0

    def handle(self, msg: Any) -> list[bytes]:
        """The replies to one parsed message (pymavlink) from a ground station."""
        kind = msg.get_type()
        if getattr(msg, "target_system", self.system_id) not in (0, self.system_id):
            return []
        if getattr(msg, "mission_type", 0) != 0:
            return []
        peer = (int(msg.get_srcSystem()), int(msg.get_srcComponent()))
        if kind == "MISSION_COUNT":
            self._peer = peer
            self._count = int(msg.count)
            self._items = []
            self._done_ack = None
            if self._count > self.capacity:
                self._count = 0
                return [self._ack(mav.MAV_MISSION_NO_SPACE)]
            if self._count == 0:
                return [self._ack(mav.MAV_MISSION_ACCEPTED)]
            return [self._request(0)]
        if kind == "MISSION_ITEM_INT":
            seq = int(msg.seq)
            if self._done_ack is not None and seq == self._last_seq:
                return [self._done_ack]
            if self._count == 0:
                return []
            if seq != len(self._items):
                return [self._request(len(self._items))]
            self._items.append(_item_of(msg))
            if len(self._items) < self._count:
                return [self._request(len(self._items))]
            home = self._items[0]
            self.received = Mission((home.lat, home.lon, home.alt_m), tuple(self._items[1:]))
            self.uploads += 1
            self._last_seq = self._count - 1
            self._count = 0
            self._done_ack = self._ack(mav.MAV_MISSION_ACCEPTED)
            return [self._done_ack]
        if kind == "MISSION_ACK" and self._count:
            self._count = 0
            self._items = []
            self.cancelled += 1
        return []

    def _request(self, seq: int) -> bytes:
        self.requests_sent += 1
        cls = (
            mav.MAVLink_mission_request_int_message
            if self.use_int
            else mav.MAVLink_mission_request_message
        )
        return bytes(cls(self._peer[0], self._peer[1], seq, 0).pack(self._encoder))

    def _ack(self, result: int) -> bytes:
        msg = mav.MAVLink_mission_ack_message(self._peer[0], self._peer[1], result, 0)
        return bytes(msg.pack(self._encoder))


def _item_of(msg: Any) -> MissionItem:
    scale = 1e-7 if msg.frame in (0, 3, 5, 6, 10, 11) else 1.0
    params = (
        float(msg.param1),
        float(msg.param2),
        float(msg.param3),
        float(msg.param4),
        msg.x * scale,
        msg.y * scale,
        float(msg.z),
    )
    return MissionItem(int(msg.command), int(msg.frame), params, bool(msg.autocontinue))


class MissionServer:
    """A :class:`MissionReceiver` on a UDP port of its own (a vehicle's MAVLink port):
    datagrams in, replies to their sender, on a thread from ``start`` to ``stop``."""

    def __init__(
        self, receiver: MissionReceiver, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.receiver = receiver
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self._sock.settimeout(0.05)
        self._parser = mav.MAVLink(None)
        self._parser.robust_parsing = True
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="sim-mission-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(5.0)
        self._sock.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                data, sender = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                messages = self._parser.parse_buffer(data) or []
            except Exception:  # a vehicle ignores what it cannot parse
                continue
            for msg in messages:
                if msg.get_type() == "BAD_DATA":
                    continue
                with self.lock:
                    replies = self.receiver.handle(msg)
                for reply in replies:
                    self._sock.sendto(reply, sender)

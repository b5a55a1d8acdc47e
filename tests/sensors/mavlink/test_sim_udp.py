"""The simulated drone against the real UDP endpoint service on loopback."""

from __future__ import annotations

import asyncio
import itertools
import math
import socket
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kordon.config.integrations import MavlinkSensor
from kordon.domain.drone import DroneState, LinkState
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.geo.frame import LocalFrame
from kordon.sensors.mavlink.ingest import IngestLimits
from kordon.sensors.mavlink.service import MavlinkService
from kordon.sim.drone import SimulatedDrone
from kordon.sim.drone_radio import DroneRadio
from kordon.sim.flight_plan import Waypoint
from kordon.video.source.clock import FakeClock
from tests.sensors.mavlink.frames import Vehicle
from tests.sensors.mavlink_logs import Fix, tlog_bytes

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
HOME_ALT_M = 190.0
ROUTE = [
    Waypoint(51.5400, 24.1000, 80.0),
    Waypoint(51.5430, 24.1000, 80.0),  # ~334 m north
    Waypoint(51.5430, 24.1050, 100.0),  # ~346 m east, climbing
    Waypoint(51.5400, 24.1050, 100.0),
]
RATE_HZ = 5.0


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _distance_to_route_m(frame: LocalFrame, state: DroneState) -> float:
    p = frame.lonlat_to_xy([(state.position.lon, state.position.lat)])[0]
    xy = frame.lonlat_to_xy([(w.lon, w.lat) for w in ROUTE])
    best = math.inf
    for a, b in itertools.pairwise(xy):
        ab = b - a
        f = float(np.clip(np.dot(p - a, ab) / np.dot(ab, ab), 0.0, 1.0))
        best = min(best, float(np.linalg.norm(p - (a + f * ab))))
    return best


async def _fly(
    port: int, steps: int
) -> tuple[list[DroneState], list[DeviceStatus], SimulatedDrone]:
    clock = FakeClock(T0)
    states: asyncio.Queue[DroneState] = asyncio.Queue()
    statuses: list[DeviceStatus] = []
    sensor = MavlinkSensor(kind="mavlink", id="uav-1", url=f"udpin:127.0.0.1:{port}")
    service = MavlinkService(
        sensor,
        clock=clock,
        on_state=states.put_nowait,
        on_status=statuses.append,
        limits=IngestLimits(heartbeat_timeout_s=5.0, min_publish_interval_s=0.0),
        poll_s=0.05,
    )
    drone = SimulatedDrone(
        ROUTE, home_alt_m=HOME_ALT_M, speed_mps=12.0, battery_drain_pct_per_s=0.1
    )
    radio = DroneRadio("127.0.0.1", port)
    got: list[DroneState] = []
    await service.start()
    try:
        # lockstep: send one step, wait for its state (no sleeps, no lost datagrams)
        for k in range(steps):
            t = k / RATE_HZ
            clock.advance(0.0 if k == 0 else 1.0 / RATE_HZ)
            radio.send(drone.frames_at(t))
            got.append(await asyncio.wait_for(states.get(), timeout=10.0))
    finally:
        radio.close()
        await service.stop()
    return got, statuses, drone


def test_the_simulated_drone_is_seen_along_its_route_over_udp() -> None:
    port = _free_udp_port()
    steps = 400  # 80 s at 5 Hz: about 960 m of the ~1,014 m route
    states, statuses, drone = asyncio.run(_fly(port, steps))
    assert len(states) == steps
    frame = LocalFrame(ROUTE[0].lat, ROUTE[0].lon)
    for k, state in enumerate(states):
        truth = drone.pose_at(k / RATE_HZ)
        assert state.system_id == 1
        assert _distance_to_route_m(frame, state) < 0.05
        e, n = frame.lonlat_to_xy([(state.position.lon, state.position.lat)])[0]
        te, tn = frame.lonlat_to_xy([(truth.lon, truth.lat)])[0]
        assert math.hypot(e - te, n - tn) < 0.05  # MAVLink's 1e-7 degree resolution
        assert state.position.alt_m == pytest.approx(truth.alt_m, abs=0.002)
        assert state.heading_deg == pytest.approx(truth.heading_deg, abs=0.01)
    # legs: north, then east, then south
    assert states[20].heading_deg == pytest.approx(0.0, abs=0.01)
    assert states[200].heading_deg == pytest.approx(90.0, abs=0.01)
    assert states[-1].heading_deg == pytest.approx(180.0, abs=0.01)
    assert states[-1].ground_speed_mps == pytest.approx(12.0, abs=0.02)
    batteries = [s.battery_pct for s in states[1:]]
    assert batteries[0] == 100.0
    assert batteries[-1] == pytest.approx(100 - 0.1 * (steps - 1) / RATE_HZ, abs=0.6)
    assert all(b is not None for b in batteries)
    assert batteries == sorted(batteries, key=lambda b: -(b or 0))  # never rises
    assert states[-1].mode == "AUTO"
    assert states[-1].armed
    # nadir gimbal, 60° hfov at 100 m above home: a footprint 2·100·tan 30° wide
    last = states[-1]
    assert len(last.footprint_lonlat) == 4, last.footprint_note
    xy = frame.lonlat_to_xy(list(last.footprint_lonlat))
    assert float(np.linalg.norm(xy[1] - xy[0])) == pytest.approx(
        2 * 100 * math.tan(math.radians(30)), rel=1e-3
    )
    assert ("uav-1:1", DeviceState.ONLINE) in [(s.device_id, s.state) for s in statuses]


def test_a_silent_drone_goes_offline_on_the_service_clock() -> None:
    async def run() -> list[DeviceStatus]:
        clock = FakeClock(T0)
        statuses: list[DeviceStatus] = []
        offline = asyncio.Event()

        def on_status(status: DeviceStatus) -> None:
            statuses.append(status)
            if status.device_id == "uav-1:1" and status.state is DeviceState.OFFLINE:
                offline.set()

        port = _free_udp_port()
        sensor = MavlinkSensor(
            kind="mavlink", id="uav-1", url=f"udpin:127.0.0.1:{port}", heartbeat_timeout_s=3.0
        )
        service = MavlinkService(
            sensor, clock=clock, on_state=lambda _s: None, on_status=on_status, poll_s=0.02
        )
        await service.start()
        try:
            clock.advance(3.5)  # the receive loop checks the clock between reads
            await asyncio.wait_for(offline.wait(), timeout=10.0)
        finally:
            await service.stop()
        return statuses

    statuses = asyncio.run(run())
    (status,) = [s for s in statuses if s.device_id == "uav-1:1"]
    assert status.detail == "no heartbeat from system 1 since the start (3.5 s)"


def test_a_tlog_replay_service_publishes_states_then_the_drone_goes_offline(
    tmp_path: Path,
) -> None:
    fixes = [Fix(1_700_000_000.0 + 0.5 * i, 1, 51.5 + 1e-5 * i, 24.0, 100.0) for i in range(10)]
    path = tmp_path / "flight.tlog"
    path.write_bytes(Vehicle(1).heartbeat_tlog(1_700_000_000.0) + tlog_bytes(fixes))

    async def run() -> tuple[list[DroneState], list[DeviceStatus]]:
        clock = FakeClock(T0)
        states: list[DroneState] = []
        statuses: list[DeviceStatus] = []
        offline = asyncio.Event()

        def on_status(status: DeviceStatus) -> None:
            statuses.append(status)
            if status.device_id == "uav-1:1" and status.state is DeviceState.OFFLINE:
                offline.set()

        sensor = MavlinkSensor(kind="mavlink", id="uav-1", url=f"tlog:{path}", replay_speed=2.0)
        service = MavlinkService(
            sensor,
            clock=clock,
            on_state=states.append,
            on_status=on_status,
            limits=IngestLimits(heartbeat_timeout_s=3.0, min_publish_interval_s=0.0),
            poll_s=0.02,
        )
        await service.start()
        try:
            await asyncio.wait_for(asyncio.to_thread(service.finished.wait, 10.0), 12.0)
            assert clock.monotonic() == pytest.approx(4.5 / 2.0)  # paced at 2x on the clock
            clock.advance(5.0)
            await asyncio.wait_for(offline.wait(), timeout=10.0)
        finally:
            await service.stop()
        return states, statuses

    states, statuses = asyncio.run(run())
    assert [round(s.position.lat, 5) for s in states[:10]] == [
        round(51.5 + 1e-5 * i, 5) for i in range(10)
    ]
    assert states[-1].link is LinkState.LOST
    (offline,) = [
        s for s in statuses if s.device_id == "uav-1:1" and s.state is DeviceState.OFFLINE
    ]
    assert "no heartbeat from system 1" in offline.detail

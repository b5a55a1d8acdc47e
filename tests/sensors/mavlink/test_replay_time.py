"""A tlog replay on the log's recorded time (``replay_time: recorded``): drone states at
the times the log recorded, liveness on the replay's own clock, and a recorded video of
the flight finding its poses.

The oracle is pymavlink's own log reader (``mavutil``), not the replay's framing."""

from __future__ import annotations

import asyncio
import functools
import itertools
import math
import struct
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pymavlink import mavutil  # type: ignore[import-untyped]

from kordon.bus.channels import DRONES, OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.bus.protocol import route
from kordon.config.drone_video import DroneVideoConfig
from kordon.config.integrations import MavlinkSensor
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.domain.drone import DroneState, LinkState
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.drones.link import SharedLink
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.incidents.device_watch import DeviceWatch, WatchedDevice
from kordon.sensors.dronecam.observer import DroneCamObserver
from kordon.sensors.dronecam.pose import PoseHistory, PoseSample
from kordon.sensors.dronecam.projection import GroundProjector
from kordon.sensors.dronecam.video import DroneVideoAnalyser, DroneVideoService, StatusSink
from kordon.sensors.mavlink.endpoint import TlogReplay
from kordon.sensors.mavlink.ingest import IngestLimits
from kordon.sensors.mavlink.replay_clock import ReplayClock
from kordon.sensors.mavlink.screen import haversine_m
from kordon.sensors.mavlink.service import MavlinkService, ReplayTimeError
from kordon.video.source.clock import FakeClock
from kordon.wiring.drone_video import frame_factory
from tests.sensors.dronecam.test_video_sources import (
    FPS,
    SECONDS,
    VIDEO_WH,
    MarkerDetector,
    write_flight_video,
)
from tests.sensors.mavlink.frames import Vehicle
from tests.sensors.mavlink_logs import Fix, tlog_bytes

VTOL = "UAVLogViewer_vtol_SITL.tlog"
NODE_T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the node's clock: years after the flight
VTOL_HEARTBEAT_GAP_S = 6.1  # the VTOL log's longest silence of the vehicle's heartbeat


def _log(shared_data: Path) -> Path:
    path = shared_data / "mavlink" / VTOL
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data", pytrace=False)
    return path


@functools.cache
def _oracle(path: Path) -> list[Any]:
    """Every message of the log, in order, read straight with pymavlink."""
    conn = mavutil.mavlink_connection(str(path))
    out: list[Any] = []
    try:
        while (msg := conn.recv_match()) is not None:
            out.append(msg)
    finally:
        conn.close()
    return out


def _utc(msg: Any) -> datetime:
    return datetime.fromtimestamp(msg._timestamp, UTC)


def _sensor(path: Path, **extra: Any) -> MavlinkSensor:
    fields = {"kind": "mavlink", "id": "uav-1", "url": f"tlog:{path}", "camera_hfov_deg": 60.0}
    return MavlinkSensor.model_validate(fields | extra)


class Replay:
    """A :class:`MavlinkService` replaying a log to its end on a fake node clock."""

    def __init__(self, sensor: MavlinkSensor, *, heartbeat_timeout_s: float) -> None:
        self.clock = FakeClock(NODE_T)
        self.states: list[DroneState] = []
        self.statuses: list[DeviceStatus] = []
        self.service = MavlinkService(
            sensor,
            clock=self.clock,
            on_state=self.states.append,
            on_status=self.statuses.append,
            limits=IngestLimits(
                heartbeat_timeout_s=heartbeat_timeout_s,
                default_hfov_deg=sensor.camera_hfov_deg,
                min_publish_interval_s=0.0,
            ),
            poll_s=0.01,
        )

    async def run(self) -> None:
        await self.service.start()
        try:
            assert await asyncio.to_thread(self.service.finished.wait, 60.0), "replay hung"
        finally:
            await self.service.stop()
        await asyncio.sleep(0)  # the receive thread's last hand-overs to the loop


# --- configuration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["udpin:0.0.0.0:14550", "udpout:10.0.0.5:14555", "tcp:127.0.0.1:5760", "serial:/dev/x:57600"],
)
def test_recorded_time_is_refused_for_a_live_link(url: str) -> None:
    kind = url.partition(":")[0]
    with pytest.raises(ValidationError, match=rf"replay_time 'recorded' .* {kind}: is a live link"):
        MavlinkSensor(kind="mavlink", id="uav-1", url=url, replay_time="recorded")
    # the default is today's behaviour, allowed everywhere
    assert MavlinkSensor(kind="mavlink", id="uav-1", url=url).replay_time == "received"


def test_the_service_refuses_recorded_time_on_a_live_link_that_skipped_validation() -> None:
    sensor = MavlinkSensor(kind="mavlink", id="uav-1", url="tlog:a.tlog", replay_time="recorded")
    live = sensor.model_copy(update={"url": "udpin:0.0.0.0:14550"})  # no re-validation
    with pytest.raises(ReplayTimeError, match=r"needs a replayed log .* not a live udpin link"):
        MavlinkService(live, clock=FakeClock(NODE_T), on_state=print, on_status=print)


def test_unknown_replay_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="replay_time"):
        MavlinkSensor(kind="mavlink", id="uav-1", url="tlog:a.tlog", replay_time="log")


# --- the replay's clock -------------------------------------------------------------------


def test_the_replay_clock_stands_at_each_frame_and_runs_on_at_the_replay_speed() -> None:
    node = FakeClock(NODE_T)
    clock = ReplayClock(node, speed=4.0)
    assert clock.now() == NODE_T  # the node's, before a frame
    assert clock.frame_time() is None
    assert not clock.mark(0.0)  # a leading chunk of garbage carries no time
    assert not clock.mark(math.nan)
    assert clock.frame_time() is None
    assert clock.mark(1_533_737_200.25)
    recorded = datetime.fromtimestamp(1_533_737_200.25, UTC)
    assert clock.frame_time() == recorded == clock.now()
    node.advance(2.0)  # the replay is quiet for 2 s of the node: 8 s of the flight at 4x
    assert clock.now() == recorded + timedelta(seconds=8.0)
    assert clock.frame_time() == recorded
    assert clock.monotonic() == node.monotonic()
    clock.sleep(0.5)
    assert node.sleeps == [0.5]
    unpaced = ReplayClock(node, speed=0.0)  # as fast as possible: runs on in real time
    unpaced.mark(1_533_737_200.0)
    node.advance(3.0)
    assert unpaced.now() == datetime.fromtimestamp(1_533_737_203.0, UTC)


def test_a_tlog_replay_marks_each_frame_on_the_clock_it_follows(tmp_path: Path) -> None:
    vehicle = Vehicle()
    path = tmp_path / "beats.tlog"
    times = [1_533_737_000.0 + 0.7 * k for k in range(5)]
    path.write_bytes(b"".join(vehicle.heartbeat_tlog(t) for t in times))
    node = FakeClock(NODE_T)
    follow = ReplayClock(node, speed=2.0)
    replay = TlogReplay(path, clock=follow, speed=2.0, follow=follow)
    assert follow.frame_time() == datetime.fromtimestamp(times[0], UTC)  # the log's start
    seen = []
    while replay.receive(0.1) is not None:
        seen.append(follow.frame_time())
    assert seen == [datetime.fromtimestamp(t, UTC) for t in times]
    assert sum(node.sleeps) == pytest.approx((times[-1] - times[0]) / 2.0)


# --- the real log -------------------------------------------------------------------------


def test_a_recorded_replay_stamps_states_with_the_logs_times_and_stays_online(
    shared_data: Path,
) -> None:
    path = _log(shared_data)
    sensor = _sensor(path, replay_time="recorded", heartbeat_timeout_s=10.0)
    replay = Replay(sensor, heartbeat_timeout_s=10.0)
    asyncio.run(replay.run())
    oracle = _oracle(path)
    positions = [m for m in oracle if m.get_type() == "GLOBAL_POSITION_INT" and m.lat != 0]
    first_gpi = _utc(positions[0])
    by_time = {_utc(m): m for m in positions}
    states = replay.states
    assert len(states) > 700
    # before the first GLOBAL_POSITION_INT, states come from GPS_RAW_INT at its times
    early = [s for s in states if s.time < first_gpi]
    gps_times = {_utc(m) for m in oracle if m.get_type() == "GPS_RAW_INT"}
    assert {s.time for s in early} <= gps_times
    # then one state per GLOBAL_POSITION_INT, at its recorded time, with its position
    # (the ingest refuses the few whose vehicle clock ran backwards)
    later = [s for s in states if s.time >= first_gpi]
    assert len(positions) - 5 <= len(later) <= len(positions)
    for state in later:
        msg = by_time.get(state.time)
        assert msg is not None, f"{state.time} is not the recorded time of a position"
        assert state.position.lat == pytest.approx(msg.lat * 1e-7, abs=1e-9)
        assert state.position.lon == pytest.approx(msg.lon * 1e-7, abs=1e-9)
    assert [s.time for s in states] == sorted(s.time for s in states)
    assert states[-1].time == _utc(positions[-1])
    # the replay's own clock judged liveness: a flight of 2018 is not "silent since 2018"
    assert all(s.link is LinkState.CONNECTED for s in states)
    assert not [s for s in replay.statuses if s.state is DeviceState.OFFLINE]
    vehicle = [s for s in replay.statuses if s.device_id == "uav-1:1"]
    assert [s.state for s in vehicle] == [DeviceState.ONLINE]
    # statuses are the node's: stamped with its clock (the register, the device watch)
    assert all(s.time >= NODE_T for s in replay.statuses)
    watch = DeviceWatch(
        {"uav-1:1": WatchedDevice(), "uav-1": WatchedDevice()}, offline_after_s=30.0, emit=print
    )
    for status in replay.statuses:
        watch.observe(status)
    assert watch.check(replay.clock.now() + timedelta(seconds=60)) == []  # no lost-link incident
    # the service's current state is at the replay's time: the log's last message
    assert [s.time for s in replay.service.states()] == [_utc(oracle[-1])]


def test_a_received_replay_stamps_states_with_the_node_clock(shared_data: Path) -> None:
    """Today's behaviour, still the default: the node's time at each replayed message."""
    path = _log(shared_data)
    replay = Replay(_sensor(path, replay_speed=0.0), heartbeat_timeout_s=10.0)
    asyncio.run(replay.run())
    assert len(replay.states) > 700
    assert {s.time for s in replay.states} == {NODE_T}  # the fake node clock stood still


def test_the_logs_own_heartbeat_silence_reads_offline_on_the_replays_clock(
    shared_data: Path,
) -> None:
    """The VTOL log has one 6.1 s hole between two heartbeats: with a 5 s timeout the
    vehicle goes offline at the first message recorded 5 s into the hole, and back
    online at the next heartbeat (measured on the log's time, however fast it replays)."""
    path = _log(shared_data)
    replay = Replay(
        _sensor(path, replay_time="recorded", replay_speed=0.0), heartbeat_timeout_s=5.0
    )
    asyncio.run(replay.run())
    oracle = _oracle(path)
    beats = [
        m._timestamp
        for m in oracle
        if m.get_type() == "HEARTBEAT" and m.get_srcSystem() == 1 and m.autopilot != 8
    ]
    gap_start, gap_s = max(((a, b - a) for a, b in itertools.pairwise(beats)), key=lambda p: p[1])
    assert gap_s == pytest.approx(VTOL_HEARTBEAT_GAP_S, abs=0.01)
    vehicle = [s for s in replay.statuses if s.device_id == "uav-1:1"]
    assert [s.state for s in vehicle] == [
        DeviceState.ONLINE,
        DeviceState.OFFLINE,
        DeviceState.ONLINE,
    ]
    assert "no heartbeat from system 1 for 5." in vehicle[1].detail
    # the states published while the link was lost: from that first late message until
    # the heartbeat came back
    lost = [s.time.timestamp() for s in replay.states if s.link is LinkState.LOST]
    first_late = min(m._timestamp for m in oracle if m._timestamp - gap_start > 5.0)
    assert lost[0] == first_late
    assert lost[-1] < gap_start + gap_s


# --- a recorded video of the flight ------------------------------------------------------


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> SiteConfig:
    """A site for the node's file wiring (it resolves the video's path; the flight is in
    Australia, so the observations are placed in a frame at the flight's start)."""
    return load_site(repo_root / "examples" / "volyn" / "site.yaml")


def _video_run(
    path: Path, video_path: Path, replay_time: str, site: SiteConfig
) -> tuple[list[SensorScan], list[DroneState], LocalFrame]:
    """The replay's states on the bus, and a drone video service of the node's own
    file wiring on them; its frames wait (in the detector's load) until the telemetry
    of the whole log is in the pose history."""
    sensor = _sensor(
        path,
        replay_time=replay_time,
        replay_speed=0.0,
        video={
            "width": VIDEO_WH[0],
            "height": VIDEO_WH[1],
            "fps": FPS,
            "source": {"kind": "file", "path": str(video_path), "realtime": False},
        },
    )
    video = sensor.video
    assert isinstance(video, DroneVideoConfig)
    bus = InProcessBus()
    clock = FakeClock(NODE_T)
    telemetry_in = threading.Event()
    video_done = threading.Event()
    positions = [m for m in _oracle(path) if m.get_type() == "GLOBAL_POSITION_INT"]
    frame = LocalFrame(positions[0].lat * 1e-7, positions[0].lon * 1e-7)

    class GatedDetector(MarkerDetector):
        def load(self) -> None:
            assert telemetry_in.wait(60.0), "the telemetry never came in"
            super().load()

    states: list[DroneState] = []

    def on_state(state: DroneState) -> None:
        states.append(state)
        bus.publish(DRONES, state)

    def on_video_status(status: DeviceStatus) -> None:
        if status.device_id == "uav-1:1:video" and status.state is not DeviceState.ONLINE:
            video_done.set()

    mav = MavlinkService(
        sensor, clock=clock, on_state=on_state, on_status=lambda _s: None, poll_s=0.01
    )
    observer = DroneCamObserver(
        "uav-1:1", PoseHistory(offset_s=0.0), GroundProjector(frame), default_hfov_deg=60.0
    )
    make_frames = frame_factory(
        site,
        SiteGeometry.from_config(site),
        sensor,
        video,
        clock=clock,
        worlds={},
        flights={},
        health=on_video_status,
    )
    detector = GatedDetector()
    analyser = DroneVideoAnalyser(detector, observer)
    service = DroneVideoService(
        analyser,
        make_frames,
        bus,
        publish=lambda scan: bus.publish(OBSERVATIONS, scan),
        load=detector.load,
        status=StatusSink(on_video_status, clock),
    )
    scans: list[SensorScan] = []

    async def on_scan(scan: SensorScan) -> None:
        scans.append(scan)

    async def go() -> None:
        bus.bind(asyncio.get_running_loop())
        subscription = bus.subscribe(route(OBSERVATIONS, on_scan))
        await service.start()
        await mav.start()
        try:
            assert await asyncio.to_thread(mav.finished.wait, 60.0), "replay hung"
            await asyncio.sleep(0)  # the receive thread's last hand-overs
            posed = [s.time.timestamp() for s in states if PoseSample.from_state(s) is not None]
            for _ in range(10_000):  # let the video service's pump take every state
                span = analyser.telemetry_span_s()
                if not posed or (span is not None and span[1] >= posed[-1]):
                    break
                await asyncio.sleep(0)
            telemetry_in.set()
            assert await asyncio.to_thread(video_done.wait, 60.0), "the video never ended"
        finally:
            telemetry_in.set()
            await service.stop()
            await mav.stop()
        await asyncio.sleep(0)
        await subscription.deliver_ready()

    asyncio.run(go())
    return scans, states, frame


def _tlog_records(path: Path) -> list[tuple[float, bytes]]:
    """(recorded POSIX seconds, the record's bytes) of each record of a clean ``.tlog``:
    8 bytes of big-endian microseconds, then one MAVLink 1 or 2 frame."""
    data, out, i = path.read_bytes(), [], 0
    while i < len(data):
        magic, size = data[i + 8], data[i + 9]
        length = 8 + (size + 8 if magic == 0xFE else size + 12 + (13 if data[i + 10] & 1 else 0))
        out.append((struct.unpack(">Q", data[i : i + 8])[0] / 1e6, data[i : i + length]))
        i += length
    return out


def _position_at(path: Path, time_s: float) -> tuple[float, float, float]:
    """(lat, lon, height above home) of the flight at ``time_s``, interpolated between
    the log's GLOBAL_POSITION_INT messages."""
    positions = [m for m in _oracle(path) if m.get_type() == "GLOBAL_POSITION_INT"]
    after = next(k for k, m in enumerate(positions) if m._timestamp >= time_s)
    a, b = positions[after - 1], positions[after]
    f = (time_s - a._timestamp) / (b._timestamp - a._timestamp)
    return (
        (a.lat + f * (b.lat - a.lat)) * 1e-7,
        (a.lon + f * (b.lon - a.lon)) * 1e-7,
        (a.relative_alt + f * (b.relative_alt - a.relative_alt)) / 1000.0,
    )


def test_a_video_stamped_at_the_logs_time_finds_its_poses_in_a_recorded_replay(
    tmp_path: Path, shared_data: Path, volyn: SiteConfig
) -> None:
    """A video of the flight (its creation_time a recorded time of the log, the drone
    40+ m up) and the flight's tlog replayed on recorded time: every frame finds its pose
    and its markers are placed on the ground below the drone at the frame's time. On the
    node's time (``received``) the same pair never meets."""
    path = _log(shared_data)
    positions = [m for m in _oracle(path) if m.get_type() == "GLOBAL_POSITION_INT"]
    airborne = next(m for m in positions if m.relative_alt > 40_000)
    start = datetime.fromtimestamp(math.floor(airborne._timestamp) + 1, UTC)
    video_path = tmp_path / "flight.mp4"
    write_flight_video(video_path, creation_time=start)
    frames = int(SECONDS * FPS)
    # the log up to 5 s after the video (the pose history keeps the last minute, and the
    # video is analysed once the whole replay is in)
    head = tmp_path / "head.tlog"
    end_s = start.timestamp() + SECONDS + 5.0
    head.write_bytes(b"".join(r for t, r in _tlog_records(path) if t <= end_s))

    scans, states, frame = _video_run(head, video_path, "recorded", volyn)
    assert len(scans) == frames
    assert [s.time_s for s in scans] == pytest.approx(
        [start.timestamp() + k / FPS for k in range(frames)], abs=1e-3
    )
    assert all(len(s.observations) == 3 for s in scans)  # the three markers of each frame
    for scan in scans:
        lat, lon, agl_m = _position_at(path, scan.time_s)
        east_north = scan.observations.east_north_m
        lons, lats = frame.to_wgs84(east_north[:, 0], east_north[:, 1])
        for obs_lat, obs_lon in zip(lats, lons, strict=True):
            # inside the 60° camera's view of the ground from the drone (tilted a little)
            assert haversine_m(lat, lon, float(obs_lat), float(obs_lon)) < agl_m

    scans, states, _ = _video_run(head, video_path, "received", volyn)
    assert states  # the telemetry came, on the node's time (which stands still here)
    assert {s.time for s in states} == {NODE_T}
    assert scans == []


def test_the_nodes_shared_link_carries_the_replays_clock_to_the_tlog(tmp_path: Path) -> None:
    """The node opens each endpoint through a :class:`SharedLink` (mission uploads share
    it): the recorded times reach the states through it too."""
    times = [1_533_737_000.0 + 0.5 * k for k in range(6)]
    path = tmp_path / "fixes.tlog"
    path.write_bytes(
        tlog_bytes([Fix(t, 1, -35.36 + 1e-5 * k, 149.16, 600.0) for k, t in enumerate(times)])
    )
    clock = FakeClock(NODE_T)
    states: list[DroneState] = []
    service = MavlinkService(
        _sensor(path, replay_time="recorded"),
        clock=clock,
        on_state=states.append,
        on_status=lambda _s: None,
        limits=IngestLimits(min_publish_interval_s=0.0),
        open_link=SharedLink().open,
        poll_s=0.01,
    )

    async def go() -> None:
        await service.start()
        try:
            assert await asyncio.to_thread(service.finished.wait, 60.0)
        finally:
            await service.stop()
        await asyncio.sleep(0)

    asyncio.run(go())
    assert [s.time for s in states] == [datetime.fromtimestamp(t, UTC) for t in times]

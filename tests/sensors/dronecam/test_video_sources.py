"""A real drone's video: a recorded file (start time configured or from the container's
creation_time) or an RTSP stream, through the node's wiring and the real service.

The file is written here with PyAV: white markers drawn on the pixels where known ground
points appear from a drone flying north at 8 m/s, 60 m up, its camera looking east 60°
down (an independent pinhole model, not the observer's). The telemetry is a synthetic
sequence of drone states. The markers are found by a brightness threshold (a stand-in
detector: the subject here is the video's time and the geolocation, not NanoDet) and the
observations must land on the ground points."""

from __future__ import annotations

import asyncio
import math
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest
from pydantic import ValidationError

from kordon.bus.channels import OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.bus.protocol import route
from kordon.config.drone_video import (
    DroneVideoConfig,
    DroneVideoFile,
    DroneVideoStream,
    video_file_problem,
    world_problem,
)
from kordon.config.integrations import MavlinkSensor
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.domain.detections import Detections
from kordon.domain.drone import Attitude, DroneState, GeoPoint, GimbalAttitude
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.dronecam.frames import (
    DroneFileFrames,
    DroneStreamFrames,
    container_creation_time,
    fit_within,
)
from kordon.sensors.dronecam.video import DroneVideoService
from kordon.video.source.clock import FakeClock
from kordon.video.source.errors import SourceError
from kordon.video.source.file import FileSource
from kordon.video.source.stream import StreamSource
from kordon.wiring.drone_video import drone_videos, frame_factory

F64 = npt.NDArray[np.float64]
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)  # true time of the video's first frame
NODE_T = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # the node's clock (never used as frame time)
FILE_WH = (960, 540)
VIDEO_WH = (640, 360)  # analysed: the file's frames scaled by 2/3
FPS, SECONDS = 5, 3.0
HFOV_DEG, PITCH_DEG, YAW_DEG = 60.0, -60.0, 90.0
GROUND_M, AGL_M, SPEED_MPS = 100.0, 60.0, 8.0
START_XY = np.array([400.0, -300.0])  # site frame, metres east/north of the origin
TARGETS_XY = np.array([[434.6, -283.0], [425.0, -290.0], [445.0, -280.0]])
MARKER_WH = (12, 24)  # at file resolution; its bottom middle stands on the target


def _drone_xy(t_s: float) -> F64:
    xy: F64 = START_XY + np.array([0.0, SPEED_MPS * t_s])
    return xy


def _pixels(drone_xy: F64) -> F64:
    """Where each target appears in the file's frames: a pinhole camera (x right, y down,
    principal point at the centre, square pixels), camera axes forward/right/down turned
    to north/east/down by yaw, then pitch, then roll (none)."""
    yaw, pitch = math.radians(YAW_DEG), math.radians(PITCH_DEG)
    rz = np.array(
        [[math.cos(yaw), -math.sin(yaw), 0.0], [math.sin(yaw), math.cos(yaw), 0.0], [0, 0, 1.0]]
    )
    ry = np.array(
        [
            [math.cos(pitch), 0.0, math.sin(pitch)],
            [0, 1.0, 0],
            [-math.sin(pitch), 0, math.cos(pitch)],
        ]
    )
    cam_to_ned = rz @ ry
    d = TARGETS_XY - drone_xy
    ned = np.column_stack([d[:, 1], d[:, 0], np.full(len(d), AGL_M)])
    cam = ned @ cam_to_ned  # rows: each point in camera axes (R^T d)
    w, h = FILE_WH
    f = (w / 2.0) / math.tan(math.radians(HFOV_DEG) / 2.0)
    return np.column_stack(
        [w / 2.0 + f * cam[:, 1] / cam[:, 0], h / 2.0 + f * cam[:, 2] / cam[:, 0]]
    )


def write_flight_video(path: Path, *, creation_time: datetime | None) -> None:
    """The drone camera's recording of the flight (first frame at true time ``T0``)."""
    with av.open(str(path), "w") as container:
        if creation_time is not None:
            container.metadata["creation_time"] = creation_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = FILE_WH
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "12", "preset": "ultrafast"}
        mw, mh = MARKER_WH
        for k in range(int(SECONDS * FPS)):
            image = np.full((FILE_WH[1], FILE_WH[0], 3), 40, dtype=np.uint8)
            for u, v in _pixels(_drone_xy(k / FPS)):
                x, y = round(u), round(v)
                assert mw <= x <= FILE_WH[0] - mw, "target off view"
                assert mh <= y <= FILE_WH[1], "target off view"
                image[y - mh : y, x - mw // 2 : x + mw // 2] = 255
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


class MarkerDetector:
    """Bright blobs as 'person' boxes (the stand-in detector; see the module docstring)."""

    labels = ("person",)

    def __init__(self) -> None:
        self.loaded = False

    def load(self) -> None:
        self.loaded = True

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        n, _, stats, _ = cv2.connectedComponentsWithStats((grey > 128).astype(np.uint8))
        boxes = [[x, y, x + w, y + h] for x, y, w, h, area in stats[1:n].tolist() if area >= 10]
        return Detections.from_arrays(boxes, np.full(len(boxes), 0.9), np.zeros(len(boxes)))


def _state(t: datetime, drone_xy: F64, geometry: SiteGeometry) -> DroneState:
    lon, lat = geometry.frame.xy_to_lonlat(drone_xy[None])[0]
    home_lon, home_lat = geometry.frame.xy_to_lonlat(START_XY[None])[0]
    return DroneState(
        sensor_id="uav-9",
        system_id=1,
        time=t,
        position=GeoPoint(float(lat), float(lon), GROUND_M + AGL_M),
        relative_alt_m=AGL_M,
        attitude=Attitude(0.0, 0.0, 0.0),
        gimbal=GimbalAttitude(0.0, PITCH_DEG, YAW_DEG, yaw_absolute=True),
        camera_hfov_deg=HFOV_DEG,
        home=GeoPoint(float(home_lat), float(home_lon), GROUND_M),
    )


def telemetry(geometry: SiteGeometry, *, before_s: float = 1.0) -> list[DroneState]:
    """10 Hz states (true time) from ``before_s`` before the video to 1 s after it."""
    out = []
    for k in range(-round(before_s * 10), int(SECONDS * 10) + 10):
        t = k / 10.0
        out.append(_state(T0 + timedelta(seconds=t), _drone_xy(t), geometry))
    return out


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> tuple[SiteConfig, SiteGeometry]:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    return site, SiteGeometry.from_config(site)


def _site_with(site: SiteConfig, video: dict[str, Any]) -> tuple[SiteConfig, MavlinkSensor]:
    """The demo site with its drone replaced by a real one: telemetry from a tlog replay,
    the given video."""
    sensor = MavlinkSensor.model_validate(
        {
            "kind": "mavlink",
            "id": "uav-9",
            "url": "tlog:flight.tlog",
            "video": {"width": VIDEO_WH[0], "height": VIDEO_WH[1], "fps": FPS, **video},
        }
    )
    others = [s for s in site.sensors if not isinstance(s, MavlinkSensor)]
    return site.model_copy(update={"sensors": [*others, sensor]}), sensor


class Run:
    """One drone video service of the node's wiring, run to the end of its file."""

    def __init__(
        self, site: SiteConfig, geometry: SiteGeometry, detector: MarkerDetector | None = None
    ) -> None:
        self.bus = InProcessBus()
        self.clock = FakeClock(NODE_T)
        self.statuses: list[DeviceStatus] = []
        self.scans: list[SensorScan] = []
        self.detector = detector or MarkerDetector()
        self.finished = threading.Event()
        services: list[Service] = []
        drone_videos(
            site,
            geometry,
            self.bus,
            clock=self.clock,
            worlds={},
            flights={},
            services=services,
            record_status=self._status,
            detectors=lambda _s, _v: self.detector,
        )
        assert len(services) == 1
        service = services[0]
        assert isinstance(service, DroneVideoService)
        self.service = service

    def _status(self, status: DeviceStatus) -> None:
        self.statuses.append(status)
        if status.device_id == "uav-9:1:video" and status.state is not DeviceState.ONLINE:
            self.finished.set()

    def run(self, states: list[DroneState]) -> None:
        for state in states:  # telemetry first: every frame can find its pose
            self.service.analyser.add_state(state)

        async def on_scan(scan: SensorScan) -> None:
            self.scans.append(scan)

        async def go() -> None:
            self.bus.bind(asyncio.get_running_loop())
            scans = self.bus.subscribe(route(OBSERVATIONS, on_scan))
            await self.service.start()
            try:
                assert await asyncio.to_thread(self.finished.wait, 60.0), "no end of file"
            finally:
                await self.service.stop()
            await asyncio.sleep(0)  # the thread's last call_soon_threadsafe deliveries
            await scans.deliver_ready()

        asyncio.run(go())


def _errors_m(scans: list[SensorScan]) -> F64:
    """Each observation's distance to the nearest target."""
    xy = np.concatenate([s.observations.east_north_m for s in scans])
    d = np.linalg.norm(xy[:, None, :] - TARGETS_XY[None, :, :], axis=2)
    errors: F64 = d.min(axis=1)
    return errors


FRAMES = int(SECONDS * FPS)


def test_a_recorded_flight_lands_its_detections_on_the_ground_truth(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    video = tmp_path / "flight.mp4"
    write_flight_video(video, creation_time=T0)
    site, _ = _site_with(volyn[0], {"source": {"kind": "file", "path": str(video)}})
    run = Run(site, volyn[1])
    run.run(telemetry(volyn[1]))
    assert run.detector.loaded
    assert len(run.scans) == FRAMES
    # stamped with the recording's own time (creation_time + pts), not the node's clock
    times = [s.time_s for s in run.scans]
    assert times == pytest.approx([T0.timestamp() + k / FPS for k in range(FRAMES)], abs=1e-3)
    assert [len(s.observations) for s in run.scans] == [len(TARGETS_XY)] * FRAMES
    errors = _errors_m(run.scans)
    assert float(np.max(errors)) < 0.6, errors
    # every target seen in every frame (not one target found three times)
    xy = np.concatenate([s.observations.east_north_m for s in run.scans])
    nearest = np.argmin(np.linalg.norm(xy[:, None] - TARGETS_XY[None], axis=2), axis=1)
    assert np.bincount(nearest, minlength=len(TARGETS_XY)).tolist() == [FRAMES] * 3
    # realtime pacing went through the node's clock (no real sleeping in a test)
    assert run.clock.sleeps
    assert sum(run.clock.sleeps) == pytest.approx((FRAMES - 1) / FPS)
    states = {(s.device_id, s.state) for s in run.statuses}
    assert states == {
        ("uav-9:1:video-sync", DeviceState.ONLINE),
        ("uav-9:1:video", DeviceState.STOPPED),
    }


def test_the_time_offset_puts_a_late_camera_clock_on_the_telemetry(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    """The camera's clock runs 2 s behind the telemetry's: uncorrected, each detection is
    placed from where the drone was 2 s earlier (16 m south); ``time_offset_s`` fixes it."""
    video = tmp_path / "late.mp4"
    write_flight_video(video, creation_time=T0 - timedelta(seconds=2))
    errors = {}
    for offset in (0.0, 2.0):
        source = {"kind": "file", "path": str(video), "time_offset_s": offset, "realtime": False}
        site, _ = _site_with(volyn[0], {"source": source})
        run = Run(site, volyn[1])
        run.run(telemetry(volyn[1], before_s=3.0))
        assert len(run.scans) == FRAMES
        errors[offset] = float(np.median(_errors_m(run.scans)))
    assert errors[2.0] < 0.6
    assert errors[0.0] > 10.0


def test_a_video_that_misses_the_telemetry_is_a_health_event(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry], caplog: pytest.LogCaptureFixture
) -> None:
    video = tmp_path / "other-day.mp4"
    write_flight_video(video, creation_time=None)
    source = {"kind": "file", "path": str(video), "start_time": "2026-05-02T12:00:00+02:00"}
    site, _ = _site_with(volyn[0], {"source": source})
    run = Run(site, volyn[1])
    run.run(telemetry(volyn[1]))
    assert run.scans == []
    sync = [s for s in run.statuses if s.device_id == "uav-9:1:video-sync"]
    assert [s.state for s in sync] == [DeviceState.DEGRADED]  # once, not every frame
    # stamped by the node's clock (advanced by the pacing: the 10th frame, 1.8 s in)
    assert sync[0].time == NODE_T + timedelta(seconds=1.8)
    assert "last 2026-05-02T10:00:01.800+00:00" in sync[0].detail  # the frame's time, UTC
    assert "telemetry covers 2026-05-01T11:59:59.000+00:00 to 2026-05-01T12:00:03.900" in (
        sync[0].detail
    )
    assert "start_time" in sync[0].detail
    assert any("without telemetry" in r.message for r in caplog.records if r.levelname == "WARNING")


def test_a_file_without_creation_time_needs_a_start_time(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    video = tmp_path / "bare.mp4"
    write_flight_video(video, creation_time=None)
    assert container_creation_time(video) is None
    site, _ = _site_with(volyn[0], {"source": {"kind": "file", "path": str(video)}})
    run = Run(site, volyn[1])
    run.run(telemetry(volyn[1]))
    assert run.scans == []
    (status,) = [s for s in run.statuses if s.device_id == "uav-9:1:video"]
    assert status.state is DeviceState.OFFLINE
    assert "declares no creation_time; set video.source.start_time" in status.detail


def test_a_missing_video_file_is_a_build_error(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    site, _ = _site_with(volyn[0], {"source": {"kind": "file", "path": str(tmp_path / "x.mp4")}})
    with pytest.raises(NodeBuildError, match=r"uav-9.*video.source.path: .*video file not found"):
        Run(site, volyn[1])


def test_file_frames_are_restamped_and_scaled(tmp_path: Path) -> None:
    video = tmp_path / "f.mp4"
    write_flight_video(video, creation_time=T0)
    assert container_creation_time(video) == T0
    source = DroneFileFrames(
        FileSource(video, clock=FakeClock(NODE_T)),
        start_time=T0 + timedelta(hours=1),  # configured wins over the container's
        time_offset_s=-0.5,
        max_size_wh=(320, 320),
    )
    source.open()
    frames = list(source.frames())
    source.close()
    assert len(frames) == FRAMES
    assert frames[3].time == T0 + timedelta(hours=1, seconds=3 / FPS - 0.5)
    assert frames[0].resolution_wh == (320, 180)


@pytest.mark.parametrize(
    ("wh", "limit", "expected"),
    [((960, 540), (640, 360), (640, 360)), ((640, 480), (640, 360), (480, 360)),
     ((320, 180), (640, 360), (320, 180))],
)  # fmt: skip
def test_frames_are_scaled_down_only(
    wh: tuple[int, int], limit: tuple[int, int], expected: tuple[int, int]
) -> None:
    image = np.zeros((wh[1], wh[0], 3), dtype=np.uint8)
    out = fit_within(image, limit)
    assert (out.shape[1], out.shape[0]) == expected


def test_an_unparsable_creation_time_names_the_fix(tmp_path: Path) -> None:
    video = tmp_path / "odd.nut"  # NUT keeps metadata as written (MP4 and MKV parse it)
    with av.open(str(video), "w") as container:
        container.metadata["creation_time"] = "yesterday"
        stream = container.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height = 64, 64
        frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="bgr24")
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    with pytest.raises(SourceError, match="'yesterday' is not an ISO 8601 time; set video"):
        container_creation_time(video)


# --- RTSP ---------------------------------------------------------------------------------


def test_the_rtsp_source_is_built_as_a_reconnecting_stream(
    volyn: tuple[SiteConfig, SiteGeometry],
) -> None:
    stream = {"kind": "rtsp", "url": "rtsp://user:pw@10.0.0.7:8554/cam", "transport": "udp"}
    site, sensor = _site_with(
        volyn[0], {"source": {**stream, "timeout_s": 4, "time_offset_s": -0.3}}
    )
    assert sensor.video is not None
    health: list[DeviceStatus] = []
    make = frame_factory(
        site,
        volyn[1],
        sensor,
        sensor.video,
        clock=FakeClock(NODE_T),
        worlds={},
        flights={},
        health=health.append,
    )
    frames = make()  # builds, does not connect
    assert isinstance(frames, DroneStreamFrames)
    assert frames.time_offset_s == -0.3
    assert frames.max_size_wh == VIDEO_WH
    inner = frames.source
    assert inner.url == "rtsp://user:pw@10.0.0.7:8554/cam"
    assert (inner.settings.rtsp_transport, inner.settings.read_timeout_s) == ("udp", 4.0)
    assert health == []


def test_stream_frames_carry_their_arrival_time_minus_the_latency(tmp_path: Path) -> None:
    """A real :class:`StreamSource` (FFmpeg's file:// protocol standing in for RTSP): frames
    are stamped with the node's clock at connection + pts, then ``time_offset_s``."""
    video = tmp_path / "live.mp4"
    write_flight_video(video, creation_time=T0)  # a stream's own times are ignored
    statuses: list[DeviceStatus] = []
    stream = StreamSource(
        f"file://{video}",
        device_id="uav-9:1:video",
        clock=FakeClock(NODE_T),
        rng=random.Random(1),
        health=statuses.append,
    )
    frames = DroneStreamFrames(stream, time_offset_s=-0.3, max_size_wh=VIDEO_WH)
    frames.open()
    got = []
    for frame in frames.frames():
        got.append(frame)
        if len(got) == 3:
            break
    frames.close()
    assert [f.time for f in got] == [NODE_T + timedelta(seconds=k / FPS - 0.3) for k in range(3)]
    assert got[0].resolution_wh == VIDEO_WH
    assert statuses[0].state is DeviceState.ONLINE


# --- configuration ------------------------------------------------------------------------


def _video(source: dict[str, Any]) -> DroneVideoConfig:
    return DroneVideoConfig.model_validate({"source": source})


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"kind": "rtsp", "url": "http://10.0.0.7/live"}, "rtsp:// or rtsps://; got scheme 'http'"),
        ({"kind": "rtsp", "url": "10.0.0.7:554/live"}, "must start with rtsp://"),
        ({"kind": "rtsp", "url": "rtsp:///live/x"}, "has no host"),
        ({"kind": "rtsp", "url": "rtsp://h/x", "time_offset_s": 4e3}, "less than or equal to 3600"),
        ({"kind": "file", "path": "a.mp4", "start_time": "2026-05-01T12:00:00"}, "timezone"),
        ({"kind": "file", "path": "a.mp4", "start_time": "from the file"}, "creation_time"),
        ({"kind": "file"}, "path"),
        ({"kind": "usb", "device": 0}, "does not match any of the expected"),
    ],
)  # fmt: skip
def test_bad_drone_video_sources_are_refused(source: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _video(source)


def test_file_and_rtsp_sources_parse() -> None:
    file = _video({"kind": "file", "path": "f.mp4", "start_time": "2026-05-01T14:00:00+02:00"})
    assert isinstance(file.source, DroneVideoFile)
    start = file.source.start_time
    assert isinstance(start, datetime)
    assert (start, start.tzinfo) == (T0, UTC)
    default = _video({"kind": "file", "path": "f.mp4"}).source
    assert isinstance(default, DroneVideoFile)
    assert default.start_time == "creation_time"
    rtsp = _video({"kind": "rtsp", "url": "rtsps://cam.local/1"})
    assert isinstance(rtsp.source, DroneVideoStream)
    assert world_problem(rtsp.source, []) is None


def test_a_video_file_is_checked_like_a_cameras(tmp_path: Path) -> None:
    source = _video({"kind": "file", "path": "flight.mp4"}).source

    def resolve(path: Path) -> Path:
        return tmp_path / path

    problem = video_file_problem(source, resolve)
    assert problem is not None
    assert "flight.mp4" in problem
    assert "video file not found" in problem
    (tmp_path / "flight.mp4").mkdir()
    assert "not a regular file" in (video_file_problem(source, resolve) or "")
    (tmp_path / "flight.mp4").rmdir()
    (tmp_path / "flight.mp4").write_bytes(b"x")
    assert video_file_problem(source, resolve) is None


class HeldDetector(MarkerDetector):
    """Holds its first frame until released (to stop the service in the middle)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        self.entered.set()
        assert self.release.wait(30.0)
        return super().detect(image)


def test_stopping_the_node_mid_file_is_not_the_end_of_the_file(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    video = tmp_path / "flight.mp4"
    write_flight_video(video, creation_time=T0)
    site, _ = _site_with(volyn[0], {"source": {"kind": "file", "path": str(video)}})
    held = HeldDetector()
    run = Run(site, volyn[1], held)

    async def go() -> None:
        await run.service.start()
        assert await asyncio.to_thread(held.entered.wait, 30.0)
        stopping = asyncio.create_task(run.service.stop())
        await asyncio.sleep(0)  # stop() asks the file to close, then waits for the thread
        held.release.set()
        await stopping

    asyncio.run(go())
    assert run.service.frames_analysed == 1
    assert [s for s in run.statuses if s.device_id == "uav-9:1:video"] == []

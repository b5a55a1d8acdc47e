"""A camera's loop: results flow out, failures are reported and retried, timings exported,
and the end of a file is a quiet, normal end. Time is a fake clock: no real sleeps."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.domain.tracks import ImageTracks
from kordon.services.camera_service import CameraService
from kordon.video.motion.config import MotionConfig
from kordon.video.motion.detector import MotionOnlyDetector
from kordon.video.pipeline.pipeline import CameraPipeline
from kordon.video.pipeline.planner import FULL
from kordon.video.pipeline.result import FrameResult, StageTimings
from kordon.video.pipeline.stats import PipelineStats, StageSummary
from kordon.video.source.base import HealthSink
from kordon.video.source.clock import FakeClock
from kordon.video.source.errors import SourceError
from kordon.video.source.file import FileSource
from kordon.video.source.frame import Frame, SourceInfo
from kordon.video.source.synthetic import write_synthetic_video

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FRAME_PERIOD_S = 0.1


class ListSource:
    """``count`` black frames at 10 fps, paced on the fake clock as a live camera would be;
    ``fail_open`` raises like a dead camera."""

    def __init__(self, clock: FakeClock, count: int, *, fail_open: bool = False) -> None:
        self._clock = clock
        self._count = count
        self._fail_open = fail_open
        self.closed = False

    @property
    def info(self) -> SourceInfo:
        return SourceInfo(width_px=32, height_px=24, nominal_fps=10.0, codec="raw")

    @property
    def decode_errors(self) -> int:
        return 0

    def open(self) -> SourceInfo:
        if self._fail_open:
            raise SourceError("cannot open rtsp://cam/stream: connection refused")
        return self.info

    def frames(self) -> Iterator[Frame]:
        for k in range(self._count):
            if self.closed:
                return
            self._clock.sleep(FRAME_PERIOD_S)
            yield Frame(np.zeros((24, 32, 3), np.uint8), k, k / 10, T0 + timedelta(seconds=k / 10))

    def close(self) -> None:
        self.closed = True


class BlockingSource(ListSource):
    """Yields one frame, then waits until closed (a live stream with nothing new)."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock, 1)
        self.first_frame = threading.Event()
        self._closed_event = threading.Event()

    def frames(self) -> Iterator[Frame]:
        yield from super().frames()
        self.first_frame.set()
        self._closed_event.wait()

    def close(self) -> None:
        super().close()
        self._closed_event.set()


class CountingPipeline:
    def __init__(self) -> None:
        self.frames = 0

    def load(self) -> None:
        return None

    def process(self, frame: Frame) -> FrameResult:
        self.frames += 1
        return FrameResult(
            frame_index=frame.index,
            time=frame.time,
            pts_s=frame.pts_s,
            detections=Detections.empty(),
            tracks=ImageTracks.empty(),
            events=(),
            motion=None,
            plan=FULL,
            timings=StageTimings(detect_ms=12.5),
        )

    def stats(self) -> PipelineStats:
        return PipelineStats(self.frames, 0, 0, self.frames, (StageSummary("detect", 12.5, 20.0),))


def test_results_and_stage_timings_flow_out_then_the_source_finishes() -> None:
    clock = FakeClock(T0)
    results: list[int] = []
    statuses: list[DeviceStatus] = []
    service = CameraService(
        "cam-a",
        make_source=lambda _h: ListSource(clock, 25),
        make_pipeline=CountingPipeline,
        on_result=lambda _cam, _frame, result: results.append(result.frame_index),
        on_status=statuses.append,
        clock=clock,
        stats_every_s=0.95,
    )
    service.run()  # on this thread; returns when the source ran out
    assert results == list(range(25))
    with_metrics = [s for s in statuses if "detect_ms" in s.metrics]
    assert len(with_metrics) == 2  # after 10 and after 20 frames of 0.1 s
    first = with_metrics[0].metrics
    assert (first["frames"], first["detect_ms"], first["decode_errors"]) == (10.0, 12.5, 0.0)
    assert first["fps"] == 10.0
    assert with_metrics[0].time == T0 + timedelta(seconds=1.0)
    assert (statuses[-1].state, statuses[-1].detail) == (
        DeviceState.STOPPED,
        "finished: end of input after 25 frames",
    )
    assert service.finished


def test_a_dead_camera_is_reported_and_retried_with_backoff_on_the_clock() -> None:
    clock = FakeClock(T0)
    statuses: list[DeviceStatus] = []
    attempts: list[float] = []
    service: CameraService

    def make_source(_health: HealthSink) -> ListSource:
        attempts.append(clock.monotonic())
        if len(attempts) == 4:
            service.request_stop()
        return ListSource(clock, 0, fail_open=True)

    service = CameraService(
        "cam-dead",
        make_source=make_source,
        make_pipeline=CountingPipeline,
        on_result=lambda *_: None,
        on_status=statuses.append,
        clock=clock,
        rng=random.Random(1),
    )
    service.run()
    assert [s.state for s in statuses] == [DeviceState.OFFLINE] * 3
    assert all("connection refused" in s.detail for s in statuses)
    gaps = np.diff(attempts)
    # capped exponential backoff from 1 s, doubling, jitter at most 20 % down
    nominal = np.array([1.0, 2.0, 4.0])
    assert np.all(gaps >= 0.8 * nominal - 1e-9), gaps
    assert np.all(gaps <= nominal + 1e-9), gaps
    assert max(clock.sleeps) <= 0.2  # waited in short steps, so a stop is seen quickly
    assert not service.finished


def test_stop_closes_a_waiting_source_and_reports_stopped() -> None:
    clock = FakeClock(T0)
    statuses: list[DeviceStatus] = []
    source = BlockingSource(clock)
    service = CameraService(
        "cam-live",
        make_source=lambda _h: source,
        make_pipeline=CountingPipeline,
        on_result=lambda *_: None,
        on_status=statuses.append,
        clock=clock,
    )

    async def go() -> None:
        await service.start()
        assert await asyncio.to_thread(source.first_frame.wait, 30.0)
        await service.stop()

    asyncio.run(go())
    assert source.closed
    assert service.frames_processed == 1
    assert [(s.state, s.detail) for s in statuses] == [
        (DeviceState.ONLINE, "analytics running"),
        (DeviceState.STOPPED, "stopped"),
    ]


def test_the_end_of_a_real_file_is_quiet_and_not_offline(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A complete file with ``loop: false``: one INFO line, no reopen, never offline."""
    video = write_synthetic_video(tmp_path / "short.mp4", seconds=1.0, fps=10)
    clock = FakeClock(T0)
    statuses: list[DeviceStatus] = []
    opened: list[FileSource] = []

    def make_source(_health: HealthSink) -> FileSource:
        source = FileSource(video.path, clock=clock, realtime=True, loop=False)
        opened.append(source)
        return source

    service = CameraService(
        "cam-file",
        make_source=make_source,
        make_pipeline=lambda: CameraPipeline("cam-file", MotionOnlyDetector(MotionConfig())),
        on_result=lambda *_: None,
        on_status=statuses.append,
        clock=clock,
        rng=random.Random(2),
    )
    with caplog.at_level(logging.DEBUG, logger="kordon"):
        service.run()
    asyncio.run(service.stop())  # the node stopping later keeps the finished status
    assert len(opened) == 1
    assert service.frames_processed == video.frame_count
    assert [(s.state, s.detail) for s in statuses] == [
        (DeviceState.ONLINE, "analytics running"),
        (DeviceState.STOPPED, f"finished: end of input after {video.frame_count} frames"),
    ]
    camera_lines = [r for r in caplog.records if r.name == "kordon.services.camera_service"]
    assert [(r.levelno, r.getMessage()) for r in camera_lines] == [
        (
            logging.INFO,
            f"camera cam-file: finished: end of input after {video.frame_count} frames; "
            "not restarted",
        )
    ]
    assert all(r.levelno < logging.WARNING for r in caplog.records)


class FreezingSource(ListSource):
    """Noise frames at 10 fps, except frames ``frozen_from`` to ``frozen_to`` (exclusive),
    which repeat one picture, as a stream whose encoder hung would."""

    def __init__(self, clock: FakeClock, count: int, frozen_from: int, frozen_to: int) -> None:
        super().__init__(clock, count)
        self._frozen = range(frozen_from, frozen_to)

    def frames(self) -> Iterator[Frame]:
        rng = np.random.default_rng(5)
        stuck = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        for k in range(self._count):
            self._clock.sleep(FRAME_PERIOD_S)
            image = stuck if k in self._frozen else rng.integers(0, 256, (24, 32, 3), np.uint8)
            yield Frame(image, k, k / 10, T0 + timedelta(seconds=k / 10))


def test_a_frozen_picture_is_reported_degraded_and_its_recovery_online(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(T0)
    statuses: list[DeviceStatus] = []
    pipeline = CountingPipeline()
    # Frames 100-499 repeat one picture: 40 s frozen, reported once 30 s have passed.
    service = CameraService(
        "cam-stuck",
        make_source=lambda _h: FreezingSource(clock, 600, 100, 500),
        make_pipeline=lambda: pipeline,
        on_result=lambda *_: None,
        on_status=statuses.append,
        clock=clock,
        stats_every_s=10.0,
        frozen_after_s=30.0,
    )
    with caplog.at_level(logging.INFO, logger="kordon"):
        service.run()
    assert pipeline.frames == 600  # analytics kept running throughout
    # Health every 10 s, and at once when the picture freezes (30 s after frame 100 came,
    # at frame 400) and when it moves again (frame 500), with how long it was still.
    reports = [
        ((s.time - T0).total_seconds(), s.state, s.detail, s.metrics.get("still_s"))
        for s in statuses
    ]
    frozen = "image frozen: unchanged for {} s (stuck encoder or stream?)"
    running = "analytics running"
    assert reports == [
        (0.0, DeviceState.ONLINE, running, None),
        (10.1, DeviceState.ONLINE, running, 0.0),
        (20.1, DeviceState.ONLINE, running, 10.0),
        (30.1, DeviceState.ONLINE, running, 20.0),
        (40.1, DeviceState.DEGRADED, frozen.format(30), 30.0),
        (50.1, DeviceState.ONLINE, "analytics running: the image moves again", 0.0),
        (60.0, DeviceState.STOPPED, "finished: end of input after 600 frames", None),
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"camera cam-stuck: {frozen.format(30)}"]

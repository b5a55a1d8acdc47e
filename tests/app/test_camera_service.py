"""A camera's thread: results flow out, failures are reported and retried, timings exported."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np

from kordon.domain.detections import Detections
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.domain.tracks import ImageTracks
from kordon.services.camera_service import CameraService
from kordon.video.pipeline.planner import FULL
from kordon.video.pipeline.result import FrameResult, StageTimings
from kordon.video.pipeline.stats import PipelineStats, StageSummary
from kordon.video.source.base import HealthSink
from kordon.video.source.clock import SystemClock
from kordon.video.source.errors import SourceError
from kordon.video.source.frame import Frame, SourceInfo

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class ListSource:
    """A source of ``count`` black frames; ``fail_open`` raises like a dead camera."""

    def __init__(self, count: int, *, fail_open: bool = False) -> None:
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
            yield Frame(np.zeros((24, 32, 3), np.uint8), k, k / 10, T0 + timedelta(seconds=k / 10))
            time.sleep(0.005)

    def close(self) -> None:
        self.closed = True


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


def _run(service: CameraService, seconds: float) -> None:
    async def go() -> None:
        await service.start()
        await asyncio.sleep(seconds)
        await service.stop()

    asyncio.run(go())


def test_results_and_stage_timings_flow_out() -> None:
    results: list[int] = []
    statuses: list[DeviceStatus] = []
    service = CameraService(
        "cam-a",
        make_source=lambda _h: ListSource(200),
        make_pipeline=CountingPipeline,
        on_result=lambda _cam, _frame, result: results.append(result.frame_index),
        on_status=statuses.append,
        clock=SystemClock(),
        stats_every_s=0.2,
    )
    _run(service, 0.8)
    assert results[:5] == [0, 1, 2, 3, 4]
    with_metrics = [s for s in statuses if "detect_ms" in s.metrics]
    assert with_metrics
    assert with_metrics[0].metrics["detect_ms"] == 12.5
    assert with_metrics[0].metrics["fps"] > 0
    assert with_metrics[0].metrics["decode_errors"] == 0
    assert statuses[-1].state is DeviceState.STOPPED


def test_a_dead_camera_is_reported_and_retried_without_stopping_the_node() -> None:
    statuses: list[DeviceStatus] = []
    attempts: list[int] = []

    def make_source(_health: HealthSink) -> ListSource:
        attempts.append(1)
        return ListSource(0, fail_open=True)

    service = CameraService(
        "cam-dead",
        make_source=make_source,
        make_pipeline=CountingPipeline,
        on_result=lambda *_: None,
        on_status=statuses.append,
        clock=SystemClock(),
        rng=random.Random(1),
    )
    _run(service, 1.6)
    offline = [s for s in statuses if s.state is DeviceState.OFFLINE]
    assert offline
    assert "connection refused" in offline[0].detail
    assert len(attempts) >= 2  # retried after the back-off
    assert statuses[-1].state is DeviceState.STOPPED

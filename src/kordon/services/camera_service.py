"""``CameraService``: one camera's analytics on its own thread, with a node lifetime.

The thread opens the source, runs every frame through the camera pipeline and hands the
results to the node (events to the incident service, tracks to the live map, the latest
frame to snapshots). A camera that fails — missing file, broken stream, bad model — is
reported ``offline`` with the reason and retried with capped backoff; it never stops the
node or its other cameras. A source that runs out (the end of a file without ``loop``, a
simulation of fixed length) is a normal end: one INFO line, the status ``stopped`` with a
``finished: …`` detail, and the thread ends without reopening it. A source whose picture
stops changing (a frozen encoder or decoder) keeps running but is reported ``degraded``
with how long the image has been frozen, and ``online`` again once it moves.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable
from typing import Protocol

from kordon.domain.errors import KordonError
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.video.pipeline.result import FrameResult
from kordon.video.pipeline.stats import PipelineStats
from kordon.video.source.backoff import Backoff
from kordon.video.source.base import FrameSource, HealthSink
from kordon.video.source.clock import Clock
from kordon.video.source.frame import Frame
from kordon.video.source.still import StillChange, StillImageWatch

logger = logging.getLogger(__name__)


class Pipeline(Protocol):
    def load(self) -> None: ...

    def process(self, frame: Frame) -> FrameResult: ...

    def stats(self) -> PipelineStats: ...


ResultSink = Callable[[str, Frame, FrameResult], None]
"""Receives (camera id, frame, result) on the camera thread; must be quick."""

STOP_POLL_S = 0.2
"""Longest step of a backoff wait, so a stop request is noticed within this time."""


class CameraService:
    """Runs ``source → pipeline → sink`` for one camera until stopped or its source ends.

    All waiting goes through the injected clock, so tests drive :meth:`run` on their own
    thread with a fake clock and no real sleeps.
    """

    def __init__(
        self,
        camera_id: str,
        *,
        make_source: Callable[[HealthSink], FrameSource],
        make_pipeline: Callable[[], Pipeline],
        on_result: ResultSink,
        on_status: HealthSink,
        clock: Clock,
        rng: random.Random | None = None,
        stats_every_s: float = 10.0,
        frozen_after_s: float = 30.0,
    ) -> None:
        self.camera_id = camera_id
        self._make_source = make_source
        self._make_pipeline = make_pipeline
        self._on_result = on_result
        self._on_status = on_status
        self._clock = clock
        self._backoff = Backoff(rng or random.Random(), initial_s=1.0, max_s=30.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._source: FrameSource | None = None
        self._source_lock = threading.Lock()
        self.frames_processed = 0
        self.finished = False
        """True once the source ran out: a normal end, not a failure."""
        self._stats_every_s = stats_every_s
        self._frozen_after_s = frozen_after_s

    @property
    def name(self) -> str:
        return f"camera:{self.camera_id}"

    async def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, name=f"camera-{self.camera_id}", daemon=True
        )
        self._thread.start()

    async def stop(self) -> None:
        self.request_stop()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 3.0)
            if self._thread.is_alive():
                logger.warning("camera %s thread did not stop in time", self.camera_id)
            self._thread = None
        if not self.finished:  # a finished camera keeps saying why it stopped
            self._status(DeviceState.STOPPED, "stopped")

    def request_stop(self) -> None:
        """Ask :meth:`run` to return soon (closes the source); does not wait."""
        self._stop.set()
        with self._source_lock:
            if self._source is not None:
                self._source.close()

    def _status(
        self, state: DeviceState, detail: str, metrics: dict[str, float] | None = None
    ) -> None:
        try:
            self._on_status(
                DeviceStatus(self.camera_id, self._clock.now(), state, detail, metrics or {})
            )
        except Exception:  # a status sink must never kill the camera thread
            logger.exception("camera %s: status sink failed", self.camera_id)

    def run(self) -> None:
        """The camera loop (the thread's body): until stopped or the source finishes."""
        pipeline: Pipeline | None = None
        while not self._stop.is_set():
            try:
                if pipeline is None:
                    candidate = self._make_pipeline()
                    candidate.load()
                    pipeline = candidate
                if self._run_source(pipeline):
                    self._finish()
                    return
            except KordonError as exc:
                logger.error("camera %s: %s", self.camera_id, exc)
                self._status(DeviceState.OFFLINE, str(exc))
            except Exception as exc:  # keep the node alive; report and retry
                logger.exception("camera %s failed", self.camera_id)
                self._status(DeviceState.OFFLINE, f"internal error: {exc}")
            if self._pause(self._backoff.next_delay_s()):
                break

    def _finish(self) -> None:
        self.finished = True
        detail = f"finished: end of input after {self.frames_processed} frames"
        logger.info("camera %s: %s; not restarted", self.camera_id, detail)
        self._status(DeviceState.STOPPED, detail)

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` on the clock in short steps; ``True`` once a stop was requested."""
        deadline = self._clock.monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                return False
            self._clock.sleep(min(remaining, STOP_POLL_S))
        return True

    def _report_running(
        self,
        still: StillImageWatch,
        now: float,
        change: StillChange | None,
        metrics: dict[str, float],
    ) -> None:
        if still.frozen:
            detail = (
                f"image frozen: unchanged for {still.still_s(now):.0f} s (stuck encoder or stream?)"
            )
            if change is not None:
                logger.warning("camera %s: %s", self.camera_id, detail)
            self._status(DeviceState.DEGRADED, detail, metrics)
        elif change is not None:
            logger.info("camera %s: the image moves again", self.camera_id)
            self._status(DeviceState.ONLINE, "analytics running: the image moves again", metrics)
        else:
            self._status(DeviceState.ONLINE, "analytics running", metrics)

    def _run_source(self, pipeline: Pipeline) -> bool:
        """Run one opened source; ``True`` when it ran out of frames (not stopped)."""
        source = self._make_source(self._on_status)
        with self._source_lock:
            if self._stop.is_set():
                return False
            self._source = source
        try:
            source.open()
            self._backoff.reset()
            self._status(DeviceState.ONLINE, "analytics running")
            last_report = self._clock.monotonic()
            window_frames = 0
            still = StillImageWatch(after_s=self._frozen_after_s)
            for frame in source.frames():
                if self._stop.is_set():
                    break
                result = pipeline.process(frame)
                self.frames_processed += 1
                window_frames += 1
                self._on_result(self.camera_id, frame, result)
                now = self._clock.monotonic()
                change = still.observe(frame.image, now)
                if change is not None or now - last_report >= self._stats_every_s:
                    # Per-stage timings, exported with the camera's health; a frozen
                    # picture, or its end, is reported at once.
                    metrics = pipeline.stats().as_metrics()
                    elapsed = now - last_report
                    metrics["fps"] = round(window_frames / elapsed, 2) if elapsed > 0 else 0.0
                    metrics["decode_errors"] = float(source.decode_errors)
                    metrics["still_s"] = round(still.still_s(now), 1)
                    window_frames = 0
                    last_report = now
                    self._report_running(still, now, change, metrics)
            return not self._stop.is_set()
        finally:
            with self._source_lock:
                self._source = None
            source.close()

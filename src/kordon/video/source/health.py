"""Measures a source's frame rate and decode errors and reports ``DeviceStatus`` changes."""

from __future__ import annotations

import logging

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.video.source.base import HealthSink
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)


class HealthMonitor:
    """Turns frame and error counts into health reports sent to a sink.

    ``report`` sends a status now; ``frame_decoded`` sends a heartbeat every ``interval_s``
    with the fps measured over the interval; the state is ``degraded`` when that fps is
    under ``degraded_fps_ratio`` × the nominal rate, or packets failed to decode in it.
    A sink that raises is logged and ignored: health reporting never stops the video.
    """

    def __init__(
        self,
        device_id: str,
        sink: HealthSink,
        clock: Clock,
        *,
        interval_s: float = 10.0,
        degraded_fps_ratio: float = 0.5,
    ) -> None:
        self.device_id = device_id
        self._sink = sink
        self._clock = clock
        self.interval_s = interval_s
        self.degraded_fps_ratio = degraded_fps_ratio
        self.nominal_fps = 0.0
        self.state = DeviceState.STARTING
        self.decode_errors = 0
        self.frames_total = 0
        self._window_start_s: float | None = None
        self._window_frames = 0
        self._window_errors = 0
        self.fps = 0.0

    def start_window(self, nominal_fps: float) -> None:
        """Begin measuring (after a (re)connect)."""
        self.nominal_fps = nominal_fps
        self._window_start_s = self._clock.monotonic()
        self._window_frames = 0
        self._window_errors = 0

    def decode_error(self) -> None:
        self.decode_errors += 1
        self._window_errors += 1

    def frame_decoded(self) -> None:
        self.frames_total += 1
        self._window_frames += 1
        now = self._clock.monotonic()
        if self._window_start_s is None:
            self._window_start_s = now
            return
        elapsed = now - self._window_start_s
        if elapsed < self.interval_s:
            return
        self.fps = self._window_frames / elapsed if elapsed > 0 else 0.0
        slow = self.nominal_fps > 0 and self.fps < self.degraded_fps_ratio * self.nominal_fps
        errors = self._window_errors
        state = DeviceState.DEGRADED if slow or errors else DeviceState.ONLINE
        if slow:
            detail = f"{self.fps:.1f} fps, nominal {self.nominal_fps:.1f}"
        elif errors:
            detail = f"{errors} decode errors in {elapsed:.0f} s"
        else:
            detail = "streaming"
        self._window_start_s = now
        self._window_frames = 0
        self._window_errors = 0
        self.report(state, detail)

    def report(self, state: DeviceState, detail: str, **extra: float) -> None:
        self.state = state
        metrics = {
            "fps": round(self.fps, 3),
            "decode_errors": float(self.decode_errors),
            "frames": float(self.frames_total),
            **extra,
        }
        status = DeviceStatus(
            device_id=self.device_id,
            time=self._clock.now(),
            state=state,
            detail=detail,
            metrics=metrics,
        )
        try:
            self._sink(status)
        except Exception:
            logger.exception("%s: health sink failed on %s", self.device_id, state)

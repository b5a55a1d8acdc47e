"""``TelemetryMatchWatch``: says when a drone camera's frames stop finding telemetry.

A recorded video whose ``start_time`` or offset is wrong, or a tlog of another flight,
gives frames that never fall inside the telemetry: the observer refuses each one
(``no_pose``) and nothing reaches the map. That must not be silent: after ``after_frames``
frames in a row without a pose the watch returns a ``degraded`` status naming the frame's
time, the telemetry's span and what to check; when frames match again it returns
``online``. Only changes are returned (the caller publishes them and logs them once).
"""

from __future__ import annotations

from datetime import UTC, datetime

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.sensors.dronecam.observer import DroneCamResult, FrameIssue

MATCHED = "frames matched to telemetry"


def _iso(time_s: float) -> str:
    return datetime.fromtimestamp(time_s, UTC).isoformat(timespec="milliseconds")


class TelemetryMatchWatch:
    """Frames without a pose, counted in a row, as status changes of ``device_id``."""

    def __init__(self, device_id: str, *, after_frames: int = 10) -> None:
        if after_frames < 1:
            raise ValueError(f"after_frames must be >= 1, got {after_frames}")
        self.device_id = device_id
        self.after_frames = after_frames
        self._unmatched = 0
        self._state: DeviceState | None = None

    @property
    def unmatched_in_row(self) -> int:
        return self._unmatched

    def check(
        self,
        result: DroneCamResult,
        frame_time_s: float,
        telemetry_span_s: tuple[float, float] | None,
        now: datetime,
    ) -> DeviceStatus | None:
        """The status change ``result`` (of the frame stamped ``frame_time_s``, telemetry
        clock) brings, if any; ``telemetry_span_s`` is what the pose history holds."""
        if result.scan is not None:
            self._unmatched = 0
            return self._change(DeviceState.ONLINE, MATCHED, now)
        if result.issue is not FrameIssue.NO_POSE:
            return None
        self._unmatched += 1
        if self._unmatched < self.after_frames:
            return None
        if telemetry_span_s is None:
            covers = "no telemetry received"
        else:
            first, last = telemetry_span_s
            covers = f"telemetry covers {_iso(first)} to {_iso(last)}"
        detail = (
            f"{self._unmatched} frames in a row without telemetry at their time (last "
            f"{_iso(frame_time_s)}; {covers}): check the video's start_time and "
            "time_offset_s, video.offset_s, and that the telemetry is this flight's"
        )
        metrics = {"frames_without_pose": float(self._unmatched)}
        return self._change(DeviceState.DEGRADED, detail, now, metrics)

    def _change(
        self,
        state: DeviceState,
        detail: str,
        now: datetime,
        metrics: dict[str, float] | None = None,
    ) -> DeviceStatus | None:
        if self._state is state:
            return None
        self._state = state
        return DeviceStatus(self.device_id, now, state, detail, metrics or {})

"""``TelemetryMatchWatch``: frames that find no telemetry become one health event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kordon.domain.detections import Detections
from kordon.domain.status import DeviceState
from kordon.geo.frame import LocalFrame
from kordon.sensors.dronecam import (
    DroneCamObserver,
    DroneCamResult,
    GroundProjector,
    PoseHistory,
    PoseSample,
)
from kordon.sensors.dronecam.sync import MATCHED, TelemetryMatchWatch

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
T0 = 1_780_000_000.0
FRAME = LocalFrame(51.6522, 23.6824)
NONE = Detections.from_arrays([], [], [])


def _observer() -> DroneCamObserver:
    history = PoseHistory()
    for k in range(11):  # telemetry over 10 s
        history.add(
            PoseSample(T0 + k, 51.65, 23.68 + k * 1e-4, 280.0, 0.0, -60.0, 0.0, 60.0, None, 200.0)
        )
    return DroneCamObserver("uav-1:1", history, GroundProjector(FRAME))


def _frame(observer: DroneCamObserver, time_s: float) -> DroneCamResult:
    return observer.observe(NONE, time_s, (640, 360))


def test_frames_without_telemetry_are_one_degraded_status_then_online_again() -> None:
    observer = _observer()
    watch = TelemetryMatchWatch("uav-1:1:video-sync", after_frames=3)
    span = observer.history.span_s()
    assert span == (T0, T0 + 10)
    changes = []
    times = [T0 - 10 + k for k in range(5)] + [T0 + 5, T0 + 6] + [T0 + 100, T0 + 101]
    for k, t in enumerate(times):
        change = watch.check(_frame(observer, t), t, span, NOW + timedelta(seconds=k))
        changes.append(None if change is None else (change.state, change.time))
    # the 3rd frame without a pose raises it, once; a matched frame ends it; two more
    # misses (fewer than 3) are not an event
    assert changes == [
        None,
        None,
        (DeviceState.DEGRADED, NOW + timedelta(seconds=2)),
        None,
        None,
        (DeviceState.ONLINE, NOW + timedelta(seconds=5)),
        None,
        None,
        None,
    ]
    assert watch.unmatched_in_row == 2


def test_the_degraded_detail_says_what_to_check() -> None:
    observer = _observer()
    watch = TelemetryMatchWatch("d", after_frames=1)
    status = watch.check(_frame(observer, T0 - 3600), T0 - 3600, (T0, T0 + 10), NOW)
    assert status is not None
    assert status.device_id == "d"
    assert status.metrics == {"frames_without_pose": 1.0}
    assert "last 2026-05-28T19:26:40.000+00:00" in status.detail
    assert "telemetry covers 2026-05-28T20:26:40.000+00:00 to 2026-05-28T20:26:50.000" in (
        status.detail
    )
    assert "start_time and time_offset_s, video.offset_s" in status.detail
    empty = TelemetryMatchWatch("d", after_frames=1).check(
        _frame(_observer(), T0 - 7200), T0 - 7200, None, NOW
    )
    assert empty is not None
    assert "no telemetry received" in empty.detail


def test_frames_refused_for_other_reasons_do_not_count() -> None:
    observer = _observer()
    watch = TelemetryMatchWatch("d", after_frames=1)
    first = watch.check(_frame(observer, T0 + 5), T0 + 5, (T0, T0 + 10), NOW)
    assert first is not None
    assert (first.state, first.detail) == (DeviceState.ONLINE, MATCHED)
    backwards = _frame(observer, T0 + 4)  # time going backwards: not a telemetry problem
    assert backwards.scan is None
    assert watch.check(backwards, T0 + 4, (T0, T0 + 10), NOW) is None
    assert watch.unmatched_in_row == 0


def test_the_threshold_is_at_least_one_frame() -> None:
    with pytest.raises(ValueError, match="after_frames must be >= 1, got 0"):
        TelemetryMatchWatch("d", after_frames=0)

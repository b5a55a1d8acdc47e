"""The site picture's small parts: the sensors' watermark, corroboration, ellipses."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.domain.event import Direction, Event, EventKind
from kordon.site.corroboration import CorroborationGate, CorroborationPolicy
from kordon.site.live_tracks import ellipse_of
from kordon.site.watermark import SensorWatermark

T0 = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)


def test_the_watermark_waits_for_the_slowest_live_sensor_but_not_longer_than_the_lag() -> None:
    mark = SensorWatermark(max_lag_s=1.0, stale_s=2.0)
    assert mark.release(100.0) == 99.0  # nobody heard yet: the lag floor
    mark.heard("cam-1", 99.9, 100.0)
    mark.heard("cam-2", 99.6, 100.0)
    assert mark.release(100.0) == 99.6  # cam-2 is behind: wait for it
    assert mark.release(100.8) == 99.6  # the wall clock alone moves nothing
    mark.heard("cam-1", 101.2, 101.3)
    # cam-2 is now 1.6 s behind the most advanced sensor: it holds things back 1 s at most
    assert mark.release(101.3) == pytest.approx(100.2)
    mark.heard("cam-1", 103.9, 104.0)
    # cam-2 silent for 4 s > stale_s: it no longer holds the others back
    assert mark.release(104.0) == 103.9
    assert mark.event_now(104.0) == 103.9


def test_sensors_that_all_run_late_lose_nothing() -> None:
    """An overloaded outpost: both cameras' frames arrive 5 s after they were taken."""
    mark = SensorWatermark(max_lag_s=2.0)
    mark.heard("cam-1", 95.0, 100.0)
    mark.heard("cam-2", 94.8, 100.0)
    assert mark.release(100.0) == 94.8
    assert mark.event_now(100.0) == 95.0  # event time, not the wall clock


def test_a_sensor_clock_ahead_of_the_wall_cannot_drag_event_time() -> None:
    mark = SensorWatermark(max_lag_s=2.0)
    mark.heard("bad", 500.0, 100.0)
    assert mark.event_now(100.0) == 100.0
    assert mark.release(100.0) == 100.0


def test_a_sensor_going_back_in_time_never_moves_its_watermark_back() -> None:
    mark = SensorWatermark(max_lag_s=5.0)
    mark.heard("r", 50.0, 50.0)
    mark.heard("r", 40.0, 50.1)
    assert mark.release(50.2) == 50.0


def test_a_promised_next_scan_releases_up_to_just_before_it() -> None:
    """cam-2 analyses at 5 fps: having reported 99.6 and promised nothing before 99.8,
    everything up to 99.8 has arrived from it; the picture need not wait for its next frame."""
    mark = SensorWatermark(max_lag_s=1.0)
    mark.heard("cam-1", 99.9, 100.0, next_after_s=100.1)
    mark.heard("cam-2", 99.6, 100.0, next_after_s=99.8)
    assert mark.release(100.0) == pytest.approx(99.8 - 1e-3)
    # without the promise the same scans hold the picture at 99.6
    plain = SensorWatermark(max_lag_s=1.0)
    plain.heard("cam-1", 99.9, 100.0)
    plain.heard("cam-2", 99.6, 100.0)
    assert plain.release(100.0) == 99.6


def test_a_promise_never_runs_past_the_wall_clock() -> None:
    mark = SensorWatermark(max_lag_s=5.0)
    mark.heard("radar", 100.0, 100.0, next_after_s=130.0)
    assert mark.release(100.5) == 100.5
    assert mark.event_now(100.5) == 100.5


def test_a_sensor_that_breaks_its_promise_is_not_trusted_again() -> None:
    mark = SensorWatermark(max_lag_s=5.0)
    mark.heard("cam-1", 10.0, 10.0, next_after_s=10.2)
    mark.heard("cam-1", 10.1, 10.1, next_after_s=10.3)  # came before 10.2: broken
    assert mark.broken_promises == 1
    mark.heard("cam-1", 10.4, 10.5, next_after_s=10.6)
    assert mark.release(10.5) == 10.4  # its promises no longer move the watermark


def test_an_event_sensor_holds_the_picture_only_while_its_reports_can_be_in_flight() -> None:
    """A ground sensor's alarm stamped 100.0 arrives 0.15 s later. Treated like a scanning
    sensor it would hold the picture at 100.0 until it goes stale (2 s); as an event
    sensor it holds it only to the wall time less its delivery delay and the margin."""
    cams_only = SensorWatermark(max_lag_s=2.0)
    alarms = SensorWatermark(max_lag_s=2.0, event_sensors=frozenset({"ugs-1"}))
    for mark in (cams_only, alarms):
        mark.heard("ugs-1", 100.0, 100.15)
        for k in range(10):  # a camera at 5 fps, frames arriving 0.1 s after capture
            frame = 100.0 + 0.2 * k
            mark.heard("cam-1", frame, frame + 0.1, next_after_s=frame + 0.19)
    now = 101.9  # the frame of 101.8 has just arrived
    assert cams_only.release(now) == 100.0  # frozen at the alarm for 2 s
    assert alarms.release(now) == pytest.approx(now - 0.15 - 0.05)
    # its reports are still screened in order: the alarm's own time is never passed early
    early = SensorWatermark(max_lag_s=2.0, event_sensors=frozenset({"ugs-1"}))
    early.heard("ugs-1", 100.0, 100.15)
    early.heard("cam-1", 100.1, 100.16, next_after_s=100.29)
    assert early.release(100.16) == pytest.approx(100.0)  # 100.16 - 0.2 < the alarm's 100.0


def test_a_delay_margin_must_be_finite_and_not_negative() -> None:
    with pytest.raises(ValueError, match="delay_margin_s"):
        SensorWatermark(max_lag_s=1.0, delay_margin_s=-0.1)


def _crossing(track: int, sector: str = "s1") -> Event:
    return Event(
        kind=EventKind.BORDER_CROSSING,
        time=T0,
        source_id="cam-1",
        direction=Direction.INBOUND,
        sector_id=sector,
        attributes={"site_track_id": track},
    )


class _Support:
    def __init__(self) -> None:
        self.sensors: dict[int, tuple[str, ...]] = {}

    def __call__(self, track: int) -> tuple[str, ...] | None:
        return self.sensors.get(track)


def test_a_weak_single_sensor_crossing_waits_for_a_second_sensor() -> None:
    support = _Support()
    gate = CorroborationGate(CorroborationPolicy(0.5, 10.0), support)
    support.sensors[1] = ("ugs-1",)
    assert gate.admit([_crossing(1)], {1: 0.3}, 0.0) == []
    assert gate.waiting == 1
    assert gate.admit([], {}, 5.0) == []  # still alone
    support.sensors[1] = ("cam-1", "ugs-1")
    released = gate.admit([], {}, 6.0)
    assert len(released) == 1
    assert released[0].attributes["sensors"] == "cam-1,ugs-1"
    assert released[0].attributes["corroborated"] is True
    assert released[0].time == T0  # the crossing keeps its own time
    assert (gate.counts.held, gate.counts.confirmed, gate.counts.dropped) == (1, 1, 0)


def test_an_unconfirmed_crossing_is_dropped_after_the_wait_or_with_its_track() -> None:
    support = _Support()
    gate = CorroborationGate(CorroborationPolicy(0.5, 10.0), support)
    support.sensors[1] = ("ugs-1",)
    support.sensors[2] = ("ugs-2",)
    gate.admit([_crossing(1), _crossing(2)], {1: 0.2, 2: 0.2}, 0.0)
    del support.sensors[2]  # track 2 ended
    assert gate.admit([], {}, 1.0) == []
    assert gate.counts.dropped == 1
    assert gate.admit([], {}, 10.5) == []  # track 1 waited too long
    assert (gate.counts.dropped, gate.waiting) == (2, 0)


def test_confident_or_corroborated_crossings_and_other_events_pass_at_once() -> None:
    support = _Support()
    support.sensors.update({1: ("cam-1",), 2: ("cam-1", "cam-2"), 3: ("ugs-1",)})
    policy = CorroborationPolicy(0.5, 10.0, by_sector={"quiet": 0.0})
    gate = CorroborationGate(policy, support)
    approach = Event(kind=EventKind.BORDER_APPROACH, time=T0, source_id="cam-1")
    events = [_crossing(1), _crossing(2), _crossing(3, sector="quiet"), approach]
    out = gate.admit(events, {1: 0.9, 2: 0.1, 3: 0.1}, 0.0)
    assert out == events
    assert gate.waiting == 0


@given(
    st.floats(0.01, 100.0),
    st.floats(0.01, 100.0),
    st.floats(-math.pi, math.pi),
)
def test_the_ellipse_recovers_the_axes_and_bearing_of_a_covariance(
    a: float, b: float, theta: float
) -> None:
    major, minor = max(a, b), min(a, b)
    # major axis along bearing theta (clockwise from north): direction (sin, cos) in (E, N)
    u = np.array([math.sin(theta), math.cos(theta)])
    v = np.array([-u[1], u[0]])
    cov = major**2 * np.outer(u, u) + minor**2 * np.outer(v, v)
    e = ellipse_of(cov)
    assert e.major_m == pytest.approx(major, rel=1e-6)
    assert e.minor_m == pytest.approx(minor, rel=1e-6)
    if major / minor > 1.01:
        expected = math.degrees(theta) % 180.0
        diff = abs(e.bearing_deg - expected) % 180.0
        assert min(diff, 180.0 - diff) < 1e-3

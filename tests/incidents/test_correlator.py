"""Correlation table: which open incident an event joins, or that it opens a new one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.domain.event import Event, EventKind, Frame
from kordon.incidents import (
    ConfigurationError,
    CorrelationPolicy,
    Correlator,
    IncidentFootprint,
    MatchReason,
)
from tests.incidents.builders import ev

BASE = ev("e0", 0.0, track_id="t1", north_m=0.0)
OPEN = [IncidentFootprint("inc-A", (BASE,))]


@pytest.mark.parametrize(
    ("event", "reason", "incident_id"),
    [
        # same source + track: joins whatever the gap in time, place or sector
        (ev("e1", 3600.0, track_id="t1", north_m=5000.0, sector_id="s9"), "same_track", "inc-A"),
        # same track id from another camera is another track
        (ev("e1", 3600.0, track_id="t1", source_id="cam-2"), "new", None),
        # same sector, within T and D
        (ev("e1", 119.0, track_id="t2", north_m=299.0), "same_place", "inc-A"),
        (ev("e1", 120.0, north_m=-250.0), "same_place", "inc-A"),
        # an earlier event (arriving late) within T also joins
        (ev("e1", -60.0, north_m=100.0), "same_place", "inc-A"),
        # beyond T, beyond D
        (ev("e1", 121.0, north_m=10.0), "new", None),
        (ev("e1", 10.0, north_m=301.0), "new", None),
        # another sector, even at the same place and time
        (ev("e1", 1.0, north_m=0.0, sector_id="sector-2"), "new", None),
        # same sector and time, position unknown: sector and time decide
        (ev("e1", 30.0), "same_place", "inc-A"),
    ],
)
def test_correlation_table(event: Event, reason: str, incident_id: str | None) -> None:
    decision = Correlator().correlate(event, OPEN)
    assert (decision.reason, decision.incident_id) == (MatchReason(reason), incident_id)


def test_distance_is_geodesic_metres() -> None:
    decision = Correlator().correlate(ev("e1", 5.0, north_m=200.0), OPEN)
    assert decision.distance == pytest.approx(200.0, rel=5e-3)
    assert decision.gap_s == pytest.approx(5.0)


def test_image_positions_compare_in_pixels_on_the_same_camera_only() -> None:
    def image(event_id: str, source_id: str, x: float) -> Event:
        return ev(event_id, 10.0, source_id=source_id, frame=Frame.IMAGE, x=x, y=100.0)

    base = IncidentFootprint("inc-B", (image("b0", "cam-1", 100.0),))
    policy = CorrelationPolicy(image_radius_px=50.0)
    correlator = Correlator(policy)
    assert correlator.correlate(image("b1", "cam-1", 149.0), [base]).incident_id == "inc-B"
    assert correlator.correlate(image("b1", "cam-1", 151.0), [base]).incident_id is None
    # another camera's pixels cannot be compared: same sector and time decide
    assert correlator.correlate(image("b1", "cam-2", 900.0), [base]).incident_id == "inc-B"


def test_local_frame_positions_compare_in_metres() -> None:
    base = IncidentFootprint("inc-L", (ev("l0", frame=Frame.LOCAL, x=0.0, y=0.0),))
    near = ev("l1", 1.0, frame=Frame.LOCAL, x=180.0, y=240.0)  # 300 m
    far = ev("l2", 1.0, frame=Frame.LOCAL, x=180.0, y=241.0)
    assert Correlator().correlate(near, [base]).incident_id == "inc-L"
    assert Correlator().correlate(far, [base]).incident_id is None


def test_events_without_sector_join_only_the_same_source() -> None:
    base = IncidentFootprint("inc-N", (ev("n0", sector_id=None),))
    assert Correlator().correlate(ev("n1", 5.0, sector_id=None), [base]).incident_id == "inc-N"
    other = ev("n2", 5.0, sector_id=None, source_id="cam-9")
    assert Correlator().correlate(other, [base]).incident_id is None


def test_device_events_form_their_own_incidents_by_device() -> None:
    offline = ev("d0", kind=EventKind.DEVICE_OFFLINE, source_id="cam-1", track_id=None)
    device_incident = IncidentFootprint("inc-D", (offline,))
    correlator = Correlator()
    storage = ev("d1", 500.0, kind=EventKind.STORAGE_ALARM, source_id="cam-1")
    decision = correlator.correlate(storage, [*OPEN, device_incident])
    assert (decision.reason, decision.incident_id) == (MatchReason.SAME_DEVICE, "inc-D")
    other_device = ev("d2", 1.0, kind=EventKind.DEVICE_OFFLINE, source_id="cam-2")
    assert correlator.correlate(other_device, [device_incident]).reason is MatchReason.NEW
    # a rule event never joins a device incident, even from the same camera and time
    assert correlator.correlate(ev("r1", 1.0), [device_incident]).reason is MatchReason.NEW
    online = ev("d3", 900.0, kind=EventKind.DEVICE_ONLINE, source_id="cam-2")
    assert correlator.correlate(online, [device_incident]).reason is MatchReason.IGNORED


def test_ties_go_to_the_nearest_in_time_then_to_the_smaller_id() -> None:
    a = IncidentFootprint("inc-Z", (ev("a0", 0.0),))
    b = IncidentFootprint("inc-Y", (ev("b0", 50.0),))
    c = IncidentFootprint("inc-X", (ev("c0", 50.0),))
    assert Correlator().correlate(ev("q", 45.0), [a, b, c]).incident_id == "inc-X"
    assert Correlator().correlate(ev("q", 45.0), [c, b, a]).incident_id == "inc-X"


@pytest.mark.parametrize(
    "kwargs", [{"window_s": 0.0}, {"radius_m": -1.0}, {"image_radius_px": float("nan")}]
)
def test_bad_policy_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError, match="positive"):
        CorrelationPolicy(**kwargs)


@given(
    gap_s=st.floats(min_value=-500.0, max_value=500.0),
    north_m=st.floats(min_value=-1000.0, max_value=1000.0),
)
def test_joins_exactly_within_the_window_and_radius(gap_s: float, north_m: float) -> None:
    decision = Correlator().correlate(ev("p", gap_s, north_m=north_m), OPEN)
    distance_m = decision.distance
    joined = decision.incident_id == "inc-A"
    inside = abs(gap_s) <= 120.0 and abs(north_m) <= 299.0
    outside = abs(gap_s) > 120.0 or abs(north_m) >= 302.0
    if inside:
        assert joined
    if outside:
        assert not joined
    if joined:
        assert distance_m is not None
        assert distance_m <= 300.0

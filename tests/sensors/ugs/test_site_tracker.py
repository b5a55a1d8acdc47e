"""Ground-sensor observations pass the site tracker's screening (the contract with fusion)."""

from __future__ import annotations

from kordon.fusion.config import FusionConfig
from kordon.fusion.health import RejectReason
from kordon.fusion.sensors import SensorKind, SensorRegistry, SensorSpec
from kordon.fusion.tracker import SiteTracker
from kordon.sensors.ugs.area import disc_area, polygon_area
from kordon.sensors.ugs.observer import AlarmObserver
from tests.sensors.ugs.support import T0, message

AREAS = {
    "ugs-1": disc_area(120.0, -40.0, 40.0),
    "ugs-2": polygon_area([(0.0, 0.0), (200.0, 0.0), (200.0, 4.0), (0.0, 4.0)]),  # a fence
}


def _tracker() -> SiteTracker:
    specs = [SensorSpec(sid, SensorKind.GROUND, max_rate_hz=1.0, burst=10) for sid in AREAS]
    return SiteTracker(FusionConfig(reorder_lag_s=2.0), SensorRegistry(specs))


def test_disc_and_polygon_alarms_are_accepted_by_the_site_tracker() -> None:
    observer = AlarmObserver(AREAS, dict.fromkeys(AREAS, 0.5), max_delay_s=1.0)
    alarms = [message(T0), message(T0, sensor_id="ugs-2", sensor_type="fence")]
    arrival_s = T0.timestamp() + 0.3
    report = _tracker().ingest(observer.observe(alarms, arrival_s=arrival_s), arrival_s)
    assert report.reason.tolist() == [RejectReason.ACCEPTED] * 2


def test_a_late_alarm_is_refused_unless_its_stamp_is_bounded() -> None:
    late_s = T0.timestamp() + 30.0  # a slow radio link
    unbounded = AlarmObserver(AREAS, dict.fromkeys(AREAS, 0.5))
    report = _tracker().ingest(unbounded.observe([message(T0)], arrival_s=late_s), late_s)
    assert report.reason.tolist() == [RejectReason.TOO_LATE]
    bounded = AlarmObserver(AREAS, dict.fromkeys(AREAS, 0.5), max_delay_s=1.0)
    report = _tracker().ingest(bounded.observe([message(T0)], arrival_s=late_s), late_s)
    assert report.reason.tolist() == [RejectReason.ACCEPTED]

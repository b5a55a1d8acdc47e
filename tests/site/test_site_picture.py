"""The site picture on the real Volyn border: one person seen by two cameras is one site
track and one crossing; handover keeps the id; a patrol along the strip raises none."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from kordon.config.fusion import SiteFusionConfig
from kordon.config.loader import load_site
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.live_track import LiveTrack
from kordon.domain.scan import SensorScan
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.world import WorldScenario
from kordon.site.factory import site_picture_core
from kordon.site.picture import SitePictureCore
from tests.site.scene import BorderFrame, border_frame, scans_of, two_overlapping_cameras, walk

START_S = 1_800_000_000.0


@pytest.fixture(scope="module")
def geometry(repo_root: Path) -> SiteGeometry:
    geometry = SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))
    geometry.build_indexes()
    return geometry


@pytest.fixture(scope="module")
def frame(geometry: SiteGeometry) -> BorderFrame:
    return border_frame(geometry, 10.0)


def _core(geometry: SiteGeometry, sensors: tuple[str, ...]) -> SitePictureCore:
    specs = [SensorSpec(s, SensorKind.CAMERA) for s in sensors]
    return site_picture_core(geometry, specs, SiteFusionConfig())


def _run(
    core: SitePictureCore, scans: list[tuple[float, SensorScan]], tail_s: float = 3.0
) -> tuple[list[Event], list[LiveTrack]]:
    events: list[Event] = []
    live: list[LiveTrack] = []
    for arrival, scan in scans:
        out = core.on_scan(scan, arrival)
        events.extend(out.events)
        live.extend(out.live)
    last = scans[-1][0]
    for k in range(int(tail_s * 10)):
        out = core.step(last + 0.1 * (k + 1))
        events.extend(out.events)
    return events, live


def _crossings(events: list[Event]) -> list[Event]:
    return [e for e in events if e.kind is EventKind.BORDER_CROSSING]


def test_one_person_seen_by_two_cameras_is_one_track_and_one_crossing(
    geometry: SiteGeometry, frame: BorderFrame
) -> None:
    cameras = two_overlapping_cameras(frame)
    # from the foreign side in cam-a's view, across the line in the overlap, into cam-b's
    intruder = walk(0, [frame.at(-40.0, -40.0), frame.at(40.0, 50.0)], 1.4, 1.0)
    scenario = WorldScenario(cameras, (intruder,), 90.0, start_s=START_S)
    events, live = _run(_core(geometry, ("cam-a", "cam-b")), scans_of(scenario))

    crossings = _crossings(events)
    assert [(e.direction, e.track_id) for e in crossings] == [(Direction.INBOUND, "site-1")]
    crossing = crossings[0]
    assert crossing.attributes["sensors"] == "cam-a,cam-b"
    assert crossing.source_id in ("cam-a", "cam-b")
    assert crossing.sector_id == "s1-tripoint"
    assert crossing.km_post is not None
    assert abs(crossing.km_post - 10.0) < 0.05
    # the true crossing: where the straight path meets the line (40 of its 90 m inland)
    true_s = START_S + 1.0 + (40.0 / 90.0) * float(np.hypot(80.0, 90.0)) / 1.4
    assert abs(crossing.time.timestamp() - true_s) < 2.0
    detected = crossing.attributes["detected_at"]
    assert isinstance(detected, str)
    delay_s = datetime.fromisoformat(detected).timestamp() - true_s
    assert 0.0 < delay_s < 2.0  # never before the true crossing, alerting within 2 s
    ids = {m.track_id for m in live}
    assert ids == {"site-1"}, "the handover between the cameras must keep one site track id"
    last = [m for m in live if m.track_id == "site-1"][-1]
    assert set(last.local_ids) == {"cam-a", "cam-b"}
    assert last.ellipse is not None
    assert 0.0 < last.ellipse.minor_m <= last.ellipse.major_m < 5.0


def test_detected_at_is_the_newest_measurement_behind_the_track_not_the_step(
    geometry: SiteGeometry, frame: BorderFrame
) -> None:
    cameras = two_overlapping_cameras(frame)
    intruder = walk(0, [frame.at(-40.0, -40.0), frame.at(40.0, 50.0)], 1.4, 1.0)
    scenario = WorldScenario(cameras, (intruder,), 90.0, start_s=START_S)
    # Each camera promises its next frame (5 fps): the picture steps to just before the
    # next promised frame, later than any frame it has seen.
    scans = [
        (arrival, dataclasses.replace(scan, next_after_s=scan.time_s + 0.19))
        for arrival, scan in scans_of(scenario)
    ]
    core = _core(geometry, ("cam-a", "cam-b"))
    stepped: list[tuple[float, Event]] = []  # (the step's time, a crossing it raised)
    for arrival, scan in scans:
        out = core.on_scan(scan, arrival)
        if out.tracks is not None:
            stepped += [(out.tracks.time_s, e) for e in _crossings(out.events)]

    step_s, crossing = stepped[0]
    detected = crossing.attributes["detected_at"]
    assert isinstance(detected, str)
    detected_s = datetime.fromisoformat(detected).timestamp()
    measured = np.concatenate([s.observations.time_s for _, s in scans])  # no clutter
    newest = float(measured[measured <= step_s].max())
    assert detected_s == pytest.approx(newest, abs=1e-6)
    assert step_s > detected_s + 0.01  # the step ran ahead of the frame


def test_a_patrol_along_the_strip_and_people_on_one_side_raise_no_crossing(
    geometry: SiteGeometry, frame: BorderFrame
) -> None:
    cameras = two_overlapping_cameras(frame)
    patrol = walk(0, [frame.at(-60.0, 8.0), frame.at(60.0, 8.0)], 1.2, 0.5)
    foreign = walk(1, [frame.at(50.0, -25.0), frame.at(-50.0, -25.0)], 1.3, 2.0)
    scenario = WorldScenario(cameras, (patrol, foreign), 100.0, start_s=START_S)
    events, live = _run(_core(geometry, ("cam-a", "cam-b")), scans_of(scenario, seed=3))
    assert _crossings(events) == []
    assert len({m.track_id for m in live}) == 2


def test_crossings_both_ways_are_each_raised_once(
    geometry: SiteGeometry, frame: BorderFrame
) -> None:
    cameras = two_overlapping_cameras(frame)
    inbound = walk(0, [frame.at(-10.0, -40.0), frame.at(-10.0, 40.0)], 1.4, 1.0)
    outbound = walk(1, [frame.at(15.0, 40.0), frame.at(15.0, -40.0)], 1.5, 30.0)
    scenario = WorldScenario(cameras, (inbound, outbound), 100.0, start_s=START_S)
    events, _ = _run(_core(geometry, ("cam-a", "cam-b")), scans_of(scenario, seed=5))
    directions = [e.direction for e in _crossings(events)]
    assert directions == [Direction.INBOUND, Direction.OUTBOUND]


def test_scans_from_an_unknown_sensor_are_rejected_and_reported(
    geometry: SiteGeometry, frame: BorderFrame
) -> None:
    cameras = two_overlapping_cameras(frame)
    intruder = walk(0, [frame.at(-10.0, -40.0), frame.at(-10.0, 40.0)], 1.4, 1.0)
    scenario = WorldScenario(cameras, (intruder,), 30.0, start_s=START_S)
    core = _core(geometry, ("cam-a",))  # cam-b is not a sensor of this site
    health = []
    for arrival, scan in scans_of(scenario):
        health.extend(core.on_scan(scan, arrival).health)
    assert [h.device_id for h in health] == ["cam-b"] * 3  # one report per 10 s, not per scan
    assert "not a sensor of this site" in health[0].detail
    assert core.rejected_scans == 150


def _raise_lags(
    geometry: SiteGeometry, frame: BorderFrame, settings: SiteFusionConfig
) -> tuple[list[float], SitePictureCore]:
    """Seconds from each crossing's newest measurement to the scan arrival that raised it,
    with cam-b's reports arriving 0.6 s after cam-a's (a slow analysis or link)."""
    cameras = two_overlapping_cameras(frame)
    slow = tuple(
        dataclasses.replace(c, latency_s=0.65) if c.sensor_id == "cam-b" else c for c in cameras
    )
    intruder = walk(0, [frame.at(-40.0, -40.0), frame.at(40.0, 50.0)], 1.4, 1.0)
    scenario = WorldScenario(slow, (intruder,), 90.0, start_s=START_S)
    specs = [SensorSpec(s, SensorKind.CAMERA) for s in ("cam-a", "cam-b")]
    core = site_picture_core(geometry, specs, settings)
    lags: list[float] = []
    for arrival, scan in scans_of(scenario):
        for event in _crossings(core.on_scan(scan, arrival).events):
            detected = event.attributes["detected_at"]
            assert isinstance(detected, str)
            lags.append(arrival - datetime.fromisoformat(detected).timestamp())
    return lags, core


def test_a_slow_camera_holds_the_picture_back_no_longer_than_the_hold_and_still_counts(
    geometry: SiteGeometry, frame: BorderFrame
) -> None:
    held_long, _ = _raise_lags(geometry, frame, SiteFusionConfig.model_validate({"hold_s": 2.0}))
    lags, core = _raise_lags(geometry, frame, SiteFusionConfig())
    assert len(held_long) == len(lags) == 1
    # Waiting for cam-b costs its 0.6 s extra latency; the default hold of 0.1 s does not.
    assert held_long[0] > 0.55
    assert lags[0] < 0.1 + 0.2 + 0.06  # hold + one frame interval + cam-a's own latency
    # cam-b's reports, all older than the picture by then, were folded in, not refused.
    assert core.tracker.counters.total == 0
    assert core.tracker.late_updates > 50
    tracks = core.tracker.snapshot(START_S + 90.0)
    assert list(tracks.sensor_ids) == [("cam-a", "cam-b")]


def test_a_hold_longer_than_the_reorder_lag_is_refused() -> None:
    with pytest.raises(ValueError, match=r"hold_s \(3.0 s\) must not exceed tracker.reorder_lag_s"):
        SiteFusionConfig.model_validate({"hold_s": 3.0})

"""``SiteTrackFeed``: map messages a few times a second per track, at once on a change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kordon.config.loader import load_site
from kordon.domain.site_tracks import SiteTracks
from kordon.geo.site_geometry import SiteGeometry
from kordon.site.live_tracks import SiteTrackFeed

T0 = 1_800_000_000.0


@pytest.fixture(scope="module")
def geometry(repo_root: Path) -> SiteGeometry:
    geometry = SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))
    geometry.build_indexes()
    return geometry


def _tracks(
    time_s: float, ids: list[int], *, confirmed: list[bool], sensors: list[tuple[str, ...]]
) -> SiteTracks:
    n = len(ids)
    return SiteTracks(
        time_s=time_s,
        site_track_id=np.asarray(ids, np.int64),
        east_north_m=np.tile([[10.0, 20.0]], (n, 1)),
        velocity_mps=np.zeros((n, 2)),
        position_cov_m2=np.tile(np.eye(2), (n, 1, 1)),
        confirmed=np.asarray(confirmed, np.bool_),
        last_update_s=np.full(n, time_s),
        class_name=np.full(n, "person"),
        confidence=np.full(n, 0.8),
        sensor_ids=tuple(sensors),
    )


def _feed(
    geometry: SiteGeometry, *, min_interval_s: float, show_tentative: bool = False
) -> SiteTrackFeed:
    return SiteTrackFeed(
        geometry,
        local_ids=lambda _: {},
        show_tentative=show_tentative,
        min_interval_s=min_interval_s,
    )


def test_a_track_is_shown_again_only_after_the_interval(geometry: SiteGeometry) -> None:
    feed = _feed(geometry, min_interval_s=0.2)
    shown = []
    for k in range(9):  # steps every 50 ms, as when several sensors each report at 10 Hz
        t = T0 + 0.05 * k
        out = feed.messages(_tracks(t, [1], confirmed=[True], sensors=[("cam-1",)]), [])
        shown += [round(m.time.timestamp() - T0, 2) for m in out]
    assert shown == [0.0, 0.2, 0.4]


def test_a_new_track_or_a_change_of_sensors_or_state_is_shown_at_once(
    geometry: SiteGeometry,
) -> None:
    feed = _feed(geometry, min_interval_s=0.2, show_tentative=True)
    one = ("cam-1",)
    both = ("cam-1", "cam-2")
    steps: list[tuple[float, list[int], list[bool], list[tuple[str, ...]]]] = [
        (T0, [1], [False], [one]),
        (T0 + 0.05, [1, 2], [True, False], [one, one]),  # 1 confirmed, 2 new
        (T0 + 0.10, [1, 2], [True, False], [both, one]),  # 1 gains a sensor
        (T0 + 0.15, [1, 2], [True, False], [both, one]),  # nothing new
    ]
    shown = []
    for t, ids, confirmed, sensors in steps:
        out = feed.messages(_tracks(t, ids, confirmed=confirmed, sensors=sensors), [])
        shown.append(sorted(m.track_id for m in out))
    assert shown == [["site-1"], ["site-1", "site-2"], ["site-1"], []]


def test_a_sparse_sensors_update_is_shown_at_once(geometry: SiteGeometry) -> None:
    """A radar looks at a track once a turn: its new plot must not wait for the next step
    that falls due (another target's plot, up to a turn later)."""
    feed = _feed(geometry, min_interval_s=0.2)
    radar: list[tuple[str, ...]] = [("radar-1",)]
    steps = [  # (step time, the track's last update): other targets' plots step the picture
        (T0, T0),
        (T0 + 3.9, T0),  # due by time: shown (predicted)
        (T0 + 4.0, T0 + 4.0),  # the next look, 0.1 s later: shown at once
        (T0 + 4.1, T0 + 4.0),  # nothing new
    ]
    shown = []
    for t, updated in steps:
        tracks = _tracks(t, [1], confirmed=[True], sensors=radar)
        tracks = dataclasses.replace(tracks, last_update_s=np.array([updated]))
        shown += [round(m.time.timestamp() - T0, 2) for m in feed.messages(tracks, [])]
    assert shown == [0.0, 3.9, 4.0]


def test_a_deleted_track_is_forgotten(geometry: SiteGeometry) -> None:
    feed = _feed(geometry, min_interval_s=0.2)
    tracks = _tracks(T0, [1], confirmed=[True], sensors=[("cam-1",)])
    assert len(feed.messages(tracks, [])) == 1
    assert feed.messages(_tracks(T0 + 0.05, [], confirmed=[], sensors=[]), [1]) == []
    # the same id again (a tracker restarted) starts afresh: shown at once, a fresh trail
    again = feed.messages(_tracks(T0 + 0.1, [1], confirmed=[True], sensors=[("cam-1",)]), [])
    assert [len(m.trail_lonlat) for m in again] == [1]


def test_every_step_is_shown_without_an_interval(geometry: SiteGeometry) -> None:
    feed = _feed(geometry, min_interval_s=0.0)
    counts = [
        len(feed.messages(_tracks(T0 + 0.01 * k, [1], confirmed=[True], sensors=[("c",)]), []))
        for k in range(5)
    ]
    assert counts == [1, 1, 1, 1, 1]


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_a_bad_interval_is_refused(geometry: SiteGeometry, bad: float) -> None:
    with pytest.raises(ValueError, match="min_interval_s"):
        _feed(geometry, min_interval_s=bad)

"""Feet possibly hidden below a short person box, and restarts that keep the rule's side."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kordon.config.site import SiteConfig
from kordon.domain.event import Direction, EventKind
from kordon.domain.tracks import ImageTracks
from kordon.geo.border_watch import person_height_px
from kordon.geo.hidden_feet import hidden_feet_cov
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage

T0 = datetime(2025, 5, 1, 6, 0, tzinfo=UTC)
U = 638.0  # cam-1's image column over the border's stretch used here


def _stage(
    volyn: SiteConfig, geometry: SiteGeometry, *, hidden_feet_ratio: float | None = None
) -> GeoStage:
    stage = GeoStage.from_site(volyn, "cam-1", geometry=geometry)
    assert stage is not None
    if hidden_feet_ratio is None:
        return stage
    settings = dataclasses.replace(stage.settings, hidden_feet_ratio=hidden_feet_ratio)
    changed = GeoStage.from_site(volyn, "cam-1", geometry=geometry, settings=settings)
    assert changed is not None
    return changed


def _box(top: float, bottom: float, track_id: int = 4) -> ImageTracks:
    return ImageTracks(
        tracker_id=np.array([track_id], np.int64),
        xyxy_px=np.array([[U - 7, top, U + 7, bottom]], np.float32),
        confidence=np.array([0.8], np.float32),
        class_id=np.array([0], np.int32),
        confirmed=np.array([True]),
        labels=("person",),
    )


def _border_m(stage: GeoStage, v: float) -> float:
    assert stage.border is not None
    ground = stage.camera.pixel_to_ground(np.array([[U, v]]))
    return float(stage.border.signed_distance_m(ground.xy_m).distance_m[0])


def test_a_whole_person_box_adds_no_doubt_and_a_short_one_spans_to_its_hidden_feet(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    stage = _stage(volyn, volyn_geometry)
    feet = np.array([[U, 450.0], [U, 434.0]])
    standing = person_height_px(stage.camera, feet)
    heights = np.array([standing[0], 14.0])
    ground = stage.camera.pixel_to_ground(feet).xy_m
    cov = hidden_feet_cov(stage.camera, feet, heights, ground, min_height_ratio=0.75)
    assert np.all(cov[0] == 0.0)
    # the short box's feet may be as low as its top plus a standing person's height
    lower = np.array([[U, 434.0 + standing[1] - 14.0]])
    span = stage.camera.pixel_to_ground(lower).xy_m[0] - ground[1]
    assert np.linalg.eigvalsh(cov[1])[-1] == pytest.approx(float(span @ span) / 4.0)
    assert float(np.hypot(*span)) > 5.0  # metres, at this range


def test_hidden_feet_cov_is_zero_for_no_boxes(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    stage = _stage(volyn, volyn_geometry)
    empty = np.zeros((0, 2))
    cov = hidden_feet_cov(stage.camera, empty, np.zeros(0), empty, min_height_ratio=0.75)
    assert cov.shape == (0, 2, 2)


def _legs_out_of_the_reeds(stage: GeoStage) -> list[Direction | None]:
    """A person stands ~3 m inside the border (feet at row 452) with only the top 14 px
    seen over reeds for 4 s: the box bottom maps ~7 m beyond the line. Then the legs come
    out of the reeds over 5 s and the person stands seen whole for 4 s. Nobody crossed."""
    assert _border_m(stage, 434.0) > 5.0
    assert _border_m(stage, 452.0) < -2.0
    top = 452.0 - float(person_height_px(stage.camera, np.array([[U, 452.0]]))[0])
    bottoms = [top + 14.0] * 20 + list(np.linspace(top + 14.0, 452.0, 25)) + [452.0] * 20
    events = []
    for k, bottom in enumerate(bottoms):
        time = T0 + timedelta(seconds=k / 5.0)
        events += [
            e.direction
            for e in stage.process(_box(top, float(bottom)), time, k)
            if e.kind is EventKind.BORDER_CROSSING
        ]
    return events


def test_a_person_first_seen_over_reeds_raises_no_crossing_when_the_legs_come_out(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    assert _legs_out_of_the_reeds(_stage(volyn, volyn_geometry)) == []
    # taking the short box's bottom for the feet, the track "walks" home over the line
    trusting = _stage(volyn, volyn_geometry, hidden_feet_ratio=0.0)
    assert _legs_out_of_the_reeds(trusting) == [Direction.INBOUND]


def test_a_ground_jump_that_stays_on_one_side_keeps_the_rule_side(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    """Walking toward the border from 17 m inside, the foot point jumps 7 m nearer the line
    in one frame (the box merged with a bush): the smoother starts afresh there, still on
    the home side and too near the line to be sure of a side. The walker goes on over the
    border: the crossing is reported, since the rule still knows the side the track was on."""
    stage = _stage(volyn, volyn_geometry)
    rows = np.concatenate([np.linspace(480.0, 462.0, 25), np.linspace(448.0, 420.0, 40)])
    assert _border_m(stage, 462.0) < -8.0
    assert -1.5 < _border_m(stage, 448.0) < 0.0
    events = []
    restarted = False
    for k, bottom in enumerate(rows.tolist()):
        height = float(person_height_px(stage.camera, np.array([[U, bottom]]))[0])
        time = T0 + timedelta(seconds=k / 5.0)
        events += [
            (e.direction, e.track_id)
            for e in stage.process(_box(bottom - height, bottom), time, k)
            if e.kind is EventKind.BORDER_CROSSING
        ]
        state = stage.smoother.state(4)
        assert state is not None
        restarted |= state.restarted
    assert restarted
    assert events == [(Direction.OUTBOUND, "4")]

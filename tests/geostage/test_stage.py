"""``GeoStage`` end to end at the real Volyn border: sim → tracker → ground → border events."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kordon.config.site import SiteConfig
from kordon.domain.detections import Detections
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.tracks import ImageTracks
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage, GeoStageError, GeoStageSettings
from kordon.sim.geo_scene import PATROL_ID, build_geo_scene
from kordon.sim.ground_truth import Crossing, crossings
from kordon.sim.render import FrameTruth, Renderer
from kordon.sim.scenes import Scene
from kordon.video.tracking.bytetrack import ByteTracker
from kordon.video.tracking.config import ByteTrackConfig

T0 = datetime(2025, 5, 1, 6, 0, tzinfo=UTC)
# The simulator draws soles ~0.8 px below the ground contact point (boxes here are in
# pixel-edge coordinates); a real deployment calibrates this per detector. Exact truth
# boxes are not loose like a detector's: no share of the box height on top.
SETTINGS = GeoStageSettings(anchor_offset_px=0.8, anchor_offset_h=0.0)


@dataclass(frozen=True)
class Run:
    scene: Scene
    truth: list[Crossing]
    events: list[Event]
    stage: GeoStage


def _truth_boxes(truth: FrameTruth) -> Detections:
    """Ground-truth boxes as a detector would give them: edges, not exclusive indices."""
    boxes = [np.asarray(a.xyxy_px) - 0.5 for a in truth.visible if a.xyxy_px is not None]
    return Detections.from_arrays(
        np.asarray(boxes).reshape(-1, 4), [0.9] * len(boxes), [0] * len(boxes), ("person",)
    )


def _run(
    site: SiteConfig,
    geometry: SiteGeometry,
    detect: Callable[[Renderer, int], Detections],
    *,
    episodes: int,
    step: int,
    frames: int | None = None,
) -> Run:
    scene = build_geo_scene(site, "cam-1", seed=3, episodes=episodes, geometry=geometry)
    renderer = Renderer(scene.scenario, scene.projector)
    stage = GeoStage.from_site(site, "cam-1", geometry=geometry, settings=SETTINGS)
    assert stage is not None
    stage.start()
    tracker = ByteTracker()
    count = scene.scenario.frame_count
    assert count is not None
    events: list[Event] = []
    for k in range(0, min(count, frames or count), step):
        time_s = scene.scenario.frame_time_s(k)
        tracks = tracker.update(detect(renderer, k), time_s)
        events += stage.process(tracks, T0 + timedelta(seconds=time_s), k)
    actors = scene.scenario.cast.actors_between(0.0, scene.scenario.duration_s or 0.0)
    truth = crossings(actors, scene.line, clearance=scene.clearance)
    return Run(scene, truth, events, stage)


@pytest.fixture(scope="module")
def truth_run(volyn: SiteConfig, volyn_geometry: SiteGeometry) -> Run:
    return _run(volyn, volyn_geometry, lambda r, k: _truth_boxes(r.truth(k)), episodes=3, step=2)


def _expected_direction(c: Crossing) -> Direction:
    # The scene line runs in km order with Belarus (foreign) on its left (+1 side).
    return Direction.INBOUND if c.from_side > 0 else Direction.OUTBOUND


def test_crossings_at_the_right_place_time_and_direction(truth_run: Run) -> None:
    truth = list(truth_run.truth)
    assert len(truth) == 3
    assert {_expected_direction(c) for c in truth} == {Direction.INBOUND, Direction.OUTBOUND}
    found = [e for e in truth_run.events if e.kind is EventKind.BORDER_CROSSING]
    assert len(found) == len(truth)
    for c, e in zip(truth, found, strict=True):
        assert e.direction is _expected_direction(c)
        assert e.x is not None
        assert e.y is not None
        assert np.hypot(e.x - c.point_xy[0], e.y - c.point_xy[1]) < 3.0
        assert abs((e.time - T0).total_seconds() - c.time_s) < 0.5
        assert e.km_post == pytest.approx(10.0, abs=0.05)
        assert e.sector_id == "s1-tripoint"
        assert e.source_id == "cam-1"
        assert e.lat is not None
        assert 51.5 < e.lat < 51.6
        assert e.lon is not None
        assert 23.6 < e.lon < 23.7
        assert e.uncertainty_m is not None
        assert 0.0 < e.uncertainty_m < 3.0


def test_patrol_along_the_border_raises_no_crossing(truth_run: Run) -> None:
    assert not [c for c in truth_run.truth if c.actor_id % 1000 == PATROL_ID]
    crossing_ids = {e.track_id for e in truth_run.events if e.kind is EventKind.BORDER_CROSSING}
    assert len(crossing_ids) == 3  # one track per intruder, none for the patrols


def test_observations_and_latest_positions(volyn: SiteConfig, volyn_geometry: SiteGeometry) -> None:
    stage = GeoStage.from_site(volyn, "cam-1", geometry=volyn_geometry)
    assert stage is not None
    tracks = ImageTracks(
        tracker_id=np.array([4, 5, 6], np.int64),
        xyxy_px=np.array(
            [[630, 410, 650, 446], [100, 20, 110, 50], [900, 500, 920, 540]], np.float32
        ),
        confidence=np.array([0.8, 0.9, 0.7], np.float32),
        class_id=np.array([0, 0, 0], np.int32),
        confirmed=np.array([True, True, False]),
        labels=("person",),
    )
    assert stage.process(tracks, T0, 0) == []
    assert stage.skipped.above_horizon == 1  # track 5's feet are in the sky
    assert [o.source_track_id for o in stage.observations] == ["4"]  # 6 is not confirmed
    obs = stage.observations[0]
    border = volyn_geometry.borders["ua-by"]
    d = border.signed_distance_m(np.array([[obs.east_m, obs.north_m]])).distance_m[0]
    assert d == pytest.approx(0.0, abs=3.0)  # v = 446 px is the border line in this view
    (pos,) = stage.latest_positions()
    assert pos.track_id == 4
    assert pos.class_name == "person"
    assert pos.time == T0
    assert 51.5 < pos.lat < 51.6
    assert 23.6 < pos.lon < 23.7
    with pytest.raises(GeoStageError, match="cam-1"):
        stage.process(tracks, datetime(2025, 5, 1, 6, 0, 1), 1)


def test_a_camera_without_georeference_has_no_stage(volyn: SiteConfig) -> None:
    data = volyn.model_dump(mode="json")
    data["cameras"][0]["georeference"] = None
    site = SiteConfig.model_validate(data).with_base_dir(volyn.base_dir)
    assert GeoStage.from_site(site, "cam-1") is None
    with pytest.raises(GeoStageError, match="cam-9"):
        GeoStage.from_site(site, "cam-9")


def test_real_detector_on_a_short_clip_finds_the_crossing(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    """NanoDet on a 416 px region around the crossing (a person there is ~36 px tall)."""
    from kordon.video.detectors.nanodet import NanoDetDetector

    scene = build_geo_scene(volyn, "cam-1", seed=3, episodes=1, geometry=volyn_geometry)
    actors = scene.scenario.cast.actors_between(0.0, scene.scenario.duration_s or 0.0)
    (cross,) = [c for c in crossings(actors, scene.line, clearance=2.0) if c.actor_id == 1]
    camera = volyn_geometry.camera_model(volyn.camera("cam-1"))
    assert camera is not None
    uv, _ = camera.ground_to_pixel(np.asarray([cross.point_xy]))
    x0 = int(np.clip(uv[0, 0] - 208, 0, 1280 - 416))
    y0 = int(np.clip(uv[0, 1] - 208, 0, 720 - 416))
    detector = NanoDetDetector(classes=["person"], score_threshold=0.15)
    detector.load()

    def detect(renderer: Renderer, k: int) -> Detections:
        image = renderer.render(k).image
        found = detector.detect(np.ascontiguousarray(image[y0 : y0 + 416, x0 : x0 + 416]))
        boxes = found.xyxy_px + np.array([x0, y0, x0, y0], np.float32)
        return Detections(boxes, found.confidence, found.class_id, found.labels)

    fps = scene.scenario.fps
    first = int((cross.time_s - 6.0) * fps)
    last = int((cross.time_s + 4.0) * fps)
    renderer = Renderer(scene.scenario, scene.projector)
    stage = GeoStage.from_site(volyn, "cam-1", geometry=volyn_geometry)
    assert stage is not None
    # A 36 px person scores 0.2-0.7 from frame to frame: associate from lower scores.
    tracker = ByteTracker(ByteTrackConfig(high_score=0.35, new_track_score=0.45, low_score=0.15))
    events: list[Event] = []
    for k in range(first, last, 2):
        time_s = scene.scenario.frame_time_s(k)
        tracks = tracker.update(detect(renderer, k), time_s)
        events += stage.process(tracks, T0 + timedelta(seconds=time_s), k)
    found = [e for e in events if e.kind is EventKind.BORDER_CROSSING]
    assert len(found) == 1
    (e,) = found
    assert e.direction is _expected_direction(cross)
    assert e.x is not None
    assert e.y is not None
    assert np.hypot(e.x - cross.point_xy[0], e.y - cross.point_xy[1]) < 5.0
    assert abs((e.time - T0).total_seconds() - cross.time_s) < 1.0


def test_anchor_offset_in_box_heights_moves_the_foot_point_up_by_that_share(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    """A box reaching 5 % of its height below the soles: the anchor rises by that much
    (a taller box, nearer the camera, by more pixels), so the ground point moves away
    from the camera exactly as far as the same pixels moved by hand."""
    tall = np.array([[630, 380, 650, 446], [600, 420, 610, 446]], np.float32)
    heights = tall[:, 3] - tall[:, 1]

    def ground(settings: GeoStageSettings, boxes: np.ndarray) -> np.ndarray:
        stage = GeoStage.from_site(volyn, "cam-1", geometry=volyn_geometry, settings=settings)
        assert stage is not None
        tracks = ImageTracks(
            tracker_id=np.arange(1, len(boxes) + 1, dtype=np.int64),
            xyxy_px=boxes,
            confidence=np.full(len(boxes), 0.8, np.float32),
            class_id=np.zeros(len(boxes), np.int32),
            confirmed=np.ones(len(boxes), bool),
            labels=("person",),
        )
        stage.process(tracks, T0, 0)
        return np.array([[o.east_m, o.north_m] for o in stage.observations])

    moved = ground(GeoStageSettings(anchor_offset_h=0.05), tall)
    by_hand = tall.copy()
    by_hand[:, 3] -= 0.05 * heights
    off = GeoStageSettings(anchor_offset_h=0.0)
    assert np.allclose(moved, ground(off, by_hand), atol=1e-6)
    plain = ground(off, tall)
    camera = volyn_geometry.camera_model(volyn.camera("cam-1"))
    assert camera is not None
    cam_xy = camera.pixel_to_ground(np.array([[640.0, 719.0]])).xy_m[0]
    further = np.linalg.norm(moved - cam_xy, axis=1) - np.linalg.norm(plain - cam_xy, axis=1)
    assert (further > 0.0).all()
    assert further[0] > further[1]  # 3.3 px up on the tall box, 1.3 px on the short one


@pytest.mark.parametrize("share", [-0.01, 0.5, float("nan")])
def test_anchor_offset_in_box_heights_must_be_a_small_share(
    volyn: SiteConfig, volyn_geometry: SiteGeometry, share: float
) -> None:
    with pytest.raises(GeoStageError, match="anchor_offset_h"):
        GeoStage.from_site(
            volyn,
            "cam-1",
            geometry=volyn_geometry,
            settings=GeoStageSettings(anchor_offset_h=share),
        )


def _one_track(track_id: int, bottom_v: float) -> ImageTracks:
    return ImageTracks(
        tracker_id=np.array([track_id], np.int64),
        xyxy_px=np.array([[630, bottom_v - 32, 646, bottom_v]], np.float32),
        confidence=np.array([0.8], np.float32),
        class_id=np.array([0], np.int32),
        confirmed=np.array([True]),
        labels=("person",),
    )


def _jump_across(stage: GeoStage) -> list[Event]:
    """Image track 9 stands ~6 m beyond the border for 6 s, then its box jumps to someone
    standing on the home side (the tracker swapped people) and stays there for 10 s."""
    events: list[Event] = []
    for k in range(80):
        bottom = 436.0 if k < 30 else 462.0
        time = T0 + timedelta(seconds=k / 5.0)
        events += [
            e
            for e in stage.process(_one_track(9, bottom), time, k)
            if e.kind is EventKind.BORDER_CROSSING
        ]
    return events


def test_a_track_whose_ground_position_jumps_across_the_border_raises_no_crossing(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    stage = GeoStage.from_site(volyn, "cam-1", geometry=volyn_geometry)
    assert stage is not None
    assert _jump_across(stage) == []
    (pos,) = stage.latest_positions()
    assert pos.track_id == 9  # the map still shows the image track's own id
    # the same data through a smoother that never restarts: the estimate walks over
    trusting = GeoStage.from_site(volyn, "cam-1", geometry=volyn_geometry)
    assert trusting is not None
    trusting.smoother.jump_nis = math.inf
    assert [e.direction for e in _jump_across(trusting)] == [Direction.INBOUND]


def test_a_crossing_after_a_restart_is_reported_with_the_image_track_id(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    stage = GeoStage.from_site(volyn, "cam-1", geometry=volyn_geometry)
    assert stage is not None
    _jump_across(stage)
    events: list[Event] = []
    for k in range(80, 200):  # then walks back out over the border, 2.5 px/s up the image
        bottom = 462.0 - 0.5 * (k - 80)
        time = T0 + timedelta(seconds=k / 5.0)
        events += [
            e
            for e in stage.process(_one_track(9, bottom), time, k)
            if e.kind is EventKind.BORDER_CROSSING
        ]
    assert [(e.direction, e.track_id) for e in events] == [(Direction.OUTBOUND, "9")]

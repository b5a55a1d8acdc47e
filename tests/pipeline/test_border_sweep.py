"""The border sweep: the pipeline searches the border in view even when nothing moves.

A person crawling straight at a tower camera 400 m away moves a few hundredths of a pixel
a frame: the motion gate never sees them, and before the sweep the detector never ran
where they were. Measured on the simulator's border scene against its exact truth.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.domain.event import Event, EventKind
from kordon.geo.border_watch import border_watch_boxes
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage
from kordon.sim.border_spec import BorderSceneSpec
from kordon.sim.geo_scene import PoseProjector, build_geo_scene
from kordon.sim.ground_truth import crossings
from kordon.sim.range_site import camera_at_range
from kordon.sim.render import Renderer
from kordon.sim.scenario import ActorClass
from kordon.video.factory import build_camera_pipeline
from kordon.video.pipeline import PipelineSettings
from kordon.video.pipeline.watch import WatchSweep
from kordon.video.source.frame import Frame

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
CAMERA = "cam-1"
CRAWL = BorderSceneSpec(speed_mps=(0.3, 0.3), approach_m=4.0, episode_s=40.0, patrol=False)
WALK = BorderSceneSpec()  # the demo's: radial walkers at 1.1-1.5 m/s, a patrol


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> tuple[SiteConfig, SiteGeometry]:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    geometry = SiteGeometry.from_config(site)
    return site, geometry


def _stage(site: SiteConfig, geometry: SiteGeometry) -> GeoStage:
    stage = GeoStage.from_site(site, CAMERA, geometry=geometry)
    assert stage is not None
    assert stage.border is not None
    return stage


@pytest.mark.parametrize("range_m", [100.0, 400.0])
def test_watch_boxes_stand_on_the_border_and_are_as_tall_as_a_person_there(
    volyn: tuple[SiteConfig, SiteGeometry], range_m: float
) -> None:
    site, geometry = volyn
    moved = camera_at_range(site, CAMERA, range_m, geometry=geometry)
    stage = _stage(moved, geometry)
    assert stage.border is not None
    boxes = border_watch_boxes(stage.camera, stage.border, crop_per_height=3.2)
    assert len(boxes) >= 5
    width, height = stage.camera.image_size_wh
    feet = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2.0, boxes[:, 3]], axis=1)
    assert np.all((feet[:, 0] >= -1) & (feet[:, 0] <= width + 1) & (feet[:, 1] <= height))
    ground = stage.camera.pixel_to_ground(feet)
    assert ground.valid.all()
    off_line = np.abs(stage.border.signed_distance_m(ground.xy_m).distance_m)
    metres_per_row = _metres_per_row(stage, feet)
    assert np.all(off_line <= 2.0 * metres_per_row + 0.5)  # on the line, to the grid
    # As tall as the simulator draws a 1.75 m person standing there (its own projection).
    projector = PoseProjector(stage.camera)  # type: ignore[arg-type]
    expected = [1.75 / projector.project(*xy).m_per_px for xy in ground.xy_m]  # type: ignore[union-attr]
    got = boxes[:, 3] - boxes[:, 1]
    assert np.allclose(got, expected, rtol=0.15)
    assert float(np.median(got)) == pytest.approx(1.75 * 3657.0 / range_m, rel=0.35)
    # Spaced so neighbouring crops overlap but do not pile up.
    gaps = np.diff(feet[:, 0])
    assert np.all(gaps > 0)
    assert np.all(gaps <= 3.2 * got[1:] + 1.0)


def _metres_per_row(stage: GeoStage, feet: np.ndarray) -> np.ndarray:
    a = stage.camera.pixel_to_ground(feet)
    b = stage.camera.pixel_to_ground(feet + np.array([0.0, 4.0]))
    return np.asarray(np.hypot(*(a.xy_m - b.xy_m).T), np.float64)


class _Area:
    def __init__(self, n: int) -> None:
        self.calls = 0
        self.n = n

    def watch_boxes(self, frame_wh: tuple[int, int], *, crop_per_height: float) -> np.ndarray:
        del crop_per_height
        self.calls += 1
        return np.array([[i, 0.0, i + 1.0, frame_wh[1] / 10.0] for i in range(self.n)])


def test_the_sweep_takes_every_box_in_turn_and_asks_the_area_once_per_frame_size() -> None:
    area = _Area(5)
    sweep = WatchSweep([area], per_frame=2)
    seen = [sweep.next((1280, 720), crop_per_height=3.0)[:, 0].tolist() for _ in range(5)]
    assert seen == [[0, 1], [2, 3], [4, 0], [1, 2], [3, 4]]
    assert area.calls == 1
    assert sweep.next((640, 360), crop_per_height=3.0)[:, 0].tolist() == [0, 1]
    assert area.calls == 2
    assert len(WatchSweep([area], per_frame=0).next((1280, 720), crop_per_height=3.0)) == 0
    with pytest.raises(ValueError, match="per_frame"):
        WatchSweep([area], per_frame=-1)


def _cross(
    site: SiteConfig, geometry: SiteGeometry, spec: BorderSceneSpec, seed: int, *, sweep: int
) -> tuple[list[Event], list[float], int]:
    """One episode 400 m from the camera: (crossing events, true crossing times, frames
    on which the detector ran somewhere)."""
    moved = camera_at_range(site, CAMERA, 400.0, geometry=geometry)
    camera = moved.camera(CAMERA)
    fps = camera.analytics.fps
    scene = build_geo_scene(moved, CAMERA, seed, episodes=1, fps=fps, geometry=geometry, spec=spec)
    stage = _stage(moved, geometry)
    stage.start()
    settings = PipelineSettings(watch_crops_per_frame=sweep)
    pipeline = build_camera_pipeline(camera, moved, track_stages=[stage], settings=settings)
    pipeline.load()
    renderer = Renderer(scene.scenario, scene.projector)
    events: list[Event] = []
    detected = 0
    for k in range(scene.scenario.frame_count or 0):
        pts = scene.scenario.frame_time_s(k)
        image = renderer.render(k, actors=True).image
        frame = Frame(image=image, index=k, pts_s=pts, time=T0 + timedelta(seconds=pts))
        result = pipeline.process(frame)
        detected += int(result.plan.crops_xyxy_px != ())
        events.extend(e for e in result.events if e.kind is EventKind.BORDER_CROSSING)
    duration = scene.scenario.duration_s or 0.0
    people = [
        a for a in scene.scenario.cast.actors_between(0.0, duration) if a.kind is ActorClass.PERSON
    ]
    truth = crossings(people, scene.line, clearance=scene.clearance)
    return events, [c.time_s for c in truth], detected


@pytest.mark.parametrize(("spec", "seed"), [(CRAWL, 3), (WALK, 2)])
def test_someone_crossing_straight_at_the_camera_at_400_m_is_caught(
    volyn: tuple[SiteConfig, SiteGeometry], spec: BorderSceneSpec, seed: int
) -> None:
    site, geometry = volyn
    events, truth, _ = _cross(site, geometry, spec, seed, sweep=1)
    assert len(truth) == 1
    assert len(events) == 1
    assert abs((events[0].time - T0).total_seconds() - truth[0]) <= 2.0


def test_without_the_sweep_a_walker_straight_at_the_camera_is_missed(
    volyn: tuple[SiteConfig, SiteGeometry],
) -> None:
    """The same walker as above: motion alone never sees them, the detector never runs
    where they are, and their crossing gives no event (the sweep is what catches it)."""
    site, geometry = volyn
    events, truth, looked = _cross(site, geometry, WALK, 2, sweep=0)
    assert len(truth) == 1
    assert events == []
    _, _, swept = _cross(site, geometry, WALK, 2, sweep=1)
    assert looked < swept

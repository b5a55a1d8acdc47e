"""Named scenes: registry, the endless demo, the world-space builder, detector recall."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.geo.camera_pose import CameraPose, Intrinsics, PinholeCamera
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.border_spec import BorderSceneSpec, WalkDirection
from kordon.sim.errors import SimulationError
from kordon.sim.geo_scene import PoseProjector, build_geo_scene
from kordon.sim.ground_truth import crossings
from kordon.sim.range_site import camera_at_range
from kordon.sim.render import Renderer
from kordon.sim.scenario import EpisodicCast, FixedCast
from kordon.sim.scenes import SCENES, get_scene, world_border_walk
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.detectors.thermal import BlackHotDetector
from tests.sim.boxes import iou


def test_registry_names_and_unknown_name() -> None:
    assert set(SCENES) == {"border_walk", "demo"}
    assert get_scene("border_walk").scenario.name == "border_walk"
    with pytest.raises(
        SimulationError, match="unknown scene 'nope': choose one of border_walk, demo"
    ):
        get_scene("nope")


def test_demo_keeps_producing_crossings() -> None:
    scene = get_scene("demo", seed=5)
    cast = scene.scenario.cast
    assert isinstance(cast, EpisodicCast)
    for minute in (0, 1, 7, 60, 1000):
        t0, t1 = minute * 60.0, (minute + 1) * 60.0
        found = crossings(cast.actors_between(t0, t1), scene.line, clearance=20.0, t0_s=t0, t1_s=t1)
        assert len(found) >= 2, (minute, found)
        directions = {c.direction for c in found}
        assert len(directions) == 2
    # Deterministic: the same seed gives the same cast, frames far in the future included.
    again = get_scene("demo", seed=5).scenario.cast
    assert isinstance(again, EpisodicCast)
    assert [a.waypoints for a in again.episode(40)] == [a.waypoints for a in cast.episode(40)]
    frame = Renderer(scene.scenario).render(36_000 * 10)
    assert frame.truth.frame_index == 360_000


def test_world_border_walk_crosses_at_the_designed_points() -> None:
    frame = LocalFrame(51.5, 24.0)
    ((lon, lat),) = frame.xy_to_lonlat([[0.0, -15.0]])
    pinhole = PinholeCamera(
        "cam-test",
        CameraPose(lat=float(lat), lon=float(lon), height_m=6.0, yaw_deg=0.0, pitch_deg=-8.0),
        frame,
        (768, 576),
        intrinsics=Intrinsics(fx=700.0, fy=700.0, cx=384.0, cy=288.0),
    )
    camera = PoseProjector(pinhole)
    border = ((-12.0, 1.0), (0.0, -1.0), (12.0, 2.0))
    scene = world_border_walk(
        camera,
        border,
        intruders=3,
        spacing_s=10.0,
        approach_m=20.0,
        horizon_v_px=float(pinhole.horizon_v([384.0])[0]),
    )
    assert isinstance(scene.scenario.cast, FixedCast)
    found = crossings(scene.scenario.cast.actors, scene.line, clearance=scene.clearance)
    assert [c.actor_id for c in found] == [1, 2, 3]
    assert [c.from_side for c in found] == [-1, 1, -1]
    length = math.dist(border[0], border[1]) + math.dist(border[1], border[2])
    for i, c in enumerate(found):
        designed = (i + 1) / 4 * length
        seg0 = math.dist(border[0], border[1])
        j, f = (
            (0, designed / seg0)
            if designed <= seg0
            else (1, (designed - seg0) / math.dist(border[1], border[2]))
        )
        a, b = border[j], border[j + 1]
        expect = (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))
        assert c.point_xy == pytest.approx(expect, abs=1e-9)
        assert c.segment_index == j
    renderer = Renderer(scene.scenario, scene.projector)
    k = math.ceil(found[0].time_s * scene.scenario.fps)
    truth = renderer.render(k).truth
    (person,) = [a for a in truth.actors if a.actor_id == 1]
    assert person.visible
    assert person.xyxy_px is not None
    assert 60 <= person.xyxy_px[3] - person.xyxy_px[1] <= 150


def test_nanodet_sees_rendered_people() -> None:
    """Daylight pictures as they are; thermal ones as the pipeline gives them to a network
    (inverted to black-hot, see ``BlackHotDetector``), which beats white-hot by far."""
    nanodet = NanoDetDetector(classes=("person",))
    nanodet.load()
    scene = get_scene("border_walk")
    recalls: dict[str, float] = {}
    for name, thermal, detector in (
        ("day", False, nanodet),
        ("white-hot", True, nanodet),
        ("black-hot", True, BlackHotDetector(nanodet)),
    ):
        renderer = Renderer(scene.scenario, scene.projector, thermal=thermal)
        hits = total = 0
        for k in range(20, 320, 15):
            frame = renderer.render(k)
            found = list(detector.detect(frame.image).xyxy_px)
            for a in frame.truth.visible:
                if a.class_name != "person" or a.truncated or a.occluded_fraction > 0.3:
                    continue
                assert a.xyxy_px is not None
                total += 1
                hits += any(iou(a.xyxy_px, b) >= 0.5 for b in found)
        recalls[name] = hits / total
    # measured on whole 768 px frames: day 0.94, white-hot 0.48, black-hot 0.83
    assert recalls["day"] >= 0.85
    assert recalls["black-hot"] >= 0.75
    assert recalls["black-hot"] >= recalls["white-hot"] + 0.15, recalls


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> tuple[SiteConfig, SiteGeometry]:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    geometry = SiteGeometry.from_config(site)
    geometry.build_indexes()
    return site, geometry


@pytest.mark.parametrize(("range_m", "height_px"), [(100.0, 65.0), (400.0, 18.0)])
def test_the_tower_moved_to_a_range_sees_people_at_that_size(
    volyn: tuple[SiteConfig, SiteGeometry], range_m: float, height_px: float
) -> None:
    site, geometry = volyn
    moved = camera_at_range(site, "cam-1", range_m, geometry=geometry)
    assert moved.camera("cam-1").rules == []
    scene = build_geo_scene(moved, "cam-1", 2, episodes=1, fps=5.0, geometry=geometry)
    actors = scene.scenario.cast.actors_between(0.0, 60.0)
    (cross,) = [c for c in crossings(actors, scene.line, clearance=2.0) if c.actor_id == 1]
    truth = Renderer(scene.scenario, scene.projector).truth(round(cross.time_s * 5.0))
    (person,) = [a for a in truth.actors if a.actor_id == 1]
    assert person.xyxy_px is not None
    # 1.75 m × fx / range (fx = 3630 px for the 20° lens), plus ~2 px of drawn soles and hair
    assert person.xyxy_px[3] - person.xyxy_px[1] == pytest.approx(height_px, rel=0.15)
    # the border stays on about the same image row as in the shipped view (v ≈ 446 px)
    assert person.anchor_px is not None
    assert person.anchor_px[1] == pytest.approx(446.0, abs=40.0)
    with pytest.raises(SimulationError, match="range_m"):
        camera_at_range(site, "cam-1", 5.0, geometry=geometry)


def test_spec_adds_companions_animals_obliquity_and_thermal(
    volyn: tuple[SiteConfig, SiteGeometry],
) -> None:
    site, geometry = volyn
    thermal_site = camera_at_range(site, "cam-1", 200.0, kind="thermal", geometry=geometry)
    spec = BorderSceneSpec(
        group_size=3, animals=1, direction=WalkDirection.OBLIQUE, patrol=False, swaying=4
    )
    scene = build_geo_scene(thermal_site, "cam-1", 5, episodes=1, geometry=geometry, spec=spec)
    assert scene.scenario.thermal  # the camera's kind decides
    assert len(scene.scenario.sway) == 4
    actors = scene.scenario.cast.actors_between(0.0, 100.0)
    kinds = sorted((a.actor_id, a.kind.value) for a in actors)
    assert kinds == [(1, "person"), (3, "person"), (4, "person"), (20, "animal")]
    found = crossings(actors, scene.line, clearance=2.0)
    assert {c.actor_id for c in found} == {1, 3, 4, 20}
    (leader,) = [a for a in actors if a.actor_id == 1]
    (w0, w1) = leader.waypoints
    (cross,) = [c for c in found if c.actor_id == 1]
    seg = scene.line[cross.segment_index], scene.line[cross.segment_index + 1]
    border_dir = np.subtract(seg[1], seg[0])
    walk_dir = np.subtract((w1.x, w1.y), (w0.x, w0.y))
    cos = abs(float(np.dot(border_dir, walk_dir))) / float(
        np.linalg.norm(border_dir) * np.linalg.norm(walk_dir)
    )
    assert math.degrees(math.acos(cos)) == pytest.approx(45.0, abs=3.0)  # 45° off normal


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_size": 0}, "group_size"),
        ({"speed_mps": (2.0, 1.0)}, "speed_mps"),
        ({"gain": 0.0}, "gain"),
        ({"contrast": 1.5}, "contrast"),
        ({"noise_sigma": -1.0}, "noise_sigma"),
        ({"animals": 500}, "animals"),
        ({"speed_mps": (0.05, 0.1), "episode_s": 2.0}, "overlap"),
    ],
)
def test_border_spec_refuses_nonsense(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SimulationError, match=message):
        BorderSceneSpec(**kwargs)  # type: ignore[arg-type]

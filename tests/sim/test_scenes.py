"""Named scenes: registry, the endless demo, the world-space builder, detector recall."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kordon.geo.camera_pose import CameraPose, Intrinsics, PinholeCamera
from kordon.geo.frame import LocalFrame
from kordon.sim.errors import SimulationError
from kordon.sim.geo_scene import PoseProjector
from kordon.sim.ground_truth import crossings
from kordon.sim.render import Renderer
from kordon.sim.scenario import EpisodicCast, FixedCast
from kordon.sim.scenes import SCENES, get_scene, world_border_walk
from kordon.video.detectors.nanodet import NanoDetDetector
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
    detector = NanoDetDetector(classes=("person",))
    detector.load()
    scene = get_scene("border_walk")
    recalls: dict[bool, float] = {}
    for thermal in (False, True):
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
        recalls[thermal] = hits / total
    assert recalls[False] >= 0.85
    assert np.isfinite(recalls[True])

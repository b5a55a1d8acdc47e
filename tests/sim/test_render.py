"""Rendering: determinism, exact boxes, occlusion, thermal mode (speed: see bench_video)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kordon.sim.errors import SimulationError
from kordon.sim.render import Renderer
from kordon.sim.scenario import (
    Actor,
    ActorClass,
    BackgroundSpec,
    FixedCast,
    IlluminationChange,
    Occluder,
    OccluderKind,
    Scenario,
    SwayPatch,
)
from kordon.sim.scenes import border_walk
from kordon.sim.trajectory import Waypoint


def _flat_scene(actors: tuple[Actor, ...], **bg: object) -> Scenario:
    grey = np.full((240, 320, 3), 128, np.uint8)
    spec = BackgroundSpec(image=grey, noise_sigma=0.0)
    return Scenario("flat", (320, 240), 10.0, spec, FixedCast(actors), duration_s=10.0)


def test_same_seed_gives_identical_frames_and_other_seed_differs() -> None:
    a = Renderer(border_walk(seed=1).scenario).render(80)
    b = Renderer(border_walk(seed=1).scenario).render(80)
    c = Renderer(border_walk(seed=2).scenario).render(80)
    assert a.image.tobytes() == b.image.tobytes()
    assert a.truth == b.truth
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize(
    ("kind", "waypoints"),
    [
        (ActorClass.PERSON, (Waypoint(60, 60, 20), Waypoint(260, 230))),  # diagonal
        (ActorClass.PERSON, (Waypoint(150, 40, 20), Waypoint(150, 235))),  # towards camera
        (ActorClass.PERSON, (Waypoint(20, 180, 30), Waypoint(300, 180))),  # side-on
        (ActorClass.CAR, (Waypoint(-50, 150, 40), Waypoint(350, 150))),
        (ActorClass.CAR, (Waypoint(160, 40, 30), Waypoint(160, 230))),
        (ActorClass.BOAT, (Waypoint(0, 120, 30), Waypoint(300, 120))),
    ],
)
def test_truth_box_tightly_encloses_drawn_pixels(
    kind: ActorClass, waypoints: tuple[Waypoint, ...]
) -> None:
    scene = _flat_scene((Actor(1, kind, waypoints),))
    renderer = Renderer(scene)
    for k in (15, 33, 52):
        frame = renderer.render(k)
        changed = np.any(frame.image != 128, axis=2)
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        assert rows.size > 0
        (truth,) = frame.truth.actors
        assert truth.visible
        assert truth.xyxy_px is not None
        x1, y1, x2, y2 = truth.xyxy_px
        drawn = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
        assert np.allclose((x1, y1, x2, y2), drawn, atol=1.0), (truth.xyxy_px, drawn)
        # The last drawn row is the ground point's row (anti-aliasing adds about a pixel),
        # so the box's bottom-centre anchor is the path point.
        assert truth.anchor_px is not None
        assert abs((y2 - 1) - truth.anchor_px[1]) <= 1.5


def test_person_size_follows_the_projector_scale() -> None:
    near = Actor(1, ActorClass.PERSON, (Waypoint(100, 570, 1), Waypoint(101, 570)))
    far = Actor(2, ActorClass.PERSON, (Waypoint(600, 60, 1), Waypoint(601, 60)))
    scene = Scenario("s", (768, 576), 10, BackgroundSpec(), FixedCast((near, far)), duration_s=1)
    truth = Renderer(scene).truth(0)
    heights = {a.actor_id: a.xyxy_px[3] - a.xyxy_px[1] for a in truth.actors if a.xyxy_px}
    assert 140 <= heights[1] <= 155
    assert 60 <= heights[2] <= 72


def test_occluded_fraction_of_the_far_actor() -> None:
    far = Actor(1, ActorClass.PERSON, (Waypoint(150, 150, 1), Waypoint(151, 150)))
    near = Actor(2, ActorClass.PERSON, (Waypoint(152, 160, 1), Waypoint(153, 160)))
    alone = Renderer(_flat_scene((far,))).truth(0).actors[0]
    both = Renderer(_flat_scene((far, near))).truth(0)
    by_id = {a.actor_id: a for a in both.actors}
    assert alone.occluded_fraction == 0.0
    assert 0.5 < by_id[1].occluded_fraction <= 1.0
    assert by_id[2].occluded_fraction == 0.0


def test_actor_outside_the_frame_is_not_visible_and_edges_are_truncated() -> None:
    out = Actor(1, ActorClass.PERSON, (Waypoint(-200, 100, 1), Waypoint(-199, 100)))
    edge = Actor(2, ActorClass.PERSON, (Waypoint(0, 100, 1), Waypoint(1, 100)))
    truth = Renderer(_flat_scene((out, edge))).truth(0)
    by_id = {a.actor_id: a for a in truth.actors}
    assert not by_id[1].visible
    assert by_id[1].xyxy_px is None
    assert by_id[2].visible
    assert by_id[2].truncated
    assert by_id[2].xyxy_px is not None
    assert by_id[2].xyxy_px[0] == 0.0


def test_thermal_figures_are_hot_on_a_cool_background() -> None:
    scene = border_walk().scenario
    frame = Renderer(scene, thermal=True).render(100)
    img = frame.image
    assert np.array_equal(img[..., 0], img[..., 1])  # grey palette
    (person,) = [a for a in frame.truth.visible if a.actor_id == 1]
    assert person.xyxy_px is not None
    x1, y1, x2, y2 = (int(v) for v in person.xyxy_px)
    figure = img[y1:y2, x1:x2, 0]
    assert float(np.percentile(figure, 90)) > 180
    assert float(np.median(img[..., 0])) < 90


def test_a_thermal_scenario_renders_thermal_by_itself() -> None:
    scene = dataclasses.replace(border_walk().scenario, thermal=True)
    img = Renderer(scene).render(100).image
    assert np.array_equal(img[..., 0], img[..., 2])
    assert float(np.median(img[..., 0])) < 90
    visible = Renderer(border_walk().scenario).render(100).image
    assert not np.array_equal(visible[..., 0], visible[..., 2])


def test_contrast_loss_pulls_toward_haze_and_gain_scales() -> None:
    actors = (Actor(1, ActorClass.PERSON, (Waypoint(10, 10, 1), Waypoint(11, 10))),)
    grey = np.full((64, 64, 3), 70, np.uint8)
    base = Scenario(
        "haze",
        (64, 64),
        10.0,
        BackgroundSpec(image=grey, noise_sigma=0),
        FixedCast(actors),
        duration_s=5.0,
    )
    hazy = dataclasses.replace(base, contrast=0.5)
    assert Renderer(hazy).render(3).image[60, 60, 0] == 120  # 170 + 0.5 * (70 - 170)
    dusk = dataclasses.replace(
        hazy, illumination=(IlluminationChange(time_s=-1.0, gain=0.25, ramp_s=0.0),)
    )
    assert Renderer(dusk).render(3).image[60, 60, 0] == 30
    with pytest.raises(SimulationError, match="contrast"):
        dataclasses.replace(base, contrast=0.0)


def test_swaying_vegetation_moves_only_inside_its_patch() -> None:
    rng = np.random.default_rng(3)
    texture = np.asarray(rng.integers(0, 255, (120, 160, 3)), np.uint8)
    off_frame = (Waypoint(-500, -500, 1), Waypoint(-499, -500))
    actors = (Actor(1, ActorClass.PERSON, off_frame),)
    scene = Scenario(
        "wind",
        (160, 120),
        10.0,
        BackgroundSpec(image=texture, noise_sigma=0),
        FixedCast(actors),
        duration_s=5.0,
        sway=(SwayPatch(80.0, 60.0, radius_px=10.0, amplitude_px=2.0, frequency_hz=0.5),),
    )
    r = Renderer(scene)
    a, b = r.render(0).image, r.render(5).image  # offsets 0 and 2 px
    changed = np.argwhere((a != b).any(axis=2))
    assert len(changed) > 50
    assert np.hypot(changed[:, 1] - 80, changed[:, 0] - 60).max() <= 10.5


def test_an_occluder_covers_actors_behind_it_but_not_in_front() -> None:
    far = Actor(1, ActorClass.PERSON, (Waypoint(160, 100, 1), Waypoint(161, 100)), height_m=1.8)
    near = Actor(2, ActorClass.PERSON, (Waypoint(100, 200, 1), Waypoint(101, 200)), height_m=1.8)
    grey = np.full((240, 320, 3), 128, np.uint8)
    reeds = Occluder(OccluderKind.REEDS, 160.0, 130.0, height_px=80.0, width_px=60.0)
    bush = Occluder(OccluderKind.TREE, 100.0, 150.0, height_px=60.0, width_px=40.0)
    scene = Scenario(
        "reeds",
        (320, 240),
        10.0,
        BackgroundSpec(image=grey, noise_sigma=0),
        FixedCast((far, near)),
        duration_s=5.0,
        occluders=(reeds, bush),
    )
    truth = {a.actor_id: a for a in Renderer(scene).render(2).truth.actors}
    assert truth[1].visible
    assert 0.1 < truth[1].occluded_fraction < 1.0  # behind the reeds (nearer: v 130 > 100)
    assert truth[2].occluded_fraction == 0.0  # in front of the tree (v 200 > 150)
    with pytest.raises(SimulationError, match="occluder"):
        Occluder(OccluderKind.TREE, 1.0, 1.0, height_px=0.0, width_px=3.0)


def test_illumination_change_dims_the_frame() -> None:
    actors = (Actor(1, ActorClass.PERSON, (Waypoint(10, 10, 1), Waypoint(11, 10))),)
    grey = np.full((64, 64, 3), 200, np.uint8)
    scene = Scenario(
        "light",
        (64, 64),
        10.0,
        BackgroundSpec(image=grey, noise_sigma=0),
        FixedCast(actors),
        illumination=(IlluminationChange(time_s=1.0, gain=0.5, ramp_s=1.0),),
        duration_s=5.0,
    )
    r = Renderer(scene)
    assert r.render(5).image[60, 60, 0] == 200
    assert r.render(15).image[60, 60, 0] == pytest.approx(150, abs=1)
    assert r.render(30).image[60, 60, 0] == 100


def test_bad_requests_are_refused() -> None:
    r = Renderer(border_walk().scenario)
    with pytest.raises(SimulationError, match="past the end"):
        r.render(10_000)
    with pytest.raises(SimulationError, match=">= 0"):
        r.truth(-1)
    with pytest.raises(SimulationError, match="H×W×3 uint8"):
        BackgroundSpec(image=np.zeros((4, 4), np.uint8))
    a = Actor(1, ActorClass.PERSON, (Waypoint(0, 0), Waypoint(1, 1)))
    with pytest.raises(SimulationError, match="duplicate actor ids"):
        FixedCast((a, a))
    with pytest.raises(SimulationError, match="actor_id must be >= 1"):
        Actor(0, ActorClass.PERSON, (Waypoint(0, 0), Waypoint(1, 1)))


def test_the_empty_view_has_nobody_in_it_and_the_rest_as_it_is() -> None:
    scene = _flat_scene((Actor(1, ActorClass.PERSON, (Waypoint(60, 60, 20), Waypoint(260, 230))),))
    renderer = Renderer(scene)
    with_actor = renderer.render(33)
    empty = renderer.render(33, actors=False)
    assert with_actor.truth.actors
    assert not empty.truth.actors
    assert np.any(with_actor.image != 128)
    assert np.all(empty.image == 128)  # the flat, noise-free background alone

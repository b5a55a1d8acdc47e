"""A simulated scene at a real border: a site's pose camera watching its border line.

The path plane is the site's local metric frame (east, north in metres). The camera is the
site camera's :class:`~kordon.geo.camera_pose.PinholeCamera` (adapted to the simulator's
:class:`~kordon.sim.projector.Projector`), so what the renderer draws is exactly what the
camera model georeferences back. The scene's ``line`` is the stretch of the real border in
view; ``ground_truth.crossings(actors, scene.line)`` gives exact crossing times and points.

Every ``BorderSceneSpec.episode_s`` seconds (20 s by default) an episode starts: one
intruder (actor id ``n * 1000 + 1``) walks straight across the border (perpendicular to it
by default) at a random point in view; even episodes come in from the foreign side
(inbound), odd ones go out. In even episodes a patrol (``n * 1000 + 2``) walks along the
border on the home side ``PATROL_OFFSET_M`` from the line without crossing it. The spec
adds companions, animals, swaying vegetation, reeds and trees, and sensor effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kordon.config.site import SiteConfig
from kordon.geo.border import Border
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.border_spec import BorderSceneSpec
from kordon.sim.errors import SimulationError
from kordon.sim.projector import ProjectedPoint
from kordon.sim.scenario import (
    Actor,
    ActorClass,
    Appearance,
    BackgroundSpec,
    EpisodeFactory,
    EpisodicCast,
    IlluminationChange,
    Occluder,
    OccluderKind,
    Scenario,
    SwayPatch,
)
from kordon.sim.scenes import Scene
from kordon.sim.trajectory import Waypoint

PATROL_OFFSET_M = 10.0
INTRUDER_ID = 1
PATROL_ID = 2
GROUP_FIRST_ID = 3
"""Ids of an intruder's companions: 3, 4, … (``BorderSceneSpec.group_size`` − 1 of them)."""
ANIMAL_FIRST_ID = 20
PATROL_REACH = 0.6  # of the view's half width, each way from the centre


@dataclass(frozen=True)
class PoseProjector:
    """``Projector`` from a ``PinholeCamera``; ``m_per_px`` from a 1 m vertical step.

    The camera model's image coordinates put pixel (i, j) on [i, i + 1) × [j, j + 1) (a
    centred lens has its principal point at w/2, h/2); the renderer draws with pixel
    centres on integers, as OpenCV does. Half a pixel up and left converts one into the
    other, so the lowest drawn edge of a person lies on the ground point as a detector's
    box bottom sees it: without it a tower camera saw everyone 2–3 m nearer at 600 m.
    """

    camera: PinholeCamera
    min_range_m: float = 1.0

    def project(self, east_m: float, north_m: float) -> ProjectedPoint | None:
        pts = np.array([[east_m, north_m, 0.0], [east_m, north_m, 1.0]])
        uv, in_front = self.camera.project(pts)
        rng = math.hypot(east_m - self.camera.position_m[0], north_m - self.camera.position_m[1])
        if not bool(in_front.all()) or rng < self.min_range_m:
            return None
        px_per_m = math.hypot(*(uv[1] - uv[0]))
        if not (math.isfinite(px_per_m) and px_per_m > 0):
            return None
        return ProjectedPoint(
            u_px=float(uv[0, 0]) - 0.5, v_px=float(uv[0, 1]) - 0.5, m_per_px=1.0 / px_per_m
        )


@dataclass(frozen=True)
class ViewOfBorder:
    """Where the camera's optical axis meets the border, and which way is home."""

    along_m: float  # of the border point nearest the view centre
    half_width_m: float  # half the view's width at that range
    tangent: tuple[float, float]  # unit vector along the border (km increasing)
    home_normal: tuple[float, float]  # unit normal pointing to the home side


def view_of_border(camera: PinholeCamera, border: Border) -> ViewOfBorder:
    """The border stretch in view: raises when the camera does not see its border."""
    w, h = camera.image_size_wh
    centre = camera.pixel_to_ground([[w / 2.0, h * 0.6]])
    if not bool(centre.valid[0]):
        raise SimulationError(f"camera {camera.camera_id!r}: the image centre is not on ground")
    res = border.signed_distance_m(centre.xy_m)
    along = float(res.along_m[0])
    foot = border.point_at_along(along)[0]
    cam_xy = camera.position_m[:2]
    rng = float(np.hypot(*(foot - cam_xy)))
    uv, in_front = camera.ground_to_pixel(foot.reshape(1, 2))
    if not (bool(in_front[0]) and 0 <= uv[0, 0] < w and 0 <= uv[0, 1] < h):
        raise SimulationError(
            f"camera {camera.camera_id!r} does not see border {border.border_id!r}"
        )
    a, b = border.point_at_along([max(along - 5.0, 0.0), min(along + 5.0, border.length_m)])
    t = (b - a) / np.linalg.norm(b - a)
    left = np.array([-t[1], t[0]])
    home = left if border.home_side == border.left_side else -left
    half = rng * math.tan(math.radians(_hfov_deg(camera)) / 2.0)
    return ViewOfBorder(along, half, (float(t[0]), float(t[1])), (float(home[0]), float(home[1])))


def _hfov_deg(camera: PinholeCamera) -> float:
    w = camera.image_size_wh[0]
    return math.degrees(2.0 * math.atan((w / 2.0) / camera.intrinsics.fx))


def _crossing_path(
    border: Border,
    view: ViewOfBorder,
    spec: BorderSceneSpec,
    *,
    along_m: float,
    inbound: bool,
    rng: np.random.Generator,
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Start, end and unit direction of a straight crossing at ``along_m``."""
    tx, ty = view.tangent
    hx, hy = view.home_normal
    px, py = (float(v) for v in border.point_at_along(along_m)[0])
    s = -1.0 if inbound else 1.0  # start on the foreign side when inbound
    angle = math.radians(spec.direction.angle_deg)
    if angle == 0.0:
        ux, uy = -s * hx, -s * hy
    else:
        lateral = 1.0 if rng.uniform() < 0.5 else -1.0
        ux = -s * hx * math.cos(angle) + lateral * tx * math.sin(angle)
        uy = -s * hy * math.cos(angle) + lateral * ty * math.sin(angle)
    a = spec.approach_m
    return (px - ux * a, py - uy * a), (px + ux * a, py + uy * a), (ux, uy)


def _episode_factory(border: Border, view: ViewOfBorder, spec: BorderSceneSpec) -> EpisodeFactory:
    def episode(n: int, rng: np.random.Generator) -> list[Actor]:
        tx, ty = view.tangent
        hx, hy = view.home_normal
        spread = 0.5 * view.half_width_m
        along = view.along_m + float(rng.uniform(-spread, spread))
        inbound = n % 2 == 0
        speed = float(rng.uniform(*spec.speed_mps))
        start, end, (ux, uy) = _crossing_path(
            border, view, spec, along_m=along, inbound=inbound, rng=rng
        )
        start_s = float(rng.uniform(0.5, 2.0))
        actors = [
            Actor(
                INTRUDER_ID,
                ActorClass.PERSON,
                (Waypoint(*start, speed=speed), Waypoint(*end)),
                start_s=start_s,
                appearance=Appearance.random(rng),
            )
        ]
        if inbound and spec.patrol:
            cx, cy = (float(v) for v in border.point_at_along(view.along_m)[0])
            base = (cx + hx * PATROL_OFFSET_M, cy + hy * PATROL_OFFSET_M)
            reach = PATROL_REACH * view.half_width_m
            actors.append(
                Actor(
                    PATROL_ID,
                    ActorClass.PERSON,
                    (
                        Waypoint(base[0] + tx * reach, base[1] + ty * reach, speed=1.2),
                        Waypoint(base[0] - tx * reach, base[1] - ty * reach),
                    ),
                    start_s=float(rng.uniform(0.0, 1.0)),
                    appearance=Appearance.random(rng),
                )
            )
        for k in range(1, spec.group_size):
            # side by side or a step behind, 1-1.5 m apart, at the leader's pace
            side = float(rng.uniform(1.0, 1.5)) * (1 if k % 2 else -1) * ((k + 1) // 2)
            back = float(rng.uniform(0.0, 1.5)) * k
            dx = -ux * back + tx * side
            dy = -uy * back + ty * side
            actors.append(
                Actor(
                    GROUP_FIRST_ID + k - 1,
                    ActorClass.PERSON,
                    (
                        Waypoint(start[0] + dx, start[1] + dy, speed=speed),
                        Waypoint(end[0] + dx, end[1] + dy),
                    ),
                    start_s=start_s,
                    height_m=float(rng.uniform(1.6, 1.9)),
                    appearance=Appearance.random(rng),
                )
            )
        for j in range(spec.animals):
            spot = view.along_m + float(rng.uniform(-spread, spread))
            a_start, a_end, _ = _crossing_path(
                border, view, spec, along_m=spot, inbound=bool(rng.uniform() < 0.5), rng=rng
            )
            actors.append(
                Actor(
                    ANIMAL_FIRST_ID + j,
                    ActorClass.ANIMAL,
                    (Waypoint(*a_start, speed=float(rng.uniform(0.8, 2.0))), Waypoint(*a_end)),
                    start_s=float(rng.uniform(0.0, 3.0)),
                    appearance=Appearance.random(rng),
                )
            )
        return actors

    return episode


def _ground_spots(
    border: Border,
    view: ViewOfBorder,
    projector: PoseProjector,
    *,
    count: int,
    rng: np.random.Generator,
    offset_m: tuple[float, float],
) -> list[tuple[ProjectedPoint, float]]:
    """``count`` visible ground points near the border: (projection, along_m)."""
    hx, hy = view.home_normal
    spots: list[tuple[ProjectedPoint, float]] = []
    for _ in range(count * 4):
        if len(spots) >= count:
            break
        along = view.along_m + float(rng.uniform(-0.8, 0.8)) * view.half_width_m
        off = float(rng.uniform(*offset_m))
        px, py = (float(v) for v in border.point_at_along(along)[0])
        p = projector.project(px + hx * off, py + hy * off)
        w, h = projector.camera.image_size_wh
        if p is not None and 0 <= p.u_px < w and 0 <= p.v_px < h:
            spots.append((p, along))
    return spots


def _sway_patches(
    border: Border, view: ViewOfBorder, projector: PoseProjector, spec: BorderSceneSpec, seed: int
) -> tuple[SwayPatch, ...]:
    rng = np.random.default_rng([seed, 23])
    spots = _ground_spots(
        border, view, projector, count=spec.swaying, rng=rng, offset_m=(-25.0, 25.0)
    )
    return tuple(
        SwayPatch(
            p.u_px,
            p.v_px - 0.6 / p.m_per_px,
            radius_px=max(0.8 / p.m_per_px, 3.0),
            amplitude_px=float(rng.uniform(1.0, 2.5)),
            frequency_hz=float(rng.uniform(0.2, 0.7)),
            phase_rad=float(rng.uniform(0.0, 2 * math.pi)),
        )
        for p, _ in spots
    )


def _occluders(
    border: Border, view: ViewOfBorder, projector: PoseProjector, spec: BorderSceneSpec, seed: int
) -> tuple[Occluder, ...]:
    """Reeds (mostly) and trees a few metres on the home side of the line."""
    rng = np.random.default_rng([seed, 29])
    spots = _ground_spots(
        border, view, projector, count=spec.occluders, rng=rng, offset_m=(3.0, 8.0)
    )
    out: list[Occluder] = []
    for i, (p, _) in enumerate(spots):
        tree = rng.uniform() < 0.3
        height_m = float(rng.uniform(5.0, 8.0)) if tree else float(rng.uniform(1.2, 2.2))
        width_m = float(rng.uniform(2.5, 4.0)) if tree else float(rng.uniform(1.0, 3.0))
        out.append(
            Occluder(
                OccluderKind.TREE if tree else OccluderKind.REEDS,
                p.u_px,
                p.v_px,
                height_px=height_m / p.m_per_px,
                width_px=width_m / p.m_per_px,
                seed=seed * 1000 + i,
            )
        )
    return tuple(out)


def _world_view(
    site: SiteConfig, geometry: SiteGeometry, camera_id: str
) -> tuple[ViewOfBorder, Border]:
    try:
        camera_cfg = site.camera(camera_id)
    except KeyError as exc:
        raise SimulationError(str(exc.args[0])) from None
    camera = geometry.camera_model(camera_cfg)
    border = geometry.border_for_camera(camera_cfg, site)
    if not isinstance(camera, PinholeCamera) or border is None:
        raise SimulationError(
            f"world camera {camera_id!r} needs a 'pose' georeference and a border"
        )
    return view_of_border(camera, border), border


def _limited(factory: EpisodeFactory, episodes: int | None) -> EpisodeFactory:
    if episodes is None:
        return factory

    def episode(n: int, rng: np.random.Generator) -> list[Actor]:
        return list(factory(n, rng)) if n < episodes else []

    return episode


def build_geo_scene(
    site: SiteConfig,
    camera_id: str,
    seed: int,
    *,
    episodes: int | None = None,
    fps: float = 10.0,
    geometry: SiteGeometry | None = None,
    spec: BorderSceneSpec | None = None,
    world_camera_id: str | None = None,
) -> Scene:
    """The scene seen by ``camera_id`` (a ``pose``-georeferenced camera of ``site``).

    ``episodes=None`` runs forever (the live demo); a number ends the scenario when the
    last episode's actors are done. The scene's ``line`` is the border in view ± 200 m.
    ``spec`` sets who crosses and how the sensor sees it (default: the demo's scene); a
    camera of ``kind: thermal`` is always rendered as thermal.
    """
    spec = spec or BorderSceneSpec()
    try:
        camera_cfg = site.camera(camera_id)
    except KeyError as exc:
        raise SimulationError(str(exc.args[0])) from None
    geometry = geometry or SiteGeometry.from_config(site)
    camera = geometry.camera_model(camera_cfg)
    if not isinstance(camera, PinholeCamera):
        raise SimulationError(
            f"camera {camera_id!r}: a geo scene needs a 'pose' georeference, got "
            f"{'none' if camera is None else 'control points'}"
        )
    border = geometry.border_for_camera(camera_cfg, site)
    if border is None:
        raise SimulationError(f"camera {camera_id!r}: no border for its sector")
    view = view_of_border(camera, border)
    world_view, world_border = view, border
    if world_camera_id is not None:
        world_view, world_border = _world_view(site, geometry, world_camera_id)
    if episodes is not None and episodes < 1:
        raise SimulationError(f"episodes must be >= 1, got {episodes}")
    patrol_s = 1.0 + 2 * PATROL_REACH * world_view.half_width_m / 1.2
    animal_s = 3.0 + 2 * spec.approach_m / 0.8 if spec.animals else 0.0
    max_span = max(spec.episode_s, spec.max_span_s - 2.0, patrol_s, animal_s) + 1.0
    duration = None if episodes is None else (episodes - 1) * spec.episode_s + max_span
    horizon = float(camera.horizon_v([camera.image_size_wh[0] / 2.0])[0])
    projector = PoseProjector(camera)
    illumination = (
        (IlluminationChange(time_s=-1.0, gain=spec.gain, ramp_s=0.0),) if spec.gain != 1.0 else ()
    )
    scenario = Scenario(
        name=f"geo_{camera_id}",
        resolution_wh=camera.image_size_wh,
        fps=fps,
        background=BackgroundSpec(
            seed=seed,
            horizon_v_px=horizon if math.isfinite(horizon) else None,
            bushes=spec.bushes,
            noise_sigma=spec.noise_sigma,
        ),
        cast=EpisodicCast(
            _limited(_episode_factory(world_border, world_view, spec), episodes),
            spec.episode_s,
            seed,
            max_span,
        ),
        illumination=illumination,
        duration_s=duration,
        thermal=spec.thermal or camera_cfg.kind == "thermal",
        contrast=spec.contrast,
        sway=_sway_patches(border, view, projector, spec, seed),
        occluders=_occluders(border, view, projector, spec, seed),
    )
    lo = max(view.along_m - 200.0, 0.0)
    hi = min(view.along_m + 200.0, border.length_m)
    line_xy = border.substring(float(border.km_post(lo)), float(border.km_post(hi)))
    line = tuple((float(x), float(y)) for x, y in line_xy)
    return Scene(scenario, projector, line, 2.0)

"""A simulated scene at a real border: a site's pose camera watching its border line.

The path plane is the site's local metric frame (east, north in metres). The camera is the
site camera's :class:`~kordon.geo.camera_pose.PinholeCamera` (adapted to the simulator's
:class:`~kordon.sim.projector.Projector`), so what the renderer draws is exactly what the
camera model georeferences back. The scene's ``line`` is the stretch of the real border in
view; ``ground_truth.crossings(actors, scene.line)`` gives exact crossing times and points.

Every ``EPISODE_S`` seconds an episode starts: one intruder (actor id ``n * 1000 + 1``)
walks straight across the border, perpendicular to it, at a random point in view;
even episodes come in from the foreign side (inbound), odd ones go out. In even episodes a
patrol (``n * 1000 + 2``) walks along the border on the home side ``PATROL_OFFSET_M`` from
the line without crossing it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kordon.config.site import SiteConfig
from kordon.geo.border import Border
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.errors import SimulationError
from kordon.sim.projector import ProjectedPoint
from kordon.sim.scenario import (
    Actor,
    ActorClass,
    Appearance,
    BackgroundSpec,
    EpisodeFactory,
    EpisodicCast,
    Scenario,
)
from kordon.sim.scenes import Scene
from kordon.sim.trajectory import Waypoint

EPISODE_S = 20.0
APPROACH_M = 20.0
PATROL_OFFSET_M = 10.0
INTRUDER_ID = 1
PATROL_ID = 2
PATROL_REACH = 0.6  # of the view's half width, each way from the centre


@dataclass(frozen=True)
class PoseProjector:
    """``Projector`` from a ``PinholeCamera``; ``m_per_px`` from a 1 m vertical step."""

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
        return ProjectedPoint(u_px=float(uv[0, 0]), v_px=float(uv[0, 1]), m_per_px=1.0 / px_per_m)


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


def _episode_factory(border: Border, view: ViewOfBorder) -> EpisodeFactory:
    def episode(n: int, rng: np.random.Generator) -> list[Actor]:
        tx, ty = view.tangent
        hx, hy = view.home_normal
        spread = 0.5 * view.half_width_m
        along = view.along_m + float(rng.uniform(-spread, spread))
        px, py = (float(v) for v in border.point_at_along(along)[0])
        inbound = n % 2 == 0
        s = -1.0 if inbound else 1.0  # start on the foreign side when inbound
        start = (px + s * hx * APPROACH_M, py + s * hy * APPROACH_M)
        end = (px - s * hx * APPROACH_M, py - s * hy * APPROACH_M)
        speed = float(rng.uniform(1.1, 1.5))
        actors = [
            Actor(
                INTRUDER_ID,
                ActorClass.PERSON,
                (Waypoint(*start, speed=speed), Waypoint(*end)),
                start_s=float(rng.uniform(0.5, 2.0)),
                appearance=Appearance.random(rng),
            )
        ]
        if inbound:
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
        return actors

    return episode


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
) -> Scene:
    """The scene seen by ``camera_id`` (a ``pose``-georeferenced camera of ``site``).

    ``episodes=None`` runs forever (the live demo); a number ends the scenario when the
    last episode's actors are done. The scene's ``line`` is the border in view ± 200 m.
    """
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
    if episodes is not None and episodes < 1:
        raise SimulationError(f"episodes must be >= 1, got {episodes}")
    span_s = 2.0 + 2 * APPROACH_M / 1.1 + 1.0
    patrol_s = 1.0 + 2 * PATROL_REACH * view.half_width_m / 1.2
    max_span = max(EPISODE_S, span_s, patrol_s) + 1.0
    duration = None if episodes is None else (episodes - 1) * EPISODE_S + max_span
    horizon = float(camera.horizon_v([camera.image_size_wh[0] / 2.0])[0])
    scenario = Scenario(
        name=f"geo_{camera_id}",
        resolution_wh=camera.image_size_wh,
        fps=fps,
        background=BackgroundSpec(
            seed=seed, horizon_v_px=horizon if math.isfinite(horizon) else None, bushes=20
        ),
        cast=EpisodicCast(
            _limited(_episode_factory(border, view), episodes), EPISODE_S, seed, max_span
        ),
        duration_s=duration,
    )
    lo = max(view.along_m - 200.0, 0.0)
    hi = min(view.along_m + 200.0, border.length_m)
    line_xy = border.substring(float(border.km_post(lo)), float(border.km_post(hi)))
    line = tuple((float(x), float(y)) for x, y in line_xy)
    return Scene(scenario, PoseProjector(camera), line, 2.0)

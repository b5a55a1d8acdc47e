"""``Renderer``: frame ``k`` of a scenario at time ``k / fps``, with exact per-frame truth."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from kordon.sim.background import build_background, noise_variants
from kordon.sim.errors import SimulationError
from kordon.sim.figures import (
    GAIT_HZ,
    Pose,
    Sprite,
    draw_animal,
    draw_occluder,
    draw_person,
    draw_vehicle,
)
from kordon.sim.projector import FlatImageProjector, Projector
from kordon.sim.scenario import Actor, ActorClass, Scenario, SwayPatch

ImageBGR = npt.NDArray[np.uint8]
NOISE_VARIANTS = 8
MIN_DRAWN_HEIGHT_PX = 4.0
HAZE_LEVEL = 170.0
"""Grey level that contrast loss (haze, fog) pulls the picture toward, before the gain."""


@dataclass(frozen=True, slots=True)
class ActorTruth:
    """One actor in one frame.

    ``xyxy_px`` is the tight box of the actor's drawn pixels inside the frame (x2, y2
    exclusive), ``None`` when nothing of it is in the picture. ``anchor_px`` is its
    projected ground point, ``path_xy`` its exact position in the scenario's path plane.
    ``occluded_fraction`` is the share of its in-frame pixels covered by nearer actors;
    ``truncated`` says part of it lies outside the frame.
    """

    actor_id: int
    class_name: str
    xyxy_px: tuple[float, float, float, float] | None
    visible: bool
    occluded_fraction: float
    truncated: bool
    anchor_px: tuple[float, float] | None
    path_xy: tuple[float, float]
    moving: bool


@dataclass(frozen=True, slots=True)
class FrameTruth:
    """Ground truth for one frame: every actor active at ``time_s`` (visible or not)."""

    frame_index: int
    time_s: float
    actors: tuple[ActorTruth, ...]

    @property
    def visible(self) -> tuple[ActorTruth, ...]:
        return tuple(a for a in self.actors if a.visible)


@dataclass(frozen=True, slots=True)
class RenderedFrame:
    image: ImageBGR
    truth: FrameTruth


@dataclass(frozen=True, slots=True)
class _Placed:
    actor: Actor
    pose: Pose | None
    path_xy: tuple[float, float]
    moving: bool


class Renderer:
    """Draws a scenario. Cheap to construct; the background is built by ``load()`` (or on the
    first frame). ``thermal`` (default: the scenario's own ``thermal``) draws hot figures
    on a cool background, as a white-hot thermal camera shows them.

    The projector defaults to ``FlatImageProjector`` (image-space scenes). Occluders are
    drawn over every actor and count in the actors' ``occluded_fraction``.
    """

    def __init__(
        self,
        scenario: Scenario,
        projector: Projector | None = None,
        *,
        thermal: bool | None = None,
    ) -> None:
        self.scenario = scenario
        self.projector: Projector = projector or FlatImageProjector(scenario.resolution_wh[1])
        self.thermal = scenario.thermal if thermal is None else thermal
        self._variants: tuple[ImageBGR, ...] = ()
        self._occluders: tuple[tuple[float, Sprite], ...] = ()

    def load(self) -> None:
        """Build and cache the background and its sensor-noise variants."""
        if self._variants:
            return
        spec = self.scenario.background
        scale = self.projector if isinstance(self.projector, FlatImageProjector) else None
        bg = build_background(
            spec, self.scenario.resolution_wh, thermal=self.thermal, scale_projector=scale
        )
        self._variants = noise_variants(
            bg, spec.noise_sigma, NOISE_VARIANTS, spec.seed, monochrome=self.thermal
        )
        self._occluders = tuple(
            (
                o.v_px,
                draw_occluder(
                    o.kind.value,
                    (o.u_px, o.v_px),
                    (o.width_px, o.height_px),
                    o.seed,
                    thermal=self.thermal,
                ),
            )
            for o in self.scenario.occluders
        )

    @property
    def background(self) -> ImageBGR:
        """The first cached background variant (with its sensor noise)."""
        self.load()
        return self._variants[0]

    def _check_index(self, frame_index: int) -> float:
        if frame_index < 0:
            raise SimulationError(f"frame_index must be >= 0, got {frame_index}")
        count = self.scenario.frame_count
        if count is not None and frame_index >= count:
            raise SimulationError(
                f"frame {frame_index} is past the end of scenario {self.scenario.name!r} "
                f"({count} frames)"
            )
        return self.scenario.frame_time_s(frame_index)

    def _place(self, actor: Actor, time_s: float) -> _Placed | None:
        traj = actor.trajectory
        xy = traj.position(time_s)
        if xy is None:
            return None
        moving = traj.is_moving(time_s)
        p = self.projector.project(*xy)
        if p is None or not p.m_per_px > 0:
            return _Placed(actor, None, xy, moving)
        hx, hy = traj.heading(time_s)
        q = self.projector.project(xy[0] + 0.05 * hx, xy[1] + 0.05 * hy)
        du, dv = (0.0, 1.0) if q is None else (q.u_px - p.u_px, q.v_px - p.v_px)
        norm = math.hypot(du, dv)
        heading = (du / norm, dv / norm) if norm > 0 else (0.0, 1.0)
        width_m, height_m = actor.size_m
        pose = Pose(
            ground_u_px=p.u_px,
            ground_v_px=p.v_px,
            height_px=height_m / p.m_per_px,
            width_px=width_m / p.m_per_px,
            heading_uv=heading,
            gait_phase_rad=2 * math.pi * GAIT_HZ * traj.moving_time(time_s),
            walking=moving,
        )
        return _Placed(actor, pose, xy, moving)

    def _sprites(self, time_s: float) -> list[tuple[_Placed, Sprite | None]]:
        placed = [
            p
            for a in self.scenario.cast.actors_between(time_s, time_s)
            if (p := self._place(a, time_s)) is not None
        ]
        # Far to near: a larger image row is nearer to the camera and drawn on top.
        placed.sort(key=lambda p: -math.inf if p.pose is None else p.pose.ground_v_px)
        h = self.scenario.resolution_wh[1]
        out: list[tuple[_Placed, Sprite | None]] = []
        for p in placed:
            sprite: Sprite | None = None
            if p.pose is not None and MIN_DRAWN_HEIGHT_PX <= p.pose.height_px <= 4 * h:
                if p.actor.kind is ActorClass.PERSON:
                    sprite = draw_person(p.pose, p.actor.appearance, thermal=self.thermal)
                elif p.actor.kind is ActorClass.ANIMAL:
                    sprite = draw_animal(p.pose, p.actor.appearance, thermal=self.thermal)
                else:
                    sprite = draw_vehicle(
                        p.pose, p.actor.appearance, p.actor.kind, thermal=self.thermal
                    )
            out.append((p, sprite))
        return out

    def _clip(self, s: Sprite) -> tuple[slice, slice, slice, slice] | None:
        """Frame and sprite slices of the part of ``s`` inside the frame."""
        w, h = self.scenario.resolution_wh
        sh, sw = s.alpha.shape
        fx0, fy0 = max(s.x0_px, 0), max(s.y0_px, 0)
        fx1, fy1 = min(s.x0_px + sw, w), min(s.y0_px + sh, h)
        if fx0 >= fx1 or fy0 >= fy1:
            return None
        return (
            slice(fy0, fy1),
            slice(fx0, fx1),
            slice(fy0 - s.y0_px, fy1 - s.y0_px),
            slice(fx0 - s.x0_px, fx1 - s.x0_px),
        )

    def _truth(
        self, frame_index: int, time_s: float, drawn: list[tuple[_Placed, Sprite | None]]
    ) -> FrameTruth:
        w, h = self.scenario.resolution_wh
        # Cover masks accumulate nearer actors and occluders, so walk from near to far.
        self.load()
        cover = np.zeros((h, w), np.bool_)
        truths: list[ActorTruth] = []
        occluders = sorted(self._occluders, key=lambda o: -o[0])
        for placed, sprite in reversed(drawn):
            v = math.inf if placed.pose is None else placed.pose.ground_v_px
            while occluders and occluders[0][0] > v:
                self._cover_with(cover, occluders.pop(0)[1])
            box: tuple[float, float, float, float] | None = None
            occluded = 0.0
            truncated = False
            clip = None if sprite is None else self._clip(sprite)
            if sprite is not None and clip is not None:
                fy, fx, sy, sx = clip
                mine = sprite.alpha[sy, sx] > 0
                total = int(np.count_nonzero(sprite.alpha))
                inside = int(np.count_nonzero(mine))
                if inside > 0:
                    rows = np.flatnonzero(mine.any(axis=1))
                    cols = np.flatnonzero(mine.any(axis=0))
                    box = (
                        float(fx.start + cols[0]),
                        float(fy.start + rows[0]),
                        float(fx.start + cols[-1] + 1),
                        float(fy.start + rows[-1] + 1),
                    )
                    occluded = float(np.count_nonzero(mine & cover[fy, fx])) / inside
                    truncated = inside < total
                    cover[fy, fx] |= mine
            elif sprite is not None:
                truncated = True
            pose = placed.pose
            truths.append(
                ActorTruth(
                    actor_id=placed.actor.actor_id,
                    class_name=placed.actor.kind.value,
                    xyxy_px=box,
                    visible=box is not None,
                    occluded_fraction=occluded,
                    truncated=truncated,
                    anchor_px=None if pose is None else (pose.ground_u_px, pose.ground_v_px),
                    path_xy=placed.path_xy,
                    moving=placed.moving,
                )
            )
        truths.sort(key=lambda a: a.actor_id)
        return FrameTruth(frame_index=frame_index, time_s=time_s, actors=tuple(truths))

    def truth(self, frame_index: int) -> FrameTruth:
        """Ground truth of frame ``frame_index`` without compositing the picture."""
        time_s = self._check_index(frame_index)
        return self._truth(frame_index, time_s, self._sprites(time_s))

    def render(self, frame_index: int, *, actors: bool = True) -> RenderedFrame:
        """The picture (H×W×3 uint8 BGR) and ground truth of frame ``frame_index``;
        ``actors=False``: the same view at that time with nobody in it (noise, swaying
        vegetation, occluders and light as they are then), as a quiet camera sees it."""
        time_s = self._check_index(frame_index)
        self.load()
        seed = self.scenario.background.seed
        variant = (frame_index * 2654435761 + seed * 97) % len(self._variants)
        image = self._variants[variant].copy()
        for patch in self.scenario.sway:
            _sway(image, patch, time_s)
        drawn = self._sprites(time_s) if actors else []
        layers = [(p.pose.ground_v_px, s) for p, s in drawn if s is not None and p.pose]
        layers.extend(self._occluders)
        layers.sort(key=lambda layer: layer[0])  # far (small v) first
        for _v, sprite in layers:
            self._composite(image, sprite)
        gain = self.scenario.gain_at(time_s)
        contrast = self.scenario.contrast
        if gain != 1.0 or contrast != 1.0:
            levels = np.arange(256, dtype=np.float32)
            levels = HAZE_LEVEL + contrast * (levels - HAZE_LEVEL) if contrast != 1.0 else levels
            table = np.clip(np.round(levels * gain), 0, 255).astype(np.uint8)
            image = np.asarray(cv2.LUT(image, table), np.uint8)
        return RenderedFrame(image=image, truth=self._truth(frame_index, time_s, drawn))

    def _cover_with(self, cover: npt.NDArray[np.bool_], sprite: Sprite) -> None:
        clip = self._clip(sprite)
        if clip is not None:
            fy, fx, sy, sx = clip
            cover[fy, fx] |= sprite.alpha[sy, sx] > 0

    def _composite(self, image: ImageBGR, sprite: Sprite) -> None:
        clip = self._clip(sprite)
        if clip is None:
            return
        fy, fx, sy, sx = clip
        roi = image[fy, fx]
        a = sprite.alpha[sy, sx].astype(np.uint16)[..., None]
        blended = (roi.astype(np.uint16) * (255 - a) + 127) // 255 + sprite.colour[sy, sx]
        image[fy, fx] = np.minimum(blended, 255).astype(np.uint8)


def _sway(image: ImageBGR, patch: SwayPatch, time_s: float) -> None:
    """Shift a round patch of ``image`` sideways by the wind's current offset, in place."""
    shift = round(
        patch.amplitude_px * math.sin(2 * math.pi * patch.frequency_hz * time_s + patch.phase_rad)
    )
    if shift == 0:
        return
    h, w = image.shape[:2]
    r = math.ceil(patch.radius_px)
    x0, x1 = max(round(patch.u_px) - r, 0), min(round(patch.u_px) + r + 1, w)
    y0, y1 = max(round(patch.v_px) - r, 0), min(round(patch.v_px) + r + 1, h)
    if x1 - x0 <= abs(shift) or y1 <= y0:
        return
    region = image[y0:y1, x0:x1]
    moved = np.roll(region, shift, axis=1)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = (xx - patch.u_px) ** 2 + (yy - patch.v_px) ** 2 <= patch.radius_px**2
    region[inside] = moved[inside]

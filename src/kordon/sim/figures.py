"""Drawing actors into small sprites: human figures with a walking cycle, cars, boats.

A sprite is a premultiplied BGR patch plus an alpha mask, positioned in frame pixels. The
ground-truth box is read from the alpha mask, so it is exactly what was drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from kordon.sim.scenario import ActorClass, Appearance, Colour

SHIFT = 4
"""Fractional bits for OpenCV drawing: sub-pixel positions keep slow motion smooth."""
_ONE = 1 << SHIFT
GAIT_HZ = 0.9
"""Walking cycles (two steps) per second."""


@dataclass(frozen=True, slots=True)
class Pose:
    """Where and how to draw an actor: ground point in pixels, size in pixels, image heading."""

    ground_u_px: float
    ground_v_px: float
    height_px: float
    width_px: float
    heading_uv: tuple[float, float]
    gait_phase_rad: float
    walking: bool


@dataclass(frozen=True, slots=True)
class Sprite:
    """A drawn actor: ``colour`` (premultiplied BGR) and ``alpha`` patches whose top-left
    pixel lies at (``x0_px``, ``y0_px``) in the frame."""

    x0_px: int
    y0_px: int
    colour: npt.NDArray[np.uint8]
    alpha: npt.NDArray[np.uint8]


class _Canvas:
    """A local patch: draws colour and alpha together at sub-pixel coordinates."""

    def __init__(self, width_px: int, height_px: int, origin_u: float, origin_v: float) -> None:
        self.colour = np.zeros((height_px, width_px, 3), np.uint8)
        self.alpha = np.zeros((height_px, width_px), np.uint8)
        self._ou = origin_u
        self._ov = origin_v

    def pt(self, dx: float, dy_up: float) -> tuple[int, int]:
        """Fixed-point patch coordinates of a point given relative to the ground point
        (``dy_up`` is up, in pixels)."""
        return (round((self._ou + dx) * _ONE), round((self._ov - dy_up) * _ONE))

    def line(
        self, a: tuple[float, float], b: tuple[float, float], colour: Colour, thick: float
    ) -> None:
        t = max(round(thick), 1)
        cv2.line(self.colour, self.pt(*a), self.pt(*b), colour, t, cv2.LINE_AA, SHIFT)
        cv2.line(self.alpha, self.pt(*a), self.pt(*b), 255, t, cv2.LINE_AA, SHIFT)

    def ellipse(self, c: tuple[float, float], axes: tuple[float, float], colour: Colour) -> None:
        ax = (max(round(axes[0] * _ONE), _ONE // 2), max(round(axes[1] * _ONE), _ONE // 2))
        cv2.ellipse(self.colour, self.pt(*c), ax, 0, 0, 360, colour, -1, cv2.LINE_AA, SHIFT)
        cv2.ellipse(self.alpha, self.pt(*c), ax, 0, 0, 360, 255, -1, cv2.LINE_AA, SHIFT)

    def poly(self, points: list[tuple[float, float]], colour: Colour) -> None:
        pts = np.array([self.pt(*p) for p in points], np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(self.colour, [pts], colour, cv2.LINE_AA, SHIFT)
        cv2.fillPoly(self.alpha, [pts], 255, cv2.LINE_AA, SHIFT)

    def circle(self, c: tuple[float, float], r: float, colour: Colour) -> None:
        self.ellipse(c, (r, r), colour)

    def shade(self, left_gain: float, right_gain: float) -> None:
        """Light from the left: scale colours by a horizontal ramp (keeps premultiplication)."""
        ramp = np.linspace(left_gain, right_gain, self.colour.shape[1], dtype=np.float32)
        shaded = self.colour.astype(np.float32) * ramp[None, :, None]
        limit = self.alpha.astype(np.float32)[..., None]
        self.colour = np.minimum(shaded, limit).astype(np.uint8)


def _scale(c: Colour, f: float) -> Colour:
    return (min(int(c[0] * f), 255), min(int(c[1] * f), 255), min(int(c[2] * f), 255))


@dataclass(frozen=True, slots=True)
class _Palette:
    skin: Colour
    hair: Colour
    top: Colour
    bottom: Colour
    shoes: Colour


def _palette(look: Appearance, thermal: bool) -> _Palette:
    if thermal:
        # Thermal: exposed skin hottest, clothing a little cooler, shoes coolest.
        return _Palette(
            (250, 250, 250), (215, 215, 215), (205, 205, 205), (190, 190, 190), (150, 150, 150)
        )
    return _Palette(look.skin_bgr, look.hair_bgr, look.top_bgr, look.bottom_bgr, (25, 25, 30))


def _canvas_for(pose: Pose, extent_w: float, extent_h: float) -> tuple[_Canvas, int, int]:
    pad = 3
    x0 = math.floor(pose.ground_u_px - extent_w / 2) - pad
    y0 = math.floor(pose.ground_v_px - extent_h) - pad
    w = math.ceil(extent_w) + 2 * pad + 1
    h = math.ceil(extent_h) + 2 * pad + 1
    return _Canvas(w, h, pose.ground_u_px - x0, pose.ground_v_px - y0), x0, y0


def draw_person(pose: Pose, look: Appearance, *, thermal: bool = False) -> Sprite:
    """A walking human figure, feet on the ground point, ``pose.height_px`` tall.

    Side-on when the image heading is horizontal (legs and arms swing along it), frontal
    when it is vertical (legs apart, arms at the sides); the back of the head shows when
    walking away (up the image). One foot always touches the ground.
    """
    H = pose.height_px
    hu, hv = pose.heading_uv
    side = abs(hu)
    front = abs(hv)
    facing = 1.0 if hu >= 0 else -1.0
    away = hv < -0.3
    pal = _palette(look, thermal)
    canvas, x0, y0 = _canvas_for(pose, max(pose.width_px, 0.75 * H), H)
    amp = 1.0 if pose.walking else 0.0
    s = math.sin(pose.gait_phase_rad) * amp
    c = math.cos(pose.gait_phase_rad) * amp

    hip_y, knee_y, shoulder_y = 0.52 * H, 0.28 * H, 0.81 * H
    hip_half = 0.055 * H * front + 0.01 * H
    shoulder_half = (0.13 * front + 0.075 * side) * H
    waist_half = (0.095 * front + 0.065 * side) * H
    leg_t, arm_t = 0.085 * H, 0.055 * H
    stride = 0.17 * H * side
    lift = 0.045 * H

    # Legs: far leg first (darker), then near leg.
    for sign, lift_f, gain in ((-1.0, max(c, 0.0), 0.75), (1.0, max(-c, 0.0), 1.0)):
        hip = (sign * hip_half, hip_y)
        foot_x = sign * hip_half * 1.2 + sign * s * stride
        foot_y = lift * lift_f * (1.0 if side > 0.3 else 0.5)
        knee = ((hip[0] + foot_x) / 2 + facing * 0.03 * H * side * lift_f, knee_y + foot_y / 2)
        leg_colour = _scale(pal.bottom, gain)
        # Round line caps reach half a thickness past the end point: end the shin and the
        # shoe that far above the ground so the lowest drawn pixel is the ground point.
        shin_t = max(round(leg_t * 0.9), 1)
        shoe_t = max(round(leg_t * 0.6), 1)
        canvas.line(hip, knee, leg_colour, leg_t)
        canvas.line(knee, (foot_x, foot_y + shin_t / 2), leg_colour, shin_t)
        toe = foot_x + facing * 0.05 * H * side
        canvas.line((foot_x, foot_y + shoe_t / 2), (toe, foot_y + shoe_t / 2), pal.shoes, shoe_t)

    arm_swing = 0.12 * H * side
    # Far arm behind the torso.
    far_hand = (-shoulder_half * front * 1.05 - s * arm_swing, 0.46 * H)
    canvas.line(
        (-shoulder_half * 0.9, shoulder_y - 0.02 * H), far_hand, _scale(pal.top, 0.7), arm_t
    )

    # Torso: shoulders to hips, a trapezoid with rounded shoulders.
    canvas.poly(
        [
            (-shoulder_half, shoulder_y),
            (shoulder_half, shoulder_y),
            (waist_half, hip_y - 0.02 * H),
            (-waist_half, hip_y - 0.02 * H),
        ],
        pal.top,
    )
    canvas.circle((-shoulder_half * 0.8, shoulder_y - 0.01 * H), 0.035 * H, pal.top)
    canvas.circle((shoulder_half * 0.8, shoulder_y - 0.01 * H), 0.035 * H, pal.top)
    canvas.poly(
        [
            (-waist_half, hip_y),
            (waist_half, hip_y),
            (waist_half, hip_y - 0.06 * H),
            (-waist_half, hip_y - 0.06 * H),
        ],
        pal.bottom,
    )
    # Neck and head.
    canvas.line((0.0, shoulder_y), (0.0, 0.87 * H), pal.skin, 0.05 * H)
    head_c = (facing * 0.015 * H * side, 0.925 * H)
    head_r = (0.058 * H, 0.072 * H)
    canvas.ellipse(head_c, head_r, pal.hair if away else pal.skin)
    canvas.ellipse(
        (head_c[0] - facing * 0.01 * H * side, head_c[1] + 0.035 * H),
        (head_r[0], 0.04 * H),
        pal.hair,
    )
    # Near arm in front.
    near_hand = (shoulder_half * front * 1.05 + s * arm_swing, 0.46 * H)
    canvas.line((shoulder_half * 0.9, shoulder_y - 0.02 * H), near_hand, pal.top, arm_t)
    canvas.circle(near_hand, arm_t * 0.55, pal.skin)

    if not thermal:
        canvas.shade(1.15, 0.8)
    return Sprite(x0, y0, canvas.colour, canvas.alpha)


def draw_vehicle(
    pose: Pose, look: Appearance, kind: ActorClass, *, thermal: bool = False
) -> Sprite:
    """A car (side-on when moving across the image, from the front otherwise) or a boat."""
    H = pose.height_px
    side = abs(pose.heading_uv[0]) >= 0.5
    W = pose.width_px if side else min(pose.width_px, 1.2 * H)
    body = (150, 150, 150) if thermal else look.top_bgr
    glass = (90, 90, 90) if thermal else (70, 55, 45)
    tyre = (200, 200, 200) if thermal else (25, 25, 25)
    canvas, x0, y0 = _canvas_for(pose, W, H)
    half = W / 2
    if kind is ActorClass.BOAT:
        canvas.poly(
            [(-half, 0.55 * H), (half, 0.55 * H), (half * 0.75, 0.0), (-half * 0.8, 0.0)], body
        )
        canvas.poly(
            [(-half * 0.3, 0.55 * H), (half * 0.3, 0.55 * H), (half * 0.25, H), (-half * 0.2, H)],
            glass,
        )
    elif side:
        wheel_r = 0.2 * H
        canvas.poly(
            [(-half, 0.18 * H), (half, 0.18 * H), (half, 0.58 * H), (-half, 0.58 * H)], body
        )
        canvas.poly(
            [(-half * 0.55, 0.58 * H), (half * 0.6, 0.58 * H), (half * 0.35, H), (-half * 0.4, H)],
            body,
        )
        canvas.poly(
            [
                (-half * 0.45, 0.62 * H),
                (half * 0.5, 0.62 * H),
                (half * 0.3, 0.92 * H),
                (-half * 0.33, 0.92 * H),
            ],
            glass,
        )
        for wx in (-half * 0.62, half * 0.62):
            canvas.circle((wx, wheel_r), wheel_r, tyre)
    else:
        canvas.poly([(-half, 0.1 * H), (half, 0.1 * H), (half, 0.6 * H), (-half, 0.6 * H)], body)
        canvas.poly(
            [(-half * 0.8, 0.6 * H), (half * 0.8, 0.6 * H), (half * 0.65, H), (-half * 0.65, H)],
            glass,
        )
        for wx in (-half * 0.85, half * 0.85):
            canvas.poly(
                [
                    (wx - 0.1 * H, 0.0),
                    (wx + 0.1 * H, 0.0),
                    (wx + 0.1 * H, 0.15 * H),
                    (wx - 0.1 * H, 0.15 * H),
                ],
                tyre,
            )
        light = (255, 255, 255) if thermal else (200, 230, 240)
        for lx in (-half * 0.7, half * 0.7):
            canvas.circle((lx, 0.45 * H), 0.06 * H, light)
    if not thermal:
        canvas.shade(1.1, 0.85)
    return Sprite(x0, y0, canvas.colour, canvas.alpha)


def draw_animal(pose: Pose, look: Appearance, *, thermal: bool = False) -> Sprite:
    """A four-legged animal (boar, deer) side-on or head-on, trotting along its heading."""
    H = pose.height_px
    side = abs(pose.heading_uv[0]) >= 0.5
    W = pose.width_px if side else min(pose.width_px, 0.5 * H)
    facing = 1.0 if pose.heading_uv[0] >= 0 else -1.0
    body = (215, 215, 215) if thermal else _scale(look.bottom_bgr, 1.2)
    legs = (185, 185, 185) if thermal else _scale(look.bottom_bgr, 0.8)
    canvas, x0, y0 = _canvas_for(pose, W + 0.3 * H, H)
    half = W / 2
    swing = math.sin(pose.gait_phase_rad * 2.0) * (0.12 * H if pose.walking else 0.0)
    leg_t = max(0.09 * H, 1.0)
    xs = (-half * 0.7, half * 0.7) if side else (-half * 0.5, half * 0.5)
    for i, lx in enumerate(xs):
        s = swing if i == 0 else -swing
        canvas.line((lx, 0.55 * H), (lx + s * (1.0 if side else 0.0), leg_t / 2), legs, leg_t)
    canvas.ellipse((0.0, 0.65 * H), (half, 0.22 * H), body)
    head = (facing * half * 1.05, 0.78 * H) if side else (0.0, 0.8 * H)
    canvas.ellipse(head, (0.16 * H, 0.13 * H), body)
    if not thermal:
        canvas.shade(1.1, 0.85)
    return Sprite(x0, y0, canvas.colour, canvas.alpha)


def draw_occluder(
    kind: str,
    foot_uv: tuple[float, float],
    size_px: tuple[float, float],
    seed: int,
    *,
    thermal: bool = False,
) -> Sprite:
    """A static clump of reeds (thin stalks) or a tree (trunk and crown) standing at
    ``foot_uv``, ``size_px`` = (width, height)."""
    width, height = size_px
    pose = Pose(foot_uv[0], foot_uv[1], height, width, (0.0, 1.0), 0.0, walking=False)
    canvas, x0, y0 = _canvas_for(pose, width, height)
    rng = np.random.default_rng([seed, 17])
    green: Colour = (70, 70, 70) if thermal else (35, 85, 60)
    dark: Colour = (60, 60, 60) if thermal else (25, 55, 45)
    if kind == "reeds":
        stalks = max(int(width / 1.5), 3)
        for _ in range(stalks):
            dx = float(rng.uniform(-width / 2, width / 2))
            top = height * float(rng.uniform(0.6, 1.0))
            lean = float(rng.normal(0.0, width * 0.08))
            colour = green if rng.uniform() < 0.6 else dark
            canvas.line((dx, 0.0), (dx + lean, top), colour, max(width / 18.0, 1.0))
    else:
        trunk: Colour = (75, 75, 75) if thermal else (40, 55, 70)
        canvas.line((0.0, 0.0), (0.0, 0.55 * height), trunk, max(width * 0.12, 1.0))
        for _ in range(6):
            c = (float(rng.normal(0, width * 0.15)), height * float(rng.uniform(0.55, 0.8)))
            r = width * float(rng.uniform(0.2, 0.35))
            canvas.ellipse(c, (r, r * 1.1), green if rng.uniform() < 0.5 else dark)
    return Sprite(x0, y0, canvas.colour, canvas.alpha)

"""Where a camera must look for someone about to cross: person-sized boxes along the border.

Motion cannot be relied on at range: a person walking straight toward or away from a
tower camera 400 m off moves a tenth of a pixel a frame, and a running-average
background absorbs them. The camera pipeline therefore sweeps the stretch of border in
view with native-resolution crops, one box a frame in turn (``kordon.video.pipeline.
watch``); a person found there becomes a track, and a track's box is cropped on every
frame after that.

:func:`border_watch_boxes` finds the border in the picture (where the signed distance to
the line changes sign down each column of a pixel grid) and puts a standing person's box
on it every so often, each as tall as a person there would be (from the ground's lateral
scale at that point), spaced so the crops the planner makes around them overlap.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.geo.border import Border
from kordon.geo.projection import ImageToGround

FloatArray = npt.NDArray[np.float64]

PERSON_HEIGHT_M = 1.75
PERSON_ASPECT_WH = 0.4
GRID_PX = 4
"""Pixel grid step on which the border's image is found."""
SCALE_STEP_PX = 8.0
"""Horizontal pixel step over which the ground's lateral scale is measured."""


def border_watch_boxes(
    camera: ImageToGround,
    border: Border,
    *,
    crop_per_height: float,
    min_height_px: float = 4.0,
    overlap: float = 0.3,
) -> FloatArray:
    """(N, 4) x1, y1, x2, y2 boxes of a standing person on the border, left to right.

    ``crop_per_height``: the side of the crop the planner makes around a box, in box
    heights; boxes are spaced ``1 - overlap`` crop sides apart. Boxes shorter than
    ``min_height_px`` (too far to detect) are left out; none when the border is not in
    view.
    """
    width, height = camera.image_size_wh
    us = np.arange(GRID_PX / 2.0, width, GRID_PX, dtype=np.float64)
    vs = np.arange(GRID_PX / 2.0, height, GRID_PX, dtype=np.float64)
    grid_u, grid_v = np.meshgrid(us, vs)  # (rows, cols)
    uv = np.stack([grid_u.ravel(), grid_v.ravel()], axis=1)
    ground = camera.pixel_to_ground(uv)
    side = np.full(len(uv), np.nan)
    if bool(ground.valid.any()):
        xy = ground.xy_m[ground.valid]
        side[ground.valid] = np.sign(border.signed_distance_m(xy).distance_m)
    side_grid = side.reshape(grid_u.shape)
    above, below = side_grid[:-1], side_grid[1:]
    change = np.isfinite(above) & np.isfinite(below) & (above != below) & (above * below <= 0)
    rows, cols = np.nonzero(change)
    if len(rows) == 0:
        return np.zeros((0, 4), np.float64)
    foot = np.stack([us[cols], (vs[rows] + vs[rows + 1]) / 2.0], axis=1)
    heights = person_height_px(camera, foot)
    keep = np.isfinite(heights) & (heights >= min_height_px)
    foot, heights = foot[keep], heights[keep]
    order = np.lexsort((foot[:, 1], foot[:, 0]))
    boxes: list[list[float]] = []
    last: tuple[float, float, float] | None = None
    for i in order.tolist():
        u, v, h = float(foot[i, 0]), float(foot[i, 1]), float(heights[i])
        side_px = h * crop_per_height
        if last is not None:
            step = (1.0 - overlap) * min(side_px, last[2])
            if abs(u - last[0]) < step and abs(v - last[1]) < step:
                continue
        half_w = 0.5 * PERSON_ASPECT_WH * h
        boxes.append([u - half_w, v - h, u + half_w, v])
        last = (u, v, side_px)
    return np.asarray(boxes, np.float64).reshape(-1, 4)


def person_height_px(camera: ImageToGround, foot_uv: FloatArray) -> FloatArray:
    """Image height of a standing person at each foot pixel: the ground's lateral scale
    (pixels per metre across the picture) times a person's height."""
    step = np.array([SCALE_STEP_PX / 2.0, 0.0])
    left = foot_uv - step
    right = foot_uv + step
    a = camera.pixel_to_ground(left)
    b = camera.pixel_to_ground(right)
    metres = np.hypot(*(b.xy_m - a.xy_m).T)
    ok = a.valid & b.valid & (metres > 0.0)
    out = np.full(len(foot_uv), np.nan)
    out[ok] = PERSON_HEIGHT_M * SCALE_STEP_PX / metres[ok]
    return out

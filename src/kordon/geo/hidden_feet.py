"""How far a short box's feet may really be: the ground spread of legs hidden below it.

A person whose legs are hidden (reeds, tall grass, a bank) from the first frame is
tracked with a box that ends at the knees or the waist; the tracker has never seen the
whole person, so it cannot restore the height, and the box bottom is taken for the feet.
At 200 m a 15 px box of a 35 px person puts the feet 20 px up the picture: 10 m further
from the camera, over the line. Where the camera's geometry says how tall a standing
person is at the box's foot, a person box shorter than ``min_height_ratio`` of that may
end anywhere between its bottom and ``top + standing height``: the spread between the two
ground points is added to the measurement's covariance (``(d/2)²`` along the segment ``d``),
so the position stays uncertain where the picture is, and no rule is sure of a side from
a box that may be missing its feet. A crawling or crouching person is short too and gets
the same doubt: their position is uncertain by the same span until seen whole.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.geo.border_watch import person_height_px
from kordon.geo.projection import ImageToGround

FloatArray = npt.NDArray[np.float64]


def hidden_feet_cov(
    camera: ImageToGround,
    foot_uv: FloatArray,
    height_px: FloatArray,
    ground_xy_m: FloatArray,
    *,
    min_height_ratio: float,
) -> FloatArray:
    """(N, 2, 2) covariance to add to each ground point for feet possibly hidden below its
    box; zero for boxes at least ``min_height_ratio`` of a standing person there, where the
    camera cannot say, or where the lower point falls off the ground model."""
    feet = np.asarray(foot_uv, np.float64).reshape(-1, 2)
    heights = np.asarray(height_px, np.float64).reshape(-1)
    out = np.zeros((len(feet), 2, 2))
    if len(feet) == 0:
        return out
    standing = person_height_px(camera, feet)
    short = np.isfinite(standing) & np.isfinite(heights)
    short &= heights < min_height_ratio * np.where(np.isfinite(standing), standing, 0.0)
    rows = np.flatnonzero(short)
    if rows.size == 0:
        return out
    lower = feet[rows].copy()
    lower[:, 1] += standing[rows] - heights[rows]
    ground = camera.pixel_to_ground(lower)
    ok = ground.valid
    span = ground.xy_m[ok] - np.asarray(ground_xy_m, np.float64).reshape(-1, 2)[rows[ok]]
    out[rows[ok]] = np.einsum("ni,nj->nij", span, span) / 4.0
    return out

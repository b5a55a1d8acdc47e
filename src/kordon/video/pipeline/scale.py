"""``PersonScale``: how tall a standing person is at a place in the picture.

A georeferenced camera knows it (the geo stage: the ground's lateral scale times a
person's height). The planner then sizes a crop for the person who could stand where a
box's foot is, rather than for the box: a 4 px blob of swaying grass at 200 m gets the
crop a 31 px person there would get, and a 14 px walker 600 m off gets a 48 px crop (in
which NanoDet finds him), not the 96 px floor of a camera without geometry (in which it
does not).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class PersonScale(Protocol):
    """Image height, in frame pixels, of a standing person at each foot point."""

    def person_height_px(self, foot_uv: FloatArray, frame_wh: tuple[int, int]) -> FloatArray:
        """(N,) heights for (N, 2) ``foot_uv`` in frame pixels; NaN where the ground is
        not known there (above the horizon, outside the camera's model)."""
        ...

"""``WatchSweep``: boxes where the detector must look even when nothing moves.

A stage that knows where people matter (the geo stage: the border in view) offers
person-sized boxes there (:class:`WatchArea`); the pipeline hands the planner
``per_frame`` of them each frame, in turn, so the whole stretch is searched at native
resolution every few seconds however slowly someone walks. What the detector finds there
becomes a track, and a track's box is cropped on every frame after that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class WatchArea(Protocol):
    """Offers (N, 4) person-sized boxes (x1, y1, x2, y2 in frame pixels) to search."""

    def watch_boxes(self, frame_wh: tuple[int, int], *, crop_per_height: float) -> FloatArray:
        """``crop_per_height``: the planner's crop side around a box, in box heights."""
        ...


class WatchSweep:
    """Takes ``per_frame`` boxes of every area a frame, in turn; stateful only in the turn
    and in the boxes of the last frame size (areas compute them once per size)."""

    def __init__(self, areas: Sequence[WatchArea], *, per_frame: int) -> None:
        if per_frame < 0:
            raise ValueError(f"per_frame must be >= 0, got {per_frame}")
        self._areas = tuple(areas)
        self._per_frame = per_frame
        self._key: tuple[tuple[int, int], float] | None = None
        self._boxes = np.zeros((0, 4), np.float64)
        self._turn = 0

    @property
    def size(self) -> int:
        """Boxes in one full sweep (for the last frame size asked)."""
        return len(self._boxes)

    def reset(self) -> None:
        self._key = None
        self._boxes = np.zeros((0, 4), np.float64)
        self._turn = 0

    def next(self, frame_wh: tuple[int, int], *, crop_per_height: float) -> FloatArray:
        """This frame's boxes: (k, 4), k ≤ ``per_frame`` (none without areas)."""
        if self._per_frame == 0 or not self._areas:
            return np.zeros((0, 4), np.float64)
        key = (frame_wh, crop_per_height)
        if key != self._key:
            found = [a.watch_boxes(frame_wh, crop_per_height=crop_per_height) for a in self._areas]
            self._boxes = np.concatenate([np.asarray(b, np.float64).reshape(-1, 4) for b in found])
            self._key = key
            self._turn = 0
        n = len(self._boxes)
        if n == 0:
            return self._boxes
        take = [(self._turn + i) % n for i in range(min(self._per_frame, n))]
        self._turn = (self._turn + len(take)) % n
        return self._boxes[take]

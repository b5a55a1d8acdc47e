"""Keep frames at a target analytics rate, chosen from their presentation times."""

from __future__ import annotations

import math

from kordon.video.source.errors import SourceError

_SLOT_EPS = 1e-3  # tolerate pts rounding: 0.2 s · 5 fps may come out as 0.99999


class Decimator:
    """Keeps the first frame of each ``1 / target_fps`` time slot; ``None`` keeps all.

    Works from pts, not frame counts, so variable-rate streams decimate correctly: 10 fps
    to 5 fps keeps every other frame, 25 to 10 keeps frames 0, 3, 5, 8, 10…
    """

    def __init__(self, target_fps: float | None) -> None:
        if target_fps is not None and not (math.isfinite(target_fps) and target_fps > 0):
            raise SourceError(f"target_fps must be a positive number or None, got {target_fps}")
        self.target_fps = target_fps
        self._last_slot: int | None = None

    def keep(self, pts_s: float) -> bool:
        if self.target_fps is None:
            return True
        slot = math.floor(pts_s * self.target_fps + _SLOT_EPS)
        if self._last_slot is not None and slot <= self._last_slot:
            return False
        self._last_slot = slot
        return True

    def reset(self) -> None:
        self._last_slot = None


def next_slot_start_s(pts_s: float, target_fps: float) -> float:
    """The earliest pts the frame kept after one at ``pts_s`` can have: the start of the
    next ``1 / target_fps`` slot (what a camera promises the site picture)."""
    if not (math.isfinite(target_fps) and target_fps > 0):
        raise SourceError(f"target_fps must be a positive number, got {target_fps}")
    slot = math.floor(pts_s * target_fps + _SLOT_EPS)
    return (slot + 1) / target_fps

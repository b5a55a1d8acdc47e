"""``PositionScreen``: drop positions whose time runs backwards or that jump impossibly far."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kordon.sensors.mavlink.samples import DropReason, PositionSample, PositionSource

_EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass
class _Last:
    sample: PositionSample
    rejected_in_row: int = 0


class PositionScreen:
    """Screens positions per (system id, source) against the last accepted one.

    A sample is dropped when its time is earlier than the last accepted one
    (``TIME_BACKWARDS``), or when reaching it would need more than ``max_speed_mps`` over a
    distance above ``min_jump_m`` (``GPS_JUMP``: a glitch or spoof of kilometres). After
    ``resync_after`` jumps in a row the new position is believed (the earlier fix was the
    wrong one, or the vehicle was genuinely relocated), so one bad fix cannot blind the
    track for good.
    """

    def __init__(
        self, *, max_speed_mps: float = 150.0, min_jump_m: float = 500.0, resync_after: int = 10
    ) -> None:
        if max_speed_mps <= 0 or min_jump_m < 0 or resync_after < 1:
            raise ValueError("max_speed_mps > 0, min_jump_m >= 0 and resync_after >= 1")
        self._max_speed_mps = max_speed_mps
        self._min_jump_m = min_jump_m
        self._resync_after = resync_after
        self._last: dict[tuple[int, PositionSource], _Last] = {}

    def check(self, sample: PositionSample) -> tuple[DropReason, str] | None:
        """``None`` when ``sample`` is accepted (and becomes the reference), else the reason."""
        key = (sample.system_id, sample.source)
        last = self._last.get(key)
        if last is None:
            self._last[key] = _Last(sample)
            return None
        prev = last.sample
        dt_s = (sample.time - prev.time).total_seconds()
        if dt_s < 0:
            return (
                DropReason.TIME_BACKWARDS,
                f"system {sample.system_id} {sample.source.value} at {sample.time.isoformat()} "
                f"is {-dt_s:.3f} s before the previous one",
            )
        dist_m = haversine_m(prev.lat, prev.lon, sample.lat, sample.lon)
        if dist_m > self._min_jump_m and dist_m > self._max_speed_mps * dt_s:
            last.rejected_in_row += 1
            if last.rejected_in_row < self._resync_after:
                return (
                    DropReason.GPS_JUMP,
                    f"system {sample.system_id} {sample.source.value} jumped {dist_m:.0f} m in "
                    f"{dt_s:.3f} s at {sample.time.isoformat()}",
                )
        self._last[key] = _Last(sample)
        return None

"""Map a camera's packet timestamps onto a monotonic UTC wall-clock timeline.

A segment's times come from the injected clock at an anchor plus the packets' decode-time
deltas since that anchor. Timestamps that go backwards, stand still or jump forward by more
than ``max_jump_s`` (camera clock reset, stream restart) re-anchor the timeline: the caller
cuts its segment and records a discontinuity. Re-anchored times never precede the previous
packet, so segments can neither overlap nor leave footage out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kordon.record.types import GapReason

DEFAULT_FRAME_S = 0.04


@dataclass(frozen=True, slots=True)
class Placement:
    """A packet's wall time; ``discontinuity`` says why the timeline was re-anchored."""

    wall: datetime
    discontinuity: GapReason | None


class Timeline:
    def __init__(self, *, max_jump_s: float = 5.0, max_lag_s: float | None = None) -> None:
        self.max_jump_s = max_jump_s
        self.max_lag_s = max_lag_s
        self._anchor_wall: datetime | None = None
        self._anchor_ts_s = 0.0
        self._last_ts_s = 0.0
        self._last_wall: datetime | None = None
        self._frame_s = DEFAULT_FRAME_S

    @property
    def last_wall(self) -> datetime | None:
        return self._last_wall

    @property
    def frame_s(self) -> float:
        """The latest positive timestamp step (a frame interval estimate)."""
        return self._frame_s

    def reset(self, floor: datetime | None = None) -> None:
        """Forget the anchor (a new connection); the next packet re-anchors at ``now``.

        ``floor`` (the end of the last stored segment) is the earliest time it may take.
        """
        self._anchor_wall = None
        if floor is not None and (self._last_wall is None or floor > self._last_wall):
            self._last_wall = floor
            self._frame_s = 0.0

    def place(self, ts_s: float, now: datetime) -> Placement:
        """The wall time of a packet with timestamp ``ts_s`` (seconds) arriving at ``now``."""
        if self._anchor_wall is None:
            return self._reanchor(ts_s, now, None)
        delta = ts_s - self._last_ts_s
        if delta <= 0.0:
            return self._reanchor(ts_s, now, GapReason.TIMESTAMP_BACKWARDS)
        if delta > self.max_jump_s:
            return self._reanchor(ts_s, now, GapReason.TIMESTAMP_JUMP)
        wall = self._anchor_wall + timedelta(seconds=ts_s - self._anchor_ts_s)
        if self.max_lag_s is not None and (now - wall).total_seconds() > self.max_lag_s:
            return self._reanchor(ts_s, now, GapReason.CLOCK_DRIFT)
        self._frame_s = min(delta, 1.0)
        self._last_ts_s = ts_s
        self._last_wall = wall
        return Placement(wall, None)

    def _reanchor(self, ts_s: float, now: datetime, reason: GapReason | None) -> Placement:
        wall = now
        if self._last_wall is not None:
            earliest = self._last_wall + timedelta(seconds=self._frame_s)
            wall = max(wall, earliest)
        self._frame_s = self._frame_s or DEFAULT_FRAME_S
        self._anchor_wall = wall
        self._anchor_ts_s = ts_s
        self._last_ts_s = ts_s
        self._last_wall = wall
        return Placement(wall, reason)

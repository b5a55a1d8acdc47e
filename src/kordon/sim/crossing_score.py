"""Score border-crossing events against the simulator's exact crossings.

A true crossing is *seen* when an event of the same direction whose ``time`` (the moment
the rule puts the crossing at) lies within ``tolerance_s`` of it; each event matches at
most one crossing and each crossing at most one event (greedy in time order, nearest
first). Every event left over is a false alarm. The delay of a seen crossing runs from the
true crossing to ``detected_at``, the frame on which the rule fired.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from kordon.domain.event import Direction, Event
from kordon.sim.errors import SimulationError
from kordon.sim.ground_truth import Crossing


def border_direction(crossing: Crossing, *, home_is_left: bool) -> Direction:
    """``INBOUND`` when ``crossing`` (of a line digitised like the border) enters home."""
    to_left = crossing.from_side < 0
    return Direction.INBOUND if to_left == home_is_left else Direction.OUTBOUND


@dataclass(frozen=True, slots=True)
class CrossingScore:
    """How many true crossings were seen, how late, and what else was reported."""

    crossings: int
    seen: int
    events: int
    false_alarms: int
    delays_s: tuple[float, ...] = field(default=())
    missed_times_s: tuple[float, ...] = field(default=())

    @property
    def recall(self) -> float:
        return self.seen / self.crossings if self.crossings else math.nan

    @property
    def precision(self) -> float:
        return (self.events - self.false_alarms) / self.events if self.events else math.nan

    def delay_percentile_s(self, q: float) -> float:
        return float(np.percentile(self.delays_s, q)) if self.delays_s else math.nan

    def __add__(self, other: CrossingScore) -> CrossingScore:
        return CrossingScore(
            self.crossings + other.crossings,
            self.seen + other.seen,
            self.events + other.events,
            self.false_alarms + other.false_alarms,
            self.delays_s + other.delays_s,
            self.missed_times_s + other.missed_times_s,
        )


def _detected_s(event: Event, t0: datetime) -> float:
    raw = event.attributes.get("detected_at")
    at = datetime.fromisoformat(raw) if isinstance(raw, str) else event.time
    return (at - t0).total_seconds()


def score_crossings(
    truth: Sequence[Crossing],
    events: Sequence[Event],
    *,
    t0: datetime,
    home_is_left: bool,
    tolerance_s: float = 2.0,
) -> CrossingScore:
    """Match ``events`` (border crossings; times relative to ``t0``) to ``truth``."""
    if not (math.isfinite(tolerance_s) and tolerance_s >= 0):
        raise SimulationError(f"tolerance_s must be >= 0, got {tolerance_s}")
    times = [(e.time - t0).total_seconds() for e in events]
    used = [False] * len(events)
    delays: list[float] = []
    missed: list[float] = []
    for c in sorted(truth, key=lambda x: x.time_s):
        want = border_direction(c, home_is_left=home_is_left)
        best: int | None = None
        for i, e in enumerate(events):
            gap = abs(times[i] - c.time_s)
            if used[i] or e.direction is not want or gap > tolerance_s:
                continue
            if best is None or gap < abs(times[best] - c.time_s):
                best = i
        if best is None:
            missed.append(c.time_s)
            continue
        used[best] = True
        delays.append(_detected_s(events[best], t0) - c.time_s)
    return CrossingScore(
        crossings=len(truth),
        seen=len(delays),
        events=len(events),
        false_alarms=used.count(False),
        delays_s=tuple(delays),
        missed_times_s=tuple(missed),
    )

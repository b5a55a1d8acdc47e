"""``ApproachRule``: a track near a line and heading towards it (e.g. the border).

The rule keeps, per track, its signed distance to the line over the last ``window_s``
seconds. The speed towards the line is ``-(d_now - d_oldest) / dt · sign(d_now)``:
the velocity component along the line's normal for a straight line (for a polyline,
the rate at which the distance to it shrinks). A track fires when it is within
``distance`` of the line, that speed exceeds ``min_speed`` (plane units per second),
its side is wanted, and its last approach event is at least ``cooldown_s`` old.
Sides are as displayed (see :mod:`kordon.rules.line_geometry`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from kordon.domain.event import Event, EventKind, Frame
from kordon.domain.tracks import PlanarTracks
from kordon.rules.base import (
    check_unique_ids,
    require_non_negative,
    require_positive,
)
from kordon.rules.errors import RuleConfigError
from kordon.rules.filters import track_gate
from kordon.rules.line_crossing import make_line
from kordon.rules.line_geometry import LineGeometry, display_left_sign
from kordon.rules.track_rule import TrackRule

_SIDES = {"left": 1, "right": -1}


@dataclass(slots=True)
class _History:
    samples: deque[tuple[datetime, float]] = field(default_factory=deque)
    last_event: datetime | None = None


class ApproachRule(TrackRule):
    """One ``kind`` event (default ``border_approach``) per track per cooldown."""

    def __init__(
        self,
        rule_id: str,
        source_id: str,
        frame: Frame,
        line: npt.ArrayLike | LineGeometry,
        *,
        distance: float,
        min_speed: float = 0.0,
        infinite: bool = False,
        sides: Iterable[str] | None = None,
        window_s: float = 2.0,
        cooldown_s: float = 60.0,
        classes: Iterable[str] | None = None,
        min_quality: float = 0.0,
        forget_after_s: float = 10.0,
        kind: EventKind = EventKind.BORDER_APPROACH,
    ) -> None:
        super().__init__(
            rule_id,
            source_id,
            frame,
            classes=classes,
            min_quality=min_quality,
            forget_after_s=forget_after_s,
        )
        self.line = make_line(line, infinite=infinite)
        self.distance = require_positive(distance, name="distance")
        self.min_speed = require_non_negative(min_speed, name="min_speed")
        if sides is None:
            self.sides = frozenset(_SIDES.values())
        else:
            names = [sides] if isinstance(sides, str) else list(sides)
            unknown = [s for s in names if s not in _SIDES]
            if unknown or not names:
                raise RuleConfigError(
                    f"sides: expected a non-empty subset of left, right; got {names!r}"
                )
            self.sides = frozenset(_SIDES[s] for s in names)
        self.window = timedelta(seconds=require_positive(window_s, name="window_s"))
        self.cooldown = timedelta(seconds=require_non_negative(cooldown_s, name="cooldown_s"))
        self.kind = kind
        self._left = display_left_sign(frame)
        self._tracks: dict[int, _History] = {}

    def trigger(self, tracks: PlanarTracks, time: datetime) -> list[Event]:
        time = self._clock.advance(time)
        check_unique_ids(tracks.track_id, rule_id=self._rule_id)
        gate = track_gate(tracks, self.class_filter, self.min_quality, rule_id=self._rule_id)
        rows = np.flatnonzero(gate)
        events: list[Event] = []
        if rows.size:
            xy = np.ascontiguousarray(tracks.xy[rows], dtype=np.float64)
            dist = self._left * np.asarray(self.line.signed_distance(xy), np.float64)
            for k, row in enumerate(rows.tolist()):
                event = self._update(float(dist[k]), time, tracks, row)
                if event is not None:
                    events.append(event)
        stale = [
            tid
            for tid, h in self._tracks.items()
            if not h.samples or time - h.samples[-1][0] > self.forget_after
        ]
        for tid in stale:
            del self._tracks[tid]
        return events

    def _update(self, d: float, time: datetime, tracks: PlanarTracks, row: int) -> Event | None:
        track_id = int(tracks.track_id[row])
        history = self._tracks.setdefault(track_id, _History())
        samples = history.samples
        samples.append((time, d))
        while len(samples) > 2 and time - samples[1][0] >= self.window:
            samples.popleft()
        t0, d0 = samples[0]
        dt = (time - t0).total_seconds()
        if dt <= 0.0 or abs(d) > self.distance:
            return None
        side = 1 if d > 0 else -1
        if side not in self.sides:
            return None
        speed = -(d - d0) / dt * side
        if speed <= self.min_speed:
            return None
        if history.last_event is not None and time - history.last_event < self.cooldown:
            return None
        history.last_event = time
        x, y = float(tracks.xy[row, 0]), float(tracks.xy[row, 1])
        where = self.line.locate(np.array([[x, y]]))
        return Event(
            kind=self.kind,
            time=time,
            source_id=self.source_id,
            rule_id=self._rule_id,
            track_id=str(track_id),
            class_name=tracks.class_name[row],
            confidence=float(tracks.quality[row]),
            frame=self.frame,
            x=x,
            y=y,
            attributes={
                "distance_to_line": abs(d),
                "speed_towards_line": speed,
                "side": "left" if side > 0 else "right",
                "segment_index": int(where.segment_index[0]),
                "distance_along": float(where.distance_along[0]),
            },
        )

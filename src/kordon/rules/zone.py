"""``ZoneRule``: enter, exit and dwell events for a polygon, with a hysteresis margin.

Per track, ``d`` is the distance to the polygon's boundary, positive inside. A sample
is **clear inside** when ``d >= margin`` (and ``d > 0``), **clear outside** when
``d <= -margin`` (and ``d < 0``), otherwise in the band (no information).

* The first clear sample of a track commits it inside or outside. A track first seen
  inside starts a visit without an ``enter`` event unless ``enter_on_appear`` is set.
* Outside (committed) → clear inside: ``zone_enter``, a visit starts at that time.
* Inside → clear outside: ``zone_exit`` (``attributes["visit_s"]``), the visit ends.
* During a visit, at the first update with ``time - visit start >= dwell_s``: one
  ``zone_dwell`` per visit (``attributes["visit_s"]``).

A track that disappears is forgotten after ``forget_after_s`` without an exit event.
Unconfirmed, low-quality or other-class tracks are ignored entirely. Events carry the
sample's position (not interpolated) and the update time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
from kordon.rules.geometry import signed_distance_to_polygon, validate_polygon
from kordon.rules.track_rule import TrackRule

_EVENT_NAMES = {
    "enter": EventKind.ZONE_ENTER,
    "exit": EventKind.ZONE_EXIT,
    "dwell": EventKind.ZONE_DWELL,
}


def parse_zone_events(events: Iterable[str | EventKind]) -> frozenset[EventKind]:
    """Zone event kinds from ``enter``/``exit``/``dwell`` or the ``zone_*`` kinds."""
    if isinstance(events, str):
        events = [events]
    kinds: set[EventKind] = set()
    for name in events:
        if isinstance(name, EventKind) and name in _EVENT_NAMES.values():
            kinds.add(name)
        elif isinstance(name, str) and name in _EVENT_NAMES:
            kinds.add(_EVENT_NAMES[name])
        else:
            raise RuleConfigError(
                f"events: unknown zone event {name!r}; expected enter, exit or dwell"
            )
    if not kinds:
        raise RuleConfigError("events: must name at least one of enter, exit, dwell")
    return frozenset(kinds)


@dataclass(slots=True)
class _Visit:
    committed: int  # +1 inside, -1 outside, 0 unknown
    time: datetime
    visit_start: datetime | None = None
    dwelled: bool = False


class ZoneRule(TrackRule):
    """Enter/exit/dwell events of tracks in a polygon (pixels or metres)."""

    def __init__(
        self,
        rule_id: str,
        source_id: str,
        frame: Frame,
        polygon: npt.ArrayLike,
        *,
        events: Iterable[str | EventKind] = ("enter", "exit"),
        dwell_s: float | None = None,
        classes: Iterable[str] | None = None,
        hysteresis_distance: float = 0.0,
        min_quality: float = 0.0,
        enter_on_appear: bool = False,
        forget_after_s: float = 10.0,
    ) -> None:
        super().__init__(
            rule_id,
            source_id,
            frame,
            classes=classes,
            min_quality=min_quality,
            forget_after_s=forget_after_s,
        )
        self.polygon = validate_polygon(polygon)
        self.events = parse_zone_events(events)
        self.dwell: timedelta | None = None
        if EventKind.ZONE_DWELL in self.events:
            if dwell_s is None:
                raise RuleConfigError("dwell_s is required when events include dwell")
            self.dwell = timedelta(seconds=require_positive(dwell_s, name="dwell_s"))
        elif dwell_s is not None:
            raise RuleConfigError("dwell_s is given but events do not include dwell")
        self.margin = require_non_negative(hysteresis_distance, name="hysteresis_distance")
        self.enter_on_appear = bool(enter_on_appear)
        self._tracks: dict[int, _Visit] = {}

    def trigger(self, tracks: PlanarTracks, time: datetime) -> list[Event]:
        time = self._clock.advance(time)
        check_unique_ids(tracks.track_id, rule_id=self._rule_id)
        gate = track_gate(tracks, self.class_filter, self.min_quality, rule_id=self._rule_id)
        rows = np.flatnonzero(gate)
        events: list[Event] = []
        if rows.size:
            xy = np.ascontiguousarray(tracks.xy[rows], dtype=np.float64)
            dist = signed_distance_to_polygon(xy, self.polygon)
            for k, row in enumerate(rows.tolist()):
                events.extend(self._update(float(dist[k]), time, tracks, row))
        stale = [tid for tid, v in self._tracks.items() if time - v.time > self.forget_after]
        for tid in stale:
            del self._tracks[tid]
        return events

    def _update(self, d: float, time: datetime, tracks: PlanarTracks, row: int) -> list[Event]:
        track_id = int(tracks.track_id[row])
        side = 1 if d >= self.margin and d > 0 else (-1 if d <= -self.margin and d < 0 else 0)
        visit = self._tracks.get(track_id)
        if visit is None:
            visit = self._tracks[track_id] = _Visit(committed=0, time=time)
        visit.time = time
        out: list[Event] = []
        if side == 1 and visit.committed != 1:
            if visit.committed == -1 or self.enter_on_appear:
                out.append(self._event(EventKind.ZONE_ENTER, time, tracks, row, None))
            visit.committed, visit.visit_start, visit.dwelled = 1, time, False
        elif side == -1 and visit.committed != -1:
            if visit.committed == 1:
                out.append(self._event(EventKind.ZONE_EXIT, time, tracks, row, visit.visit_start))
            visit.committed, visit.visit_start = -1, None
        if (
            self.dwell is not None
            and visit.committed == 1
            and visit.visit_start is not None
            and not visit.dwelled
            and time - visit.visit_start >= self.dwell
        ):
            visit.dwelled = True
            out.append(self._event(EventKind.ZONE_DWELL, time, tracks, row, visit.visit_start))
        return [e for e in out if e.kind in self.events]

    def _event(
        self,
        kind: EventKind,
        time: datetime,
        tracks: PlanarTracks,
        row: int,
        visit_start: datetime | None,
    ) -> Event:
        attributes: dict[str, str | float | int | bool] = {}
        if visit_start is not None:
            attributes["visit_s"] = (time - visit_start).total_seconds()
        return Event(
            kind=kind,
            time=time,
            source_id=self.source_id,
            rule_id=self._rule_id,
            track_id=str(int(tracks.track_id[row])),
            class_name=tracks.class_name[row],
            confidence=float(tracks.quality[row]),
            frame=self.frame,
            x=float(tracks.xy[row, 0]),
            y=float(tracks.xy[row, 1]),
            attributes=attributes,
        )

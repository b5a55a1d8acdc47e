"""``LineCrossingRule``: a track crossing a line or polyline, with direction and hysteresis.

Per track, a small state machine over the signed distance ``d`` of its position to the
line (``d > 0`` = left as displayed, see :mod:`kordon.rules.line_geometry`):

* a sample is **clear left** when ``d >= margin`` (and ``d > 0``), **clear right** when
  ``d <= -margin`` (and ``d < 0``), otherwise it is **in the band**; with ``confidence``
  set and the tracks' ``position_cov`` given, a sample's margin is
  ``max(hysteresis_distance, z * sigma_n)``: ``sigma_n`` is the position's standard
  deviation across the line (along the signed distance's gradient) and ``z`` the normal
  quantile of ``confidence``, so a sample is clear only when the probability that the
  track really is on that side is at least ``confidence`` (a far, uncertain position must
  be further past the line than a near, precise one);
* the **committed side** starts unknown; the first clear sample commits the track to
  its side without an event (a track that appears on one side never fires);
* a clear sample on the committed side resets the pending counter;
* a clear sample on the other side increments it; band samples neither increment nor
  reset it (they are "no information"); when it reaches ``hysteresis_frames`` the
  track commits to the new side and the crossing is **confirmed**;
* a confirmed crossing becomes an event only when the path walked since the last
  clear sample on the old side crossed the line *itself* with net count one in the
  crossing's direction (so walking around the end of a segment gives nothing), the
  direction is wanted, the track is past its cooldown for that direction, and the
  track passed the gate (confirmed, quality, class) at the confirming update.

Tracks failing the gate (unconfirmed, below ``min_quality``, other class) are ignored
entirely: their samples do not move the state machine. Direction ``left_to_right``
(default ``in``) names a crossing from the left side to the right side: in an image,
walking from the line's first point to its last, "left" is on your left as the image
is displayed (y down); in the local frame, as a north-up map is displayed.

The event's time and position are interpolated linearly along the step that crossed
the line (the last crossing in the event's direction); ``attributes`` carry
``segment_index`` and ``distance_along`` (from the line's first point, in plane units).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.domain.tracks import PlanarTracks
from kordon.rules.base import (
    check_unique_ids,
    require_non_negative,
)
from kordon.rules.directions import DirectionNames
from kordon.rules.errors import RuleConfigError
from kordon.rules.filters import track_gate
from kordon.rules.line_geometry import (
    LineGeometry,
    LineHit,
    PolylineGeometry,
    display_left_sign,
)
from kordon.rules.track_rule import TrackRule

logger = logging.getLogger(__name__)

# Relative slack in the "can this step touch the line" test (distances are 1-Lipschitz).
_REACH_SLACK = 1e-9
# Step (plane units, relative to the distance) of the finite differences giving the normal.
_NORMAL_STEP = 1e-4


@dataclass(frozen=True, slots=True)
class _TimedHit:
    hit: LineHit
    time: datetime


@dataclass(frozen=True, slots=True)
class _Sample:
    x: float
    y: float
    d: float  # signed distance, + = left as displayed
    time: datetime


@dataclass(slots=True)
class _TrackSide:
    """State of one track relative to the line."""

    committed: int  # +1 left, -1 right, 0 unknown
    x: float
    y: float
    d: float
    time: datetime
    pending: int = 0
    net: int = 0  # left→right crossings minus right→left ones since the last reset
    last_lr: _TimedHit | None = None
    last_rl: _TimedHit | None = None
    last_event: dict[Direction, datetime] = field(default_factory=dict)

    def reset(self) -> None:
        self.pending = 0
        self.net = 0
        self.last_lr = None
        self.last_rl = None


def _side(d: float, margin: float) -> int:
    if d >= margin and d > 0.0:
        return 1
    if d <= -margin and d < 0.0:
        return -1
    return 0


def make_line(
    line: npt.ArrayLike | LineGeometry, *, infinite: bool
) -> LineGeometry | PolylineGeometry:
    """A :class:`LineGeometry` from points (validated) or an injected geometry as is."""
    if isinstance(line, LineGeometry):
        if infinite:
            raise RuleConfigError("infinite=True applies to a point list, not to a LineGeometry")
        return line
    return PolylineGeometry(line, infinite=infinite)


class LineCrossingRule(TrackRule):
    """Emits one ``kind`` event (default ``line_crossing``) per confirmed crossing.

    See the module docstring for the exact semantics. ``line`` is a polyline of ≥ 2
    points (a 2-point segment, or with ``infinite=True`` the infinite line through
    them) or an injected :class:`LineGeometry`.
    """

    def __init__(
        self,
        rule_id: str,
        source_id: str,
        frame: Frame,
        line: npt.ArrayLike | LineGeometry,
        *,
        infinite: bool = False,
        directions: Iterable[Direction | str] | None = None,
        left_to_right: Direction | str = Direction.IN,
        classes: Iterable[str] | None = None,
        hysteresis_distance: float = 0.0,
        hysteresis_frames: int = 1,
        confidence: float | None = None,
        cooldown_s: float = 0.0,
        min_quality: float = 0.0,
        forget_after_s: float = 10.0,
        kind: EventKind = EventKind.LINE_CROSSING,
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
        self.directions = DirectionNames(left_to_right, directions)
        self.margin = require_non_negative(hysteresis_distance, name="hysteresis_distance")
        if (
            not isinstance(hysteresis_frames, int)
            or isinstance(hysteresis_frames, bool)
            or hysteresis_frames < 1
        ):
            raise RuleConfigError(
                f"hysteresis_frames must be an integer >= 1, got {hysteresis_frames!r}"
            )
        self.frames = hysteresis_frames
        self.confidence = confidence
        self._z = 0.0
        if confidence is not None:
            if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1.0:
                raise RuleConfigError(
                    f"confidence must be a probability in [0.5, 1), got {confidence!r}"
                )
            self._z = NormalDist().inv_cdf(float(confidence))
        self.cooldown = timedelta(seconds=require_non_negative(cooldown_s, name="cooldown_s"))
        self.kind = kind
        self._left = display_left_sign(frame)
        self._tracks: dict[int, _TrackSide] = {}

    @property
    def tracked(self) -> int:
        """How many tracks the rule currently remembers."""
        return len(self._tracks)

    def trigger(self, tracks: PlanarTracks, time: datetime) -> list[Event]:
        time = self._clock.advance(time)
        check_unique_ids(tracks.track_id, rule_id=self._rule_id)
        gate = track_gate(tracks, self.class_filter, self.min_quality, rule_id=self._rule_id)
        rows = np.flatnonzero(gate)
        events: list[Event] = []
        if rows.size:
            xy = np.ascontiguousarray(tracks.xy[rows], dtype=np.float64)
            raw = np.asarray(self.line.signed_distance(xy), np.float64)
            dist = self._left * raw
            margins = self._margins(xy, raw, tracks, rows).tolist()
            ids = tracks.track_id[rows].tolist()
            for k, row in enumerate(rows.tolist()):
                sample = _Sample(float(xy[k, 0]), float(xy[k, 1]), float(dist[k]), time)
                event = self._update(ids[k], sample, margins[k], tracks, row)
                if event is not None:
                    events.append(event)
        self._forget(time)
        return events

    def _margins(
        self,
        xy: npt.NDArray[np.float64],
        dist: npt.NDArray[np.float64],
        tracks: PlanarTracks,
        rows: npt.NDArray[np.intp],
    ) -> npt.NDArray[np.float64]:
        """Per-sample clear distance: the fixed margin, or ``z`` sigmas across the line."""
        margins = np.full(len(rows), self.margin)
        if self.confidence is None or tracks.position_cov is None:
            return margins
        cov = tracks.position_cov[rows]
        step = _NORMAL_STEP * np.maximum(1.0, np.abs(dist))[:, None]
        grad = (
            np.stack(
                [
                    np.asarray(self.line.signed_distance(xy + step * unit), np.float64) - dist
                    for unit in (np.array([1.0, 0.0]), np.array([0.0, 1.0]))
                ],
                axis=1,
            )
            / step
        )
        norm = np.linalg.norm(grad, axis=1, keepdims=True)
        normal = np.divide(grad, norm, out=np.zeros_like(grad), where=norm > 0.0)
        var_n = np.einsum("ni,nij,nj->n", normal, cov, normal)
        sigma_n = np.sqrt(np.clip(np.nan_to_num(var_n, nan=np.inf), 0.0, None))
        return np.asarray(np.maximum(margins, self._z * sigma_n), np.float64)

    def _update(
        self, track_id: int, sample: _Sample, margin: float, tracks: PlanarTracks, row: int
    ) -> Event | None:
        x, y, d, time = sample.x, sample.y, sample.d, sample.time
        state = self._tracks.get(track_id)
        side = _side(d, margin)
        if state is None:
            self._tracks[track_id] = _TrackSide(committed=side, x=x, y=y, d=d, time=time)
            return None
        self._accumulate(state, x, y, d, time)
        state.x, state.y, state.d, state.time = x, y, d, time
        event: Event | None = None
        if side == 0:
            pass
        elif state.committed in (0, side):
            state.committed = side
            state.reset()
        else:
            state.pending += 1
            if state.pending >= self.frames:
                event = self._confirm(state, track_id, tracks, row)
                state.committed = side
                state.reset()
        return event

    def _accumulate(self, state: _TrackSide, x: float, y: float, d: float, time: datetime) -> None:
        """Add the line crossings of the step from the previous sample to this one."""
        if state.committed == 0:
            return
        step = float(np.hypot(x - state.x, y - state.y))
        reach = abs(state.d) + abs(d)
        if reach > step * (1.0 + _REACH_SLACK) + _REACH_SLACK and (state.d > 0) == (d > 0):
            return
        start = np.array([state.x, state.y])
        hits = self.line.crossings(start, np.array([x, y]))
        span = time - state.time
        for hit in hits:
            left_to_right = hit.ccw_to_cw if self._left > 0 else not hit.ccw_to_cw
            timed = _TimedHit(hit, state.time + span * hit.path_t)
            if left_to_right:
                state.net += 1
                state.last_lr = timed
            else:
                state.net -= 1
                state.last_rl = timed

    def _confirm(
        self, state: _TrackSide, track_id: int, tracks: PlanarTracks, row: int
    ) -> Event | None:
        left_to_right = state.committed > 0
        expected = 1 if left_to_right else -1
        timed = state.last_lr if left_to_right else state.last_rl
        if state.net != expected or timed is None:
            logger.debug("rule %s: track %s changed side around the line", self._rule_id, track_id)
            return None
        direction = self.directions.name(left_to_right=left_to_right)
        if direction not in self.directions.allowed:
            return None
        previous = state.last_event.get(direction)
        if previous is not None and timed.time - previous < self.cooldown:
            logger.debug("rule %s: track %s crossing within cooldown", self._rule_id, track_id)
            return None
        state.last_event[direction] = timed.time
        hit = timed.hit
        return Event(
            kind=self.kind,
            time=timed.time,
            source_id=self.source_id,
            rule_id=self._rule_id,
            track_id=str(track_id),
            class_name=tracks.class_name[row],
            confidence=float(tracks.quality[row]),
            direction=direction,
            frame=self.frame,
            x=hit.x,
            y=hit.y,
            attributes={
                "segment_index": hit.segment_index,
                "distance_along": hit.distance_along,
            },
        )

    def _forget(self, time: datetime) -> None:
        stale = [tid for tid, s in self._tracks.items() if time - s.time > self.forget_after]
        for tid in stale:
            del self._tracks[tid]

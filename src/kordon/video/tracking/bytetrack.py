"""``ByteTracker``: ByteTrack-style two-stage association of detections into image tracks.

Per update (``time_s`` drives everything; the tracker never reads a clock):

1. every track is predicted to ``time_s`` with a constant-velocity Kalman filter;
2. confirmed tracks (seen now or lost a while) take high-score detections (Hungarian on
   ``1 - IoU`` plus a class-switch penalty); a lost track only takes its own class;
3. confirmed tracks still unmatched take low-score detections when they were seen last
   update and are moving, or (lost a few updates or not) had a high-score match in the
   last ``low_score_hold_s``: a distant person walking toward the camera barely moves in
   the image and scores around the high threshold. The gate keeps static clutter (signs,
   cones) at low scores from holding a track alive for longer than that;
4. **recovery**: lost confirmed tracks still unmatched take leftover high-score detections
   of their class whose centre lies near the track's predicted centre, within a gate that
   widens the longer the track is unseen (people reappearing from behind a post or a
   group, where the predicted box no longer overlaps them); a track lost at the frame's
   edge, or predicted to reach it, is not recovered this way (it most likely left);
5. tentative tracks take leftover high-score detections; they are confirmed after
   ``confirm_hits`` hits and deleted after ``tentative_max_misses`` misses;
6. leftover detections scoring ``new_track_score`` or more start tentative tracks;
7. confirmed tracks unmatched for more than ``max_lost_s`` are removed, or for more than
   ``max_lost_moving_s`` when they were moving when lost away from the frame's edge; with
   ``frame_wh`` given, a lost track predicted out of the frame is removed at once.

A track matched again after missed updates is re-filtered along the straight path from
its last observation to the new one (observation-centric re-update, OC-SORT's idea), so
its velocity reflects where the target went, not the blind prediction. A confirmed
track's matched box that is much shorter than predicted with its top in place is taken
as occluded at the bottom, and one much taller with one edge in place as merged with a
person overlapping it (:mod:`kordon.video.tracking.occlusion`): the track keeps its
height and its foot point. A detection whose top and bottom edges both jumped away from
the prediction (``edge_gate_h``) is never associated: it is someone else.

Track ids count up from 1 and are never reused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections
from kordon.domain.errors import KordonError
from kordon.domain.tracks import ImageTracks
from kordon.video.tracking.assignment import (
    assign,
    association_cost,
    edge_jump_gate,
    recovery_cost,
)
from kordon.video.tracking.config import ByteTrackConfig
from kordon.video.tracking.kalman import BoxMotionModel, cxcywh_to_xyxy, xyxy_to_cxcywh
from kordon.video.tracking.occlusion import (
    height_jumped,
    restore_height,
    restore_height_from_bottom,
    someone_below,
)
from kordon.video.tracking.standing import (
    MERGE_HOLD_S,
    STANDING_DECAY_PER_S,
    grown_since,
    merge_over,
    next_standing,
    standing_now,
)

__all__ = [
    "EDGE_MARGIN_W",
    "MAX_REUPDATE_STEPS",
    "MERGE_HOLD_S",
    "OCCLUSION_TOP_TOLERANCE_H",
    "STANDING_DECAY_PER_S",
    "ByteTracker",
    "TrackerError",
]

OCCLUSION_TOP_TOLERANCE_H = 0.15
"""How far (box heights) a shrunken or grown box's top (or bottom) may be from the
predicted one and still be taken as the same person, occluded or merged with another."""

EDGE_MARGIN_W = 0.25
"""A box within this many box widths of the frame's edge is *at the edge*: lost there, the
target most likely left the view, so it gets no long lost buffer."""

MAX_REUPDATE_STEPS = 20
"""Virtual updates at most when re-filtering a track over a gap (longer gaps are resampled)."""


class TrackerError(KordonError):
    """The tracker was given input it cannot use (time going backwards, non-finite boxes)."""


@dataclass(slots=True)
class _Observation:
    """A track's last real observation and its filter state right after it."""

    box_cxcywh: npt.NDArray[np.float64]
    mean: npt.NDArray[np.float64]
    cov: npt.NDArray[np.float64]
    time_s: float


@dataclass(slots=True)
class _Track:
    track_id: int
    mean: npt.NDArray[np.float64]
    cov: npt.NDArray[np.float64]
    class_votes: dict[int, float]
    confidence: float
    last: _Observation
    hits: int = 1
    last_high_s: float = -math.inf
    misses: int = 0
    confirmed: bool = False
    matched_now: bool = True
    matched_before: bool = True
    moving_when_lost: bool = False
    at_edge: bool = False
    gap_steps_s: list[float] = field(default_factory=list)
    grown_since_s: float | None = None
    """When the matched boxes began to be taller than the track (``None``: they are not)."""
    standing_h: float | None = None
    """The height of the person seen whole, px (:mod:`kordon.video.tracking.standing`)."""
    standing_s: float = 0.0
    """When ``standing_h`` was last set."""

    @property
    def class_id(self) -> int:
        return max(self.class_votes.items(), key=lambda kv: (kv[1], -kv[0]))[0]

    def speed_hps(self) -> float:
        return math.hypot(self.mean[4], self.mean[5]) / max(float(self.mean[3]), 1.0)


@dataclass(slots=True)
class _Tracks:
    items: list[_Track] = field(default_factory=list)

    def boxes_xyxy(self, idx: list[int]) -> npt.NDArray[np.float64]:
        if not idx:
            return np.zeros((0, 4))
        return cxcywh_to_xyxy(np.stack([self.items[i].mean[:4] for i in idx]))

    def classes(self, idx: list[int]) -> npt.NDArray[np.int64]:
        return np.asarray([self.items[i].class_id for i in idx], np.int64)


class ByteTracker:
    """Associates per-frame detections into tracks with stable ids (one camera)."""

    def __init__(self, config: ByteTrackConfig | None = None) -> None:
        self._config = config or ByteTrackConfig()
        self._motion = BoxMotionModel(
            position_accel_hps2=self._config.position_accel_hps2,
            measurement_std_h=self._config.measurement_std_h,
        )
        self._tracks = _Tracks()
        self._next_id = 1
        self._last_time_s: float | None = None
        self._labels: tuple[str, ...] = ()

    @property
    def config(self) -> ByteTrackConfig:
        return self._config

    def reset(self) -> None:
        """Forget all tracks (ids keep counting up, so they are still never reused)."""
        self._tracks = _Tracks()
        self._last_time_s = None

    def _check(self, detections: Detections, time_s: float) -> float:
        if not math.isfinite(time_s):
            raise TrackerError(f"time_s must be finite, got {time_s}")
        if self._last_time_s is not None and time_s < self._last_time_s:
            raise TrackerError(
                f"time went backwards: update at {time_s} s after one at {self._last_time_s} s"
            )
        if not (np.isfinite(detections.xyxy_px).all() and np.isfinite(detections.confidence).all()):
            raise TrackerError("detections contain non-finite boxes or scores")
        return 0.0 if self._last_time_s is None else time_s - self._last_time_s

    def _predict(self, dt_s: float) -> None:
        items = self._tracks.items
        if not items:
            return
        gate = self._config.low_score_min_speed_hps
        for t in items:
            if t.matched_now:
                t.moving_when_lost = t.speed_hps() >= gate
            else:  # lost: stop growing/shrinking the box
                t.mean[6:8] = 0.0
            t.matched_before, t.matched_now = t.matched_now, False
            t.gap_steps_s.append(dt_s)
        mean, cov = self._motion.predict(
            np.stack([t.mean for t in items]), np.stack([t.cov for t in items]), dt_s
        )
        for i, t in enumerate(items):
            t.mean, t.cov = mean[i], cov[i]

    def _match(
        self,
        track_idx: list[int],
        dets: Detections,
        det_idx: list[int],
        min_iou: float,
        time_s: float,
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        det_class = dets.class_id[det_idx] if det_idx else np.zeros((0,), np.int32)
        track_class = self._tracks.classes(track_idx)
        predicted = self._tracks.boxes_xyxy(track_idx)
        det_boxes = dets.xyxy_px[det_idx] if det_idx else np.zeros((0, 4))
        cost = association_cost(
            predicted, track_class, det_boxes, det_class, self._config.class_switch_cost
        )
        cfg = self._config
        if cfg.edge_gate_h > 0.0 and cost.size:
            unseen_s = np.asarray(
                [time_s - self._tracks.items[i].last.time_s for i in track_idx], np.float64
            )
            gate_h = cfg.edge_gate_h + cfg.recovery_gate_growth_hps * np.maximum(unseen_s, 0.0)
            cost[~edge_jump_gate(predicted, det_boxes, gate_h)] = np.inf
        # a lost track has no box of its own to vouch for a class switch
        lost = np.asarray([not self._tracks.items[i].matched_before for i in track_idx], bool)
        cost[lost[:, None] & (track_class[:, None] != np.asarray(det_class)[None, :])] = np.inf
        result = assign(cost, 1.0 - min_iou)
        return self._pairs(track_idx, det_idx, result.rows, result.cols)

    def _recover(
        self, track_idx: list[int], dets: Detections, det_idx: list[int], time_s: float
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        cfg = self._config
        items = self._tracks.items
        lost = [i for i in track_idx if not items[i].matched_before and not items[i].at_edge]
        if not lost or not det_idx:
            return [], track_idx, det_idx
        radius = np.asarray(
            [
                cfg.recovery_gate_h + cfg.recovery_gate_growth_hps * (time_s - items[i].last.time_s)
                for i in lost
            ]
        )
        cost = recovery_cost(
            np.stack([items[i].mean[:4] for i in lost]),
            radius,
            xyxy_to_cxcywh(dets.xyxy_px[det_idx]),
        )
        other_class = self._tracks.classes(lost)[:, None] != dets.class_id[det_idx][None, :]
        cost[other_class] = np.inf
        if cfg.edge_gate_h > 0.0:
            gate_h = cfg.edge_gate_h + cfg.recovery_gate_growth_hps * np.asarray(
                [time_s - items[i].last.time_s for i in lost], np.float64
            )
            predicted = self._tracks.boxes_xyxy(lost)
            cost[~edge_jump_gate(predicted, dets.xyxy_px[det_idx], gate_h)] = np.inf
        result = assign(cost, 1.0)
        pairs, _, left_dets = self._pairs(lost, det_idx, result.rows, result.cols)
        taken = {t for t, _ in pairs}
        return pairs, [i for i in track_idx if i not in taken], left_dets

    @staticmethod
    def _pairs(
        track_idx: list[int],
        det_idx: list[int],
        rows: npt.NDArray[np.intp],
        cols: npt.NDArray[np.intp],
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        matched = zip(rows.tolist(), cols.tolist(), strict=True)
        pairs = [(track_idx[r], det_idx[c]) for r, c in matched]
        used_t = set(rows.tolist())
        used_d = set(cols.tolist())
        left_tracks = [t for k, t in enumerate(track_idx) if k not in used_t]
        left_dets = [d for k, d in enumerate(det_idx) if k not in used_d]
        return pairs, left_tracks, left_dets

    def _measurements(
        self, tracks: list[_Track], dets: Detections, rows: list[int], time_s: float
    ) -> npt.NDArray[np.float64]:
        """Measured boxes, with the height restored where the bottom is occluded or the box
        merged with someone else's for less than :data:`MERGE_HOLD_S`."""
        z = xyxy_to_cxcywh(dets.xyxy_px[rows])
        ratio = self._config.occlusion_height_ratio
        if ratio <= 0.0:
            return z
        pred = np.stack([t.mean[:4] for t in tracks])
        established = np.asarray([t.confirmed for t in tracks], bool)
        standing = np.asarray(
            [standing_now(t.standing_h, t.standing_s, time_s) for t in tracks], np.float64
        )
        standing = np.where(np.isfinite(standing), standing, pred[:, 3])
        keep_top, keep_bottom = height_jumped(
            pred,
            z,
            min_height_ratio=ratio,
            edge_tolerance_h=OCCLUSION_TOP_TOLERANCE_H,
            standing_h=standing,
        )
        keep_top &= established
        keep_bottom &= established
        grown = z[:, 3] * ratio > pred[:, 3]
        for k, track in enumerate(tracks):
            track.grown_since_s = grown_since(track.grown_since_s, bool(grown[k]), time_s)
            if merge_over(track.grown_since_s, time_s):
                keep_top[k] = keep_bottom[k] = False  # whole again: take the measured height
        # someone lower in the picture inside the box: its bottom may be theirs, however
        # slowly it stretched and however long (never longer than the standing height)
        others = self._other_boxes(tracks)
        stretched = someone_below(z, pred, others) & established & (z[:, 3] > standing)
        stretched &= np.abs((z[:, 1] - z[:, 3] / 2.0) - (pred[:, 1] - pred[:, 3] / 2.0)) <= (
            OCCLUSION_TOP_TOLERANCE_H * standing
        )
        keep_top |= stretched
        keep_bottom &= ~stretched
        tall = pred.copy()
        tall[:, 3] = np.where(keep_top & ~grown, np.maximum(pred[:, 3], standing), pred[:, 3])
        tall[:, 3] = np.where(stretched, standing, tall[:, 3])
        if keep_top.any():
            z[keep_top] = restore_height(tall[keep_top], z[keep_top])
        if keep_bottom.any():
            z[keep_bottom] = restore_height_from_bottom(pred[keep_bottom], z[keep_bottom])
        rebuilt = keep_top | keep_bottom
        for k, track in enumerate(tracks):
            track.standing_h = next_standing(
                track.standing_h,
                track.standing_s,
                now_h=float(standing[k]),
                measured_h=float(z[k, 3]),
                time_s=time_s,
                grown_since_s=track.grown_since_s,
                stretched=bool(stretched[k]),
                rebuilt=bool(rebuilt[k]),
            )
            track.standing_s = time_s
            if rebuilt[k]:
                track.mean[7] = 0.0  # the visible height says nothing about growth
        return z

    def _other_boxes(self, tracks: list[_Track]) -> list[npt.NDArray[np.float64]]:
        """Per track, the other confirmed tracks' predicted boxes (cx, cy, w, h): (M, 4)."""
        confirmed = [o for o in self._tracks.items if o.confirmed]
        boxes = np.asarray([o.mean[:4] for o in confirmed], np.float64).reshape(-1, 4)
        row = {id(o): j for j, o in enumerate(confirmed)}
        others: list[npt.NDArray[np.float64]] = []
        for t in tracks:
            j = row.get(id(t))
            others.append(boxes if j is None else np.delete(boxes, j, axis=0))
        return others

    def _apply(
        self, pairs: list[tuple[int, int]], dets: Detections, time_s: float, *, high: bool
    ) -> None:
        if not pairs:
            return
        items = self._tracks.items
        tracks = [items[t] for t, _ in pairs]
        rows = [d for _, d in pairs]
        z = self._measurements(tracks, dets, rows, time_s)
        mean, cov = self._motion.update(
            np.stack([t.mean for t in tracks]), np.stack([t.cov for t in tracks]), z
        )
        for i, (t, d) in enumerate(zip(tracks, rows, strict=True)):
            if len(t.gap_steps_s) > 1:  # matched again after missed updates
                t.mean, t.cov = self._reupdate(t, z[i])
            else:
                t.mean, t.cov = mean[i], cov[i]
            score = float(dets.confidence[d])
            cls = int(dets.class_id[d])
            t.confidence = score
            t.class_votes[cls] = t.class_votes.get(cls, 0.0) + score
            t.last = _Observation(z[i].copy(), t.mean.copy(), t.cov.copy(), time_s)
            t.gap_steps_s = []
            t.matched_now = True
            t.misses = 0
            if high:
                t.last_high_s = time_s
                t.hits += 1
                if t.hits >= self._config.confirm_hits:
                    t.confirmed = True

    def _reupdate(
        self, track: _Track, box: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        steps = np.asarray(track.gap_steps_s, np.float64)
        if steps.size > MAX_REUPDATE_STEPS:
            steps = np.full(MAX_REUPDATE_STEPS, steps.sum() / MAX_REUPDATE_STEPS)
        mean, cov = self._motion.reupdate(
            track.last.mean[None, :], track.last.cov[None, :, :], track.last.box_cxcywh, box, steps
        )
        return mean[0], cov[0]

    def _size_factor(self, detections: Detections) -> npt.NDArray[np.float64]:
        """Per detection, the factor the score thresholds are scaled by: 1 for boxes at
        least ``small_box_h_px`` tall, falling linearly to ``small_box_score_factor`` at
        half that height and below."""
        cfg = self._config
        h = (detections.xyxy_px[:, 3] - detections.xyxy_px[:, 1]).astype(np.float64)
        full = cfg.small_box_h_px
        if full <= 0 or cfg.small_box_score_factor >= 1.0:
            return np.ones(len(h), np.float64)
        t = np.clip((h - full / 2.0) / (full / 2.0), 0.0, 1.0)
        t[~np.isfinite(t)] = 1.0
        return cfg.small_box_score_factor + (1.0 - cfg.small_box_score_factor) * t

    def update(
        self,
        detections: Detections,
        time_s: float,
        *,
        frame_wh: tuple[int, int] | None = None,
    ) -> ImageTracks:
        """Associate ``detections`` seen at ``time_s`` (seconds, non-decreasing).

        ``frame_wh`` (the image size, when known) lets the tracker drop lost tracks that
        left the view instead of keeping them for someone else entering there. Returns
        every track matched in this update, tentative ones included (rules must act only
        on ``confirmed``), plus lost confirmed ones when ``report_lost`` is set.
        """
        cfg = self._config
        dt_s = self._check(detections, time_s)
        if frame_wh is not None and (frame_wh[0] <= 0 or frame_wh[1] <= 0):
            raise TrackerError(f"frame_wh must be positive, got {frame_wh}")
        self._labels = detections.labels or self._labels
        self._predict(dt_s)
        self._last_time_s = time_s
        conf = detections.confidence
        # thresholds compare a size-calibrated score: tiny, distant people score low
        score = conf / self._size_factor(detections)
        high = np.flatnonzero(score >= cfg.high_score).tolist()
        low = np.flatnonzero((score >= cfg.low_score) & (score < cfg.high_score)).tolist()
        items = self._tracks.items
        confirmed = [i for i, t in enumerate(items) if t.confirmed]
        tentative = [i for i, t in enumerate(items) if not t.confirmed]

        pairs, left_confirmed, left_high = self._match(
            confirmed, detections, high, cfg.match_iou, time_s
        )
        self._apply(pairs, detections, time_s, high=True)
        gate = cfg.low_score_min_speed_hps
        hold = cfg.low_score_hold_s
        movable = [
            i
            for i in left_confirmed
            if (items[i].matched_before and items[i].speed_hps() >= gate)
            or time_s - items[i].last_high_s <= hold
        ]
        pairs, _, _ = self._match(movable, detections, low, cfg.low_match_iou, time_s)
        self._apply(pairs, detections, time_s, high=False)
        pairs, _, left_high = self._recover(left_confirmed, detections, left_high, time_s)
        self._apply(pairs, detections, time_s, high=True)
        pairs, _, left_high = self._match(
            tentative, detections, left_high, cfg.tentative_match_iou, time_s
        )
        self._apply(pairs, detections, time_s, high=True)

        survivors: list[_Track] = []
        max_moving_s = max(cfg.max_lost_s, cfg.max_lost_moving_s)
        for t in items:
            if t.matched_now:
                t.at_edge = frame_wh is not None and _near_edge(t.last.box_cxcywh, frame_wh)
            else:
                if frame_wh is not None and _near_edge(t.mean[:4], frame_wh, margin_w=0.0):
                    t.at_edge = True  # predicted to be leaving the view
                t.misses += 1
                if not t.confirmed and t.misses >= cfg.tentative_max_misses:
                    continue
                # a tiny, distant person walking toward or away from the camera barely
                # moves in the image: keep it as long as a moving one
                tiny = float(t.last.box_cxcywh[3]) < cfg.small_box_h_px
                supported = (t.moving_when_lost or tiny) and not t.at_edge
                limit = max_moving_s if supported else cfg.max_lost_s
                if t.confirmed and time_s - t.last.time_s > limit:
                    continue
                if frame_wh is not None and _outside(t.mean[:2], frame_wh):
                    continue
            survivors.append(t)
        new = [d for d in left_high if score[d] >= cfg.new_track_score]
        if new:
            boxes = xyxy_to_cxcywh(detections.xyxy_px[new])
            mean, cov = self._motion.initiate(boxes)
            for i, d in enumerate(new):
                survivors.append(
                    _Track(
                        track_id=self._next_id,
                        mean=mean[i],
                        cov=cov[i],
                        class_votes={int(detections.class_id[d]): float(conf[d])},
                        confidence=float(conf[d]),
                        last=_Observation(boxes[i].copy(), mean[i].copy(), cov[i].copy(), time_s),
                        last_high_s=time_s,
                        confirmed=cfg.confirm_hits <= 1,
                    )
                )
                self._next_id += 1
        self._tracks = _Tracks(survivors)
        return self._report()

    def _report(self) -> ImageTracks:
        shown = [
            t
            for t in self._tracks.items
            if t.matched_now or (self._config.report_lost and t.confirmed)
        ]
        if not shown:
            return ImageTracks.empty(self._labels)
        return ImageTracks(
            tracker_id=np.asarray([t.track_id for t in shown], np.int64),
            xyxy_px=cxcywh_to_xyxy(np.stack([t.mean[:4] for t in shown])).astype(np.float32),
            confidence=np.asarray([t.confidence for t in shown], np.float32),
            class_id=np.asarray([t.class_id for t in shown], np.int32),
            confirmed=np.asarray([t.confirmed for t in shown], np.bool_),
            labels=self._labels,
        )


def _near_edge(
    box_cxcywh: npt.NDArray[np.float64], frame_wh: tuple[int, int], margin_w: float = EDGE_MARGIN_W
) -> bool:
    cx, cy, w, h = box_cxcywh.tolist()
    margin = margin_w * w
    return bool(
        cx - w / 2 <= margin
        or cy - h / 2 <= margin
        or cx + w / 2 >= frame_wh[0] - margin
        or cy + h / 2 >= frame_wh[1] - margin
    )


def _outside(center_xy: npt.NDArray[np.float64], frame_wh: tuple[int, int]) -> bool:
    x, y = center_xy.tolist()
    return not (0.0 <= x <= frame_wh[0] and 0.0 <= y <= frame_wh[1])

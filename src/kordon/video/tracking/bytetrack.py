"""``ByteTracker``: ByteTrack-style two-stage association of detections into image tracks.

Per update (``time_s`` drives everything; the tracker never reads a clock):

1. every track is predicted to ``time_s`` with a constant-velocity Kalman filter;
2. confirmed tracks (seen now or lost a moment ago) take high-score detections
   (Hungarian on ``1 - IoU`` plus a class-switch penalty);
3. confirmed tracks still unmatched that were seen last update *and are moving* take
   low-score detections; the motion gate keeps static clutter (signs, cones) at low scores
   from holding a track alive;
4. tentative tracks take leftover high-score detections; they are confirmed after
   ``confirm_hits`` hits and deleted after ``tentative_max_misses`` misses;
5. leftover detections scoring ``new_track_score`` or more start tentative tracks;
6. confirmed tracks unmatched for more than ``max_lost_s`` are removed.

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
from kordon.video.tracking.assignment import assign, association_cost
from kordon.video.tracking.config import ByteTrackConfig
from kordon.video.tracking.kalman import BoxMotionModel, cxcywh_to_xyxy, xyxy_to_cxcywh


class TrackerError(KordonError):
    """The tracker was given input it cannot use (time going backwards, non-finite boxes)."""


@dataclass(slots=True)
class _Track:
    track_id: int
    mean: npt.NDArray[np.float64]
    cov: npt.NDArray[np.float64]
    class_votes: dict[int, float]
    confidence: float
    last_hit_s: float
    hits: int = 1
    misses: int = 0
    confirmed: bool = False
    matched_now: bool = True
    matched_before: bool = True

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
        for t in items:
            if not t.matched_now:  # lost: stop growing/shrinking the box
                t.mean[6:8] = 0.0
            t.matched_before, t.matched_now = t.matched_now, False
        mean, cov = self._motion.predict(
            np.stack([t.mean for t in items]), np.stack([t.cov for t in items]), dt_s
        )
        for i, t in enumerate(items):
            t.mean, t.cov = mean[i], cov[i]

    def _match(
        self, track_idx: list[int], dets: Detections, det_idx: list[int], min_iou: float
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        cost = association_cost(
            self._tracks.boxes_xyxy(track_idx),
            self._tracks.classes(track_idx),
            dets.xyxy_px[det_idx] if det_idx else np.zeros((0, 4)),
            dets.class_id[det_idx] if det_idx else np.zeros((0,), np.int32),
            self._config.class_switch_cost,
        )
        result = assign(cost, 1.0 - min_iou)
        pairs = [
            (track_idx[r], det_idx[c])
            for r, c in zip(result.rows.tolist(), result.cols.tolist(), strict=True)
        ]
        left_tracks = [track_idx[r] for r in result.unmatched_rows.tolist()]
        left_dets = [det_idx[c] for c in result.unmatched_cols.tolist()]
        return pairs, left_tracks, left_dets

    def _apply(
        self, pairs: list[tuple[int, int]], dets: Detections, time_s: float, *, high: bool
    ) -> None:
        if not pairs:
            return
        items = self._tracks.items
        tracks = [items[t] for t, _ in pairs]
        rows = [d for _, d in pairs]
        mean, cov = self._motion.update(
            np.stack([t.mean for t in tracks]),
            np.stack([t.cov for t in tracks]),
            xyxy_to_cxcywh(dets.xyxy_px[rows]),
        )
        for i, (t, d) in enumerate(zip(tracks, rows, strict=True)):
            score = float(dets.confidence[d])
            cls = int(dets.class_id[d])
            t.mean, t.cov = mean[i], cov[i]
            t.confidence = score
            t.class_votes[cls] = t.class_votes.get(cls, 0.0) + score
            t.last_hit_s = time_s
            t.matched_now = True
            t.misses = 0
            if high:
                t.hits += 1
                if t.hits >= self._config.confirm_hits:
                    t.confirmed = True

    def update(self, detections: Detections, time_s: float) -> ImageTracks:
        """Associate ``detections`` seen at ``time_s`` (seconds, non-decreasing).

        Returns every track matched in this update, tentative ones included (rules must
        act only on ``confirmed``), plus lost confirmed ones when ``report_lost`` is set.
        """
        cfg = self._config
        dt_s = self._check(detections, time_s)
        self._labels = detections.labels or self._labels
        self._predict(dt_s)
        self._last_time_s = time_s
        conf = detections.confidence
        high = np.flatnonzero(conf >= cfg.high_score).tolist()
        low = np.flatnonzero((conf >= cfg.low_score) & (conf < cfg.high_score)).tolist()
        items = self._tracks.items
        confirmed = [i for i, t in enumerate(items) if t.confirmed]
        tentative = [i for i, t in enumerate(items) if not t.confirmed]

        pairs, left_confirmed, left_high = self._match(confirmed, detections, high, cfg.match_iou)
        self._apply(pairs, detections, time_s, high=True)
        gate = cfg.low_score_min_speed_hps
        movable = [
            i for i in left_confirmed if items[i].matched_before and items[i].speed_hps() >= gate
        ]
        pairs, _, _ = self._match(movable, detections, low, cfg.low_match_iou)
        self._apply(pairs, detections, time_s, high=False)
        pairs, _, left_high = self._match(tentative, detections, left_high, cfg.tentative_match_iou)
        self._apply(pairs, detections, time_s, high=True)

        survivors: list[_Track] = []
        for t in items:
            if not t.matched_now:
                t.misses += 1
                if not t.confirmed and t.misses >= cfg.tentative_max_misses:
                    continue
                if t.confirmed and time_s - t.last_hit_s > cfg.max_lost_s:
                    continue
            survivors.append(t)
        new = [d for d in left_high if conf[d] >= cfg.new_track_score]
        if new:
            mean, cov = self._motion.initiate(xyxy_to_cxcywh(detections.xyxy_px[new]))
            for i, d in enumerate(new):
                survivors.append(
                    _Track(
                        track_id=self._next_id,
                        mean=mean[i],
                        cov=cov[i],
                        class_votes={int(detections.class_id[d]): float(conf[d])},
                        confidence=float(conf[d]),
                        last_hit_s=time_s,
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

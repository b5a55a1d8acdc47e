"""Tracker quality with motmetrics: the metrics pipeline on known data, then a synthetic scene."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from scipy.optimize import linear_sum_assignment

from kordon.domain.detections import Detections
from kordon.video.detectors.boxes import iou_matrix
from kordon.video.tracking.bytetrack import ByteTracker

Rows = npt.NDArray[np.float64]


def motmetrics() -> Any:
    """motmetrics 1.4 still calls ``np.asfarray`` (removed in NumPy 2): restore it first."""
    if not hasattr(np, "asfarray"):
        np.asfarray = lambda a, dtype=np.float64: np.asarray(a, dtype=dtype)  # type: ignore[attr-defined]
    return pytest.importorskip("motmetrics")


def xywh_to_xyxy(xywh: Rows) -> Rows:
    return np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:4]], axis=1)


def evaluate(gt: Rows, hyp: Rows) -> dict[str, float]:
    """MOTChallenge-style metrics of (frame, id, x, y, w, h, conf) rows, IoU >= 0.5.

    Ground-truth rows with confidence 0 are not considered: they are removed, and so are
    hypotheses that match them (IoU >= 0.5), as the standard evaluation does.
    """
    mm = motmetrics()
    acc = mm.MOTAccumulator(auto_id=False)
    for frame in np.union1d(gt[:, 0], hyp[:, 0]).tolist():
        g = gt[gt[:, 0] == frame]
        h = hyp[hyp[:, 0] == frame]
        ignored, g = g[g[:, 6] == 0], g[g[:, 6] != 0]
        if len(ignored) and len(h):
            iou = iou_matrix(xywh_to_xyxy(ignored[:, 2:6]), xywh_to_xyxy(h[:, 2:6]))
            rows, cols = linear_sum_assignment(-iou)
            drop = cols[iou[rows, cols] >= 0.5]
            h = np.delete(h, drop, axis=0)
        dist = mm.distances.iou_matrix(g[:, 2:6], h[:, 2:6], max_iou=0.5)
        acc.update(
            g[:, 1].astype(int).tolist(), h[:, 1].astype(int).tolist(), dist, frameid=int(frame)
        )
    summary = mm.metrics.create().compute(
        acc, metrics=["mota", "idf1", "num_switches", "num_false_positives", "num_misses"]
    )
    return {k: float(summary[k].iloc[0]) for k in summary.columns}


def load_mot(path: Path) -> Rows:
    return np.loadtxt(path, delimiter=",", ndmin=2)[:, :7]


@pytest.mark.shared
def test_metrics_pipeline_reproduces_tud_campus(shared_data: Path) -> None:
    gt = load_mot(shared_data / "mot" / "motmetrics-1.4.0_TUD-Campus_gt.txt")
    hyp = load_mot(shared_data / "mot" / "motmetrics-1.4.0_TUD-Campus_tracker_output.txt")
    hyp[:, 6] = 1.0
    m = evaluate(gt, hyp)
    # the MOTChallenge devkit's published numbers for this pair
    assert m["mota"] == pytest.approx(0.526, abs=5e-4)
    assert m["idf1"] == pytest.approx(0.558, abs=5e-4)
    assert (m["num_false_positives"], m["num_misses"], m["num_switches"]) == (13, 150, 7)


def test_ignored_ground_truth_is_neither_miss_nor_false_positive() -> None:
    gt = np.array([[1, 1, 0, 0, 10, 10, 1], [1, 2, 50, 50, 10, 10, 0]], np.float64)
    hyp = np.array([[1, 7, 0, 0, 10, 10, 1], [1, 8, 50, 50, 10, 10, 1]], np.float64)
    m = evaluate(gt, hyp)
    assert m["mota"] == pytest.approx(1.0)
    assert m["num_false_positives"] == 0


@dataclass(frozen=True)
class Scene:
    """Detections per frame with the exact ground truth behind them."""

    times_s: list[float]
    detections: list[Detections]
    gt: Rows  # frame, id, x, y, w, h, conf
    clutter_xyxy: npt.NDArray[np.float64]


def make_scene(seed: int, *, irregular: bool = False) -> Scene:
    """Four walkers at 10 fps for 12 s: two cross paths (one hidden behind the other for
    3 frames at the crossing), one is hidden for 5 frames, detections jitter by 1.5 px,
    3 % are missed, and a static clutter box scores 0.2-0.45 every frame."""
    rng = np.random.default_rng(seed)
    n_frames = 120
    steps = rng.uniform(0.05, 0.15, n_frames) if irregular else np.full(n_frames, 0.1)
    times = np.cumsum(steps) - steps[0]
    size = np.array([30.0, 80.0])
    starts = np.array([[20.0, 200.0], [700.0, 240.0], [100.0, 20.0], [400.0, 420.0]])
    velocities = np.array([[55.0, 0.0], [-55.0, 0.0], [20.0, 18.0], [-25.0, -5.0]])
    crossing_t = (700.0 - 20.0) / 110.0
    clutter = np.array([600.0, 400.0, 630.0, 480.0])
    gt_rows: list[list[float]] = []
    dets: list[Detections] = []
    for frame, t in enumerate(times.tolist(), start=1):
        boxes, scores = [], []
        for obj in range(4):
            xy = starts[obj] + velocities[obj] * t
            gt_rows.append([frame, obj + 1, xy[0], xy[1], size[0], size[1], 1.0])
            hidden = (obj == 1 and abs(t - crossing_t) < 0.15) or (obj == 3 and 4.0 <= t < 4.5)
            if hidden or rng.random() < 0.03:
                continue
            box = np.concatenate([xy, xy + size]) + rng.normal(0.0, 1.5, 4)
            boxes.append(box)
            scores.append(rng.uniform(0.55, 0.95))
        boxes.append(clutter + rng.normal(0.0, 0.5, 4))
        scores.append(rng.uniform(0.2, 0.45))
        dets.append(
            Detections.from_arrays(boxes, scores, np.zeros(len(scores)), labels=("person",))
        )
    return Scene(times.tolist(), dets, np.asarray(gt_rows), clutter)


def run_tracker(scene: Scene) -> tuple[Rows, set[int]]:
    """Confirmed tracks as MOT rows, and the ids of any track ever seen on the clutter."""
    tracker = ByteTracker()
    rows: list[list[float]] = []
    clutter_ids: set[int] = set()
    for frame, (dets, t) in enumerate(zip(scene.detections, scene.times_s, strict=True), 1):
        tracks = tracker.update(dets, t)
        on_clutter = iou_matrix(tracks.xyxy_px, scene.clutter_xyxy[None, :])[:, 0] > 0.3
        clutter_ids |= set(tracks.tracker_id[on_clutter].tolist())
        for tid, box in zip(
            tracks.tracker_id[tracks.confirmed].tolist(),
            tracks.xyxy_px[tracks.confirmed].tolist(),
            strict=True,
        ):
            rows.append([frame, tid, box[0], box[1], box[2] - box[0], box[3] - box[1], 1.0])
    return np.asarray(rows).reshape(-1, 7), clutter_ids


@pytest.mark.parametrize(("seed", "irregular"), [(1, False), (2, False), (3, True)])
def test_synthetic_scene_quality(seed: int, irregular: bool) -> None:
    scene = make_scene(seed, irregular=irregular)
    hyp, clutter_ids = run_tracker(scene)
    m = evaluate(scene.gt, hyp)
    assert m["mota"] >= 0.9, m
    assert m["idf1"] >= 0.9, m
    assert m["num_switches"] == 0, m
    assert m["num_false_positives"] == 0, m
    assert not clutter_ids, "low-score static clutter became a track"
    # one confirmed id per walker, kept through the crossing and the occlusion
    assert len(np.unique(hyp[:, 1])) == 4

"""Gated minimum-cost assignment (Hungarian, via SciPy) between tracks and detections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from kordon.video.detectors.boxes import iou_matrix

Index = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Matched (row, column) pairs and the rows and columns left over."""

    rows: Index
    cols: Index
    unmatched_rows: Index
    unmatched_cols: Index


def assign(cost: npt.NDArray[np.float64], max_cost: float) -> Assignment:
    """Minimum-total-cost matching; pairs costing more than ``max_cost`` are not matched."""
    n_rows, n_cols = cost.shape
    if n_rows == 0 or n_cols == 0:
        return Assignment(
            rows=np.zeros(0, np.intp),
            cols=np.zeros(0, np.intp),
            unmatched_rows=np.arange(n_rows, dtype=np.intp),
            unmatched_cols=np.arange(n_cols, dtype=np.intp),
        )
    gated = np.where(cost <= max_cost, cost, max_cost + 1.0)
    rows, cols = linear_sum_assignment(gated)
    ok = gated[rows, cols] <= max_cost
    rows, cols = rows[ok].astype(np.intp), cols[ok].astype(np.intp)
    return Assignment(
        rows=rows,
        cols=cols,
        unmatched_rows=np.setdiff1d(np.arange(n_rows), rows).astype(np.intp),
        unmatched_cols=np.setdiff1d(np.arange(n_cols), cols).astype(np.intp),
    )


def association_cost(
    track_xyxy: npt.NDArray[np.floating],
    track_class: npt.NDArray[np.integer],
    det_xyxy: npt.NDArray[np.floating],
    det_class: npt.NDArray[np.integer],
    class_switch_cost: float,
) -> npt.NDArray[np.float64]:
    """``1 - IoU`` plus ``class_switch_cost`` where classes differ, (tracks, detections)."""
    cost = 1.0 - iou_matrix(track_xyxy, det_xyxy)
    cost += class_switch_cost * (np.asarray(track_class)[:, None] != np.asarray(det_class)[None, :])
    return cost


def edge_jump_gate(
    predicted_xyxy: npt.NDArray[np.floating],
    det_xyxy: npt.NDArray[np.floating],
    gate_h: npt.NDArray[np.float64],
) -> npt.NDArray[np.bool_]:
    """(tracks, detections) True where a detection keeps its top *or* its bottom edge
    within ``gate_h`` (one value per track, in predicted box heights) of the prediction.

    A person cut off at the bottom (behind a bench, a reed bed, another person) keeps the
    top edge; one cut off at the top keeps the feet; a box whose top and bottom both jumped
    is someone else, usually a person at another range overlapping in the image (tall,
    narrow boxes keep an IoU of 0.2 after a vertical shift of two thirds of their height).
    """
    pred = np.asarray(predicted_xyxy, np.float64).reshape(-1, 4)
    det = np.asarray(det_xyxy, np.float64).reshape(-1, 4)
    h = np.maximum(pred[:, 3] - pred[:, 1], 1.0)[:, None]
    limit = h * np.asarray(gate_h, np.float64).reshape(-1, 1)
    top = np.abs(det[None, :, 1] - pred[:, None, 1]) <= limit
    bottom = np.abs(det[None, :, 3] - pred[:, None, 3]) <= limit
    return np.asarray(top | bottom, np.bool_)


RECOVERY_MAX_HEIGHT_RATIO = 1.5
"""A lost track only recovers a detection whose height is within this factor of its own."""


def recovery_cost(
    predicted_cxcywh: npt.NDArray[np.float64],
    radius_h: npt.NDArray[np.float64],
    det_cxcywh: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """(tracks, detections) cost of giving a lost track a detection far from its box.

    The distance from the detection's centre to the track's predicted centre, in track
    heights, divided by the track's gate radius (``radius_h``, heights): ``<= 1`` inside
    the gate (the prediction, not the last seen place: someone else often appears where a
    target vanished). Pairs whose heights differ by more
    than :data:`RECOVERY_MAX_HEIGHT_RATIO` cost more than 1 (never matched).
    """
    pred = np.asarray(predicted_cxcywh, np.float64).reshape(-1, 4)
    det = np.asarray(det_cxcywh, np.float64).reshape(-1, 4)
    h = np.maximum(pred[:, 3], 1.0)[:, None]
    d_pred = np.hypot(*(det[None, :, :2] - pred[:, None, :2]).transpose(2, 0, 1))
    cost = d_pred / (h * np.asarray(radius_h, np.float64).reshape(-1, 1))
    ratio = np.maximum(det[None, :, 3], 1.0) / h
    size_ok = (ratio <= RECOVERY_MAX_HEIGHT_RATIO) & (ratio >= 1.0 / RECOVERY_MAX_HEIGHT_RATIO)
    return np.where(size_ok, cost, 2.0)

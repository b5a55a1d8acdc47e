"""Partly hidden or merged boxes: a matched box whose height changed sharply, one edge in place.

A person walking behind a bench, a car or another person keeps their head and shoulders
in view while the detector's box loses the legs; the box bottom (the foot point every rule
and the ground projection use) then jumps up by the missing height. Two people overlapping
in the image (one nearer, lower in the picture) often come back as one tall box: its top
is the far person's head, its bottom the near person's feet, and the far person's foot
point jumps down. Either way one edge stays where the track predicts it and the height
does not: the measurement is rebuilt from the edge that stayed and the *predicted*
height, so the foot point stays where the track says the feet are.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.float64]


def _edges(boxes: Boxes) -> tuple[Boxes, Boxes]:
    return boxes[:, 1] - boxes[:, 3] / 2.0, boxes[:, 1] + boxes[:, 3] / 2.0


def height_jumped(
    predicted_cxcywh: Boxes,
    measured_cxcywh: Boxes,
    *,
    min_height_ratio: float,
    edge_tolerance_h: float,
    standing_h: npt.NDArray[np.float64] | None = None,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Masks ``(keep_top, keep_bottom)``, (N,) each, of measurements to rebuild.

    ``keep_top``: the measured height is below ``min_height_ratio`` of the predicted one
    (bottom occluded) or above its inverse (merged with someone lower in the picture),
    with the top edge within ``edge_tolerance_h`` predicted heights of the prediction;
    ``keep_bottom``: the height grew that much with the bottom edge in place (merged
    with someone higher in the picture). A box shrunk with its bottom in place (head
    hidden) keeps its foot point anyway and is left alone.

    ``standing_h`` (N,), where given, is each track's height last seen whole: a box below
    ``min_height_ratio`` of *it*, top within ``edge_tolerance_h`` of it, is occluded at the
    bottom too, however gradually it shrank (the prediction shrinks with a box that loses
    a few pixels a frame, so the frame-to-frame test alone never fires).
    """
    pred = np.asarray(predicted_cxcywh, np.float64).reshape(-1, 4)
    meas = np.asarray(measured_cxcywh, np.float64).reshape(-1, 4)
    pred_h = np.maximum(pred[:, 3], 1.0)
    pred_top, pred_bottom = _edges(pred)
    meas_top, meas_bottom = _edges(meas)
    shrunk = meas[:, 3] < min_height_ratio * pred_h
    grown = meas[:, 3] * min_height_ratio > pred_h
    top_kept = np.abs(meas_top - pred_top) <= edge_tolerance_h * pred_h
    bottom_kept = np.abs(meas_bottom - pred_bottom) <= edge_tolerance_h * pred_h
    keep_top = (shrunk | grown) & top_kept
    if standing_h is not None:
        standing = np.asarray(standing_h, np.float64).reshape(-1)
        eroded = (meas[:, 3] < min_height_ratio * standing) & (
            np.abs(meas_top - pred_top) <= edge_tolerance_h * standing
        )
        keep_top |= eroded
    keep_bottom = grown & bottom_kept & ~top_kept
    return np.asarray(keep_top, np.bool_), np.asarray(keep_bottom, np.bool_)


def restore_height(predicted_cxcywh: Boxes, measured_cxcywh: Boxes) -> Boxes:
    """Measured boxes with their top kept and their height replaced by the predicted one."""
    pred = np.asarray(predicted_cxcywh, np.float64).reshape(-1, 4)
    out = np.asarray(measured_cxcywh, np.float64).reshape(-1, 4).copy()
    top = out[:, 1] - out[:, 3] / 2.0
    out[:, 3] = pred[:, 3]
    out[:, 1] = top + pred[:, 3] / 2.0
    return out


def restore_height_from_bottom(predicted_cxcywh: Boxes, measured_cxcywh: Boxes) -> Boxes:
    """Measured boxes with their bottom kept and their height replaced by the predicted one."""
    pred = np.asarray(predicted_cxcywh, np.float64).reshape(-1, 4)
    out = np.asarray(measured_cxcywh, np.float64).reshape(-1, 4).copy()
    bottom = out[:, 1] + out[:, 3] / 2.0
    out[:, 3] = pred[:, 3]
    out[:, 1] = bottom - pred[:, 3] / 2.0
    return out


def someone_below(
    measured_cxcywh: Boxes, predicted_cxcywh: Boxes, others_cxcywh: list[Boxes]
) -> npt.NDArray[np.bool_]:
    """(N,) whether someone else's predicted box (``others_cxcywh[k]``: (M_k, 4), the
    other tracks') stands lower in the picture than track ``k``'s feet *and* inside its
    measured box's columns and rows: the box's bottom may be that person's.

    A far walker passing behind a nearer one (an intruder beyond the line behind a patrol
    on the home side) is detected as one box that stretches down a few pixels a frame
    toward the nearer one's feet: never a jump the frame-to-frame test sees, and longer
    than a merge is held, so the foot point slid 5 px (12 m at 400 m) over the line.
    """
    meas = np.asarray(measured_cxcywh, np.float64).reshape(-1, 4)
    pred = np.asarray(predicted_cxcywh, np.float64).reshape(-1, 4)
    out = np.zeros(len(meas), np.bool_)
    for k, others in enumerate(others_cxcywh):
        other = np.asarray(others, np.float64).reshape(-1, 4)
        if len(other) == 0:
            continue
        m_left, m_right = meas[k, 0] - meas[k, 2] / 2.0, meas[k, 0] + meas[k, 2] / 2.0
        o_left, o_right = other[:, 0] - other[:, 2] / 2.0, other[:, 0] + other[:, 2] / 2.0
        o_top, o_bottom = other[:, 1] - other[:, 3] / 2.0, other[:, 1] + other[:, 3] / 2.0
        m_bottom = meas[k, 1] + meas[k, 3] / 2.0
        own_bottom = pred[k, 1] + pred[k, 3] / 2.0
        beside = (o_left < m_right) & (o_right > m_left)
        lower = o_bottom > own_bottom + 0.1 * pred[k, 3]
        reached = o_top < m_bottom
        out[k] = bool(np.any(beside & lower & reached))
    return out

"""Lower-body occlusion: a matched box much shorter than predicted, with its top in place.

A person walking behind a bench, a car or another person keeps their head and shoulders
in view while the detector's box loses the legs; the box bottom (the foot point every rule
and the ground projection use) then jumps up by the missing height. When the measured box
is shorter than ``min_height_ratio`` of the predicted one and its top edge is where the
prediction puts it, the measurement is rebuilt from the measured top and the *predicted*
height, so the foot point stays where the track says the feet are.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.float64]


def bottom_occluded(
    predicted_cxcywh: Boxes,
    measured_cxcywh: Boxes,
    *,
    min_height_ratio: float,
    top_tolerance_h: float,
) -> npt.NDArray[np.bool_]:
    """(N,) True where measurement ``i`` looks like prediction ``i`` cut off at the bottom."""
    pred = np.asarray(predicted_cxcywh, np.float64).reshape(-1, 4)
    meas = np.asarray(measured_cxcywh, np.float64).reshape(-1, 4)
    pred_h = np.maximum(pred[:, 3], 1.0)
    pred_top = pred[:, 1] - pred[:, 3] / 2.0
    meas_top = meas[:, 1] - meas[:, 3] / 2.0
    shrunk = meas[:, 3] < min_height_ratio * pred_h
    top_kept = np.abs(meas_top - pred_top) <= top_tolerance_h * pred_h
    return np.asarray(shrunk & top_kept, np.bool_)


def restore_height(predicted_cxcywh: Boxes, measured_cxcywh: Boxes) -> Boxes:
    """Measured boxes with their top kept and their height replaced by the predicted one."""
    pred = np.asarray(predicted_cxcywh, np.float64).reshape(-1, 4)
    out = np.asarray(measured_cxcywh, np.float64).reshape(-1, 4).copy()
    top = out[:, 1] - out[:, 3] / 2.0
    out[:, 3] = pred[:, 3]
    out[:, 1] = top + pred[:, 3] / 2.0
    return out

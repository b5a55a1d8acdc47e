"""Box helpers for the simulator tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def iou(a: tuple[float, float, float, float], b: npt.NDArray[np.float32]) -> float:
    """Intersection over union of a ground-truth box and a detected box (x1, y1, x2, y2)."""
    ix = max(0.0, min(a[2], float(b[2])) - max(a[0], float(b[0])))
    iy = max(0.0, min(a[3], float(b[3])) - max(a[1], float(b[1])))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + float((b[2] - b[0]) * (b[3] - b[1])) - inter
    return inter / union if union > 0 else 0.0

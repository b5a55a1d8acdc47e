"""Vectorised box geometry on (x1, y1, x2, y2) pixel boxes: IoU matrices and NMS."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.floating]
IndexArray = npt.NDArray[np.intp]


def _intersection(a: Boxes, b: Boxes) -> npt.NDArray[np.float64]:
    a64 = np.asarray(a, np.float64).reshape(-1, 4)
    b64 = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a64[:, None, :2], b64[None, :, :2])
    rb = np.minimum(a64[:, None, 2:], b64[None, :, 2:])
    wh = np.clip(rb - lt, 0.0, None)
    return np.asarray(wh[..., 0] * wh[..., 1], np.float64)


def box_area(boxes: Boxes) -> npt.NDArray[np.float64]:
    """Area of each box (0 for degenerate boxes)."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.asarray(
        np.clip(b[:, 2] - b[:, 0], 0.0, None) * np.clip(b[:, 3] - b[:, 1], 0.0, None), np.float64
    )


def iou_matrix(a: Boxes, b: Boxes) -> npt.NDArray[np.float64]:
    """(len(a), len(b)) intersection over union; 0 where a union is empty."""
    inter = _intersection(a, b)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=union > 0.0)
    return out


def ioa_matrix(a: Boxes, b: Boxes) -> npt.NDArray[np.float64]:
    """(len(a), len(b)) intersection over the area of each box in ``a``."""
    inter = _intersection(a, b)
    area = np.broadcast_to(box_area(a)[:, None], inter.shape)
    out = np.zeros_like(inter)
    np.divide(inter, area, out=out, where=area > 0.0)
    return out


def nms(
    boxes: Boxes,
    scores: npt.NDArray[np.floating],
    class_ids: npt.NDArray[np.integer] | None = None,
    *,
    iou_threshold: float = 0.5,
    max_keep: int | None = None,
) -> IndexArray:
    """Greedy non-maximum suppression; indices of kept boxes, highest score first.

    With ``class_ids`` boxes only suppress boxes of the same class. Ties in score keep
    the lower index, so the result is deterministic.
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    n = b.shape[0]
    if n == 0:
        return np.zeros((0,), np.intp)
    order = np.lexsort((np.arange(n), -np.asarray(scores, np.float64)))
    same_class = (
        np.ones((n, n), np.bool_)
        if class_ids is None
        else np.asarray(class_ids)[:, None] == np.asarray(class_ids)[None, :]
    )
    overlap = (iou_matrix(b, b) > iou_threshold) & same_class
    suppressed = np.zeros(n, np.bool_)
    keep: list[int] = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        if max_keep is not None and len(keep) >= max_keep:
            break
        suppressed |= overlap[i]
    return np.asarray(keep, np.intp)

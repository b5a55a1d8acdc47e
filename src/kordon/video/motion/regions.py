"""Boxes → regions of interest: merge close boxes, pad, grow to a detector's shape."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.float32]


def merge_close(boxes: Boxes, distance_px: float) -> Boxes:
    """Union boxes whose gap (in x and y) is at most ``distance_px``, until none are close."""
    merged = [b.astype(np.float64) for b in boxes]
    changed = True
    while changed and len(merged) > 1:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                a, b = merged[i], merged[j]
                gap_x = max(a[0], b[0]) - min(a[2], b[2])
                gap_y = max(a[1], b[1]) - min(a[3], b[3])
                if gap_x <= distance_px and gap_y <= distance_px:
                    merged[i] = np.array(
                        [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    )
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return np.asarray(merged, np.float32).reshape(-1, 4)


def shape_regions(
    boxes: Boxes,
    *,
    pad_px: float,
    min_size_px: float,
    aspect_wh: float | None,
    frame_wh: tuple[int, int],
) -> Boxes:
    """Pad, grow about the centre to ``min_size_px`` and ``aspect_wh``, then fit the frame.

    A grown region is shifted (not cut) to stay inside the frame where it fits.
    """
    if len(boxes) == 0:
        return boxes.reshape(0, 4).astype(np.float32)
    width, height = frame_wh
    out = boxes.astype(np.float64).copy()
    out[:, :2] -= pad_px
    out[:, 2:] += pad_px
    w = np.maximum(out[:, 2] - out[:, 0], min_size_px)
    h = np.maximum(out[:, 3] - out[:, 1], min_size_px)
    if aspect_wh is not None:
        w = np.maximum(w, h * aspect_wh)
        h = np.maximum(h, w / aspect_wh)
    w = np.minimum(w, width)
    h = np.minimum(h, height)
    cx = (out[:, 0] + out[:, 2]) / 2
    cy = (out[:, 1] + out[:, 3]) / 2
    x1 = np.clip(cx - w / 2, 0, width - w)
    y1 = np.clip(cy - h / 2, 0, height - h)
    return np.stack([x1, y1, x1 + w, y1 + h], axis=1).astype(np.float32)

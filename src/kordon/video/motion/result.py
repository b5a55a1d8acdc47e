"""``MotionResult``: what the segmenter found in one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import ShapeError


@dataclass(frozen=True, slots=True)
class MotionResult:
    """Motion in one frame.

    ``mask_small`` is the cleaned foreground mask at working size (255 = moving).
    ``boxes_xyxy_px`` are regions of interest in full-frame pixels (merged, padded, sized).
    ``blobs_xyxy_px``, ``blob_area_px`` and ``blob_contrast`` describe each raw blob
    (full-frame pixels; contrast = mean grey difference to the background, 0–255).
    ``motion_fraction`` is the changed fraction of the unmasked frame; ``light_change``
    says the change was taken as a lighting change and the background re-initialised.
    ``threshold`` is the grey-level difference that counted as change on this frame (it
    follows the sensor noise) and ``brightness`` the picture's median grey level (0–255).
    """

    mask_small: npt.NDArray[np.uint8]
    boxes_xyxy_px: npt.NDArray[np.float32]
    motion_fraction: float
    light_change: bool
    blobs_xyxy_px: npt.NDArray[np.float32]
    blob_area_px: npt.NDArray[np.float32]
    blob_contrast: npt.NDArray[np.float32]
    threshold: float = 0.0
    brightness: float = 0.0

    def __post_init__(self) -> None:
        if self.boxes_xyxy_px.ndim != 2 or self.boxes_xyxy_px.shape[1] != 4:
            raise ShapeError(f"boxes_xyxy_px: expected (N, 4), got {self.boxes_xyxy_px.shape}")
        n = self.blobs_xyxy_px.shape[0]
        if self.blobs_xyxy_px.shape != (n, 4):
            raise ShapeError(f"blobs_xyxy_px: expected (N, 4), got {self.blobs_xyxy_px.shape}")
        for name in ("blob_area_px", "blob_contrast"):
            shape = getattr(self, name).shape
            if shape != (n,):
                raise ShapeError(f"{name}: expected ({n},), got {shape}")

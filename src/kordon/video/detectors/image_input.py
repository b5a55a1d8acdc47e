"""Checks on the images handed to detectors."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.video.detectors.errors import DetectorError


def check_bgr_image(image: npt.NDArray[np.generic], *, who: str) -> None:
    """Raise ``DetectorError`` unless ``image`` is a non-empty H×W×3 uint8 array."""
    if not isinstance(image, np.ndarray):
        raise DetectorError(f"{who}: image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise DetectorError(
            f"{who}: image must be H×W×3 uint8 (BGR), got shape {image.shape} dtype {image.dtype}"
        )
    if image.shape[0] < 2 or image.shape[1] < 2:
        raise DetectorError(f"{who}: image is too small ({image.shape[1]}×{image.shape[0]} px)")

"""JPEG snapshots and thumbnails, with privacy masks applied to copies, never to originals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from kordon.config.image_rules import MaskConfig
from kordon.record.errors import SnapshotError

Image = npt.NDArray[np.uint8]
Overlay = Callable[[Image], None]
"""Draws on the (copied) image in place."""


def _check_image(image: Image) -> None:
    if (
        not isinstance(image, np.ndarray)
        or image.dtype != np.uint8
        or image.ndim != 3
        or image.shape[2] != 3
    ):
        shape = getattr(image, "shape", None)
        raise SnapshotError(f"expected a BGR uint8 image of shape (H, W, 3), got {shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise SnapshotError("image is empty")


def apply_privacy_masks(
    image: Image, masks: Sequence[MaskConfig], *, mode: Literal["blur", "fill"] = "blur"
) -> Image:
    """A copy of ``image`` with every ``purpose: privacy`` polygon blurred or filled black."""
    _check_image(image)
    out = image.copy()
    polygons = [m.polygon for m in masks if m.purpose == "privacy"]
    if not polygons:
        return out
    mask = np.zeros(image.shape[:2], np.uint8)
    for polygon in polygons:
        points = np.asarray(polygon, dtype=np.float64)
        if points.ndim != 2 or points.shape[0] < 3 or not np.isfinite(points).all():
            raise SnapshotError(f"privacy mask polygon must have >= 3 finite points, got {polygon}")
        cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 255)
    if mode == "fill":
        out[mask > 0] = 0
        return out
    k = max(31, (min(image.shape[:2]) // 8) | 1)
    blurred = cv2.GaussianBlur(image, (k, k), 0)
    out[mask > 0] = blurred[mask > 0]
    return out


def snapshot_jpeg(
    image: Image,
    *,
    masks: Sequence[MaskConfig] = (),
    overlay: Overlay | None = None,
    quality: int = 90,
    width_px: int | None = None,
    mask_mode: Literal["blur", "fill"] = "blur",
) -> bytes:
    """JPEG bytes of ``image`` with privacy masks, then the caller's overlay drawn on top."""
    _check_image(image)
    if not 1 <= quality <= 100:
        raise SnapshotError(f"JPEG quality must be in [1, 100], got {quality}")
    out = apply_privacy_masks(image, masks, mode=mask_mode)
    if overlay is not None:
        overlay(out)
    if width_px is not None:
        if width_px < 8:
            raise SnapshotError(f"thumbnail width must be >= 8 px, got {width_px}")
        height = max(1, round(out.shape[0] * width_px / out.shape[1]))
        out = np.asarray(
            cv2.resize(out, (width_px, height), interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SnapshotError("JPEG encoding failed")
    return bytes(encoded.tobytes())


def thumbnail_jpeg(image: Image, *, masks: Sequence[MaskConfig] = (), width_px: int = 320) -> bytes:
    """A small JPEG (320 px wide, quality 70) for weak links."""
    return snapshot_jpeg(image, masks=masks, quality=70, width_px=width_px)

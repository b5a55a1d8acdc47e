"""``MotionConfig``: strict settings of the motion segmenter."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

PolygonPx = list[tuple[float, float]]


class MotionConfig(BaseModel):
    """How motion is found on a downscaled grey copy of each frame.

    Pixel sizes (``min_blob_area_px``, ``merge_distance_px``, ``pad_px``, ``min_roi_px``)
    and ``masks`` are in full-frame pixels; they are scaled to the working size internally.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    work_width_px: int = Field(
        320,
        ge=32,
        le=4096,
        title="Working width",
        description="Width of the grey copy (at least; see ``max_downscale``).",
    )
    max_downscale: float = Field(
        2.0,
        ge=1.0,
        le=64.0,
        title="Largest downscale",
        description="The grey copy is at most this many times narrower than the frame, so a "
        "distant person (10 px tall, 3 px wide) still covers a few working pixels.",
    )
    learning_rate: float = Field(
        0.05,
        gt=0.0,
        le=1.0,
        title="Background learning rate",
        description="Weight of each new frame in the running-average background.",
    )
    foreground_learning_factor: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        title="Foreground learning factor",
        description="Pixels seen as moving (for up to ``foreground_hold_frames``) and pixels "
        "of tracked objects learn this much slower, so a person walking toward the camera "
        "(nearly still in the picture) is not absorbed into the background.",
    )
    foreground_hold_frames: int = Field(
        40,
        ge=0,
        le=100_000,
        title="Foreground hold",
        description="Frames a pixel may stay foreground while learning slowly (8 s at 5 fps): "
        "time enough for the detector to find a slow mover and for its track to hold it; "
        "after that it learns at the normal rate, so the ghost of something that left fades.",
    )
    threshold: int = Field(
        25,
        ge=1,
        le=255,
        title="Change threshold",
        description="Largest grey-level difference ever required; the working threshold "
        "follows the measured sensor noise between ``min_threshold`` and this.",
    )
    min_threshold: float = Field(
        8.0,
        ge=1.0,
        le=255.0,
        title="Minimum change threshold",
        description="Smallest threshold on a well-lit picture; lowered in proportion on dark "
        "pictures (down to a quarter), where every contrast is smaller.",
    )
    noise_factor: float = Field(
        4.0,
        ge=1.0,
        le=20.0,
        title="Noise factor",
        description="The threshold is at least this many times the sensor noise (robust "
        "standard deviation of the difference to the background).",
    )
    blur_px: int = Field(
        5, ge=0, le=31, title="Blur", description="Gaussian blur kernel (odd; 0: none)."
    )
    morph_px: int = Field(
        3, ge=0, le=31, title="Morphology kernel", description="Open/close kernel (0: none)."
    )
    light_change_fraction: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        title="Light change fraction",
        description="Changed fraction of the frame above which the change is taken as "
        "lighting (background re-initialised, no motion reported).",
    )
    min_blob_area_px: float = Field(
        64.0, ge=0.0, title="Minimum blob area", description="Smaller blobs are ignored."
    )
    merge_distance_px: float = Field(
        16.0, ge=0.0, title="Merge distance", description="Boxes closer than this merge."
    )
    pad_px: float = Field(8.0, ge=0.0, title="Padding", description="Added around each box.")
    min_roi_px: float = Field(
        0.0,
        ge=0.0,
        title="Minimum region size",
        description="Regions grow to at least this width and height (a detector's input).",
    )
    roi_aspect_wh: float | None = Field(
        None,
        gt=0.0,
        title="Region aspect",
        description="Regions grow to this width/height ratio (None: keep the blob's).",
    )
    masks: list[PolygonPx] = Field(
        default_factory=list,
        title="Masks",
        description="Polygons (full-frame pixels) where motion is ignored.",
    )

    def working_width(self, frame_width_px: int) -> int:
        """Width of the grey copy for frames ``frame_width_px`` wide."""
        wanted = max(self.work_width_px, math.ceil(frame_width_px / self.max_downscale))
        return max(1, min(wanted, frame_width_px))

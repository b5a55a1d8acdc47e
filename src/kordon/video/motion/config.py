"""``MotionConfig``: strict settings of the motion segmenter."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PolygonPx = list[tuple[float, float]]


class MotionConfig(BaseModel):
    """How motion is found on a downscaled grey copy of each frame.

    Pixel sizes (``min_blob_area_px``, ``merge_distance_px``, ``pad_px``, ``min_roi_px``)
    and ``masks`` are in full-frame pixels; they are scaled to the working size internally.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    work_width_px: int = Field(
        320, ge=32, le=4096, title="Working width", description="Width of the grey copy."
    )
    learning_rate: float = Field(
        0.05,
        gt=0.0,
        le=1.0,
        title="Background learning rate",
        description="Weight of each new frame in the running-average background.",
    )
    threshold: int = Field(
        25, ge=1, le=255, title="Change threshold", description="Grey-level difference."
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

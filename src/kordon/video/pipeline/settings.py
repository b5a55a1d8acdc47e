"""``PipelineSettings``: how the camera pipeline decides where and when to detect."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PipelineSettings(BaseModel):
    """Detection gating and region settings of one camera pipeline.

    Measured on ``vtest.avi`` (2-core machine): one NanoDet-416 inference costs the same
    (~28 ms on one thread, ~17 ms on two) whether it sees the whole frame or a crop, because
    every input is resized to 416×416. So a crop buys resolution (small, distant people),
    never speed; speed comes from skipping frames with nothing to look at (the motion gate)
    and from the analytics rate. The pipeline runs at most **one** inference per frame
    (one inference per motion region, as ``RegionDetector`` does, costs 2–4× more on busy
    scenes): on the padded union of motion and track boxes when the frame is larger than
    ``region_min_frame_px`` and the union is clearly smaller than the frame, else on the
    whole frame. On 768×576 frames a union crop found *fewer* people than the whole frame
    (``border_walk``: a pair of walkers lost for 8 frames in a crop full of bushes, one
    crossing missed; ``vtest.avi``: fewer persons per crop), so regions are used only on
    large frames, where shrinking the whole frame to 416 px loses small people.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    motion_gating: bool = Field(
        True,
        title="Motion gating",
        description="Skip detection on frames with no motion and no active track.",
    )
    region_min_frame_px: int = Field(
        1280,
        ge=0,
        le=16384,
        title="Regions from frame size",
        description="Detect on motion regions only in frames at least this wide or high "
        "(smaller frames are always analysed whole when anything moves).",
    )
    full_frame_interval_s: float = Field(
        2.0,
        gt=0.0,
        le=3600.0,
        title="Full-frame interval",
        description="A whole-frame pass at least this often while anything is going on, so "
        "slow or stationary objects that make no motion are still found.",
    )
    full_frame_area_frac: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        title="Full-frame area",
        description="Detect on the whole frame when the region would cover at least this "
        "fraction of it (a crop barely larger than the frame gains nothing).",
    )
    region_context_frac: float = Field(
        0.25,
        ge=0.0,
        le=4.0,
        title="Region context",
        description="Padding added around the union box, as a fraction of its size.",
    )
    region_min_px: float = Field(
        256.0,
        ge=16.0,
        le=8192.0,
        title="Minimum region size",
        description="Regions grow to at least this height (a tiny crop upscaled 4× to the "
        "model input invents objects).",
    )
    track_keep_s: float = Field(
        1.5,
        gt=0.0,
        le=600.0,
        title="Track memory",
        description="A track seen this recently keeps the detector running around it.",
    )
    motion_min_area_px: float | None = Field(
        None,
        ge=0.0,
        title="Minimum motion blob",
        description="Smallest moving blob, in pixels of the downscaled motion frame "
        "(converted to full-frame pixels once the frame size is known); none: keep the "
        "motion config's own ``min_blob_area_px``.",
    )
    detection_mask_anchor: Literal["bottom_center", "center"] = Field(
        "bottom_center",
        title="Mask anchor",
        description="Which point of a detection box decides whether it lies in a mask.",
    )
    stats_window: int = Field(
        4096,
        ge=16,
        le=1_000_000,
        title="Statistics window",
        description="Frames kept for the p95 of stage timings (means cover every frame).",
    )

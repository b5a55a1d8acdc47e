"""``PipelineSettings``: how the camera pipeline decides where and when to detect."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PipelineSettings(BaseModel):
    """Detection gating and region settings of one camera pipeline.

    One NanoDet-416 inference costs the same (~28 ms on one thread) whether it sees the
    whole frame or a crop, because every input is resized to 416×416. On frames much larger
    than that input a whole-frame pass shrinks a person 200 m away (31 px in a 1280 px
    frame) to 10 px, where the network finds them 2 % of the time; on a native-resolution
    crop it finds them nearly always (measured on the simulator's border scene: a 34 px
    person in a 208 px crop, ~68 px at the input, scores 0.8; an 18 px person at 400 m
    scores 0.6–0.7 in crops of 128–208 px and 0.26 in a 416 px one). So frames of at least
    ``region_min_frame_px`` are only ever searched on crops (one inference each): around
    every track (kept ``track_keep_s`` after its last detection, so a region with a track
    is never starved) and around everything that moved in the last ``motion_keep_s``.
    Crops are sized for a person about 80 px tall in the input: at 56 px two walkers 300 px
    apart at 100 m shared one 600 px crop, which shrank the nearer one until NanoDet lost it
    (per-person crops at 56–110 px found every one of 53 such people, at ≥ 0.5).
    Smaller frames (``vtest.avi``'s 768×576) are analysed whole whenever anything moves:
    there a crop finds no more people than the whole frame. The shipped NanoDet-m runs at
    any input size, so crops run at ``region_input_px`` (256: 0.4× the inference time of
    416, with the person as large in the input, since the crop is sized for it); whole
    frames at 416. On the 200 m border scene that halved the pipeline's CPU per frame
    (68 → 33 ms) with the same recall and delays over 20 crossings.
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
        description="Detect on crops only in frames at least this wide or high "
        "(smaller frames are always analysed whole when anything moves).",
    )
    region_input_px: int = Field(
        256,
        ge=32,
        le=4096,
        title="Detector input on crops",
        description="Side of the detector's square input on crops, px. A detector whose "
        "network runs at any size (the shipped NanoDet-m) runs crops at this size: 256 takes "
        "0.4x the time of 416 and a crop sized for it shows a person as large; a detector of "
        "fixed size resizes crops to its own input.",
    )
    region_target_px: float = Field(
        80.0,
        ge=8.0,
        le=1024.0,
        title="Target height in the input",
        description="Crops are sized so a tracked or moving object is about this tall in "
        "the detector's input (small, distant people are enlarged, up to the minimum crop).",
    )
    region_context_frac: float = Field(
        1.0,
        ge=0.0,
        le=4.0,
        title="Region context",
        description="Each crop is at least this fraction of the box larger on every side.",
    )
    region_min_px: float = Field(
        96.0,
        ge=16.0,
        le=8192.0,
        title="Minimum crop size",
        description="Crops are at least this large (a crop upscaled more than ~3× to the "
        "detector's input invents objects and adds no detail).",
    )
    region_min_px_georef: float = Field(
        48.0,
        ge=16.0,
        le=8192.0,
        title="Minimum crop size, georeferenced",
        description="Where the camera's ground geometry gives a standing person's height at "
        "a box's foot, the crop is sized for that person (small blobs get the crop a person "
        "there would get) and is at least this large. NanoDet found a 14 px walker 600 m "
        "off in 70 % of 48 px crops and 61 % of 96 px ones, and no more false people in "
        "empty 48 px crops than in 96 px ones. A camera without geometry keeps "
        "``region_min_px``: with a 48 px floor for every box, blobs of swaying grass at "
        "200 m got 48 px crops and gave 3 false crossings in 20 on the nuisance range.",
    )
    region_merge_factor: float = Field(
        1.3,
        ge=1.0,
        le=4.0,
        title="Crop merge factor",
        description="A box joins a planned crop when that crop grows by at most this factor.",
    )
    max_crops: int = Field(
        4,
        ge=1,
        le=64,
        title="Crops per frame",
        description="Most detector inferences on one frame; motion boxes beyond it take turns.",
    )
    watch_crops_per_frame: int = Field(
        1,
        ge=0,
        le=8,
        title="Border sweep crops",
        description="Crops a frame spent searching the border in view of a georeferenced "
        "camera, person-sized boxes along the line taken in turn, whether or not anything "
        "moves there: a person walking straight at the camera from 400 m hardly moves in "
        "the picture. 0 leaves detection to motion and tracks alone.",
    )
    track_keep_s: float = Field(
        5.0,
        gt=0.0,
        le=600.0,
        title="Track memory",
        description="A track seen this recently keeps the detector running around it.",
    )
    motion_keep_s: float = Field(
        2.0,
        ge=0.0,
        le=600.0,
        title="Motion memory",
        description="A region that moved this recently keeps the detector running there.",
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

"""Per-camera analytics: detector backends (a discriminated union) and motion settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from kordon.config.common import DEFAULT_CLASSES, ClassName, StrictModel

Score = Annotated[float, Field(ge=0.0, le=1.0)]


class NanoDetDetector(StrictModel):
    """The shipped NanoDet COCO-80 model, or another NanoDet-format ONNX file."""

    kind: Literal["nanodet"] = Field(description="NanoDet-format ONNX detector.")
    model: Path | None = Field(
        default=None, description="ONNX file relative to the site file; none: the shipped model."
    )
    classes: list[ClassName] | None = Field(
        default=None,
        max_length=1000,
        description="Class labels of a custom model, in output order; none: COCO-80.",
    )
    score_thresholds: dict[ClassName, Score] = Field(
        default_factory=dict,
        description="Per-class minimum score applied inside the detector.",
    )
    default_score: Score = Field(default=0.35, description="Minimum score for other classes.")


class YoloDetector(StrictModel):
    """Any YOLO-format ONNX detector (boxes + class scores per anchor)."""

    kind: Literal["yolo"] = Field(description="YOLO-format ONNX detector.")
    model: Path = Field(description="ONNX file, relative to the site file.")
    labels: list[ClassName] = Field(
        min_length=1, max_length=1000, description="Class labels in model output order."
    )
    input_size: tuple[
        Annotated[int, Field(ge=32, le=4096)], Annotated[int, Field(ge=32, le=4096)]
    ] = Field(default=(640, 640), description="Network input [width, height] in pixels.")
    default_score: Score = Field(default=0.35, description="Minimum score for a detection.")


class SsdLiteDetector(StrictModel):
    """SSDLite MobileNet (COCO), the light fallback backend."""

    kind: Literal["ssdlite"] = Field(description="SSDLite ONNX detector with default model.")


class MotionDetector(StrictModel):
    """Motion blobs as detections: thermal cameras and very small targets."""

    kind: Literal["motion"] = Field(description="Motion-only detector (no neural network).")
    min_area_px: int = Field(
        default=16, ge=1, le=1_000_000, description="Smallest blob, px at full resolution."
    )
    max_area_px: int = Field(
        default=200_000, ge=1, le=100_000_000, description="Largest blob, px at full resolution."
    )
    label: ClassName = Field(default="motion", description="Class name given to every blob.")


DetectorConfig = Annotated[
    NanoDetDetector | YoloDetector | SsdLiteDetector | MotionDetector,
    Field(discriminator="kind"),
]


class MotionSettings(StrictModel):
    """The cheap motion stage that picks regions for the detector."""

    enabled: bool = Field(default=True, description="Run the detector only on moving regions.")
    downscale_width_px: int = Field(
        default=320, ge=32, le=4096, description="Frame width used for motion analysis, px."
    )
    threshold: int = Field(
        default=25, ge=1, le=255, description="Per-pixel intensity difference that counts."
    )
    min_area_px: int = Field(
        default=8, ge=1, le=1_000_000, description="Smallest moving blob at downscaled size, px."
    )


class AnalyticsConfig(StrictModel):
    """What runs on each analysed frame."""

    fps: float = Field(default=5.0, gt=0.0, le=60.0, description="Frames analysed per second.")
    detector: DetectorConfig = Field(
        default_factory=lambda: NanoDetDetector(kind="nanodet"),
        description="Detector backend.",
    )
    threads: int = Field(default=1, ge=1, le=64, description="Inference threads.")
    classes: list[ClassName] = Field(
        default_factory=lambda: list(DEFAULT_CLASSES),
        min_length=1,
        max_length=1000,
        description="Keep only detections of these classes.",
    )
    min_score: dict[ClassName, Score] = Field(
        default_factory=dict, description="Per-class minimum score after detection."
    )
    motion: MotionSettings = Field(
        default_factory=MotionSettings, description="Motion pre-filter settings."
    )

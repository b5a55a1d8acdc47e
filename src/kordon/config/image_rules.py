"""Image-space masks and rules of one camera (pixel coordinates, origin top-left)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kordon.config.common import ClassName, PixelPoint, Slug, StrictModel


class MaskConfig(StrictModel):
    """A pixel polygon that hides image content from detection or from recordings."""

    id: Slug | None = Field(default=None, description="Optional mask id.")
    purpose: Literal["detection", "privacy"] = Field(
        description="'detection': ignore detections inside; 'privacy': blur in video output."
    )
    polygon: list[PixelPoint] = Field(
        min_length=3, max_length=1000, description="Polygon as [[x, y], ...] in pixels."
    )


class LineRuleConfig(StrictModel):
    """Raise an event when a track's anchor point crosses a line."""

    kind: Literal["line"] = Field(description="Line-crossing rule.")
    id: Slug = Field(description="Rule id, unique within the camera.")
    points: tuple[PixelPoint, PixelPoint] = Field(
        description="Line end points [[x, y], [x, y]] in pixels."
    )
    mode: Literal["segment", "infinite"] = Field(
        default="segment", description="Count crossings of the segment only, or the whole line."
    )
    directions: Literal["in", "out", "both"] = Field(
        default="both",
        description="'in' is crossing from the line's left to its right (looking from the "
        "first point to the second); 'out' the reverse.",
    )
    classes: list[ClassName] | None = Field(
        default=None, max_length=1000, description="Only these classes; none: all analysed."
    )
    hysteresis_px: float = Field(
        default=8.0, ge=0.0, le=10_000.0, description="Distance a track must clear the line, px."
    )
    hysteresis_frames: int = Field(
        default=2, ge=1, le=1000, description="Frames a track must stay on the new side."
    )
    cooldown_s: float = Field(
        default=5.0, ge=0.0, le=86_400.0, description="Quiet time per track after an event, s."
    )
    anchor: Literal["bottom_center", "center"] = Field(
        default="bottom_center", description="Which point of the box is tested."
    )

    @model_validator(mode="after")
    def _distinct(self) -> LineRuleConfig:
        if self.points[0] == self.points[1]:
            raise ValueError("the two line points are identical")
        return self


ZoneEvent = Literal["enter", "exit", "dwell"]


def _default_zone_events() -> list[ZoneEvent]:
    return ["enter"]


class ZoneRuleConfig(StrictModel):
    """Raise events when tracks enter, leave or stay in an image polygon."""

    kind: Literal["zone"] = Field(description="Image zone rule.")
    id: Slug = Field(description="Rule id, unique within the camera.")
    polygon: list[PixelPoint] = Field(
        min_length=3, max_length=1000, description="Polygon as [[x, y], ...] in pixels."
    )
    events: list[ZoneEvent] = Field(
        default_factory=_default_zone_events,
        min_length=1,
        max_length=3,
        description="Which events to raise.",
    )
    dwell_s: float | None = Field(
        default=None, gt=0.0, le=86_400.0, description="Dwell time for 'dwell' events, s."
    )
    classes: list[ClassName] | None = Field(
        default=None, max_length=1000, description="Only these classes; none: all analysed."
    )

    @model_validator(mode="after")
    def _dwell(self) -> ZoneRuleConfig:
        if "dwell" in self.events and self.dwell_s is None:
            raise ValueError("events include 'dwell', so 'dwell_s' is required")
        if len(set(self.events)) != len(self.events):
            raise ValueError(f"events {self.events} list an event twice")
        return self


ImageRuleConfig = Annotated[LineRuleConfig | ZoneRuleConfig, Field(discriminator="kind")]

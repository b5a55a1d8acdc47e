"""Text messages of a camera's live video WebSocket (binary messages are fMP4 bytes).

Order on the wire: ``stream`` (a JSON text), then the init segment (binary), then media
fragments (binary, the first one a keyframe) interleaved with ``overlay`` texts. A new
``stream`` message means: start a new ``SourceBuffer`` (the stream was restarted or
reconfigured). ``status`` says why no video is coming.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LIVE_VIDEO_VERSION = 1


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: int = LIVE_VIDEO_VERSION


class OverlayShape(_Message):
    """A line (rule, border) or closed polygon (zone) in image pixels."""

    id: str
    kind: Literal["rule_line", "zone", "border"]
    points_px: list[tuple[float, float]]


class StreamMessage(_Message):
    type: Literal["stream"] = "stream"
    camera_id: str
    mime: str = Field(description='MSE type, e.g. video/mp4; codecs="avc1.42c01f"')
    width_px: int
    height_px: int
    origin_ms: float = Field(description="Wall time (POSIX ms) of media time 0")
    masked: bool = Field(description="Privacy masks were burned into this stream")
    shapes: list[OverlayShape] = Field(default_factory=list)


class OverlayTrack(_Message):
    track_id: int
    xyxy_px: tuple[float, float, float, float]
    label: str
    confidence: float
    confirmed: bool


class OverlayMessage(_Message):
    type: Literal["overlay"] = "overlay"
    time_ms: float = Field(description="Wall time (POSIX ms) of the analysed frame")
    tracks: list[OverlayTrack]


class StatusMessage(_Message):
    type: Literal["status"] = "status"
    state: Literal["waiting", "error"]
    detail: str

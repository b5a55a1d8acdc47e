"""Cameras: video source, analytics, masks, image rules, georeference and recording."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from kordon.config.analytics import AnalyticsConfig
from kordon.config.common import Latitude, Longitude, Name, PixelPoint, Slug, StrictModel
from kordon.config.image_rules import ImageRuleConfig, MaskConfig

STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")


class FileSource(StrictModel):
    """A video file (demos, replays)."""

    kind: Literal["file"] = Field(description="Read frames from a video file.")
    path: Path = Field(description="Video file, relative to the site file.")
    loop: bool = Field(default=False, description="Start again at the end of the file.")
    realtime: bool = Field(
        default=True,
        description="Pace frames at the file's frame rate (false: as fast as possible).",
    )


def _check_stream_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in STREAM_SCHEMES:
        raise ValueError(
            f"stream url must start with one of {', '.join(s + '://' for s in STREAM_SCHEMES)}; "
            f"got scheme {parts.scheme!r}"
        )
    if not parts.hostname:
        raise ValueError("stream url has no host")
    return url


StreamUrl = Annotated[str, Field(min_length=8, max_length=2000), AfterValidator(_check_stream_url)]


class StreamSource(StrictModel):
    """A network camera stream (RTSP or HTTP)."""

    kind: Literal["stream"] = Field(description="Read frames from an RTSP/HTTP stream.")
    url: StreamUrl = Field(description="rtsp://, rtsps://, http:// or https:// URL.")
    transport: Literal["tcp", "udp"] = Field(default="tcp", description="RTSP transport.")
    timeout_s: float = Field(
        default=10.0, gt=0.0, le=300.0, description="Give up on a silent stream after this, s."
    )


class SimulatorSource(StrictModel):
    """Synthetic video with exact ground truth from the scenario simulator."""

    kind: Literal["simulator"] = Field(description="Render frames from a simulated scenario.")
    scenario: Slug = Field(description="Scenario name known to kordon.sim.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Random seed (reproducible).")
    fps: float = Field(default=10.0, gt=0.0, le=120.0, description="Frames per second produced.")
    width: int = Field(default=1280, ge=16, le=8192, description="Frame width, px.")
    height: int = Field(default=720, ge=16, le=8192, description="Frame height, px.")
    world: Slug | None = Field(
        default=None,
        description="With scenario 'border': show the people of this other simulated "
        "camera's scene (its seed, on one shared timeline), so cameras with overlapping or "
        "adjacent views see the same people and the site picture can hand them over.",
    )


SourceConfig = Annotated[FileSource | StreamSource | SimulatorSource, Field(discriminator="kind")]


class ControlPoint(StrictModel):
    """An image point whose position on the ground is known."""

    pixel: PixelPoint = Field(description="Image point [x, y] in pixels.")
    lat: Latitude = Field(description="Latitude of the ground point, degrees.")
    lon: Longitude = Field(description="Longitude of the ground point, degrees.")


class ControlPointsGeoref(StrictModel):
    """Ground-plane homography from four or more image/ground point pairs."""

    kind: Literal["control_points"] = Field(description="Georeference by control points.")
    points: list[ControlPoint] = Field(
        min_length=4, max_length=1000, description="At least four control points."
    )


class PoseGeoref(StrictModel):
    """Georeference from the camera's position, orientation and field of view (flat ground)."""

    kind: Literal["pose"] = Field(description="Georeference by camera pose.")
    lat: Latitude = Field(description="Camera latitude, degrees.")
    lon: Longitude = Field(description="Camera longitude, degrees.")
    height_m: float = Field(gt=0.0, le=10_000.0, description="Camera height above ground, m.")
    yaw_deg: float = Field(
        ge=0.0, lt=360.0, description="Viewing direction, degrees clockwise from north."
    )
    pitch_deg: float = Field(ge=-90.0, le=90.0, description="Tilt, degrees; negative looks down.")
    roll_deg: float = Field(default=0.0, ge=-180.0, le=180.0, description="Roll, degrees.")
    hfov_deg: float = Field(gt=0.0, lt=180.0, description="Horizontal field of view, degrees.")
    image_wh: tuple[
        Annotated[int, Field(ge=16, le=16384)], Annotated[int, Field(ge=16, le=16384)]
    ] = Field(description="Image [width, height] the pose refers to, px.")


GeoreferenceConfig = Annotated[ControlPointsGeoref | PoseGeoref, Field(discriminator="kind")]


class RecordingConfig(StrictModel):
    """Continuous recording in segments (stream copy) with pre/post roll for events."""

    enabled: bool = Field(default=True, description="Record this camera.")
    segment_s: float = Field(default=10.0, ge=1.0, le=3600.0, description="Segment length, s.")
    pre_roll_s: float = Field(
        default=5.0, ge=0.0, le=600.0, description="Video kept before an event, s."
    )
    post_roll_s: float = Field(
        default=10.0, ge=0.0, le=600.0, description="Video kept after an event, s."
    )


class CameraConfig(StrictModel):
    """One camera and everything that runs on its frames."""

    id: Slug = Field(description="Unique camera id.")
    name: Name = Field(description="Human-readable name.")
    enabled: bool = Field(default=True, description="Disabled cameras are not started.")
    sector: Slug = Field(description="Id of the sector this camera watches.")
    kind: Literal["visible", "thermal"] = Field(default="visible", description="Sensor type.")
    source: SourceConfig = Field(description="Where frames come from.")
    analytics: AnalyticsConfig = Field(
        default_factory=AnalyticsConfig, description="Detection and motion settings."
    )
    masks: list[MaskConfig] = Field(
        default_factory=list, max_length=100, description="Detection and privacy masks."
    )
    rules: list[ImageRuleConfig] = Field(
        default_factory=list, max_length=200, description="Image-space line and zone rules."
    )
    georeference: GeoreferenceConfig | None = Field(
        default=None, description="How image points map to the ground; none: image rules only."
    )
    recording: RecordingConfig = Field(
        default_factory=RecordingConfig, description="Recording settings."
    )

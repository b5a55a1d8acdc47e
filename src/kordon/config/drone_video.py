"""The video of a drone camera: a ``video:`` block on a ``mavlink`` sensor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from kordon.config.bounded_read import VIDEO_FILE, FileReadError, check_regular_file
from kordon.config.camera import CameraConfig, SimulatorSource
from kordon.config.common import ClassName, Slug, StrictModel


class SimulatedDroneView(StrictModel):
    """The simulated drone's camera: the scene simulator renders the people of a simulated
    camera's world from the drone's live pose (needs `simulated_patrol`)."""

    kind: Literal["simulator"] = Field(
        description="Render the drone camera's view of a simulated world from its live pose."
    )
    world: Slug = Field(
        description="The simulated camera (scenario 'border') whose people the drone sees: "
        "the same people at the same time as that camera and the cameras sharing its world."
    )


FROM_CONTAINER: Literal["creation_time"] = "creation_time"
"""``start_time`` value: take the recording's start from the container's metadata."""

RTSP_SCHEMES = ("rtsp", "rtsps")

TimeOffset = Annotated[float, Field(ge=-3600.0, le=3600.0)]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class DroneVideoFile(StrictModel):
    """A recorded drone video (with its telemetry usually replayed from the flight's
    `.tlog` by the same sensor: `url: tlog:FLIGHT.tlog`)."""

    kind: Literal["file"] = Field(description="Read the drone camera's frames from a video file.")
    path: Path = Field(description="Video file, relative to the site file.")
    start_time: Annotated[AwareDatetime, AfterValidator(_utc)] | Literal["creation_time"] = Field(
        default=FROM_CONTAINER,
        description="UTC time of the file's first frame (ISO 8601 with a zone, e.g. "
        "2026-05-01T12:00:00Z), or 'creation_time': read it from the container's metadata "
        "(most drones write it; a file without it is refused when the video starts).",
    )
    time_offset_s: TimeOffset = Field(
        default=0.0,
        description="Seconds added to every frame's time (start_time + its presentation "
        "time), e.g. a camera clock that runs behind UTC, or a creation_time written at the "
        "end of the recording (minus the file's duration).",
    )
    realtime: bool = Field(
        default=True,
        description="Pace frames at the file's frame rate (true, alongside a tlog replay "
        "at replay_speed 1); false: as fast as they decode (telemetry must already be in).",
    )


class DroneVideoStream(StrictModel):
    """A live drone video over RTSP (a ground station or the drone's own streamer)."""

    kind: Literal["rtsp"] = Field(description="Read the drone camera's frames from an RTSP stream.")
    url: Annotated[str, Field(min_length=8, max_length=2000)] = Field(
        description="rtsp:// or rtsps:// URL (credentials in it never reach the log)."
    )
    transport: Literal["tcp", "udp"] = Field(default="tcp", description="RTSP transport.")
    timeout_s: float = Field(
        default=10.0, gt=0.0, le=300.0, description="Reconnect after this long without data, s."
    )
    time_offset_s: TimeOffset = Field(
        default=0.0,
        description="Seconds added to each frame's arrival time to give its capture time: "
        "minus the stream's latency (encode, link, decode), e.g. -0.3.",
    )

    @model_validator(mode="after")
    def _check_url(self) -> DroneVideoStream:
        parts = urlsplit(self.url)
        if parts.scheme not in RTSP_SCHEMES:
            raise ValueError(
                f"a drone video url must start with rtsp:// or rtsps://; got scheme "
                f"{parts.scheme or 'none'!r}"
            )
        if not parts.hostname:
            raise ValueError("the drone video url has no host")
        return self


DroneVideoSource = Annotated[
    SimulatedDroneView | DroneVideoFile | DroneVideoStream, Field(discriminator="kind")
]


class DroneVideoConfig(StrictModel):
    """Detection on a drone camera's frames, geolocated through the telemetry pose matched
    by time and published as the drone's observations for the site picture."""

    source: DroneVideoSource = Field(description="Where the drone camera's frames come from.")
    system_id: int | None = Field(
        default=None,
        ge=1,
        le=255,
        description="The vehicle carrying the camera (one of system_ids; default the first). "
        "Its observations carry the drone id '<sensor id>:<system id>'.",
    )
    fps: float = Field(
        default=2.0,
        gt=0.0,
        le=10.0,
        description="Frames analysed per second (each costs one detector pass per tile).",
    )
    width: int = Field(
        default=640,
        ge=64,
        le=4096,
        description="Frame width analysed, px (a file's or stream's larger frames are scaled "
        "down to fit width × height, keeping their aspect ratio).",
    )
    height: int = Field(default=360, ge=64, le=4096, description="Frame height analysed, px.")
    tiles: tuple[Annotated[int, Field(ge=1, le=4)], Annotated[int, Field(ge=1, le=4)]] = Field(
        default=(2, 1),
        description="Detector tiles across and down each frame [x, y] (square tiles keep "
        "small people large in the detector's input).",
    )
    offset_s: float = Field(
        default=0.0,
        ge=-30.0,
        le=30.0,
        description="Seconds added to a frame's time to put it on the telemetry clock "
        "(measure it: 200 ms of unknown offset doubles the error at 10 m/s); on top of a "
        "file or stream source's own time_offset_s.",
    )
    classes: list[ClassName] = Field(
        default=["person"],
        min_length=1,
        max_length=80,
        description="Detector classes turned into observations.",
    )
    min_score: float = Field(
        default=0.35, gt=0.0, lt=1.0, description="Detector score threshold for every class."
    )
    threads: int = Field(default=1, ge=1, le=16, description="Detector CPU threads.")

    @model_validator(mode="after")
    def _check(self) -> DroneVideoConfig:
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("video.classes has duplicates")
        return self


GEO_SCENARIO = "border"
"""The simulated scenario whose world a drone can see (``kordon.sim.camera_scene``)."""


def world_problem(source: DroneVideoSource, cameras: Sequence[CameraConfig | None]) -> str | None:
    """Why a simulated drone view cannot show ``source.world`` (``None`` when it can, and
    for a file or stream): the world is an enabled simulated camera with scenario
    'border' showing its own people."""
    if not isinstance(source, SimulatedDroneView):
        return None
    known = [c for c in cameras if c is not None]
    camera = next((c for c in known if c.id == source.world), None)
    if camera is None:
        listing = ", ".join(repr(c.id) for c in known) or "none are defined"
        return f"unknown camera {source.world!r}; known cameras: {listing}"
    sim = camera.source
    if not (camera.enabled and isinstance(sim, SimulatorSource) and sim.scenario == GEO_SCENARIO):
        return (
            f"camera {camera.id!r} must be an enabled simulated camera with scenario "
            f"{GEO_SCENARIO!r} (a drone sees a simulated world)"
        )
    if sim.world not in (None, camera.id):
        return f"camera {camera.id!r} shows the world of {sim.world!r}: name {sim.world!r}"
    return None


def video_file_problem(source: DroneVideoSource, resolve: Callable[[Path], Path]) -> str | None:
    """Why a drone video file cannot be read (``None`` when it can, and for other
    sources): it must be a regular file within the video size limit; ``resolve`` makes
    the configured path absolute (relative to the site file)."""
    if not isinstance(source, DroneVideoFile):
        return None
    try:
        check_regular_file(resolve(source.path), VIDEO_FILE)
    except FileReadError as exc:
        return str(exc)
    return None

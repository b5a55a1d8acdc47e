"""The video of a drone camera: a ``video:`` block on a ``mavlink`` sensor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

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


DroneVideoSource = Annotated[SimulatedDroneView, Field(discriminator="kind")]


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
    width: int = Field(default=640, ge=64, le=4096, description="Frame width analysed, px.")
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
        "(measure it: 200 ms of unknown offset doubles the error at 10 m/s).",
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
    """Why a simulated drone view cannot show ``source.world`` (``None`` when it can):
    the world is an enabled simulated camera with scenario 'border' showing its own people."""
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

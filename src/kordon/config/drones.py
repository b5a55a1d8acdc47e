"""A drone or ground station speaking MAVLink (docs/drones.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kordon.config.common import Name, Slug, StrictModel
from kordon.config.drone_video import DroneVideoConfig, SimulatedDroneView


class MavlinkSensor(StrictModel):
    """A drone or ground station speaking MAVLink."""

    kind: Literal["mavlink"] = Field(description="MAVLink telemetry.")
    id: Slug = Field(description="Unique sensor id.")
    name: Name | None = Field(default=None, description="Human-readable name.")
    url: Annotated[str, Field(min_length=4, max_length=500)] = Field(
        description=(
            "MAVLink connection: udpin:HOST:PORT, udpout:HOST:PORT, tcp:HOST:PORT, "
            "serial:DEVICE:BAUD or tlog:PATH (replay), e.g. udpin:0.0.0.0:14550."
        )
    )
    system_ids: list[Annotated[int, Field(ge=1, le=255)]] = Field(
        default=[1],
        min_length=1,
        max_length=64,
        description=(
            "MAVLink system ids of the vehicles on this link; messages from any other "
            "system id are refused and counted (a spoofed or foreign vehicle)."
        ),
    )
    heartbeat_timeout_s: float = Field(
        default=5.0,
        ge=1.0,
        le=600.0,
        description="Seconds without a vehicle heartbeat before the drone is reported offline.",
    )
    camera_hfov_deg: float | None = Field(
        default=None,
        gt=0.0,
        lt=180.0,
        description=(
            "Horizontal field of view of the drone camera, degrees, used until the vehicle "
            "reports CAMERA_FOV_STATUS; none: no footprint until it does."
        ),
    )
    dem_file: Annotated[str, Field(min_length=5, max_length=500, pattern=r"(?i)\.hgt$")] | None = (
        Field(
            default=None,
            description=(
                "SRTM .hgt terrain tile (e.g. N51E024.hgt) for camera footprints; none: "
                "flat ground at the home altitude."
            ),
        )
    )
    replay_speed: float = Field(
        default=1.0,
        ge=0.0,
        le=1_000.0,
        description="Replay speed of a tlog: url, times real time (0: as fast as possible).",
    )
    replay_time: Literal["received", "recorded"] = Field(
        default="received",
        description=(
            "Time of a tlog: replay's drone states: 'received', the node's clock as each "
            "message is replayed; 'recorded', the time the log recorded for each message, "
            "so the states line up with the same flight's recorded video (heartbeat loss "
            "and silence are then judged on the replay's own clock). Only for tlog: urls."
        ),
    )
    simulated_patrol: Slug | None = Field(
        default=None,
        description="Demo and tests: a simulated vehicle (system id 1) flies a generated "
        "patrol of this sector, over and over, and sends its telemetry to this endpoint "
        "(url must be udpin:HOST:PORT).",
    )
    simulated_patrol_km: tuple[float, float] | None = Field(
        default=None,
        description="Demo: the simulated vehicle patrols only this stretch [from_km, to_km] "
        "of its sector's border (km posts inside the sector), out and back.",
    )
    video: DroneVideoConfig | None = Field(
        default=None,
        description="The drone camera's video: detections geolocated through the live pose "
        "and fused in the site picture (docs/drones.md).",
    )

    @model_validator(mode="after")
    def _check_url(self) -> MavlinkSensor:
        kinds = ("udpin:", "udpout:", "tcp:", "serial:", "tlog:")
        if not self.url.startswith(kinds):
            raise ValueError(
                f"mavlink sensor {self.id!r}: url must start with one of "
                f"{', '.join(kinds)} (e.g. udpin:0.0.0.0:14550)"
            )
        if len(set(self.system_ids)) != len(self.system_ids):
            raise ValueError(f"mavlink sensor {self.id!r}: system_ids has duplicates")
        if self.simulated_patrol is not None and not self.url.startswith("udpin:"):
            raise ValueError(
                f"mavlink sensor {self.id!r}: a simulated patrol sends over UDP; "
                "url must be udpin:HOST:PORT"
            )
        if self.replay_time == "recorded" and not self.url.startswith("tlog:"):
            raise ValueError(
                f"mavlink sensor {self.id!r}: replay_time 'recorded' is for a replayed log "
                f"(url tlog:PATH); {self.url.partition(':')[0]}: is a live link, whose "
                "messages carry no recorded time: leave replay_time at 'received'"
            )
        if self.simulated_patrol_km is not None and self.simulated_patrol is None:
            raise ValueError(
                f"mavlink sensor {self.id!r}: simulated_patrol_km needs simulated_patrol"
            )
        video = self.video
        if video is not None:
            if video.system_id is not None and video.system_id not in self.system_ids:
                raise ValueError(
                    f"mavlink sensor {self.id!r}: video.system_id {video.system_id} is not "
                    f"one of system_ids {self.system_ids}"
                )
            if isinstance(video.source, SimulatedDroneView) and self.simulated_patrol is None:
                raise ValueError(
                    f"mavlink sensor {self.id!r}: video.source kind 'simulator' renders the "
                    "simulated drone's camera: set simulated_patrol (a real drone's video "
                    "is kind 'file' or 'rtsp')"
                )
        return self

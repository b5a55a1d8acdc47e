"""Unattended ground sensors: seismic, PIR, magnetic, fence (docs/sensors.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from kordon.config.common import Latitude, Longitude, LonLat, Name, Slug, StrictModel
from kordon.config.endpoints import EnvName, Port, TopicFilter


class UgsSensorType(StrEnum):
    """What a ground sensor senses."""

    SEISMIC = "seismic"
    PIR = "pir"
    MAGNETIC = "magnetic"
    FENCE = "fence"


class GroundSensorMqtt(StrictModel):
    """Where a ground sensor's messages arrive over MQTT (QoS 1)."""

    host: Annotated[str, Field(min_length=1, max_length=253)] = Field(description="Broker host.")
    port: Port = Field(default=1883, description="Broker port.")
    topic: TopicFilter = Field(
        description=(
            "Topic filter the sensor publishes on ('+' and '#' wildcards allowed, e.g. "
            "'ugs/+/msg'); a message is accepted only if its sensor id is a sensor whose "
            "filter matches the topic it came on."
        )
    )


class GroundSensor(StrictModel):
    """An unattended ground sensor (seismic, PIR, magnetic, fence) at a fixed position.

    Its detection area is a disc (`radius_m` around the position) or a polygon; every
    alarm becomes one observation covering that area (docs/sensors.md).
    """

    kind: Literal["ground_sensor"] = Field(description="Fixed ground sensor.")
    id: Slug = Field(description="Unique sensor id (the `sensor_id` of its messages).")
    name: Name | None = Field(default=None, description="Human-readable name.")
    sensor_type: UgsSensorType | None = Field(
        default=None,
        description="What it senses; when set, messages claiming another type are refused.",
    )
    lat: Latitude = Field(description="Latitude of the device, degrees.")
    lon: Longitude = Field(description="Longitude of the device, degrees.")
    radius_m: float | None = Field(
        default=None,
        gt=0.0,
        le=10_000.0,
        description="Detection radius around the device, m. Exactly one of radius_m and polygon.",
    )
    polygon: list[LonLat] | None = Field(
        default=None,
        min_length=3,
        max_length=1_000,
        description=(
            "Detection area as [[lon, lat], ...] (e.g. a fence section's strip). "
            "Exactly one of radius_m and polygon."
        ),
    )
    heartbeat_interval_s: float = Field(
        default=300.0,
        ge=1.0,
        le=86_400.0,
        description=(
            "Seconds between the sensor's heartbeats; silent for twice this long, the "
            "sensor is reported offline."
        ),
    )
    confidence: float = Field(
        default=0.5, gt=0.0, le=1.0, description="Confidence given to its alarms' observations."
    )
    low_battery_pct: float = Field(
        default=20.0,
        ge=0.0,
        le=100.0,
        description="Battery level at or below which it is degraded.",
    )
    max_alarm_rate_hz: float = Field(
        default=1.0,
        gt=0.0,
        le=100.0,
        description="Messages per second accepted on average; more are dropped and counted.",
    )
    alarm_burst: int = Field(
        default=10, ge=1, le=1_000, description="Messages accepted at once before rate limiting."
    )
    mqtt: GroundSensorMqtt | None = Field(
        default=None, description="Receive its messages from an MQTT broker; none: not over MQTT."
    )
    secret_env: EnvName | None = Field(
        default=None,
        description=(
            "Name of the environment variable holding the HMAC-SHA256 shared secret for "
            "the HTTP endpoint (several sensors may share one: a per-site secret); none: "
            "its HTTP messages are refused. The secret itself never goes in the site file."
        ),
    )
    simulated_world: Slug | None = Field(
        default=None,
        description="Demo and tests: a simulated twin of this sensor watches the people of "
        "this simulated camera's border scene and sends its alarms and heartbeats into the "
        "node (as the real sensor would over MQTT or HTTP).",
    )

    @model_validator(mode="after")
    def _one_area(self) -> GroundSensor:
        if (self.radius_m is None) == (self.polygon is None):
            raise ValueError(
                f"ground sensor {self.id!r}: give exactly one of 'radius_m' (a disc around "
                "lat/lon) or 'polygon' (its detection area)"
            )
        if self.polygon is not None and len(set(self.polygon)) < 3:
            raise ValueError(
                f"ground sensor {self.id!r}: the polygon needs at least 3 distinct points"
            )
        return self

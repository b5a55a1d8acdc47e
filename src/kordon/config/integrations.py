"""Non-camera sensors and outbound notifiers (discriminated unions on ``kind``)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from kordon.config.common import Latitude, Longitude, LonLat, Name, Slug, StrictModel

Port = Annotated[int, Field(ge=1, le=65_535)]


def _url_checker(schemes: tuple[str, ...]) -> AfterValidator:
    def check(url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in schemes:
            raise ValueError(
                f"url scheme must be one of {', '.join(schemes)}; got {parts.scheme or 'none'!r}"
            )
        if not parts.hostname:
            raise ValueError("url has no host")
        return url

    return AfterValidator(check)


HttpUrl = Annotated[str, Field(min_length=8, max_length=2000), _url_checker(("http", "https"))]


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
    simulated_patrol: Slug | None = Field(
        default=None,
        description="Demo and tests: a simulated vehicle (system id 1) flies a generated "
        "patrol of this sector, over and over, and sends its telemetry to this endpoint "
        "(url must be udpin:HOST:PORT).",
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
        return self


class UgsSensorType(StrEnum):
    """What a ground sensor senses."""

    SEISMIC = "seismic"
    PIR = "pir"
    MAGNETIC = "magnetic"
    FENCE = "fence"


ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]{0,127}$"


def _check_env_name(name: str) -> str:
    if not re.match(ENV_NAME_PATTERN, name):
        raise ValueError(
            f"{name!r} is not an environment variable name: use A-Z, 0-9 and '_', not starting "
            "with a digit, e.g. KORDON_UGS_SECRET (the secret itself never goes in the site file)"
        )
    return name


EnvName = Annotated[
    str,
    AfterValidator(_check_env_name),
    Field(min_length=1, max_length=128, json_schema_extra={"pattern": ENV_NAME_PATTERN}),
]


def _check_topic_filter(topic: str) -> str:
    levels = topic.split("/")
    for i, level in enumerate(levels):
        if "\x00" in level:
            raise ValueError("MQTT topic filter must not contain NUL characters")
        if ("+" in level and level != "+") or ("#" in level and level != "#"):
            raise ValueError(
                f"MQTT topic filter {topic!r}: '+' and '#' must fill a whole level "
                "(e.g. 'ugs/+/msg' or 'ugs/#')"
            )
        if level == "#" and i != len(levels) - 1:
            raise ValueError(f"MQTT topic filter {topic!r}: '#' must be the last level")
    return topic


TopicFilter = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_check_topic_filter)
]


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


class AsterixRadar(StrictModel):
    """A radar sending ASTERIX plots or tracks over UDP."""

    kind: Literal["radar_asterix"] = Field(description="ASTERIX radar feed.")
    id: Slug = Field(description="Unique sensor id.")
    name: Name | None = Field(default=None, description="Human-readable name.")
    udp_port: Port = Field(description="UDP port to listen on.")


SensorConfig = Annotated[MavlinkSensor | GroundSensor | AsterixRadar, Field(discriminator="kind")]


class MqttNotifier(StrictModel):
    """Publish events to an MQTT broker."""

    kind: Literal["mqtt"] = Field(description="MQTT publisher.")
    id: Slug = Field(description="Unique notifier id.")
    host: Annotated[str, Field(min_length=1, max_length=253)] = Field(description="Broker host.")
    port: Port = Field(default=1883, description="Broker port.")
    topic_prefix: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        default="kordon", description="Topic prefix."
    )


class WebhookNotifier(StrictModel):
    """POST events as JSON to a URL."""

    kind: Literal["webhook"] = Field(description="HTTP webhook.")
    id: Slug = Field(description="Unique notifier id.")
    url: HttpUrl = Field(description="http:// or https:// URL.")


class CotNotifier(StrictModel):
    """Send Cursor-on-Target events to a TAK server or multicast group."""

    kind: Literal["cot"] = Field(description="Cursor-on-Target sender.")
    id: Slug = Field(description="Unique notifier id.")
    url: Annotated[
        str, Field(min_length=8, max_length=500), _url_checker(("udp", "tcp", "tls"))
    ] = Field(description="udp://, tcp:// or tls:// host:port of the TAK endpoint.")


NotifierConfig = Annotated[
    MqttNotifier | WebhookNotifier | CotNotifier, Field(discriminator="kind")
]

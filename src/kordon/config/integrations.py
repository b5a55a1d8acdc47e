"""Non-camera sensors and outbound notifiers (discriminated unions on ``kind``)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from kordon.config.common import Latitude, Longitude, Name, Slug, StrictModel

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
        description="MAVLink connection, e.g. udpin:0.0.0.0:14550 or tcp:host:5760."
    )


class GroundSensor(StrictModel):
    """An unattended ground sensor (seismic, PIR, magnetic) at a fixed position."""

    kind: Literal["ground_sensor"] = Field(description="Fixed ground sensor.")
    id: Slug = Field(description="Unique sensor id.")
    name: Name | None = Field(default=None, description="Human-readable name.")
    lat: Latitude = Field(description="Latitude, degrees.")
    lon: Longitude = Field(description="Longitude, degrees.")
    radius_m: float = Field(gt=0.0, le=10_000.0, description="Detection radius, m.")


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

"""Non-camera sensors and outbound notifiers (discriminated unions on ``kind``)."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from kordon.config.common import Latitude, Longitude, LonLat, Name, Slug, StrictModel
from kordon.config.drone_video import DroneVideoConfig, SimulatedDroneView

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


def _check_ipv4(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address (e.g. 0.0.0.0 or 10.0.0.5)") from None
    return value


def _check_multicast(value: str) -> str:
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address (e.g. 239.1.2.3)") from None
    if not address.is_multicast:
        raise ValueError(f"{value} is not a multicast group: use 224.0.0.0 to 239.255.255.255")
    return value


Ipv4Address = Annotated[str, Field(min_length=7, max_length=15), AfterValidator(_check_ipv4)]
MulticastGroup = Annotated[
    str, Field(min_length=7, max_length=15), AfterValidator(_check_multicast)
]


class AsterixRadar(StrictModel):
    """A surveillance radar sending ASTERIX over UDP (unicast or multicast).

    CAT048 plots and CAT062 tracks become observations in the site picture; CAT021 ADS-B
    reports (cooperative aircraft) are kept out of it and shown on the map apart; CAT034
    north markers tell the antenna is turning (docs/sensors.md).
    """

    kind: Literal["radar_asterix"] = Field(description="ASTERIX radar feed.")
    id: Slug = Field(description="Unique sensor id.")
    name: Name | None = Field(default=None, description="Human-readable name.")
    udp_port: Port = Field(description="UDP port to listen on.")
    bind_address: Ipv4Address = Field(
        default="0.0.0.0",
        description="Local IPv4 address to listen on (0.0.0.0: every interface).",
    )
    multicast_group: MulticastGroup | None = Field(
        default=None,
        description="IPv4 multicast group the radar sends to (joined on the bind_address "
        "interface, or the default one for 0.0.0.0); none: unicast.",
    )
    sac: int = Field(ge=0, le=255, description="System Area Code (I0xx/010) of this radar.")
    sic: int = Field(
        ge=0,
        le=255,
        description="System Identification Code (I0xx/010) of this radar; records of any "
        "other SAC/SIC on the port are ignored and counted.",
    )
    lat: Latitude = Field(description="Latitude of the antenna, degrees.")
    lon: Longitude = Field(description="Longitude of the antenna, degrees.")
    height_m: float = Field(
        default=0.0,
        ge=0.0,
        le=10_000.0,
        description="Height of the antenna above the ground it watches, m: the slant range "
        "of a plot is reduced to the range along the ground.",
    )
    north_offset_deg: float = Field(
        default=0.0,
        gt=-180.0,
        le=180.0,
        description="Angle from true north to the radar's azimuth 0, clockwise, degrees "
        "(its alignment): a plot at azimuth a lies at true bearing a + north_offset_deg.",
    )
    range_sigma_m: float = Field(
        default=15.0,
        gt=0.0,
        le=5_000.0,
        description="1-sigma range error of a plot, m (including the 7.2 m step of I048/040).",
    )
    azimuth_sigma_deg: float = Field(
        default=0.5,
        gt=0.0,
        le=20.0,
        description="1-sigma azimuth error of a plot, degrees.",
    )
    rotation_period_s: float = Field(
        default=4.0,
        ge=0.1,
        le=600.0,
        description="Expected antenna rotation period, s; with no data (plots or north "
        "markers) for 3 periods the radar is reported offline.",
    )
    max_plots_per_s: float = Field(
        default=500.0,
        gt=0.0,
        le=100_000.0,
        description="Plots and tracks accepted per second on average (one rotation's worth "
        "at once); more are dropped and counted, and the radar is degraded while it floods.",
    )
    confidence: float = Field(
        default=0.6, gt=0.0, le=1.0, description="Confidence given to its observations."
    )
    adsb_max_age_s: float = Field(
        default=60.0,
        ge=1.0,
        le=3_600.0,
        description="A cooperative aircraft (CAT021 ADS-B) this radar reported leaves the "
        "operator map when the radar has said nothing more of it for this long, s.",
    )
    simulated_world: Slug | None = Field(
        default=None,
        description="Demo and tests: a simulated radar at this position watches the people "
        "of this simulated camera's border scene and sends ASTERIX CAT048 plots and CAT034 "
        "north markers to udp_port on this node, and CAT021 ADS-B reports of two simulated "
        "aircraft crossing the sky over it.",
    )

    @model_validator(mode="after")
    def _check(self) -> AsterixRadar:
        if self.simulated_world is not None and self.multicast_group is not None:
            raise ValueError(
                f"radar {self.id!r}: a simulated radar sends unicast to this node; "
                "remove multicast_group or simulated_world"
            )
        return self


SensorConfig = Annotated[MavlinkSensor | GroundSensor | AsterixRadar, Field(discriminator="kind")]


def _check_topic_prefix(prefix: str) -> str:
    if any(c in prefix for c in "+#\x00"):
        raise ValueError(
            f"MQTT topic prefix {prefix!r} must not contain '+', '#' or NUL (it names topics "
            "to publish on, not a filter)"
        )
    if prefix.startswith("/") or prefix.endswith("/") or "//" in prefix:
        raise ValueError(
            f"MQTT topic prefix {prefix!r}: no leading, trailing or doubled '/' (e.g. 'kordon' "
            "or 'site/volyn')"
        )
    return prefix


TopicPrefix = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_check_topic_prefix)
]
FilePath = Annotated[str, Field(min_length=1, max_length=500)]


class MqttNotifier(StrictModel):
    """Publish events, incidents, alerts and device health to an MQTT broker (docs/integrations.md).

    Topics under ``topic_prefix``: ``events``, ``incidents``, ``alerts`` (QoS 1, not
    retained), ``devices/<device_id>`` (retained), ``available`` (retained ``online``, last
    will ``offline``) and, when enabled, ``tracks`` (QoS 0, never retained, rate-bounded).
    """

    kind: Literal["mqtt"] = Field(description="MQTT publisher.")
    id: Slug = Field(description="Unique notifier id.")
    host: Annotated[str, Field(min_length=1, max_length=253)] = Field(description="Broker host.")
    port: Port = Field(default=1883, description="Broker port (8883 is usual with TLS).")
    topic_prefix: TopicPrefix = Field(
        default="kordon",
        description="Topic prefix, e.g. 'kordon' gives 'kordon/events' ('+', '#' refused).",
    )
    client_id: (
        Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")] | None
    ) = Field(
        default=None,
        description="MQTT client id; none: 'kordon-<site id>-<notifier id>'.",
    )
    username: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Broker user name; none: connect anonymously."
    )
    password_env: EnvName | None = Field(
        default=None,
        description=(
            "Name of the environment variable holding the broker password (needs "
            "username); the password itself never goes in the site file."
        ),
    )
    tls: bool = Field(
        default=False, description="Connect with TLS (the broker's certificate is verified)."
    )
    ca_file: FilePath | None = Field(
        default=None,
        description="CA certificates (PEM) to verify the broker with; none: the system's.",
    )
    client_cert_file: FilePath | None = Field(
        default=None, description="Client certificate (PEM) for mutual TLS; needs client_key_file."
    )
    client_key_file: FilePath | None = Field(
        default=None, description="Private key (PEM) of client_cert_file."
    )
    keepalive_s: int = Field(default=30, ge=5, le=3_600, description="MQTT keepalive, seconds.")
    reconnect_min_s: int = Field(
        default=1, ge=1, le=600, description="First delay before reconnecting, seconds."
    )
    reconnect_max_s: int = Field(
        default=60,
        ge=1,
        le=3_600,
        description="Longest delay between reconnection attempts (the delay doubles up to it).",
    )
    queue_size: int = Field(
        default=10_000,
        ge=10,
        le=1_000_000,
        description=(
            "Messages held while the broker is away. When full, the oldest track update is "
            "dropped first; other messages are refused, counted and reported as health."
        ),
    )
    publish_tracks: bool = Field(
        default=False,
        description="Also publish live track positions on '<prefix>/tracks' (QoS 0).",
    )
    tracks_max_rate_hz: float = Field(
        default=1.0,
        gt=0.0,
        le=50.0,
        description="Most updates per second published for any one track.",
    )

    @model_validator(mode="after")
    def _check_security(self) -> MqttNotifier:
        if self.password_env is not None and self.username is None:
            raise ValueError(f"mqtt notifier {self.id!r}: password_env needs a username")
        if (self.client_cert_file is None) != (self.client_key_file is None):
            raise ValueError(
                f"mqtt notifier {self.id!r}: give both client_cert_file and client_key_file "
                "or neither"
            )
        if not self.tls and any(
            f is not None for f in (self.ca_file, self.client_cert_file, self.client_key_file)
        ):
            raise ValueError(
                f"mqtt notifier {self.id!r}: ca_file and client certificates need tls: true"
            )
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError(
                f"mqtt notifier {self.id!r}: reconnect_min_s must not exceed reconnect_max_s"
            )
        return self


class WebhookTopic(StrEnum):
    """What a webhook is sent."""

    EVENTS = "events"
    INCIDENTS = "incidents"
    ALERTS = "alerts"


class WebhookNotifier(StrictModel):
    """POST events, incidents and alerts as signed JSON to a URL (docs/integrations.md)."""

    kind: Literal["webhook"] = Field(description="HTTP webhook.")
    id: Slug = Field(description="Unique notifier id.")
    url: HttpUrl = Field(description="http:// or https:// URL.")
    secret_env: EnvName = Field(
        description=(
            "Name of the environment variable holding the HMAC-SHA256 secret (at least 16 "
            "bytes) that signs every request; the secret itself never goes in the site file."
        )
    )
    send: list[WebhookTopic] = Field(
        default=[WebhookTopic.EVENTS, WebhookTopic.INCIDENTS, WebhookTopic.ALERTS],
        min_length=1,
        max_length=3,
        description="What to POST: any of events, incidents, alerts.",
    )
    timeout_s: float = Field(
        default=5.0, gt=0.0, le=120.0, description="Timeout of one request, seconds."
    )
    max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Attempts per message (the first and the retries) before giving up on it.",
    )
    backoff_initial_s: float = Field(
        default=1.0, gt=0.0, le=600.0, description="Delay before the first retry, seconds."
    )
    backoff_max_s: float = Field(
        default=60.0,
        gt=0.0,
        le=3_600.0,
        description="Longest delay between retries (the delay doubles up to it), seconds.",
    )
    queue_size: int = Field(
        default=1_000,
        ge=1,
        le=100_000,
        description="Messages waiting to be sent; when full, new ones are refused and counted.",
    )

    @model_validator(mode="after")
    def _check(self) -> WebhookNotifier:
        if len(set(self.send)) != len(self.send):
            raise ValueError(f"webhook notifier {self.id!r}: 'send' has duplicates")
        if self.backoff_initial_s > self.backoff_max_s:
            raise ValueError(
                f"webhook notifier {self.id!r}: backoff_initial_s must not exceed backoff_max_s"
            )
        return self


class CotLayer(StrEnum):
    """What a ``cot`` notifier sends."""

    TRACKS = "tracks"
    INCIDENTS = "incidents"
    DRONES = "drones"
    SENSORS = "sensors"
    DRAWINGS = "drawings"


def _ipv4(text: str, *, multicast: bool) -> None:
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4 address") from None
    if multicast and not address.is_multicast:
        raise ValueError(f"{text!r} is not a multicast group (224.0.0.0/4)")


class CotNotifier(StrictModel):
    """Send the site picture as Cursor-on-Target to a TAK server or multicast group, and
    read field units' positions back (docs/tak.md)."""

    kind: Literal["cot"] = Field(description="Cursor-on-Target sender.")
    id: Slug = Field(description="Unique notifier id.")
    url: Annotated[
        str, Field(min_length=8, max_length=500), _url_checker(("udp", "tcp", "tls"))
    ] = Field(description="udp://, tcp:// or tls:// host:port of the TAK endpoint.")
    protocol: Literal["negotiate", "xml", "proto"] = Field(
        default="negotiate",
        description="Payload. negotiate: on tcp:// and tls://, CoT XML until the server "
        "offers TAK protocol version 1 (t-x-takp-v), then ask for it and switch to protobuf "
        "stream framing on a yes, else stay on XML; XML on udp://. xml: CoT XML only. "
        "proto: TAK protocol version 1 from the first byte (mesh framing on udp://; on "
        "tcp:// and tls:// only with a server that expects it from the start).",
    )
    callsign: Name = Field(default="Kordon", description="The node's callsign on TAK clients.")
    layers: list[CotLayer] = Field(
        default=list(CotLayer),
        min_length=1,
        max_length=5,
        description="What to send: tracks, incidents, drones, sensors (cameras), drawings "
        "(border and sectors).",
    )
    ca_file: FilePath | None = Field(
        default=None,
        description="tls:// only: CA certificates (PEM) to verify the server; none: the system's.",
    )
    client_cert_file: FilePath | None = Field(
        default=None, description="tls:// only: client certificate (PEM); needs client_key_file."
    )
    client_key_file: FilePath | None = Field(
        default=None, description="Private key (PEM, unencrypted) of client_cert_file."
    )
    check_hostname: bool = Field(
        default=True, description="tls:// only: check the server certificate names the host."
    )
    track_interval_s: float = Field(
        default=1.0,
        gt=0.0,
        le=3_600.0,
        description="Least time between two updates of one track, s.",
    )
    static_interval_s: float = Field(
        default=60.0,
        ge=5.0,
        le=86_400.0,
        description="How often sensors, drawings and the node's own position are sent again, s.",
    )
    stale_s: float = Field(
        default=30.0, ge=1.0, le=3_600.0, description="Stale time of tracks and drones, s."
    )
    queue_size: int = Field(
        default=10_000,
        ge=10,
        le=1_000_000,
        description="Updates (and, separately, alarms) held while the server is away; when "
        "full the oldest update is dropped; alarms are never displaced by updates.",
    )
    reconnect_min_s: float = Field(
        default=1.0, gt=0.0, le=600.0, description="First delay before reconnecting, s."
    )
    reconnect_max_s: float = Field(
        default=60.0, gt=0.0, le=3_600.0, description="Longest delay between reconnections, s."
    )
    multicast_ttl: int = Field(default=1, ge=1, le=255, description="TTL of multicast datagrams.")
    multicast_interface: str | None = Field(
        default=None,
        description="IPv4 address of the interface multicast is sent and joined on; none: default.",
    )
    listen_udp: Annotated[str, Field(pattern=r"^[^:\s]+:\d{1,5}$", max_length=300)] | None = Field(
        default=None,
        description="Also read CoT over UDP on HOST:PORT (e.g. 0.0.0.0:6969); none: only "
        "from the connection.",
    )
    listen_group: str | None = Field(
        default=None, description="Multicast group the UDP listener joins (e.g. 239.2.3.1)."
    )

    @model_validator(mode="after")
    def _check(self) -> CotNotifier:
        tls = self.url.startswith("tls://")
        files = (self.ca_file, self.client_cert_file, self.client_key_file)
        if not tls and any(f is not None for f in files):
            raise ValueError(f"cot notifier {self.id!r}: TLS files need a tls:// url")
        if (self.client_cert_file is None) != (self.client_key_file is None):
            raise ValueError(
                f"cot notifier {self.id!r}: give both client_cert_file and client_key_file "
                "or neither"
            )
        if len(set(self.layers)) != len(self.layers):
            raise ValueError(f"cot notifier {self.id!r}: 'layers' has duplicates")
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError(
                f"cot notifier {self.id!r}: reconnect_min_s must not exceed reconnect_max_s"
            )
        if self.listen_group is not None:
            if self.listen_udp is None:
                raise ValueError(f"cot notifier {self.id!r}: listen_group needs listen_udp")
            _ipv4(self.listen_group, multicast=True)
        if self.multicast_interface is not None:
            _ipv4(self.multicast_interface, multicast=False)
        return self


NotifierConfig = Annotated[
    MqttNotifier | WebhookNotifier | CotNotifier, Field(discriminator="kind")
]

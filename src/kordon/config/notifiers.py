"""The MQTT and webhook notifiers: events, incidents and alerts sent out (docs/integrations.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from kordon.config.common import Slug, StrictModel
from kordon.config.endpoints import EnvName, FilePath, HttpUrl, Port, TopicPrefix


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

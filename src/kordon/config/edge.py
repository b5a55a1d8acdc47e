"""The ``edge:`` section of a site file: this node is an outpost of a central server.

The models here are shared with the central file (``kordon.central.config``): an edge id
(one MQTT topic level and a Mosquitto user name) and TLS to a broker. They import nothing
from the link or the store, so the site schema stays a pure description.

:func:`edge_file_problems` checks, once the site has passed the schema, that the files the
section names exist (the password file holds a first line), so a missing credential is
reported by ``kordon config check`` with its line, not when the link first connects.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from kordon.config.bounded_read import FileKind, FileReadError, read_bounded_text
from kordon.config.common import StrictModel

EDGE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"

EdgeId = Annotated[str, Field(pattern=EDGE_ID_PATTERN)]
"""An edge id: one MQTT topic level and a Mosquitto user name (lowercase, digits, - _)."""

DEFAULT_TOPIC_ROOT = "kordon/edge"
"""The link's topic root unless configured (``kordon.link.topics.DEFAULT_ROOT``)."""

SECRET_FILE = FileKind("password file", 64 * 1024)
TLS_FILE = FileKind("TLS file", 1_048_576)

_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


def _check_host(value: str) -> str:
    """A host name or IP address; a URL (``mqtt://host:1883``) is refused with a hint."""
    if "://" in value:
        scheme = value.split("://", 1)[0]
        raise ValueError(
            f"{value!r} is a URL: give the broker's host alone (host: mqtt.example), its port "
            f"in 'port' and TLS in 'tls' ({scheme}:// is not read)"
        )
    if ":" in value:
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a host name or IPv6 address: put the port in 'port'"
            ) from None
        return value
    if not _HOST_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a host name or IP address (letters, digits, '-' and '.'; "
            "no spaces, '/', '@' or port)"
        )
    return value


def _check_topic_root(value: str) -> str:
    if value.startswith("/") or value.endswith("/") or any(c in "+#\x00" for c in value):
        raise ValueError(
            f"topic root {value!r} must be a plain MQTT topic: no wildcards (+ #), no leading "
            "or trailing '/'"
        )
    return value


BrokerHost = Annotated[str, Field(min_length=1, max_length=253), AfterValidator(_check_host)]
TopicRoot = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_check_topic_root)]


class BrokerTls(StrictModel):
    """TLS to the broker: the CA that signed its certificate, optionally our own."""

    ca_file: Path = Field(description="PEM CA certificate, relative to the file naming it.")
    cert_file: Path | None = Field(default=None, description="Client certificate (PEM).")
    key_file: Path | None = Field(default=None, description="Client certificate's key (PEM).")

    @model_validator(mode="after")
    def _pair(self) -> BrokerTls:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class EdgeLinkConfig(StrictModel):
    """This node is an outpost: it delivers its events, incidents and device status to a
    central server over an MQTT broker (docs/edge-central.md)."""

    id: EdgeId = Field(
        description="This outpost's edge id: its topic level and MQTT user name, as listed "
        "in the central file's edges."
    )
    host: BrokerHost = Field(description="The central broker's host name or IP address.")
    port: int = Field(default=1883, ge=1, le=65_535, description="Port (8883 for TLS).")
    password_file: Path | None = Field(
        default=None,
        description="File whose first line is this edge's MQTT password (from `kordon "
        "central-credentials`), relative to the site file; never the password itself here.",
    )
    anonymous: bool = Field(
        default=False,
        description="Connect without credentials (a development broker only); otherwise "
        "password_file is required.",
    )
    tls: BrokerTls | None = Field(default=None, description="TLS to the broker; none: plain.")
    topic_root: TopicRoot = Field(
        default=DEFAULT_TOPIC_ROOT, description="Topic root, as the centre's broker entry says."
    )
    batch_entries: int = Field(
        default=200, ge=1, le=10_000, description="Outbox entries per batch, at most."
    )
    batch_bytes: int = Field(
        default=256_000, ge=1_024, le=1_000_000, description="Payload bytes per batch, at most."
    )
    max_in_flight: int = Field(
        default=4, ge=1, le=64, description="Batches sent and not yet acknowledged, at most."
    )
    ack_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=3_600,
        description="A batch not acknowledged in this time is sent again (same id).",
    )
    budget_bytes_s: float | None = Field(
        default=None,
        gt=0,
        le=1_000_000_000,
        description="The link's bandwidth budget in bytes a second (none: unlimited). "
        "Alarms are never held back by it (they may exceed it); tracks, health and audit "
        "entries wait for it.",
    )
    budget_burst_bytes: int = Field(
        default=64_000,
        ge=1_024,
        le=100_000_000,
        description="Bytes that may leave at once after a quiet time (the budget's bucket).",
    )
    track_interval_s: float | None = Field(
        default=5.0,
        gt=0,
        le=3_600,
        description="Fused-track updates sent to the centre: at most one per track this often, "
        "besides each track's first and last update and class changes; none: no tracks sent.",
    )
    backlog_max_entries: int = Field(
        default=10_000,
        ge=1,
        description="More entries than this waiting for the centre: the link-<edge>-outbox "
        "device is degraded.",
    )
    backlog_max_age_s: float = Field(
        default=300.0,
        gt=0,
        le=30 * 86_400,
        description="An entry waiting longer than this: the link-<edge>-outbox device is degraded.",
    )

    @model_validator(mode="after")
    def _credentials(self) -> EdgeLinkConfig:
        if self.password_file is None and not self.anonymous:
            raise ValueError(
                "no credentials for the central broker: set password_file (this edge's "
                "password, from `kordon central-credentials`) or, for a development broker "
                "only, anonymous: true"
            )
        if self.password_file is not None and self.anonymous:
            raise ValueError("anonymous: true and a password_file exclude each other")
        return self


FieldPath = tuple[str | int, ...]


def edge_file_problems(
    edge: EdgeLinkConfig, resolve: Callable[[Path], Path]
) -> list[tuple[FieldPath, str]]:
    """What is wrong with the files ``edge`` names (paths resolved by ``resolve``):
    ``(field path within the section, message)`` each; empty when all are usable."""
    problems: list[tuple[FieldPath, str]] = []
    if edge.password_file is not None:
        path = resolve(edge.password_file)
        try:
            lines = read_bounded_text(path, SECRET_FILE).splitlines()
        except FileReadError as exc:
            problems.append((("password_file",), f"{exc.problem} ({path})"))
        else:
            if not lines or not lines[0].strip():
                problems.append(
                    (("password_file",), f"{path} holds no password (its first line is empty)")
                )
    if edge.tls is not None:
        named = {
            "ca_file": edge.tls.ca_file,
            "cert_file": edge.tls.cert_file,
            "key_file": edge.tls.key_file,
        }
        for name, file in named.items():
            if file is None:
                continue
            path = resolve(file)
            try:
                read_bounded_text(path, TLS_FILE)
            except FileReadError as exc:
                problems.append((("tls", name), f"{exc.problem} ({path})"))
    return problems
